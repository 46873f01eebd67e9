/** `tracing()` in docs/middleware.md: the span, its attributes, errors, parents, metrics and flushing. */
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { events, HttpError, http, queue, router, schedule, storage } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import {
  cloudEvent,
  collectLogs,
  httpRequest,
  invoke,
  type LogCollector,
  message,
  scheduleTick,
  storageEvent,
} from '@skyport/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
  vi.restoreAllMocks();
});

const getOrder = http({ method: 'GET', path: '/orders/:id' })
  .use(tracing())
  .use(logger())
  .handle((req, ctx) => {
    ctx.span.setAttribute('order.id', req.params.id);
    if (req.params.id === 'gone') throw new HttpError(404, 'no such order');
    if (req.params.id === 'boom') throw new Error('database down');
    const copy = { ...ctx };
    return { traceId: ctx.traceId, spanId: ctx.spanId, copied: 'traceId' in copy || 'span' in copy };
  });

describe('without a registered SDK', () => {
  it('creates no span, passes the caller’s trace ids on, and skips its layer', async () => {
    const res = await invoke(getOrder, httpRequest({ path: '/orders/7', headers: { traceparent } }));
    expect(res.body).toEqual({ traceId, spanId, copied: false });
    expect(logs.find('invocation completed')).toEqual([expect.objectContaining({ traceId, spanId })]);
  });
});

