/**
 * docs/concepts.md, "Middleware": onion order, typed additions, short-circuits, error mapping,
 * what `next()` gives, kind and context checks, and where validation runs.
 */
import {
  cors,
  createMiddleware,
  type HttpResponse,
  http,
  NotFound,
  queue,
  SkyportError,
  Unauthorized,
} from '@skyport/core';
import { httpRequest, invoke, message } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tenant, whoami } from '../../concepts/middleware.js';

function tracer(name: string, order: string[]) {
  return createMiddleware({
    name,
    async handle(_event, _ctx, next) {
      order.push(`${name} before`);
      const result = await next();
      order.push(`${name} after`);
      return result;
    },
  });
}

describe('the onion', () => {
  it('runs in the order of .use() calls, outermost first', async () => {
    const order: string[] = [];
    const fn = http({ method: 'GET', path: '/' })
      .use(tracer('a', order))
      .use(tracer('b', order))
      .handle(() => {
        order.push('handler');
        return 'ok';
      });
    await invoke(fn, httpRequest());
    expect(order).toEqual(['a before', 'b before', 'handler', 'b after', 'a after']);
  });

  it('adds typed context through next()', async () => {
    const res = await invoke(whoami, httpRequest({ path: '/whoami', headers: { 'x-tenant': 'acme' } }));
    expect(res.body).toEqual({ tenant: 'acme' });
  });

  it('short-circuits by returning without next()', async () => {
    let ran = false;
    const cached = createMiddleware<'http'>({
      name: 'cached',
      async handle() {
        return { status: 200, headers: { 'x-cache': 'hit' }, cookies: [], body: 'cached' };
      },
    });
    const fn = http({ method: 'GET', path: '/' })
      .use(cached)
      .handle(() => {
        ran = true;
      });
    const res = await invoke(fn, httpRequest());
    expect([res.status, res.headers['x-cache'], res.body, ran]).toEqual([200, 'hit', 'cached', false]);
  });

  it('maps errors by catching what next() throws', async () => {
    const notFoundIsGone = createMiddleware<'http'>({
      name: 'gone',
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          if (error instanceof NotFound) return { status: 410, headers: {}, cookies: [], body: undefined };
          throw error;
        }
      },
    });
    const fn = http({ method: 'GET', path: '/' })
      .use(notFoundIsGone)
      .handle(() => {
        throw new NotFound('gone');
      });
    expect((await invoke(fn, httpRequest())).status).toBe(410);
  });

  it('for http functions, next() resolves to the normalised response, whatever the handler returned', async () => {
    const seen: HttpResponse[] = [];
    const spy = createMiddleware<'http'>({
      name: 'spy',
      async handle(_req, _ctx, next) {
        const res = await next();
        seen.push(res);
        return res;
      },
    });
    const results = [{ id: 1 }, 'text', undefined, { status: 201, headers: { Location: '/x' }, body: { id: 2 } }];
    for (const result of results) {
      await invoke(
        http({ method: 'GET', path: '/' })
          .use(spy)
          .handle(() => result),
        httpRequest(),
      );
    }
    expect(seen).toEqual([
      { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: '{"id":1}' },
      { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, cookies: [], body: 'text' },
      { status: 204, headers: {}, cookies: [], body: undefined },
      { status: 201, headers: { location: '/x', 'content-type': 'application/json' }, cookies: [], body: '{"id":2}' },
    ]);
  });

  it('and rejects with what was thrown on the way in', async () => {
    const seen: unknown[] = [];
    const spy = createMiddleware<'http'>({
      name: 'spy',
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          seen.push(error);
          throw error;
        }
      },
    });
    const fn = http({ method: 'POST', path: '/', body: z.object({ a: z.string() }) })
      .use(spy)
      .handle(() => 'ok');
    expect((await invoke(fn, httpRequest({ method: 'POST', body: { a: 1 } }))).status).toBe(422);
    expect(seen).toHaveLength(1);
  });
});

describe('kinds and needed context', () => {
  it('an http-only middleware on a queue function is a type error and a definition error', () => {
    const attach = () =>
      // @ts-expect-error: cors() accepts http functions only
      queue({ name: 'q' }).use(cors());
    expect(attach).toThrow(SkyportError);
    expect(attach).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    const attachTenant = () =>
      // @ts-expect-error: tenant accepts http functions only
      queue({ name: 'q' }).use(tenant);
    expect(attachTenant).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it('a middleware needing context does not compile before something adds it', async () => {
    const audit = createMiddleware<'http', {}, { tenant: string }>({
      name: 'audit',
      async handle(_req, ctx, next) {
        const res = await next();
        return { ...res, headers: { ...res.headers, 'x-tenant': ctx.tenant } };
      },
    });
    // @ts-expect-error: audit needs ctx.tenant, which nothing has added yet
    http({ method: 'GET', path: '/' }).use(audit);
    const fn = http({ method: 'GET', path: '/' })
      .use(tenant)
      .use(audit)
      .handle(() => 'ok');
    const res = await invoke(fn, httpRequest({ headers: { 'x-tenant': 'acme' } }));
    expect(res.headers['x-tenant']).toBe('acme');
  });
});

describe('validation runs after all middleware, just before the handler', () => {
  it('so authentication answers 401 before a body is even parsed', async () => {
    const fn = http({ method: 'POST', path: '/', body: z.object({ a: z.string() }) })
      .use(tenant)
      .handle(() => 'ok');
    const res = await invoke(fn, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body: '{ not json',
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ detail: 'x-tenant header required' });
  });

  it('also for messages: middleware sees the message before its body is validated', async () => {
    const seen: string[] = [];
    const before = createMiddleware<'queue'>({
      name: 'before',
      async handle(msg, _ctx, next) {
        seen.push(msg.id);
        return next();
      },
    });
    const fn = queue({ name: 'q', body: z.object({ a: z.string() }) })
      .use(before)
      .handle(() => undefined);
    const out = await invoke(fn, message({ id: 'bad', body: { a: 1 } }));
    expect(seen).toEqual(['bad']);
    expect(out.failures.map((f) => f.id)).toEqual(['bad']);
  });
});

describe('fn.use() on a finished function', () => {
  it('returns a new function with the middleware added; the original is unchanged', async () => {
    const base = http({ method: 'GET', path: '/' }).handle(() => 'ok');
    const guarded = base.use(
      createMiddleware<'http'>({
        name: 'deny',
        async handle() {
          throw new Unauthorized('no');
        },
      }),
    );
    expect(guarded).not.toBe(base);
    expect((await invoke(base, httpRequest())).status).toBe(200);
    expect((await invoke(guarded, httpRequest())).status).toBe(401);
  });
});
