import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch.js';
import { http, queue } from '../builders.js';
import { createContext } from '../context.js';
import { Conflict, NotFound, toHttpError } from '../errors.js';
import { createMessage } from '../events.js';
import { createHttpRequest } from '../http/request.js';
import { isHttpResponse } from '../http/response.js';
import { setLogDestination } from '../log.js';
import { runHttp } from '../run.js';
import { cors } from './cors.js';
import { createMiddleware } from './create.js';
import { timeout } from './timeout.js';

let restore: () => void;
beforeAll(() => {
  restore = setLogDestination({ write: () => {} });
});
afterAll(() => restore());

const ctx = (deadlineInMs?: number, kind: 'http' | 'queue' = 'http') =>
  createContext({
    cloud: 'aws',
    kind,
    requestId: 'r',
    functionName: 'slow',
    deadline: deadlineInMs === undefined ? undefined : Date.now() + deadlineInMs,
  });

describe('cors()', () => {
  it('keeps every Vary field an inner middleware set under any spelling, Origin added', async () => {
    // Prepare: a middleware that spreads in `Vary` with a capital, over a handler's own `vary`
    const language = createMiddleware<'http'>({
      name: 'language',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        const res = await next();
        return { ...res, headers: { ...res.headers, 'Content-Language': 'de', Vary: 'Accept-Language' } };
      },
    });
    const fn = http({ method: 'GET' })
      .use(cors({ origin: 'https://a.example' }))
      .use(language)
      .handle(() => ({ status: 200, headers: { vary: 'Accept-Encoding' }, body: { ok: true } }));

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/', headers: { origin: 'https://a.example' } }, ctx());

    // Assert
    expect(res.headers.vary).toBe('Accept-Encoding, Accept-Language, Origin');
    expect(res.headers['access-control-allow-origin']).toBe('https://a.example');
  });

  it('refuses an origin no browser sends (a path, capitals, a default port), naming the one meant', () => {
    // Act / Assert
    for (const [origin, meant] of [
      ['https://shop.example/', '"https://shop.example"'],
      ['https://Shop.example', '"https://shop.example"'],
      ['https://shop.example:443', '"https://shop.example"'],
      [['https://ok.example', 'http://shop.example:80/'], '"http://shop.example"'],
      ['shop.example', 'scheme://host[:port]'],
    ] as const) {
      expect(() => cors({ origin })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(() => cors({ origin })).toThrow(meant);
    }
    for (const origin of ['https://shop.example', 'http://localhost:5173', 'null', 'chrome-extension://abcdef']) {
      expect(() => cors({ origin })).not.toThrow();
    }
  });

  const fn = http({ method: ['GET', 'POST'] })
    .use(cors({ origin: ['https://shop.example'], credentials: true, maxAge: 600, exposeHeaders: ['x-total'] }))
    .handle((req) => {
      if (req.query.missing) throw new NotFound('nothing');
      return { status: 200, headers: { vary: 'Accept' }, body: { ok: true } };
    });

  it('answers a preflight from an allowed origin', async () => {
    const res = await runHttp(
      fn,
      {
        method: 'OPTIONS',
        path: '/',
        headers: {
          origin: 'https://shop.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      },
      ctx(),
    );
    expect(res.status).toBe(204);
    expect(res.headers).toEqual({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-total',
      'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers',
    });
  });

  it('grants nothing to other origins', async () => {
    const res = await runHttp(fn, { method: 'GET', path: '/', headers: { origin: 'https://evil.example' } }, ctx());
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toBe('Accept, Origin');
  });

  it('decorates success and error responses alike', async () => {
    const ok = await runHttp(fn, { method: 'GET', path: '/', headers: { origin: 'https://shop.example' } }, ctx());
    const missing = await runHttp(
      fn,
      { method: 'GET', path: '/', query: 'missing=1', headers: { origin: 'https://shop.example' } },
      ctx(),
    );
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(missing.headers['content-type']).toBe('application/problem+json');
  });

  it('allows any origin with * by default', async () => {
    const open = http()
      .use(cors())
      .handle(() => 'hi');
    const res = await runHttp(open, { method: 'GET', path: '/', headers: { origin: 'https://a.example' } }, ctx());
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.vary).toBeUndefined();
  });

  it("adds Origin to a Vary that only names a longer header, and keeps an error response's own Vary", async () => {
    const get = (headers: Record<string, string>, error = false) =>
      http()
        .use(cors({ origin: ['https://a.example'] }))
        .handle(() => {
          if (error) throw new NotFound('gone', { headers });
          return { status: 200, headers, body: 'ok' };
        });
    const request = { method: 'GET', path: '/', headers: { origin: 'https://a.example' } };
    expect((await runHttp(get({ vary: 'X-Origin-Id' }), request, ctx())).headers.vary).toBe('X-Origin-Id, Origin');
    expect((await runHttp(get({ vary: 'accept, ORIGIN' }), request, ctx())).headers.vary).toBe('accept, ORIGIN');
    expect((await runHttp(get({ vary: '*' }), request, ctx())).headers.vary).toBe('*');
    const failed = await runHttp(get({ vary: 'Accept' }, true), request, ctx());
    expect([failed.status, failed.headers.vary]).toEqual([404, 'Accept, Origin']);
  });

  it('leaves an error as thrown for middleware outside to map, and answers whatever the request ends in with CORS headers', async () => {
    class OutOfStock extends Error {}
    const seen: unknown[] = [];
    const mapErrors = createMiddleware<'http'>({
      name: 'map-errors',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          seen.push(error);
          if (error instanceof OutOfStock) throw new Conflict('out of stock', { headers: { Vary: 'Accept' } });
          throw error;
        }
      },
    });
    const shared = new NotFound('no such order');
    const fn = http({ method: 'GET' })
      .use(mapErrors)
      .use(cors({ origin: ['https://a.example', 'https://b.example'] }))
      .handle((req) => {
        if (req.query.stock) throw new OutOfStock();
        throw shared;
      });
    const from = (origin: string, query = '') => ({ method: 'GET', path: '/', query, headers: { origin } });

    const mapped = await runHttp(fn, from('https://a.example', 'stock=1'), ctx());
    const first = await runHttp(fn, from('https://a.example'), ctx());
    const second = await runHttp(fn, from('https://b.example'), ctx());

    expect(seen[0]).toBeInstanceOf(OutOfStock);
    expect(seen[1]).toBe(shared);
    expect([mapped.status, mapped.headers['access-control-allow-origin'], mapped.headers.vary]).toEqual([
      409,
      'https://a.example',
      'Accept, Origin',
    ]);
    // One error object thrown for two requests carries each request's own headers.
    expect(first.headers['access-control-allow-origin']).toBe('https://a.example');
    expect(second.headers['access-control-allow-origin']).toBe('https://b.example');
  });

  it('keeps the CORS headers on an error that middleware outside turns into a response, and only for its request', async () => {
    const toResponse = createMiddleware<'http'>({
      name: 'to-response',
      kinds: ['http'],
      async handle(req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          const failure = toHttpError(error, req);
          return { status: failure.status, headers: { ...failure.headers }, cookies: [], body: 'mapped' };
        }
      },
    });
    const shared = new Conflict('taken');
    const withCors = http({ method: 'GET' })
      .use(toResponse)
      .use(cors({ origin: ['https://a.example'] }))
      .handle(() => {
        throw shared;
      });
    const withoutCors = http({ method: 'GET' })
      .use(toResponse)
      .handle(() => {
        throw shared;
      });
    const request = createHttpRequest({ method: 'GET', path: '/', headers: { origin: 'https://a.example' } });

    const mapped = await runHttp(withCors, request, ctx());
    // The same request object and error, run again through a function without cors().
    const plain = await runHttp(withoutCors, request, ctx());

    expect([mapped.status, mapped.headers['access-control-allow-origin'], mapped.headers.vary]).toEqual([
      409,
      'https://a.example',
      'Origin',
    ]);
    expect([plain.status, plain.headers['access-control-allow-origin']]).toEqual([409, undefined]);
  });

  it("never lends one request's CORS headers to another request answered with the same error object", async () => {
    // Prepare: one module-level error, thrown by a cors() function whose error answer waits on
    // something outside cors() (a tracer flushing), and by a function without cors().
    const notFound = new NotFound('no such order');
    let release = () => {};
    const flushing = new Promise<void>((resolve) => {
      release = resolve;
    });
    const flushOnError = createMiddleware<'http'>({
      name: 'flush-on-error',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        try {
          return await next();
        } catch (error) {
          await flushing;
          throw error;
        }
      },
    });
    const withCors = http({ method: 'GET' })
      .use(flushOnError)
      .use(cors({ origin: ['https://a.example'], credentials: true }))
      .handle(() => {
        throw notFound;
      });
    const withoutCors = http({ method: 'GET' }).handle(() => {
      throw notFound;
    });
    const from = (origin: string) => ({ method: 'GET', path: '/', headers: { origin } });

    // Act: the cors() request is still on its error path while the others are answered.
    const pending = runHttp(withCors, from('https://a.example'), ctx());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const plain = await runHttp(withoutCors, from('https://b.example'), ctx());
    const mapped = toHttpError(notFound);
    release();
    const answered = await pending;

    // Assert
    expect([plain.status, plain.headers['access-control-allow-origin']]).toEqual([404, undefined]);
    expect(plain.headers['access-control-allow-credentials']).toBeUndefined();
    expect(mapped.headers).toEqual({});
    expect([answered.status, answered.headers['access-control-allow-origin']]).toEqual([404, 'https://a.example']);
    expect(answered.headers['access-control-allow-credentials']).toBe('true');
  });

  it('ignores what cors() asks for once the request was answered, and keeps nothing of a request run again', async () => {
    // Prepare: timeout() answers 504 before the handler throws through cors().
    const late = http({ method: 'GET' })
      .use(timeout({ ms: 10, marginMs: 0 }))
      .use(cors({ origin: ['https://a.example'] }))
      .handle(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        throw new Conflict('too late');
      });
    const failing = http({ method: 'GET' }).handle(() => {
      throw new Conflict('taken');
    });
    const withCors = http({ method: 'GET' })
      .use(cors({ origin: ['https://a.example'] }))
      .handle(() => {
        throw new Conflict('not answered here');
      });
    const request = () => createHttpRequest({ method: 'GET', path: '/', headers: { origin: 'https://a.example' } });

    // Act: the late throw passes through cors() after the 504 went out.
    const timedOut = request();
    const gaveUp = await runHttp(late, timedOut, ctx());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterwards = toHttpError(new Conflict('later'), timedOut);
    const again = await runHttp(failing, timedOut, ctx());
    // A cors() function dispatched directly, its request then answered by a function without cors().
    const dispatched = request();
    await expect(withCors.dispatch(dispatched, ctx())).rejects.toThrow('not answered here');
    const mappedByCaller = toHttpError(new Conflict('mapped'), dispatched);
    const answered = await runHttp(failing, dispatched, ctx());

    // Assert
    expect(gaveUp.status).toBe(504);
    expect(afterwards.headers).toEqual({});
    expect([again.status, again.headers['access-control-allow-origin']]).toEqual([409, undefined]);
    expect(mappedByCaller.headers['access-control-allow-origin']).toBe('https://a.example');
    expect([answered.status, answered.headers['access-control-allow-origin']]).toEqual([409, undefined]);
  });

  it('keeps its headers for the error answer of a handler that ran another function on its own request', async () => {
    // Prepare: the inner run answers before the outer handler throws through cors().
    const inner = http({ method: 'GET' }).handle(() => ({ status: 503, body: 'down' }));
    const outer = http({ method: 'GET' })
      .use(cors({ origin: ['https://a.example'] }))
      .handle(async (req) => {
        const upstream = await runHttp(inner, req, ctx());
        if (upstream.status !== 200) throw new Conflict(`upstream answered ${upstream.status}`);
        return upstream;
      });

    // Act
    const fresh = await runHttp(outer, { method: 'GET', path: '/', headers: { origin: 'https://a.example' } }, ctx());
    const made = await runHttp(
      outer,
      createHttpRequest({ method: 'GET', path: '/', headers: { origin: 'https://a.example' } }),
      ctx(),
    );

    // Assert
    for (const res of [fresh, made]) {
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([409, 'https://a.example']);
    }
  });

  it('keeps each run of one request object to itself: nested runs and a run again while an answered one goes on', async () => {
    // Prepare
    const origin = { origin: 'https://evil.example' };
    const inner = http({ method: 'GET' })
      .use(cors({ origin: '*' }))
      .handle(() => {
        throw new Conflict('inner');
      });
    const outer = http({ method: 'GET' }).handle(async (req) => {
      await runHttp(inner, req, ctx());
      throw new Conflict('outer');
    });
    // A middleware that consults another function on the request before going on.
    const orders = http({ method: 'GET', path: '/orders/:orderId' })
      .use(createMiddleware({ name: 'pass', handle: (_req, _ctx, next) => next() }))
      .handle(() => 'order');
    const users = http({ method: 'GET', path: '/users/:id' })
      .use(
        createMiddleware({
          name: 'consult',
          handle: async (req, _ctx, next) => {
            await runHttp(orders, req, ctx());
            return next();
          },
        }),
      )
      .handle((req) => ({ id: req.params.id, route: req.route }));
    // The late next() of an answered run, while the same request object runs again elsewhere.
    const ran: unknown[] = [];
    const slow = http({ method: 'GET', path: '/users/:id' })
      .use(timeout({ ms: 10, marginMs: 0 }))
      .use(
        createMiddleware({
          name: 'slow',
          handle: async (_req, _ctx, next) => {
            await new Promise((resolve) => setTimeout(resolve, 40));
            return next();
          },
        }),
      )
      .handle((req) => {
        ran.push(req.params);
        return 'ran';
      });
    const other = http({ method: 'GET' }).handle(() => 'other');

    // Act
    const nested = await runHttp(outer, { method: 'GET', path: '/', headers: origin }, ctx());
    const consulted = await runHttp(users, { method: 'GET', path: '/users/7' }, ctx());
    const unbound = createHttpRequest({ method: 'GET', path: '/nope' });
    const gaveUp = await runHttp(slow, unbound, ctx());
    const reused = await runHttp(other, unbound, ctx());
    await new Promise((resolve) => setTimeout(resolve, 60));

    // Assert
    expect([nested.status, nested.headers['access-control-allow-origin']]).toEqual([409, undefined]);
    expect([consulted.status, JSON.parse(String(consulted.body))]).toEqual([200, { id: '7', route: '/users/:id' }]);
    expect([gaveUp.status, reused.status]).toEqual([504, 200]);
    expect(ran).toEqual([]);
  });

  it("adds its headers to the 404 or 400 of a path a single function's route cannot bind", async () => {
    const getUser = http({ method: 'GET', path: '/users/:id' })
      .use(cors({ origin: ['https://a.example'] }))
      .handle((req) => ({ id: req.params.id }));
    const from = (path: string) => ({ method: 'GET', path, headers: { origin: 'https://a.example' } });

    const unbound = await runHttp(getUser, from('/users'), ctx());
    const malformed = await runHttp(getUser, from('/users/%E0%A4%A'), ctx());
    const bound = await runHttp(getUser, from('/users/7'), ctx());

    expect([unbound.status, unbound.headers['access-control-allow-origin']]).toEqual([404, 'https://a.example']);
    expect([malformed.status, malformed.headers['access-control-allow-origin']]).toEqual([400, 'https://a.example']);
    expect([bound.status, bound.body]).toEqual([200, '{"id":"7"}']);
  });

  it('answers with its headers an error given outside it: a timeout() 504 while the handler runs, a middleware failing after it returned', async () => {
    // Prepare: timeout() outside cors() gives up while cors() awaits next(); another function
    // has a middleware outside cors() that fails once cors() has returned its response.
    const slow = http({ method: 'GET', path: '/' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .use(cors({ origin: ['https://x.example'] }))
      .handle(() => new Promise((resolve) => setTimeout(() => resolve('late'), 100)));
    const failAfter = createMiddleware<'http'>({
      name: 'fail-after',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        await next();
        throw new Conflict('failed after the handler');
      },
    });
    const failing = http({ method: ['GET', 'OPTIONS'], path: '/' })
      .use(failAfter)
      .use(cors({ origin: ['https://x.example'] }))
      .handle(() => 'ok');
    const from = (method: string, headers: Record<string, string> = {}) => ({
      method,
      path: '/',
      headers: { origin: 'https://x.example', ...headers },
    });

    // Act
    const timedOut = await runHttp(slow, from('GET'), ctx());
    const failed = await runHttp(failing, from('GET'), ctx());
    const preflight = await runHttp(failing, from('OPTIONS', { 'access-control-request-method': 'GET' }), ctx());
    const other = await runHttp(failing, { ...from('GET'), headers: { origin: 'https://evil.example' } }, ctx());

    // Assert
    for (const [res, status] of [
      [timedOut, 504],
      [failed, 409],
      [preflight, 409],
    ] as const) {
      expect([res.status, res.headers['access-control-allow-origin'], res.headers.vary]).toEqual([
        status,
        'https://x.example',
        'Origin',
      ]);
    }
    // The preflight's own headers are not those of an error answer.
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    expect([other.status, other.headers['access-control-allow-origin'], other.headers.vary]).toEqual([
      409,
      undefined,
      'Origin',
    ]);
  });

  it('refuses "*" inside an origin list, which no browser origin matches, and credentials with "*"', () => {
    for (const options of [
      { origin: ['*'] },
      { origin: 'https://a.example, *'.split(',') },
      { origin: ['https://a.example', '*'], credentials: true },
      { credentials: true },
    ]) {
      expect(() => cors(options)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(() => cors({ origin: '*' })).not.toThrow();
  });

  it('refuses a maxAge that is not a whole number of seconds of at least 0', async () => {
    for (const maxAge of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, '600' as unknown as number]) {
      expect(() => cors({ origin: ['https://a.example'], maxAge })).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
    }
    const fn = http()
      .use(cors({ origin: ['https://a.example'], maxAge: 0 }))
      .handle(() => 'ok');
    const preflight = await runHttp(
      fn,
      {
        method: 'OPTIONS',
        path: '/',
        headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' },
      },
      ctx(),
    );
    expect(preflight.headers['access-control-max-age']).toBe('0');
  });

  it('answers the same origin the same way on every request with a g or y regex', async () => {
    for (const origin of [/^https:\/\/(a|b)\.example$/g, /^https:\/\/(a|b)\.example$/y]) {
      const fn = http()
        .use(cors({ origin }))
        .handle(() => 'ok');
      const request = { method: 'GET', path: '/', headers: { origin: 'https://a.example' } };
      const allowed = [];
      for (let i = 0; i < 3; i++)
        allowed.push((await runHttp(fn, request, ctx())).headers['access-control-allow-origin']);
      expect(allowed).toEqual(['https://a.example', 'https://a.example', 'https://a.example']);
    }
  });
});

