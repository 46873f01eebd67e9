import {
  type CloudEvent,
  changes,
  events,
  http,
  type Message,
  queue,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { portableBatch } from '@skyport/node';
import { describe, expect, it } from 'vitest';
import {
  changeEvent,
  cloudEvent,
  httpRequest,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from './factories.js';
import { invoke } from './invoke.js';

describe('invoke(): the batch mode of a queue function', () => {
  const batch = () => [
    message({ id: 'a', body: { bad: true }, groupId: 'tenant-1' }),
    message({ id: 'b', body: {}, groupId: 'tenant-1' }),
  ];
  const defined = (fifo: boolean | undefined) => {
    const ran: string[] = [];
    const fn = queue({ name: 'orders', fifo }).handle((msg) => {
      ran.push(msg.id);
      if ((msg.body as { bad?: boolean }).bad) throw new Error('bad');
    });
    return { fn, ran };
  };

  it('follows fifo: false, a standard queue whose messages with a groupId fail independently', async () => {
    // Prepare
    const { fn, ran } = defined(false);

    // Act
    const out = await invoke(fn, batch());

    // Assert
    expect(ran).toEqual(['a', 'b']);
    expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([['a', false]]);
  });

  it('follows fifo: true, and without fifo a groupId still runs the batch as FIFO groups', async () => {
    for (const fifo of [true, undefined]) {
      // Prepare
      const { fn, ran } = defined(fifo);

      // Act
      const out = await invoke(fn, batch());

      // Assert
      expect(ran).toEqual(['a']);
      expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([
        ['a', false],
        ['b', true],
      ]);
    }
  });

  it('lets the mode option win over fifo', async () => {
    const { fn, ran } = defined(false);
    const out = await invoke(fn, batch(), { mode: 'fifo' });
    expect(ran).toEqual(['a']);
    expect(out.failures).toHaveLength(2);
  });
});

describe('invoke(): a message or record given as its fields only', () => {
  it('builds the message a bare { body } describes, as serve() does, so the handler sees it parsed', async () => {
    // Prepare: what plain JavaScript can pass, and TypeScript would refuse
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg);
    });

    // Act
    const out = await invoke(fn, { body: '{"a":1}' } as never);
    await invoke(fn, [{ body: { b: 2 }, id: 'm2', attempt: 3, groupId: 'g' }] as never);

    // Assert
    expect(out).toEqual({ ok: true, failures: [] });
    const [first, second] = seen;
    expect(first).toMatchObject({ body: { a: 1 }, attempt: 1, source: 'orders', attributes: {} });
    expect(typeof first?.id).toBe('string');
    expect(new TextDecoder().decode(first?.rawBody)).toBe('{"a":1}');
    expect(first?.publishedAt).toBeInstanceOf(Date);
    expect(second).toMatchObject({ id: 'm2', body: { b: 2 }, attempt: 3, groupId: 'g', source: 'orders' });
  });

  it('builds a stream record from its fields, with the stream as its source', async () => {
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    await invoke(fn, { body: '{"page":"/"}', partitionKey: 'u-1' } as never);
    expect(seen[0]).toMatchObject({ body: { page: '/' }, partitionKey: 'u-1', source: 'clicks' });
    expect(seen[0]?.rawBody.byteLength).toBe(12);
  });

  it('refuses a field no message has, one of the wrong type, or a value that is none, before any handler runs', async () => {
    // Prepare
    let runs = 0;
    const fn = queue({ name: 'orders' }).handle(() => {
      runs++;
    });

    // Act
    const outcomes = await Promise.allSettled([
      invoke(fn, { data: '{"a":1}' } as never),
      invoke(fn, [message(), { body: 1, id: 7 }] as never),
      invoke(fn, { body: 1, attributes: { n: 1 } } as never),
      invoke(fn, { body: 1, publishedAt: 'nope' } as never),
      invoke(fn, { body: 1, attempt: 0 } as never),
      invoke(fn, new Map([['body', 1]]) as never),
    ]);

    // Assert
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'invoke(): a message given as fields: "data" is no field of a message (its fields: body, id, attributes, attempt, publishedAt, source, groupId, orderingKey)',
      'invoke(): a message given as fields at index 1: "id" must be a string',
      'invoke(): a message given as fields: "attributes" must be an object of strings',
      'invoke(): a message given as fields: publishedAt is not a valid time: nope',
      'invoke(): a message given as fields: attempt is not a delivery count (a whole number from 1): 0',
      'invoke(): a message given as fields: it must be a plain object, not a Map',
    ]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ reason: { code: 'INVALID_EVENT', kind: 'queue' } });
    }
    expect(runs).toBe(0);
  });

  it('refuses the holes of a sparse array as it refuses undefined, for every kind but http', async () => {
    // Prepare
    let runs = 0;
    const fn = queue({ name: 'q' }).handle(() => {
      runs++;
    });
    const records = stream({ name: 's' }).handle(() => {
      runs++;
    });
    // biome-ignore lint/suspicious/noSparseArray: the holes are what is tested
    const sparse = [, , ,] as never;

    // Act
    const outcomes = await Promise.allSettled([
      invoke(fn, sparse),
      invoke(fn, [undefined] as never),
      invoke(records, sparse),
      // biome-ignore lint/suspicious/noSparseArray: a hole after a good message
      invoke(fn, [message(), ,] as never),
    ]);

    // Assert
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'SkyportError', code: 'INVALID_EVENT' } });
    }
    expect(runs).toBe(0);
  });

  it('takes an event with its bytes as it is', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg);
    });
    const built = message({ id: 'm1', body: { a: 1 }, source: 'elsewhere' });
    await invoke(fn, built);
    expect(seen[0]).toBe(built);
  });
});

