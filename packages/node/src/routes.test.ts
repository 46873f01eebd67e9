import { cors, createMiddleware, http, router, type SkyportFunction } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { start } from './__fixtures__/servers.js';
import { serve } from './serve.js';

/** What a test compares of an answer: its status and the headers a path's answer is made of. */
async function answer(res: Response): Promise<Record<string, string | number | null>> {
  await res.arrayBuffer();
  return {
    status: res.status,
    allow: res.headers.get('allow'),
    origin: res.headers.get('access-control-allow-origin'),
  };
}

describe('serve() with a router beside other functions', () => {
  const origin = 'https://app.example';
  const list = http({ method: 'GET', path: '/users' }).handle(() => ['ada']);
  const remove = http({ method: 'DELETE', path: '/users/:id' }).handle(() => undefined);
  const create = http({ method: 'POST', path: '/users' })
    .use(cors({ origin }))
    .handle(() => ({ status: 201, body: { created: true } }));

  /** The answers one path gives: a request of each method, OPTIONS, and a preflight per method. */
  async function asked(url: string): Promise<Record<string, Record<string, string | number | null>>> {
    const preflight = (method: string) =>
      fetch(`${url}/users`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method },
      });
    return {
      get: await answer(await fetch(`${url}/users`)),
      post: await answer(await fetch(`${url}/users`, { method: 'POST' })),
      put: await answer(await fetch(`${url}/users`, { method: 'PUT' })),
      options: await answer(await fetch(`${url}/users`, { method: 'OPTIONS' })),
      preflightPost: await answer(await preflight('POST')),
      preflightGet: await answer(await preflight('GET')),
    };
  }

  it.each([
    ['router first', { api: router(list, remove), create }, { list, remove, create }, 'GET, POST, HEAD, OPTIONS'],
    ['router last', { create, api: router(list, remove) }, { create, list, remove }, 'POST, GET, HEAD, OPTIONS'],
  ])(
    'answers a path the router shares as the same functions served apart do (%s)',
    async (_order, withRouter, apart, allow) => {
      // Prepare
      const routed = await start(withRouter);
      const flat = await start(apart);

      // Act
      const answers = await asked(routed.url);
      const expected = await asked(flat.url);

      // Assert: the union Allow, and the POST preflight reaches create's cors()
      expect(answers).toEqual({
        get: { status: 200, allow: null, origin: null },
        post: { status: 201, allow: null, origin: null },
        put: { status: 405, allow, origin: null },
        options: { status: 204, allow, origin: null },
        preflightPost: { status: 204, allow: null, origin },
        preflightGet: { status: 204, allow, origin: null },
      });
      expect(answers).toEqual(expected);
    },
  );

  it("gives a preflight for a route of a router, on a path it shares, to that router: its route's cors() answers", async () => {
    // Prepare: cors() on the router's GET route, and on a second router as a whole
    const guarded = http({ method: 'GET', path: '/users' })
      .use(cors({ origin }))
      .handle(() => []);
    const plainCreate = http({ method: 'POST', path: '/users' }).handle(() => ({ status: 201 }));
    const patch = http({ method: 'PATCH', path: '/users' }).handle(() => ({}));
    const server = await start({
      api: router(guarded, remove),
      plainCreate,
      admin: router(patch).use(cors({ origin })),
    });
    const preflight = (method: string) =>
      fetch(`${server.url}/users`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method } });

    // Act
    const forGet = await answer(await preflight('GET'));
    const forPatch = await answer(await preflight('PATCH'));
    const forPost = await answer(await preflight('POST'));

    // Assert
    expect(forGet).toEqual({ status: 204, allow: null, origin });
    expect(forPatch).toEqual({ status: 204, allow: null, origin });
    // The POST function has no middleware: the path's own answer, with every function's methods.
    expect(forPost).toEqual({ status: 204, allow: 'GET, POST, PATCH, HEAD, OPTIONS', origin: null });
  });

  it("answers the Allow of the path, not the router's own, when a preflight passes through its middleware", async () => {
    // Prepare: the router's middleware is not cors(), so the router answers the OPTIONS itself
    const seen: string[] = [];
    const noted = createMiddleware<'http'>({
      name: 'noted',
      handle: (req, _ctx, next) => {
        seen.push(`${req.method} ${req.path}`);
        return next();
      },
    });
    const server = await start({ api: router(list, remove).use(noted), create });

    // Act
    const preflight = await answer(
      await fetch(`${server.url}/users`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      }),
    );

    // Assert
    expect(preflight).toEqual({ status: 204, allow: 'GET, POST, HEAD, OPTIONS', origin: null });
    expect(seen).toEqual(['OPTIONS /users']);
  });

  it('still gives a router every request on a path only it serves, so its middleware sees its 405', async () => {
    // Prepare
    const server = await start({ api: router(list, remove).use(cors({ origin })), create });

    // Act
    const refused = await answer(await fetch(`${server.url}/users/7`, { method: 'GET', headers: { origin } }));

    // Assert
    expect(refused).toEqual({ status: 405, allow: 'DELETE, OPTIONS', origin });
  });
});

