/** docs/testing.md, `invoke()`: an http function and a queue batch of the orders example. */
import { httpRequest, invoke, message } from '@skyport/testing';
import { expect, it } from 'vitest';
import { api, fulfilOrder } from './src/functions.js';

const newOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };

it('places an order, refuses an invalid one and fulfils from the queue', async () => {
  const created = await invoke(api, httpRequest({ method: 'POST', path: '/orders', body: newOrder }));
  expect(created.status).toBe(201);
  expect(created.headers.location).toBe('/orders/ord_1');

  const invalid = await invoke(
    api,
    httpRequest({ method: 'POST', path: '/orders', body: { customer: 'x', lines: [] } }),
  );
  expect(invalid.status).toBe(422);
  expect((invalid.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
    'body.customer',
    'body.lines',
  ]);

  const out = await invoke(fulfilOrder, [
    message({ id: 'm1', body: { orderId: 'ord_1' } }),
    message({ id: 'm2', body: { orderId: 'ord_missing' } }),
  ]);
  expect(out.failures.map((f) => f.id)).toEqual(['m2']);
});
