/**
 * Streamed response bodies: what a handler of an `http({ stream: true })` function may answer
 * with (a `ReadableStream`, an async iterable such as an async generator or a Node.js
 * `Readable`), turned into one web byte stream, and written to a Node.js response by the
 * adapters that can send it as it is produced.
 */
import { concatBytes, utf8 } from '../bytes.js';

/**
 * Whether `value` is an async iterable (an async generator, a Node.js `Readable`) and not a
 * web `ReadableStream`, which is taken as it is.
 *
 * @example
 * isAsyncIterable((async function* () {})()); // true
 */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' &&
    !(value instanceof ReadableStream)
  );
}

/**
 * Whether an iterable is a Node.js stream (`pipe` and `destroy`, as `Readable` and the streams of
 * `readable-stream` have), which cancelling destroys; any other iterable's `destroy` may mean
 * something else (a hub shared by many readers) and is left alone.
 */
function isNodeStream(value: object): value is { destroy(): unknown } {
  const stream = value as { destroy?: unknown; pipe?: unknown };
  return typeof stream.destroy === 'function' && typeof stream.pipe === 'function';
}

/** A chunk as bytes: strings as UTF-8, any view of bytes as they are; anything else a `TypeError`. */
function chunkBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return utf8(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const what = chunk === null ? 'null' : typeof chunk === 'object' ? 'an object' : `a ${typeof chunk}`;
  throw new TypeError(`a streamed response body yields strings or bytes, not ${what}`);
}

/**
 * Reads from `read` until a chunk with bytes comes, and enqueues it (an empty chunk, `yield ''`,
 * is no chunk), or closes the stream at the end.
 */
async function pullBytes(
  controller: ReadableStreamDefaultController<Uint8Array>,
  read: () => Promise<{ done?: boolean | undefined; value?: unknown }>,
): Promise<void> {
  for (;;) {
    const next = await read();
    if (next.done === true) {
      controller.close();
      return;
    }
    const bytes = chunkBytes(next.value);
    if (bytes.byteLength > 0) {
      controller.enqueue(bytes);
      return;
    }
  }
}

/**
 * The bytes of an async iterable as a web stream, pulled one chunk at a time: nothing is read
 * ahead of the client. Cancelling the stream (the client left) ends the iteration, so a
 * generator's `finally` runs and a Node.js stream is destroyed.
 *
 * @example
 * const body = iterableStream((async function* () { yield 'data: 1\n\n'; })());
 */