describe('serve() with many routes', () => {
  const route = (method: 'GET' | 'POST', path: string, body: string): SkyportFunction<'http'> =>
    http({ method, path }).handle(() => body);

  it('serves a thousand functions and a router of a thousand routes, each on its own route', async () => {
    // Prepare
    const functions: Record<string, SkyportFunction<'http'>> = {};
    for (let i = 0; i < 1000; i++) functions[`f${i}`] = route('GET', `/f/${i}/:id`, `f${i}`);
    const routes = Array.from({ length: 1000 }, (_, i) => route('POST', `/f/${i}/:key`, `r${i}`));
    const server = await start({ ...functions, api: router(...routes) });

    // Act
    const first = await fetch(`${server.url}/f/0/a`);
    const last = await fetch(`${server.url}/f/999/a`, { method: 'POST' });
    const refused = await fetch(`${server.url}/f/500/a`, { method: 'PUT' });

    // Assert
    expect([await first.text(), await last.text()]).toEqual(['f0', 'r999']);
    expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'GET, POST, HEAD, OPTIONS']);
  });

  it('refuses a duplicate among a thousand routes, naming the first pair in the order they are given', async () => {
    // Prepare: two duplicate pairs; the one whose first function comes first is named
    const functions: Record<string, SkyportFunction<'http'>> = { a: route('GET', '/p/:id', 'a') };
    for (let i = 0; i < 1000; i++) functions[`f${i}`] = route('GET', `/f/${i}`, `f${i}`);
    functions.b = route('GET', '/q', 'b');
    functions.c = route('GET', '/q/', 'c');
    const api = router(...Array.from({ length: 500 }, (_, i) => route('POST', `/r/${i}`, `r${i}`)));
    functions.api = api;
    functions.d = route('GET', '/p/:key', 'd');

    // Act
    const served = serve(functions, { announce: false });
    const inRouter = serve({ api, late: route('POST', '/r/499', 'late') }, { announce: false });

    // Assert
    await expect(served).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'serve(): GET /p/:key is served by both a and d; one of them would never run',
    });
    await expect(inRouter).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'serve(): POST /r/499 is served by both api and late; one of them would never run',
    });
  });
});

describe('serve() with a router holding a route without a path', () => {
  it('sends every path no other route matches to that route, as core router() and invoke() do', async () => {
    // Prepare: a legacy catch-all inside a router, beside a function of its own
    const orders = http({ method: 'GET', path: '/orders' }).handle(() => 'orders');
    const legacy = http({ method: 'GET' }).handle((req) => `legacy ${req.path}`);
    const health = http({ method: 'GET', path: '/health' }).handle(() => 'ok');
    const server = await start({ api: router(orders, legacy), health });

    // Act
    const answers = await Promise.all(
      ['/orders', '/health', '/legacy/thing', '/'].map(async (path) => {
        const res = await fetch(`${server.url}${path}`);
        return `${res.status} ${await res.text()}`;
      }),
    );

    // Assert
    expect(answers).toEqual(['200 orders', '200 ok', '200 legacy /legacy/thing', '200 legacy /']);
  });
});