describe('invoke(): the portable event JSON `skyport events node` prints and serve() takes', () => {
  /** What the CLI prints of a factory's event, read back: times are ISO strings. */
  const asJson = <T>(event: T): Record<string, unknown> => JSON.parse(JSON.stringify(event));

  it('gives every kind its event with times as dates, as serve() builds it from the same JSON', async () => {
    // Prepare
    const seen: unknown[] = [];
    const push = (event: unknown) => {
      seen.push(event);
    };
    const at = '2026-01-01T03:00:00.000Z';
    const fns = {
      nightly: schedule({ cron: '0 3 * * *' }).handle((tick) => push(tick.scheduledTime.toISOString())),
      uploads: storage({ bucket: 'uploads' }).handle((object) => push(object.time.toISOString())),
      audit: changes({ collection: 'orders' }).handle((change) => push(change.time.toISOString())),
      signups: events().handle((event) => push(event.time?.toISOString())),
      clicks: stream({ name: 'clicks' }).handle((record) => push([record.id, record.publishedAt.toISOString()])),
      orders: queue({ name: 'orders' }).handle((msg) => push(msg.publishedAt.toISOString())),
    };

    // Act
    const outcomes = [
      await invoke(fns.nightly, asJson(scheduleTick({ name: 'nightly', scheduledTime: at })) as never),
      await invoke(fns.uploads, asJson(storageEvent({ bucket: 'uploads', key: 'r.pdf', time: at })) as never),
      await invoke(fns.audit, asJson(changeEvent({ collection: 'orders', key: { id: '1' }, time: at })) as never),
      await invoke(fns.signups, asJson(cloudEvent({ type: 'order.created', source: 'shop', time: at })) as never),
      await invoke(fns.clicks, asJson(streamRecord({ body: { page: '/' }, sequence: '7', publishedAt: at })) as never),
      await invoke(fns.orders, asJson(message({ body: { orderId: 'ord_1' }, publishedAt: at })) as never),
    ];

    // Assert
    expect(outcomes).toEqual(outcomes.map(() => ({ ok: true, failures: [] })));
    expect(seen).toEqual([at, at, at, at, ['7', at], at]);
  });

  it('takes a stream record with its id, which streamRecord() gives it', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });

    // Act
    const out = await invoke(fn, { id: '1', sequence: '1', body: { page: '/' } } as never);
    await invoke(fn, { id: 'r-2', body: 'x' } as never);

    // Assert
    expect(out).toEqual({ ok: true, failures: [] });
    expect(seen[0]).toMatchObject({ id: '1', sequence: '1', body: { page: '/' }, source: 'clicks' });
    expect(seen[1]).toMatchObject({ id: 'r-2', sequence: 'r-2' });
    expect(streamRecord({ id: 'r-3', sequence: '3' })).toMatchObject({ id: 'r-3', sequence: '3' });
  });

  it('keeps a factory event of every kind as it was built, and never changes it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const uploads = storage({ bucket: 'uploads' }).handle((object) => {
      seen.push(object);
    });
    const signups = events().handle((event) => {
      seen.push(event);
    });
    const object = storageEvent({ key: 'a.txt', size: 3, raw: { native: true } });
    const signup = cloudEvent({ type: 'user.created', data: null, extensions: { tenant: 'acme' } });
    const copies = [structuredClone(object), structuredClone(signup)];

    // Act
    await invoke(uploads, object);
    await invoke(signups, signup);

    // Assert
    expect(seen).toEqual([object, signup]);
    expect([object, signup]).toEqual(copies);
  });

  it('refuses a time that is none, or of another type, rather than run it as now', async () => {
    // Prepare
    let runs = 0;
    const nightly = schedule({ cron: '0 3 * * *' }).handle(() => {
      runs++;
    });
    const uploads = storage({ bucket: 'uploads' }).handle(() => {
      runs++;
    });

    // Act
    const outcomes = await Promise.allSettled([
      invoke(nightly, { scheduledTime: 'nope', name: 'nightly' } as never),
      invoke(nightly, { scheduledTime: true, name: 'nightly' } as never),
      invoke(uploads, { type: 'created', bucket: 'uploads', key: 'a', time: new Date(Number.NaN) } as never),
    ]);

    // Assert
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'invoke(): a schedule tick given as fields: scheduledTime is not a valid time: nope',
      'invoke(): a schedule tick given as fields: "scheduledTime" must be a time (a Date, an ISO 8601 string or epoch milliseconds)',
      'invoke(): a storage event given as fields: time is not a valid time: Invalid Date',
    ]);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ reason: { code: 'INVALID_EVENT' } });
    expect(runs).toBe(0);
  });
});

