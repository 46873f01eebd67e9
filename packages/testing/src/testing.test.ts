import {
  cors,
  createHttpRequest,
  createJsonLogger,
  createMessage,
  createMiddleware,
  getLogDestination,
  http,
  isHttpResponse,
  type LogDestination,
  type Message,
  queue,
  schedule,
  setLogDestination,
  storage,
  stream,
  timeout,
} from '@skyport/core';
import { requireScopes } from '@skyport/core/auth';
import { logger } from '@skyport/core/logger';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { createClock } from './clock.js';
import { fakeContext } from './context.js';
import {
  changeEvent,
  cloudEvent,
  type HttpRequestOptions,
  httpRequest,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from './factories.js';
import { invoke } from './invoke.js';
import { collectLogs, type LogCollector } from './logs.js';

describe('invoke()', () => {
  it('runs an http function and decodes the response', async () => {
    const fn = http({ method: 'POST', path: '/echo/:id', body: z.object({ n: z.number() }) })
      .use(cors())
      .handle((req) => ({ status: 201, cookies: ['seen=1'], body: { id: req.params.id, n: req.body.n } }));

    const res = await invoke(
      fn,
      httpRequest({ method: 'POST', path: '/echo/9?x=1', body: { n: 2 }, headers: { Origin: 'https://a' } }),
    );

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: '9', n: 2 });
    expect(res.text).toBe('{"id":"9","n":2}');
    expect(res.cookies).toEqual(['seen=1']);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('decodes a text response in the charset its content type names, UTF-8 by default', async () => {
    const answer = (type: string | undefined, bytes: number[]) =>
      invoke(
        http().handle(() => ({
          status: 200,
          headers: type === undefined ? {} : { 'content-type': type },
          body: new Uint8Array(bytes),
        })),
        httpRequest(),
      );

    const latin1 = await answer('text/plain; charset=iso-8859-1', [0x63, 0x61, 0x66, 0xe9]);
    expect([latin1.body, latin1.text, [...(latin1.response.body as Uint8Array)]]).toEqual([
      'café',
      'café',
      [0x63, 0x61, 0x66, 0xe9],
    ]);
    // A quoted label, and JSON in a charset other than UTF-8.
    const utf16 = await answer('application/json; charset="UTF-16LE"', [0x7b, 0, 0x7d, 0]);
    expect([utf16.body, utf16.text]).toEqual([{}, '{}']);
    expect((await answer('text/html; charset=Shift_JIS', [0x82, 0xa0])).text).toBe('あ');
    // windows-1252 (and latin1, its WHATWG alias) maps 0x80-0x9F to the euro sign, quotes, dashes.
    expect((await answer('text/plain; charset=latin1', [0x80, 0x93, 0x96, 0x94])).text).toBe('€“–”');
    // No charset, or one no decoder knows: UTF-8.
    expect((await answer('text/plain', [0x63, 0xc3, 0xa9])).text).toBe('cé');
    expect((await answer('text/plain; charset=x-unknown', [0x63, 0xc3, 0xa9])).text).toBe('cé');
    const bytes = await answer(undefined, [0x63, 0xc3, 0xa9]);
    expect([bytes.body, bytes.text]).toEqual([new Uint8Array([0x63, 0xc3, 0xa9]), 'cé']);
  });

  it('accepts request options directly and decodes problem+json', async () => {
    const fn = http({ method: 'POST', body: z.object({ n: z.number() }) }).handle(() => 'ok');
    const res = await invoke(fn, { method: 'POST', path: '/', body: { n: 'x' } }, { requestId: 'fixed-id' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ requestId: 'fixed-id', errors: [{ path: 'body.n' }] });
  });

  it('refuses an array for an http function instead of running GET / once', async () => {
    let runs = 0;
    const fn = http().handle(() => {
      runs++;
      return 'ok';
    });
    for (const input of [[], [httpRequest(), httpRequest()]]) {
      await expect(invoke(fn, input as never)).rejects.toMatchObject({
        code: 'INVALID_EVENT',
        message: expect.stringContaining('an http function takes one request, not an array'),
      });
    }
    expect(runs).toBe(0);
  });

  it('refuses a message, a record or another event for an http function, when compiling and when run', async () => {
    // Prepare
    let runs = 0;
    const fn = http().handle(() => {
      runs++;
      return 'ok';
    });

    // Act
    const outcomes = await Promise.allSettled([
      // @ts-expect-error a message is not a request, though its `body` would pass for request options
      invoke(fn, message({ body: { orderId: 1 } })),
      // @ts-expect-error a stream record is not a request
      invoke(fn, streamRecord({ body: 'x' })),
      // @ts-expect-error a storage event is not a request
      invoke(fn, storageEvent()),
      // @ts-expect-error a schedule tick is not a request
      invoke(fn, scheduleTick()),
      // @ts-expect-error a change event is not a request
      invoke(fn, changeEvent()),
      // @ts-expect-error a CloudEvent is not a request
      invoke(fn, cloudEvent()),
    ]);

    // Assert
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'invoke(): an http function takes a request, got a message',
      'invoke(): an http function takes a request, got a stream record',
      'invoke(): an http function takes a request, got a storage event',
      'invoke(): an http function takes a request, got a schedule tick',
      'invoke(): an http function takes a request, got a change event',
      'invoke(): an http function takes a request, got a CloudEvent',
    ]);
    expect(outcomes[0]).toMatchObject({ reason: { code: 'KIND_MISMATCH', kind: 'http', shape: 'a message' } });
    expect(runs).toBe(0);
    expect((await invoke(fn, httpRequest({ body: { orderId: 1 } }))).status).toBe(200);
  });

  it("refuses nothing, a primitive or another kind's event for an event function, naming both", async () => {
    // Prepare
    const seen: unknown[] = [];
    const orders = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg);
    });
    const nightly = schedule({ cron: '0 3 * * *' }).handle((tick) => {
      seen.push(tick);
    });

    // Act
    const outcomes = await Promise.allSettled([
      invoke(orders, undefined as never),
      invoke(orders, null as never),
      invoke(orders, 'm1' as never),
      invoke(orders, httpRequest({ method: 'POST', body: { orderId: 1 } }) as never),
      invoke(orders, [message(), streamRecord()] as never),
      invoke(orders, [[message()]] as never),
      invoke(nightly, message() as never),
    ]);

    // Assert
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'invoke(): a queue function takes a message, got undefined',
      'invoke(): a queue function takes a message, got null',
      'invoke(): a queue function takes a message, got a string',
      'invoke(): a queue function takes a message, got a request',
      'invoke(): a queue function takes a message, got a stream record at index 1',
      'invoke(): a queue function takes a message, got an array at index 0',
      'invoke(): a schedule function takes a schedule tick, got a message',
    ]);
    expect(outcomes[0]).toMatchObject({ reason: { code: 'INVALID_EVENT', kind: 'queue', shape: 'undefined' } });
    expect(outcomes[6]).toMatchObject({ reason: { code: 'KIND_MISMATCH', kind: 'schedule', shape: 'a message' } });
    expect(seen).toEqual([]);
    expect(await invoke(orders, [message(), { id: 'by-hand', body: 1 } as never])).toEqual({ ok: true, failures: [] });
  });

  it("leaves the caller's message and record as they were, so a schema that transforms can run them again", async () => {
    // Prepare: schemas whose output differs from their input
    const order = z.object({ orderId: z.string() }).transform((o) => ({ id: Number(o.orderId) }));
    const ids: number[] = [];
    const orders = queue({ name: 'orders', body: order }).handle((msg) => {
      ids.push(msg.body.id);
    });
    const clicks = stream({ name: 'clicks', body: order }).handle((record) => {
      ids.push(record.body.id);
    });
    const msg = message({ id: 'm1', body: { orderId: '7' }, attributes: { a: '1' }, groupId: 'g' });
    const record = streamRecord({ sequence: '5', body: { orderId: '8' } });

    // Act
    const outcomes = [
      await invoke(orders, msg),
      await invoke(orders, msg),
      await invoke(clicks, record),
      await invoke(clicks, [record]),
    ];

    // Assert
    expect(outcomes).toEqual(Array(4).fill({ ok: true, failures: [] }));
    expect(ids).toEqual([7, 7, 8, 8]);
    expect(msg.body).toEqual({ orderId: '7' });
    expect(record.body).toEqual({ orderId: '8' });
  });

  it('hands a schema function a copy with the validated body, every field and the exact bytes of the one given', async () => {
    // Prepare
    let got: Message<string> | undefined;
    const fn = queue({ name: 'q', body: z.unknown().transform(() => 'validated') }).handle((m) => {
      got = m;
    });
    const bytes = new Uint8Array([0xff, 0x00, 0x7b]);
    const msg = message({
      id: 'm1',
      body: bytes,
      attributes: { a: '1' },
      attempt: 3,
      publishedAt: '2026-01-01T00:00:00Z',
      source: 'orders',
      groupId: 'g',
      orderingKey: 'k',
    });

    // Act
    await invoke(fn, msg);

    // Assert
    expect(got).not.toBe(msg);
    expect(got?.body).toBe('validated');
    expect(msg.body).not.toBe('validated');
    expect(msg.rawBody).toEqual(bytes);
    expect(got?.rawBody).toEqual(bytes);
    expect({ ...JSON.parse(JSON.stringify(got)), body: undefined }).toEqual({
      ...JSON.parse(JSON.stringify(msg)),
      body: undefined,
    });
    expect(got).toMatchObject({ id: 'm1', attempt: 3, groupId: 'g', orderingKey: 'k', source: 'orders' });
    expect(got?.publishedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('runs a message whose body a host already parsed with that body, schema or not', async () => {
    // Prepare
    const seen: unknown[] = [];
    const plain = queue({ name: 'q' }).handle((m) => {
      seen.push(m.body);
    });
    const checked = queue({ name: 'q', body: z.object({ at: z.date() }) }).handle((m) => {
      seen.push(m.body.at);
    });
    const at = new Date(0);

    // Act
    await invoke(plain, createMessage({ id: 'm1', source: 'q', body: '42' }));
    await invoke(checked, createMessage({ id: 'm2', source: 'q', body: { at } }));

    // Assert
    expect(seen).toEqual(['42', at]);
  });

  it('presets context such as auth', async () => {
    const fn = http().handle((_req, ctx) => ({ auth: (ctx as unknown as { auth: unknown }).auth, cloud: ctx.cloud }));
    const res = await invoke(fn, httpRequest(), { auth: { subject: 'u1' }, cloud: 'aws' });
    expect(res.body).toEqual({ auth: { subject: 'u1' }, cloud: 'aws' });
  });

  it('presets auth and other context for every message of a batch, and each message keeps what middleware add', async () => {
    // Prepare: a middleware that tags each message's context, and a handler that reads both
    const seen: unknown[] = [];
    const tag = createMiddleware<'queue', { tag: string }>({
      name: 'tag',
      kinds: ['queue'],
      handle: (msg, _ctx, next) => next({ tag: msg.id }),
    });
    const fn = queue({ name: 'q' })
      .use(tag)
      .handle((_msg, ctx) => {
        const preset = ctx as unknown as { auth?: unknown; tenant?: unknown };
        seen.push({ auth: preset.auth, tenant: preset.tenant, tag: ctx.tag });
      });
    // Act
    const out = await invoke(fn, [message({ id: 'a' }), message({ id: 'b' })], {
      auth: { subject: 'ada' },
      extra: { tenant: 't1' },
    });
    // Assert
    expect(out.ok).toBe(true);
    expect(seen).toEqual([
      { auth: { subject: 'ada' }, tenant: 't1', tag: 'a' },
      { auth: { subject: 'ada' }, tenant: 't1', tag: 'b' },
    ]);
  });

  it('runs batches with the semantics of the kind', async () => {
    const fn = queue({ name: 'q' }).handle((msg) => {
      if ((msg.body as { bad?: boolean }).bad) throw new Error('bad');
    });
    const out = await invoke(fn, [
      message({ id: 'a', body: {}, groupId: 'g1' }),
      message({ id: 'b', body: { bad: true }, groupId: 'g1' }),
      message({ id: 'c', body: {}, groupId: 'g1' }),
      message({ id: 'd', body: {}, groupId: 'g2' }),
    ]);
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['b', false],
      ['c', true],
    ]);

    const records = stream({ name: 's' }).handle((r) => {
      if (r.body === 'stop') throw new Error('stop');
    });
    const ordered = await invoke(records, [
      streamRecord({ sequence: '1', body: 'go' }),
      streamRecord({ sequence: '2', body: 'stop' }),
      streamRecord({ sequence: '3', body: 'go' }),
    ]);
    expect(ordered.failures.map((f) => f.id)).toEqual(['2', '3']);
  });

  it('runs single events and reports filtered ones as done', async () => {
    const seen: string[] = [];
    const uploads = storage({ bucket: 'b', on: ['created'] }).handle((o) => {
      seen.push(o.key);
    });
    expect((await invoke(uploads, storageEvent({ key: 'a.txt' }))).ok).toBe(true);
    expect((await invoke(uploads, storageEvent({ key: 'b.txt', type: 'deleted' }))).ok).toBe(true);
    expect(seen).toEqual(['a.txt']);
    const nightly = schedule({ cron: '0 3 * * *' }).handle((tick) => {
      if (tick.isPastDue) throw new Error('late');
    });
    const late = await invoke(nightly, scheduleTick({ isPastDue: true, name: 'nightly' }));
    expect(late).toMatchObject({ ok: false, failures: [{ id: 'nightly' }] });
  });
});

