/**
 * docs/node.md, "Events over HTTP": the JSON fields and defaults of each kind at
 * `POST /_skyport/<name>`, the batch answer, the error table, and raw cloud events.
 */
import {
  type ChangeEvent,
  type CloudEvent,
  changes,
  events,
  http,
  type Message,
  queue,
  type ScheduleTick,
  type StorageEvent,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { type ServeHandle, serve } from '@skyport/node';
import { aws, gcp } from '@skyport/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { functions } from '../../orders/src/functions.js';
import { createMemoryStore, useStore } from '../../orders/src/store.js';

const seen = {
  queue: [] as Message[],
  stream: [] as StreamRecord[],
  storage: [] as StorageEvent[],
  schedule: [] as ScheduleTick[],
  changes: [] as ChangeEvent[],
  events: [] as CloudEvent[],
};
afterEach(() => {
  for (const list of Object.values(seen)) list.length = 0;
});

const fns = {
  orders: queue({ name: 'orders' }).handle((msg: Message) => {
    seen.queue.push(msg);
    if ((msg.body as { fail?: string } | undefined)?.fail) throw new Error((msg.body as { fail: string }).fail);
  }),
  clicks: stream({ name: 'clicks' }).handle((record: StreamRecord) => {
    seen.stream.push(record);
  }),
  uploads: storage({ bucket: 'receipts' }).handle((object: StorageEvent) => {
    seen.storage.push(object);
  }),
  nightly: schedule({ cron: '0 3 * * *' }).handle((tick: ScheduleTick) => {
    seen.schedule.push(tick);
  }),
  hourly: schedule({ cron: '0 * * * *', name: 'every-hour' }).handle((tick: ScheduleTick) => {
    seen.schedule.push(tick);
  }),
  docs: changes({ collection: 'orders' }).handle((change: ChangeEvent) => {
    seen.changes.push(change);
  }),
  anything: events().handle((event: CloudEvent) => {
    seen.events.push(event);
  }),
  strict: queue({ name: 'strict', body: z.object({ id: z.string() }) }).handle(() => undefined),
  api: http({ method: 'GET', path: '/hello' }).handle(() => 'hello'),
  ordered: stream({ name: 'ordered' }).handle((record: StreamRecord) => {
    if (record.sequence === '2') throw new Error('stuck');
  }),
};

let server: ServeHandle;
beforeAll(async () => {
  server = await serve(fns, { port: 0, host: '127.0.0.1', announce: false });
});
afterAll(() => server.close());

const post = (name: string, body?: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${server.url}/_skyport/${name}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
const postJson = (name: string, value: unknown) => post(name, JSON.stringify(value));

describe('JSON fields and defaults', () => {
  it('queue: body, id, attributes, attempt, publishedAt, source, groupId, orderingKey', async () => {
    const before = Date.now();
    await postJson('orders', [
      {},
      {
        id: 'm-1',
        body: 'plain text',
        attributes: { tenant: 'acme', retries: 3, vip: true },
        attempt: 2,
        publishedAt: '2026-01-02T03:04:05.000Z',
        source: 'other',
        groupId: 'g',
        orderingKey: 'k',
      },
      { id: 'm-2', body: { a: 1 }, publishedAt: 1767225600000 },
    ]);
    const [defaults, given, epoch] = seen.queue as [Message, Message, Message];
    expect(defaults.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(defaults).toMatchObject({ attributes: {}, attempt: 1, source: 'orders', groupId: undefined });
    expect(defaults.publishedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(given).toMatchObject({
      id: 'm-1',
      body: 'plain text',
      attributes: { tenant: 'acme', retries: '3', vip: 'true' },
      attempt: 2,
      source: 'other',
      groupId: 'g',
      orderingKey: 'k',
    });
    expect(given.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(epoch.body).toEqual({ a: 1 });
    expect(epoch.publishedAt.getTime()).toBe(1767225600000);
  });

  it('stream: body, sequence, id (the sequence), partitionKey (default), publishedAt, source', async () => {
    const before = Date.now();
    await postJson('clicks', [{ sequence: '42', body: { page: '/' } }, { id: 'r-1' }, {}, {}]);
    const [first, second, third, fourth] = seen.stream as [StreamRecord, StreamRecord, StreamRecord, StreamRecord];
    expect(Number(third.sequence)).toBeGreaterThanOrEqual(before);
    expect(third.id).toBe(third.sequence);
    // One more for each later record.
    expect(Number(fourth.sequence)).toBe(Number(third.sequence) + 1);
    expect(first).toMatchObject({
      id: '42',
      sequence: '42',
      partitionKey: 'default',
      source: 'clicks',
      body: { page: '/' },
    });
    expect(second).toMatchObject({ id: 'r-1', sequence: 'r-1' });
  });

  it("storage: key required, type created, bucket the definition's", async () => {
    await postJson('uploads', [
      { key: 'a.pdf' },
      { key: 'b.pdf', type: 'deleted', bucket: 'other', size: '2048', etag: 'e', contentType: 'application/pdf' },
    ]);
    expect(seen.storage.map(({ key, type, bucket, size }) => ({ key, type, bucket, size }))).toEqual([
      { key: 'a.pdf', type: 'created', bucket: 'receipts', size: undefined },
      { key: 'b.pdf', type: 'deleted', bucket: 'other', size: 2048 },
    ]);
  });

  it('schedule: an empty body is a tick now, named after the definition or the function', async () => {
    const before = Date.now();
    expect((await post('nightly')).status).toBe(200);
    await post('hourly', '');
    await postJson('nightly', { scheduledTime: '2026-05-01T03:00:00.000Z', isPastDue: true, name: 'late' });
    const [now, named, given] = seen.schedule as [ScheduleTick, ScheduleTick, ScheduleTick];
    expect([now.name, now.isPastDue]).toEqual(['nightly', false]);
    expect(now.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(named.name).toBe('every-hour');
    expect([given.name, given.isPastDue, given.scheduledTime.toISOString()]).toEqual([
      'late',
      true,
      '2026-05-01T03:00:00.000Z',
    ]);
  });

  it("changes: op required, collection the definition's", async () => {
    await postJson('docs', { op: 'update', key: { id: 'o-1' }, before: { total: 1 }, after: { total: 2 } });
    expect(seen.changes[0]).toMatchObject({
      op: 'update',
      collection: 'orders',
      key: { id: 'o-1' },
      before: { total: 1 },
      after: { total: 2 },
    });
  });

  it('events: a CloudEvent, id a UUID when absent', async () => {
    await postJson('anything', {
      source: '//shop',
      type: 'order.created',
      subject: 'ord_1',
      time: '2026-01-02T03:04:05.000Z',
      datacontenttype: 'application/json',
      data: { id: 'ord_1' },
      extensions: { tenant: 'acme' },
    });
    expect(seen.events[0]).toMatchObject({
      source: '//shop',
      type: 'order.created',
      subject: 'ord_1',
      datacontenttype: 'application/json',
      data: { id: 'ord_1' },
      extensions: { tenant: 'acme' },
    });
    expect(seen.events[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('null counts as absent', async () => {
    await postJson('orders', { id: null, attempt: null, attributes: null });
    expect(seen.queue[0]).toMatchObject({ attempt: 1, attributes: {} });
  });
});

describe('refused events: 400 problem details, nothing run', () => {
  it.each([
    ['a body that is not JSON', 'orders', '{"id":', 'MALFORMED_JSON'],
    ['a queue event that is not an object', 'orders', '"text"', 'INVALID_EVENT'],
    ['a storage event without key', 'uploads', '{"type":"created"}', 'INVALID_EVENT'],
    ['a changes event without op', 'docs', '{"key":{}}', 'INVALID_EVENT'],
    ['a CloudEvent without type', 'anything', '{"source":"//shop"}', 'INVALID_EVENT'],
    ['a CloudEvent without source', 'anything', '{"type":"order.created"}', 'INVALID_EVENT'],
    ['a time that is not a date', 'nightly', '{"scheduledTime":"not-a-date"}', 'INVALID_EVENT'],
    ['an attempt below 1', 'orders', '{"attempt":0}', 'INVALID_EVENT'],
    ['a negative size', 'uploads', '{"key":"a","size":-1}', 'INVALID_EVENT'],
    ['an id that is not a string', 'orders', '{"id":7}', 'INVALID_EVENT'],
    ['a message with a misspelled body', 'orders', '{"Body":{"orderId":"o1"}}', 'INVALID_EVENT'],
    ['a record with a field records do not have', 'clicks', '{"data":"x"}', 'INVALID_EVENT'],
  ])('%s', async (_name, name, body, code) => {
    const res = await post(name, body, { 'content-type': 'application/json', 'x-request-id': 'req-5' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code, requestId: 'req-5' });
    expect(Object.values(seen).flat()).toEqual([]);
  });

  it('names the field in detail', async () => {
    const res = await postJson('orders', { attempt: {} });
    expect(((await res.json()) as { detail: string }).detail).toBe(
      'node: "attempt" must be an integer of at least 1 (queue function, got object {attempt})',
    );
  });

  it('answers 404 listing the event functions for an unknown name', async () => {
    const res = await postJson('nope', {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('orders, clicks, uploads');
  });

  it('answers 404 with code HTTP_FUNCTION for an http function, even for a raw HTTP event', async () => {
    const res = await postJson('api', aws.apiGatewayV2({ path: '/hello' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'HTTP_FUNCTION' });
  });

  it('answers 405 with Allow: POST for another method', async () => {
    const res = await fetch(`${server.url}/_skyport/orders`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('gives problem details a generated requestId without x-request-id', async () => {
    const res = await post('orders', '{', {});
    expect(((await res.json()) as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the batch answer', () => {
  it('200 when every event succeeded, 500 as soon as one failed', async () => {
    const ok = await postJson('orders', [{ id: 'a' }, { id: 'b' }]);
    expect([ok.status, await ok.json()]).toEqual([200, { ok: true, failures: [] }]);
    const failed = await postJson('orders', [{ id: 'a' }, { id: 'b', body: { fail: 'boom' } }]);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({
      ok: false,
      failures: [{ id: 'b', skipped: false, error: { name: 'Error', message: 'boom' } }],
    });
  });

  it('runs an array with the batch semantics of the kind: FIFO groups, ordered streams', async () => {
    const fifo = await postJson('orders', [
      { id: 'a1', groupId: 'A', body: { fail: 'x' } },
      { id: 'b1', groupId: 'B' },
      { id: 'a2', groupId: 'A' },
    ]);
    expect(((await fifo.json()) as { failures: unknown[] }).failures).toEqual([
      expect.objectContaining({ id: 'a1', skipped: false }),
      expect.objectContaining({ id: 'a2', skipped: true }),
    ]);
    const ordered = await postJson('ordered', [{ sequence: '1' }, { sequence: '2' }, { sequence: '3' }]);
    expect(((await ordered.json()) as { failures: unknown[] }).failures).toEqual([
      expect.objectContaining({ id: '2', skipped: false }),
      expect.objectContaining({ id: '3', skipped: true }),
    ]);
  });

  it('always shows validation issues', async () => {
    const res = await postJson('strict', { id: 'm', body: { id: 1 } });
    const body = (await res.json()) as { failures: { error: { code: string; errors: unknown[] } }[] };
    expect(res.status).toBe(500);
    expect(body.failures[0]?.error).toMatchObject({
      code: 'VALIDATION',
      errors: [expect.objectContaining({ path: 'body.id' })],
    });
  });

  it('hides messages of unexpected errors under NODE_ENV=production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let production: ServeHandle | undefined;
    try {
      production = await serve({ orders: fns.orders }, { port: 0, host: '127.0.0.1', announce: false });
      const res = await fetch(`${production.url}/_skyport/orders`, {
        method: 'POST',
        body: JSON.stringify({ id: 'x', body: { fail: 'secret detail' } }),
      });
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(text).not.toContain('secret detail');
    } finally {
      process.env.NODE_ENV = previous;
      await production?.close();
    }
  });

  it('answers the curl example of the page as shown, once ord_1 exists', async () => {
    useStore(createMemoryStore());
    const orders = await serve(functions, { port: 0, host: '127.0.0.1', announce: false });
    try {
      const created = await fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] }),
      });
      expect(created.headers.get('location')).toBe('/orders/ord_1');
      const res = await fetch(`${orders.url}/_skyport/fulfilOrder`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[{"id":"m1","body":{"orderId":"ord_1"}},{"id":"m2","body":{"orderId":"ord_404"}}]',
      });
      expect(res.status).toBe(500);
      expect(await res.text()).toBe(
        '{"ok":false,"failures":[{"id":"m2","skipped":false,"error":{"name":"NotFound","message":"no order ord_404"}}]}',
      );
    } finally {
      await orders.close();
    }
  });
});

describe('raw cloud events', () => {
  it.each([
    [
      'an SQS event',
      () => aws.sqs([{ id: 'a' }, { id: 'b', body: { fail: 'x' } }]),
      500,
      { batchItemFailures: [{ itemIdentifier: 'b' }] },
    ],
    ['an SQS event that succeeds', () => aws.sqs([{ id: 'a' }]), 200, { batchItemFailures: [] }],
    ['an SNS event', () => aws.sns({ message: { ok: true } }), 200, { ok: true }],
    ['a Pub/Sub push envelope', () => gcp.pubsubPush({ data: { ok: true } }), 200, { status: 204 }],
    ['a structured google.* CloudEvent', () => gcp.pubsubCloudEvent({ data: { fail: 'x' } }), 500, { status: 500 }],
  ])('%s runs through its adapter (status %i)', async (_name, event, status, result) => {
    const res = await postJson('orders', event());
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject(result);
    expect(seen.queue.length).toBeGreaterThan(0);
  });

  it('an EventBridge event and a binary-mode CloudEvent run too', async () => {
    expect((await postJson('anything', aws.eventBridge({ detailType: 'OrderPlaced' }))).status).toBe(200);
    const binary = gcp.binaryMode(
      gcp.cloudEvent({ type: 'com.example.t', data: 'raw text', datacontenttype: 'text/plain' }),
    );
    const res = await post('anything', binary.body as string, binary.headers);
    expect(res.status).toBe(200);
    expect(seen.events.map((e) => [e.type, e.data])).toEqual([
      ['OrderPlaced', {}],
      ['com.example.t', 'raw text'],
    ]);
  });

  it('a raw HTTP event given to an event function answers 400 KIND_MISMATCH', async () => {
    for (const event of [aws.apiGatewayV2(), aws.alb()]) {
      const res = await postJson('orders', event);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'KIND_MISMATCH' });
    }
  });
});
