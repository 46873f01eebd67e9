import { EventEmitter, once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { SkyportError } from '../errors.js';
import { setLogDestination } from '../log.js';
import { createMiddleware } from '../middleware/create.js';
import { timeout } from '../middleware/timeout.js';
import { router } from '../router.js';
import { respond, runHttp } from '../run.js';
import type { HttpResponse, SkyportFunction } from '../types.js';
import { iterableStream, pipeStream } from './stream.js';

const ctx = () => createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test' });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Runs `fn` as an adapter that sends streams as they come. */
async function streamed(fn: SkyportFunction<'http'>, method = 'GET'): Promise<HttpResponse> {
  return respond(fn, { method, path: '/events', headers: {} }, ctx(), true);
}

/** Runs `fn` as an adapter (or a test) that sends answers whole. */
async function whole(fn: SkyportFunction<'http'>, method = 'GET'): Promise<HttpResponse> {
  return runHttp(fn, { method, path: '/events', headers: {} }, ctx());
}

async function readAll(stream: ReadableStream<Uint8Array> | undefined): Promise<string> {
  expect(stream).toBeInstanceOf(ReadableStream);
  return text(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** An async generator of SSE events that records how far it got and whether it was closed. */
function events(count: number) {
  const state = { yielded: 0, closed: false };
  async function* produce() {
    try {
      for (let i = 1; i <= count; i++) {
        state.yielded = i;
        yield `data: ${i}\n\n`;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, produce };
}

describe('http({ stream: true })', () => {
  it('leaves an async generator body a stream for an adapter that streams, with no length', async () => {
    const { produce } = events(3);
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': '12' },
      body: produce(),
    }));
    const response = await streamed(fn);
    expect(response.status).toBe(200);
    expect(response.body).toBeUndefined();
    expect(response.headers).toEqual({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    expect(await readAll(response.stream)).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  });

  it('pulls the producer one chunk at a time: nothing is produced ahead of the reader', async () => {
    const { state, produce } = events(100);
    const fn = http({ path: '/events', stream: true }).handle(() => produce());
    const response = await streamed(fn);
    expect(state.yielded).toBe(0);
    const reader = (response.stream as ReadableStream<Uint8Array>).getReader();
    expect(text((await reader.read()).value as Uint8Array)).toBe('data: 1\n\n');
    expect(state.yielded).toBe(1);
    await reader.cancel();
    // Cancelling (a client that left) ends the generator: its `finally` ran.
    expect(state.closed).toBe(true);
    expect(state.yielded).toBe(1);
  });

  it('reads the same answer whole for an adapter that cannot stream, as text under a textual type', async () => {
    const { produce } = events(2);
    const fn = http({ path: '/events', stream: true }).handle(() => ({
      status: 201,
      headers: { 'content-type': 'text/event-stream' },
      body: produce(),
    }));
    const response = await whole(fn);
    expect(response).toEqual({
      status: 201,
      headers: { 'content-type': 'text/event-stream' },
      cookies: [],
      body: 'data: 1\n\ndata: 2\n\n',
    });
    expect(response.stream).toBeUndefined();
  });

  it('streams a ReadableStream of strings and bytes as bytes', async () => {
    const fn = http({ path: '/events', stream: true }).handle(
      () =>
        new ReadableStream<string | Uint8Array>({
          start(controller) {
            controller.enqueue('a');
            controller.enqueue(new TextEncoder().encode('b'));
            controller.enqueue('');
            controller.enqueue('c');
            controller.close();
          },
        }),
    );
    const response = await streamed(fn);
    expect(response.status).toBe(200);
    const reader = (response.stream as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    expect(chunks.every((chunk) => chunk instanceof Uint8Array)).toBe(true);
    expect(chunks.map(text)).toEqual(['a', 'b', 'c']);
  });

  it('streams a web Response body with its status, headers and cookies', async () => {
    const fn = http({ path: '/events', stream: true }).handle(() => {
      const headers = new Headers({ 'content-type': 'application/x-ndjson', 'content-length': '14' });
      headers.append('set-cookie', 'seen=1');
      return new Response(Readable.toWeb(Readable.from(['{"n":1}\n', '{"n":2}\n'])) as ReadableStream, {
        status: 202,
        headers,
      });
    });
    const response = await streamed(fn);
    expect(response.status).toBe(202);
    expect(response.headers).toEqual({ 'content-type': 'application/x-ndjson' });
    expect(response.cookies).toEqual(['seen=1']);
    expect(await readAll(response.stream)).toBe('{"n":1}\n{"n":2}\n');
  });

  it('lets the status and headers given beside a Response body win, as for a function without streams', async () => {
    const fn = http({ path: '/events', stream: true }).handle(() => ({
      status: 206,
      headers: { 'content-type': 'text/plain' },
      body: new Response('partial', { headers: { 'content-type': 'text/html', 'x-upstream': '1' } }),
    }));
    const response = await streamed(fn);
    expect(response.status).toBe(206);
    expect(response.headers).toEqual({ 'content-type': 'text/plain', 'x-upstream': '1' });
    expect(await readAll(response.stream)).toBe('partial');
  });

  it('sends strings, bytes, JSON and a Blob whole: they are not produced over time', async () => {
    const json = http({ path: '/events', stream: true }).handle(() => ({ ok: true }));
    expect(await streamed(json)).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: '{"ok":true}',
    });
    const blob = http({ path: '/events', stream: true }).handle(
      () => new Blob(['hello'], { type: 'text/plain;charset=utf-8' }),
    );
    const answered = await streamed(blob);
    expect(answered.stream).toBeUndefined();
    expect(answered.body).toBe('hello');
  });

  it('answers a HEAD request with the headers alone, and never starts the producer', async () => {
    const { state, produce } = events(3);
    const fn = http({ method: ['GET', 'HEAD'], path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: produce(),
    }));
    const response = await streamed(fn, 'HEAD');
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      cookies: [],
      body: undefined,
    });
    expect(state.yielded).toBe(0);
  });

  it('sends no content with a 204 or 304, and cancels the stream', async () => {
    let cancelled = false;
    const fn = http({ path: '/events', stream: true }).handle(() => ({
      status: 304,
      headers: { etag: '"v1"' },
      body: new ReadableStream({
        cancel() {
          cancelled = true;
        },
      }),
    }));
    const response = await streamed(fn);
    expect(response).toEqual({ status: 304, headers: { etag: '"v1"' }, cookies: [], body: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
  });

  it('shows middleware the answer with its content in `stream`, and keeps it through their changes', async () => {
    const seen: { body: unknown; stream: boolean }[] = [];
    const stamp = createMiddleware({
      name: 'stamp',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        const response = await next();
        seen.push({ body: response.body, stream: response.stream instanceof ReadableStream });
        return { ...response, headers: { ...response.headers, 'x-stamp': '1' } };
      },
    });
    const { produce } = events(2);
    const fn = http({ path: '/events', stream: true })
      .use(stamp)
      .handle(() => produce());
    const response = await streamed(fn);
    expect(seen).toEqual([{ body: undefined, stream: true }]);
    expect(response.headers['x-stamp']).toBe('1');
    expect(await readAll(response.stream)).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('passes the stream of a streaming route on through a router and its middleware', async () => {
    const { produce } = events(1);
    const tag = createMiddleware({
      name: 'tag',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        const response = await next();
        return { ...response, headers: { ...response.headers, 'x-router': '1' } };
      },
    });
    const streaming = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: produce(),
    }));
    const other = http({ method: 'GET', path: '/other' }).handle(() => 'other');
    const fn = router(streaming, other).use(tag);
    const response = await streamed(fn);
    expect(response.body).toBeUndefined();
    expect(response.headers).toEqual({ 'content-type': 'text/event-stream', 'x-router': '1' });
    expect(await readAll(response.stream)).toBe('data: 1\n\n');
  });

  it('sends the transform a middleware makes of the stream of the handler, which reads it as it is sent', async () => {
    const upper = createMiddleware({
      name: 'upper',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        const response = await next();
        const source = response.stream;
        if (source === undefined) return response;
        const shouted = async function* () {
          for await (const chunk of source) yield new TextDecoder().decode(chunk).toUpperCase();
        };
        return { ...response, stream: iterableStream(shouted()) };
      },
    });
    const fn = http({ path: '/events', stream: true })
      .use(upper)
      .handle(async function* () {
        yield 'a';
        yield 'b';
      });
    expect(await readAll((await streamed(fn)).stream)).toBe('AB');
    expect((await whole(fn)).body).toEqual(new TextEncoder().encode('AB'));
  });

  it('sends on a stream a middleware answers with', async () => {
    const cached = createMiddleware({
      name: 'cached',
      kinds: ['http'],
      handle: async () => ({
        status: 200,
        headers: { 'content-type': 'text/plain' },
        cookies: [],
        body: undefined,
        stream: new Blob(['from the cache']).stream(),
      }),
    });
    const fn = http({ path: '/events', stream: true })
      .use(cached)
      .handle(() => 'never');
    const response = await streamed(fn);
    expect(await readAll(response.stream)).toBe('from the cache');
    expect(await whole(fn)).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      cookies: [],
      body: 'from the cache',
    });
  });

  it('answers a failure raised while the answer is read whole as a logged 500', async () => {
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    try {
      const fn = http({ path: '/events', stream: true }).handle(async function* () {
        yield 'partial';
        throw new Error('upstream went away');
      });
      const response = await whole(fn);
      expect(response.status).toBe(500);
      expect(response.body).not.toContain('upstream went away');
      expect(lines.some((line) => line.includes('upstream went away'))).toBe(true);
    } finally {
      restore();
    }
  });

  it('fails the stream itself when a chunk is neither a string nor bytes', async () => {
    const fn = http({ path: '/events', stream: true }).handle(async function* () {
      yield 42 as unknown as string;
    });
    const response = await streamed(fn);
    await expect(readAll(response.stream)).rejects.toThrow(/strings or bytes, not a number/);
  });

  it('keeps the invocation open while the answer streams: ctx.signal still aborts at the deadline', async () => {
    const fn = http({ path: '/events', stream: true }).handle(async function* (_req, ctx) {
      yield 'started;';
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      yield `stopped: ${(ctx.signal.reason as DOMException).name}`;
    });
    const context = createContext({
      cloud: 'node',
      kind: 'http',
      requestId: 'req-1',
      functionName: 'test',
      deadline: Date.now() + 150,
      signalMarginMs: 100,
    });
    const response = await respond(fn, { method: 'GET', path: '/events', headers: {} }, context, true);
    expect(await readAll(response.stream)).toBe('started;stopped: TimeoutError');
  });

  it('closes a Node.js stream body it never reads (HEAD, 304): its file or socket is released', async () => {
    const readables: Readable[] = [];
    const fn = http({ method: ['GET', 'HEAD'], path: '/events', stream: true }).handle((req) => {
      const readable = Readable.from(['never read']);
      readables.push(readable);
      return { status: req.header('if-none-match') ? 304 : 200, body: readable };
    });
    await streamed(fn, 'HEAD');
    await respond(fn, { method: 'GET', path: '/events', headers: { 'if-none-match': '"v"' } }, ctx(), true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readables.map((readable) => readable.destroyed)).toEqual([true, true]);
  });

  it('destroys the body of an answer refused for a header or cookie no platform can send', async () => {
    const readables: Readable[] = [];
    const download = (stream: boolean, answer: (body: Readable) => unknown) =>
      http({ path: '/events', stream }).handle(() => {
        const readable = Readable.from(['file content']);
        readables.push(readable);
        return answer(readable);
      });
    const cases = [
      download(true, (body) => ({
        status: 200,
        headers: { 'content-disposition': 'attachment; filename="报告.txt"' },
        body,
      })),
      download(false, (body) => ({ status: 200, headers: { 'content-disposition': 'filename="报告.txt"' }, body })),
      download(true, (body) => ({ status: 200, cookies: ['a=b\nc'], body })),
    ];
    for (const fn of cases) expect((await streamed(fn)).status).toBe(500);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readables.map((readable) => readable.destroyed)).toEqual([true, true, true]);
  });

  it('leaves the destroy() of an iterable that is no Node.js stream alone when a client leaves', async () => {
    const hub = {
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
      async *[Symbol.asyncIterator]() {
        yield 'shared';
      },
    };
    await iterableStream(hub).cancel();
    const readable = Readable.from(['own']);
    await iterableStream(readable).cancel();
    expect([hub.destroyed, readable.destroyed]).toEqual([false, true]);
  });

  it('cancels the stream of a middleware answer refused for a header, and the stream it transformed', async () => {
    const cancelled: string[] = [];
    const producer = (name: string) =>
      new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            controller.enqueue(new TextEncoder().encode(name));
          },
          cancel() {
            cancelled.push(name);
          },
        },
        { highWaterMark: 0 },
      );
    const badHeader = (stream: (source: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>) =>
      createMiddleware({
        name: 'bad-header',
        kinds: ['http'],
        handle: async (_req, _ctx, next) => {
          const response = await next();
          const source = response.stream as ReadableStream<Uint8Array>;
          return { ...response, headers: { 'bad header': 'x' }, stream: stream(source) };
        },
      });
    const own = http({ path: '/events', stream: true })
      .use(badHeader(() => producer('own')))
      .handle(() => producer('handler'));
    const transformed = http({ path: '/events', stream: true })
      .use(badHeader((source) => source.pipeThrough(new TransformStream())))
      .handle(() => producer('transformed'));
    expect((await streamed(own)).status).toBe(500);
    expect((await streamed(transformed)).status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled.sort()).toEqual(['handler', 'own', 'transformed']);
  });

  it('cancels the stream of an answer a middleware dropped: by failing after next(), or past timeout()', async () => {
    const cancelled: string[] = [];
    const producer = (name: string) =>
      new ReadableStream<Uint8Array>({
        cancel() {
          cancelled.push(name);
        },
      });
    const failing = createMiddleware({
      name: 'failing',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        await next();
        throw new Error('after next');
      },
    });
    const thrown = http({ path: '/events', stream: true })
      .use(failing)
      .handle(() => producer('thrown'));
    expect((await streamed(thrown)).status).toBe(500);

    const replacing = createMiddleware({
      name: 'replacing',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        await next();
        return { status: 200, headers: {}, cookies: [], body: 'cached' };
      },
    });
    const replaced = http({ path: '/events', stream: true })
      .use(replacing)
      .handle(() => producer('replaced'));
    expect((await streamed(replaced)).body).toBe('cached');

    let finished: () => void = () => {};
    const handlerDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const late = http({ path: '/events', stream: true })
      .use(timeout({ ms: 20 }))
      .handle(async () => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        setImmediate(finished);
        return producer('late');
      });
    expect((await streamed(late)).status).toBe(504);
    await handlerDone;
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled.sort()).toEqual(['late', 'replaced', 'thrown']);
  });

  it('drops a gzip label that a copied fetch() response keeps on content fetch() decoded', async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(gzipSync('hello gzip world'));
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    try {
      const fn = http({ path: '/events', stream: true }).handle(async () => {
        const fetched = await fetch(url);
        return new Response(fetched.body, { status: fetched.status, headers: fetched.headers });
      });
      const live = await streamed(fn);
      expect(live.headers['content-encoding']).toBeUndefined();
      expect(await readAll(live.stream)).toBe('hello gzip world');
      const read = await whole(fn);
      expect(read.headers['content-encoding']).toBeUndefined();
      expect(read.body).toBe('hello gzip world');

      // A stream that is what its label says keeps it.
      const real = http({ path: '/events', stream: true }).handle(
        () => new Response(new Blob([gzipSync('zipped')]).stream(), { headers: { 'content-encoding': 'gzip' } }),
      );
      const kept = await streamed(real);
      expect(kept.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(Buffer.from(await new Response(kept.stream).arrayBuffer())).toString()).toBe('zipped');
    } finally {
      upstream.close();
    }
  });

  it('drops a br label that a copied fetch() response keeps on content fetch() decoded, streamed or not', async () => {
    const texts: Record<string, string> = {
      '/': 'hello br world',
      // A text that a decoder takes for the start of brotli data.
      '/lorem': 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20),
    };
    const upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' });
      res.end(brotliCompressSync(texts[req.url ?? '/'] ?? ''));
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    const copy = async () => {
      const fetched = await fetch(url);
      return new Response(fetched.body, { status: fetched.status, headers: fetched.headers });
    };
    try {
      const live = await streamed(http({ path: '/events', stream: true }).handle(copy));
      expect(live.headers['content-encoding']).toBeUndefined();
      expect(await readAll(live.stream)).toBe('hello br world');
      const read = await whole(http({ path: '/events' }).handle(copy));
      expect(read.headers['content-encoding']).toBeUndefined();
      expect(read.body).toBe('hello br world');
      const copyLorem = async () => {
        const fetched = await fetch(`${url}lorem`);
        return new Response(fetched.body, { status: fetched.status, headers: fetched.headers });
      };
      const lorem = await streamed(http({ path: '/events', stream: true }).handle(copyLorem));
      expect(lorem.headers['content-encoding']).toBeUndefined();
      expect(await readAll(lorem.stream)).toBe(texts['/lorem']);
      expect((await whole(http({ path: '/events' }).handle(copyLorem))).headers['content-encoding']).toBeUndefined();

      // Real brotli keeps its label.
      const real = http({ path: '/events', stream: true }).handle(
        () =>
          new Response(new Blob([brotliCompressSync('squeezed '.repeat(200))]).stream(), {
            headers: { 'content-encoding': 'br' },
          }),
      );
      const kept = await streamed(real);
      expect(kept.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(Buffer.from(await new Response(kept.stream).arrayBuffer())).toString()).toBe(
        'squeezed '.repeat(200),
      );
    } finally {
      upstream.close();
    }
  });

  it('never starts the producer of a labelled Response for a HEAD answer or one a timeout() replaced', async () => {
    const pulls: string[] = [];
    const cancelled: string[] = [];
    const labelled = (name: string, stall: boolean) =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              pulls.push(name);
              if (!stall) controller.enqueue(gzipSync('x'));
              return stall ? new Promise(() => {}) : undefined;
            },
            cancel() {
              cancelled.push(name);
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: { 'content-encoding': 'gzip' } },
      );
    const head = http({ method: ['GET', 'HEAD'], path: '/events', stream: true }).handle(() => labelled('head', true));
    expect((await streamed(head, 'HEAD')).status).toBe(200);
    const late = http({ path: '/events', stream: true })
      .use(timeout({ ms: 20 }))
      .handle(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return labelled('late', true);
      });
    expect((await streamed(late)).status).toBe(504);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(pulls).toEqual([]);
    expect(cancelled.sort()).toEqual(['head', 'late']);
  });

  it('bounds by timeout() the wait for the first bytes a coding label is checked against, and cancels the producer', async () => {
    let cancelled = false;
    const fn = http({ path: '/events', stream: true })
      .use(timeout({ ms: 30 }))
      .handle(
        () =>
          new Response(
            new ReadableStream<Uint8Array>(
              {
                pull: () => new Promise<void>(() => {}),
                cancel() {
                  cancelled = true;
                },
              },
              { highWaterMark: 0 },
            ),
            { headers: { 'content-encoding': 'gzip' } },
          ),
      );
    expect((await streamed(fn)).status).toBe(504);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
  });

  it('is refused when the option is not a boolean', () => {
    expect(() => http({ stream: 'yes' as unknown as boolean })).toThrow(SkyportError);
    expect(() => http({ stream: 1 as unknown as boolean })).toThrow(/stream must be true or false, got 1/);
  });
});