export function iterableStream(iterable: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<unknown> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        iterator ??= iterable[Symbol.asyncIterator]();
        const source = iterator;
        return pullBytes(controller, () => source.next());
      },
      async cancel(reason) {
        // Also when nothing was read yet: a generator that never started just finishes, and a
        // Node.js stream (whose iterator, not yet started, would leave it open) is destroyed,
        // its file or socket released.
        if (isNodeStream(iterable)) iterable.destroy();
        iterator ??= iterable[Symbol.asyncIterator]();
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * A web stream whose chunks are checked to be bytes (a `ReadableStream` a handler made may
 * enqueue strings): strings become UTF-8, and a chunk of any other type fails the stream. Read
 * with a reader, not as an async iterable: cancelling must reach the source at once, also while
 * a read is pending (an iterator's `return()` would wait for that read).
 */
export function byteStream(stream: ReadableStream<unknown>): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return pullBytes(controller, () => reader.read());
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * `stream` passed through chunk by chunk, calling `settled` once when it ends, fails or is
 * cancelled: an invocation whose answer is streamed lasts until the answer is sent. The source is
 * locked only when first read, so until then whoever made it can still cancel it.
 *
 * @example
 * const sent = untilSettled(response.stream, () => endContext(ctx));
 */
export function untilSettled(stream: ReadableStream<Uint8Array>, settled: () => void): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let once: (() => void) | undefined = settled;
  const settle = () => {
    const run = once;
    once = undefined;
    run?.();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= stream.getReader();
        try {
          const next = await reader.read();
          if (next.done) {
            settle();
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          settle();
          throw error;
        }
      },
      cancel(reason) {
        settle();
        return reader === undefined ? stream.cancel(reason) : reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reads a stream whole. A chunk that is not bytes fails it with a `TypeError`.
 *
 * @example
 * const bytes = await readStream(iterableStream(lines()));
 */
export async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(chunkBytes(next.value));
  }
  return concatBytes(chunks);
}

/** What `pipeStream` writes to: a Node.js `Writable` such as an `http.ServerResponse`. */
export interface StreamSink {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
  /** Set once the sink was ended: nothing more may be written (`http.ServerResponse` has it). */
  readonly writableEnded?: boolean;
}

/** How a piped stream ended: every byte written and the sink ended, or the sink closed first. */
export type PipeOutcome = 'finished' | 'closed';

/**
 * Writes a web byte stream to a Node.js writable (a server response) as it is produced, waiting
 * for `drain` when the writable is full, and ends it. When the writable closes first (the client
 * left) the stream is cancelled, so its producer stops, and the promise resolves `'closed'`.
 * When the stream fails, what was written before still goes out (the wait bounded to a second
 * when the client does not take it), then the writable is destroyed (its
 * connection reset when the answer has no chunked framing, to an HTTP/1.0 client), so the client
 * sees the answer cut off, never a complete one, and the promise rejects with the stream's
 * error, for the adapter to log.
 * `windingUp`, when given, gets the promise that settles once a cancelled producer has stopped
 * (its `finally` run), for a server that waits for that before it exits.
 *
 * @example
 * res.writeHead(response.status, headers);
 * if (response.stream !== undefined) {
 *   pipeStream(response.stream, res).catch((error) => ctx.log.error({ err: error }, 'stream failed'));
 * }
 */
export async function pipeStream(
  stream: ReadableStream<Uint8Array>,
  sink: StreamSink,
  windingUp?: (cancelled: Promise<void>) => void,
): Promise<PipeOutcome> {
  const reader = stream.getReader();
  let closed = sink.destroyed;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  sink.once('close', onClose);
  try {
    while (!closed) {
      // A client that leaves while the producer waits for its next chunk cancels the read.
      const next = await Promise.race([reader.read(), closing()]);
      if (next === undefined || closed) break;
      if (next.done) {
        sink.end();
        return 'finished';
      }
      const bytes = chunkBytes(next.value);
      if (bytes.byteLength === 0) continue;
      if (!sink.write(bytes)) await drained();
    }
    // Not awaited: a producer waiting on something else (an upstream, a timer) ends when it
    // wakes, and the caller need not wait for that; `windingUp` gets the promise of its end.
    const cancelled = reader.cancel(new DOMException('the client closed the connection', 'AbortError')).catch(ignore);
    windingUp?.(cancelled);
    return 'closed';
  } catch (error) {
    reader.cancel(error).catch(ignore);
    // What was written before the failure goes out first: a Node.js response sends the writes
    // of one turn together in the next, and cut now, it would lose them.
    await written(sink);
    resetUnframed(sink);
    sink.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    sink.off('close', onClose);
    reader.releaseLock();
  }

  function closing(): Promise<undefined> {
    return new Promise((resolve) => {
      wake = () => resolve(undefined);
      if (closed) resolve(undefined);
    });
  }

  function drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        sink.off('drain', done);
        wake = undefined;
        resolve();
      };
      sink.once('drain', done);
      wake = done;
      if (closed) done();
    });
  }
}

const ignore = () => {};

/**
 * How long a failed answer waits for the client to take what was written before the failure,
 * before its connection is cut anyway: a client that stopped reading must not hold it open.
 */
const FLUSH_LIMIT_MS = 1000;

/**
 * Settles once every byte written to `sink` went out to the connection, the sink closed, or
 * {@link FLUSH_LIMIT_MS} passed. A sink that does not tell what it holds (no `writableLength`,
 * as a Lambda response stream, which is never destroyed) is not waited for.
 */
async function written(sink: StreamSink): Promise<void> {
  const pending = sink as StreamSink & {
    writableLength?: unknown;
    write(chunk: Uint8Array, callback: () => void): boolean;
  };
  if (sink.destroyed || typeof pending.writableLength !== 'number' || pending.writableLength === 0) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sink.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, FLUSH_LIMIT_MS);
    sink.once('close', done);
    try {
      // An empty write adds no bytes (no chunk of chunked framing) and calls back once every
      // write before it went out.
      pending.write(new Uint8Array(0), done);
    } catch {
      done();
    }
  });
  // The cut comes a turn later than the last bytes: a reader that gets bytes and a reset at once
  // may take the reset for a clean end (libuv does, after a short read).
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resets the connection of an HTTP/1 answer sent without chunked framing (to an HTTP/1.0 client,
 * or a proxy speaking it), which a plain close would end as a complete answer ends. A chunked
 * answer is cut off by the close alone (its last chunk never comes), and keeps the bytes already
 * sent; an HTTP/2 response (no `chunkedEncoding`) resets its own stream, not the connection.
 */
function resetUnframed(sink: StreamSink): void {
  const response = sink as {
    chunkedEncoding?: unknown;
    socket?: { resetAndDestroy?: unknown } | null;
  };
  if (response.chunkedEncoding !== false) return;
  const socket = response.socket;
  if (socket == null || typeof socket.resetAndDestroy !== 'function') return;
  try {
    socket.resetAndDestroy();
  } catch {
    // Not a TCP socket (TLS, a Unix socket): closed as it is below.
  }
}
