/**
 * README.md: the package table, the "Run it" commands and curl lines, the quick start comments,
 * the deploy table and the repository layout.
 */
import { readFileSync } from 'node:fs';
import * as aws from '@skyport/aws';
import * as azure from '@skyport/azure';
import * as core from '@skyport/core';
import { apiKeyAuth, cloudPrincipal, jwtAuth } from '@skyport/core/auth';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import * as gcp from '@skyport/gcp';
import * as node from '@skyport/node';
import * as otel from '@skyport/otel';
import * as testing from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rates } from '../../legacy-lambda/functions.js';
import { functions } from '../../orders/src/functions.js';
import { createMemoryStore, useStore } from '../../orders/src/store.js';
import { getTodo, reminders } from '../../quickstart/functions.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('the packages', () => {
  it('export what the table lists', () => {
    const exported: [Record<string, unknown>, string[]][] = [
      [core, ['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events', 'router', 'createMiddleware']],
      [core, ['cors', 'timeout', 'HttpError', 'SkyportError', 'createHttpRequest', 'createMessage']],
      [aws, ['toLambda', 'fromLambda']],
      [azure, ['register', 'toAzure']],
      [gcp, ['register', 'toGcp']],
      [node, ['serve']],
      [testing, ['invoke', 'httpRequest', 'message', 'fakeContext', 'collectLogs']],
      [otel, ['startTelemetry']],
    ];
    for (const [module, names] of exported) {
      for (const name of names) expect(typeof module[name], name).toBe('function');
    }
    for (const middleware of [jwtAuth, apiKeyAuth, cloudPrincipal, logger, tracing]) {
      expect(typeof middleware).toBe('function');
    }
    const bin = (JSON.parse(read('packages/node/package.json')) as { bin: Record<string, string> }).bin;
    expect(Object.keys(bin)).toEqual(['skyport']);
  });
});

describe('Run it', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> };

  it('has the scripts the commands name', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.scripts.start).toBe('npm run build && node --import tsx examples/orders/node.ts');
    expect(pkg.scripts.test).toBe('npm run typecheck && npm run lint && vitest run && npm run test:runtimes');
    expect(pkg.scripts['test:runtimes']).toBe('bash scripts/test-runtimes.sh');
    expect(pkg.scripts.bench).toMatch(/^npm run build && .*bench\/run\.ts$/);
    expect(pkg.scripts.skyport).toBe('node --import tsx packages/node/src/cli.ts');
    // serve() reads PORT itself (digits only, blank as unset): the example passes no port of its own.
    expect(read('examples/orders/node.ts')).not.toContain('port:');
  });

  describe('the curl lines, against the same functions', () => {
    let server: node.ServeHandle | undefined;
    beforeAll(async () => {
      useStore(createMemoryStore());
      server = await node.serve(functions, { port: 0, host: '127.0.0.1', announce: false });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('create, read, fulfil and list an order', async () => {
      const base = server?.url ?? '';
      const json = { 'content-type': 'application/json' };
      const created = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: json,
        body: '{"customer":"ada@example.com","lines":[{"sku":"book","qty":2,"unitPrice":12.5}]}',
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ id: 'ord_1', status: 'pending', total: 25 });
      expect(await (await fetch(`${base}/orders/ord_1`)).json()).toMatchObject({ id: 'ord_1' });
      const fulfilled = await fetch(`${base}/_skyport/fulfilOrder`, {
        method: 'POST',
        headers: json,
        body: '{"id":"m1","body":{"orderId":"ord_1"}}',
      });
      expect(await fulfilled.json()).toEqual({ ok: true, failures: [] });
      const listed = (await (await fetch(`${base}/orders?status=fulfilled`)).json()) as { orders: { id: string }[] };
      expect(listed.orders.map((o) => o.id)).toEqual(['ord_1']);
    });
  });
});

describe('Quick start', () => {
  it('an unknown todo is a 404 application/problem+json', async () => {
    const res = await testing.invoke(getTodo, testing.httpRequest({ path: '/todos/404' }));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('a failing reminder retries that message only', async () => {
    const out = await testing.invoke(reminders, [
      testing.message({ id: 'ok', body: { id: '1' } }),
      testing.message({ id: 'bad', body: {} }),
    ]);
    expect(out.failures.map((f) => f.id)).toEqual(['bad']);
  });
});

describe('Deploy', () => {
  it('each entry file of the orders example holds what the table says', () => {
    expect(read('examples/orders/aws.ts')).toContain('export const api = toLambda(functions.api)');
    expect(read('examples/orders/azure/index.ts')).toContain('register(app, functions');
    expect(read('examples/orders/gcp/index.ts')).toContain('register(functions');
    const serve = read('examples/orders/node.ts');
    expect(serve).toContain('serve(functions');
    expect(serve).toContain('gracefulShutdown(server)');
    const gcpScripts = (JSON.parse(read('examples/orders/gcp/package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(gcpScripts['deploy:api']).toMatch(
      /^npm run build && gcloud functions deploy api --gen2 .*--entry-point=api/,
    );
    // nodejs20 is decommissioned on Cloud Run functions: gcloud refuses to deploy on it.
    for (const [name, script] of Object.entries(gcpScripts)) {
      if (name.startsWith('deploy:')) expect(script).toContain('--runtime=nodejs22 ');
    }
  });

  it('the legacy Lambda handler gets CORS and a time budget without being edited', () => {
    expect(rates.middleware.map((mw) => mw.name)).toEqual(['cors', 'timeout']);
  });
});

describe('Repository layout', () => {
  it('.ci/run installs from the lock file and runs npm test', () => {
    const run = read('.ci/run');
    expect(run).toContain('npm ci');
    expect(run).toContain('npm test');
  });
});