describe('a function without stream: true', () => {
  it('reads an async generator or a Node.js Readable body whole (it was serialised as {} before)', async () => {
    const { produce } = events(2);
    const generator = http({ path: '/events' }).handle(() => produce());
    const fromGenerator = await streamed(generator);
    expect(fromGenerator.stream).toBeUndefined();
    expect(text(fromGenerator.body as Uint8Array)).toBe('data: 1\n\ndata: 2\n\n');

    const readable = http({ path: '/events' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Readable.from(['{"a":', '1}']),
    }));
    expect(await streamed(readable)).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: '{"a":1}',
    });
  });

  it('reads an object literal that implements the async-iterator protocol whole, as any async iterable', async () => {
    const literal = () => ({
      async *[Symbol.asyncIterator]() {
        yield 'a';
        yield 'b';
      },
    });
    const alone = http({ path: '/events' }).handle(() => literal() as unknown as AsyncIterable<string>);
    const asBody = http({ path: '/events' }).handle(() => ({ status: 200, body: literal() }));
    expect(text((await whole(alone)).body as Uint8Array)).toBe('ab');
    expect(text((await whole(asBody)).body as Uint8Array)).toBe('ab');
  });

  it('does not check an iterable body against the response schema', async () => {
    const fn = http({ path: '/events', response: z.object({ id: z.string() }) }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: Readable.from(['not', ' json']),
    }));
    const response = await whole(fn);
    expect(response.status).toBe(200);
    expect(response.body).toBe('not json');
  });

  it('types an async iterable body as a response', () => {
    const fn = http({ path: '/events', stream: true }).handle(async function* () {
      yield 'a';
    });
    expectTypeOf(fn).toEqualTypeOf<SkyportFunction<'http'>>();
    // With a response schema too, as a generator returned on its own or as the body.
    http({ path: '/events', stream: true, response: z.string() }).handle(async function* () {
      yield 'a';
    });
    const Shape = z.object({ id: z.string() });
    http({ path: '/events', response: Shape }).handle(() => ({ status: 200, body: Readable.from(['a']) }));
    // @ts-expect-error an iterable of numbers is no body
    http({ path: '/events', response: Shape }).handle(() => ({
      status: 200,
      body: (async function* () {
        yield 1;
      })(),
    }));
  });
});

