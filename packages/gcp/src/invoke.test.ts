import {
  changes,
  events,
  HttpError,
  http,
  type Message,
  queue,
  type ScheduleTick,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as gcp from '../../testing/src/raw/gcp.js';
import { fixture } from './__fixtures__/fixtures.js';
import { invokeGcp } from './invoke.js';

describe('invokeGcp', () => {
  it('runs an http function from a request description', async () => {
    // Prepare
    const echo = http({ method: 'POST', path: '/echo/:id' }).handle((req) => ({
      status: 201,
      cookies: ['a=1; Path=/'],
      body: { id: req.params.id, q: req.query.q, body: req.body, cookie: req.cookies.c },
    }));

    // Act
    const result = await invokeGcp(echo, {
      method: 'POST',
      path: '/echo/7',
      query: { q: 'x' },
      headers: { Cookie: 'c=v' },
      body: { hello: 'world' },
    });

    // Assert
    expect(result).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json' },
      cookies: ['a=1; Path=/'],
      body: { id: '7', q: 'x', body: { hello: 'world' }, cookie: 'v' },
    });
  });

  it('returns text and bytes bodies as such', async () => {
    const text = http().handle(() => 'hi');
    const bytes = http().handle(() => new Uint8Array([1, 2]));
    expect((await invokeGcp(text, { path: '/' })).body).toBe('hi');
    expect((await invokeGcp(bytes, { path: '/' })).body).toEqual(new Uint8Array([1, 2]));
  });

  it('parses JSON after a byte order mark, and keeps bytes only where text would lose them', async () => {
    const answer = (headers: Record<string, string>, bytes: number[]) =>
      http().handle(() => ({ status: 200, headers, body: new Uint8Array(bytes) }));
    const json = [...new TextEncoder().encode('{"a":1}')];
    expect(
      (await invokeGcp(answer({ 'content-type': 'application/json' }, [0xef, 0xbb, 0xbf, ...json]), { path: '/' }))
        .body,
    ).toEqual({ a: 1 });
    expect(
      (await invokeGcp(answer({ 'content-type': 'text/plain', 'content-encoding': '' }, [104, 105]), { path: '/' }))
        .body,
    ).toBe('hi');
    expect(
      (await invokeGcp(answer({ 'content-type': 'text/csv; charset=windows-1252' }, [0x63, 0xe9]), { path: '/' })).body,
    ).toEqual(new Uint8Array([0x63, 0xe9]));
  });

  it('runs a queue function for a structured CloudEvent and a push envelope', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle((msg) => {
      seen.push(msg as Message);
    });

    const fromEvent = await invokeGcp(
      fn,
      gcp.pubsubCloudEvent({ data: { orderId: 'o1' }, topic: 'orders', messageId: 'm1' }),
    );
    const fromPush = await invokeGcp(
      fn,
      gcp.pubsubPush({ data: { orderId: 'o2' }, deliveryAttempt: 5, orderingKey: 'k' }),
    );

    expect(fromEvent.status).toBe(204);
    expect(fromPush.status).toBe(204);
    expect(seen.map((m) => m.body)).toEqual([{ orderId: 'o1' }, { orderId: 'o2' }]);
    expect(seen[0]).toMatchObject({ id: 'm1', source: 'orders', attempt: 1 });
    expect(seen[1]).toMatchObject({ attempt: 5, orderingKey: 'k', source: 'test-subscription' });
  });

  it('answers 500 for a message failing its schema, with its errors, and for a failing handler', async () => {
    const fn = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle(() => {
      throw new Error('down');
    });
    const invalid = await invokeGcp(fn, gcp.pubsubPush({ data: { nope: 1 } }));
    expect(invalid.status).toBe(500);
    expect(invalid.body).toMatchObject({ status: 500, code: 'VALIDATION', errors: [{ path: 'body.orderId' }] });
    const failed = await invokeGcp(fn, gcp.pubsubPush({ data: { orderId: 'o' }, messageId: 'm9' }));
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, requestId: 'm9' });
  });

  it('answers a failure thrown as a redirect or a 304 with a 500 problem whose status is the answer', async () => {
    // Prepare: an error below 400 must still be retried, so it becomes a 500.
    const redirect = queue({ name: 'orders' }).handle(() => {
      throw new HttpError(302, 'moved');
    });
    const notModified = queue({ name: 'orders' }).handle(() => {
      throw new HttpError(304);
    });
    // Act
    const answers = await Promise.all(
      [redirect, notModified].map((fn) => invokeGcp(fn, gcp.pubsubPush({ data: { a: 1 }, messageId: 'm3' }))),
    );
    // Assert
    for (const answer of answers) {
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: 'm3',
      });
    }
  });

  it('answers 500 with the SkyportError code for foreign and malformed events, 400 for no event', async () => {
    const fn = storage({ bucket: 'b' }).handle(() => undefined);
    const foreign = await invokeGcp(fn, gcp.pubsubCloudEvent({ data: 'x' }));
    expect(foreign.status).toBe(500);
    expect(foreign.body).toMatchObject({ status: 500, code: 'KIND_MISMATCH' });
    expect((foreign.body as { detail: string }).detail).toContain('a storage function cannot take');
    const unknown = await invokeGcp(fn, { hello: 'world' });
    expect(unknown.body).toMatchObject({ status: 400, code: 'UNKNOWN_EVENT' });
    const badBase64 = await invokeGcp(
      queue({ name: 'q' }).handle(() => undefined),
      {
        message: { data: '%%%', messageId: '1' },
        subscription: 's',
      },
    );
    expect(badBase64).toMatchObject({ status: 500, body: { status: 500, code: 'INVALID_EVENT' } });
  });

  it('maps storage, Firestore and generic CloudEvents built by the raw factories', async () => {
    const seen: unknown[] = [];
    const onObject = storage({ bucket: 'receipts', on: ['created'] }).handle((o) => {
      seen.push(o);
    });
    const onChange = changes({ collection: 'orders' }).handle((c) => {
      seen.push(c);
    });
    const onEvent = events({ type: 'com.example.shipped' }).handle((e) => {
      seen.push(e.data);
    });

    await invokeGcp(onObject, gcp.storageCloudEvent({ bucket: 'receipts', name: 'r/1.pdf', size: 10 }));
    await invokeGcp(onObject, gcp.storageCloudEvent({ bucket: 'receipts', name: 'r/2.pdf', event: 'deleted' }));
    await invokeGcp(onChange, gcp.firestoreCloudEvent({ document: 'orders/o1', value: { qty: 2 }, event: 'created' }));
    await invokeGcp(onChange, gcp.firestoreCloudEvent({ document: 'orders/o1', oldValue: { qty: 2 } }));
    await invokeGcp(onEvent, gcp.cloudEvent({ type: 'com.example.shipped', data: { id: 1 } }));
    await invokeGcp(onEvent, gcp.cloudEvent({ type: 'com.example.other', data: { id: 2 } }));

    expect(seen).toMatchObject([
      { type: 'created', bucket: 'receipts', key: 'r/1.pdf', size: 10 },
      { op: 'insert', collection: 'orders', key: { id: 'o1' }, after: { qty: 2 }, before: undefined },
      { op: 'delete', collection: 'orders', before: { qty: 2 }, after: undefined },
      { id: 1 },
    ]);
  });

  it('runs a schedule function from Scheduler headers, whatever the method', async () => {
    const ticks: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *', name: 'nightly' }).handle((tick) => {
      ticks.push(tick);
    });
    const result = await invokeGcp(fn, {
      method: 'GET',
      headers: gcp.schedulerHttpHeaders({ jobName: 'job-1', scheduleTime: '2026-01-01T03:00:00Z' }),
    });
    expect(result.status).toBe(204);
    expect(ticks[0]).toMatchObject({ name: 'job-1', scheduledTime: new Date('2026-01-01T03:00:00Z') });
    await invokeGcp(fn, gcp.pubsubPush({ publishTime: '2026-01-02T03:00:00Z' }));
    expect(ticks[1]).toMatchObject({ name: 'nightly', scheduledTime: new Date('2026-01-02T03:00:00Z') });
  });

  it.each(['valueOf', 'toString', 'constructor', '__proto__'])(
    'takes a legacy event type named like an Object method (%s) as its own name, answering KIND_MISMATCH',
    async (eventType) => {
      // Prepare
      const legacy = fixture<Record<string, unknown>>('firestore/ff-conformance__firestore_simple-legacy-input.json');
      const fn = queue({ name: 'q' }).handle(() => undefined);

      // Act
      const result = await invokeGcp(fn, { ...legacy, eventType });

      // Assert
      expect(result.status).toBe(500);
      expect(result.body).toMatchObject({ code: 'KIND_MISMATCH', detail: expect.stringMatching(/^gcp: /) });
    },
  );

  it('maps legacy background events like the Functions Framework does', async () => {
    const seen: unknown[] = [];
    const onObject = storage({ bucket: 'some-bucket' }).handle((o) => {
      seen.push(o);
    });
    const onChange = changes({ collection: 'gcf-test' }).handle((c) => {
      seen.push(c);
    });
    const onMessage = queue({ name: 'gcf-test' }).handle((m) => {
      seen.push(m);
    });
    expect((await invokeGcp(onObject, fixture('storage/ff-conformance__storage-legacy-input.json'))).status).toBe(204);
    expect(
      (await invokeGcp(onChange, fixture('firestore/ff-conformance__firestore_simple-legacy-input.json'))).status,
    ).toBe(204);
    expect((await invokeGcp(onMessage, fixture('pubsub/ff-conformance__pubsub_text-legacy-input.json'))).status).toBe(
      204,
    );
    expect(seen).toMatchObject([
      { type: 'created', bucket: 'some-bucket', key: 'folder/Test.cs', size: 352 },
      { op: 'update', collection: 'gcf-test', after: { count: 4 } },
      { id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', body: 'test message 3', source: 'gcf-test' },
    ]);
  });

  it('maps Pub/Sub messages to stream records keyed by ordering key', async () => {
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record as StreamRecord);
    });
    const result = await invokeGcp(
      fn,
      gcp.pubsubCloudEvent({ data: 'c1', orderingKey: 'user-1', messageId: 'm7', topic: 'clicks' }),
    );
    expect(result.status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'm7', sequence: 'm7', partitionKey: 'user-1', body: 'c1', source: 'clicks' });
  });

  it('answers HEAD without a body and 405 for a GET to an event function', async () => {
    const fn = http({ method: 'GET', path: '/' }).handle(() => ({ big: 'body' }));
    const head = await invokeGcp(fn, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBeUndefined();
    const get = await invokeGcp(
      queue({ name: 'q' }).handle(() => undefined),
      { method: 'GET', path: '/' },
    );
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('takes a binary-mode request description', async () => {
    const seen: unknown[] = [];
    const fn = events().handle((e) => {
      seen.push(e);
    });
    const { headers, body } = gcp.binaryMode(gcp.cloudEvent({ type: 't', id: 'e1', data: { a: 1 }, subject: 's' }));
    expect((await invokeGcp(fn, { method: 'POST', headers, body })).status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'e1', type: 't', subject: 's', data: { a: 1 } });
  });
});

