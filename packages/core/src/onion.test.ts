import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { http, queue } from './builders.js';
import { createContext, endContext } from './context.js';
import { Conflict } from './errors.js';
import { createMessage } from './events.js';
import { createHttpRequest } from './http/request.js';
import { createMiddleware } from './middleware/create.js';
import { timeout } from './middleware/timeout.js';
import { runEvent, runHttp } from './run.js';
import type { HttpResponse } from './types.js';

const ctx = (kind: 'http' | 'queue' = 'http') =>
  createContext({ cloud: 'node', kind, requestId: 'r', functionName: 'f' });

describe('what next() resolves to when an inner middleware edited the response', () => {
  it('has a Set-Cookie header an inner middleware added among its cookies, so a cache around it does not replay it', async () => {
    // Prepare: a cache that keeps answers without cookies, around a session that sets one.
    let stored: HttpResponse | undefined;
    const seen: { cookies: readonly string[]; headers: Record<string, string> }[] = [];
    const cache = createMiddleware<'http'>({
      name: 'cache',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        if (stored !== undefined) return stored;
        const res = await next();
        seen.push({ cookies: [...res.cookies], headers: { ...res.headers } });
        if (res.status === 200 && res.cookies.length === 0) stored = res;
        return res;
      },
    });
    const session = createMiddleware<'http'>({
      name: 'session',
      kinds: ['http'],
      async handle(req, _ctx, next) {
        const res = await next();
        const user = req.header('x-user');
        if (user !== undefined) res.headers['set-cookie'] = `sid=${user}-secret; HttpOnly`;
        return res;
      },
    });
    const fn = http()
      .use(cache)
      .use(session)
      .handle(() => ({ page: 'home' }));

    // Act
    const alice = await runHttp(fn, { method: 'GET', path: '/', headers: { 'x-user': 'alice' } }, ctx());
    const bob = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(seen[0]).toEqual({
      cookies: ['sid=alice-secret; HttpOnly'],
      headers: { 'content-type': 'application/json' },
    });
    expect(alice.cookies).toEqual(['sid=alice-secret; HttpOnly']);
    expect(bob.cookies).toEqual([]);
    expect(JSON.stringify(bob)).not.toContain('alice');
  });

  it('has header names lower-cased, the last given of two names that differ in case winning', async () => {
    // Prepare
    let seen: Record<string, string> | undefined;
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        seen = { ...res.headers };
        return res;
      },
    });
    const inner = createMiddleware<'http'>({
      name: 'inner',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        res.headers['Content-Type'] = 'text/html';
        return res;
      },
    });
    const fn = http()
      .use(outer)
      .use(inner)
      .handle(() => ({ page: 'home' }));

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(seen).toEqual({ 'content-type': 'text/html' });
    expect(res.headers).toEqual({ 'content-type': 'text/html' });
  });

  it('keeps the fields of a Vary header given under two spellings, joined', async () => {
    // Prepare: a middleware that spreads in `Vary` with a capital, over the handler's own `vary`.
    let seen: Record<string, string> | undefined;
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        seen = { ...res.headers };
        return res;
      },
    });
    const language = createMiddleware<'http'>({
      name: 'language',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        return { ...res, headers: { ...res.headers, Vary: 'Accept-Language' } };
      },
    });
    const handler = () => ({ status: 200, headers: { vary: 'Accept-Encoding' }, body: 'hallo' });
    const nested = http().use(outer).use(language).handle(handler);
    const alone = http().use(language).handle(handler);

    // Act
    const res = await runHttp(nested, { method: 'GET', path: '/' }, ctx());
    const outermost = await runHttp(alone, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(seen?.vary).toBe('Accept-Encoding, Accept-Language');
    expect(res.headers.vary).toBe('Accept-Encoding, Accept-Language');
    expect(outermost.headers.vary).toBe('Accept-Encoding, Accept-Language');
  });

  it('has a body of data an inner middleware put there serialised, as it is sent', async () => {
    // Prepare
    let seen: unknown;
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        seen = res.body;
        return res;
      },
    });
    const inner = createMiddleware<'http'>({
      name: 'inner',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        return { ...res, body: { wrapped: true } as unknown as string };
      },
    });
    const fn = http()
      .use(outer)
      .use(inner)
      .handle(() => 'plain');

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(seen).toBe('{"wrapped":true}');
    expect(res.body).toBe('{"wrapped":true}');
  });

  it('leaves a response in the shape it is sent in as the very object the inner middleware answered with', async () => {
    // Prepare
    let answered: HttpResponse | undefined;
    let seen: HttpResponse | undefined;
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        seen = await next();
        return seen;
      },
    });
    const inner = createMiddleware<'http'>({
      name: 'inner',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        res.headers['x-inner'] = 'yes';
        answered = res;
        return res;
      },
    });
    const fn = http()
      .use(outer)
      .use(inner)
      .handle(() => 'ok');

    // Act
    await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(seen).toBe(answered);
  });

  it('is a rejection when the inner answer cannot be sent, and dispatch() answers in the sent shape', async () => {
    // Prepare
    let failure: unknown;
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          failure = error;
          throw error;
        }
      },
    });
    const inner = createMiddleware<'http'>({
      name: 'inner',
      kinds: ['http'],
      async handle(req, _ctx, next) {
        const res = await next();
        res.headers.Location = req.header('x-to') ?? '/';
        return res;
      },
    });
    const fn = http()
      .use(outer)
      .use(inner)
      .handle(() => 'ok');

    // Act
    const split = await runHttp(fn, { method: 'GET', path: '/', headers: { 'x-to': '/a\r\nx: y' } }, ctx());
    const dispatched = await fn.dispatch(createHttpRequest({ method: 'GET', path: '/' }), ctx());

    // Assert
    expect(split.status).toBe(500);
    expect(failure).toBeInstanceOf(TypeError);
    expect(dispatched.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8', location: '/' });
  });
});

