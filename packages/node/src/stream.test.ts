import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { http, setLogDestination } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { gate, start } from './__fixtures__/servers.js';
import { serve } from './serve.js';

/** A GET whose response arrives as soon as its head does (the body is read by the caller). */
function open(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, resolve).on('error', reject);
  });
}

/** How a response's body ended: cleanly, or cut off (`aborted` / `error`), with what arrived. */
function ending(res: IncomingMessage): Promise<{ how: 'end' | 'aborted' | 'error'; text: string }> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('aborted', () => resolve({ how: 'aborted', text }));
    res.on('error', () => resolve({ how: 'error', text }));
    res.on('end', () => resolve({ how: 'end', text }));
  });
}

/** Polls `check` until it holds or `ms` pass. */
async function until(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
}

describe('serve() with http({ stream: true })', () => {
  it('sends each chunk as it is produced, with the event-stream head, chunked and without a length', async () => {
    // Prepare
    const second = gate();
    const events = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      cookies: [{ name: 'seen', value: '1' }],
      body: (async function* () {
        yield 'data: 1\n\n';
        await second.wait;
        yield 'data: 2\n\n';
      })(),
    }));
    const server = await start({ events });

    // Act
    const res = await open(`${server.url}/events`);
    res.setEncoding('utf8');
    const [first] = (await once(res, 'data')) as [string];
    second.open();
    const rest = await ending(res);

    // Assert: the first event arrived while the producer still waited for the gate
    expect(first).toBe('data: 1\n\n');
    expect(rest).toEqual({ how: 'end', text: 'data: 2\n\n' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['set-cookie']).toEqual(['seen=1']);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(await until(() => server.inflight === 0)).toBe(true);
  });

  it('sends the head before the first chunk exists, so an event-stream client sees it open', async () => {
    // Prepare
    const first = gate();
    const events = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        await first.wait;
        yield 'data: 1\n\n';
      })(),
    }));
    const server = await start({ events });

    // Act
    const res = await open(`${server.url}/events`);
    first.open();

    // Assert
    expect(res.statusCode).toBe(200);
    expect(await ending(res)).toEqual({ how: 'end', text: 'data: 1\n\n' });
  });

  it('cancels the producer when the client leaves, and keeps serving', async () => {
    // Prepare
    let stopped = false;
    let yielded = 0;
    const ticks = http({ method: 'GET', path: '/ticks', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        try {
          for (;;) {
            yielded++;
            yield `data: ${yielded}\n\n`;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } finally {
          stopped = true;
        }
      })(),
    }));
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hello');
    const server = await start({ ticks, hello });

    // Act
    const res = await open(`${server.url}/ticks`);
    await once(res, 'data');
    res.destroy();

    // Assert: the generator's `finally` ran, it stopped producing, and the request is over
    expect(await until(() => stopped)).toBe(true);
    const after = yielded;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(yielded).toBe(after);
    expect(await until(() => server.inflight === 0)).toBe(true);
    const next = await fetch(`${server.url}/hello`);
    expect(await next.text()).toBe('hello');
  });

  it('ends the request when the client leaves while the producer waits, and aborts ctx.signal', async () => {
    // Prepare: a producer that waits for its next event elsewhere than at a `yield`
    const news = gate();
    let stopped = false;
    let signal: AbortSignal | undefined;
    const quiet = http({ method: 'GET', path: '/quiet', stream: true }).handle((_req, ctx) => {
      signal = ctx.signal;
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: (async function* () {
          try {
            yield 'data: hello\n\n';
            await news.wait;
            yield 'data: never sent\n\n';
          } finally {
            stopped = true;
          }
        })(),
      };
    });
    const server = await start({ quiet });

    // Act
    const res = await open(`${server.url}/quiet`);
    await once(res, 'data');
    res.destroy();

    // Assert: the request is over at once; the producer stops when it next yields
    expect(await until(() => server.inflight === 0)).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(stopped).toBe(false);
    news.open();
    expect(await until(() => stopped)).toBe(true);
  });

  it('cuts the connection when the producer fails mid-way, and logs the failure with the request id', async () => {
    // Prepare
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    const failing = http({ method: 'GET', path: '/failing', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        yield 'half';
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('the upstream went away');
      })(),
    }));
    try {
      const server = await start({ failing });

      // Act
      const res = await open(`${server.url}/failing`, { 'x-request-id': 'req-stream-1' });
      const ended = await ending(res);

      // Assert: the client sees the answer cut off, never a complete one
      expect(res.statusCode).toBe(200);
      expect(ended.how).not.toBe('end');
      expect(ended.text).toBe('half');
      expect(await until(() => lines.some((line) => line.includes('the upstream went away')))).toBe(true);
      const logged = lines.find((line) => line.includes('the upstream went away')) as string;
      expect(JSON.parse(logged)).toMatchObject({ level: 'error', requestId: 'req-stream-1' });
      expect(await until(() => server.inflight === 0)).toBe(true);
    } finally {
      restore();
    }
  });

  it('logs nothing when the client leaves: that is no failure', async () => {
    // Prepare
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    let stopped = false;
    const ticks = http({ method: 'GET', path: '/ticks', stream: true }).handle(() =>
      (async function* () {
        try {
          for (;;) {
            yield 'tick\n';
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        } finally {
          stopped = true;
        }
      })(),
    );
    try {
      const server = await start({ ticks });

      // Act
      const res = await open(`${server.url}/ticks`);
      await once(res, 'data');
      res.destroy();

      // Assert
      expect(await until(() => stopped && server.inflight === 0)).toBe(true);
      expect(lines.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
    } finally {
      restore();
    }
  });

  it('sends an async generator whole, with a length, from a function without stream: true', async () => {
    // Prepare
    const lines = http({ method: 'GET', path: '/lines' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        yield 'one\n';
        yield 'two\n';
      })(),
    }));
    const server = await start({ lines });

    // Act
    const res = await open(`${server.url}/lines`);
    const ended = await ending(res);

    // Assert
    expect(ended).toEqual({ how: 'end', text: 'one\ntwo\n' });
    expect(res.headers['content-length']).toBe('8');
    expect(res.headers['transfer-encoding']).toBeUndefined();
  });

  it('answers HEAD with the head alone and never starts the producer; the connection stays usable', async () => {
    // Prepare
    let started = false;
    const events = http({ method: ['GET', 'HEAD'], path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        started = true;
        yield 'data: 1\n\n';
      })(),
    }));
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hello');
    const server = await start({ events, hello });

    // Act: a HEAD, then a GET on the same connection
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(
        'HEAD /events HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
    });

    // Assert: the head alone (no length, no chunked body), then the next answer on the connection
    const [head, next] = text.split(/(?=HTTP\/1\.1 )/);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head?.toLowerCase()).toContain('content-type: text/event-stream\r\n');
    expect(head?.toLowerCase()).not.toContain('content-length');
    expect(head?.endsWith('\r\n\r\n')).toBe(true);
    expect(next).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(next?.endsWith('\r\n\r\nhello')).toBe(true);
    expect(started).toBe(false);
    expect(await until(() => server.inflight === 0)).toBe(true);
  });

  it('aborts ctx.signal near the timeoutMs deadline while the answer streams, so a producer can end in time', async () => {
    const ticking = http({ method: 'GET', path: '/ticks', stream: true }).handle((_req, ctx) => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield 'data: open\n\n';
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        yield `data: ${(ctx.signal.reason as DOMException).name}\n\n`;
      })(),
    }));
    const server = await start({ ticking }, { timeoutMs: 600 });

    const res = await open(`${server.url}/ticks`);
    const ended = await ending(res);

    expect(ended.how).toBe('end');
    expect(ended.text).toBe('data: open\n\ndata: TimeoutError\n\n');
  });

  it('lets a producer that ignores ctx.signal outlive timeoutMs and the request timeout', async () => {
    // Prepare
    const slow = http({ method: 'GET', path: '/slow', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        for (let i = 1; i <= 6; i++) {
          yield `data: ${i}\n\n`;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })(),
    }));
    const server = await start({ slow }, { timeoutMs: 200, requestTimeoutMs: 200, headersTimeoutMs: 200 });

    // Act
    const res = await open(`${server.url}/slow`);
    let chunks = 0;
    res.on('data', () => chunks++);
    const ended = await ending(res);

    // Assert: every event came, each as it was produced, and the answer ended cleanly
    expect(ended.how).toBe('end');
    expect(ended.text).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\ndata: 6\n\n');
    expect(chunks).toBeGreaterThan(1);
  });

  it('close() gives an endless event stream the shutdown grace, then cuts it and stops its producer', async () => {
    // Prepare
    let stopped = false;
    const events = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        try {
          for (;;) {
            yield ': keep-alive\n\n';
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } finally {
          stopped = true;
        }
      })(),
    }));
    const server = await serve({ events }, { port: 0, host: '127.0.0.1', announce: false, shutdownTimeoutMs: 300 });
    const res = await open(`${server.url}/events`);
    await once(res, 'data');
    const ended = ending(res);

    // Act
    const started = Date.now();
    expect(server.inflight).toBe(1);
    await server.close();
    const took = Date.now() - started;

    // Assert: streamed through the grace, then cut (not a clean end), the producer stopped
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect((await ended).how).not.toBe('end');
    expect(await until(() => stopped)).toBe(true);
    expect(server.inflight).toBe(0);
  });

  it('close() resolves once a stream it cut has wound up: its producer has stopped', async () => {
    // Prepare: a producer parked at its yield, behind a client that stopped reading
    let stopped = false;
    const chunk = 'x'.repeat(64 * 1024);
    const download = http({ method: 'GET', path: '/download', stream: true }).handle(() =>
      (async function* () {
        try {
          for (;;) yield chunk;
        } finally {
          stopped = true;
        }
      })(),
    );
    const server = await serve({ download }, { port: 0, host: '127.0.0.1', announce: false, shutdownTimeoutMs: 200 });
    const res = await open(`${server.url}/download`);
    await once(res, 'data');
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    await server.close();

    // Assert: nothing left running when close() resolves (gracefulShutdown() exits right after)
    expect(stopped).toBe(true);
    expect(server.inflight).toBe(0);
    res.destroy();
  });

  it('close() waits for a cut producer between chunks to finish its own cleanup', async () => {
    // Prepare: a producer waiting on a timer when it is cut, releasing a lease as it stops
    const steps: string[] = [];
    const ticker = http({ method: 'GET', path: '/ticker', stream: true }).handle(() =>
      (async function* () {
        try {
          for (;;) {
            yield 'tick;';
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        } finally {
          steps.push('stopping');
          await new Promise((resolve) => setTimeout(resolve, 20));
          steps.push('lease released');
        }
      })(),
    );
    const server = await serve({ ticker }, { port: 0, host: '127.0.0.1', announce: false, shutdownTimeoutMs: 120 });
    const res = await open(`${server.url}/ticker`);
    await once(res, 'data');
    res.resume();

    // Act
    await server.close();

    // Assert
    expect(steps).toEqual(['stopping', 'lease released']);
  });

  it('close() waits for a stream that ends within the grace, and lets it end cleanly', async () => {
    // Prepare
    const last = gate();
    const download = http({ method: 'GET', path: '/download', stream: true }).handle(() =>
      (async function* () {
        yield 'part 1;';
        await last.wait;
        yield 'part 2';
      })(),
    );
    const server = await serve({ download }, { port: 0, host: '127.0.0.1', announce: false, shutdownTimeoutMs: 5000 });
    const res = await open(`${server.url}/download`);
    res.setEncoding('utf8');
    const [first] = (await once(res, 'data')) as [string];
    const ended = ending(res);

    // Act
    const closed = server.close();
    setTimeout(last.open, 100);
    await closed;

    // Assert
    expect(first).toBe('part 1;');
    expect(await ended).toEqual({ how: 'end', text: 'part 2' });
  });
});