/**
 * A GET to the local server. A connection the server cuts surfaces on the response; the request
 * itself is given an error listener so that the cut is never an uncaught error.
 */
function request(port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(`http://127.0.0.1:${port}/`, resolve);
    req.on('error', reject);
  });
}

/** A stream that sends `half`, then fails. */
function failingAfterHalf(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      controller.enqueue(new TextEncoder().encode('half'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.error(new Error('producer failed'));
    },
  });
}

describe('pipeStream', () => {
  /** A server whose one route pipes `body()` and reports how the pipe ended. */
  async function serving(body: () => ReadableStream<Uint8Array>) {
    const outcomes: Promise<unknown>[] = [];
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      outcomes.push(
        pipeStream(body(), res).then(
          (outcome) => outcome,
          (error: Error) => `failed: ${error.message}`,
        ),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { port, outcome: () => outcomes[0], close: () => server.close() };
  }

  it('sends each chunk as it is produced, before the next one exists', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await serving(
      () =>
        Readable.toWeb(
          Readable.from(
            (async function* () {
              yield new TextEncoder().encode('first;');
              await gate;
              yield new TextEncoder().encode('second');
            })(),
          ),
        ) as ReadableStream<Uint8Array>,
    );
    try {
      const res = await request(server.port);
      const [first] = (await once(res, 'data')) as [Buffer];
      expect(first.toString()).toBe('first;');
      release();
      let rest = '';
      for await (const chunk of res) rest += String(chunk);
      expect(rest).toBe('second');
      expect(await server.outcome()).toBe('finished');
    } finally {
      server.close();
    }
  });

  it('cancels the producer when the client leaves, and resolves "closed"', async () => {
    let cancelled: unknown;
    const server = await serving(
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('tick'));
          },
          cancel(reason) {
            cancelled = reason;
          },
        }),
    );
    try {
      const res = await request(server.port);
      await once(res, 'data');
      res.destroy();
      expect(await server.outcome()).toBe('closed');
      expect(cancelled).toBeInstanceOf(DOMException);
    } finally {
      server.close();
    }
  });

  it('resolves "closed" when the client leaves while the producer waits, without waiting for it', async () => {
    const server = await serving(() =>
      iterableStream(
        (async function* () {
          yield 'first';
          await new Promise(() => {});
        })(),
      ),
    );
    try {
      const res = await request(server.port);
      await once(res, 'data');
      res.destroy();
      expect(await server.outcome()).toBe('closed');
    } finally {
      server.close();
    }
  });

  it('resets the connection of an HTTP/1.0 client when the stream fails: no answer that looks complete', async () => {
    const server = await serving(failingAfterHalf);
    try {
      const socket = connect(server.port, '127.0.0.1');
      socket.write('GET / HTTP/1.0\r\nHost: test\r\n\r\n');
      let received = '';
      socket.on('data', (data: Buffer) => {
        received += data.toString();
      });
      const how = await new Promise<string>((resolve) => {
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        socket.on('end', () => resolve('end'));
      });
      expect(received).toContain('half');
      expect(how).toBe('ECONNRESET');
      expect(await server.outcome()).toBe('failed: producer failed');
    } finally {
      server.close();
    }
  });

  it('closes an unframed answer on a socket it cannot reset (a Unix socket), and rejects with the stream error', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'skyport-pipe-')), 'server.sock');
    let outcome: Promise<unknown> | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      outcome = pipeStream(failingAfterHalf(), res).then(
        () => 'finished',
        (error: Error) => `failed: ${error.message}`,
      );
    });
    server.listen(path);
    await once(server, 'listening');
    try {
      const socket = connect(path);
      socket.on('error', () => undefined);
      socket.resume();
      socket.write('GET / HTTP/1.0\r\nHost: test\r\n\r\n');
      await once(socket, 'close');
      expect(await outcome).toBe('failed: producer failed');
    } finally {
      server.close();
    }
  });

  it('cuts the answer off when the stream fails, and rejects with its error', async () => {
    const server = await serving(failingAfterHalf);
    try {
      const res = await request(server.port);
      const ended = new Promise<string>((resolve) => {
        res.on('aborted', () => resolve('aborted'));
        res.on('error', () => resolve('error'));
        res.on('end', () => resolve('end'));
      });
      res.resume();
      expect(['aborted', 'error']).toContain(await ended);
      expect(await server.outcome()).toBe('failed: producer failed');
    } finally {
      server.close();
    }
  });

  it('waits for the client to drain a full socket before reading on', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(97);
    let produced = 0;
    const server = await serving(
      () =>
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              produced++;
              if (produced > 64) controller.close();
              else controller.enqueue(chunk);
            },
          },
          { highWaterMark: 0 },
        ),
    );
    try {
      const res = await request(server.port);
      res.pause();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A paused client holds the producer back: far fewer than the 64 chunks were made.
      expect(produced).toBeLessThan(32);
      let received = 0;
      res.on('data', (data: Buffer) => {
        received += data.length;
      });
      res.resume();
      await once(res, 'end');
      expect(received).toBe(64 * chunk.length);
      expect(await server.outcome()).toBe('finished');
    } finally {
      server.close();
    }
  });
});

