import { describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { createContext } from './context.js';
import { createMiddleware } from './middleware/create.js';
import { router } from './router.js';
import { runHttp } from './run.js';
import type { HttpResponse } from './types.js';

/**
 * A function's own answer, passed through middleware synchronously, is sent without a second
 * check; every answer a middleware could reach or make is still checked.
 */
const ctx = () => createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f' });
const get = { method: 'GET', path: '/' };
const ok = () => ({ status: 200, headers: { 'x-a': '1' }, body: 'ok' });

describe("the answer a function's own pipeline checked", () => {
  it('is sent as it is through middleware that pass it on', async () => {
    const pass = createMiddleware({ name: 'pass', handle: (_e, _c, next) => next() });
    const fn = http().use(pass).use(pass).handle(ok);
    const res = await runHttp(fn, get, ctx());
    expect(res).toMatchObject({ status: 200, headers: { 'x-a': '1' }, body: 'ok' });
  });

  it('is checked again once a middleware held it: a header it added with a line break is a 500', async () => {
    const edit = createMiddleware({
      name: 'edit',
      handle: async (_e, _c, next) => {
        const res = (await next()) as HttpResponse;
        (res.headers as Record<string, string>)['x-b'] = 'a\r\nset-cookie: evil=1';
        return res;
      },
    });
    const res = await runHttp(http().use(edit).handle(ok), get, ctx());
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.headers)).not.toContain('evil');
  });

  it("is checked again when a middleware answers with another request's answer it kept and changed", async () => {
    let kept: HttpResponse | undefined;
    const cache = createMiddleware<'http'>({
      name: 'cache',
      // @ts-expect-error: typed to answer with a promise, a middleware may answer at once from JavaScript
      handle: (_e, _c, next) => {
        if (kept !== undefined) {
          (kept.headers as Record<string, string>)['x-cache'] = 'HIT\n';
          return kept;
        }
        return next().then((res) => {
          kept = res as HttpResponse;
          return res;
        });
      },
    });
    const fn = http().use(cache).handle(ok);
    const first = await runHttp(fn, get, ctx());
    const second = await runHttp(fn, get, ctx());
    expect(first.status).toBe(200);
    expect(second.status).toBe(500);
  });

  it('is no cover for an answer a middleware made itself, synchronously, beside calling next()', async () => {
    const swap = createMiddleware<'http'>({
      name: 'swap',
      // @ts-expect-error: typed to answer with a promise, a middleware may answer at once from JavaScript
      handle: (_e, _c, next) => {
        void next();
        return { status: 200, headers: { 'x-c': 'bad\r\nvalue' }, cookies: [], body: 'mine' };
      },
    });
    const res = await runHttp(http().use(swap).handle(ok), get, ctx());
    expect(res.status).toBe(500);
  });

  it("is not a router's: an answer a route's middleware made is checked", async () => {
    const bad = createMiddleware<'http'>({
      name: 'bad',
      // @ts-expect-error: typed to answer with a promise, a middleware may answer at once from JavaScript
      handle: () => ({ status: 200, headers: { 'x-d': 'é' }, cookies: [], body: 'route' }),
    });
    const pass = createMiddleware({ name: 'pass', handle: (_e, _c, next) => next() });
    const api = router(http({ method: 'GET', path: '/' }).use(bad).handle(ok)).use(pass);
    const res = await runHttp(api, get, ctx());
    expect(res.status).toBe(500);
  });
});

describe('a header a middleware takes out by setting it to undefined', () => {
  it('is left out of every answer, the first and those after it', async () => {
    const strip = createMiddleware<'http'>({
      name: 'strip',
      handle: async (_e, _c, next) => {
        const res = (await next()) as HttpResponse;
        return { ...res, headers: { ...res.headers, 'x-powered-by': undefined, server: undefined } } as never;
      },
    });
    const fn = http()
      .use(strip)
      .handle(() => ({ hello: 'world' }));
    for (let i = 0; i < 3; i++) {
      const res = await runHttp(fn, get, ctx());
      expect(res.status).toBe(200);
      expect(res.headers).toEqual({ 'content-type': 'application/json' });
      expect(Object.keys(res.headers)).toEqual(['content-type']);
    }
  });
});

describe('middleware that all step aside (bypass) for an invocation', () => {
  const stepAside = (name: string, aside: (req: { params: Record<string, string> }) => boolean, calls: string[]) =>
    createMiddleware<'http'>({
      name,
      bypass: (req) => aside(req as never),
      handle: (_req, _ctx, next) => {
        calls.push(name);
        return next();
      },
    });

  it("leave the function's own pipeline to answer, with the path's parameters bound", async () => {
    const calls: string[] = [];
    const seen: string[] = [];
    const fn = http({ method: 'GET', path: '/orders/:id' })
      .use(
        stepAside(
          'a',
          (req) => {
            seen.push(req.params.id ?? '?');
            return true;
          },
          calls,
        ),
      )
      .use(stepAside('b', () => true, calls))
      .handle((req) => ({ id: req.params.id }));
    const res = await runHttp(fn, { method: 'GET', path: '/orders/7' }, ctx());
    expect(res).toMatchObject({ status: 200, body: '{"id":"7"}' });
    expect(calls).toEqual([]);
    expect(seen).toEqual(['7']);
  });

  it('run as a chain when one of them does not', async () => {
    const calls: string[] = [];
    const fn = http({ method: 'GET', path: '/orders/:id' })
      .use(stepAside('a', () => true, calls))
      .use(stepAside('b', () => false, calls))
      .handle((req) => ({ id: req.params.id }));
    const res = await runHttp(fn, { method: 'GET', path: '/orders/8' }, ctx());
    expect(res).toMatchObject({ status: 200, body: '{"id":"8"}' });
    expect(calls).toEqual(['b']);
  });

  it('answer a path that cannot be decoded with 400, as without them', async () => {
    const fn = http({ method: 'GET', path: '/orders/:id' })
      .use(stepAside('a', () => true, []))
      .handle((req) => ({ id: req.params.id }));
    const res = await runHttp(fn, { method: 'GET', path: '/orders/%E0%A4%A' }, ctx());
    expect(res.status).toBe(400);
  });
});