describe('a middleware that answers with a promise of another realm or library', () => {
  const Foreign = vm.runInNewContext('Promise') as PromiseConstructor;
  /** Answers with a promise of another realm that settles as `next()` does. */
  const foreign = createMiddleware({
    name: 'foreign',
    handle: (_event, _ctx, next) => new Foreign((resolve, reject) => next().then(resolve, reject)),
  });
  /** Answers with a library's thenable that settles as `next()` does. */
  const lazy = createMiddleware({
    name: 'lazy',
    handle: (_event, _ctx, next) => {
      const thenable = {
        // biome-ignore lint/suspicious/noThenProperty: a thenable is what this middleware answers with
        then: (resolve: (value: unknown) => void, reject: (error: unknown) => void) => next().then(resolve, reject),
      };
      return thenable as unknown as ReturnType<typeof next>;
    },
  });
  const awaiting = createMiddleware({ name: 'awaiting', handle: async (_event, _ctx, next) => await next() });
  const passing = createMiddleware({ name: 'passing', handle: (_event, _ctx, next) => next() });

  it.each([
    ['another realm', foreign],
    ['a library', lazy],
  ])('is answered with what the promise of %s settles to, whether outermost or inside another', async (_name, mw) => {
    // Prepare
    const alone = http()
      .use(mw)
      .handle(() => ({ ok: true }));
    const insideAwaiting = http()
      .use(awaiting)
      .use(mw)
      .handle(() => ({ ok: true }));
    const insidePassing = http()
      .use(passing)
      .use(mw)
      .handle(() => ({ ok: true }));
    const failing = http()
      .use(awaiting)
      .use(mw)
      .handle(() => {
        throw new Conflict('taken');
      });
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);

    // Act
    const answers = [];
    for (const fn of [alone, insideAwaiting, insidePassing]) {
      answers.push(await runHttp(fn, { method: 'GET', path: '/' }, ctx()));
      answers.push(await fn.dispatch(createHttpRequest({ method: 'GET', path: '/' }), ctx()));
    }
    const refused = await runHttp(failing, { method: 'GET', path: '/' }, ctx());
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off('unhandledRejection', record);

    // Assert
    for (const res of answers) expect([res.status, res.body]).toEqual([200, '{"ok":true}']);
    expect(refused.status).toBe(409);
    expect(unhandled).toEqual([]);
  });

  it("follows a queue handler's promise of another realm or library once, through middleware that passes next() on", async () => {
    // Prepare: a lazy query, which runs each time it is awaited.
    let runs = 0;
    const query = {
      // biome-ignore lint/suspicious/noThenProperty: a lazy query is a thenable
      then(resolve: (value: unknown) => void) {
        runs++;
        resolve('saved');
      },
    };
    const saving = queue({ name: 'q' })
      .use(passing)
      .use(passing)
      .handle(() => query as unknown as Promise<void>);
    const losing = queue({ name: 'q' })
      .use(passing)
      .use(awaiting)
      .handle(() => Foreign.reject(new Error('lost')));
    const message = createMessage({ id: 'm1', source: 'q', body: {} });

    // Act
    const saved = await runEvent(saving, message, ctx('queue'));
    const lost = runEvent(losing, message, ctx('queue'));

    // Assert
    expect([saved, runs]).toEqual(['saved', 1]);
    await expect(lost).rejects.toThrow('lost');
  });
});

