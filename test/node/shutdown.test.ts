import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { root, startNode } from './helpers.js';

// Each test starts Node processes, which take seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

function urlOf(stdout: string): string {
  const url = /serving \d+ functions? at (http:\/\/\S+)/.exec(stdout)?.[1];
  if (url === undefined) throw new Error(`no startup line in: ${stdout}`);
  return url;
}

describe('graceful shutdown on SIGTERM', () => {
  it('skyport serve finishes a slow in-flight request, then exits 0', async () => {
    // Prepare
    const child = startNode([
      'packages/node/src/cli.ts',
      'serve',
      'test/node/slow-app.ts',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ]);
    await child.waitFor('skyport: serving');
    const url = urlOf(child.stdout());
    const inflight = fetch(`${url}/slow?ms=700`, { method: 'POST' });
    await child.waitFor('slow request started');

    // Act
    child.process.kill('SIGTERM');
    const res = await inflight;
    const code = await child.exited;

    // Assert
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ waited: 700 });
    expect(code).toBe(0);
    expect(child.stderr()).toContain('skyport: SIGTERM received, finishing 1 in-flight request');
    expect(child.stderr()).toContain('skyport: stopped');
  });

  it('skyport serve lets a request whose client left finish within the grace before it exits', async () => {
    // Prepare: work that goes on after its client gave up (a commit), then logs
    const core = pathToFileURL(join(root, 'packages/core/src/index.ts')).href;
    const module = join(mkdtempSync(join(tmpdir(), 'skyport-shutdown-')), 'app.mts');
    writeFileSync(
      module,
      [
        `import { http } from ${JSON.stringify(core)};`,
        "export const work = http({ method: 'POST', path: '/work' }).handle(async (_req, ctx) => {",
        "  ctx.log.info('work started');",
        '  await new Promise((resolve) => setTimeout(resolve, 2500));',
        "  ctx.log.info('committed');",
        '  return { status: 204 };',
        '});',
      ].join('\n'),
    );
    const child = startNode(['packages/node/src/cli.ts', 'serve', module, '--port', '0', '--host', '127.0.0.1']);
    await child.waitFor('skyport: serving');
    const url = urlOf(child.stdout());
    const gaveUp = new AbortController();
    const leaving = fetch(`${url}/work`, { method: 'POST', signal: gaveUp.signal }).catch(() => 'left');
    await child.waitFor('work started');
    await new Promise((resolve) => setTimeout(resolve, 500));
    gaveUp.abort();
    await leaving;
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Act
    child.process.kill('SIGTERM');
    const code = await child.exited;

    // Assert
    expect(child.stderr()).toContain('skyport: SIGTERM received, finishing 1 in-flight request');
    expect(child.stdout()).toContain('committed');
    expect(child.stderr()).toContain('skyport: stopped');
    expect(code).toBe(0);
  });

  it('the orders Node entry (npm start) prints its URL and curl lines, serves, and stops cleanly', async () => {
    // Prepare
    const child = startNode(['examples/orders/node.ts'], { PORT: '0' });
    await child.waitFor('curl -i -X DELETE');
    const url = urlOf(child.stdout());

    // Act
    const created = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 3 }] }),
    });
    child.process.kill('SIGINT');
    const code = await child.exited;

    // Assert
    expect(created.status).toBe(201);
    expect(child.stdout()).toContain(`curl -i -X POST ${url}/orders -H 'content-type: application/json'`);
    expect(child.stdout()).toContain(`curl -s -X POST ${url}/_skyport/fulfilOrder`);
    expect(code).toBe(0);
  });
});