describe('invokeGcp: an input read from JSON is checked field by field', () => {
  const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');

  it.each([
    [[1, 2], 'the input must be an object'],
    [{ method: 5 }, '"method" must be a string'],
    [{ path: 7 }, '"path" must be a string'],
    [{ path: '/hello', headers: 'x' }, '"headers" must be an object'],
    [{ path: '/hello', headers: { 'x-n': 1 } }, 'the header x-n must be a string or a list of strings'],
    [{ path: '/hello', query: 3 }, '"query" must be a string or an object'],
    [{ path: '/hello', query: { tag: { a: 1 } } }, 'the query parameter tag must be a string or a list of strings'],
  ])('%j is refused with INVALID_EVENT: %s', async (input, message) => {
    const attempt = invokeGcp(hello, input as never);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT', adapter: 'gcp' });
    await expect(attempt).rejects.toThrow(message);
  });

  it('still takes header and query lists', async () => {
    const echo = http({ method: 'GET', path: '/echo' }).handle((req) => ({
      tags: req.queryAll.getAll('tag'),
      h: req.headers['x-a'],
    }));
    const res = await invokeGcp(echo, { path: '/echo', headers: { 'x-a': ['1', '2'] }, query: { tag: ['a', 'b'] } });
    expect(res.body).toEqual({ tags: ['a', 'b'], h: '1, 2' });
  });

  it('joins a header list as Node joins repeated lines, Cookie with "; ", and follows the query of "path" with "query"', async () => {
    // Prepare
    const echo = http({ path: '/*' }).handle((req) => ({
      url: req.url,
      queryAll: [...req.queryAll],
      multi: req.headers['x-multi'],
      cookies: req.cookies,
      raw: (req.raw as { headers: Record<string, unknown> }).headers,
    }));

    // Act
    const res = await invokeGcp(echo, {
      path: '/x?a=1',
      query: { a: '2', b: ['3', '4'] },
      headers: { 'X-Multi': ['p', 'q'], 'x-multi': 'r', cookie: ['a=1', 'b=2'], 'x-none': [] },
    });
    const bare = await invokeGcp(echo, { path: '/x?', query: { b: '3' }, headers: null as never });

    // Assert
    expect(res.body).toMatchObject({
      url: 'https://localhost/x?a=1&a=2&b=3&b=4',
      queryAll: [
        ['a', '1'],
        ['a', '2'],
        ['b', '3'],
        ['b', '4'],
      ],
      multi: 'p, q, r',
      cookies: { a: '1', b: '2' },
      raw: { 'x-multi': 'p, q, r', cookie: 'a=1; b=2', host: 'localhost' },
    });
    expect((res.body as { raw: object }).raw).not.toHaveProperty('x-none');
    expect((bare.body as { url: string }).url).toBe('https://localhost/x?b=3');
  });
});