describe('httpRequest()', () => {
  const echo = http({ method: 'POST' }).handle((req) => ({
    type: req.header('content-type') ?? null,
    body: req.body instanceof Uint8Array ? 'bytes' : req.body,
    bytes: Array.from(req.rawBody),
    query: [...req.queryAll],
  }));
  const post = (options: HttpRequestOptions) => invoke(echo, httpRequest({ method: 'POST', ...options }));

  it('keeps a cookie header given beside cookies, and gives a plain request the same client address', async () => {
    const seen = http().handle((req) => ({ cookies: req.cookies, ip: req.ip ?? null }));
    const both = httpRequest({ headers: { Cookie: 'session=abc' }, cookies: { theme: 'dark mode' } });
    expect(both.headers).toMatchObject({ cookie: 'session=abc; theme=dark%20mode' });
    expect((await invoke(seen, both)).body).toEqual({
      cookies: { session: 'abc', theme: 'dark mode' },
      ip: '127.0.0.1',
    });
    // A plain `{ method, path }` is the request `httpRequest()` makes of it; an address given stays.
    expect((await invoke(seen, { method: 'GET', path: '/' })).body).toEqual({ cookies: {}, ip: '127.0.0.1' });
    expect((await invoke(seen, { path: '/' })).body).toEqual({ cookies: {}, ip: '127.0.0.1' });
    expect((await invoke(seen, { method: 'GET', path: '/', ip: '203.0.113.9' })).body).toEqual({
      cookies: {},
      ip: '203.0.113.9',
    });
  });

  it('sends a URLSearchParams body as a urlencoded form, as fetch does', async () => {
    const res = await post({ body: new URLSearchParams({ a: '1', b: 'x y' }) });
    expect(res.body).toMatchObject({
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: { a: '1', b: 'x y' },
    });
  });

  it('sends an ArrayBuffer or a typed array as its bytes', async () => {
    // Prepare: a view on the middle of a larger buffer
    const buffer = new Uint8Array([9, 1, 2, 3, 9]).buffer;

    // Act
    const outcomes = [
      (await post({ body: buffer })).body,
      (await post({ body: new DataView(buffer, 1, 3) })).body,
      (await post({ body: new Uint16Array([0x0201]) })).body,
      (await post({ body: buffer, headers: { 'Content-Type': 'image/png' } })).body,
    ];

    // Assert
    expect(outcomes).toEqual([
      { type: 'application/octet-stream', body: 'bytes', bytes: [9, 1, 2, 3, 9], query: [] },
      { type: 'application/octet-stream', body: 'bytes', bytes: [1, 2, 3], query: [] },
      { type: 'application/octet-stream', body: 'bytes', bytes: [1, 2], query: [] },
      { type: 'image/png', body: 'bytes', bytes: [9, 1, 2, 3, 9], query: [] },
    ]);
  });

  it('refuses a body only fetch can read, asynchronously, rather than send {}', () => {
    const form = new FormData();
    form.set('a', '1');
    for (const body of [new Blob(['x']), form, new Response('x').body]) {
      expect(() => httpRequest({ body })).toThrow(
        /httpRequest\(\): a (Blob|FormData|ReadableStream) body can only be read asynchronously/,
      );
    }
  });

  it('keeps the query string of the path and adds the query option after it', async () => {
    const outcomes = [
      (await post({ path: '/?x=1', query: { y: '2' } })).body,
      (await post({ path: '/?x=1&y=0', query: '?y=2' })).body,
      (await post({ path: '/?x=1', query: { y: ['2', '3'] } })).body,
      (await post({ path: '/', query: { y: '2' } })).body,
      (await post({ path: '/?x=1' })).body,
    ];
    expect(outcomes.map((o) => (o as { query: unknown }).query)).toEqual([
      [
        ['x', '1'],
        ['y', '2'],
      ],
      [
        ['x', '1'],
        ['y', '0'],
        ['y', '2'],
      ],
      [
        ['x', '1'],
        ['y', '2'],
        ['y', '3'],
      ],
      [['y', '2']],
      [['x', '1']],
    ]);
  });
});

