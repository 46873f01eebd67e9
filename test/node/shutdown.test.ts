import { describe, expect, it, vi } from 'vitest';
import { startNode } from './helpers.js';

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
