/**
 * Functions of another copy of `@skyport/core`, made as a user makes one: a module bundled with
 * esbuild, which inlines the package. This copy's `respond()` hands each request to that copy.
 */
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectLogs, invoke } from '@skyport/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { createContext } from './context.js';
import { HttpError, PayloadTooLarge, ServiceUnavailable, SkyportError, toHttpError } from './errors.js';
import { PortableFunction } from './function.js';
import { respond, runHttp } from './run.js';
import type { Context, HttpResponse, SkyportFunction } from './types.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The module a user bundles: a router with middleware and schemas, and single functions. */
const source = `
import { createMiddleware, http, HttpError, PayloadTooLarge, router, ServiceUnavailable, SkyportError } from '@skyport/core';
import { z } from 'zod';

export { HttpError, PayloadTooLarge, ServiceUnavailable, SkyportError };

export const seen = [];

const tenant = createMiddleware({
  name: 'tenant',
  kinds: ['http'],
  handle: (req, _ctx, next) => next({ tenant: req.header('x-tenant') ?? 'none' }),
});

const stamp = createMiddleware({
  name: 'stamp',
  kinds: ['http'],
  handle: async (_req, _ctx, next) => {
    const res = await next();
    return { ...res, headers: { ...res.headers, 'x-copy': 'bundled' } };
  },
});

const create = http({
  method: 'POST',
  path: '/orders',
  body: z.object({ sku: z.string(), qty: z.number().int().positive() }),
})
  .use(tenant)
  .handle((req, ctx) => ({ status: 201, body: { sku: req.body.sku, qty: req.body.qty, tenant: ctx.tenant } }));

const list = http({ method: 'GET', path: '/orders' }).handle(() => [{ sku: 'a', qty: 1 }]);

const teapot = http({ method: 'GET', path: '/teapot' }).handle(() => {
  throw new HttpError(418, 'short and stout', { headers: { 'retry-after': '120' } });
});

const broken = http({ method: 'GET', path: '/broken' }).handle(() => {
  throw new Error('the bundled handler broke');
});

export const api = router(create, list, teapot, broken).use(stamp);

export const hello = http({ method: 'GET', path: '/hello' }).handle((_req, ctx) => {
  seen.push(ctx);
  return { requestId: ctx.requestId, auth: ctx.auth ?? null, tenant: ctx.tenant ?? null };
});

export const left = http({ method: 'GET', path: '/left' }).handle((_req, ctx) => ({
  left: ctx.remainingTimeMs(),
  deadline: ctx.deadline ?? null,
}));

export const ticks = http({ method: 'GET', path: '/ticks', stream: true }).handle((_req, ctx) => {
  seen.push(ctx);
  void ctx.signal;
  return (async function* () {
    yield 'one,';
    yield 'two';
  })();
});
`;

interface Bundle {
  readonly api: SkyportFunction<'http'>;
  readonly hello: SkyportFunction<'http'>;
  readonly left: SkyportFunction<'http'>;
  readonly ticks: SkyportFunction<'http'>;
  readonly seen: Context[];
  readonly HttpError: typeof HttpError;
  readonly PayloadTooLarge: typeof PayloadTooLarge;
  readonly ServiceUnavailable: typeof ServiceUnavailable;
  readonly SkyportError: typeof SkyportError;
}