describe('fakeContext() and createClock()', () => {
  it('refuses a time that is no time, which would make every deadline disappear', () => {
    const invalid = new Date('not a date');
    expect(() => fakeContext({ now: invalid, deadlineInMs: 1000 })).toThrow(/fakeContext\(\) now is not a valid time/);
    expect(() => fakeContext({ now: Number.NaN })).toThrow(TypeError);
    expect(() => fakeContext({ deadline: Number.NaN })).toThrow(/deadline is not a valid time/);
    expect(() => fakeContext({ deadlineInMs: Number.NaN })).toThrow(TypeError);
    expect(() => createClock('yesterday-ish')).toThrow(/createClock\(\) start is not a valid time/);
    const clock = createClock(0);
    expect(() => clock.set(invalid)).toThrow(TypeError);
    expect(() => clock.advance(Number.NaN)).toThrow(TypeError);
    expect(clock.now()).toBe(0);
  });

  it('controls time, ids, cold start and deadline', () => {
    const clock = createClock('2026-01-01T00:00:00Z');
    const ctx = fakeContext({ now: clock, deadlineInMs: 3000, requestId: 'r-1', coldStart: true, cloud: 'azure' });
    expect(ctx.requestId).toBe('r-1');
    expect(ctx.coldStart).toBe(true);
    expect(ctx.cloud).toBe('azure');
    expect(ctx.deadline).toBe(Date.parse('2026-01-01T00:00:03Z'));
    clock.advance(1000);
    expect(ctx.remainingTimeMs()).toBe(2000);
    clock.set(new Date('2026-01-01T00:00:05Z'));
    expect(ctx.remainingTimeMs()).toBe(0);
  });

  it('puts extra context on the context and in its type', async () => {
    // Prepare: a middleware that needs ctx.auth, called directly as a unit test would
    const principal = { subject: 'u1', claims: {}, scopes: ['orders:read'], roles: [], source: 'jwt' as const };
    const ctx = fakeContext({ extra: { auth: principal } });
    const mw = requireScopes('orders:read');

    // Act
    expectTypeOf(ctx.auth).toEqualTypeOf(principal);
    const res = await mw.handle(createHttpRequest({ method: 'GET', path: '/' }), ctx, async () => ({
      status: 204,
      headers: {},
      cookies: [],
      body: undefined,
    }));

    // Assert
    expect(ctx.auth.subject).toBe('u1');
    expect(isHttpResponse(res) && res.status).toBe(204);
  });
});

