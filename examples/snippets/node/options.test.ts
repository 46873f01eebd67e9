/**
 * docs/node.md, "Serving functions": the handle's `url`, and the options table of `serve()`
 * (port and host defaults, body limit, deadline, shutdown, keep-alive and slow-client timeouts,
 * event routes, announcement), checked on loopback servers.
 */
import { connect } from 'node:net';
import { type Context, http, queue, timeout } from '@skyport/core';
import { gracefulShutdown, type ServeHandle, type ServeOptions, serve } from '@skyport/node';
import { afterEach, describe, expect, it } from 'vitest';

const open: ServeHandle[] = [];
async function start(functions: Parameters<typeof serve>[0], options: ServeOptions = {}): Promise<ServeHandle> {
  const server = await serve(functions, { port: 0, host: '127.0.0.1', announce: false, ...options });
  open.push(server);
  return server;
}
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});

const hello = http({ method: ['GET', 'POST'], path: '/' }).handle(() => 'hello');

/** Sends raw bytes on a new connection and resolves with everything the server wrote before closing. */
function raw(port: number, chunks: readonly string[], gapMs = 0): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
    // A write that crossed the server's answer and close is reset: the answer came all the same.
    socket.on('error', (error) => (text === '' ? reject(error) : resolve({ text, ms: Date.now() - started })));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        // Nothing more once the server answered (it closes the connection after a 408).
        if (socket.destroyed || text !== '') return;
        socket.write(chunk);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

describe('the handle', () => {
  it('url names the host listened on and the bound port', async () => {
    const server = await start({ hello });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const v6 = await start({ hello }, { host: '::1' });
    expect(v6.url).toBe(`http://[::1]:${v6.port}`);
  });
});