let dir: string;
let bundle: Bundle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skyport-other-copy-'));
  const outfile = join(dir, 'functions.js');
  // As `esbuild src/functions.ts --bundle --platform=node --format=esm` does: the package is
  // inlined (here from its sources, which the package's `dist` is built from).
  await build({
    stdin: { contents: source, resolveDir: here, loader: 'ts', sourcefile: 'functions.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    alias: { '@skyport/core': join(here, 'index.ts') },
    logLevel: 'silent',
  });
  bundle = (await import(pathToFileURL(outfile).href)) as Bundle;
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const ctx = (requestId = 'r-1', deadline?: number) =>
  createContext({
    cloud: 'node',
    kind: 'http',
    requestId,
    functionName: 'api',
    coldStart: false,
    deadline,
    signalMarginMs: 200,
  });

/** A context of plain fields, as code without createContext() makes one. */
const handMade = (requestId: string, signal = new AbortController().signal): Context => ({
  cloud: 'node',
  kind: 'http',
  requestId,
  functionName: 'api',
  coldStart: false,
  deadline: undefined,
  remainingTimeMs: () => Number.POSITIVE_INFINITY,
  signal,
  log: ctx(requestId).log,
  trace: {},
  region: undefined,
  raw: undefined,
});

const json = (response: HttpResponse) => JSON.parse(response.body as string) as Record<string, unknown>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an http function of another copy of @skyport/core', () => {
  it('is one: no class of this copy made it', () => {
    expect(bundle.api).not.toBeInstanceOf(PortableFunction);
    expect(bundle.api.kind).toBe('http');
  });

  it('answers through runHttp: 200, 201 past its middleware and schema, 404 and 405 of its router', async () => {
    // Act
    const listed = await runHttp(bundle.api, { method: 'GET', path: '/orders' }, ctx());
    const created = await runHttp(
      bundle.api,
      {
        method: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
        body: '{"sku":"b","qty":2}',
      },
      ctx(),
    );
    const missing = await runHttp(bundle.api, { method: 'GET', path: '/nope' }, ctx('r-404'));
    const refused = await runHttp(bundle.api, { method: 'DELETE', path: '/orders' }, ctx());

    // Assert
    expect([listed.status, json({ ...listed, body: `{"list":${listed.body}}` })]).toEqual([
      200,
      { list: [{ sku: 'a', qty: 1 }] },
    ]);
    expect(listed.headers['x-copy']).toBe('bundled');
    expect([created.status, json(created)]).toEqual([201, { sku: 'b', qty: 2, tenant: 'acme' }]);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(json(missing)).toMatchObject({ title: 'Not Found', requestId: 'r-404' });
    expect(refused.status).toBe(405);
    expect(refused.headers.allow).toBe('POST, GET, HEAD, OPTIONS');
  });

  it('answers 422 with the issues, and an HttpError it throws with its status, detail and headers', async () => {
    // Act
    const invalid = await runHttp(
      bundle.api,
      { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: '{"sku":1,"qty":0}' },
      ctx(),
    );
    const teapot = await runHttp(bundle.api, { method: 'GET', path: '/teapot' }, ctx());

    // Assert
    expect(invalid.status).toBe(422);
    const problem = json(invalid);
    expect(problem).toMatchObject({ code: 'VALIDATION' });
    expect((problem.errors as { path: string }[]).map((issue) => issue.path).sort()).toEqual(['body.qty', 'body.sku']);
    expect(teapot.status).toBe(418);
    expect(teapot.headers['retry-after']).toBe('120');
    expect(json(teapot)).toMatchObject({ status: 418, detail: 'short and stout' });
  });

  it('answers a HEAD with the GET headers and no content', async () => {
    // Act
    const head = await runHttp(bundle.api, { method: 'HEAD', path: '/orders' }, ctx());

    // Assert
    expect(head.status).toBe(200);
    expect(head.body).toBeUndefined();
    expect(head.headers['content-length']).toBe(String('[{"sku":"a","qty":1}]'.length));
  });

  it('logs a 500 of its handler once, where this copy writes its lines', async () => {
    // Prepare
    const logs = collectLogs();

    // Act
    let broken: HttpResponse;
    try {
      broken = await runHttp(bundle.api, { method: 'GET', path: '/broken' }, ctx('r-500'));
    } finally {
      logs.restore();
    }

    // Assert
    expect(broken.status).toBe(500);
    expect(json(broken)).toMatchObject({ requestId: 'r-500' });
    const lines = logs.find('500 Internal Server Error');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).toContain('the bundled handler broke');
  });

  it('sees the fields of the context the caller made and set', async () => {
    // Prepare
    const given = ctx('r-fields');
    Object.assign(given, { auth: { sub: 'ada' } });

    // Act
    const out = await runHttp(bundle.hello, { method: 'GET', path: '/hello' }, given);

    // Assert
    expect(json(out)).toEqual({ requestId: 'r-fields', auth: { sub: 'ada' }, tenant: null });
  });

  it('sees the fields of a context made by hand, and what was added to it', async () => {
    // Prepare: a context of plain fields, as code without createContext() makes one
    const made = ctx('r-made');
    const plain: Context & { tenant: string } = {
      cloud: 'node',
      kind: 'http',
      requestId: 'r-plain',
      functionName: 'api',
      coldStart: false,
      deadline: undefined,
      remainingTimeMs: () => Number.POSITIVE_INFINITY,
      signal: new AbortController().signal,
      log: made.log,
      trace: {},
      region: undefined,
      raw: undefined,
      tenant: 'acme',
    };

    // Act
    const out = await runHttp(bundle.hello, { method: 'GET', path: '/hello' }, plain);

    // Assert
    expect(json(out)).toEqual({ requestId: 'r-plain', auth: null, tenant: 'acme' });
  });

  it('counts down with a context made by hand that has a countdown and no deadline', async () => {
    // Prepare: as a Lambda context wrapped by hand, whose time left is all that is known
    const plain: Context = {
      ...handMade('r-countdown'),
      deadline: undefined,
      remainingTimeMs: () => 1234,
    };

    // Act
    const started = Date.now();
    const out = json(await runHttp(bundle.left, { method: 'GET', path: '/left' }, plain));

    // Assert
    expect(out.left).toBeGreaterThan(1000);
    expect(out.left).toBeLessThanOrEqual(1234);
    expect(out.deadline).toBeGreaterThanOrEqual(started + 1234);
    expect(out.deadline).toBeLessThanOrEqual(Date.now() + 1234);
  });

  it('sends a streamed answer, and ends both contexts once it is sent, not before', async () => {
    // Prepare: contexts whose signal aborts 100 ms from now, unless they are ended first
    const given = ctx('r-stream', Date.now() + 300);
    const kept = ctx('r-kept', Date.now() + 300);

    // Act
    const out = await respond(bundle.ticks, { method: 'GET', path: '/ticks' }, given, true);
    const text = await new Response(out.stream).text();
    const unread = await respond(bundle.ticks, { method: 'GET', path: '/ticks' }, kept, true);
    const theirs = bundle.seen.at(-2) as Context;
    const theirsUnread = bundle.seen.at(-1) as Context;
    await sleep(250);

    // Assert
    expect([out.status, out.body, text]).toEqual([200, undefined, 'one,two']);
    expect(given.signal.aborted).toBe(false);
    expect(theirs.signal.aborted).toBe(false);
    expect(theirs.requestId).toBe('r-stream');
    // An answer not yet sent keeps the invocation going: its signal still aborts at the deadline.
    expect(kept.signal.aborted).toBe(true);
    expect(theirsUnread.signal.aborted).toBe(true);
    await unread.stream?.cancel();
  });

  it('leaves no listener on the signal of a context run with again and again', async () => {
    // Prepare: a context of this copy and one made by hand, each run with many times
    const given = ctx('r-again', Date.now() + 60_000);
    const controller = new AbortController();
    const plain = handMade('r-again-plain', controller.signal);
    const warnings: Error[] = [];
    const warned = (warning: Error) => warnings.push(warning);
    process.on('warning', warned);

    // Act
    const statuses: number[] = [];
    try {
      for (let run = 0; run < 15; run++) {
        statuses.push((await runHttp(bundle.hello, { method: 'GET', path: '/hello' }, given)).status);
        statuses.push((await runHttp(bundle.hello, { method: 'GET', path: '/hello' }, plain)).status);
        const streamed = await respond(bundle.ticks, { method: 'GET', path: '/ticks' }, plain, true);
        statuses.push(streamed.status);
        await new Response(streamed.stream).text();
      }
      await sleep(0);
    } finally {
      process.off('warning', warned);
    }

    // Assert
    expect(statuses).toEqual(Array.from({ length: 45 }, () => 200));
    expect(getEventListeners(given.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps the listener on the signal until a streamed answer is sent, so a client that leaves aborts it', async () => {
    // Prepare
    const controller = new AbortController();
    const plain = handMade('r-leaves', controller.signal);

    // Act
    const streamed = await respond(bundle.ticks, { method: 'GET', path: '/ticks' }, plain, true);
    const theirs = bundle.seen.at(-1) as Context;
    const whileSending = getEventListeners(controller.signal, 'abort').length;
    controller.abort(new DOMException('the client left', 'AbortError'));
    await streamed.stream?.cancel();

    // Assert
    expect(whileSending).toBe(1);
    expect(theirs.signal.aborted).toBe(true);
    expect((theirs.signal.reason as DOMException).message).toBe('the client left');
  });

  it('adds no listener on the signal of a context that ended', async () => {
    // Prepare: a context of this copy, ended by a first run
    const ended = ctx('r-ended', Date.now() + 60_000);
    await runHttp(bundle.hello, { method: 'GET', path: '/hello' }, ended);

    // Act
    const again = await respond(bundle.ticks, { method: 'GET', path: '/ticks' }, ended, true);
    const whileSending = getEventListeners(ended.signal, 'abort').length;
    const text = await new Response(again.stream).text();

    // Assert
    expect(whileSending).toBe(0);
    expect(text).toBe('one,two');
  });

  it('runs through invoke() with its presets, a streamed answer, and a client that leaves', async () => {
    // Act
    const hello = await invoke(bundle.hello, { method: 'GET', path: '/hello' }, { requestId: 'r-7', auth: 'ada' });
    const created = await invoke(bundle.api, {
      method: 'POST',
      path: '/orders',
      headers: { 'x-tenant': 't1' },
      body: { sku: 'c', qty: 3 },
    });
    const missing = await invoke(bundle.api, { method: 'GET', path: '/missing' });
    const streamed = await invoke(bundle.ticks, { method: 'GET', path: '/ticks' }, { stream: true });
    const theirs = bundle.seen.at(-1) as Context;
    await streamed.stream?.cancel();

    // Assert
    expect(hello.body).toEqual({ requestId: 'r-7', auth: 'ada', tenant: null });
    expect([created.status, created.body]).toEqual([201, { sku: 'c', qty: 3, tenant: 't1' }]);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ title: 'Not Found' });
    expect(theirs.signal.aborted).toBe(true);
    expect((theirs.signal.reason as DOMException).name).toBe('AbortError');
  });
});