describe('collectLogs()', () => {
  it('captures the lines of an invocation until restored', async () => {
    const fn = http().handle((_req, ctx) => {
      ctx.log.info({ orderId: 1 }, 'order created');
      throw new Error('kaboom');
    });
    const logs = collectLogs();
    try {
      await invoke(fn, httpRequest(), { requestId: 'abc' });
    } finally {
      logs.restore();
    }
    expect(logs.find('order created')).toEqual([
      expect.objectContaining({ level: 'info', requestId: 'abc', orderId: 1 }),
    ]);
    expect(logs.find((line) => line.level === 'error')).toHaveLength(1);
    expect(logs.text()).toContain('kaboom');
  });

  it('finds lines by their message in the AWS and GCP formats of logger(), which write `message`', async () => {
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => {
        ctx.log.info('creating order');
        return 'ok';
      });
    for (const [cloud, level] of [
      ['aws', { level: 'INFO' }],
      ['gcp', { severity: 'INFO' }],
    ] as const) {
      const logs = collectLogs();
      try {
        await invoke(fn, httpRequest(), { cloud });
      } finally {
        logs.restore();
      }
      expect(logs.find('creating order')).toEqual([expect.objectContaining({ ...level, message: 'creating order' })]);
    }
  });
});

describe('log levels under test', () => {
  it('writes debug lines through a logger given as the log option, which collectLogs() sees', async () => {
    // Prepare: a function that logs at debug, below the default level
    const fn = http().handle((_req, ctx) => {
      ctx.log.debug({ step: 1 }, 'looking up');
      return 'ok';
    });
    const logs = collectLogs();
    try {
      // Act
      await invoke(fn, httpRequest());
      await invoke(fn, httpRequest(), { log: createJsonLogger({ requestId: 'r-1' }, 'debug') });
    } finally {
      logs.restore();
    }

    // Assert
    expect(logs.find('looking up')).toEqual([expect.objectContaining({ level: 'debug', requestId: 'r-1', step: 1 })]);
  });

  it('writes them in the format of the cloud the invocation runs on, when the logger is told it', async () => {
    // Prepare
    const fn = http().handle((_req, ctx) => {
      ctx.log.debug({ step: 1 }, 'looking up');
      return 'ok';
    });
    const logs = collectLogs();
    try {
      // Act
      for (const cloud of ['aws', 'gcp'] as const) {
        await invoke(fn, httpRequest(), { cloud, log: createJsonLogger({ requestId: 'r-1' }, 'debug', { cloud }) });
      }
    } finally {
      logs.restore();
    }

    // Assert
    expect(logs.find('looking up')).toEqual([
      expect.objectContaining({ level: 'DEBUG', message: 'looking up', requestId: 'r-1', step: 1 }),
      expect.objectContaining({ severity: 'DEBUG', message: 'looking up', requestId: 'r-1', step: 1 }),
    ]);
  });
});

