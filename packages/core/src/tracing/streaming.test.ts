import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  type Context,
  createContext,
  createMiddleware,
  type HttpResponse,
  http,
  pipeStream,
  respond,
  runHttp,
  type SkyportFunction,
} from '@skyport/core';
import { describe, expect, it, vi } from 'vitest';
import { useTestSdk } from './__fixtures__/sdk.js';
import { tracing } from './index.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const { exporter, reader, tracerProvider, meterProvider } = useTestSdk();

const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);

/** `handler` behind `tracing()`, with what the middleware inside it got and what the one outside it got. */
function aroundTracing(
  builder: ReturnType<typeof http>,
  handler: Parameters<ReturnType<typeof http>['handle']>[0],
): { fn: SkyportFunction<'http'>; seen: { inner?: HttpResponse; outer?: HttpResponse } } {
  const seen: { inner?: HttpResponse; outer?: HttpResponse } = {};
  const recording = (name: 'inner' | 'outer') =>
    createMiddleware<'http'>({
      name,
      handle: async (_req, _ctx, next) => {
        seen[name] = await next();
        return seen[name];
      },
    });
  return { fn: builder.use(recording('outer')).use(tracing()).use(recording('inner')).handle(handler), seen };
}

function contextOf(cloud: Context['cloud'] = 'node', functionName = 'feed'): Context {
  return createContext({ cloud, kind: 'http', requestId: 'req-1', functionName });
}

/** The answer as an adapter that sends streams gets it (as `serve()` does). */
async function streamedAnswer(
  fn: SkyportFunction<'http'>,
  method = 'GET',
  ctx: Context = contextOf(),
): Promise<HttpResponse> {
  return await respond(fn, { method, path: '/feed', url: 'https://api.example/feed', headers: {} }, ctx, true);
}

/** What each producer saw: the active span's id at each step, and the spans it started. */
interface Seen {
  active: (string | undefined)[];
  invocation: string | undefined;
  endCalls: number;
  finished: boolean;
}

/**
 * An SSE function whose generator awaits between chunks, reads the active span, and starts a
 * `chunk` span per chunk; `fail` makes it throw after the first chunk.
 */
function sse(seen: Seen, options: { chunks?: number; pause?: number; fail?: boolean } = {}) {
  const chunks = options.chunks ?? 3;
  return http({ method: ['GET', 'HEAD'], path: '/feed', stream: true })
    .use(tracing())
    .handle((_req, ctx) => {
      seen.invocation = ctx.span.spanContext().spanId;
      const end = ctx.span.end.bind(ctx.span);
      vi.spyOn(ctx.span, 'end').mockImplementation((time) => {
        seen.endCalls++;
        end(time);
      });
      async function* produce() {
        try {
          for (let i = 0; i < chunks; i++) {
            await delay(options.pause ?? 1);
            seen.active.push(trace.getActiveSpan()?.spanContext().spanId);
            const chunk = trace.getTracer('app').startSpan('chunk');
            chunk.end();
            yield `data: ${i}\n\n`;
            if (options.fail === true) throw new Error('upstream gone');
          }
        } finally {
          seen.finished = true;
        }
      }
      return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: produce() };
    });
}

const fresh = (): Seen => ({ active: [], invocation: undefined, endCalls: 0, finished: false });

