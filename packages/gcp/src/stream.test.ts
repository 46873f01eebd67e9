import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { http as httpFunction, setLogDestination } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';
import { invokeGcp } from './invoke.js';
import type { GcpHttpHandler } from './types.js';

// The framework's own server (its body parsers, its response tracking and its request timeout),
// and a plain HTTP client reading the answer as it comes.
afterEach(closeAll);

/** A promise and the function that settles it: a gate the producer waits at. */
function gate() {
  let release = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a GET and resolves with the response once its status and headers arrived. */
function get(port: number, headers: Record<string, string> = {}, method = 'GET') {
  const req = http.request({ host: '127.0.0.1', port, path: '/events', method, agent: false, headers });
  req.on('error', () => undefined);
  req.end();
  return { req, response: once(req, 'response').then(([res]) => res as IncomingMessage) };
}

/** The next chunk of a response body as text, or `undefined` at its end. */
async function nextChunk(res: IncomingMessage): Promise<string | undefined> {
  const chunk: Buffer | null = res.read();
  if (chunk !== null) return chunk.toString('utf8');
  if (res.readableEnded) return undefined;
  await Promise.race([once(res, 'readable'), once(res, 'end')]);
  const more: Buffer | null = res.read();
  return more === null ? undefined : more.toString('utf8');
}

async function rest(res: IncomingMessage): Promise<string> {
  let text = '';
  for (let chunk = await nextChunk(res); chunk !== undefined; chunk = await nextChunk(res)) text += chunk;
  return text;
}

/** How a response body ended: read to its end, or cut off with the connection. */
function ending(res: IncomingMessage): Promise<'complete' | 'cut'> {
  return new Promise((resolve) => {
    res.on('error', () => undefined);
    res.on('close', () => resolve(res.complete ? 'complete' : 'cut'));
    res.resume();
  });
}

/** Serves `handler` and records when its promise settled. */
async function serve(handler: GcpHttpHandler) {
  const state = { settled: false, rejected: false };
  const port = await listen((req, res) => {
    const out = handler(req, res);
    out.then(
      () => {
        state.settled = true;
      },
      () => {
        state.settled = true;
        state.rejected = true;
      },
    );
    return out;
  }, 300_000);
  return { port, state };
}

describe('streamed answers on the real Functions Framework', () => {
  it('sends each chunk as it is produced, uncompressed and chunked, and keeps the response open until the end', async () => {
    // Prepare: the producer waits at a gate between its two chunks.
    const between = gate();
    const fn = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      cookies: [{ name: 'seen', value: '1', path: '/' }],
      body: streamOf(between),
    }));
    const { port, state } = await serve(toGcp(fn));

    // Act
    const { response } = get(port, { 'accept-encoding': 'gzip, deflate, br' });
    const res = await response;
    const first = await nextChunk(res);

    // Assert: the first chunk is here while the producer still waits, and the function is not done.
    expect(first).toBe('data: first\n\n');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['set-cookie']).toEqual(['seen=1; Path=/']);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['content-encoding']).toBeUndefined();
    await sleep(20);
    expect(state.settled).toBe(false);

    between.release();
    expect(await rest(res)).toBe('data: second\n\n');
    await sleep(5);
    expect(state).toEqual({ settled: true, rejected: false });
  });

  it('sends the status and headers before the first chunk exists', async () => {
    // Prepare
    const first = gate();
    const fn = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 201,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        await first.opened;
        yield 'data: late\n\n';
      })(),
    }));
    const { port } = await serve(toGcp(fn));

    // Act
    const res = await get(port).response;

    // Assert
    expect(res.statusCode).toBe(201);
    first.release();
    expect(await rest(res)).toBe('data: late\n\n');
  });

  it('sends a web Response and a Node.js Readable body as they are produced', async () => {
    // Prepare
    const between = gate();
    const fromFetch = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(
      () => new Response(webStreamOf(between), { status: 202, headers: { 'content-type': 'text/plain' } }),
    );
    const readable = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(() =>
      Readable.from(['one,', 'two']),
    );
    const web = await serve(toGcp(fromFetch));
    const node = await serve(toGcp(readable));

    // Act
    const res = await get(web.port).response;
    const first = await nextChunk(res);
    between.release();

    // Assert
    expect(res.statusCode).toBe(202);
    expect(first).toBe('data: first\n\n');
    expect(await rest(res)).toBe('data: second\n\n');
    expect(await rest(await get(node.port).response)).toBe('one,two');
  });

  it('cancels the producer when the client leaves: its finally runs and it yields no more', async () => {
    // Prepare: an endless producer.
    const producer = { yielded: 0, closed: false, aborted: false };
    const fn = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(async function* (_req, ctx) {
      try {
        for (;;) {
          producer.yielded++;
          yield `data: ${producer.yielded}\n\n`;
          await sleep(5);
        }
      } finally {
        producer.closed = true;
        producer.aborted = ctx.signal.aborted;
      }
    });
    const { port, state } = await serve(toGcp(fn));

    // Act
    const { req, response } = get(port);
    const res = await response;
    expect(await nextChunk(res)).toMatch(/^data: 1\n\n/);
    req.destroy();
    for (let i = 0; i < 100 && !producer.closed; i++) await sleep(10);
    const stoppedAt = producer.yielded;
    await sleep(50);

    // Assert
    expect(producer.closed).toBe(true);
    expect(producer.aborted).toBe(true);
    expect(producer.yielded).toBe(stoppedAt);
    expect(state).toEqual({ settled: true, rejected: false });
  });

  it('cuts the connection when the producer fails mid-way and logs it at error level with the request id', async () => {
    // Prepare
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    const crashes = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const fn = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(async function* () {
      yield 'data: partial\n\n';
      await sleep(10);
      throw new Error('upstream went away');
    });
    const { port, state } = await serve(toGcp(fn));

    try {
      // Act
      const res = await get(port, { 'function-execution-id': 'exec-stream-1' }).response;
      const first = await nextChunk(res);
      const end = await ending(res);
      await sleep(10);

      // Assert: the client saw a 200 begin and never end cleanly.
      expect(res.statusCode).toBe(200);
      expect(first).toBe('data: partial\n\n');
      expect(end).toBe('cut');
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const failure = logged.find((entry) => JSON.stringify(entry).includes('upstream went away'));
      expect(failure).toMatchObject({ severity: 'ERROR', requestId: 'exec-stream-1' });
      // Logged once, by the function's logger: the framework saw no crash of its own.
      expect(crashes).not.toHaveBeenCalled();
      expect(state).toEqual({ settled: true, rejected: false });
    } finally {
      restore();
      crashes.mockRestore();
    }
  });

  it('answers a HEAD request with the headers alone and never starts the producer', async () => {
    // Prepare
    let started = false;
    const fn = httpFunction({ method: ['GET', 'HEAD'], path: '/events', stream: true }).handle(async function* () {
      started = true;
      yield 'data: 1\n\n';
    });
    const { port } = await serve(toGcp(fn));

    // Act
    const res = await get(port, {}, 'HEAD').response;

    // Assert
    expect(res.statusCode).toBe(200);
    expect(await rest(res)).toBe('');
    expect(started).toBe(false);
  });
});