describe('invokeGcp: an input JSON cannot write is refused with INVALID_EVENT', () => {
  /** Valid JSON nested deeper than `JSON.stringify` reaches: `JSON.parse` reads it. */
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  const cycle = (): Record<string, unknown> => {
    const value: Record<string, unknown> = { id: 'ord_1' };
    value.self = value;
    return value;
  };
  const onQueue = queue({ name: 'orders' }).handle(() => undefined);
  const onPost = http({ method: 'POST', path: '/orders' }).handle(() => ({ status: 204 }));

  it.each([
    ['a BigInt', { '': 0n }, 'the event cannot be sent as JSON: Do not know how to serialize a BigInt'],
    ['a cycle', cycle(), 'the event cannot be sent as JSON: Converting circular structure to JSON'],
    [
      '20 000 levels of nesting',
      { message: { data: nested(20000) } },
      'the event cannot be sent as JSON: it is nested too deeply',
    ],
  ])('as an event: %s', async (_name, input, message) => {
    // Act
    const attempt = invokeGcp(onQueue, input as never);

    // Assert
    await expect(attempt).rejects.toMatchObject({ name: 'SkyportError', code: 'INVALID_EVENT', adapter: 'gcp' });
    await expect(attempt).rejects.toThrow(message);
  });

  it.each([
    ['a BigInt', { '': 0n }, '"body" cannot be sent as JSON: Do not know how to serialize a BigInt'],
    ['a cycle', cycle(), '"body" cannot be sent as JSON: Converting circular structure to JSON'],
    ['20 000 levels of nesting', nested(20000), '"body" cannot be sent as JSON: it is nested too deeply'],
  ])('as an http body: %s', async (_name, body, message) => {
    // Act
    const attempt = invokeGcp(onPost, { method: 'POST', path: '/orders', body: body as never });

    // Assert
    await expect(attempt).rejects.toMatchObject({
      name: 'SkyportError',
      code: 'INVALID_EVENT',
      adapter: 'gcp',
      shape: 'http request',
    });
    await expect(attempt).rejects.toThrow(message);
  });
});