describe('invoke(): a plain request with a query in its path', () => {
  it('keeps the query of the path and adds query after it, as httpRequest() does', async () => {
    // Prepare
    const fn = http().handle((req) => ({ query: req.query, all: [...req.queryAll] }));
    const requests = [
      { method: 'GET', path: '/orders?status=pending', query: { b: '2' } },
      { method: 'GET', path: '/orders?status=pending&b=1', query: '?b=2' },
      { method: 'GET', path: '/orders?status=pending', query: new URLSearchParams({ b: '2' }) },
      { method: 'GET', path: '/orders?status=pending', query: { b: ['2', '3'], c: undefined } },
      { method: 'GET', path: '/orders?status=pending' },
      { method: 'GET', path: '/orders', query: { b: '2' } },
    ];

    // Act
    const plain = await Promise.all(requests.map(async (request) => (await invoke(fn, request)).body));
    const built = [
      (await invoke(fn, httpRequest({ path: '/orders?status=pending', query: { b: '2' } }))).body,
      (await invoke(fn, httpRequest({ path: '/orders?status=pending&b=1', query: '?b=2' }))).body,
    ];

    // Assert
    expect(plain).toEqual([
      {
        query: { status: 'pending', b: '2' },
        all: [
          ['status', 'pending'],
          ['b', '2'],
        ],
      },
      {
        query: { status: 'pending', b: '1' },
        all: [
          ['status', 'pending'],
          ['b', '1'],
          ['b', '2'],
        ],
      },
      {
        query: { status: 'pending', b: '2' },
        all: [
          ['status', 'pending'],
          ['b', '2'],
        ],
      },
      {
        query: { status: 'pending', b: '2' },
        all: [
          ['status', 'pending'],
          ['b', '2'],
          ['b', '3'],
        ],
      },
      { query: { status: 'pending' }, all: [['status', 'pending']] },
      { query: { b: '2' }, all: [['b', '2']] },
    ]);
    expect(built).toEqual(plain.slice(0, 2));
  });
});

