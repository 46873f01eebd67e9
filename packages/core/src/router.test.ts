import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from './builders.js';
import { createContext } from './context.js';
import { SkyportError } from './errors.js';
import { cors } from './middleware/cors.js';
import { createMiddleware } from './middleware/create.js';
import { router } from './router.js';
import { bodyLimitOf, runHttp } from './run.js';

const ctx = () => createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'api' });
const get = (fn: Parameters<typeof runHttp>[0], method: string, path: string) => runHttp(fn, { method, path }, ctx());

const list = http({ method: 'GET', path: '/users' }).handle(() => ['ada']);
const create = http({ method: 'POST', path: '/users' }).handle(() => ({ status: 201, body: { ok: true } }));
const one = http({ method: 'GET', path: '/users/:id', params: z.object({ id: z.coerce.number() }) }).handle((req) => ({
  id: req.params.id,
  route: req.route,
}));
const me = http({ method: 'GET', path: '/users/me' }).handle(() => 'me');
const files = http({ method: 'GET', path: '/files/*' }).handle((req) => req.params['*']);
const api = router(list, create, me, one, files);

describe('router', () => {
  it('matches method and path and binds typed params', async () => {
    expect((await get(api, 'GET', '/users')).body).toBe('["ada"]');
    expect((await get(api, 'POST', '/users')).status).toBe(201);
    expect((await get(api, 'GET', '/users/7')).body).toBe('{"id":7,"route":"/users/:id"}');
    expect((await get(api, 'GET', '/users/7/')).status).toBe(200);
  });

  it('prefers static routes over parameters and matches wildcards', async () => {
    expect((await get(api, 'GET', '/users/me')).body).toBe('me');
    expect((await get(api, 'GET', '/files/a/b/c.txt')).body).toBe('a/b/c.txt');
  });

  it('matches a static route written percent-encoded, alone or in a router', async () => {
    const cafe = http({ method: 'GET', path: '/caf%C3%A9' }).handle(() => 'café');
    for (const fn of [cafe, router(cafe)]) {
      expect((await runHttp(fn, { method: 'GET', path: '/caf%C3%A9' }, ctx())).status).toBe(200);
    }
  });

  it('answers 404 for an unknown path', async () => {
    const res = await get(api, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body as string)).toMatchObject({ title: 'Not Found', requestId: 'r' });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await get(api, 'DELETE', '/users');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
  });

  it('answers OPTIONS with the allowed methods and HEAD through GET', async () => {
    const options = await get(api, 'OPTIONS', '/users');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    const head = await get(api, 'HEAD', '/users');
    expect(head.status).toBe(200);
    expect(head.body).toBeUndefined();
  });

  it('validates route params (422 for a bad id)', async () => {
    expect((await get(api, 'GET', '/users/x')).status).toBe(422);
  });

  it('runs router middleware before matching and route middleware after', async () => {
    const order: string[] = [];
    const tag = (name: string) =>
      createMiddleware({
        name,
        async handle(_event, _ctx, next) {
          order.push(`${name}:before`);
          const res = await next();
          order.push(`${name}:after`);
          return res;
        },
      });
    const route = http({ method: 'GET', path: '/x' })
      .use(tag('route'))
      .handle(() => {
        order.push('handler');
        return 'x';
      });
    const app = router(route).use(tag('shared'));
    await get(app, 'GET', '/x');
    expect(order).toEqual(['shared:before', 'route:before', 'handler', 'route:after', 'shared:after']);
    order.length = 0;
    expect((await get(app, 'GET', '/missing')).status).toBe(404);
    expect(order).toEqual(['shared:before']);
  });

  it('sends a CORS preflight to the route for the requested method, whose cors() answers it', async () => {
    const withCors = http({ method: 'POST', path: '/orders' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle(() => ({ status: 201, body: { id: 'o-1' } }));
    const app = router(
      http({ method: 'GET', path: '/orders' }).handle(() => []),
      withCors,
    );
    const preflight = await runHttp(
      app,
      {
        method: 'OPTIONS',
        path: '/orders',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      },
      ctx(),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    // A plain OPTIONS, and a preflight for a method whose route has no middleware, get the path's Allow.
    for (const headers of [{}, { origin: 'https://shop.example', 'access-control-request-method': 'GET' }]) {
      const res = await runHttp(app, { method: 'OPTIONS', path: '/orders', headers }, ctx());
      expect(res).toEqual({
        status: 204,
        headers: { allow: 'GET, POST, HEAD, OPTIONS' },
        cookies: [],
        body: undefined,
      });
    }
  });

  it('leaves a preflight to the route its request would reach, not to another route with cors()', async () => {
    const form = http({ method: 'GET', path: '/orders/new' }).handle(() => 'form');
    const one = http({ method: 'GET', path: '/orders/:id' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle((req) => req.params.id);
    const app = router(form, one);
    const preflight = (path: string) =>
      runHttp(
        app,
        {
          method: 'OPTIONS',
          path,
          headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
        },
        ctx(),
      );
    expect((await preflight('/orders/new')).headers).toEqual({ allow: 'GET, HEAD, OPTIONS' });
    expect((await preflight('/orders/7')).headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it("answers an OPTIONS request with the path's Allow, preflight or not, through a route's other middleware", async () => {
    // Prepare
    const passThrough = createMiddleware({ name: 'pass', handle: (_req, _ctx, next) => next() });
    const app = router(
      http({ method: 'GET', path: '/m' })
        .use(passThrough)
        .handle(() => 'm'),
      http({ method: 'POST', path: '/m/' }).handle(() => 'posted'),
      http({ method: 'PUT', path: '/m/:id' })
        .use(passThrough)
        .handle(() => 'put'),
      http({ method: 'DELETE', path: '/m/:id' }).handle(() => 'deleted'),
    );
    const preflight = { origin: 'https://shop.example', 'access-control-request-method': 'GET' };
    const putPreflight = { ...preflight, 'access-control-request-method': 'PUT' };

    // Act
    const answers = await Promise.all([
      runHttp(app, { method: 'OPTIONS', path: '/m' }, ctx()),
      runHttp(app, { method: 'OPTIONS', path: '/m', headers: preflight }, ctx()),
      runHttp(app, { method: 'OPTIONS', path: '/m/7' }, ctx()),
      runHttp(app, { method: 'OPTIONS', path: '/m/7', headers: putPreflight }, ctx()),
    ]);

    // Assert
    expect(answers.map((res) => [res.status, res.headers.allow])).toEqual([
      [204, 'GET, POST, HEAD, OPTIONS'],
      [204, 'GET, POST, HEAD, OPTIONS'],
      [204, 'PUT, DELETE, OPTIONS'],
      [204, 'PUT, DELETE, OPTIONS'],
    ]);
  });

  it('runs a route that lists HEAD for a HEAD request, before a GET route listed first', async () => {
    // Prepare
    const answer = (name: string) => () => ({ status: 200, headers: { 'x-route': name }, body: name });
    const getStatic = http({ method: 'GET', path: '/x' }).handle(answer('get'));
    const headStatic = http({ method: 'HEAD', path: '/x' }).handle(answer('head'));
    const getDynamic = http({ method: 'GET', path: '/x/:id' }).handle(answer('get'));
    const headDynamic = http({ method: ['HEAD', 'DELETE'], path: '/x/:key' }).handle(answer('head'));

    // Act
    const apps = [
      router(getStatic, headStatic, getDynamic, headDynamic),
      router(headDynamic, headStatic, getDynamic, getStatic),
    ];
    const routed = await Promise.all(
      apps.flatMap((app) => ['/x', '/x/1'].flatMap((path) => ['HEAD', 'GET'].map((method) => get(app, method, path)))),
    );

    // Assert
    const head = ['head', 'get'];
    expect(routed.map((res) => res.headers['x-route'])).toEqual([...head, ...head, ...head, ...head]);
  });

  it('answers HEAD through GET on the more specific route, not through a less specific HEAD route', async () => {
    const app = router(
      http({ method: 'HEAD', path: '/x/:id' }).handle(() => ({ status: 200, headers: { 'x-route': 'head' } })),
      http({ method: 'GET', path: '/x/1' }).handle(() => ({ status: 200, headers: { 'x-route': 'get' } })),
    );
    expect((await get(app, 'HEAD', '/x/1')).headers['x-route']).toBe('get');
    expect((await get(app, 'HEAD', '/x/2')).headers['x-route']).toBe('head');
  });

  it.each([
    ['a parameter before the wildcard', '/f/*', '/f/:id', { '/f/1': '/f/:id', '/f/1/2': '/f/*', '/f': '/f/*' }],
    ['a static segment before a parameter, from the left', '/:a/b', '/a/:b', { '/a/b': '/a/:b', '/c/b': '/:a/b' }],
    [
      'a pattern that ends before a wildcard that goes on',
      '/f/:id/*',
      '/f/:id',
      { '/f/1': '/f/:id', '/f/1/x': '/f/:id/*' },
    ],
    ['the wildcard at the root last', '/*', '/:page', { '/about': '/:page', '/': '/*', '/a/b': '/*' }],
  ] as const)('runs the more specific route, whatever the listing order: %s', async (_case, path1, path2, expected) => {
    // Prepare
    const route = (path: string) => http({ method: 'GET', path }).handle((req) => req.route);
    const apps = [router(route(path1), route(path2)), router(route(path2), route(path1))];

    // Act
    const routed = await Promise.all(
      apps.map(async (app) => {
        const matched: Record<string, unknown> = {};
        for (const path of Object.keys(expected)) matched[path] = (await get(app, 'GET', path)).body;
        return matched;
      }),
    );

    // Assert
    for (const matched of routed) expect(matched).toEqual(expected);
  });

  it('keeps an encoded slash inside its segment for static routes too', async () => {
    const stats = http({ method: 'GET', path: '/admin/stats' }).handle(() => 'stats');
    const app = router(
      stats,
      http({ method: 'GET', path: '/admin/:page' }).handle((req) => req.params.page),
    );
    expect((await get(app, 'GET', '/admin/stats')).body).toBe('stats');
    expect((await get(app, 'GET', '/admin/st%61ts')).body).toBe('stats');
    expect((await get(router(stats), 'GET', '/admin%2Fstats')).status).toBe(404);
    expect((await get(app, 'GET', '/admin/a%2Fb')).body).toBe('a/b');
    expect((await get(app, 'GET', '/admin%2Fstats')).status).toBe(404);
  });

  it('answers a HEAD request that fails with the problem headers and no body', async () => {
    const res = await get(api, 'HEAD', '/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toBeUndefined();
  });

  it('refuses non-http functions and nested routers', () => {
    expect(() => router(api)).toThrow(SkyportError);
  });
});

describe('router() with a function without a path', () => {
  const orders = http({ method: 'GET', path: '/orders' }).handle(() => 'orders');
  const legacy = http({ method: 'GET' }).handle((req) => ({ path: req.path, route: req.route ?? null }));
  const request = (method: string, path: string, headers: Record<string, string> = {}) =>
    httpRequest({ method, path, headers });

  it('takes every path no route with a path matches, as invoke() runs the function alone', async () => {
    for (const app of [router(orders, legacy), router(legacy, orders)]) {
      // Act
      const routed = await invoke(app, request('GET', '/legacy/thing'));
      const alone = await invoke(legacy, request('GET', '/legacy/thing'));
      const root = await invoke(app, request('GET', '/'));
      const own = await invoke(app, request('GET', '/orders'));

      // Assert
      expect(routed.status).toBe(200);
      expect(routed.body).toEqual({ path: '/legacy/thing', route: null });
      expect(routed.body).toEqual(alone.body);
      expect(root.body).toEqual({ path: '/', route: null });
      expect(own.body).toBe('orders');
    }
  });

  it('keeps the parameters the platform gave, as the function alone does', async () => {
    // Prepare
    const echo = http({ method: 'GET' }).handle((req) => req.params);
    const init = { method: 'GET', path: '/u/7', params: { id: '7' } };

    // Act
    const routed = await runHttp(router(orders, echo), init, ctx());
    const alone = await runHttp(echo, init, ctx());

    // Assert
    expect(routed.body).toBe('{"id":"7"}');
    expect(routed.body).toBe(alone.body);
  });

  it('is tried after a route for /, which is routed once', async () => {
    // Prepare
    const home = http({ method: 'GET', path: '/' }).handle(() => 'home');

    // Act
    const app = router(legacy, home);

    // Assert
    expect((await invoke(app, request('GET', '/'))).body).toBe('home');
    expect((await invoke(app, request('GET', '/elsewhere'))).body).toEqual({ path: '/elsewhere', route: null });
  });

  it('answers 405 with its methods for another method on a path only it takes', async () => {
    // Act
    const res = await invoke(router(orders, legacy), request('DELETE', '/legacy/thing'));
    const options = await invoke(router(orders, legacy), request('OPTIONS', '/legacy/thing'));

    // Assert
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('takes every method on every other path without a method, but not a path a route with a path matches', async () => {
    // Prepare
    const anything = http({}).handle((req) => `${req.method} ${req.path}`);
    const app = router(orders, anything);

    // Act
    const other = await invoke(app, request('DELETE', '/old/orders/1'));
    const known = await invoke(app, request('POST', '/orders'));

    // Assert
    expect(other.body).toBe('DELETE /old/orders/1');
    // As serve() gives it paths: a path a route serves answers as that route decides.
    expect(known.status).toBe(405);
    expect(known.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('sends a CORS preflight for a path only it takes to it, whose cors() answers it', async () => {
    // Prepare
    const upload = http({ method: 'PUT' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle(() => ({ status: 204 }));
    const app = router(orders, upload);

    // Act
    const preflight = await invoke(
      app,
      request('OPTIONS', '/files/a.txt', {
        origin: 'https://shop.example',
        'access-control-request-method': 'PUT',
      }),
    );

    // Assert
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('refuses one that would never run: a method two of them share, or beside /*', () => {
    // Prepare
    const post = http({ method: ['POST', 'GET'] }).handle(() => undefined);
    const every = http({ method: 'GET', path: '/*' }).handle(() => undefined);

    // Act / Assert
    expect(() => router(orders, legacy, post)).toThrow(
      'router(): GET is routed twice without a path; the second route would never run',
    );
    expect(() =>
      router(
        every,
        http({ method: 'POST' }).handle(() => undefined),
      ),
    ).toThrow('router(): a route without a path would never run beside /*, which takes every path first');
    expect(() =>
      router(
        orders,
        legacy,
        http({ method: 'POST' }).handle(() => undefined),
      ),
    ).not.toThrow();
  });
});

describe('router() definitions', () => {
  const noop = () => undefined;

  it.each([
    ['the same path and method', '/orders/:id', 'GET', '/orders/:id', 'GET'],
    ['parameters of other names', '/orders/:id', 'GET', '/orders/:orderId/', 'GET'],
    ['a route for every method', '/orders', undefined, '/orders', 'POST'],
    ['a method in common', '/orders', ['GET', 'POST'], '/orders', ['POST', 'PUT']],
    ['a static path written percent-encoded', '/caf%C3%A9', 'GET', '/café/', 'GET'],
    ['static segments written percent-encoded around a parameter', '/a%20b/:id', 'GET', '/a b/:key', 'GET'],
  ] as const)('refuses two routes one request would reach alike: %s', (_case, path1, method1, path2, method2) => {
    // Act
    const define = () =>
      router(
        http({ path: path1, ...(method1 === undefined ? {} : { method: method1 }) }).handle(noop),
        http({ path: path2, method: method2 }).handle(noop),
      );

    // Assert
    expect(define).toThrow(SkyportError);
    expect(define).toThrow(/is routed twice .* the second route would never run/);
  });

  it('takes routes that differ by method or by path shape', () => {
    expect(() =>
      router(
        http({ method: 'GET', path: '/orders/:id' }).handle(noop),
        http({ method: 'DELETE', path: '/orders/:id' }).handle(noop),
        http({ method: 'GET', path: '/orders/latest' }).handle(noop),
        http({ method: 'GET', path: '/orders/:id/lines' }).handle(noop),
        http({ method: 'GET', path: '/orders' }).handle(noop),
        http({ method: 'HEAD', path: '/orders' }).handle(noop),
      ),
    ).not.toThrow();
  });

  it('defines a router of 2000 distinct routes, and still finds a route repeated among them', async () => {
    // Prepare
    const routes = Array.from({ length: 2000 }, (_, i) =>
      http({ method: i % 2 === 0 ? 'GET' : 'POST', path: i % 3 === 0 ? `/r${i}` : `/r${i}/:id` }).handle(
        () => `route ${i}`,
      ),
    );
    const repeated = http({ method: ['PUT', 'POST'], path: '/r1001/:key/' }).handle(noop);

    // Act
    const app = router(...routes);
    const define = () => router(...routes.slice(0, 1500), repeated, ...routes.slice(1500));

    // Assert
    expect((await runHttp(app, { method: 'POST', path: '/r1001/7' }, ctx())).body).toBe('route 1001');
    expect((await runHttp(app, { method: 'GET', path: '/r1998' }, ctx())).body).toBe('route 1998');
    expect(define).toThrow(
      'router(): POST /r1001/:key/ is routed twice (as /r1001/:id too); the second route would never run',
    );
  });

  it('reports the first pair a scan in the order listed meets, when several routes are repeated', () => {
    // Prepare
    const route = (method: 'GET' | 'POST', path: string) => http({ method, path }).handle(noop);

    // Act
    const define = () =>
      router(
        route('GET', '/b/:id'),
        route('GET', '/a'),
        route('POST', '/b/:x'),
        route('GET', '/a/'),
        route('GET', '/b/:key'),
      );

    // Assert
    expect(define).toThrow('router(): GET /b/:key is routed twice (as /b/:id too); the second route would never run');
  });

  it('takes static routes whose segments differ after a colon', async () => {
    const app = router(
      http({ method: 'GET', path: '/at/10:30' }).handle(() => 'half past'),
      http({ method: 'GET', path: '/at/10:45' }).handle(() => 'quarter to'),
    );
    expect((await runHttp(app, { method: 'GET', path: '/at/10:45' }, ctx())).body).toBe('quarter to');
  });
});

describe('bodyLimitOf', () => {
  it("gives a function's own limit, 6 MB by default, and for a router the largest of its routes'", () => {
    // Prepare
    const small = http({ method: 'POST', path: '/small', bodyLimit: 1024 }).handle(() => undefined);
    const large = http({ method: 'POST', path: '/large', bodyLimit: 20 * 1024 * 1024 }).handle(() => undefined);
    const plain = http({ method: 'POST', path: '/plain' }).handle(() => undefined);

    // Act / Assert
    expect(bodyLimitOf(small)).toBe(1024);
    expect(bodyLimitOf(plain)).toBe(6 * 1024 * 1024);
    expect(bodyLimitOf(router(small, plain))).toBe(6 * 1024 * 1024);
    expect(bodyLimitOf(router(small, large))).toBe(20 * 1024 * 1024);
  });
});