describe('pipeStream when the stream fails with bytes still on their way', () => {
  /** A stream that sends one chunk and fails in the same turn. */
  function failingAtOnce(): ReadableStream<Uint8Array> {
    let sent = false;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent) controller.error(new Error('producer failed'));
          else controller.enqueue(new TextEncoder().encode('last words'));
          sent = true;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * A writable that holds what is written to it until `flush()` (as a socket a client reads
   * slowly does), and notes when it was destroyed. `writableLength` is left out with `untold`.
   */
  function holdingSink(untold = false) {
    const events = new EventEmitter();
    const callbacks: (() => void)[] = [];
    let held = 0;
    const sink = {
      destroyedAt: undefined as number | undefined,
      written: [] as string[],
      write(chunk: Uint8Array, callback?: () => void): boolean {
        sink.written.push(text(chunk));
        held += chunk.byteLength;
        if (callback !== undefined) callbacks.push(callback);
        return true;
      },
      end() {},
      destroy() {
        sink.destroyedAt ??= Date.now();
        events.emit('close');
      },
      once: (event: 'drain' | 'close', listener: () => void) => events.once(event, listener),
      off: (event: 'drain' | 'close', listener: () => void) => events.off(event, listener),
      get destroyed() {
        return sink.destroyedAt !== undefined;
      },
      flush() {
        held = 0;
        for (const callback of callbacks.splice(0)) callback();
      },
      close: () => events.emit('close'),
    };
    if (!untold) Object.defineProperty(sink, 'writableLength', { get: () => held });
    return sink;
  }

  it('destroys the writable only once what was written before the failure went out', async () => {
    const sink = holdingSink();
    const outcome = pipeStream(failingAtOnce(), sink).catch((error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.written.join('')).toBe('last words');
    expect(sink.destroyed).toBe(false);

    sink.flush();

    expect(await outcome).toBe('producer failed');
    expect(sink.destroyed).toBe(true);
  });

  it('destroys it anyway about a second later when the client does not take the bytes', async () => {
    const sink = holdingSink();
    const began = Date.now();

    const outcome = await pipeStream(failingAtOnce(), sink).catch((error: Error) => error.message);

    expect(outcome).toBe('producer failed');
    expect((sink.destroyedAt ?? 0) - began).toBeGreaterThanOrEqual(900);
    expect((sink.destroyedAt ?? 0) - began).toBeLessThan(3000);
  });

  it('stops waiting when the writable closes (the client left)', async () => {
    const sink = holdingSink();
    const outcome = pipeStream(failingAtOnce(), sink).catch((error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const began = Date.now();

    sink.close();

    expect(await outcome).toBe('producer failed');
    expect(Date.now() - began).toBeLessThan(500);
  });

  it('destroys a writable that does not tell what it holds at once, as a Lambda response stream', async () => {
    const sink = holdingSink(true);

    const outcome = pipeStream(failingAtOnce(), sink).catch((error: Error) => error.message);
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(settled).toBe(true);
    expect(sink.destroyed).toBe(true);
    expect(await outcome).toBe('producer failed');
  });
});