describe('invoke(): the fields an event of each kind needs', () => {
  const counted = () => {
    const ran = { runs: 0 };
    const count = () => {
      ran.runs++;
    };
    return {
      ran,
      uploads: storage({ bucket: 'uploads', prefix: 'in/' }).handle(count),
      audit: changes({ collection: 'orders' }).handle(count),
      signups: events({ type: 'user.created' }).handle(count),
      nightly: schedule({ cron: '0 3 * * *' }).handle(count),
    };
  };

  it('refuses one missing or of the wrong type with INVALID_EVENT naming it, before anything runs', async () => {
    // Prepare
    const { ran, uploads, audit, signups, nightly } = counted();

    // Act
    const outcomes = await Promise.allSettled([
      invoke(uploads, { key: 5, bucket: 'b', type: 'created' } as never),
      invoke(uploads, { bucket: 'b', type: 'created' } as never),
      invoke(uploads, { key: 'in/a', type: 'modified' } as never),
      invoke(uploads, { key: 'in/a', size: -1 } as never),
      invoke(audit, { op: 'insert', collection: 'c' } as never),
      invoke(audit, [changeEvent(), { op: 'upsert', key: { id: '1' } }] as never),
      invoke(audit, { op: 'insert', key: { id: 1n } } as never),
      invoke(audit, { op: 'update', key: { id: '1' }, after: 'x' } as never),
      invoke(signups, { id: 'e1', source: 'shop' } as never),
      invoke(signups, { type: 'user.created', source: '', data: {} } as never),
      invoke(nightly, { isPastDue: 'yes' } as never),
      invoke(nightly, { name: 7 } as never),
    ]);

    // Assert
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'invoke(): a storage event given as fields: "key" must be a non-empty string',
      'invoke(): a storage event given as fields: "key" is missing: it must be a non-empty string',
      'invoke(): a storage event given as fields: "type" must be "created" or "deleted"',
      'invoke(): a storage event given as fields: "size" must be a non-negative integer, or one as a decimal string',
      'invoke(): a change event given as fields: "key" is missing: it must be an object JSON can write',
      'invoke(): a change event given as fields at index 1: "op" must be "insert", "update" or "delete"',
      'invoke(): a change event given as fields: "key" must be an object JSON can write',
      'invoke(): a change event given as fields: "after" must be an object',
      'invoke(): a CloudEvent given as fields: "type" is missing: it must be a non-empty string',
      'invoke(): a CloudEvent given as fields: "source" must be a non-empty string',
      'invoke(): a schedule tick given as fields: "isPastDue" must be true or false',
      'invoke(): a schedule tick given as fields: "name" must be a non-empty string',
    ]);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ reason: { code: 'INVALID_EVENT' } });
    expect(ran.runs).toBe(0);
  });

  it('gives every failure an id: a tick without a name is named after its schedule, else its function', async () => {
    // Prepare
    const fail = () => {
      throw new Error('down');
    };
    const named = schedule({ cron: '0 3 * * *', name: 'nightly' }).handle(fail);
    const unnamed = schedule({ cron: '0 3 * * *' }).handle(fail);
    const audit = changes({ collection: 'orders' }).handle(fail);
    const clicks = stream({ name: 'clicks' }).handle(fail);

    // Act
    const ids = [
      await invoke(named, {} as never),
      await invoke(unnamed, { scheduledTime: '2026-01-01T03:00:00Z' } as never),
      await invoke(unnamed, {} as never, { functionName: 'report' }),
      await invoke(audit, { op: 'delete', key: { id: 'ord_1' } } as never),
      // A record with its bytes is taken as it is: one built by hand may have no sequence.
      await invoke(clicks, [streamRecord({ sequence: '9' }), { rawBody: new Uint8Array(), body: '' }] as never),
    ].map((out) => out.failures.map((failure) => failure.id));

    // Assert
    expect(ids).toEqual([['nightly'], ['test-function'], ['report'], ['{"id":"ord_1"}'], ['9', '1']]);
  });

  it('takes null for a field as no value, as serve() reads posted JSON', async () => {
    // Prepare
    const seen: unknown[] = [];
    const uploads = storage({ bucket: 'uploads' }).handle((object) => {
      seen.push(object);
    });

    // Act
    const out = await invoke(uploads, { key: 'a.txt', etag: null, size: null, contentType: null } as never);

    // Assert
    expect(out).toEqual({ ok: true, failures: [] });
    expect(seen).toEqual([
      expect.objectContaining({ key: 'a.txt', bucket: 'uploads', etag: undefined, size: undefined }),
    ]);
  });

  it("takes a CloudEvent's attributes beside its own as extensions, as serve() builds the event", async () => {
    // Prepare
    const seen: CloudEvent[] = [];
    const fn = events({ type: 'order.created' }).handle((event) => {
      seen.push(event);
    });
    const fields = {
      id: 'e1',
      source: '//shop',
      type: 'order.created',
      specversion: '1.0',
      dataschema: 'https://shop.example/order.json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { id: 1 },
    };

    // Act
    const out = await invoke(fn, fields as never);
    const refused = await invoke(fn, { ...fields, data: undefined, subject: 5 } as never).catch((e: Error) => e);

    // Assert
    expect(out).toEqual({ ok: true, failures: [] });
    expect(seen).toEqual([portableBatch(fn, 'test-function', structuredClone(fields))[0]?.event]);
    expect(seen[0]?.raw).toMatchObject({ dataschema: fields.dataschema, traceparent: fields.traceparent });
    expect(refused).toMatchObject({
      code: 'INVALID_EVENT',
      message: 'invoke(): a CloudEvent given as fields: "subject" must be a string',
    });
  });
});
