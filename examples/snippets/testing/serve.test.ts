/** docs/testing.md, "Over HTTP": the orders functions behind a real `serve()` on a loopback port. */
import { serve } from '@skyport/node';
import { expect, it } from 'vitest';
import { functions } from './src/functions.js';

it('serves the orders example over HTTP', async () => {
  const server = await serve(functions, { port: 0, host: '127.0.0.1', announce: false });
  try {
    const created = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] }),
    });
    expect(created.status).toBe(201);

    const fulfilled = await fetch(`${server.url}/_skyport/fulfilOrder`, {
      method: 'POST',
      body: JSON.stringify({ body: { orderId: 'ord_1' } }),
    });
    expect(await fulfilled.json()).toEqual({ ok: true, failures: [] });

    const order = await fetch(`${server.url}/orders/ord_1`);
    expect(await order.json()).toMatchObject({ id: 'ord_1', status: 'fulfilled' });
  } finally {
    await server.close();
  }
});