describe('options', () => {
  it('port: $PORT when not given, 0 picking a free port', async () => {
    const previous = process.env.PORT;
    process.env.PORT = '0';
    try {
      const server = await serve({ hello }, { host: '127.0.0.1', announce: false });
      open.push(server);
      expect(server.port).toBeGreaterThan(0);
    } finally {
      if (previous === undefined) delete process.env.PORT;
      else process.env.PORT = previous;
    }
  });

  it('host: $HOST when not given', async () => {
    const previous = process.env.HOST;
    process.env.HOST = '127.0.0.1';
    try {
      const server = await serve({ hello }, { port: 0, announce: false });
      open.push(server);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    } finally {
      if (previous === undefined) delete process.env.HOST;
      else process.env.HOST = previous;
    }
  });

  it('bodyLimit: 413 from content-length, and the connection closed after the answer', async () => {
    const server = await start({ hello }, { bodyLimit: 10 });
    const res = await fetch(server.url, { method: 'POST', body: 'x'.repeat(11) });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(server.url, { method: 'POST', body: 'x'.repeat(10) })).status).toBe(200);
  });

  it('bodyLimit: 413 as soon as a streamed body passes it, without reading the rest', async () => {
    const server = await start({ hello }, { bodyLimit: 10 });
    const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { text } = await raw(
      server.port,
      [head, '8\r\n12345678\r\n', '8\r\n12345678\r\n', `${'ff\r\n'}${'y'.repeat(255)}\r\n`],
      50,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
  });

  it("bodyLimit: a function's own bodyLimit still applies below it", async () => {
    const small = http({ method: 'POST', path: '/', bodyLimit: 5 }).handle(() => 'ok');
    const server = await start({ small }, { bodyLimit: 100 });
    expect((await fetch(server.url, { method: 'POST', body: 'x'.repeat(6) })).status).toBe(413);
    expect((await fetch(server.url, { method: 'POST', body: 'x'.repeat(5) })).status).toBe(200);
  });

  it('timeoutMs: sets ctx.deadline, so timeout() answers 504 before it', async () => {
    const seen: Context[] = [];
    const slow = http({ method: 'GET', path: '/' })
      .use(timeout({ marginMs: 100 }))
      .handle(async (_req, ctx) => {
        seen.push(ctx);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        return 'late';
      });
    const started = Date.now();
    const server = await start({ slow }, { timeoutMs: 500 });
    const res = await fetch(server.url);
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(seen[0]?.deadline).toBeGreaterThan(started);

    const plain = await start({
      plain: http({ path: '/' }).handle((_req, ctx) => ({ deadline: ctx.deadline ?? null })),
    });
    expect(await (await fetch(plain.url)).json()).toEqual({ deadline: null });
  });

  it('shutdownTimeoutMs: how long close() waits for in-flight requests before cutting them', async () => {
    const hang = http({ path: '/' }).handle(() => new Promise<string>(() => undefined));
    const server = await serve({ hang }, { port: 0, host: '127.0.0.1', announce: false, shutdownTimeoutMs: 300 });
    const pending = fetch(server.url).catch((error: unknown) => error);
    // close() is timed once the request is in flight.
    while (server.inflight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it.each([
    ['65 s by default, above a load balancer idle timeout', {}, 'timeout=65'],
    ['the keepAliveTimeoutMs option', { keepAliveTimeoutMs: 620_000 }, 'timeout=620'],
  ] as const)('keep-alive: %s', async (_name, options, header) => {
    const server = await start({ hello }, options);
    const res = await fetch(server.url);
    expect(res.headers.get('keep-alive')).toBe(header);
  });

  it('requestTimeoutMs: 408 and the connection closed when a body trickles in', async () => {
    const server = await start({ hello }, { requestTimeoutMs: 400 });
    const head = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n';
    const { text, ms } = await raw(server.port, [head, ...Array.from({ length: 30 }, () => 'x')], 100);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(2000);
  });

  it('headersTimeoutMs: 408 when the headers do not arrive in time, also with requestTimeoutMs off', async () => {
    const server = await start({ hello }, { requestTimeoutMs: 0, headersTimeoutMs: 300 });
    const { text, ms } = await raw(
      server.port,
      ['GET / HTTP/1.1\r\n', ...Array.from({ length: 30 }, () => 'X-A: b\r\n')],
      100,
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(2000);
  });

  it('headersTimeoutMs: at most requestTimeoutMs', async () => {
    await expect(
      serve({ hello }, { port: 0, host: '127.0.0.1', announce: false, requestTimeoutMs: 1000, headersTimeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'INVALID_DEFINITION' });
  });

  it('eventRoutes: false turns off /_skyport/<name>', async () => {
    const orders = queue({ name: 'orders' }).handle(() => undefined);
    const on = await start({ hello, orders });
    const off = await start({ hello, orders }, { eventRoutes: false });
    const post = (url: string) => fetch(`${url}/_skyport/orders`, { method: 'POST', body: '{}' });
    expect((await post(on.url)).status).toBe(200);
    expect((await post(off.url)).status).toBe(404);
    expect(off.routes.map((route) => route.path)).toEqual(['/']);
  });

  it('announce / print: the startup line and the routes', async () => {
    const lines: string[] = [];
    const orders = queue({ name: 'orders' }).handle(() => undefined);
    const server = await start({ hello, orders }, { announce: true, print: (line) => lines.push(line) });
    expect(lines).toEqual([
      `skyport: serving 2 functions at ${server.url}`,
      '  GET,POST /                 hello',
      '  POST    /_skyport/orders  orders (queue event as JSON)',
    ]);
    const quiet: string[] = [];
    await start({ hello }, { announce: false, print: (line) => quiet.push(line) });
    expect(quiet).toEqual([]);
  });
});

describe('more of the handle and gracefulShutdown()', () => {
  it('serve() also takes a single function', async () => {
    const server = await start(hello);
    expect(server.routes).toEqual([{ methods: ['GET', 'POST'], path: '/', function: 'default', kind: 'http' }]);
    expect(await (await fetch(server.url)).text()).toBe('hello');
  });

  it('gracefulShutdown({ signals, exit, print }) closes the server on the given signals', async () => {
    const server = await serve({ hello }, { port: 0, host: '127.0.0.1', announce: false });
    const lines: string[] = [];
    let stopped = () => {};
    const done = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const remove = gracefulShutdown(server, {
      signals: ['SIGUSR2'],
      exit: false,
      print: (line) => {
        lines.push(line);
        if (line === 'skyport: stopped') stopped();
      },
    });
    try {
      process.kill(process.pid, 'SIGUSR2');
      await done;
      expect(lines).toEqual(['skyport: SIGUSR2 received, finishing 0 in-flight requests', 'skyport: stopped']);
      await expect(fetch(server.url)).rejects.toThrow();
    } finally {
      remove();
    }
  });
});
