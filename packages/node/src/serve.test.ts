import { request } from 'node:http';
import { connect } from 'node:net';
import {
  type Context,
  cors,
  createMiddleware,
  events,
  type HttpResponse,
  http,
  queue,
  router,
  SkyportError,
  schedule,
  setLogDestination,
  timeout,
} from '@skyport/core';
import { cloudPrincipal } from '@skyport/core/auth';
import { aws, httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeAfter, exchange, gate, start } from './__fixtures__/servers.js';
import { serve } from './serve.js';
import type { ServeHandle } from './types.js';

describe('serve()', () => {
  const hello = http({ method: 'GET', path: '/hello/:name' }).handle((req) => ({ hello: req.params.name }));
  const echo = http({ method: ['POST', 'PUT'], path: '/echo' }).handle((req) => ({
    status: 201,
    cookies: [{ name: 'seen', value: '1', httpOnly: true }],
    body: req.body,
  }));
  const users = router(
    http({ method: 'GET', path: '/users' }).handle(() => []),
    http({ method: 'DELETE', path: '/users/:id' }).handle(() => undefined),
  );

  it('routes several http functions with router semantics', async () => {
    // Prepare
    const server = await start({ hello, echo, users });

    // Act
    const found = await fetch(`${server.url}/hello/ada`);
    const posted = await fetch(`${server.url}/echo`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    const routed = await fetch(`${server.url}/users`);
    const missing = await fetch(`${server.url}/nope`);
    const wrong = await fetch(`${server.url}/echo`, { method: 'GET' });
    const options = await fetch(`${server.url}/echo`, { method: 'OPTIONS' });
    const routerWrong = await fetch(`${server.url}/users/7`, { method: 'GET' });
    const badPath = await fetch(`${server.url}/hello/%E0%A4%A`);

    // Assert
    expect(await found.json()).toEqual({ hello: 'ada' });
    expect(found.headers.get('content-length')).toBe(String('{"hello":"ada"}'.length));
    expect(posted.status).toBe(201);
    expect(posted.headers.get('set-cookie')).toBe('seen=1; HttpOnly');
    expect(await posted.json()).toEqual({ a: 1 });
    expect(await routed.json()).toEqual([]);
    expect(missing.status).toBe(404);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, PUT, OPTIONS');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, PUT, OPTIONS');
    expect(routerWrong.status).toBe(405);
    expect(routerWrong.headers.get('allow')).toBe('DELETE, OPTIONS');
    expect(badPath.status).toBe(400);
  });

  it('gives an OPTIONS request to the one function on its path, so its cors() answers preflights', async () => {
    // Prepare
    const rates = http({ method: 'POST', path: '/rates' })
      .use(cors({ origin: ['https://shop.example'], maxAge: 600 }))
      .handle(() => ({ price: 24 }));
    const server = await start({ rates, hello });
    const preflightHeaders = { origin: 'https://shop.example', 'access-control-request-method': 'POST' };

    // Act
    const preflight = await fetch(`${server.url}/rates`, { method: 'OPTIONS', headers: preflightHeaders });
    const plain = await fetch(`${server.url}/rates`, { method: 'OPTIONS' });
    const wrong = await fetch(`${server.url}/rates`, { method: 'GET' });

    // Assert
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT, PATCH, POST, DELETE');
    expect(preflight.headers.get('access-control-max-age')).toBe('600');
    expect(preflight.headers.get('vary')).toBe('Origin, Access-Control-Request-Headers');
    expect(plain.status).toBe(204);
    expect(plain.headers.get('allow')).toBe('POST, OPTIONS');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('on a path several functions share, answers OPTIONS with every method and a preflight by its method', async () => {
    // Prepare
    const list = http({ method: 'GET', path: '/items' }).handle(() => []);
    const add = http({ method: 'POST', path: '/items' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle(() => ({ status: 201 }));
    const remove = http({ method: 'DELETE', path: '/items' }).handle(() => undefined);
    const server = await start({ list, add, remove });
    const preflight = (method: string) =>
      fetch(`${server.url}/items`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': method },
      });

    // Act
    const plain = await fetch(`${server.url}/items`, { method: 'OPTIONS' });
    const forPost = await preflight('post');
    const forDelete = await preflight('DELETE');

    // Assert
    expect(plain.status).toBe(204);
    expect(plain.headers.get('allow')).toBe('GET, POST, DELETE, HEAD, OPTIONS');
    expect(forPost.status).toBe(204);
    expect(forPost.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(forPost.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT, PATCH, POST, DELETE');
    expect(forPost.headers.get('allow')).toBeNull();
    // The DELETE function has no middleware of its own: the path's own answer, without CORS headers.
    expect(forDelete.status).toBe(204);
    expect(forDelete.headers.get('allow')).toBe('GET, POST, DELETE, HEAD, OPTIONS');
    expect(forDelete.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("answers a preflight that passes through a function's other middleware with the path's Allow", async () => {
    // Prepare: the GET function has a middleware that is not cors(), so its own pipeline answers
    const passThrough = createMiddleware({ name: 'pass', handle: (_req, _ctx, next) => next() });
    const read = http({ method: 'GET', path: '/m' })
      .use(passThrough)
      .handle(() => ({}));
    const write = http({ method: 'POST', path: '/m' }).handle(() => ({ status: 201 }));
    const server = await start({ read, write });

    // Act
    const plain = await fetch(`${server.url}/m`, { method: 'OPTIONS' });
    const preflight = await fetch(`${server.url}/m`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });

    // Assert
    expect(plain.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
  });

  it('lets path-less functions of different methods share every path', async () => {
    const posts = http({ method: 'POST' }).handle(() => 'posted');
    const gets = http({ method: 'GET' }).handle(() => 'got');
    const server = await start({ posts, gets });
    const got = await fetch(`${server.url}/x`);
    const posted = await fetch(`${server.url}/x`, { method: 'POST' });
    const other = await fetch(`${server.url}/x`, { method: 'PUT' });
    expect([await got.text(), await posted.text()]).toEqual(['got', 'posted']);
    expect([other.status, other.headers.get('allow')]).toEqual([405, 'POST, GET, HEAD, OPTIONS']);
  });

  it('gives a function without a path every path no other route takes, as Lambda and invoke() do', async () => {
    // Prepare
    const legacy = http().handle((req) => ({ legacy: req.path, method: req.method }));
    const user = http({ method: 'GET', path: '/users/:id' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle((req) => ({ user: req.params.id }));
    const server = await start({ legacy, user });

    // Act
    const anything = await fetch(`${server.url}/anything/deep?x=1`);
    const specific = await fetch(`${server.url}/users/7`);
    const otherMethod = await fetch(`${server.url}/users/7`, { method: 'DELETE' });
    const preflight = await fetch(`${server.url}/users/7`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });

    // Assert
    expect(await anything.json()).toEqual({ legacy: '/anything/deep', method: 'GET' });
    expect(await specific.json()).toEqual({ user: '7' });
    // A path another function's route matches stays that function's: its 405, its preflight.
    expect([otherMethod.status, otherMethod.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([
      204,
      'https://shop.example',
    ]);
  });

  it('leaves a preflight to the function its request would reach, not to another one with cors()', async () => {
    // Prepare
    const form = http({ method: 'GET', path: '/orders/new' }).handle(() => 'form');
    const one = http({ method: 'GET', path: '/orders/:id' })
      .use(cors({ origin: 'https://shop.example' }))
      .handle((req) => req.params.id);
    const server = await start({ form, one });
    const headers = { origin: 'https://shop.example', 'access-control-request-method': 'GET' };

    // Act
    const forForm = await fetch(`${server.url}/orders/new`, { method: 'OPTIONS', headers });

    // Assert
    expect(forForm.status).toBe(204);
    expect(forForm.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(forForm.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("gives a method the one function on its path refuses to that function: its 405 carries cors()'s headers", async () => {
    // Prepare
    const items = http({ method: 'GET', path: '/items' })
      .use(cors({ origin: 'https://a.example' }))
      .handle(() => []);
    const server = await start({ items, hello });
    const headers = { origin: 'https://a.example' };

    // Act
    const refused = await fetch(`${server.url}/items`, { method: 'DELETE', headers });
    const invoked = await invoke(items, httpRequest({ method: 'DELETE', path: '/items', headers }));

    // Assert: the answer invoke() (and every cloud) gives, with the path's Allow
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(refused.headers.get('vary')).toBe('Origin');
    expect([invoked.status, invoked.headers['access-control-allow-origin'], invoked.headers.vary]).toEqual([
      405,
      'https://a.example',
      'Origin',
    ]);
    expect(((await refused.json()) as { status: number }).status).toBe(405);
  });

  it("keeps the path's own 405 where several functions share the path, as router() does for its routes", async () => {
    // Prepare: both functions have cors(), yet neither is the one a DELETE would reach
    const shared = cors({ origin: 'https://a.example' });
    const list = http({ method: 'GET', path: '/items' })
      .use(shared)
      .handle(() => []);
    const add = http({ method: 'POST', path: '/items' })
      .use(shared)
      .handle(() => ({ status: 201 }));
    const server = await start({ list, add });

    // Act
    const refused = await fetch(`${server.url}/items`, { method: 'DELETE', headers: { origin: 'https://a.example' } });
    const missing = await fetch(`${server.url}/nope`, { headers: { origin: 'https://a.example' } });

    // Assert
    expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'GET, POST, HEAD, OPTIONS']);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect([missing.status, missing.headers.get('access-control-allow-origin')]).toEqual([404, null]);
  });

  it('answers 400 INVALID_EVENT naming a posted field of the wrong type, and runs nothing', async () => {
    // Prepare
    const ran: string[] = [];
    const nightly = schedule({ cron: '0 3 * * *' }).handle(() => {
      ran.push('nightly');
    });
    const ship = queue({ name: 'orders' }).handle(() => {
      ran.push('ship');
    });
    const server = await start({ nightly, ship });
    const post = (name: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/_skyport/${name}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });

    // Act
    const badTime = await post('nightly', '{"scheduledTime":"not-a-date"}', { 'x-request-id': 'req-7' });
    const badAttempt = await post('ship', '{"attempt":"two"}');

    // Assert
    expect(badTime.status).toBe(400);
    expect(badTime.headers.get('content-type')).toBe('application/problem+json');
    expect(await badTime.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail:
        'node: "scheduledTime" must be an ISO 8601 time or epoch milliseconds (schedule function, got object {scheduledTime})',
      requestId: 'req-7',
      code: 'INVALID_EVENT',
    });
    expect(badAttempt.status).toBe(400);
    expect(await badAttempt.json()).toMatchObject({
      code: 'INVALID_EVENT',
      detail: 'node: "attempt" must be an integer of at least 1 (queue function, got object {attempt})',
    });
    expect(ran).toEqual([]);
  });

  it('reads an event posted with a byte order mark, as skyport invoke reads such a file', async () => {
    // Prepare
    const seen: unknown[] = [];
    const ship = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg.body);
    });
    const server = await start({ ship });

    // Act
    const answer = await fetch(`${server.url}/_skyport/ship`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '\uFEFF{"id":"m-1","body":{"a":1}}',
    });

    // Assert
    expect(answer.status).toBe(200);
    expect(seen).toEqual([{ a: 1 }]);
  });

  it('gives every problem it answers itself a request id: MALFORMED_JSON events, unknown routes', async () => {
    // Prepare
    const ship = queue({ name: 'orders' }).handle(() => {});
    const server = await start({ hello, ship });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

    // Act
    const malformed = await fetch(`${server.url}/_skyport/ship`, { method: 'POST', body: '{"body":' });
    const named = await fetch(`${server.url}/_skyport/ship`, {
      method: 'POST',
      body: 'not json',
      headers: { 'x-request-id': 'req-8' },
    });
    const unknown = await fetch(`${server.url}/nowhere`);

    // Assert
    expect(malformed.status).toBe(400);
    const problem = (await malformed.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 400, code: 'MALFORMED_JSON', detail: 'the event is not valid JSON' });
    expect(problem.requestId).toMatch(uuid);
    expect(await named.json()).toMatchObject({ code: 'MALFORMED_JSON', requestId: 'req-8' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Record<string, unknown>).requestId).toMatch(uuid);
  });

  it('runs a raw cloud event under the name the function is served as', async () => {
    // Prepare
    const names: string[] = [];
    const ship = queue({ name: 'orders' }).handle((_message, ctx) => {
      names.push(`${ctx.cloud}:${ctx.functionName}`);
    });
    const server = await start({ ship });

    // Act
    const res = await fetch(`${server.url}/_skyport/ship`, { method: 'POST', body: JSON.stringify(aws.sqs()) });

    // Assert
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ batchItemFailures: [] });
    expect(names).toEqual(['aws:ship']);
  });

  it('answers a raw unbatched event whose handler fails 500, logged, without its message in production', async () => {
    // Prepare: SNS events are not batches, so the adapter rethrows what the handler throws
    const slow = queue({ name: 'slow' })
      .use(timeout({ ms: 100 }))
      .handle(() => new Promise<void>((resolve) => setTimeout(resolve, 1000)));
    const db = queue({ name: 'db' }).handle(() => {
      throw new SkyportError('INVALID_DEFINITION', 'db password=hunter2');
    });
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let server: ServeHandle;
    try {
      server = await start({ slow, db }, { timeoutMs: 300, eventRoutes: true });
    } finally {
      process.env.NODE_ENV = previous;
    }

    // Act
    const timedOut = await fetch(`${server.url}/_skyport/slow`, { method: 'POST', body: JSON.stringify(aws.sns()) });
    const failed = await fetch(`${server.url}/_skyport/db`, { method: 'POST', body: JSON.stringify(aws.sns()) });
    const wrong = await fetch(`${server.url}/_skyport/db`, {
      method: 'POST',
      body: JSON.stringify(aws.scheduled()),
    });
    const portable = await fetch(`${server.url}/_skyport/db`, { method: 'POST', body: '{"body":{}}' });
    restore();

    // Assert
    expect(timedOut.status).toBe(500);
    expect(failed.status).toBe(500);
    const failedText = await failed.text();
    expect(failedText).not.toContain('hunter2');
    expect(await timedOut.text()).not.toContain('timed out');
    expect(lines.filter((line) => line.includes('function failed on a raw aws event'))).toHaveLength(2);
    // An event the function cannot take is still the caller's mistake.
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as Record<string, unknown>).code).toBe('KIND_MISMATCH');
    expect(portable.status).toBe(500);
    expect(((await portable.json()) as { failures: { error: unknown }[] }).failures[0]?.error).toEqual({
      name: 'SkyportError',
      message: 'the handler failed (details are in the logs)',
      code: 'INVALID_DEFINITION',
    });
  });

  it('hands a binary-mode CloudEvent its exact bytes, as the Functions Framework does', async () => {
    // Prepare
    const seen: unknown[] = [];
    const ev = events({}).handle((event) => {
      seen.push(event.data);
    });
    const server = await start({ ev });
    const bytes = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x41]);
    const headers = {
      'ce-specversion': '1.0',
      'ce-id': '1',
      'ce-source': '//storage.googleapis.com/projects/_/buckets/b',
      'ce-type': 'com.example.blob',
    };

    // Act
    const binary = await fetch(`${server.url}/_skyport/ev`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const json = await fetch(`${server.url}/_skyport/ev`, {
      method: 'POST',
      headers: { ...headers, 'ce-id': '2', 'content-type': 'application/json' },
      body: '{"n":1}',
    });

    // Assert
    expect(binary.status).toBe(200);
    expect(json.status).toBe(200);
    expect(seen).toEqual([bytes, { n: 1 }]);
  });

  it('builds the context from the request: node cloud, request id, function name, trace headers', async () => {
    // Prepare
    let seen: Context | undefined;
    const probe = http({ method: 'GET', path: '/probe' }).handle((req, ctx) => {
      seen = ctx;
      return { url: req.url, ip: req.ip };
    });
    const server = await start({ probe }, { timeoutMs: 5000 });

    // Act
    const res = await fetch(`${server.url}/probe?x=1`, {
      headers: { 'x-request-id': 'req-7', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });

    // Assert
    expect(await res.json()).toEqual({ url: `${server.url}/probe?x=1`, ip: '127.0.0.1' });
    expect(seen?.cloud).toBe('node');
    expect(seen?.requestId).toBe('req-7');
    expect(seen?.functionName).toBe('probe');
    expect(seen?.trace).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(seen?.remainingTimeMs()).toBeGreaterThan(4000);
    expect(seen?.remainingTimeMs()).toBeLessThanOrEqual(5000);
  });

  it('gives each request a fresh UUID-shaped request id when none is sent', async () => {
    // Prepare
    const ids: string[] = [];
    const probe = http({ path: '/' }).handle((_req, ctx) => {
      ids.push(ctx.requestId);
    });
    const server = await start({ probe });

    // Act
    await fetch(server.url);
    await fetch(server.url);
    await fetch(server.url);

    // Assert: a random part fixed per process, then a counter
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    expect(new Set(ids.map((id) => id.slice(0, 24))).size).toBe(1);
  });

  it('ends a request whose client goes away in the middle of the body, without running the function', async () => {
    // Prepare
    let ran = false;
    const sink = http({ method: 'POST', path: '/sink' }).handle(() => {
      ran = true;
    });
    const server = await start({ sink });

    // Act: half of the declared body, then the connection is cut
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/sink`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '100' },
      });
      req.on('error', () => resolve());
      req.write('{"a":', () => setTimeout(() => req.destroy(), 50));
    });
    for (let i = 0; i < 50 && server.inflight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));

    // Assert
    expect(server.inflight).toBe(0);
    expect(ran).toBe(false);
  });

  it('aborts ctx.signal when the client leaves before the answer, and only then', async () => {
    // Prepare
    const reasons: Promise<string>[] = [];
    const wait = http({ method: 'GET', path: '/wait' }).handle((_req, ctx) => {
      const reason = new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('not aborted'), 3_000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve((ctx.signal.reason as Error).name);
        });
      });
      reasons.push(reason);
      return reason;
    });
    let abortedAfterAnswer = false;
    const quick = http({ method: 'GET', path: '/quick' }).handle((_req, ctx) => {
      ctx.signal.addEventListener('abort', () => {
        abortedAfterAnswer = true;
      });
      return { ok: true };
    });
    const server = await start({ wait, quick });

    // Act: one client leaves while its handler waits; another takes its answer and closes.
    const req = request(`${server.url}/wait`);
    req.on('error', () => undefined);
    req.end();
    while (reasons.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    req.destroy();
    const answered = await fetch(`${server.url}/quick`, { headers: { connection: 'close' } });
    await answered.text();
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assert
    expect(await reasons[0]).toBe('AbortError');
    expect(answered.status).toBe(200);
    expect(abortedAfterAnswer).toBe(false);
  });

  it('close() lets an in-flight request finish, then stops accepting connections', async () => {
    // Prepare
    const release = gate();
    const started = gate();
    const slow = http({ method: 'POST', path: '/slow', body: z.object({ n: z.number() }) }).handle(async (req) => {
      started.open();
      await release.wait;
      return { status: 201, body: { n: req.body.n } };
    });
    const server = await start({ slow });
    const inflight = fetch(`${server.url}/slow`, {
      method: 'POST',
      body: '{"n":3}',
      headers: { 'content-type': 'application/json' },
    });
    await started.wait;

    // Act
    const closed = server.close();
    let closedEarly = false;
    void closed.then(() => {
      closedEarly = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stillRunning = !closedEarly && server.inflight === 1;
    release.open();
    const res = await inflight;
    await closed;

    // Assert
    expect(stillRunning).toBe(true);
    expect(res.status).toBe(201);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ n: 3 });
    await expect(fetch(`${server.url}/slow`)).rejects.toThrow();
  });

  it('refuses a PORT that is not decimal digits (0x1f90, a word), and takes a blank one as unset', async () => {
    // Prepare
    const probe = http({ path: '/' }).handle(() => 'ok');
    const previous = process.env.PORT;
    const withPort = async (value: string, options: Parameters<typeof serve>[1] = {}) => {
      process.env.PORT = value;
      try {
        const server = await serve({ probe }, { host: '127.0.0.1', announce: false, ...options });
        closeAfter(server);
        return server.port;
      } finally {
        if (previous === undefined) delete process.env.PORT;
        else process.env.PORT = previous;
      }
    };

    // Act / Assert
    for (const value of ['0x1f90', 'eighty', '80.5', '-1']) {
      await expect(withPort(value), value).rejects.toMatchObject({ code: 'INVALID_DEFINITION' });
    }
    await expect(withPort('0x1f90', { port: 0 })).resolves.toBeGreaterThan(0);
    await expect(withPort(' ', { port: 0 })).resolves.toBeGreaterThan(0);
  });

  it('reads PORT from the environment when no port is given', async () => {
    // Prepare
    const probe = http({ path: '/' }).handle(() => 'ok');
    const previous = process.env.PORT;
    process.env.PORT = '0';

    // Act
    let server: ServeHandle;
    try {
      server = await serve({ probe }, { host: '127.0.0.1', announce: false });
      closeAfter(server);
    } finally {
      if (previous === undefined) delete process.env.PORT;
      else process.env.PORT = previous;
    }

    // Assert
    expect(server.port).toBeGreaterThan(0);
    expect(await (await fetch(server.url)).text()).toBe('ok');
  });

  it('reads HOST from the environment when no host is given, and its URL names that host', async () => {
    // Prepare: 127.0.0.2 is loopback too, but not what `localhost` resolves to
    const probe = http({ path: '/' }).handle(() => 'ok');
    const previous = process.env.HOST;
    process.env.HOST = '127.0.0.2';

    // Act
    let server: ServeHandle;
    try {
      server = await serve({ probe }, { port: 0, announce: false });
      closeAfter(server);
    } finally {
      if (previous === undefined) delete process.env.HOST;
      else process.env.HOST = previous;
    }

    // Assert
    expect(server.url).toBe(`http://127.0.0.2:${server.port}`);
    expect(await (await fetch(server.url)).text()).toBe('ok');
  });

  it('takes an empty host as none: every interface, and a URL that parses', async () => {
    // Prepare
    const probe = http({ path: '/' }).handle(() => 'ok');
    const previous = process.env.HOST;
    const lines: string[] = [];

    // Act
    let server: ServeHandle;
    let fromEnv: ServeHandle;
    try {
      process.env.HOST = '127.0.0.2';
      fromEnv = closeAfter(await serve({ probe }, { port: 0, host: '', announce: false }));
      delete process.env.HOST;
      server = closeAfter(await serve({ probe }, { port: 0, host: '', print: (line) => lines.push(line) }));
    } finally {
      if (previous === undefined) delete process.env.HOST;
      else process.env.HOST = previous;
    }

    // Assert
    expect(server.url).toBe(`http://localhost:${server.port}`);
    expect(new URL(server.url).port).toBe(String(server.port));
    expect(lines[0]).toBe(`skyport: serving 1 function at http://localhost:${server.port}`);
    expect(await (await fetch(`http://127.0.0.1:${server.port}`)).text()).toBe('ok');
    expect(fromEnv.url).toBe(`http://127.0.0.2:${fromEnv.port}`);
  });

  it('prints a startup line with the URL and every route', async () => {
    // Prepare
    const lines: string[] = [];
    const ship = queue({ name: 'orders' }).handle(() => {});

    // Act
    const server = await start({ hello, ship }, { announce: true, print: (line) => lines.push(line) });

    // Assert
    expect(lines[0]).toBe(`skyport: serving 2 functions at ${server.url}`);
    expect(lines.slice(1).map((line) => line.trim().replace(/\s+/g, ' '))).toEqual([
      'GET /hello/:name hello',
      'POST /_skyport/ship ship (queue event as JSON)',
    ]);
  });

  it('warns once at start in production when the event routes are left on by default', async () => {
    // Prepare
    const ship = queue({ name: 'orders' }).handle(() => {});
    const startWith = async (
      functions: Parameters<typeof start>[0],
      options: Parameters<typeof start>[1],
      env: string,
    ) => {
      const lines: string[] = [];
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = env;
      try {
        await start(functions, { ...options, print: (line) => lines.push(line) });
      } finally {
        process.env.NODE_ENV = previous;
      }
      return lines;
    };

    // Act
    const byDefault = await startWith({ hello, ship }, {}, 'production');
    const announced = await startWith({ hello, ship }, { announce: true }, 'production');
    const keptOn = await startWith({ hello, ship }, { eventRoutes: true }, 'production');
    const turnedOff = await startWith({ hello, ship }, { eventRoutes: false }, 'production');
    const httpOnly = await startWith({ hello }, {}, 'production');
    const developing = await startWith({ hello, ship }, {}, 'development');

    // Assert
    expect(byDefault).toEqual([
      'skyport: warning: POST /_skyport/<name> event routes are on and not authenticated (NODE_ENV=production): ' +
        'pass eventRoutes: false for a public service, or eventRoutes: true to keep them and silence this',
    ]);
    expect(announced).toHaveLength(4);
    expect(announced[3]).toBe(byDefault[0]);
    expect([keptOn, turnedOff, httpOnly, developing]).toEqual([[], [], [], []]);
  });

  it('gives req.ip of an IPv4 client of a dual-stack server as IPv4, as the clouds do', async () => {
    // Prepare
    const ip = http({ method: 'GET', path: '/ip' }).handle((req) => ({ status: 200, body: { ip: req.ip } }));
    const proxied = http({ method: 'GET', path: '/proxied' }).handle((req) => ({ status: 200, body: { ip: req.ip } }));
    const server = await start({ ip }, { host: '::' });
    const behindProxy = await start({ proxied }, { host: '::', trustProxy: 1 });

    // Act
    const direct = await (await fetch(`http://127.0.0.1:${server.port}/ip`)).json();
    const viaIPv6 = await (await fetch(`http://[::1]:${server.port}/ip`)).json();
    const forwarded = await (
      await fetch(`http://127.0.0.1:${behindProxy.port}/proxied`, {
        headers: { 'x-forwarded-for': '::ffff:203.0.113.9' },
      })
    ).json();

    // Assert
    expect(direct).toEqual({ ip: '127.0.0.1' });
    expect(viaIPv6).toEqual({ ip: '::1' });
    expect(forwarded).toEqual({ ip: '203.0.113.9' });
  });

  it('answers Expect: 100-continue with 413 at once for a body over the limit, and with 100 for one within it', async () => {
    // Prepare
    const server = await start({ echo }, { bodyLimit: 1000 });
    const head = (length: number) =>
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;

    // Act: the large body is never sent; the small one only once the server asks for it
    const large = await exchange(server.port, head(100_000_000));
    const small = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('error', reject);
      socket.on('data', (chunk: string) => {
        if (text === '' && chunk.startsWith('HTTP/1.1 100')) socket.write('{"a":1}');
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.write(head(7));
    });

    // Assert
    expect(large.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(large.text).not.toContain('100 Continue');
    expect(small).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
    expect(small).toContain('{"a":1}');
  });

  it('refuses a body over the limit without reading it all, and serves the next connection', async () => {
    // Prepare
    const echoServer = await start({ echo }, { bodyLimit: 10 });
    const statuses: number[] = [];

    // Act: 100 kB declared, only a few bytes sent before the answer arrives
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${echoServer.url}/echo`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100000' } },
        (res) => {
          statuses.push(res.statusCode ?? 0);
          res.resume();
          res.on('end', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.write('{"a":');
    });
    const ok = await fetch(`${echoServer.url}/echo`, {
      method: 'PUT',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });

    // Assert
    expect(statuses).toEqual([413]);
    expect(ok.status).toBe(201);
  });

  it('rejects what is not a Skyport function and a port out of range', async () => {
    // Act / Assert
    await expect(serve({ nope: {} as never }, { announce: false })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
    });
    await expect(serve({ hello }, { port: 70000, announce: false })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
    });
  });

  it('refuses two functions one request would reach alike, as router() refuses a route listed twice', async () => {
    // Prepare
    const a = http({ method: 'GET', path: '/x/:id' }).handle(() => 'a');
    const b = http({ method: ['GET', 'POST'], path: '/x/:key/' }).handle(() => 'b');
    const c = http({ method: 'POST', path: '/x/:id' }).handle(() => 'c');
    const routed = router(http({ method: 'DELETE', path: '/x/:id' }).handle(() => 'd'));

    // Act / Assert
    await expect(serve({ a, b }, { announce: false })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: expect.stringContaining('GET /x/:key/ is served by both a and b'),
    });
    await expect(serve({ a, c, routed, b: router(b) }, { announce: false })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
    });
    // Other methods on the same path share it.
    const server = await start({ a, c, routed });
    expect(await (await fetch(`${server.url}/x/1`, { method: 'POST' })).text()).toBe('c');
    expect(await (await fetch(`${server.url}/x/1`, { method: 'DELETE' })).text()).toBe('d');
  });

  it('keeps the exact bytes of a text body that is not valid UTF-8 (and of one with a literal U+FFFD)', async () => {
    // Prepare
    const inspect = http({ method: 'POST', path: '/inspect' }).handle((req) => ({
      body: req.body,
      bytes: [...req.rawBody],
    }));
    const server = await start(inspect);
    const invalid = [0x61, 0xff, 0x62];
    const replacement = [...Buffer.from('a\uFFFDb', 'utf8')];
    const post = (bytes: number[]) =>
      fetch(`${server.url}/inspect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: new Uint8Array(bytes),
      });

    // Act
    const bad = await (await post(invalid)).json();
    const good = await (await post(replacement)).json();

    // Assert
    expect(bad).toEqual({ body: 'a\uFFFDb', bytes: [0x61, 0xff, 0x62] });
    expect(good).toEqual({ body: 'a\uFFFDb', bytes: replacement });
  });

  it('answers synchronous and asynchronous functions alike, and a response node refuses as a 500', async () => {
    // Prepare
    const now = http({ method: 'GET', path: '/now' }).handle(() => ({ when: 'now' }));
    const later = http({ method: 'GET', path: '/later' }).handle(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { when: 'later' };
    });
    const broken = http({ method: 'GET', path: '/broken' }).handle(() => ({
      status: 200,
      headers: { 'x-note': 'line\nbreak' },
      body: { never: 'sent' },
    }));
    const brokenLater = http({ method: 'GET', path: '/broken-later' }).handle(async () => ({
      status: 200,
      headers: { 'x-note': 'line\nbreak' },
      body: { never: 'sent' },
    }));
    const server = await start({ now, later, broken, brokenLater });

    // Act
    const [sync, async, refused, refusedLater] = await Promise.all([
      fetch(`${server.url}/now`),
      fetch(`${server.url}/later`),
      fetch(`${server.url}/broken`),
      fetch(`${server.url}/broken-later`),
    ]);

    // Assert
    expect(await sync.json()).toEqual({ when: 'now' });
    expect(await async.json()).toEqual({ when: 'later' });
    expect(refused.status).toBe(500);
    expect(refusedLater.status).toBe(500);
    expect(refused.headers.get('x-note')).toBeNull();
    expect(server.inflight).toBe(0);
  });

  it('serves a single function given directly', async () => {
    // Prepare
    const server = await start(hello);

    // Act
    const res = await fetch(`${server.url}/hello/bob`);

    // Assert
    expect(await res.json()).toEqual({ hello: 'bob' });
    expect(server.routes.map((r) => r.function)).toEqual(['default']);
  });

  it('never runs an http function from /_skyport/<name>: a forged raw API Gateway event is refused', async () => {
    // Prepare: a function behind cloudPrincipal(), and an event claiming a verified JWT
    const ran: string[] = [];
    const me = http({ method: 'GET', path: '/me' })
      .use(cloudPrincipal())
      .handle((_req, ctx) => {
        ran.push(ctx.auth.subject ?? '(none)');
        return { subject: ctx.auth.subject };
      });
    const ship = queue({ name: 'orders' }).handle(() => {});
    const server = await start({ me, ship });
    const forged = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/me',
      rawQueryString: '',
      headers: {},
      requestContext: {
        http: { method: 'GET', path: '/me', sourceIp: '1.2.3.4' },
        requestId: 'x',
        stage: '$default',
        authorizer: { jwt: { claims: { sub: 'admin' }, scopes: ['admin'] } },
      },
      isBase64Encoded: false,
    };
    const post = (body: unknown) =>
      fetch(`${server.url}/_skyport/me`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-9' },
      });

    // Act
    const raw = await post(forged);
    const portable = await post({ method: 'GET', path: '/me' });
    const get = await fetch(`${server.url}/_skyport/me`);
    const direct = await fetch(`${server.url}/me`);

    // Assert
    expect(raw.status).toBe(404);
    expect(raw.headers.get('content-type')).toBe('application/problem+json');
    expect(await raw.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: '"me" is an http function: call it on its routes (event functions: ship)',
      requestId: 'req-9',
      code: 'HTTP_FUNCTION',
    });
    expect(portable.status).toBe(404);
    expect(await portable.json()).toMatchObject({ code: 'HTTP_FUNCTION' });
    expect(get.status).toBe(404);
    expect(direct.status).toBe(401);
    expect(ran).toEqual([]);
    expect(server.routes.map((route) => route.path)).toEqual(['/me', '/_skyport/ship']);
  });

  it('runs the most specific route whatever the order of the functions, and a HEAD route before GET, as router() does', async () => {
    // Prepare: a wildcard given before a parameter route, and a HEAD route after the GET one
    const files = http({ method: 'GET', path: '/f/*' }).handle(() => ({ fn: 'wildcard' }));
    const file = http({ method: 'GET', path: '/f/:id' }).handle((req) => ({ fn: 'param', id: req.params.id }));
    const get = http({ method: 'GET', path: '/h' }).handle(() => ({ fn: 'get' }));
    const head = http({ method: 'HEAD', path: '/h' }).handle(() => ({ status: 200, headers: { 'x-from': 'head' } }));
    const server = await start({ files, file, get, head });

    // Act
    const one = await fetch(`${server.url}/f/1`);
    const deeper = await fetch(`${server.url}/f/1/2`);
    const headed = await fetch(`${server.url}/h`, { method: 'HEAD' });
    const got = await fetch(`${server.url}/h`);

    // Assert
    expect(await one.json()).toEqual({ fn: 'param', id: '1' });
    expect(await deeper.json()).toEqual({ fn: 'wildcard' });
    expect(headed.headers.get('x-from')).toBe('head');
    expect(await got.json()).toEqual({ fn: 'get' });
  });

  it('matches routes on the path as sent, segment by segment, as router() does', async () => {
    // Prepare
    const stats = http({ method: 'GET', path: '/admin/stats' }).handle(() => ({ fn: 'stats' }));
    const file = http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ fn: 'file', name: req.params.name }));
    const server = await start({ stats, file });
    const api = router(stats, file);
    const paths = [
      '/admin/stats',
      '/admin%2Fstats',
      '/admin%2fstats',
      '/%61dmin/stats/',
      '/files/a%2Fb',
      '/files/caf%C3%A9',
      '/files/..%252F..%252Fetc',
    ];

    // Act
    const served = await Promise.all(
      paths.map(async (path) => {
        const res = await fetch(server.url + path);
        return { path, status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const routed = await Promise.all(
      paths.map(async (path) => ({ path, status: (await invoke(api, httpRequest({ method: 'GET', path }))).status })),
    );
    const malformed = await fetch(`${server.url}/files/%E0%A4%A`);

    // Assert
    expect(served.map(({ path, status, body }) => [path, status, body.fn ?? body.detail, body.name])).toEqual([
      ['/admin/stats', 200, 'stats', undefined],
      ['/admin%2Fstats', 404, 'no route for GET /admin%2Fstats', undefined],
      ['/admin%2fstats', 404, 'no route for GET /admin%2fstats', undefined],
      ['/%61dmin/stats/', 200, 'stats', undefined],
      ['/files/a%2Fb', 200, 'file', 'a/b'],
      ['/files/caf%C3%A9', 200, 'file', 'café'],
      ['/files/..%252F..%252Fetc', 200, 'file', '..%2F..%2Fetc'],
    ]);
    expect(routed).toEqual(served.map(({ path, status }) => ({ path, status })));
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'BAD_PATH' });
  });

  it('builds req.url from X-Forwarded-Proto and Host only when they are a scheme and a host', async () => {
    // (A Host that is not `host[:port]` by its grammar, `a b`, is refused with 400 before this.)
    // Prepare
    const web = http({ method: 'GET', path: '/w' }).handle((req) => `${req.url} ${req.toWebRequest().url}`);
    const server = await start({ web });
    const local = `127.0.0.1:${server.port}`;
    const get = async (lines: string, version = '1.1') => {
      const { text } = await exchange(server.port, `GET /w?x=1 HTTP/${version}\r\n${lines}Connection: close\r\n\r\n`);
      return `${text.slice(0, text.indexOf('\r\n'))} ${text.slice(text.indexOf('\r\n\r\n') + 4)}`;
    };

    // Act
    const answers = [
      await get('Host: app.example\r\nX-Forwarded-Proto: a b\r\n'),
      await get('Host: app.example\r\nX-Forwarded-Proto: javascript\r\n'),
      await get('Host: app.example:8443\r\nX-Forwarded-Proto: HTTPS, http\r\n'),
      await get('Host: 999.1.1.1\r\n'),
      await get('Host: app.example:99999\r\n'),
      await get('Host: [::1]:8080\r\n'),
      await get('', '1.0'),
    ];

    // Assert
    expect(answers).toEqual([
      'HTTP/1.1 200 OK http://app.example/w?x=1 http://app.example/w?x=1',
      'HTTP/1.1 200 OK http://app.example/w?x=1 http://app.example/w?x=1',
      'HTTP/1.1 200 OK https://app.example:8443/w?x=1 https://app.example:8443/w?x=1',
      `HTTP/1.1 200 OK http://${local}/w?x=1 http://${local}/w?x=1`,
      `HTTP/1.1 200 OK http://${local}/w?x=1 http://${local}/w?x=1`,
      'HTTP/1.1 200 OK http://[::1]:8080/w?x=1 http://[::1]:8080/w?x=1',
      `HTTP/1.1 200 OK http://${local}/w?x=1 http://${local}/w?x=1`,
    ]);
  });

  it('routes an absolute-form request target on its path and query, and takes its origin for req.url', async () => {
    // Prepare
    const web = http({ method: 'GET', path: '/w' }).handle(
      (req) => `${req.path} ${JSON.stringify(req.query)} ${req.url} ${req.headers.host}`,
    );
    const ship = queue({ name: 'orders' }).handle(() => {});
    const server = await start({ web, ship });
    const send = async (head: string, body = '') => {
      const { text } = await exchange(server.port, `${head}Host: app.example\r\nConnection: close\r\n\r\n${body}`);
      return `${text.slice(0, text.indexOf('\r\n'))} ${text.slice(text.indexOf('\r\n\r\n') + 4)}`;
    };

    // Act
    const answers = [
      await send('GET http://api.example:8080/w?x=1 HTTP/1.1\r\n'),
      await send('GET HTTPS://api.example/w HTTP/1.1\r\n'),
      await send('GET http://api.example/nope HTTP/1.1\r\n'),
    ];
    const event = await send('POST http://api.example/_skyport/ship HTTP/1.1\r\nContent-Length: 2\r\n', '{}');

    // Assert: RFC 9112 §3.2.2, the target's authority wins over Host, which is kept as sent
    expect(answers[0]).toBe('HTTP/1.1 200 OK /w {"x":"1"} http://api.example:8080/w?x=1 app.example');
    expect(answers[1]).toBe('HTTP/1.1 200 OK /w {} https://api.example/w app.example');
    expect(answers[2]).toMatch(/^HTTP\/1\.1 404 Not Found /);
    expect(event).toMatch(/^HTTP\/1\.1 200 OK /);
  });

  it('decodes a text body in its declared charset, even when its bytes happen to be valid UTF-8', async () => {
    // Prepare
    const inspect = http({ method: 'POST', path: '/inspect' }).handle((req) => ({ body: req.body }));
    const server = await start(inspect);
    const post = (type: string, body: Uint8Array) =>
      fetch(`${server.url}/inspect`, { method: 'POST', headers: { 'content-type': type }, body });

    // Act
    const utf16 = await (await post('text/plain; charset=utf-16le', Buffer.from('hi', 'utf16le'))).json();
    const quoted = await (await post('text/plain; Charset="UTF-16LE"', Buffer.from('hi', 'utf16le'))).json();
    const latin1 = await (await post('text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9]))).json();
    const utf8 = await (await post('text/plain; charset="UTF-8"', Buffer.from('café', 'utf8'))).json();

    // Assert
    expect(utf16).toEqual({ body: 'hi' });
    expect(quoted).toEqual({ body: 'hi' });
    expect(latin1).toEqual({ body: 'café' });
    expect(utf8).toEqual({ body: 'café' });
  });

  it('closes a request whose body trickles in past requestTimeoutMs with a 408, without running the function', async () => {
    // Prepare
    let ran = false;
    const sink = http({ method: 'POST', path: '/sink' }).handle(() => {
      ran = true;
    });
    const server = await start({ sink }, { requestTimeoutMs: 300 });
    const head = 'POST /sink HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n';

    // Act: one byte every 50 ms, so the 1000-byte body would take 50 s
    const trickled = await exchange(server.port, head, 'a');
    for (let i = 0; i < 50 && server.inflight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));

    // Assert
    expect(trickled).toEqual({ text: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', closed: true });
    expect(ran).toBe(false);
    expect(server.inflight).toBe(0);
  });

  it('closes a connection whose headers trickle in past headersTimeoutMs with a 408', async () => {
    // Prepare
    const probe = http({ path: '/' }).handle(() => 'ok');
    const server = await start({ probe }, { headersTimeoutMs: 300 });

    // Act: a header line every 50 ms, never the blank line that ends them
    const trickled = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 'X-Pad: a\r\n');
    const next = await fetch(server.url);

    // Assert
    expect(trickled).toEqual({ text: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', closed: true });
    expect(await next.text()).toBe('ok');
  });

  it('rejects a body limit that is not a whole number of bytes, and takes 0 and Infinity', async () => {
    // Prepare: values a typo or an unset environment variable give
    const probe = http({ method: 'POST', path: '/' }).handle(() => 'ok');
    const bad: unknown[] = [Number.NaN, -1, 1.5, '1000', Number.NEGATIVE_INFINITY];

    // Act
    const refusals = await Promise.all(
      bad.map((bodyLimit) =>
        serve({ probe }, { port: 0, announce: false, bodyLimit: bodyLimit as number }).then(
          async (server) => {
            await server.close();
            return 'served';
          },
          (error: unknown) => error,
        ),
      ),
    );
    const none = await start({ probe }, { bodyLimit: 0 });
    const refused = await fetch(none.url, { method: 'POST', body: 'x' });
    const unlimited = await start({ probe }, { bodyLimit: Number.POSITIVE_INFINITY });
    const taken = await fetch(unlimited.url, { method: 'POST', body: 'x'.repeat(1024) });

    // Assert
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(SkyportError);
      expect(refusal).toMatchObject({ code: 'INVALID_DEFINITION' });
    }
    expect(refusals[0]).toMatchObject({
      message: 'serve(): bodyLimit must be a whole number of bytes (0 or more) or Infinity, got NaN',
    });
    expect(refusals[3]).toMatchObject({ message: expect.stringMatching(/got "1000"$/) });
    expect(refused.status).toBe(413);
    expect(taken.status).toBe(200);
  });

  it('rejects timeouts that are not whole milliseconds, or a headers timeout above the request timeout', async () => {
    // Prepare
    const probe = http({ path: '/' }).handle(() => 'ok');

    // Act / Assert
    await expect(serve({ probe }, { port: 0, announce: false, requestTimeoutMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'serve(): requestTimeoutMs must be an integer of at least 0, got -1',
    });
    await expect(serve({ probe }, { port: 0, announce: false, headersTimeoutMs: 1.5 })).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
    });
    await expect(
      serve({ probe }, { port: 0, announce: false, requestTimeoutMs: 1000, headersTimeoutMs: 2000 }),
    ).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'serve(): headersTimeoutMs (2000) must not be above requestTimeoutMs (1000)',
    });
  });
});