describe('collectLogs() in any order', () => {
  it('never leaves logging pointed at a stopped collector, whatever the order of restore()', async () => {
    // Prepare: a destination of our own, and two collectors started in turn
    const fn = http().handle((_req, ctx) => {
      ctx.log.info('handled');
      return 'ok';
    });
    const before: string[] = [];
    const destination: LogDestination = { write: (line) => before.push(line) };
    const release = setLogDestination(destination);
    try {
      const a = collectLogs();
      const b = collectLogs();

      // Act
      a.restore();
      await invoke(fn, httpRequest());
      b.restore();
      await invoke(fn, httpRequest());

      // Assert: after a stopped, b took the line; after both, the destination from before did
      expect(a.find('handled')).toEqual([]);
      expect(b.find('handled')).toHaveLength(1);
      expect(before.filter((line) => line.includes('handled'))).toHaveLength(1);
      expect(getLogDestination()).toBe(destination);
    } finally {
      release();
    }
  });
});

describe('collectLogs() started in a hook', () => {
  let logs: LogCollector;
  beforeEach(() => {
    logs = collectLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  for (const name of ['first', 'second']) {
    it(`captures the lines of the ${name} test`, async () => {
      const fn = http().handle((_req, ctx) => {
        ctx.log.info(`in the ${name} test`);
        return 'ok';
      });
      await invoke(fn, httpRequest());
      expect(logs.lines.map((line) => line.msg)).toEqual([`in the ${name} test`]);
    });
  }
});

describe('collectLogs() beside a collector started in beforeAll', () => {
  let quiet: LogCollector;
  let logs: LogCollector;
  beforeAll(() => {
    quiet = collectLogs();
  });
  afterAll(() => {
    quiet.restore();
  });
  beforeEach(() => {
    logs = collectLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  it("gives each test's own newer collector its lines, and the older one nothing", async () => {
    const fn = http().handle((_req, ctx) => {
      ctx.log.info('handled');
      return 'ok';
    });
    await invoke(fn, httpRequest());
    const own = collectLogs();
    await invoke(fn, httpRequest());
    own.restore();
    expect(logs.find('handled')).toHaveLength(1);
    expect(own.find('handled')).toHaveLength(1);
    expect(quiet.find('handled')).toEqual([]);
  });
});

describe('collectLogs() and setLogDestination() interleaved', () => {
  it('loses no line when a collector stops while another destination is set', async () => {
    const before = getLogDestination();
    const original: string[] = [];
    const putBack = setLogDestination({ write: (line) => original.push(line) });
    try {
      const logs = collectLogs();
      const release = setLogDestination({ write: () => undefined });
      logs.restore();
      release();
      createJsonLogger({}, 'info').info('after both');
      expect(original.filter((line) => line.includes('after both'))).toHaveLength(1);
    } finally {
      putBack();
    }
    expect(getLogDestination()).toBe(before);
  });
});

describe('timeout() under test', () => {
  it('fires under fake timers without waiting, as docs/testing.md describes', async () => {
    vi.useFakeTimers();
    try {
      const fn = http()
        .use(timeout())
        .handle((_req, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('late'))));
      const pending = invoke(fn, httpRequest(), { deadlineInMs: 3000 });
      await vi.advanceTimersByTimeAsync(2500);
      expect((await pending).status).toBe(504);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails at once when the clock already stands within the margin of the deadline', async () => {
    const clock = createClock('2026-01-01T00:00:00Z');
    const fn = http()
      .use(timeout())
      .handle(() => 'made it');
    const ctx = { now: clock, deadline: Date.parse('2026-01-01T00:00:00.400Z') };
    expect((await invoke(fn, httpRequest(), ctx)).status).toBe(504);
  });
});