/** The classes of errors a copy of core has. */
interface Errors {
  readonly HttpError: typeof HttpError;
  readonly PayloadTooLarge: typeof PayloadTooLarge;
  readonly ServiceUnavailable: typeof ServiceUnavailable;
  readonly SkyportError: typeof SkyportError;
}

/** Errors of each kind an http answer is made of, made with the classes of one copy. */
const errorsOf = (copy: Errors): Record<string, unknown> => ({
  tooLarge: new copy.PayloadTooLarge('the body is over 10 bytes', {
    code: 'BODY_TOO_LARGE',
    headers: { connection: 'close' },
    extensions: { limit: 10 },
  }),
  problem: new copy.HttpError(402, 'top up first', {
    type: 'https://example.com/probs/out-of-credit',
    title: 'Out of credit',
    code: 'NO_CREDIT',
    errors: [{ path: 'body.amount', message: 'over the balance' }],
    extensions: { balance: 30, accounts: ['/account/1'] },
  }),
  hidden: new copy.ServiceUnavailable('payments down', { code: 'DOWN', headers: { 'retry-after': '5' } }),
  shown: new copy.HttpError(503, 'in maintenance until noon', { expose: true, code: 'MAINTENANCE' }),
  notAnError: new copy.HttpError(200, 'fine'),
  invalid: new copy.SkyportError('VALIDATION', 'the message is invalid', {
    errors: [{ path: 'body.id', message: 'required' }],
    errorCount: 3,
  }),
  late: new copy.SkyportError('TIMEOUT', 'out of time'),
  unknown: new copy.SkyportError('UNKNOWN_EVENT', 'no such event'),
});

