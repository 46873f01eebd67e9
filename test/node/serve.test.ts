import { gracefulShutdown, type ServeHandle, serve } from '@skyport/node';
import { collectLogs } from '@skyport/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functions } from '../../examples/orders/src/functions.js';
import { createMemoryStore, store, useStore } from '../../examples/orders/src/store.js';
import { chunkedRequest, fixture } from './helpers.js';

const newOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };
const json = { 'content-type': 'application/json' };
const bodyLimit = 64 * 1024;

let server: ServeHandle;

async function post(path: string, body: unknown, headers: Record<string, string> = json): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function createOrder(): Promise<{ id: string }> {
  const res = await post('/orders', newOrder);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

describe('serve() running the orders example over HTTP', () => {
  beforeAll(async () => {
    server = await serve(functions, { port: 0, host: '127.0.0.1', bodyLimit, announce: false });
  });
  afterAll(() => server.close());
  beforeEach(() => useStore(createMemoryStore(() => new Date('2026-01-01T00:00:00Z'))));

  it('lists its http routes and one event route per other function', () => {
    // Assert
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.routes.map((r) => `${r.methods.join(',')} ${r.path} ${r.function}`)).toEqual([
      'GET /orders api',
      'GET /orders/export api',
      'GET /orders/:id api',
      'POST /orders api',
      'DELETE /orders/:id api',
      'POST /_skyport/fulfilOrder fulfilOrder',
      'POST /_skyport/receiptUploaded receiptUploaded',
      'POST /_skyport/nightlyReport nightlyReport',
    ]);
  });

  it('streams the orders export as NDJSON, chunked, with CORS headers', async () => {
    // Prepare
    await post('/orders', newOrder);
    await post('/orders', newOrder);

    // Act
    const res = await fetch(`${server.url}/orders/export`, { headers: { origin: 'https://shop.example' } });
    const text = await res.text();

    // Assert
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual(['ord_1', 'ord_2']);
  });

  it('creates, reads, lists and cancels an order', async () => {
    // Act
    const created = await post('/orders', newOrder);
    const read = await fetch(`${server.url}/orders/ord_1`);
    const list = await fetch(`${server.url}/orders?status=pending&limit=5`);
    const cancelled = await fetch(`${server.url}/orders/ord_1`, { method: 'DELETE' });
    const again = await fetch(`${server.url}/orders?status=cancelled`);

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/orders/ord_1');
    expect(created.headers.get('access-control-allow-origin')).toBe('*');
    const order = await created.json();
    expect(order).toMatchObject({ id: 'ord_1', total: 25, status: 'pending', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(order);
    expect(await list.json()).toEqual({ orders: [order] });
    expect(cancelled.status).toBe(204);
    expect(await cancelled.text()).toBe('');
    expect(((await again.json()) as { orders: { id: string }[] }).orders.map((o) => o.id)).toEqual(['ord_1']);
  });

  it('answers HEAD like GET without a body, and keeps the request id it was given', async () => {
    // Prepare
    await createOrder();

    // Act
    const head = await fetch(`${server.url}/orders/ord_1`, { method: 'HEAD' });
    const missing = await fetch(`${server.url}/orders/ord_9`, { headers: { 'x-request-id': 'req-42' } });

    // Assert
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, detail: 'no order ord_9', requestId: 'req-42' });
  });

  it('answers 404 and 405 (with Allow) as problem details', async () => {
    // Act
    const unknown = await fetch(`${server.url}/nowhere`);
    const wrongMethod = await fetch(`${server.url}/orders/ord_1`, { method: 'PUT' });

    // Assert
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
    expect(await wrongMethod.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' });
  });

  it('answers 400 for malformed JSON, 415 for a non-JSON body and 422 with every failing path', async () => {
    // Act
    const malformed = await fetch(`${server.url}/orders`, { method: 'POST', headers: json, body: '{"customer":' });
    const text = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'two books please',
    });
    const invalid = await post('/orders', { customer: 'not-an-email', lines: [] });

    // Assert
    expect(malformed.status).toBe(400);
    expect(text.status).toBe(415);
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await invalid.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['body.customer', 'body.lines']);
    expect(await store().list({ limit: 10 })).toEqual([]);
  });

  it('answers 413 for a body declared larger than the limit', async () => {
    // Prepare
    const big = { ...newOrder, note: 'x'.repeat(bodyLimit) };

    // Act
    const res = await post('/orders', big);

    // Assert
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
    expect(await store().list({ limit: 10 })).toEqual([]);
  });

  it('answers 413 while a chunked body is still streaming in, before the upload ends', async () => {
    // Prepare: more than the limit, and the upload is never finished
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const chunks = Array.from({ length: 6 }, () => chunk);

    // Act
    const res = await chunkedRequest(`${server.url}/orders`, chunks, false);

    // Assert
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('accepts a chunked body under the limit', async () => {
    // Act
    const res = await chunkedRequest(`${server.url}/orders`, [Buffer.from(JSON.stringify(newOrder))], true);

    // Assert
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ id: 'ord_1', total: 25 });
  });

  it('runs a queue message posted to /_skyport/<name>', async () => {
    // Prepare
    const order = await createOrder();

    // Act
    const res = await post('/_skyport/fulfilOrder', { id: 'm1', body: { orderId: order.id }, attempt: 2 });

    // Assert
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, failures: [] });
    expect((await store().get(order.id))?.status).toBe('fulfilled');
  });

  it('answers a batch with its failures and a 500, so nothing failed is acknowledged', async () => {
    // Prepare
    const order = await createOrder();
    const logs = collectLogs();

    // Act
    const res = await post('/_skyport/fulfilOrder', [
      { id: 'm1', body: { orderId: order.id } },
      { id: 'm2', body: { orderId: 'ord_missing' } },
      { id: 'm3', body: { wrong: true } },
    ]);
    logs.restore();

    // Assert
    expect(res.status).toBe(500);
    const result = (await res.json()) as { ok: boolean; failures: { id: string; error: { name: string } }[] };
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => [f.id, f.error.name])).toEqual([
      ['m2', 'NotFound'],
      ['m3', 'SkyportError'],
    ]);
    expect((await store().get(order.id))?.status).toBe('fulfilled');
    expect(logs.find('failed').map((line) => line.messageId)).toEqual(['m2', 'm3']);
  });

  it('runs a storage event posted to /_skyport/<name>', async () => {
    // Prepare
    const order = await createOrder();

    // Act
    const res = await post('/_skyport/receiptUploaded', { key: `receipts/${order.id}.pdf`, size: 1024 });
    const unknownOrder = await post('/_skyport/receiptUploaded', { key: 'receipts/ord_404.pdf' });

    // Assert
    expect(res.status).toBe(200);
    expect((await store().get(order.id))?.receipt).toBe(`receipts/${order.id}.pdf`);
    expect(unknownOrder.status).toBe(500);
    expect(await unknownOrder.json()).toMatchObject({ ok: false, failures: [{ id: 'receipts/ord_404.pdf' }] });
  });

  it('runs the schedule with an empty POST', async () => {
    // Prepare
    const logs = collectLogs();

    // Act
    const res = await fetch(`${server.url}/_skyport/nightlyReport`, { method: 'POST' });
    logs.restore();

    // Assert
    expect(res.status).toBe(200);
    expect(logs.find('nightly report')).toHaveLength(1);
  });

  it('refuses bad event requests with the matching status', async () => {
    // Act
    const noKey = await post('/_skyport/receiptUploaded', { size: 1 });
    const notJson = await fetch(`${server.url}/_skyport/fulfilOrder`, { method: 'POST', headers: json, body: '{' });
    const unknown = await post('/_skyport/nope', {});
    const get = await fetch(`${server.url}/_skyport/fulfilOrder`);
    const tooBig = await post('/_skyport/fulfilOrder', { body: 'x'.repeat(bodyLimit) });

    // Assert
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ code: 'INVALID_EVENT' });
    expect(notJson.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toContain(
      'fulfilOrder, receiptUploaded, nightlyReport',
    );
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(tooBig.status).toBe(413);
  });

  it('runs a raw SQS event posted to /_skyport/<name> through @skyport/aws', async () => {
    // Prepare: the real sample's messages carry no order id, so both must be reported failed
    const sample = fixture('aws/sqs/powertools-ts__base.json');

    // Act
    const res = await post('/_skyport/fulfilOrder', sample);

    // Assert
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      batchItemFailures: [
        { itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' },
        { itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da' },
      ],
    });
  });

  it('runs a raw Pub/Sub push envelope posted to /_skyport/<name> through @skyport/gcp', async () => {
    // Prepare
    const order = await createOrder();
    const push = (orderId: string, messageId: string) => ({
      message: {
        data: Buffer.from(JSON.stringify({ orderId })).toString('base64'),
        messageId,
        publishTime: '2026-01-01T00:00:00.000Z',
        attributes: {},
      },
      subscription: 'projects/shop/subscriptions/orders-push',
    });

    // Act
    const ok = await post('/_skyport/fulfilOrder', push(order.id, 'p1'));
    const failed = await post('/_skyport/fulfilOrder', push('ord_missing', 'p2'));

    // Assert
    expect(ok.status).toBe(200);
    expect((await store().get(order.id))?.status).toBe('fulfilled');
    expect(failed.status).toBeGreaterThanOrEqual(400);
  });

  it('gracefulShutdown() closes the server on a signal', async () => {
    // Prepare
    let closedBy = '';
    const lines: string[] = [];
    const remove = gracefulShutdown(
      {
        inflight: 0,
        close: async () => {
          closedBy = 'close';
        },
      },
      { signals: ['SIGUSR2'], exit: false, print: (line) => lines.push(line) },
    );

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((resolve) => setImmediate(resolve));
    remove();

    // Assert
    expect(closedBy).toBe('close');
    expect(lines).toEqual(['skyport: SIGUSR2 received, finishing 0 in-flight requests', 'skyport: stopped']);
  });
});
