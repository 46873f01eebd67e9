/**
 * `tracing()` with a span processor that throws: the OpenTelemetry SDK lets an exception of a
 * processor's `onStart` through `startSpan()` and one of its `onEnd` through `end()`. Telemetry
 * never changes an invocation's outcome: the answer stays the handler's, only the message whose
 * handler threw is reported failed, and the failure is logged once at `warn`, not per invocation.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { createContext, HttpError, http, queue, respond } from '@skyport/core';
import { aws, collectLogs, httpRequest, invoke, type LogCollector, message } from '@skyport/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tracing } from './index.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

const telemetryWarning = 'the OpenTelemetry SDK threw';

/** Which hook of the processor throws, while a test sets one. */
let failing: 'onStart' | 'onEnd' | undefined;

/** A processor whose `onStart` or `onEnd` throws, as one with a bug (or a broken exporter client) does. */
const broken: SpanProcessor = {
  onStart() {
    if (failing === 'onStart') throw new Error('processor onStart failed');
  },
  onEnd() {
    if (failing === 'onEnd') throw new Error('processor onEnd failed');
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [broken, new SimpleSpanProcessor(exporter)] });

// One collector for the whole file: the warning is logged once per process, whichever test
// first meets a failing processor.
let logs: LogCollector;
beforeAll(() => {
  logs = collectLogs();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => {
  failing = undefined;
  exporter.reset();
});
afterAll(async () => {
  logs.restore();
  trace.disable();
  context.disable();
  await provider.shutdown();
});

const createOrder = http({ method: 'POST', path: '/orders' })
  .use(tracing())
  .handle((_req, ctx) => ({
    status: 201,
    body: { recording: ctx.span.isRecording(), traceId: ctx.traceId, spanId: ctx.spanId },
  }));

const getOrder = http({ method: 'GET', path: '/orders/:id' })
  .use(tracing())
  .handle(() => {
    throw new HttpError(404, 'no order');
  });

/** A queue function whose handler fails message `m2` only, and the messages it ran. */
function ordersWorker() {
  const ran: string[] = [];
  const fn = queue({ name: 'orders' })
    .use(tracing())
    .handle((received) => {
      ran.push(received.id);
      if (received.id === 'm2') throw new Error('m2 is malformed');
    });
  return { fn, ran };
}

describe('tracing() with a span processor that throws', () => {
  it.each(['onStart', 'onEnd'] as const)('answers what the http handler answered when %s throws', async (hook) => {
    // Arrange
    failing = hook;

    // Act
    const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', headers: { traceparent } }));

    // Assert
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ traceId });
  });

  it('runs the invocation without a span when it cannot start, the caller trace ids still on the context', async () => {
    failing = 'onStart';
    const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', headers: { traceparent } }));
    expect(res.body).toEqual({ recording: false, traceId, spanId });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('answers the 404 the handler threw when onEnd throws', async () => {
    failing = 'onEnd';
    const res = await invoke(getOrder, httpRequest({ path: '/orders/7' }));
    expect(res.status).toBe(404);
  });

  it.each(['onStart', 'onEnd'] as const)(
    'reports only the message whose handler threw, of an SQS batch, when %s throws',
    async (hook) => {
      // Arrange
      failing = hook;
      const { fn, ran } = ordersWorker();

      // Act
      const out = await toLambda(fn)(aws.sqs([{ id: 'm1' }, { id: 'm2' }, { id: 'm3' }]), createLambdaContext());

      // Assert
      expect(ran).toEqual(['m1', 'm2', 'm3']);
      expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    },
  );

  it.each(['onStart', 'onEnd'] as const)(
    'reports only the failed message through invoke() when %s throws',
    async (hook) => {
      failing = hook;
      const { fn, ran } = ordersWorker();
      const out = await invoke(
        fn,
        ['m1', 'm2', 'm3'].map((id) => message({ id })),
        { cloud: 'aws' },
      );
      expect(ran).toEqual(['m1', 'm2', 'm3']);
      expect(out.failures.map((failure) => failure.id)).toEqual(['m2']);
    },
  );

  it('sends a streamed answer to its end when onEnd throws', async () => {
    failing = 'onEnd';
    const feed = http({ method: 'GET', path: '/feed', stream: true })
      .use(tracing())
      .handle(() => {
        async function* produce() {
          yield 'data: 0\n\n';
          yield 'data: 1\n\n';
        }
        return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: produce() };
      });
    const ctx = createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'feed' });
    const answer = await respond(
      feed,
      { method: 'GET', path: '/feed', url: 'https://api.example/feed', headers: {} },
      ctx,
      true,
    );
    expect(answer.status).toBe(200);
    expect(await new Response(answer.stream).text()).toBe('data: 0\n\ndata: 1\n\n');
  });

  it('traces again once the processor recovers', async () => {
    const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', headers: { traceparent } }));
    expect(res.body).toMatchObject({ recording: true, traceId });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  // Last: the file's collector has every line its tests logged.
  it('logs the failure once at warn, not once per invocation', async () => {
    // Arrange
    const { fn } = ordersWorker();

    // Act: several failing invocations of each kind
    for (const hook of ['onStart', 'onEnd'] as const) {
      failing = hook;
      for (let i = 0; i < 3; i++) {
        await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders' }));
        await invoke(fn, [message({ id: 'm1' }), message({ id: 'm2' })], {
          cloud: 'aws',
        });
      }
    }

    // Assert
    const warnings = logs.find(telemetryWarning);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ err: { message: expect.stringMatching(/^processor on(Start|End) failed$/) } });
    expect(warnings[0]?.level).toBe('warn');
  });
});