describe('serve() proxying a fetch() response', () => {
  it('sends a gzipped upstream answer on so that clients can read it', async () => {
    // Prepare: an upstream that gzips, and a handler that returns its fetch() response as is
    const { createServer } = await import('node:http');
    const { gzipSync } = await import('node:zlib');
    const upstream = createServer((_req, res) => {
      const body = gzipSync('{"hello":"world"}');
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': body.length,
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address() as { port: number };
    const server = await start({
      proxy: http({ method: 'GET', path: '/proxy' }).handle(() => fetch(`http://127.0.0.1:${address.port}/`)),
    });

    try {
      // Act
      const res = await fetch(`${server.url}/proxy`);

      // Assert
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(await res.json()).toEqual({ hello: 'world' });
    } finally {
      upstream.close();
    }
  });
});

describe('serve() answers without content', () => {
  /** The status line and headers of the answer to `GET|HEAD path` on a raw connection, names lower case. */
  async function head(
    port: number,
    method: string,
    path: string,
  ): Promise<{ status: string; headers: Record<string, string> }> {
    const { text } = await exchange(port, `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    const [statusLine = '', ...lines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: statusLine.split(' ')[1] ?? '', headers };
  }

  const answers = router(
    http({ method: 'GET', path: '/created' }).handle(() => ({ status: 201 })),
    http({ method: 'GET', path: '/moved' }).handle(() => ({ status: 302, headers: { location: '/created' } })),
    http({ method: 'GET', path: '/web' }).handle(() => Response.redirect('https://example.com/', 301)),
    http({ method: 'GET', path: '/none' }).handle(() => undefined),
    http({ method: 'GET', path: '/same' }).handle(() => ({ status: 304, headers: { etag: '"a"' } })),
    http({ method: 'GET', path: '/text' }).handle(() => 'hello'),
  );

  it.each([
    ['a bare status', '/created', '201'],
    ['a redirect', '/moved', '302'],
    ['a web Response.redirect', '/web', '301'],
  ])('sends content-length: 0 for %s, not a chunked nothing', async (_case, path, status) => {
    // Prepare
    const server = await start(answers);

    // Act
    const answer = await head(server.port, 'GET', path);

    // Assert
    expect(answer.status).toBe(status);
    expect(answer.headers['content-length']).toBe('0');
    expect(answer.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends no length where no content may follow, and the GET length for HEAD', async () => {
    const server = await start(answers);

    const none = await head(server.port, 'GET', '/none');
    const same = await head(server.port, 'GET', '/same');
    const text = await head(server.port, 'HEAD', '/text');
    const created = await head(server.port, 'HEAD', '/created');

    expect([none.status, none.headers['content-length'], none.headers['transfer-encoding']]).toEqual([
      '204',
      undefined,
      undefined,
    ]);
    expect([same.status, same.headers['content-length'], same.headers['transfer-encoding']]).toEqual([
      '304',
      undefined,
      undefined,
    ]);
    expect([text.status, text.headers['content-length']]).toEqual(['200', '5']);
    expect([created.status, created.headers['transfer-encoding']]).toEqual(['201', undefined]);
  });
});

describe('serve() and an answer a middleware keeps', () => {
  it("never writes into the answer's headers: a cached answer does not carry the first caller's cookie to others", async () => {
    // Prepare: a cache that serves hits without cookies, and a page setting a cookie per user
    const cache = new Map<string, HttpResponse>();
    const cached = createMiddleware({
      name: 'cache',
      kinds: ['http'],
      async handle(req, _ctx, next) {
        const hit = cache.get(req.path);
        if (hit !== undefined) return { ...hit, cookies: [] };
        const res = await next();
        cache.set(req.path, res);
        return res;
      },
    });
    const page = http({ method: 'GET', path: '/home' })
      .use(cached)
      .handle((req) => ({
        status: 200,
        headers: { 'content-type': 'text/html' },
        cookies: [`sid=${req.query.user}; HttpOnly`],
        body: '<h1>home</h1>',
      }));
    const server = await start({ page });

    // Act
    const cookies: string[][] = [];
    for (const user of ['alice', 'bob', 'carol']) {
      const res = await fetch(`${server.url}/home?user=${user}`);
      await res.text();
      cookies.push(res.headers.getSetCookie());
    }

    // Assert
    expect(cookies).toEqual([['sid=alice; HttpOnly'], [], []]);
    expect(cache.get('/home')?.headers).toEqual({ 'content-type': 'text/html; charset=utf-8' });
  });
});