describe('tracing() with a streamed answer', () => {
  it('keeps the invocation span active while the producer runs, through a Node.js server', async () => {
    // Arrange: a server that pipes the answer, as serve() does
    const seen = fresh();
    const fn = sse(seen);
    const server = createServer((req, res) => {
      const ctx = contextOf();
      void Promise.resolve(
        respond(
          fn,
          { method: req.method ?? 'GET', path: '/feed', url: 'http://localhost/feed', headers: {} },
          ctx,
          true,
        ),
      ).then(async (answer) => {
        res.writeHead(answer.status, answer.headers);
        if (answer.stream === undefined) res.end(answer.body);
        else await pipeStream(answer.stream, res);
      });
    });
    server.listen(0);
    await once(server, 'listening');
    try {
      // Act
      const { port } = server.address() as AddressInfo;
      const response = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/feed`, resolve));
      let body = '';
      for await (const chunk of response) body += String(chunk);
      // Assert: every chunk span is a child of the invocation span, which the producer saw active
      expect(body).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
      const [invocation] = named('GET /feed');
      expect(invocation?.spanContext().spanId).toBe(seen.invocation);
      const chunks = named('chunk');
      expect(chunks).toHaveLength(3);
      for (const chunk of chunks) {
        expect(chunk.parentSpanContext?.spanId).toBe(seen.invocation);
        expect(chunk.spanContext().traceId).toBe(invocation?.spanContext().traceId);
      }
      expect(seen.active).toEqual([seen.invocation, seen.invocation, seen.invocation]);
      expect(seen.endCalls).toBe(1);
    } finally {
      server.close();
    }
  });

  it('ends the invocation span after the last chunk, not when the head is ready', async () => {
    // Arrange
    const seen = fresh();
    const answer = await streamedAnswer(sse(seen, { chunks: 2, pause: 20 }));
    const streamReader = answer.stream?.getReader();
    // Act + Assert: not ended while chunks are still to come
    expect(named('GET /feed')).toHaveLength(0);
    expect(text((await streamReader?.read())?.value ?? new Uint8Array())).toBe('data: 0\n\n');
    expect(named('GET /feed')).toHaveLength(0);
    await streamReader?.read();
    expect(named('GET /feed')).toHaveLength(0);
    expect((await streamReader?.read())?.done).toBe(true);
    const [invocation] = named('GET /feed');
    expect(seen.endCalls).toBe(1);
    expect(invocation?.status.code).toBe(SpanStatusCode.UNSET);
    expect(invocation?.attributes['http.response.status_code']).toBe(200);
    // Ended after the chunk spans (spans are exported as they end), lasting the 40 ms of chunks
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['chunk', 'chunk', 'GET /feed']);
    expect(invocation?.duration[0] === 0 ? invocation.duration[1] : 1e9).toBeGreaterThanOrEqual(35e6);
  });

  it('keeps the producer under the invocation span when the answer is read whole', async () => {
    // Arrange: an adapter that cannot stream (runHttp reads the content into the body)
    const seen = fresh();
    // Act
    const answer = await runHttp(sse(seen), { method: 'GET', path: '/feed', headers: {} }, contextOf());
    // Assert
    expect(answer.body).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
    expect(named('chunk').map((chunk) => chunk.parentSpanContext?.spanId)).toEqual([
      seen.invocation,
      seen.invocation,
      seen.invocation,
    ]);
    expect(named('GET /feed')).toHaveLength(1);
    expect(seen.endCalls).toBe(1);
  });

  it('marks the span ERROR and ends it once when the stream fails', async () => {
    // Arrange
    const seen = fresh();
    const errors = async () => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((found) => found.descriptor.name === 'faas.errors');
      const point = metric?.dataPoints.find((found) => found.attributes['faas.name'] === 'failing-feed');
      return (point?.value as number | undefined) ?? 0;
    };
    const before = await errors();
    const answer = await streamedAnswer(sse(seen, { fail: true }), 'GET', contextOf('node', 'failing-feed'));
    const streamReader = answer.stream?.getReader();
    // Act
    await streamReader?.read();
    const failure = await streamReader?.read().catch((error: unknown) => error);
    // Assert
    expect(failure).toMatchObject({ message: 'upstream gone' });
    const [invocation] = named('GET /feed');
    expect(invocation?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream gone' });
    expect(invocation?.attributes['error.type']).toBe('Error');
    expect(invocation?.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([
      ['exception', 'upstream gone'],
    ]);
    expect(seen.endCalls).toBe(1);
    expect(seen.finished).toBe(true);
    expect((await errors()) - before).toBe(1);
  });

  it('records a stream that fails with a value that is no Error as error.type _OTHER with a readable message', async () => {
    // Arrange
    const failing = http({ method: 'GET', path: '/feed', stream: true })
      .use(tracing())
      .handle(() => {
        async function* produce() {
          yield 'data: 0\n\n';
          throw { code: 'UpstreamGone' };
        }
        return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: produce() };
      });
    const answer = await streamedAnswer(failing);
    const streamReader = answer.stream?.getReader();
    // Act
    await streamReader?.read();
    const failure = await streamReader?.read().catch((error: unknown) => error);
    // Assert
    expect(failure).toEqual({ code: 'UpstreamGone' });
    const [invocation] = named('GET /feed');
    expect(invocation?.status).toEqual({ code: SpanStatusCode.ERROR, message: '{"code":"UpstreamGone"}' });
    expect(invocation?.attributes['error.type']).toBe('_OTHER');
    expect(invocation?.events.map((event) => [event.name, event.attributes?.['exception.type']])).toEqual([
      ['exception', undefined],
    ]);
  });

  it('ends the span once when the stream is cancelled (the client left)', async () => {
    // Arrange
    const seen = fresh();
    const answer = await streamedAnswer(sse(seen, { chunks: 5 }));
    const streamReader = answer.stream?.getReader();
    await streamReader?.read();
    expect(named('GET /feed')).toHaveLength(0);
    // Act
    await streamReader?.cancel(new Error('client left'));
    // Assert: ended, not an error, and the producer stopped
    const [invocation] = named('GET /feed');
    expect(invocation?.status.code).toBe(SpanStatusCode.UNSET);
    expect(seen.endCalls).toBe(1);
    expect(seen.finished).toBe(true);
    expect(named('chunk')).toHaveLength(1);
  });

  it('ends the span of a HEAD answer with its head, never starting the producer', async () => {
    // Arrange
    const seen = fresh();
    // Act
    const answer = await streamedAnswer(sse(seen), 'HEAD');
    // Assert
    expect(answer.stream).toBeUndefined();
    expect(named('HEAD /feed')).toHaveLength(1);
    expect(seen.endCalls).toBe(1);
    expect(named('chunk')).toHaveLength(0);
  });

  it('records the HTTP and invocation durations when the stream ends', async () => {
    // Arrange
    const seen = fresh();
    const fn = sse(seen, { chunks: 2, pause: 30 });
    const sums = async () => {
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
      const sum = (name: string, match: (attributes: DataPoint<unknown>['attributes']) => boolean) =>
        ((all.find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[])
          .filter((point) => match(point.attributes))
          .reduce((total, point) => total + ((point.value as Histogram).sum ?? 0), 0);
      return {
        http: sum('http.server.request.duration', (a) => a['http.route'] === '/feed'),
        invoke: sum('faas.invoke_duration', (a) => a['faas.name'] === 'timed-feed'),
      };
    };
    const before = await sums();
    // Act
    const answer = await streamedAnswer(fn, 'GET', contextOf('node', 'timed-feed'));
    expect(answer.stream).toBeInstanceOf(ReadableStream);
    const streamReader = answer.stream?.getReader();
    for (let i = 0; i < 10; i++) if ((await streamReader?.read())?.done !== false) break;
    // Assert: both durations include the 60 ms of streaming
    const after = await sums();
    expect(after.http - before.http).toBeGreaterThanOrEqual(0.055);
    expect(after.invoke - before.invoke).toBeGreaterThanOrEqual(0.055);
  });

  it('flushes after the span ends and before the stream closes, where the platform freezes', async () => {
    // Arrange: a batch processor that would export only a minute later
    const batched = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(batched, { scheduledDelayMillis: 60_000 })],
    });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const seen = fresh();
      const answer = await streamedAnswer(sse(seen, { chunks: 2 }), 'GET', contextOf('aws'));
      const streamReader = answer.stream?.getReader();
      await streamReader?.read();
      await streamReader?.read();
      expect(batched.getFinishedSpans()).toHaveLength(0);
      // Act: the last read
      const last = await streamReader?.read();
      // Assert: the stream closed only once the invocation span and its children were exported
      expect(last?.done).toBe(true);
      expect(batched.getFinishedSpans().map((span) => span.name)).toEqual(['chunk', 'chunk', 'GET /feed']);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('leaves a non-streamed answer as it is, ending its span before it is returned', async () => {
    // Arrange: what tracing() gives the middleware before it, against what it got
    const { fn, seen } = aroundTracing(http({ path: '/plain', stream: true }), () => ({ id: 1 }));
    // Act
    const answer = await respond(fn, { method: 'GET', path: '/plain', headers: {} }, contextOf(), true);
    // Assert
    expect(answer.stream).toBeUndefined();
    expect(seen.outer).toBe(seen.inner);
    expect(named('GET /plain')).toHaveLength(1);
  });

  it('adds nothing to a streamed answer without an SDK', async () => {
    // Arrange
    const { fn, seen } = aroundTracing(http({ path: '/feed', stream: true }), async function* () {
      yield 'data: 0\n\n';
    });
    trace.disable();
    metrics.disable();
    try {
      // Act
      const answer = await streamedAnswer(fn);
      await answer.stream?.cancel();
      // Assert
      expect(seen.inner?.stream).toBeInstanceOf(ReadableStream);
      expect(seen.outer).toBe(seen.inner);
    } finally {
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.setGlobalMeterProvider(meterProvider);
    }
  });

  it('ends the span at its head when a middleware further out drops the stream unread', async () => {
    // Arrange: a way to collect garbage, and a middleware that answers with something else
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const seen = fresh();
    const fn = http({ path: '/feed', stream: true })
      .use(
        createMiddleware<'http'>({
          name: 'replacing',
          handle: async (_req, _ctx, next) => {
            await next();
            return { status: 200, headers: {}, cookies: [], body: 'other' };
          },
        }),
      )
      .use(tracing())
      .handle(async function* () {
        seen.active.push('started');
        yield 'data: 0\n\n';
      });
    const answered = performance.timeOrigin + performance.now();
    const answer = await streamedAnswer(fn);
    expect(answer.body).toBe('other');
    // Act
    await delay(50);
    for (let i = 0; i < 20 && named('GET /feed').length === 0; i++) {
      gc();
      await delay(10);
    }
    // Assert: ended, with the time the head was ready, and the producer never started
    const [invocation] = named('GET /feed');
    expect(invocation).toBeDefined();
    const ended = (invocation?.endTime[0] ?? 0) * 1000 + (invocation?.endTime[1] ?? 0) / 1e6;
    expect(ended).toBeLessThan(answered + 45);
    expect(seen.active).toEqual([]);
  });
});