describe('timeout()', () => {
  it('refuses a margin or budget that is not a number of at least 0, or an infinite margin, which would turn it off', () => {
    for (const options of [
      { marginMs: Number.NaN },
      { ms: Number.NaN },
      { marginMs: -1 },
      { ms: -5 },
      { marginMs: Number.POSITIVE_INFINITY },
      { marginMs: Number.POSITIVE_INFINITY, ms: 1000 },
    ]) {
      expect(() => timeout(options)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(() => timeout({ marginMs: 0, ms: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('says which bound gave up: its own ms, or the margin before the deadline', async () => {
    const reasons: unknown[] = [];
    const slow = (options: { ms?: number; marginMs?: number }) =>
      http()
        .use(timeout(options))
        .handle(async (_req, c) => {
          c.signal.addEventListener('abort', () => reasons.push((c.signal.reason as Error).message));
          await new Promise((resolve) => setTimeout(resolve, 100));
          return 'late';
        });
    await runHttp(slow({ ms: 20 }), { method: 'GET', path: '/' }, ctx());
    await runHttp(slow({ ms: 20 }), { method: 'GET', path: '/' }, ctx(10_000));
    await runHttp(slow({ marginMs: 950 }), { method: 'GET', path: '/' }, ctx(1000));
    expect(reasons).toEqual([
      'slow took longer than its 20 ms (timeout({ ms }))',
      'slow took longer than its 20 ms (timeout({ ms }))',
      'gave up 950 ms before the deadline of slow',
    ]);
  });

  it('aborts ctx.signal and answers 504 before the deadline, dropping the late result', async () => {
    let aborted: unknown;
    let finished = false;
    const fn = http()
      .use(timeout({ marginMs: 800 }))
      .handle(async (_req, c) => {
        c.signal.addEventListener('abort', () => {
          aborted = c.signal.reason;
        });
        await new Promise((resolve) => setTimeout(resolve, 400));
        finished = true;
        return { late: true };
      });
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx(1000));
    const finishedAtAnswer = finished;

    expect(res.status).toBe(504);
    expect(String(res.body)).not.toContain('late');
    expect(finishedAtAnswer).toBe(false);
    expect(aborted).toMatchObject({ code: 'TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toBe(true);
  });

  it("answers 504 when the handler gives up on ctx.signal's own abort, sooner than timeout()'s margin", async () => {
    // Prepare: ctx.signal aborts 500 ms before the deadline, timeout() would answer 100 ms before it.
    const honouring = http()
      .use(timeout({ marginMs: 100 }))
      .handle(
        (_req, c) =>
          new Promise((_resolve, reject) => {
            c.signal.addEventListener('abort', () => reject(c.signal.reason));
          }),
      );
    const upstream = http().handle(async () => {
      await new Promise((_resolve, reject) => {
        const signal = AbortSignal.timeout(10);
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    });

    // Act
    const early = await runHttp(honouring, { method: 'GET', path: '/' }, ctx(700));
    const timedOut = await runHttp(upstream, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect([early.status, timedOut.status]).toEqual([504, 504]);
    expect(String(early.body)).toContain('"status":504');
  });

  it('never runs the handler for a path the route cannot bind, when a middleware calls next() after the 504', async () => {
    // Prepare: a middleware that waits longer than timeout() allows before calling next().
    const calls: unknown[] = [];
    const slow = createMiddleware<'http'>({
      name: 'slow',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return next();
      },
    });
    const deleteUser = (ms: number) =>
      http({ method: 'DELETE', path: '/users/:id' })
        .use(timeout({ ms, marginMs: 0 }))
        .use(slow)
        .handle((req) => {
          calls.push({ ...req.params });
          return { status: 204 };
        });

    // Act
    const res = await runHttp(deleteUser(10), { method: 'DELETE', path: '/admin/everything' }, ctx());
    await new Promise((resolve) => setTimeout(resolve, 60));
    const bound = await runHttp(deleteUser(1000), { method: 'DELETE', path: '/users/7' }, ctx());

    // Assert
    expect(res.status).toBe(504);
    expect(calls).toEqual([{ id: '7' }]);
    expect(bound.status).toBe(204);
  });

  it('drops a result that busy work produced after the budget: 504 for http, a failed message', async () => {
    // Prepare: handlers that keep the thread busy past the budget, so they settle before the timer can run.
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {}
    };
    const cpuBound = http()
      .use(timeout({ ms: 50 }))
      .handle(async () => {
        busy(120);
        return 'done';
      });
    const failsLate = http()
      .use(timeout({ ms: 50 }))
      .handle(async () => {
        busy(120);
        throw new Conflict('late failure');
      });
    const nearDeadline = http()
      .use(timeout({ marginMs: 100 }))
      .handle(() => {
        busy(120);
        return Promise.resolve('done');
      });
    const quick = http()
      .use(timeout({ ms: 1000 }))
      .handle(async () => {
        busy(5);
        return 'in time';
      });
    const handled: string[] = [];
    const onMessage = queue({ name: 'q' })
      .use(timeout({ ms: 50 }))
      .handle(async (message) => {
        busy(120);
        handled.push(message.id);
      });

    // Act
    const late = await runHttp(cpuBound, { method: 'GET', path: '/' }, ctx());
    const lateFailure = await runHttp(failsLate, { method: 'GET', path: '/' }, ctx());
    const pastDeadline = await runHttp(nearDeadline, { method: 'GET', path: '/' }, ctx(200));
    const inTime = await runHttp(quick, { method: 'GET', path: '/' }, ctx());
    const batch = await runBatch(
      onMessage,
      [{ id: 'm', event: createMessage({ id: 'm', data: '', source: 'q' }) }],
      ctx(undefined, 'queue'),
    );

    // Assert
    expect(String(late.body)).not.toContain('done');
    expect([late.status, lateFailure.status, pastDeadline.status]).toEqual([504, 504, 504]);
    expect([inTime.status, inTime.body]).toEqual([200, 'in time']);
    expect(handled).toEqual(['m']);
    expect(batch.failures.map((f) => [f.id, (f.error as { code: string }).code])).toEqual([['m', 'TIMEOUT']]);
  });

  it('fails a message that runs out of time so it is retried', async () => {
    const fn = queue({ name: 'q' })
      .use(timeout({ marginMs: 50 }))
      .handle(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const result = await runBatch(
      fn,
      [{ id: 'm', event: createMessage({ id: 'm', data: '', source: 'q' }) }],
      ctx(100, 'queue'),
    );
    expect(result.failures.map((f) => [f.id, (f.error as { code: string }).code])).toEqual([['m', 'TIMEOUT']]);
  });

  it('does nothing without a deadline or budget, and uses ms as a budget', async () => {
    const quick = http()
      .use(timeout())
      .handle(async () => 'done');
    expect((await runHttp(quick, { method: 'GET', path: '/' }, ctx())).status).toBe(200);
    const budget = http()
      .use(timeout({ ms: 30 }))
      .handle(() => new Promise((resolve) => setTimeout(() => resolve('late'), 200)));
    expect((await runHttp(budget, { method: 'GET', path: '/' }, ctx())).status).toBe(504);
  });

  it('fails at once when the deadline is already inside the margin', async () => {
    let ran = false;
    const fn = http()
      .use(timeout({ marginMs: 500 }))
      .handle(() => {
        ran = true;
      });
    expect((await runHttp(fn, { method: 'GET', path: '/' }, ctx(100))).status).toBe(504);
    expect(ran).toBe(false);
  });
});

describe('createMiddleware()', () => {
  it('lets a middleware of every kind read the response after isHttpResponse(), passing a message handler result through', async () => {
    // Prepare: the pattern docs/middleware.md shows, on a queue function and an http function
    const serverTiming = createMiddleware({
      name: 'server-timing',
      handle: async (_event, _ctx, next) => {
        const res = await next();
        if (isHttpResponse(res)) res.headers['server-timing'] = 'app;dur=1';
        return res;
      },
    });
    const onOrder = queue({ name: 'orders' })
      .use(serverTiming)
      .handle(async () => 'msg-123');
    const api = http({ method: 'GET' })
      .use(serverTiming)
      .handle(() => ({ ok: true }));

    // Act
    const batch = await runBatch(
      onOrder,
      [{ id: 'm', event: createMessage({ id: 'm', data: '{}', source: 'orders' }) }],
      ctx(undefined, 'queue'),
    );
    const dispatched = await onOrder.dispatch(
      createMessage({ id: 'n', data: '{}', source: 'orders' }),
      ctx(undefined, 'queue'),
    );
    const res = await runHttp(api, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(batch.failures).toEqual([]);
    expect(dispatched).toBe('msg-123');
    expect([res.status, res.headers['server-timing']]).toEqual([200, 'app;dur=1']);
  });
});
