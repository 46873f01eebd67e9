import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http, queue } from './builders.js';
import { compose } from './compose.js';
import { createContext } from './context.js';
import { HttpError, SkyportError, Unauthorized } from './errors.js';
import { createMessage } from './events.js';
import { createHttpRequest } from './http/request.js';
import { normalizeResponse } from './http/response.js';
import { cors } from './middleware/cors.js';
import { createMiddleware } from './middleware/create.js';
import { runEvent, runHttp } from './run.js';
import type { HttpRequest, HttpResponse, Middleware } from './types.js';

const ctx = (kind: 'http' | 'queue' = 'http') =>
  createContext({ cloud: 'node', kind, requestId: 'r', functionName: 'f' });

describe('onion middleware', () => {
  it('runs in .use() order around the handler and grows the context', async () => {
    const trail: string[] = [];
    const user = createMiddleware<'http', { user: string }>({
      name: 'user',
      kinds: ['http'],
      async handle(req, _ctx, next) {
        trail.push('user');
        return next({ user: req.header('x-user') ?? 'anonymous' });
      },
    });
    const role = createMiddleware<'http', { role: string }, { user: string }>({
      name: 'role',
      kinds: ['http'],
      async handle(_req, c, next) {
        trail.push(`role:${c.user}`);
        return next({ role: c.user === 'ada' ? 'admin' : 'guest' });
      },
    });
    const fn = http()
      .use(user)
      .use(role)
      .handle((_req, c) => ({ user: c.user, role: c.role }));

    const res = await runHttp(fn, { method: 'GET', path: '/', headers: { 'x-user': 'ada' } }, ctx());

    expect(JSON.parse(res.body as string)).toEqual({ user: 'ada', role: 'admin' });
    expect(trail).toEqual(['user', 'role:ada']);
  });

  it('lets a middleware short-circuit without calling the handler', async () => {
    let called = false;
    const gate = createMiddleware<'http'>({
      name: 'gate',
      kinds: ['http'],
      handle: async () => ({ status: 503, headers: { 'retry-after': '5' }, cookies: [], body: 'down' }),
    });
    const fn = http()
      .use(gate)
      .handle(() => {
        called = true;
      });
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(called).toBe(false);
  });

  it('normalises what the outermost middleware returns, whatever it is, through runHttp and dispatch', async () => {
    const answerWith = (value: () => unknown) =>
      http()
        .use(createMiddleware<'http'>({ name: 'answer', kinds: ['http'], handle: async () => value() as never }))
        .handle(() => 'unreachable');
    const plain = answerWith(() => ({ ok: true }));
    const viaRun = await runHttp(plain, { method: 'GET', path: '/' }, ctx());
    expect(viaRun).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: '{"ok":true}',
    });
    const request = createHttpRequest({ method: 'GET', path: '/' });
    expect(await plain.dispatch(request, ctx())).toEqual(viaRun);

    const web = answerWith(() => new Response('made', { status: 202, headers: { 'content-type': 'text/plain' } }));
    const fromWeb = await runHttp(web, { method: 'GET', path: '/' }, ctx());
    expect(fromWeb).toMatchObject({ status: 202, body: 'made' });

    // A value JSON cannot represent is the function's bug: a 500, never a rejected runHttp.
    const broken = answerWith(() => ({ total: 1n }));
    const failed = await runHttp(broken, { method: 'GET', path: '/' }, ctx());
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toBe('application/problem+json');
  });

  it('answers the same when middleware passes next() through as when it awaits it', async () => {
    const Body = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && 'n' in value
            ? { value }
            : { issues: [{ message: 'n is required', path: ['n'] }] },
      },
    };
    const through = createMiddleware<'http'>({ name: 'through', kinds: ['http'], handle: (_r, _c, next) => next() });
    const awaited = createMiddleware<'http'>({
      name: 'awaited',
      kinds: ['http'],
      async handle(_r, _c, next) {
        return await next();
      },
    });
    const seen: unknown[] = [];
    const catching = createMiddleware<'http'>({
      name: 'catching',
      kinds: ['http'],
      async handle(_r, _c, next) {
        try {
          return await next();
        } catch (error) {
          seen.push((error as HttpError).status);
          throw error;
        }
      },
    });
    const make = (...mws: Middleware<'http'>[]) => {
      let fn = http({ method: 'POST', body: Body });
      for (const mw of mws) fn = fn.use(mw) as typeof fn;
      return fn.handle((req) => ({ status: 201, body: req.body }));
    };
    const post = (body: string) => ({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const shapes = [[through], [awaited], [through, through], [catching, through], [through, awaited, through]];
    for (const mws of shapes) {
      const fn = make(...mws);
      const ok = await runHttp(fn, post('{"n":1}'), ctx());
      expect(ok).toMatchObject({ status: 201, body: '{"n":1}' });
      expect(await fn.dispatch(createHttpRequest(post('{"n":1}')), ctx())).toEqual(ok);
      const bad = await runHttp(fn, post('{}'), ctx());
      expect(bad.status).toBe(422);
      await expect(fn.dispatch(createHttpRequest(post('{}')), ctx())).rejects.toMatchObject({ status: 422 });
    }
    // The catching middleware saw both 422s (runHttp and dispatch) as rejections of next().
    expect(seen).toEqual([422, 422]);
  });

  it('skips handle when bypass says so, per invocation, and counts next() calls right', async () => {
    const trail: string[] = [];
    const sometimes = createMiddleware<'http', { mark: string }>({
      name: 'sometimes',
      kinds: ['http'],
      bypass: (req, c) => {
        if (req.header('x-skip') !== 'yes') return false;
        Object.assign(c, { mark: 'prepared' });
        return true;
      },
      handle: async (_req, _c, next) => {
        trail.push('handle');
        return next({ mark: 'handled' });
      },
    });
    const outer = createMiddleware<'http'>({
      name: 'outer',
      kinds: ['http'],
      async handle(_req, _c, next) {
        const res = await next();
        return { ...res, headers: { ...res.headers, 'x-outer': 'seen' } };
      },
    });
    const fn = http()
      .use(outer)
      .use(sometimes)
      .handle((_req, c) => ({ mark: c.mark }));
    const skipped = await runHttp(fn, { method: 'GET', path: '/', headers: { 'x-skip': 'yes' } }, ctx());
    expect(JSON.parse(skipped.body as string)).toEqual({ mark: 'prepared' });
    expect(skipped.headers['x-outer']).toBe('seen');
    expect(trail).toEqual([]);
    const handled = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(JSON.parse(handled.body as string)).toEqual({ mark: 'handled' });
    expect(trail).toEqual(['handle']);

    // Outermost and innermost alike, and through dispatch().
    const alone = http()
      .use(sometimes)
      .handle((_req, c) => ({ mark: c.mark }));
    const request = createHttpRequest({ method: 'GET', path: '/', headers: { 'x-skip': 'yes' } });
    expect(JSON.parse((await alone.dispatch(request, ctx())).body as string)).toEqual({ mark: 'prepared' });
  });

  it('calls a middleware as a method of itself, so `this` is the middleware', async () => {
    const stamp = {
      name: 'stamp',
      kinds: ['http'] as const,
      header: 'x-stamp',
      async handle(_req: unknown, _ctx: unknown, next: () => Promise<HttpResponse>) {
        const res = await next();
        return { ...res, headers: { ...res.headers, [this.header]: 'yes' } };
      },
    };
    const fn = http()
      .use(stamp as unknown as Middleware<'http'>)
      .handle(() => 'ok');
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res.headers['x-stamp']).toBe('yes');
  });

  it('lets a middleware map errors and see normalised responses', async () => {
    const mapper = createMiddleware<'http'>({
      name: 'mapper',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        try {
          const res = await next();
          return { ...res, headers: { ...res.headers, 'x-seen-status': String(res.status) } };
        } catch (error) {
          if (error instanceof RangeError) throw new HttpError(400, error.message);
          throw error;
        }
      },
    });
    const ok = http()
      .use(mapper)
      .handle(() => ({ a: 1 }));
    const bad = http()
      .use(mapper)
      .handle(() => {
        throw new RangeError('page out of range');
      });
    expect((await runHttp(ok, { method: 'GET', path: '/' }, ctx())).headers['x-seen-status']).toBe('200');
    const mapped = await runHttp(bad, { method: 'GET', path: '/' }, ctx());
    expect(mapped.status).toBe(400);
    expect(JSON.parse(mapped.body as string).detail).toBe('page out of range');
  });

  it('refuses a second next() call', async () => {
    let handlerRuns = 0;
    const twice = createMiddleware({
      name: 'twice',
      async handle(_event, _ctx, next) {
        await next();
        return next();
      },
    });
    const fn = http()
      .use(twice)
      .handle(() => {
        handlerRuns++;
        return 'x';
      });
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res.status).toBe(500);
    expect(handlerRuns).toBe(1);
  });

  it('maps synchronous throws inside middleware too', async () => {
    const broken: Middleware<'http'> = {
      name: 'broken',
      kinds: ['http'],
      handle() {
        throw new Unauthorized('no');
      },
    };
    const fn = http()
      .use(broken)
      .handle(() => 'x');
    expect((await runHttp(fn, { method: 'GET', path: '/' }, ctx())).status).toBe(401);
  });

  it('works for non-http kinds and adds middleware to finished functions', async () => {
    const seen: string[] = [];
    const audit = createMiddleware({
      name: 'audit',
      async handle(event, _ctx, next) {
        seen.push(`before:${(event as { id: string }).id}`);
        const result = await next();
        seen.push('after');
        return result;
      },
    });
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(`handler:${msg.id}`);
    });
    await runEvent(fn.use(audit), createMessage({ id: 'm1', data: '{}', source: 'q' }), ctx('queue'));
    expect(seen).toEqual(['before:m1', 'handler:m1', 'after']);
  });

  it("gives a queue middleware a rejecting next() for a body that fails its schema and for a handler's throw", async () => {
    const seen: string[] = [];
    const watch = createMiddleware({
      name: 'watch',
      async handle(_event, _ctx, next) {
        const pending = next();
        seen.push(pending instanceof Promise ? 'promise' : 'value');
        try {
          return await pending;
        } catch (error) {
          seen.push((error as Error).message);
          throw error;
        }
      },
    });
    const fn = queue({ name: 'q', body: z.object({ n: z.number() }) })
      .use(watch)
      .handle(() => {
        throw new Error('boom');
      });
    const message = (body: unknown) => createMessage({ id: '1', source: 'q', body });
    await expect(fn.dispatch(message({ n: 'x' }), ctx('queue'))).rejects.toThrow('invalid body');
    await expect(fn.dispatch(message({ n: 1 }), ctx('queue'))).rejects.toThrow('boom');
    expect(seen).toEqual(['promise', 'invalid body', 'promise', 'boom']);
  });

  it('rejects kind-restricted middleware on other kinds at run time too', () => {
    const fn = queue({ name: 'q' }).handle(() => {});
    const sneaky = cors() as unknown as Parameters<typeof fn.use>[0];
    expect(() => fn.use(sneaky)).toThrow(SkyportError);
  });
});

describe('compose()', () => {
  it('normalises what the inner function returns with wrap, with middleware or without', async () => {
    // Prepare
    const req = createHttpRequest({ method: 'GET', path: '/' });
    const inner = async () => ({ ok: true });
    const passThrough = createMiddleware({ name: 'pass', handle: (_event, _ctx, next) => next() });

    // Act: a handler of plain JavaScript, whose results are not typed.
    const alone = await compose<HttpRequest, unknown>([], inner, normalizeResponse)(req, ctx());
    const wrapped = await compose<HttpRequest, unknown>(
      [passThrough as Middleware],
      inner,
      normalizeResponse,
    )(req, ctx());
    const unwrapped = await compose<HttpRequest, unknown>([], inner)(req, ctx());
    const thrown = compose(
      [],
      () => {
        throw new Unauthorized('no');
      },
      normalizeResponse,
    )(req, ctx());

    // Assert
    for (const res of [alone, wrapped]) {
      expect(res).toEqual({
        status: 200,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: '{"ok":true}',
      });
    }
    expect(unwrapped).toEqual({ ok: true });
    await expect(thrown).rejects.toBeInstanceOf(Unauthorized);
  });
});
