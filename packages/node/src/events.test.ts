import { changes, events, type Message, queue, SkyportError, schedule, storage, stream } from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { start } from './__fixtures__/servers.js';
import { httpInit, portableBatch } from './events.js';

const ship = queue({ name: 'orders' }).handle(() => {});
const clicks = stream({ name: 'clicks' }).handle(() => {});
const upload = storage({ bucket: 'uploads' }).handle(() => {});
const nightly = schedule({ cron: '0 3 * * *' }).handle(() => {});
const audit = changes({ collection: 'orders' }).handle(() => {});
const signup = events({ type: 'user.created' }).handle(() => {});

describe('portableBatch()', () => {
  it("takes a posted CloudEvent's other attributes as its extensions, as the GCP and Azure adapters read a structured one", () => {
    // Prepare
    const fn = events({ type: 'order.created' }).handle(() => undefined);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

    // Act
    const [item] = portableBatch(fn, 'onOrder', {
      id: 'e1',
      source: '//shop',
      type: 'order.created',
      dataschema: 'https://shop.example/order.json',
      traceparent,
      extensions: { tenant: 'acme' },
      data: { id: 1 },
    });

    // Assert
    expect((item?.event as { extensions?: unknown } | undefined)?.extensions).toEqual({
      tenant: 'acme',
      dataschema: 'https://shop.example/order.json',
      traceparent,
    });
  });

  it('builds a message with defaults taken from the definition', () => {
    // Act
    const [item] = portableBatch(ship, 'ship', { body: { orderId: 'o1' }, attributes: { a: 'x', n: 2 } });

    // Assert
    const message = item?.event as Message;
    expect(message.body).toEqual({ orderId: 'o1' });
    expect(new TextDecoder().decode(message.rawBody)).toBe('{"orderId":"o1"}');
    expect(message.source).toBe('orders');
    expect(message.attempt).toBe(1);
    expect(message.attributes).toEqual({ a: 'x', n: '2' });
    expect(item?.id).toBe(message.id);
    expect(message.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps an attribute named __proto__ as an own key, as the clouds deliver it', () => {
    // Act: JSON.parse defines "__proto__" as an own key, as a posted event has it
    const [item] = portableBatch(
      ship,
      'ship',
      JSON.parse('{"body":{},"attributes":{"__proto__":"p","constructor":"c"}}'),
    );

    // Assert
    const attributes = (item?.event as Message | undefined)?.attributes ?? {};
    expect(Object.keys(attributes)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toBe('p');
  });

  it('takes an array as a batch, keeping ids and FIFO groups', () => {
    // Act
    const items = portableBatch(ship, 'ship', [
      { id: 'm1', body: 'plain text', groupId: 'g' },
      { id: 'm2', body: 7 },
    ]);

    // Assert
    expect(items.map((item) => [item.id, item.groupId, (item.event as Message).body])).toEqual([
      ['m1', 'g', 'plain text'],
      ['m2', undefined, 7],
    ]);
  });

  it('builds every other kind, identified the way the test kit identifies them', () => {
    // Act
    const record = portableBatch(clicks, 'clicks', { sequence: '42', body: { page: '/' } })[0];
    const object = portableBatch(upload, 'upload', { key: 'a b.png', size: '10' })[0];
    const tick = portableBatch(nightly, 'nightly', undefined)[0];
    const change = portableBatch(audit, 'audit', { op: 'update', key: { id: 1 }, after: { id: 1 } })[0];
    const cloudEvent = portableBatch(signup, 'signup', { id: 'e1', source: 'shop', type: 'user.created', data: 1 })[0];

    // Assert
    expect(record?.id).toBe('42');
    expect(record?.event).toMatchObject({ sequence: '42', partitionKey: 'default', source: 'clicks' });
    expect(object?.id).toBe('a b.png');
    expect(object?.event).toMatchObject({ type: 'created', bucket: 'uploads', size: 10 });
    expect(tick?.id).toBe('nightly');
    expect(change?.id).toBe('{"id":1}');
    expect(change?.event).toMatchObject({ op: 'update', collection: 'orders' });
    expect(cloudEvent?.event).toMatchObject({ id: 'e1', specversion: '1.0', data: 1 });
  });

  it('rejects events that cannot be what the function takes', () => {
    // Act / Assert
    expect(() => portableBatch(upload, 'upload', { size: 1 })).toThrow(/needs a string "key"/);
    expect(() => portableBatch(upload, 'upload', { key: 'k', type: 'moved' })).toThrow(/"type"/);
    expect(() => portableBatch(audit, 'audit', { op: 'upsert' })).toThrow(/"op"/);
    expect(() => portableBatch(signup, 'signup', { data: 1 })).toThrow(SkyportError);
    expect(() => portableBatch(ship, 'ship', 'hello')).toThrow(/must be a JSON object.*got string/);
  });

  it('refuses a field of the wrong type, naming it, instead of running with its default', () => {
    // Act / Assert
    const refusal = (fn: Parameters<typeof portableBatch>[0], value: unknown): string => {
      try {
        portableBatch(fn, 'fn', value);
      } catch (error) {
        if (error instanceof SkyportError) return `${error.code}: ${error.message}`;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(refusal(nightly, { scheduledTime: 'not-a-date' })).toBe(
      'INVALID_EVENT: node: "scheduledTime" must be an ISO 8601 time or epoch milliseconds (schedule function, got object {scheduledTime})',
    );
    expect(refusal(nightly, { isPastDue: 'yes' })).toBe(
      'INVALID_EVENT: node: "isPastDue" must be true or false (schedule function, got object {isPastDue})',
    );
    expect(refusal(ship, { attempt: 'two' })).toBe(
      'INVALID_EVENT: node: "attempt" must be an integer of at least 1 (queue function, got object {attempt})',
    );
    expect(refusal(ship, { attempt: 0 })).toMatch(/"attempt" must be an integer of at least 1/);
    expect(refusal(ship, { id: 7 })).toMatch(/"id" must be a string/);
    expect(refusal(ship, { attributes: { tries: { n: 1 } } })).toMatch(/"attributes.tries" must be a string/);
    expect(refusal(ship, [{ id: 'm1' }, { publishedAt: 'yesterday' }])).toMatch(/"publishedAt" must be an ISO 8601/);
    expect(refusal(clicks, { sequence: 42 })).toMatch(/"sequence" must be a string/);
    expect(refusal(upload, { key: 'k', size: 'big' })).toMatch(/"size" must be a non-negative integer/);
    expect(refusal(audit, { op: 'insert', after: [1] })).toMatch(/"after" must be a JSON object/);
    expect(refusal(signup, { type: 'user.created', time: 'soon' })).toMatch(/"time" must be an ISO 8601/);
  });

  it('refuses a message or record with a field it does not have, rather than running it as an empty message', () => {
    // Prepare: an Event Grid event posted to a queue function, and a misspelled body.
    const eventGrid = {
      id: 'e1',
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/c/blobs/a.txt',
      data: { url: 'https://x.blob.core.windows.net/c/a.txt' },
      dataVersion: '',
      eventTime: '2026-01-01T00:00:00Z',
    };
    const refusal = (fn: typeof ship | typeof clicks, value: unknown) => {
      try {
        portableBatch(fn, 'x', value);
      } catch (error) {
        return error instanceof SkyportError ? `${error.code}: ${error.message}` : String(error);
      }
      return 'accepted';
    };

    // Act + Assert
    expect(refusal(ship, eventGrid)).toBe(
      'INVALID_EVENT: node: a queue event has no field "eventType" (its fields: body, id, attributes, attempt, ' +
        'publishedAt, source, groupId, orderingKey) (queue function, got object {id, eventType, subject, data, ' +
        'dataVersion, eventTime})',
    );
    expect(refusal(ship, [{ body: 1 }, { id: 'm2', Body: { orderId: 'o1' } }])).toMatch(
      /^INVALID_EVENT: node: a queue event has no field "Body"/,
    );
    expect(refusal(clicks, { data: 'x' })).toMatch(/^INVALID_EVENT: node: a stream event has no field "data"/);
    // No field at all is an empty message, as before.
    expect(refusal(ship, {})).toBe('accepted');
  });

  it('refuses a schedule tick, storage or change event with a field it does not have, rather than running it', () => {
    // Prepare
    const refusal = (fn: typeof nightly | typeof upload | typeof audit, value: unknown) => {
      try {
        portableBatch(fn, 'x', value);
      } catch (error) {
        return error instanceof SkyportError ? `${error.code}: ${error.message}` : String(error);
      }
      return 'accepted';
    };

    // Act + Assert: a queue message and a misspelled field are not ticks "now"
    expect(refusal(nightly, { id: 'm1', body: { orderId: 'o1' } })).toBe(
      'INVALID_EVENT: node: a schedule event has no field "id" (its fields: scheduledTime, isPastDue, name, raw) ' +
        '(schedule function, got object {id, body})',
    );
    expect(refusal(nightly, { scheduledtime: '2024-05-01T03:00:00Z' })).toMatch(
      /^INVALID_EVENT: node: a schedule event has no field "scheduledtime"/,
    );
    expect(refusal(upload, { key: 'a.png', contenttype: 'image/png' })).toMatch(
      /^INVALID_EVENT: node: a storage event has no field "contenttype"/,
    );
    expect(refusal(audit, { op: 'insert', collection: 'orders', After: { id: '1' } })).toMatch(
      /^INVALID_EVENT: node: a changes event has no field "After"/,
    );
    // What the test kit builds, printed as JSON, still runs; so do no fields at all for a tick.
    expect(refusal(nightly, {})).toBe('accepted');
    expect(
      refusal(
        nightly,
        JSON.parse(JSON.stringify({ scheduledTime: new Date(0), isPastDue: false, name: 'n', raw: {} })),
      ),
    ).toBe('accepted');
    expect(
      refusal(upload, { type: 'created', bucket: 'b', key: 'k', size: 1, etag: 'e', contentType: 't', time: 0 }),
    ).toBe('accepted');
    expect(refusal(audit, { op: 'update', collection: 'c', key: { id: '1' }, before: {}, after: {}, time: 0 })).toBe(
      'accepted',
    );
  });

  it('gives each record of a batch posted without ids a sequence of its own, in order', () => {
    // Act
    const items = portableBatch(clicks, 'clicks', [{ body: 1 }, { body: 2 }, { body: 3 }]);

    // Assert
    const ids = items.map((item) => item.id);
    expect(new Set(ids).size).toBe(3);
    const sequences = ids.map((id) => BigInt(id));
    expect(sequences[1]).toBe((sequences[0] as bigint) + 1n);
    expect(sequences[2]).toBe((sequences[1] as bigint) + 1n);
    // A later batch continues after this one.
    const [later] = portableBatch(clicks, 'clicks', { body: 4 });
    expect(BigInt(later?.id ?? '0') > (sequences[2] as bigint)).toBe(true);
  });

  it('takes the shapes the test kit prints, times as ISO strings or epoch milliseconds, and null as absent', () => {
    // Act
    const [tick] = portableBatch(nightly, 'nightly', { scheduledTime: 0, isPastDue: true, name: null });
    const [message] = portableBatch(ship, 'ship', { id: 'm1', attempt: 3, publishedAt: '2024-05-01T10:00:00Z' });

    // Assert
    expect(tick?.event).toMatchObject({ scheduledTime: new Date(0), isPastDue: true, name: 'nightly' });
    expect(message?.event).toMatchObject({ attempt: 3, publishedAt: new Date('2024-05-01T10:00:00Z') });
  });

  it('never fails with anything but a SkyportError, whatever JSON arrives', () => {
    const fns = [ship, clicks, upload, nightly, audit, signup];
    fc.assert(
      fc.property(fc.constantFrom(...fns), fc.jsonValue(), (fn, value) => {
        try {
          const items = portableBatch(fn, 'fn', value);
          expect(items.length).toBe(Array.isArray(value) ? value.length : 1);
        } catch (error) {
          expect(error).toBeInstanceOf(SkyportError);
          expect((error as SkyportError).code).toBe('INVALID_EVENT');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('httpInit()', () => {
  it('sends an object body as JSON and splits the query off the path', () => {
    // Act
    const init = httpInit({ method: 'POST', path: '/orders?dry=1', headers: { 'X-Id': 'a' }, body: { a: 1 } });

    // Assert
    expect(init).toMatchObject({
      method: 'POST',
      path: '/orders',
      query: 'dry=1',
      headers: { 'x-id': 'a', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });

  it('keeps a header or query key named __proto__ as an own key', () => {
    // Act
    const init = httpInit(JSON.parse('{"path":"/","headers":{"__proto__":"p"},"query":{"__proto__":"q"}}'));

    // Assert
    expect(Object.getOwnPropertyDescriptor(init.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(init.query, '__proto__')?.value).toBe('q');
  });

  it('defaults to GET / and rejects what is not an object', () => {
    // Act / Assert
    expect(httpInit({ path: '/' })).toMatchObject({ method: 'GET', path: '/', body: undefined });
    expect(httpInit({ method: 'DELETE' })).toMatchObject({ method: 'DELETE', path: '/' });
    expect(() => httpInit([1])).toThrow(/must be a JSON object/);
  });

  it('refuses an event that is not an HTTP request (neither method nor path) rather than running GET /', () => {
    // Act
    const attempt = () => httpInit({ id: 'msg-1', body: { orderId: 'ord_1' }, attributes: {}, attempt: 1 });

    // Assert
    expect(attempt).toThrow(SkyportError);
    expect(attempt).toThrow(
      'node: an HTTP request needs a "method" or a "path" (http function, got object {id, body, attributes, attempt})',
    );
    expect(() => httpInit({})).toThrow('an HTTP request needs a "method" or a "path"');
    expect(() => httpInit({ method: 7 })).toThrow('"method" must be a string');
  });

  it('follows the query string of "path" with "query", a map or a string, path first', () => {
    // Act
    const mapped = httpInit({ path: '/x?a=1', query: { b: '3', a: ['2', 4] } });
    const text = httpInit({ path: '/x?a=1', query: '?b=3' });
    const bare = httpInit({ path: '/x?', query: { b: 'c d' } });

    // Assert
    expect([mapped.path, mapped.query]).toEqual(['/x', 'a=1&b=3&a=2&a=4']);
    expect(text.query).toBe('a=1&b=3');
    expect(bare.query).toBe('b=c+d');
    expect(httpInit({ path: '/x?a=1', query: null }).query).toBe('a=1');
    expect(() => httpInit({ path: '/x', query: 3 })).toThrow('"query" must be a string or a JSON object');
  });

  it('joins a header list as Node joins repeated header lines, Cookie with "; "', () => {
    // Act
    const init = httpInit({
      path: '/',
      headers: { 'X-Multi': ['p', 'q'], 'x-multi': 'r', cookie: ['a=1', 'b=2'], 'x-n': 2, 'x-none': [] },
    });

    // Assert
    expect(init.headers).toEqual({ 'x-multi': 'p, q, r', cookie: 'a=1; b=2', 'x-n': '2' });
    expect(() => httpInit({ path: '/', headers: { 'x-a': { b: 1 } } })).toThrow(
      '"headers.x-a" must be a string or a list of strings',
    );
  });

  it('keeps repeated query values and refuses a query value that is not text', () => {
    expect(httpInit({ path: '/', query: { tag: ['a', 'b'], n: 2 } }).query).toEqual({ tag: ['a', 'b'], n: '2' });
    expect(() => httpInit({ path: '/', query: { tag: { a: 1 } } })).toThrow(
      '"query.tag" must be a string or a list of strings',
    );
  });
});

describe('an event nested deeper than JSON.stringify reaches', () => {
  // Valid JSON, which `JSON.parse` reads, but whose fields cannot be written as JSON again.
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  it('is refused by serve() with a 400 INVALID_EVENT naming the field, and nothing runs', async () => {
    // Prepare
    let runs = 0;
    const counted = () => {
      runs++;
    };
    const server = await start({
      ship: queue({ name: 'orders' }).handle(counted),
      clicks: stream({ name: 'clicks' }).handle(counted),
      audit: changes({ collection: 'orders' }).handle(counted),
    });
    const post = (name: string, body: string) => fetch(`${server.url}/_skyport/${name}`, { method: 'POST', body });

    // Act
    const answers = [
      await post('ship', `{"body":${nested(20000)}}`),
      await post('clicks', `[{"body":"ok"},{"body":${nested(20000)}}]`),
      await post('audit', `{"op":"delete","key":${nested(20000)}}`),
    ];

    // Assert
    const problems = await Promise.all(answers.map((res) => res.json() as Promise<Record<string, unknown>>));
    expect(answers.map((res) => res.status)).toEqual([400, 400, 400]);
    expect(problems.map((problem) => [problem.code, problem.detail])).toEqual([
      [
        'INVALID_EVENT',
        'node: "body" cannot be sent as JSON: it is nested too deeply (queue function, got object {body})',
      ],
      [
        'INVALID_EVENT',
        'node: "body" cannot be sent as JSON: it is nested too deeply (stream function, got object {body})',
      ],
      [
        'INVALID_EVENT',
        'node: "key" cannot be sent as JSON: it is nested too deeply (changes function, got object {op, key})',
      ],
    ]);
    expect(runs).toBe(0);
  });

  it('is refused as an HTTP request body by httpInit() with INVALID_EVENT', () => {
    // Act
    const attempt = () => httpInit({ method: 'POST', body: JSON.parse(nested(20000)) });

    // Assert
    expect(attempt).toThrow(expect.objectContaining({ name: 'SkyportError', code: 'INVALID_EVENT' }));
    expect(attempt).toThrow('"body" cannot be sent as JSON: it is nested too deeply');
  });
});