/** This copy's function that throws what it is given, and its answer, logs kept out of the output. */
async function answerTo(error: unknown): Promise<{ status: number; headers: unknown; body: unknown }> {
  const throwing = http({ method: 'GET', path: '/fail' }).handle(() => {
    throw error;
  });
  const logs = collectLogs();
  try {
    const out = await runHttp(throwing, { method: 'GET', path: '/fail' }, ctx('r-error'));
    return { status: out.status, headers: out.headers, body: json(out) };
  } finally {
    logs.restore();
  }
}

const brand = Symbol.for('skyport.error.v1');

describe('an error of another copy of @skyport/core', () => {
  it('is answered by this copy as one of its own: status, title, detail, code, headers and extensions', async () => {
    // Prepare
    const own = errorsOf({ HttpError, PayloadTooLarge, ServiceUnavailable, SkyportError });
    const theirs = errorsOf(bundle);

    for (const [name, error] of Object.entries(theirs)) {
      // Act
      const answered = await answerTo(error);
      const expected = await answerTo(own[name]);

      // Assert
      expect(error, name).not.toBeInstanceOf(HttpError);
      expect(answered, name).toEqual(expected);
    }
    const tooLarge = await answerTo(theirs.tooLarge);
    expect(tooLarge).toMatchObject({ status: 413, headers: { connection: 'close' } });
    expect(tooLarge.body).toMatchObject({ code: 'BODY_TOO_LARGE', limit: 10, detail: 'the body is over 10 bytes' });
    expect((await answerTo(theirs.invalid)).body).toMatchObject({ status: 422, code: 'VALIDATION', errorCount: 3 });
    expect((await answerTo(theirs.late)).status).toBe(504);
  });

  it('becomes an HttpError of this copy with its name, message, code and cause', () => {
    // Prepare
    const cause = new Error('the stream went over');
    const theirs = new bundle.PayloadTooLarge('the body is over 10 bytes', { code: 'BODY_TOO_LARGE', cause });

    // Act
    const error = toHttpError(theirs);

    // Assert
    expect(error).toBeInstanceOf(HttpError);
    expect([error.name, error.message, error.status, error.code, error.cause]).toEqual([
      'PayloadTooLarge',
      'the body is over 10 bytes',
      413,
      'BODY_TOO_LARGE',
      cause,
    ]);
    expect(error.stack).toBe(theirs.stack);
  });

  it("of this copy, thrown as the other copy's function reads the body, keeps its code", async () => {
    // Prepare: as serve() and Azure hand over a body that fails once it is over the limit
    const request = {
      method: 'POST',
      path: '/orders',
      headers: { 'content-type': 'application/json' },
      get body(): string {
        throw new PayloadTooLarge('the request body is larger than 10 bytes', { code: 'BODY_TOO_LARGE' });
      },
    };

    // Act
    const out = await runHttp(bundle.api, request, ctx('r-413'));

    // Assert
    expect(out.status).toBe(413);
    expect(json(out)).toEqual({
      type: 'about:blank',
      title: 'Content Too Large',
      status: 413,
      detail: 'the request body is larger than 10 bytes',
      requestId: 'r-413',
      code: 'BODY_TOO_LARGE',
    });
  });

  it('is read safely when it only carries the brand: what is not of its type is left out', async () => {
    // Prepare
    const garbled = {
      [brand]: 'HttpError',
      status: 404,
      type: 7,
      title: { text: 'Gone' },
      detail: ['no order'],
      expose: 'yes',
      code: 42,
      headers: { 'x-kept': 'yes', 'retry-after': 30, 'x-dropped': { nested: true } },
      errors: [null, 5, { path: 'query.page', message: 'not a number' }, { path: 1, message: 'x' }],
      extensions: JSON.parse('{"__proto__":{"polluted":true},"shelf":"b2"}') as unknown,
    };

    // Act
    const out = await answerTo(garbled);

    // Assert
    expect(out.status).toBe(404);
    expect(out.headers).toMatchObject({ 'x-kept': 'yes', 'retry-after': '30' });
    expect(out.headers).not.toHaveProperty('x-dropped');
    expect(out.body).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      errors: [{ path: 'query.page', message: 'not a number' }],
      shelf: 'b2',
    });
    expect(out.body).not.toHaveProperty('detail');
    expect(out.body).not.toHaveProperty('code');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is a 500 when it only carries the brand and no status, a status that is not one, or fields that throw', async () => {
    // Prepare
    const answers = [
      { [brand]: 'HttpError' },
      { [brand]: 'HttpError', status: '404' },
      { [brand]: 'HttpError', status: 200 },
      {
        [brand]: 'HttpError',
        get status(): number {
          throw new Error('unreadable');
        },
      },
      { [brand]: 'SkyportError', code: 'UNKNOWN_EVENT' },
      { [brand]: 'Unknown', status: 404 },
    ];

    // Act
    const out = await Promise.all(answers.map(answerTo));

    // Assert
    for (const answer of out) {
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: 'r-error',
      });
    }
  });

  it('is a 422 for a branded VALIDATION error whatever its issues are', async () => {
    // Act
    const out = await answerTo({ [brand]: 'SkyportError', code: 'VALIDATION', errors: 'none', errorCount: -1 });

    // Assert
    expect(out.status).toBe(422);
    expect(out.body).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      requestId: 'r-error',
      code: 'VALIDATION',
    });
  });
});