describe('next() called once the invocation ended', () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits 80 ms before calling next(), and records what it settled to. */
  const slowly = (settled: unknown[]) =>
    createMiddleware({
      name: 'slow',
      async handle(_event, _ctx, next) {
        await wait(80);
        try {
          const result = await next();
          settled.push(result);
          return result;
        } catch (error) {
          settled.push(error);
          throw error;
        }
      },
    });

  it('rejects with the error timeout() answered with, and runs no handler, for http and for a message', async () => {
    // Prepare
    const settled: unknown[] = [];
    let ran = 0;
    const api = http()
      .use(timeout({ ms: 30 }))
      .use(slowly(settled))
      .handle(() => {
        ran++;
        return 'late';
      });
    const worker = queue({ name: 'q' })
      .use(timeout({ ms: 30 }))
      .use(slowly(settled))
      .handle(() => {
        ran++;
      });

    // Act
    const answered = await runHttp(api, { method: 'GET', path: '/' }, ctx());
    const failed = await runEvent(worker, createMessage({ id: 'm1', source: 'q', body: {} }), ctx('queue')).then(
      () => undefined,
      (error: unknown) => error,
    );
    await wait(120);

    // Assert
    expect(answered.status).toBe(504);
    expect(failed).toMatchObject({ code: 'TIMEOUT' });
    expect(ran).toBe(0);
    expect(settled).toHaveLength(2);
    expect(settled[0]).toMatchObject({ name: 'SkyportError', code: 'TIMEOUT' });
    expect(settled[1]).toBe(failed);
  });

  it('rejects with a TIMEOUT error when the invocation was answered without a timeout', async () => {
    // Prepare: a middleware that answers at once and calls next() later.
    let late: Promise<unknown> | undefined;
    let ran = 0;
    const detached = createMiddleware<'http'>({
      name: 'detached',
      kinds: ['http'],
      handle(_req, _ctx, next) {
        late = wait(10).then(() => next());
        late.catch(() => {});
        return Promise.resolve({ status: 202, headers: {}, cookies: [], body: undefined });
      },
    });
    const fn = http()
      .use(detached)
      .handle(() => {
        ran++;
      });

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(res.status).toBe(202);
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('"detached"') });
    expect(ran).toBe(0);
  });

  it('runs the chain for a context that had ended before the invocation began, as a test runs one again', async () => {
    // Prepare
    let ran = 0;
    const pass = createMiddleware({ name: 'pass', handle: async (_event, _ctx, next) => next() });
    const fn = http()
      .use(pass)
      .use(pass)
      .handle(() => {
        ran++;
        return 'ok';
      });
    const reused = ctx();
    endContext(reused);

    // Act
    const first = await runHttp(fn, { method: 'GET', path: '/' }, reused);
    const second = await runHttp(fn, { method: 'GET', path: '/' }, reused);

    // Assert
    expect([first.status, second.status, ran]).toEqual([200, 200, 2]);
  });
});