describe('with a registered SDK', () => {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const meterProvider = new MeterProvider({ readers: [reader] });

  // Registered after getOrder was defined: it is used from the next invocation on.
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterEach(() => exporter.reset());
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  const only = (): ReadableSpan => {
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    return spans[0] as ReadableSpan;
  };

  it('records one SERVER span per http invocation, a child of the caller, with the FaaS and HTTP attributes', async () => {
    const res = await invoke(getOrder, httpRequest({ path: '/orders/7', headers: { traceparent } }), {
      cloud: 'aws',
      region: 'eu-west-1',
      requestId: 'req-7',
      functionName: 'get-order',
      coldStart: true,
    });
    const span = only();
    expect(span.name).toBe('GET /orders/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({
      'faas.trigger': 'http',
      'faas.invocation_id': 'req-7',
      'faas.coldstart': true,
      'faas.name': 'get-order',
      'cloud.provider': 'aws',
      'cloud.region': 'eu-west-1',
      'http.request.method': 'GET',
      'url.path': '/orders/7',
      'url.scheme': expect.stringMatching(/^https?$/),
      'http.route': '/orders/:id',
      'order.id': '7',
      'http.response.status_code': 200,
    });
    expect(span.parentSpanContext?.spanId).toBe(spanId);
    // ctx.traceId and ctx.spanId are the invocation span's; a copy of the context has neither.
    expect(res.body).toEqual({ traceId, spanId: span.spanContext().spanId, copied: false });
    expect(logs.find('invocation completed')).toEqual([
      expect.objectContaining({ traceId, spanId: span.spanContext().spanId }),
    ]);
  });

  it('sets no cloud.provider on Node', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/7' }));
    expect(only().attributes).not.toHaveProperty('cloud.provider');
  });

  it('renames the span once a router matched', async () => {
    const api = router(http({ method: 'GET', path: '/orders/:id' }).handle(() => 'ok')).use(tracing());
    await invoke(api, httpRequest({ path: '/orders/7' }));
    const span = only();
    expect(span.name).toBe('GET /orders/:id');
    expect(span.attributes['http.route']).toBe('/orders/:id');
  });

  it('records a 5xx as an exception with status ERROR, and a 4xx as no error', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/boom' }));
    const failed = only();
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes).toMatchObject({ 'error.type': 'Error', 'http.response.status_code': 500 });
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);
    exporter.reset();
    await invoke(getOrder, httpRequest({ path: '/orders/gone' }));
    const missing = only();
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
    expect(missing.attributes['http.response.status_code']).toBe(404);
    expect(missing.events).toEqual([]);
  });

  it('names an http span after the method alone when there is no route', async () => {
    const anyPath = http()
      .use(tracing())
      .handle(() => 'ok');
    await invoke(anyPath, httpRequest({ method: 'POST', path: '/anything' }));
    expect(only().name).toBe('POST');
  });

  it('sets status ERROR, without an exception, for a 5xx response returned without throwing', async () => {
    const unavailable = http()
      .use(tracing())
      .handle(() => ({ status: 503, body: 'maintenance' }));
    await invoke(unavailable, httpRequest());
    const span = only();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('503');
    expect(span.events).toEqual([]);
  });

  it('names a queue span process <queue>, kind CONSUMER, and records any failure as an error', async () => {
    const ship = queue({ name: 'orders' })
      .use(tracing())
      .handle((msg) => {
        if (msg.body === 'bad') throw new HttpError(400, 'bad order');
      });
    await invoke(ship, message({ id: 'm-1', source: 'orders', body: 'ok', attributes: { traceparent } }));
    const span = only();
    expect(span.name).toBe('process orders');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'messaging.message.id': 'm-1',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'process',
    });
    exporter.reset();
    await invoke(ship, message({ source: 'orders', body: 'bad' }));
    expect(only().status.code).toBe(SpanStatusCode.ERROR);
  });

  it('names an events span process <type>, kind CONSUMER, with the CloudEvents attributes', async () => {
    const onSignup = events({ type: 'user.created' })
      .use(tracing())
      .handle(() => {});
    await invoke(onSignup, cloudEvent({ id: 'e-1', type: 'user.created', source: '/users' }));
    const span = only();
    expect(span.name).toBe('process user.created');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'cloudevents.event_id': 'e-1',
      'cloudevents.event_type': 'user.created',
      'cloudevents.event_source': '/users',
    });
  });

  it('names storage, changes and schedule spans after the function, kind SERVER', async () => {
    const thumbnails = storage({ bucket: 'uploads' })
      .use(tracing())
      .handle(() => {});
    const nightly = schedule({ cron: '0 3 * * *' })
      .use(tracing())
      .handle(() => {});
    await invoke(thumbnails, storageEvent({ bucket: 'uploads', key: 'a.png' }), { functionName: 'thumbnails' });
    await invoke(nightly, scheduleTick({ name: 'nightly' }), { functionName: 'nightly-report' });
    const [upload, tick] = exporter.getFinishedSpans();
    expect(upload?.name).toBe('thumbnails');
    expect(upload?.kind).toBe(SpanKind.SERVER);
    expect(upload?.attributes).toMatchObject({
      'faas.trigger': 'datasource',
      'faas.document.collection': 'uploads',
      'faas.document.operation': 'insert',
      'faas.document.name': 'a.png',
    });
    expect(tick?.name).toBe('nightly-report');
    expect(tick?.kind).toBe(SpanKind.SERVER);
    expect(tick?.attributes).toMatchObject({ 'faas.trigger': 'timer', 'faas.time': expect.any(String) });
  });

  it('records the FaaS metrics', async () => {
    const options = { cloud: 'gcp', functionName: 'metered' } as const;
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), { ...options, coldStart: true });
    await invoke(getOrder, httpRequest({ path: '/orders/boom' }), options);
    const { resourceMetrics } = await reader.collect();
    const recorded = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const point = (name: string) =>
      recorded
        .find((metric) => metric.descriptor.name === name)
        ?.dataPoints.find((data) => data.attributes['faas.name'] === 'metered');
    // Successful invocations, as the conventions define the counter; the failed one is an error.
    expect(point('faas.invocations')).toMatchObject({
      attributes: { 'faas.trigger': 'http', 'faas.name': 'metered', 'cloud.provider': 'gcp' },
      value: 1,
    });
    expect(point('faas.errors')?.value).toBe(1);
    expect(point('faas.coldstarts')?.value).toBe(1);
    expect(point('faas.invoke_duration')).toMatchObject({ value: { count: 2 } });
    expect(recorded.find((metric) => metric.descriptor.name === 'faas.invoke_duration')?.descriptor.unit).toBe('s');
  });

  it('records a batch as one invocation span, with a span per message under it and one flush', async () => {
    const flush = vi.spyOn(tracerProvider, 'forceFlush');
    const ship = queue({ name: 'batched' })
      .use(tracing())
      .handle(() => {});
    await invoke(ship, [message({ source: 'batched', body: 1 }), message({ source: 'batched', body: 2 })], {
      cloud: 'aws',
      functionName: 'batched',
    });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['process batched', 'process batched', 'process batched']);
    const batch = spans.find((span) => span.attributes['messaging.batch.message_count'] === 2);
    const messages = spans.filter((span) => span !== batch);
    expect(messages.map((span) => span.parentSpanContext?.spanId)).toEqual([
      batch?.spanContext().spanId,
      batch?.spanContext().spanId,
    ]);
    expect(flush).toHaveBeenCalledTimes(1);
    const { resourceMetrics } = await reader.collect();
    const invocations = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === 'faas.invocations')
      ?.dataPoints.find((data) => data.attributes['faas.name'] === 'batched');
    expect(invocations?.value).toBe(1);
  });

  it('takes the parent from traceparent, then Lambda’s trace for a request, then the X-Ray header', async () => {
    const lambdaTrace = '5759e988bd862e3fe1be46a994272793';
    const headerTrace = '65a1b2c30123456789abcdef01234567';
    const xray = (id: string, sampled: 0 | 1) =>
      `Root=1-${id.slice(0, 8)}-${id.slice(8)};Parent=1111111111111111;Sampled=${sampled}`;
    vi.stubEnv('_X_AMZN_TRACE_ID', xray(lambdaTrace, 1));
    try {
      const traceOf = async (headers: Record<string, string>, cloud: 'aws' | 'node') => {
        exporter.reset();
        await invoke(getOrder, httpRequest({ path: '/orders/7', headers }), { cloud });
        return only().spanContext().traceId;
      };
      expect(await traceOf({ traceparent, 'x-amzn-trace-id': xray(headerTrace, 1) }, 'aws')).toBe(traceId);
      expect(await traceOf({ 'x-amzn-trace-id': xray(headerTrace, 1) }, 'aws')).toBe(lambdaTrace);
      expect(await traceOf({ 'x-amzn-trace-id': xray(headerTrace, 1) }, 'node')).toBe(headerTrace);
      const unsampled = await traceOf({ 'x-amzn-trace-id': xray(headerTrace, 0) }, 'node');
      expect(unsampled).not.toBe(headerTrace);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('flushes the SDK before returning on AWS and GCP, unless flush is false', async () => {
    const flush = vi.spyOn(tracerProvider, 'forceFlush');
    const unflushed = http()
      .use(tracing({ flush: false }))
      .handle(() => 'ok');
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), { cloud: 'aws' });
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), { cloud: 'gcp' });
    expect(flush).toHaveBeenCalledTimes(2);
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), { cloud: 'azure' });
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), { cloud: 'node' });
    await invoke(unflushed, httpRequest(), { cloud: 'aws' });
    expect(flush).toHaveBeenCalledTimes(2);
  });
});
