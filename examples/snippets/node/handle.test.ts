/** docs/node.md, "Serving functions": the handle `serve()` resolves to. */
import { http } from '@skyport/core';
import { serve } from '@skyport/node';
import { expect, it } from 'vitest';
import { functions } from '../../orders/src/functions.js';

it('tells the bound port, the URL and every route', async () => {
  const server = await serve(functions, { port: 0, host: '127.0.0.1', announce: false });
  try {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.routes).toEqual([
      { methods: ['GET'], path: '/orders', function: 'api', kind: 'http' },
      { methods: ['GET'], path: '/orders/export', function: 'api', kind: 'http' },
      { methods: ['GET'], path: '/orders/:id', function: 'api', kind: 'http' },
      { methods: ['POST'], path: '/orders', function: 'api', kind: 'http' },
      { methods: ['DELETE'], path: '/orders/:id', function: 'api', kind: 'http' },
      { methods: ['POST'], path: '/_skyport/fulfilOrder', function: 'fulfilOrder', kind: 'queue' },
      { methods: ['POST'], path: '/_skyport/receiptUploaded', function: 'receiptUploaded', kind: 'storage' },
      { methods: ['POST'], path: '/_skyport/nightlyReport', function: 'nightlyReport', kind: 'schedule' },
    ]);
  } finally {
    await server.close();
  }
});

it('counts requests in flight, and close() lets them finish', async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered = () => {};
  const running = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
    entered();
    await gate;
    return 'done';
  });
  const server = await serve({ slow }, { port: 0, host: '127.0.0.1', announce: false });
  const pending = fetch(`${server.url}/slow`);
  await running;
  expect(server.inflight).toBe(1);

  const closed = server.close();
  release();
  const res = await pending;
  expect(await res.text()).toBe('done');
  await closed;
  expect(server.inflight).toBe(0);
});