describe('a body produced over time without stream: true', () => {
  it('is answered whole, with a Content-Length, once the producer is done', async () => {
    // Prepare
    const between = gate();
    const fn = httpFunction({ method: 'GET', path: '/events' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: streamOf(between),
    }));
    const { port } = await serve(toGcp(fn));

    // Act
    const { response } = get(port);
    const early = await Promise.race([response.then(() => 'answered'), sleep(50).then(() => 'waiting')]);
    between.release();
    const res = await response;

    // Assert
    expect(early).toBe('waiting');
    expect(res.headers['content-length']).toBe(String('data: first\n\ndata: second\n\n'.length));
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(await rest(res)).toBe('data: first\n\ndata: second\n\n');
  });

  it('reads an async generator whole through invokeGcp, with or without stream: true', async () => {
    // Prepare
    const produce = async function* () {
      yield 'a,';
      yield 'b';
    };
    const streamed = httpFunction({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: produce(),
    }));
    const plain = httpFunction({ method: 'GET', path: '/events' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: produce(),
    }));

    // Act
    const answers = [await invokeGcp(streamed, { path: '/events' }), await invokeGcp(plain, { path: '/events' })];

    // Assert
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('a,b');
    }
  });
});

/** An async generator of two SSE events with `between` to pass between them. */
function streamOf(between: { opened: Promise<void> }): AsyncIterable<string> {
  return (async function* () {
    yield 'data: first\n\n';
    await between.opened;
    yield 'data: second\n\n';
  })();
}

/** The same two events as a web `ReadableStream` of bytes, as `fetch()` gives a body. */
function webStreamOf(between: { opened: Promise<void> }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let step = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      step++;
      if (step === 1) controller.enqueue(encoder.encode('data: first\n\n'));
      else if (step === 2) {
        await between.opened;
        controller.enqueue(encoder.encode('data: second\n\n'));
      } else controller.close();
    },
  });
}
