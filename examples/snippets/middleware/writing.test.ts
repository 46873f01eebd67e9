/** "Writing your own" in docs/middleware.md: the onion, typed additions, errors and `bypass`. */
import {
  createHttpRequest,
  createMiddleware,
  Forbidden,
  type HttpResponse,
  http,
  type Middleware,
  queue,
} from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { collectLogs, fakeContext, httpRequest, invoke, message } from '@skyport/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { audit, serverTiming, tenant } from './writing.js';

describe('the onion', () => {
  const trail: string[] = [];
  const step = (name: string) =>
    createMiddleware({
      name,
      async handle(_event, _ctx, next) {
        trail.push(`${name} before`);
        const result = await next();
        trail.push(`${name} after`);
        return result;
      },
    });

  it('runs middleware in .use() order, outermost first, around the handler', async () => {
    trail.length = 0;
    const fn = http()
      .use(step('outer'))
      .use(step('inner'))
      .handle(() => {
        trail.push('handler');
      });
    await invoke(fn, httpRequest());
    expect(trail).toEqual(['outer before', 'inner before', 'handler', 'inner after', 'outer after']);
  });

  it('short-circuits when a middleware does not call next(), and maps what next() throws', async () => {
    let ran = false;
    const cached = createMiddleware<'http'>({
      name: 'cached',
      kinds: ['http'],
      handle: async (req, _ctx, next) =>
        req.query.cached === '1' ? { status: 200, headers: {}, cookies: [], body: 'from cache' } : next(),
    });
    const hideForbidden = createMiddleware<'http'>({
      name: 'hideForbidden',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          if (error instanceof Forbidden) return { status: 404, headers: {}, cookies: [], body: undefined };
          throw error;
        }
      },
    });
    const fn = http()
      .use(cached)
      .use(hideForbidden)
      .handle(() => {
        ran = true;
        throw new Forbidden('not yours');
      });

    const hit = await invoke(fn, httpRequest({ query: { cached: '1' } }));
    expect(hit.text).toBe('from cache');
    expect(ran).toBe(false);
    const mapped = await invoke(fn, httpRequest());
    expect(ran).toBe(true);
    expect(mapped.status).toBe(404);
  });
});

describe('createMiddleware()', () => {
  const whoami = http({ method: 'GET', path: '/whoami' })
    .use(tenant)
    .handle((_req, ctx) => {
      expectTypeOf(ctx.tenant).toEqualTypeOf<string>();
      return { tenant: ctx.tenant };
    });

  it('types what the middleware accepts, adds and needs', () => {
    expectTypeOf(tenant).toEqualTypeOf<Middleware<'http', { tenant: string }, {}>>();
    const needsTenant = createMiddleware<'http', {}, { tenant: string }>({
      name: 'needsTenant',
      kinds: ['http'],
      handle: (_req, ctx, next) => (ctx.tenant === 'blocked' ? Promise.reject(new Forbidden()) : next()),
    });
    const ordered = () => http().use(tenant).use(needsTenant);
    // @ts-expect-error needsTenant needs ctx.tenant, which no earlier middleware adds
    const unordered = () => http().use(needsTenant).use(tenant);
    // @ts-expect-error tenant accepts http functions only
    const onQueue = () => queue({ name: 'orders' }).use(tenant);
    expect([ordered, unordered, onQueue].every((f) => typeof f === 'function')).toBe(true);
  });

  it('adds what it passes to next() to the context', async () => {
    const acme = await invoke(whoami, httpRequest({ path: '/whoami', headers: { 'x-tenant': 'acme' } }));
    const none = await invoke(whoami, httpRequest({ path: '/whoami' }));
    expect(acme.body).toEqual({ tenant: 'acme' });
    expect(none.body).toEqual({ tenant: 'default' });
  });

  it('sees the normalised HttpResponse when awaiting next() on an http function', async () => {
    let seen: HttpResponse | undefined;
    const spy = createMiddleware<'http'>({
      name: 'spy',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        seen = await next();
        return seen;
      },
    });
    const fn = http()
      .use(spy)
      .use(tenant)
      .handle((_req, ctx) => ({ tenant: ctx.tenant }));
    await invoke(fn, httpRequest());
    expect(seen).toMatchObject({
      status: 200,
      cookies: [],
      headers: { 'content-type': expect.stringMatching(/json/) },
    });
    expect(JSON.parse(String(seen?.body))).toEqual({ tenant: 'default' });
  });

  it('turns an HttpError, or anything else, thrown by a middleware into problem+json', async () => {
    const refuse = (error: unknown) =>
      http()
        .use(
          createMiddleware<'http'>({
            name: 'refuse',
            kinds: ['http'],
            handle: async () => {
              throw error;
            },
          }),
        )
        .handle(() => 'unreachable');
    const logs = collectLogs();
    const forbidden = await invoke(refuse(new Forbidden('tenant suspended')), httpRequest());
    const broken = await invoke(refuse(new Error('connection string leaked here')), httpRequest());
    logs.restore();
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toBe('application/problem+json');
    expect(forbidden.body).toMatchObject({ status: 403, detail: 'tenant suspended' });
    expect(broken.status).toBe(500);
    expect(broken.headers['content-type']).toBe('application/problem+json');
    expect(broken.text).not.toContain('leaked');
    // The 500 is logged with the error, for the operator rather than the caller.
    expect(logs.find('500 Internal Server Error')).toEqual([
      expect.objectContaining({
        level: 'error',
        err: expect.objectContaining({ message: 'connection string leaked here' }),
      }),
    ]);
  });
});

describe('bypass', () => {
  const fn = http({ method: ['GET', 'POST'], path: '/orders' })
    .use(audit)
    .handle((req) => (req.method === 'POST' ? { status: 201, body: { id: 'o-1' } } : []));

  it('skips handle when it returns true, and runs it otherwise', async () => {
    const logs = collectLogs();
    try {
      const read = await invoke(fn, httpRequest({ method: 'GET', path: '/orders' }));
      expect(read.status).toBe(200);
      expect(logs.find('audited')).toEqual([]);
      const write = await invoke(fn, httpRequest({ method: 'POST', path: '/orders', body: {} }));
      expect(write.status).toBe(201);
      expect(logs.find('audited')).toEqual([expect.objectContaining({ method: 'POST', status: 201 })]);
    } finally {
      logs.restore();
    }
  });

  it('is how tracing() steps aside when no OpenTelemetry SDK is registered', () => {
    const req = createHttpRequest({ method: 'GET', path: '/orders' });
    expect(tracing().bypass?.(req, fakeContext())).toBe(true);
  });
});

describe('a middleware of every kind', () => {
  it("times an http answer, and passes a queue handler's result on untouched", async () => {
    // Prepare
    const api = http()
      .use(serverTiming)
      .handle(() => ({ ok: true }));
    const shipped: unknown[] = [];
    const ship = queue({ name: 'orders' })
      .use(serverTiming)
      .handle(() => 'msg-123');
    const results = createMiddleware({
      name: 'results',
      handle: async (_event, _ctx, next) => {
        const result = await next();
        shipped.push(result);
        return result;
      },
    });

    // Act
    const res = await invoke(api, httpRequest());
    const out = await invoke(ship.use(results), message({ body: { orderId: 'o1' } }));

    // Assert
    expect(res.headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect(out).toEqual({ ok: true, failures: [] });
    expect(shipped).toEqual(['msg-123']);
  });
});
