import { collectLogs, httpRequest, invoke, message, scheduleTick, storageEvent } from '@skyport/testing';
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

  it('exports the orders as NDJSON, one line per order, filtered by status', async () => {
    await invoke(api, httpRequest({ method: 'POST', path: '/orders', body: newOrder }));
    await invoke(
      api,
      httpRequest({ method: 'POST', path: '/orders', body: { ...newOrder, customer: 'bob@example.com' } }),
    );
    await store().transition('ord_2', ['pending'], 'fulfilled');

    const all = await invoke(api, httpRequest({ path: '/orders/export' }));
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('application/x-ndjson');
    const lines = String(all.body)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((order) => [order.id, order.status])).toEqual([
      ['ord_1', 'pending'],
      ['ord_2', 'fulfilled'],
    ]);

    const fulfilled = await invoke(api, httpRequest({ path: '/orders/export?status=fulfilled' }));
    expect(String(fulfilled.body)).toBe(`${JSON.stringify(await store().get('ord_2'))}\n`);
    expect((await invoke(api, httpRequest({ path: '/orders/export?status=lost' }))).status).toBe(422);
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

  it('fulfils an order once however often the message comes, and never one cancelled meanwhile', async () => {
    // Prepare
    const logs = collectLogs();
    const first = await store().create(newOrder);
    const second = await store().create(newOrder);

    // Act: the same message twice, at once; a cancel and a fulfilment of the other order, at once.
    const [a, b] = await Promise.all([
      invoke(fulfilOrder, message({ id: 'm1', body: { orderId: first.id } })),
      invoke(fulfilOrder, message({ id: 'm1', body: { orderId: first.id } })),
    ]);
    const [cancel, fulfil] = await Promise.all([
      invoke(api, httpRequest({ method: 'DELETE', path: `/orders/${second.id}` })),
      invoke(fulfilOrder, message({ id: 'm2', body: { orderId: second.id } })),
    ]);
    const again = await invoke(api, httpRequest({ method: 'DELETE', path: `/orders/${second.id}` }));
    logs.restore();

    // Assert: every delivery acknowledged, the work done once, the cancel honoured.
    expect([a.ok, b.ok, fulfil.ok]).toEqual([true, true, true]);
    expect(logs.find('order fulfilled')).toHaveLength(1);
    expect([cancel.status, again.status]).toEqual([204, 204]);
    expect((await store().get(second.id))?.status).toBe('cancelled');
    const late = await invoke(api, httpRequest({ method: 'DELETE', path: `/orders/${first.id}` }));
    expect(late.status).toBe(409);
  });

  it('adds money in cents and refuses amounts a total could not hold', async () => {
    const dimes = await invoke(
      api,
      httpRequest({
        method: 'POST',
        path: '/orders',
        body: { ...newOrder, lines: [{ sku: 'dime', qty: 3, unitPrice: 0.1 }] },
      }),
    );
    const huge = await invoke(
      api,
      httpRequest({
        method: 'POST',
        path: '/orders',
        body: { ...newOrder, lines: [{ sku: 'x', qty: 2, unitPrice: 1e308 }] },
      }),
    );
    expect((dimes.body as { total: number }).total).toBe(0.3);
    expect(huge.status).toBe(422);
  });
});
