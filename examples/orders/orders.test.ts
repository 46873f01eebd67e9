import { httpRequest, invoke, message, scheduleTick, storageEvent } from '@skyport/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { api, fulfilOrder, nightlyReport, receiptUploaded } from './src/functions.js';
import { createMemoryStore, store, useStore } from './src/store.js';

const newOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };

describe('orders example', () => {
  beforeEach(() => useStore(createMemoryStore(() => new Date('2026-01-01T00:00:00Z'))));

  it('creates, reads, lists and cancels an order', async () => {
    const created = await invoke(api, httpRequest({ method: 'POST', path: '/orders', body: newOrder }));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/orders/ord_1');
    expect(created.body).toMatchObject({ id: 'ord_1', total: 25, status: 'pending' });

    const read = await invoke(api, httpRequest({ path: '/orders/ord_1' }));
    expect(read.body).toMatchObject({ id: 'ord_1', customer: 'ada@example.com' });

    const list = await invoke(api, httpRequest({ path: '/orders?status=pending&limit=5' }));
    expect(list.body).toEqual({ orders: [created.body] });

    const cancelled = await invoke(api, httpRequest({ method: 'DELETE', path: '/orders/ord_1' }));
    expect(cancelled.status).toBe(204);
    expect((await store().get('ord_1'))?.status).toBe('cancelled');
  });

  it('answers 404, 405, 415 and 422 as problem details', async () => {
    expect((await invoke(api, httpRequest({ path: '/orders/nope' }))).status).toBe(404);
    expect((await invoke(api, httpRequest({ path: '/nowhere' }))).status).toBe(404);
    const wrongMethod = await invoke(api, httpRequest({ method: 'PUT', path: '/orders/ord_1' }));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, DELETE, HEAD, OPTIONS');
    const text = await invoke(
      api,
      httpRequest({ method: 'POST', path: '/orders', headers: { 'content-type': 'text/plain' }, body: 'hi' }),
    );
    expect(text.status).toBe(415);
    const invalid = await invoke(
      api,
      httpRequest({ method: 'POST', path: '/orders', body: { customer: 'x', lines: [] } }),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.headers['content-type']).toBe('application/problem+json');
    expect((invalid.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      'body.customer',
      'body.lines',
    ]);
  });

  it('fulfils from the queue, attaches receipts and reports nightly', async () => {
    const order = await store().create(newOrder);
    const out = await invoke(fulfilOrder, [
      message({ id: 'm1', body: { orderId: order.id } }),
      message({ id: 'm2', body: { orderId: 'ord_missing' } }),
      message({ id: 'm3', body: { wrong: true } }),
    ]);
    expect(out.failures.map((failure) => failure.id)).toEqual(['m2', 'm3']);
    expect((await store().get(order.id))?.status).toBe('fulfilled');

    const receipt = await invoke(
      receiptUploaded,
      storageEvent({ bucket: 'receipts', key: `receipts/${order.id}.pdf` }),
    );
    expect(receipt.ok).toBe(true);
    expect((await store().get(order.id))?.receipt).toBe(`receipts/${order.id}.pdf`);

    expect((await invoke(nightlyReport, scheduleTick())).ok).toBe(true);
  });
});
