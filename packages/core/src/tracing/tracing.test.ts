import { runInNewContext } from 'node:vm';
import { InvocationContext } from '@azure/functions';
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  type Context,
  changes,
  createChangeEvent,
  createCloudEvent,
  createContext,
  createHttpRequest,
  createMessage,
  createMiddleware,
  createScheduleTick,
  createStorageEvent,
  createStreamRecord,
  events,
  HttpError,
  http,
  type Middleware,
  queue,
  router,
  runBatch,
  schedule,
  storage,
  stream,
  timeout,
} from '@skyport/core';
import { collectLogs, fakeContext, httpRequest, invoke, message } from '@skyport/testing';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { logger } from '../logger/index.js';
import { useTestSdk } from './__fixtures__/sdk.js';
import { parseCloudTrace, parseTraceparent, parseXray, type TracingContext, tracing } from './index.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

describe('trace header parsing', () => {
  it('parses W3C, X-Ray and GCP headers and rejects malformed ones', () => {
    expect(parseTraceparent(traceparent)).toMatchObject({ traceId, spanId, sampled: true, format: 'w3c' });
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${spanId}-01`)).toBeUndefined();
    expect(parseTraceparent('00-xyz-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent(`ff-${traceId}-${spanId}-01`)).toBeUndefined();
    expect(parseXray('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0')).toMatchObject({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      sampled: false,
    });
    expect(parseXray('Root=1-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
    expect(parseCloudTrace('105445aa7843bc8bf206b12000100000/1;o=1')).toMatchObject({
      spanId: '0000000000000001',
      sampled: true,
    });
    expect(parseCloudTrace('105445aa7843bc8bf206b12000100000/99999999999999999999')).toBeUndefined();
    expect(parseCloudTrace('nope')).toBeUndefined();
  });
});

describe('tracing() options', () => {
  const invalidDefinition = expect.objectContaining({ code: 'INVALID_DEFINITION' });

  it('refuses a misspelt option when the function is defined, naming the one meant', () => {
    expect(() => tracing({ flushes: false } as never)).toThrow(invalidDefinition);
    expect(() => tracing({ flushes: false } as never)).toThrow(
      'tracing(): unknown option "flushes" (did you mean "flush"?)',
    );
    expect(() => tracing({ redact: ['body'] } as never)).toThrow(
      'tracing(): unknown option "redact" (known options: name, metrics, attributes, flush)',
    );
    expect(() => tracing(false as never)).toThrow('tracing(): options must be an object, got a boolean');
  });

  it.each([
    [{ flush: 'false' }, 'tracing() flush must be true or false, got "false"'],
    [{ metrics: 0 }, 'tracing() metrics must be true or false, got 0'],
    [{ name: '' }, 'tracing() name must be a non-empty string, got ""'],
    [{ attributes: 'tier=gold' }, 'tracing() attributes must be an object of attributes or a function returning one'],
  ])('refuses %j', (options, message) => {
    expect(() => tracing(options as never)).toThrow(invalidDefinition);
    expect(() => tracing(options as never)).toThrow(message);
  });

  it('takes every option it documents', () => {
    expect(() =>
      tracing({ name: 'orders', metrics: false, flush: true, attributes: () => ({ 'order.tier': 'gold' }) }),
    ).not.toThrow();
    expect(() => tracing({ attributes: { 'order.tier': 'gold' } })).not.toThrow();
  });
});

describe('tracing() without an SDK', () => {
  it('adds a non-recording span and passes the caller trace ids through to the logger', async () => {
    const logs = collectLogs();
    try {
      const fn = http()
        .use(tracing())
        .use(logger({ summary: false }))
        .handle((_req, ctx) => {
          expectTypeOf(ctx.traceId).toEqualTypeOf<string | undefined>();
          ctx.log.info('hi');
          return { recording: ctx.span.isRecording(), traceId: ctx.traceId, spanId: ctx.spanId };
        });
      expect((await invoke(fn, httpRequest({ headers: { traceparent } }))).body).toEqual({
        recording: false,
        traceId,
        spanId,
      });
      expect((await invoke(fn, httpRequest())).body).toEqual({ recording: false });
      expect(logs.lines[0]).toMatchObject({ traceId, spanId });
      expect(logs.lines[1]).not.toHaveProperty('traceId');
    } finally {
      logs.restore();
    }
  });

  it('gives the span the caller ids, and leaves contexts of functions without tracing() alone', async () => {
    // Arrange
    const traced = http()
      .use(tracing())
      .handle((_req, ctx) => {
        const { traceState, ...ids } = ctx.span.spanContext();
        return { ...ids, traceState: traceState?.serialize(), recording: ctx.span.isRecording() };
      });
    const untraced = http().handle((_req, ctx) => {
      const fields = ctx as Partial<Record<'span' | 'traceId' | 'spanId', unknown>>;
      return { empty: fields.span === undefined && fields.traceId === undefined && fields.spanId === undefined };
    });
    // Act
    const withParent = await invoke(traced, httpRequest({ headers: { traceparent, tracestate: 'vendor=1' } }));
    const withoutParent = await invoke(traced, httpRequest());
    const other = await invoke(untraced, httpRequest({ headers: { traceparent } }));
    // Assert
    expect(withParent.body).toEqual({
      traceId,
      spanId,
      traceFlags: 1,
      isRemote: true,
      traceState: 'vendor=1',
      recording: false,
    });
    expect(withoutParent.body).toEqual({
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: 0,
      recording: false,
    });
    expect(other.body).toEqual({ empty: true });
  });

  it('overrides the fields earlier middleware set, and later middleware and the handler override its own', async () => {
    // Arrange
    const seen: unknown[] = [];
    const before = createMiddleware<'http', { traceId: string }>({
      name: 'before',
      handle: (_req, _ctx, next) => next({ traceId: 'from-before' }),
    });
    const after = createMiddleware<'http', { spanId: string }>({
      name: 'after',
      handle: (_req, ctx, next) => {
        seen.push((ctx as Context & { traceId?: string }).traceId);
        return next({ spanId: 'from-after' });
      },
    });
    const fn = http()
      .use(before)
      .use(tracing())
      .use(after)
      .handle((_req, ctx) => {
        seen.push(ctx.traceId, ctx.spanId);
        (ctx as Context & { traceId: string }).traceId = 'from-handler';
        seen.push(ctx.traceId);
        return 'ok';
      });
    // Act
    await invoke(fn, httpRequest({ headers: { traceparent } }));
    await invoke(fn, httpRequest({ headers: { traceparent } }), { extra: { traceId: 'from-test', spanId: 'x' } });
    // Assert
    expect(seen).toEqual([
      traceId,
      traceId,
      'from-after',
      'from-handler',
      traceId,
      traceId,
      'from-after',
      'from-handler',
    ]);
  });

  it('reads the caller trace from the headers as sent, also after a header schema dropped them', async () => {
    // Arrange: the schema keeps only x-tenant; the handler reads the ids after validation
    const fn = http({ headers: z.object({ 'x-tenant': z.string() }) })
      .use(tracing())
      .handle((req, ctx) => ({ tenant: req.headers['x-tenant'], traceId: ctx.traceId, spanId: ctx.spanId }));
    // Act
    const res = await invoke(fn, httpRequest({ headers: { traceparent, 'x-tenant': 't-1' } }));
    // Assert
    expect(res.body).toEqual({ tenant: 't-1', traceId, spanId });
  });

  it('gives the logger ids set by a middleware after it, escaped', async () => {
    const logs = collectLogs();
    try {
      // Arrange
      const own = createMiddleware<'http', { traceId: string }>({
        name: 'own-trace',
        handle: (_req, _ctx, next) => next({ traceId: 'own "trace"' }),
      });
      const fn = http()
        .use(tracing())
        .use(own)
        .use(logger({ summary: false }))
        .handle((_req, ctx) => ctx.log.info('hi'));
      // Act
      await invoke(fn, httpRequest({ headers: { traceparent } }));
      // Assert
      expect(logs.lines[0]).toMatchObject({ traceId: 'own "trace"', spanId });
    } finally {
      logs.restore();
    }
  });

  it('adds the fields as plain properties to a context made by hand', async () => {
    // Arrange
    const fn = http()
      .use(tracing())
      .handle((_req, ctx) => ({ traceId: ctx.traceId, spanId: ctx.spanId, recording: ctx.span.isRecording() }));
    const base = fakeContext();
    const ctx: Context = {
      cloud: 'node',
      kind: 'http',
      requestId: 'by-hand',
      functionName: 'f',
      coldStart: false,
      deadline: undefined,
      remainingTimeMs: () => Number.POSITIVE_INFINITY,
      signal: new AbortController().signal,
      log: base.log,
      trace: {},
      region: undefined,
      raw: undefined,
    };
    // Act
    const res = await fn.dispatch(createHttpRequest({ method: 'GET', path: '/', headers: { traceparent } }), ctx);
    // Assert
    expect(res.body).toBe(JSON.stringify({ traceId, spanId, recording: false }));
    expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
    expect(ctx).toMatchObject({ traceId, spanId });
  });

  it('gives each message of a batch its own caller trace', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle((_message, ctx) => {
        seen.push(ctx.traceId);
      });
    const other = 'a'.repeat(32);
    await invoke(fn, [
      createMessage({ id: 'm-1', body: '{}', source: 'orders', attributes: { traceparent } }),
      createMessage({
        id: 'm-2',
        body: '{}',
        source: 'orders',
        attributes: { traceparent: `00-${other}-${spanId}-01` },
      }),
      createMessage({ id: 'm-3', body: '{}', source: 'orders' }),
    ]);
    expect(seen).toEqual([traceId, other, undefined]);
  });
});

describe('tracing() with the OpenTelemetry SDK', () => {
  const { exporter, reader, tracerProvider, meterProvider } = useTestSdk();

  const finished = (): ReadableSpan[] => exporter.getFinishedSpans();
  const only = (): ReadableSpan => {
    const spans = finished();
    expect(spans).toHaveLength(1);
    return spans[0] as ReadableSpan;
  };

  const getOrder = http({ method: 'GET', path: '/orders/:id' })
    .use(tracing())
    .handle((req, ctx) => {
      expectTypeOf(ctx).toMatchTypeOf<TracingContext>();
      ctx.span.setAttribute('order.id', req.params.id ?? '');
      if (req.params.id === 'boom') throw new Error('database down');
      if (req.params.id === 'missing') throw new HttpError(404, 'no order');
      return { id: req.params.id };
    });

  it('records a thrown value with no string form as an ERROR span, and passes it on unchanged', async () => {
    // Prepare: what `String()` cannot convert (no prototype, so no toString)
    const thrown = Object.create(null) as object;
    const fails = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => {
        throw thrown;
      });
    const page = http()
      .use(tracing())
      .handle(() => {
        throw thrown;
      });
    // Act
    const queued = fails.dispatch(
      createMessage({ id: 'm-1', body: '{}', source: 'orders' }),
      fakeContext({ kind: 'queue' }),
    );
    const served = page.dispatch(createHttpRequest({ method: 'GET', path: '/' }), fakeContext());
    // Assert
    await expect(queued).rejects.toBe(thrown);
    await expect(served).rejects.toBe(thrown);
    const spans = finished();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('_OTHER');
      expect(span.events.map((event) => event.name)).toEqual(['exception']);
    }
  });

  it('records a thrown value that is no Error as error.type _OTHER with a readable message, not as an Error', async () => {
    // Prepare: a plain object, a string, a large object, an object holding a credential and one
    // JSON cannot write
    const thrown: unknown[] = [
      { code: 'ConditionalCheckFailed' },
      'out of stock',
      { items: 'x'.repeat(10_000) },
      { code: 'Denied', authorization: 'Bearer secret' },
      {
        get broken(): never {
          throw new Error('no');
        },
      },
      // An Error of another realm is still an Error.
      runInNewContext('new TypeError("bad input")'),
    ];
    const fails = queue({ name: 'orders' })
      .use(tracing())
      .handle((msg) => {
        throw thrown[Number(msg.id)];
      });

    // Act
    for (const [i, value] of thrown.entries()) {
      const outcome = fails.dispatch(
        createMessage({ id: String(i), body: '{}', source: 'orders' }),
        fakeContext({ kind: 'queue' }),
      );
      await expect(outcome).rejects.toBe(value);
    }

    // Assert
    const spans = finished();
    const foreign = spans.pop();
    expect(foreign?.attributes['error.type']).toBe('TypeError');
    expect(foreign?.status.message).toBe('bad input');
    expect(foreign?.events[0]?.attributes?.['exception.type']).toBe('TypeError');
    expect(spans.map((span) => span.attributes['error.type'])).toEqual(Array(5).fill('_OTHER'));
    const messages = spans.map((span) => span.status.message ?? '');
    expect(messages[0]).toBe('{"code":"ConditionalCheckFailed"}');
    expect(messages[1]).toBe('out of stock');
    expect(messages[2]?.startsWith('{"items":"xxx')).toBe(true);
    expect(messages[2]?.length).toBeLessThanOrEqual(2049);
    expect(messages[3]).toBe('{"code":"Denied","authorization":"[Redacted]"}');
    expect(messages[4]).toBe('[object Object]');
    for (const [i, span] of spans.entries()) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      const [exception] = span.events;
      expect(exception?.name).toBe('exception');
      // The exception event says what was thrown, and claims no type it does not have.
      expect(exception?.attributes?.['exception.message']).toBe(messages[i]);
      expect(exception?.attributes?.['exception.type']).toBeUndefined();
    }
  });

  it('records the 400 of a path that is not valid percent-encoding, with the path as sent', async () => {
    // Prepare: a router, so no route is bound before the path is decoded
    const files = router(
      http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name })),
    ).use(tracing());
    // Act
    const res = await invoke(files, httpRequest({ path: '/files/%E0%A4%A' }));
    // Assert
    expect(res.status).toBe(400);
    const span = only();
    expect(span.name).toBe('GET');
    expect(span.attributes['url.path']).toBe('/files/%E0%A4%A');
    expect(span.attributes['http.response.status_code']).toBe(400);
  });

  it('caps a path or user agent the request supplies at 2048 characters on the span', async () => {
    const res = await invoke(
      getOrder,
      httpRequest({ path: `/orders/${'x'.repeat(5000)}`, headers: { 'user-agent': 'u'.repeat(200_000) } }),
    );
    expect(res.status).toBe(200);
    const span = only();
    expect(String(span.attributes['user_agent.original'])).toHaveLength(2049);
    expect(String(span.attributes['url.path'])).toHaveLength(2049);
  });

  it('records one SERVER span with the FaaS and HTTP attributes, parented by traceparent', async () => {
    // Act
    const headers = { traceparent, 'user-agent': 'curl/8.5.0' };
    const res = await invoke(getOrder, httpRequest({ path: '/orders/7', headers }), {
      cloud: 'aws',
      region: 'eu-west-1',
      requestId: 'req-7',
      functionName: 'get-order',
      coldStart: true,
    });
    // Assert
    expect(res.status).toBe(200);
    const span = only();
    expect(span.name).toBe('GET /orders/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toEqual({
      'faas.trigger': 'http',
      'faas.invocation_id': 'req-7',
      'faas.coldstart': true,
      'faas.name': 'get-order',
      'cloud.provider': 'aws',
      'cloud.region': 'eu-west-1',
      'http.request.method': 'GET',
      'url.path': '/orders/7',
      'url.scheme': 'https',
      'server.address': 'localhost',
      'client.address': '127.0.0.1',
      'user_agent.original': 'curl/8.5.0',
      'http.route': '/orders/:id',
      'order.id': '7',
      'http.response.status_code': 200,
    });
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanId);
    expect(span.parentSpanContext?.isRemote).toBe(true);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('takes the parent from the X-Ray header on the platform carrier', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/1' }), {
      cloud: 'aws',
      trace: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
    });
    const span = only();
    expect(span.spanContext().traceId).toBe('5759e988bd862e3fe1be46a994272793');
    expect(span.parentSpanContext?.spanId).toBe('53995c3f42cd8ad8');
  });

  it('takes the parent from _X_AMZN_TRACE_ID on AWS when nothing else carries one', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1';
    try {
      await invoke(getOrder, httpRequest({ path: '/orders/1' }), { cloud: 'aws' });
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
    const span = only();
    expect(span.spanContext().traceId).toBe('65a1b2c30123456789abcdef01234567');
    expect(span.parentSpanContext?.spanId).toBe('1111111111111111');
  });

  it('takes the parent from X-Cloud-Trace-Context on GCP', async () => {
    await invoke(
      getOrder,
      httpRequest({
        path: '/orders/1',
        headers: { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=1' },
      }),
      {
        cloud: 'gcp',
      },
    );
    const span = only();
    expect(span.spanContext().traceId).toBe('105445aa7843bc8bf206b12000100000');
    expect(span.parentSpanContext?.spanId).toBe('00000000000000ff');
    expect(span.attributes['cloud.provider']).toBe('gcp');
  });

  it('starts a new root trace when no header is present', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/1' }));
    const span = only();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.attributes).not.toHaveProperty('cloud.provider');
  });

  it('records the exception and sets ERROR status on a failure', async () => {
    const res = await invoke(getOrder, httpRequest({ path: '/orders/boom' }));
    expect(res.status).toBe(500);
    const span = only();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'database down' });
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(span.attributes['error.type']).toBe('Error');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.events[0]?.attributes?.['exception.message']).toBe('database down');
  });

  it('does not mark a 4xx as an error', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/missing' }));
    const span = only();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['http.response.status_code']).toBe(404);
    expect(span.events).toEqual([]);
  });

  it('names spans by the matched route inside a router', async () => {
    const listOrders = http({ method: 'GET', path: '/orders' }).handle(() => []);
    // SkyportFunction.use() is typed for middleware that add nothing to the context; the span
    // ids tracing() adds are simply unused by the routes here.
    const api = router(listOrders).use(tracing() as unknown as Middleware<'http'>);
    await invoke(api, httpRequest({ path: '/orders' }));
    const span = only();
    expect(span.name).toBe('GET /orders');
    expect(span.attributes['http.route']).toBe('/orders');
  });

  it("labels a 404 for a path the function's route does not match with no route, on the span and the metric", async () => {
    // Prepare: a platform that sends every path to the function (a Function URL, the Functions Framework)
    const fn = http({ method: 'POST', path: '/items/:id' })
      .use(tracing())
      .handle(() => 'ok');
    await reader.collect();

    // Act
    const res = await invoke(fn, httpRequest({ method: 'POST', path: '/elsewhere' }), { functionName: 'unmatched' });

    // Assert
    expect(res.status).toBe(404);
    const span = only();
    expect(span.name).toBe('POST');
    expect(span.attributes['http.route']).toBeUndefined();
    const { resourceMetrics } = await reader.collect();
    const points =
      resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === 'http.server.request.duration')?.dataPoints ?? [];
    // Points of other tests' functions accumulate in the same metric: this route's must have no 404.
    const notFound = points.filter((p) => p.attributes['http.response.status_code'] === 404);
    expect(notFound.map((p) => p.attributes['http.route'])).toContain(undefined);
    expect(notFound.map((p) => p.attributes['http.route'])).not.toContain('/items/:id');
  });

  it('parents a queue message span on its traceparent attribute', async () => {
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    await invoke(fn, createMessage({ id: 'm-1', body: '{}', source: 'orders', attributes: { traceparent } }), {
      cloud: 'azure',
    });
    const span = only();
    expect(span.name).toBe('process orders');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.parentSpanContext?.spanId).toBe(spanId);
    expect(span.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'messaging.message.id': 'm-1',
      'messaging.destination.name': 'orders',
      'cloud.provider': 'azure',
    });
  });

  it('names an Azure function <FUNCAPP>/<FUNC> (faas.name), as the FaaS conventions require', async () => {
    // Prepare: the app name the Functions host sets
    vi.stubEnv('WEBSITE_SITE_NAME', 'orders-app');
    try {
      const fn = queue({ name: 'orders' })
        .use(tracing())
        .handle(() => undefined);
      // Act
      await invoke(fn, createMessage({ id: 'm-1', body: '{}', source: 'orders' }), {
        cloud: 'azure',
        functionName: 'fulfil',
      });
      await invoke(fn, createMessage({ id: 'm-2', body: '{}', source: 'orders' }), {
        cloud: 'aws',
        functionName: 'fulfil',
      });
    } finally {
      vi.unstubAllEnvs();
    }
    // Assert
    const [azure, aws] = finished();
    expect(azure?.attributes['faas.name']).toBe('orders-app/fulfil');
    expect(aws?.attributes['faas.name']).toBe('fulfil');
  });

  it('sets cloud.resource_id on an Azure span to the invoked function, not the function app', async () => {
    // Prepare: what the Functions host sets
    vi.stubEnv('WEBSITE_SITE_NAME', 'orders-app');
    vi.stubEnv('WEBSITE_OWNER_NAME', '0f3a52d8-3c5e-4c2b-9c4e-5d3c1a2b3c4d+orders-rg-WestEuropewebspace');
    vi.stubEnv('WEBSITE_RESOURCE_GROUP', 'orders-rg');
    const traced = tracing();
    vi.unstubAllEnvs();
    const fn = queue({ name: 'orders' })
      .use(traced)
      .handle(() => undefined);

    // Act
    await invoke(fn, createMessage({ id: 'm-1', body: '{}', source: 'orders' }), {
      cloud: 'azure',
      functionName: 'fulfil',
    });

    // Assert
    expect(only().attributes['cloud.resource_id']).toBe(
      '/subscriptions/0f3a52d8-3c5e-4c2b-9c4e-5d3c1a2b3c4d/resourceGroups/orders-rg/providers/Microsoft.Web/sites/orders-app/functions/fulfil',
    );
  });

  it("sets cloud.account.id and aws.lambda.invoked_arn on a Lambda span from the Lambda context's invoked ARN", async () => {
    // Prepare: the Lambda context, invoked through an alias
    const invokedFunctionArn = 'arn:aws:lambda:eu-west-1:210987654321:function:orders:live';
    const lambda = { awsRequestId: 'r-1', functionName: 'orders', invokedFunctionArn };

    // Act
    await invoke(getOrder, httpRequest({ path: '/orders/1' }), { cloud: 'aws', raw: lambda });
    await invoke(getOrder, httpRequest({ path: '/orders/1' }), { cloud: 'aws' });

    // Assert
    const [invoked, without] = finished();
    expect(invoked?.attributes).toMatchObject({
      'cloud.account.id': '210987654321',
      'aws.lambda.invoked_arn': invokedFunctionArn,
    });
    expect(without?.attributes).not.toHaveProperty('cloud.account.id');
    expect(without?.attributes).not.toHaveProperty('aws.lambda.invoked_arn');
  });

  it('names a Google Cloud function by its service (K_SERVICE) on spans and metrics, as the resource does', async () => {
    // Prepare: the service Cloud Run sets, hosting the function register() named `api`
    vi.stubEnv('K_SERVICE', 'orders-svc');
    const traced = tracing();
    vi.unstubAllEnvs();
    const fn = http({ method: 'GET', path: '/gcp-named' })
      .use(traced)
      .handle(() => 'ok');
    await reader.collect();

    // Act
    await invoke(fn, httpRequest({ path: '/gcp-named' }), { cloud: 'gcp', functionName: 'api' });
    await invoke(fn, httpRequest({ path: '/gcp-named' }), { cloud: 'node', functionName: 'api' });

    // Assert
    const [gcp, node] = finished();
    expect(gcp?.attributes['faas.name']).toBe('orders-svc');
    expect(node?.attributes['faas.name']).toBe('api');
    const { resourceMetrics } = await reader.collect();
    const invocations = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'faas.invocations');
    const named = (invocations?.dataPoints ?? []).filter((p) => p.attributes['cloud.provider'] === 'gcp');
    expect(named.map((p) => p.attributes['faas.name'])).toContain('orders-svc');
    expect(named.map((p) => p.attributes['faas.name'])).not.toContain('api');
  });

  it('makes the invocation span the parent of spans the handler starts', async () => {
    const fn = schedule({ cron: '0 3 * * *' })
      .use(tracing())
      .handle(async () => {
        await trace.getTracer('app').startActiveSpan('work', async (span) => span.end());
      });
    await invoke(fn, createScheduleTick({ name: 'nightly', scheduledTime: new Date() }), { functionName: 'nightly' });
    const [work, invocation] = finished();
    expect(invocation?.name).toBe('nightly');
    expect(invocation?.attributes['faas.trigger']).toBe('timer');
    expect(work?.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
  });

  it('decides per invocation whether an SDK is registered', async () => {
    // Arrange: built while the SDK is registered, first run without it, then with metrics only
    const fn = http()
      .use(tracing())
      .handle((_req, ctx) => ({ recording: ctx.span.isRecording(), traceId: ctx.traceId }));
    const request = httpRequest({ headers: { traceparent } });
    trace.disable();
    metrics.disable();
    try {
      // Act + Assert: no SDK
      expect((await invoke(fn, request)).body).toEqual({ recording: false, traceId });
      metrics.setGlobalMeterProvider(meterProvider);
      // Metrics only: still no span
      expect((await invoke(fn, request)).body).toEqual({ recording: false, traceId });
      expect(finished()).toHaveLength(0);
    } finally {
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.disable();
      metrics.setGlobalMeterProvider(meterProvider);
    }
    // Both again: a recording span parented by the caller
    const res = await invoke(fn, request);
    expect(res.body).toEqual({ recording: true, traceId });
    expect(only().parentSpanContext?.spanId).toBe(spanId);
  });

  it('gives the logger the invocation span ids', async () => {
    const logs = collectLogs();
    try {
      const fn = http()
        .use(tracing())
        .use(logger())
        .handle((_req, ctx) => ctx.log.info('inside'));
      await invoke(fn, httpRequest({ headers: { traceparent } }));
      const span = only();
      expect(logs.lines.map((l) => [l.traceId, l.spanId])).toEqual([
        [traceId, span.spanContext().spanId],
        [traceId, span.spanContext().spanId],
      ]);
      expect(span.spanContext().spanId).not.toBe(spanId);
    } finally {
      logs.restore();
    }
  });

  it('flushes the SDK before returning on AWS, where the instance is frozen afterwards', async () => {
    const batched = new InMemorySpanExporter();
    const processor = new BatchSpanProcessor(batched, { scheduledDelayMillis: 60_000 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const fn = http()
        .use(tracing())
        .handle(() => 'ok');
      await invoke(fn, httpRequest(), { cloud: 'node' });
      expect(batched.getFinishedSpans()).toHaveLength(0);
      await invoke(fn, httpRequest(), { cloud: 'aws' });
      expect(batched.getFinishedSpans()).toHaveLength(2);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('leaves export to the batch processor on Lambda Managed Instances, which never freeze', async () => {
    const batched = new InMemorySpanExporter();
    const processor = new BatchSpanProcessor(batched, { scheduledDelayMillis: 60_000 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '64');
    try {
      const fn = http()
        .use(tracing())
        .handle(() => 'ok');
      await invoke(fn, httpRequest(), { cloud: 'aws' });
      expect(batched.getFinishedSpans()).toHaveLength(0);
      await invoke(
        http()
          .use(tracing({ flush: true }))
          .handle(() => 'ok'),
        httpRequest(),
        { cloud: 'aws' },
      );
      expect(batched.getFinishedSpans()).toHaveLength(2);
    } finally {
      vi.unstubAllEnvs();
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('waits for a flush that ends in time, even for an invocation that timeout() ended near its deadline', async () => {
    const exported: ReadableSpan[] = [];
    const slow: SpanExporter = {
      export: (spans, done) => {
        setTimeout(() => {
          exported.push(...spans);
          done({ code: 0 });
        }, 30);
      },
      shutdown: async () => undefined,
    };
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(slow)] });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const fn = http()
        .use(tracing())
        .use(timeout())
        // A handler that never answers: timeout() gives up on it 500 ms before the deadline.
        .handle(() => new Promise<string>(() => undefined));
      const res = await invoke(fn, httpRequest(), { cloud: 'aws', deadline: Date.now() + 700 });
      expect(res.status).toBe(504);
      expect(exported).toHaveLength(1);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('stops waiting for a flush that hangs before the deadline, and answers what the handler gave', async () => {
    // An exporter whose collector never answers (out of reach).
    const waiting: (() => void)[] = [];
    const hanging: SpanExporter = {
      export: (_spans, done) => waiting.push(() => done({ code: 0 })),
      shutdown: async () => undefined,
    };
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(hanging, { exportTimeoutMillis: 5000 })],
    });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const api = http()
        .use(tracing())
        .handle(() => 'ok');
      const worker = queue({ name: 'q' })
        .use(tracing())
        .handle(() => undefined);
      const deadline = Date.now() + 1500;
      const res = await invoke(api, httpRequest(), { cloud: 'aws', deadline });
      expect(res.status).toBe(200);
      expect(Date.now()).toBeLessThan(deadline);
      const batchDeadline = Date.now() + 1500;
      const out = await invoke(worker, [message(), message()], { cloud: 'aws', deadline: batchDeadline });
      expect(out).toMatchObject({ ok: true, failures: [] });
      expect(Date.now()).toBeLessThan(batchDeadline);
      expect(waiting.length).toBeGreaterThan(0);
    } finally {
      for (const release of waiting) release();
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('records invocations, errors, cold starts and a duration histogram', async () => {
    const fn = http({ method: 'GET', path: '/m/:id' })
      .use(tracing())
      .handle((req) => {
        if (req.params.id === 'x') throw new Error('no');
        return 'ok';
      });
    await reader.collect();
    await invoke(fn, httpRequest({ path: '/m/1' }), { functionName: 'metered', coldStart: true });
    await invoke(fn, httpRequest({ path: '/m/2' }), { functionName: 'metered' });
    await invoke(fn, httpRequest({ path: '/m/x' }), { functionName: 'metered' });
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.filter((s) => s.scope.name === '@skyport/core').flatMap((s) => s.metrics);
    const points = (name: string) =>
      (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []).filter(
        (p) => (p as DataPoint<unknown>).attributes['faas.name'] === 'metered',
      ) as DataPoint<unknown>[];
    // Successful invocations only, as the FaaS metric conventions define it.
    expect(points('faas.invocations').map((p) => p.value)).toEqual([2]);
    expect(points('faas.errors').map((p) => p.value)).toEqual([1]);
    expect(points('faas.timeouts')).toEqual([]);
    expect(points('faas.coldstarts').map((p) => p.value)).toEqual([1]);
    const histogram = points('faas.invoke_duration')[0]?.value as Histogram | undefined;
    expect(histogram?.count).toBe(3);
    expect(points('faas.invocations')[0]?.attributes).toEqual({ 'faas.trigger': 'http', 'faas.name': 'metered' });
    expect(all.find((m) => m.descriptor.name === 'faas.invoke_duration')?.descriptor.unit).toBe('s');
  });
  it('counts an invocation that failed by its deadline in faas.timeouts and faas.errors, not faas.invocations', async () => {
    // Prepare: timeout() inside tracing(), a 504 for http, a failed message for a queue
    const slow = async (ctx: Context) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ctx.signal.throwIfAborted();
    };
    const page = http({ method: 'GET', path: '/slow' })
      .use(tracing())
      .use(timeout({ ms: 20 }))
      .handle(async (req, ctx) => {
        if (req.query.wait !== undefined) await slow(ctx);
        if (req.query.gateway !== undefined) throw new HttpError(504, 'the upstream timed out');
        return 'ok';
      });
    const worker = queue({ name: 'slow' })
      .use(tracing())
      .use(timeout({ ms: 20 }))
      .handle((_msg, ctx) => slow(ctx));
    await reader.collect();

    // Act
    const options = { functionName: 'deadlined' };
    expect((await invoke(page, httpRequest({ path: '/slow?wait=1' }), options)).status).toBe(504);
    expect((await invoke(page, httpRequest({ path: '/slow?gateway=1' }), options)).status).toBe(504);
    await invoke(page, httpRequest({ path: '/slow' }), options);
    expect((await invoke(worker, createMessage({ id: 'm-1', body: '{}', source: 'slow' }), options)).ok).toBe(false);

    // Assert
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const value = (name: string, trigger: string) =>
      all
        .find((m) => m.descriptor.name === name)
        ?.dataPoints.find((p) => p.attributes['faas.name'] === 'deadlined' && p.attributes['faas.trigger'] === trigger)
        ?.value;
    expect(value('faas.timeouts', 'http')).toBe(1);
    expect(value('faas.errors', 'http')).toBe(2);
    expect(value('faas.invocations', 'http')).toBe(1);
    expect(value('faas.timeouts', 'pubsub')).toBe(1);
    expect(value('faas.errors', 'pubsub')).toBe(1);
    expect(value('faas.invocations', 'pubsub')).toBeUndefined();
    expect(all.find((m) => m.descriptor.name === 'faas.timeouts')?.descriptor.unit).toBe('{timeout}');
  });

  it('counts a batch whose message timeout() further out gave up on as one timed-out invocation', async () => {
    // Prepare: timeout() outside tracing(): the message span never sees its deadline
    const worker = queue({ name: 'abandoned' })
      .use(timeout({ ms: 30 }))
      .use(tracing())
      .handle(async (msg) => {
        if (msg.id === 'b') await new Promise((resolve) => setTimeout(resolve, 120));
      });
    await reader.collect();
    exporter.reset();

    // Act
    const result = await invoke(
      worker,
      ['a', 'b'].map((id) => createMessage({ id, body: '{}', source: 'abandoned' })),
      { cloud: 'aws', functionName: 'abandoned' },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Assert
    expect(result.failures.map((failure) => failure.id)).toEqual(['b']);
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const value = (name: string) =>
      all.find((m) => m.descriptor.name === name)?.dataPoints.find((p) => p.attributes['faas.name'] === 'abandoned')
        ?.value;
    expect([value('faas.invocations'), value('faas.errors'), value('faas.timeouts')]).toEqual([undefined, 1, 1]);
    const batch = finished().find((span) => span.attributes['messaging.batch.message_count'] === 2);
    expect(batch?.status.code).toBe(SpanStatusCode.ERROR);
    // The late message's span is still exported, under its batch
    expect(finished().filter((span) => span.attributes['messaging.message.id'] === 'b')).toHaveLength(1);
  });

  it('takes server.address from the URL without user info, port or IPv6 brackets', async () => {
    const fn = http()
      .use(tracing())
      .handle(() => 'ok');
    for (const host of ['user:pw@example.com:8080', '[::1]:8080', 'api.example']) {
      await invoke(fn, httpRequest({ path: '/x', headers: { host } }));
    }
    expect(finished().map((span) => span.attributes['server.address'])).toEqual(['example.com', '::1', 'api.example']);
  });

  it('sets url.query as received, with the values of signature and key parameters REDACTED', async () => {
    // Prepare
    const fn = http()
      .use(tracing())
      .handle(() => 'ok');
    const queries = [
      'q=otel&sig=abc%2B1&AWSAccessKeyId=AKIA1&Signature=s1&X-Goog-Signature=g1&code=key1&n=2',
      'Code=key2&SIG=x&signatures=kept&sig',
      '%63ode=key3&x=1',
      'access_token=eyJ1&X-Amz-Security-Token=FQo&X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F1&key=AIza1&api_key=k&token=t',
    ];

    // Act
    for (const query of queries) await invoke(fn, httpRequest({ path: `/search?${query}` }));
    await invoke(fn, httpRequest({ path: '/search' }));

    // Assert
    expect(finished().map((span) => span.attributes['url.query'])).toEqual([
      'q=otel&sig=REDACTED&AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED&code=REDACTED&n=2',
      'Code=REDACTED&SIG=REDACTED&signatures=kept&sig',
      '%63ode=REDACTED&x=1',
      'access_token=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&key=REDACTED&api_key=REDACTED&token=REDACTED',
      undefined,
    ]);
    expect(finished()[0]?.attributes['url.path']).toBe('/search');
  });

  it('sets server.port from the port X-Forwarded-Host or Host names, and none when they name none', async () => {
    // Prepare
    const fn = http()
      .use(tracing())
      .handle(() => 'ok');
    const hosts: Record<string, string>[] = [
      { host: 'api.example:8443' },
      { host: '[::1]:8080' },
      { host: 'internal:8080', 'x-forwarded-host': 'shop.example:9443, proxy.example:80' },
      { host: 'api.example' },
      { host: 'api.example:99999' },
    ];

    // Act
    for (const headers of hosts) await invoke(fn, httpRequest({ path: '/x', headers }));

    // Assert
    expect(finished().map((span) => span.attributes['server.port'])).toEqual([8443, 8080, 9443, undefined, undefined]);
  });

  it('records http.server.request.duration by method, route, status and error type', async () => {
    // A route of its own: the points of other tests' functions accumulate in the same metric.
    const fn = http({ method: 'GET', path: '/metered/:id' })
      .use(tracing())
      .handle((req) => {
        if (req.params.id === 'boom') throw new Error('database down');
        if (req.params.id === 'missing') throw new HttpError(404, 'no such thing');
        return { id: req.params.id };
      });
    await reader.collect();
    for (const id of ['1', 'missing', 'boom']) await invoke(fn, httpRequest({ path: `/metered/${id}` }));
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'http.server.request.duration');
    expect(metric?.descriptor.unit).toBe('s');
    const points = (metric?.dataPoints ?? []).map((p) => ({
      attributes: p.attributes,
      count: (p.value as Histogram).count,
    }));
    const base = { 'http.request.method': 'GET', 'url.scheme': 'https', 'http.route': '/metered/:id' };
    expect(points).toEqual(
      expect.arrayContaining([
        { attributes: { ...base, 'http.response.status_code': 200 }, count: 1 },
        { attributes: { ...base, 'http.response.status_code': 404 }, count: 1 },
        { attributes: { ...base, 'http.response.status_code': 500, 'error.type': 'Error' }, count: 1 },
      ]),
    );
  });

  it('puts the duration histogram in second buckets', async () => {
    const fn = http()
      .use(tracing())
      .handle(() => 'ok');
    await reader.collect();
    const started = performance.now();
    await invoke(fn, httpRequest(), { functionName: 'bucketed' });
    const elapsedSeconds = (performance.now() - started) / 1000;
    const { resourceMetrics } = await reader.collect();
    const duration = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'faas.invoke_duration');
    const point = duration?.dataPoints.find((p) => p.attributes['faas.name'] === 'bucketed');
    const histogram = point?.value as Histogram | undefined;
    const boundaries = histogram?.buckets.boundaries ?? [];
    expect(boundaries.slice(0, 3)).toEqual([0.005, 0.01, 0.025]);
    expect(boundaries).toContain(1);
    // The value is in seconds: no more than the seconds the invocation took (in milliseconds it
    // would be a thousand times that), and counted in the bucket that holds it.
    const recorded = histogram?.sum ?? Number.NaN;
    expect(recorded).toBeGreaterThanOrEqual(0);
    expect(recorded).toBeLessThanOrEqual(elapsedSeconds);
    const bucket = boundaries.findIndex((upper) => recorded <= upper);
    expect(histogram?.buckets.counts[bucket === -1 ? boundaries.length : bucket]).toBe(1);
  });

  it('ignores an unsampled _X_AMZN_TRACE_ID (Active tracing off), so spans are still recorded', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=0';
    try {
      await invoke(getOrder, httpRequest({ path: '/orders/1' }), { cloud: 'aws' });
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
    const span = only();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe('65a1b2c30123456789abcdef01234567');
  });

  it("parents a request on Lambda's own segment rather than the X-Ray header API Gateway sent", async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1';
    try {
      const headers = {
        'x-amzn-trace-id': 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=2222222222222222;Sampled=1',
      };
      await invoke(getOrder, httpRequest({ path: '/orders/1', headers }), { cloud: 'aws' });
      expect(only().parentSpanContext?.spanId).toBe('1111111111111111');
      exporter.reset();
      // A caller's traceparent still comes first.
      await invoke(getOrder, httpRequest({ path: '/orders/1', headers: { ...headers, traceparent } }), {
        cloud: 'aws',
      });
      expect(only().parentSpanContext?.spanId).toBe(spanId);
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });

  it("records an SQS batch as one invocation span, each message its child linked to its producer's trace", async () => {
    // Prepare: Lambda's own segment (Active tracing) and three messages: one with the producer's
    // AWSTraceHeader SQS keeps, one with a traceparent attribute, one with no trace
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const lambdaSegment = { traceId: '1a2b3c4d5e6f70811a2b3c4d5e6f7081', spanId: '1111222233334444' };
    const ctx = createContext({
      cloud: 'aws',
      kind: 'queue',
      requestId: 'r-1',
      functionName: 'fulfil',
      trace: { 'x-amzn-trace-id': 'Root=1-1a2b3c4d-5e6f70811a2b3c4d5e6f7081;Parent=1111222233334444;Sampled=1' },
    });
    const sqs = { eventSource: 'aws:sqs' };
    const awsTraceHeader = {
      'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    };
    const items = [
      { id: 'm-1', event: createMessage({ id: 'm-1', body: '{}', source: 'orders', raw: sqs }), trace: awsTraceHeader },
      {
        id: 'm-2',
        event: createMessage({ id: 'm-2', body: '{}', source: 'orders', raw: sqs, attributes: { traceparent } }),
      },
      { id: 'm-3', event: createMessage({ id: 'm-3', body: '{}', source: 'orders', raw: sqs }) },
    ];

    // Act
    await runBatch(fn, items, ctx);

    // Assert: the invocation span ends last, after its messages
    const spans = finished();
    expect(spans).toHaveLength(4);
    const invocation = spans[3] as ReadableSpan;
    const messages = spans.slice(0, 3);
    expect(invocation.name).toBe('process orders');
    expect(invocation.kind).toBe(SpanKind.CONSUMER);
    expect(invocation.spanContext().traceId).toBe(lambdaSegment.traceId);
    expect(invocation.parentSpanContext?.spanId).toBe(lambdaSegment.spanId);
    expect(invocation.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'faas.invocation_id': 'r-1',
      'faas.name': 'fulfil',
      'cloud.provider': 'aws',
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.batch.message_count': 3,
    });
    expect(invocation.attributes).not.toHaveProperty('messaging.message.id');
    expect(invocation.links.map((link) => link.context.spanId)).toEqual(['53995c3f42cd8ad8', spanId]);
    expect(messages.map((span) => span.attributes['messaging.message.id'])).toEqual(['m-1', 'm-2', 'm-3']);
    for (const span of messages) {
      expect(span.name).toBe('process orders');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.spanContext().traceId).toBe(lambdaSegment.traceId);
      expect(span.parentSpanContext?.spanId).toBe(invocation.spanContext().spanId);
      expect(span.attributes).toMatchObject({ 'faas.trigger': 'pubsub', 'messaging.system': 'aws_sqs' });
      expect(span.attributes).not.toHaveProperty('messaging.batch.message_count');
    }
    expect(messages.map((span) => span.links.map((link) => link.context.traceId))).toEqual([
      ['5759e988bd862e3fe1be46a994272793'],
      [traceId],
      [],
    ]);
  });

  it('starts a trace of its own for a batch without a sampled trace of the invocation, whatever its messages carry', async () => {
    // Prepare: Active tracing off (Lambda's header unsampled), a message from a sampled producer
    const fn = stream({ name: 'clicks' })
      .use(tracing())
      .handle(() => undefined);
    const ctx = createContext({
      cloud: 'aws',
      kind: 'stream',
      requestId: 'r-2',
      functionName: 'clicks',
      trace: { 'x-amzn-trace-id': 'Root=1-1a2b3c4d-5e6f70811a2b3c4d5e6f7081;Parent=1111222233334444;Sampled=0' },
    });
    const record = createStreamRecord({ sequence: '7', partitionKey: 'p', data: '{}', source: 'clicks' });

    // Act: the producer's trace as an Event Hubs event or SQS message carries it beside the record
    await runBatch(fn, [{ id: '7', event: record, trace: { traceparent } }], ctx);

    // Assert: the batch of one is still the invocation, as the platform delivered a batch
    const [message, invocation] = finished();
    expect(invocation?.parentSpanContext).toBeUndefined();
    expect(invocation?.spanContext().traceId).not.toBe(traceId);
    expect(invocation?.attributes['messaging.batch.message_count']).toBe(1);
    expect(message?.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
    expect(message?.links.map((link) => link.context.traceId)).toEqual([traceId]);
  });

  it('gives one span to a message a trigger delivers alone (SNS, a Service Bus queue of the default cardinality)', async () => {
    // Prepare
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const withProducer = (id: string, raw?: unknown) =>
      createMessage({ id, body: '{}', source: 'orders', raw, attributes: { traceparent } });
    const serviceBus = new InvocationContext({
      invocationId: 'i-1',
      functionName: 'orders',
      options: { trigger: { type: 'serviceBusTrigger', name: 'message', queueName: 'orders' } },
    });

    // Act
    await invoke(fn, withProducer('n-1', { EventSource: 'aws:sns' }), { cloud: 'aws' });
    await invoke(fn, withProducer('b-1'), { cloud: 'azure', raw: serviceBus });
    await invoke(fn, withProducer('p-1'), { cloud: 'gcp' });

    // Assert: the message span is the invocation's, a child of its producer (messaging
    // conventions: single-message processing may use the creation context as parent)
    const spans = finished();
    expect(spans.map((span) => span.attributes['messaging.message.id'])).toEqual(['n-1', 'b-1', 'p-1']);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(spanId);
      expect(span.attributes).not.toHaveProperty('messaging.batch.message_count');
    }
  });

  it('records an Event Hubs batch (cardinality many) under the Functions host span, when it is sampled', async () => {
    // Prepare
    const fn = stream({ name: 'telemetry' })
      .use(tracing())
      .handle(() => undefined);
    const hostTraceId = '0af7651916cd43dd8448eb211c80319c';
    const raw = new InvocationContext({
      invocationId: 'i-2',
      functionName: 'telemetry',
      traceContext: { traceParent: `00-${hostTraceId}-b7ad6b7169203331-01` },
      options: { trigger: { type: 'eventHubTrigger', name: 'events', eventHubName: 'telemetry', cardinality: 'many' } },
    });
    const record = (sequence: string) =>
      createStreamRecord({ sequence, partitionKey: 'p', data: '{}', source: 'telemetry' });

    const ctx = createContext({
      cloud: 'azure',
      kind: 'stream',
      requestId: 'i-2',
      functionName: 'telemetry',
      raw,
      trace: { traceparent: `00-${hostTraceId}-b7ad6b7169203331-01` },
    });

    // Act
    await runBatch(
      fn,
      ['1', '2'].map((id) => ({ id, event: record(id) })),
      ctx,
    );

    // Assert
    const spans = finished();
    const invocation = spans.at(-1);
    expect(spans).toHaveLength(3);
    expect(invocation?.name).toBe('process telemetry');
    expect(invocation?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(invocation?.attributes).toMatchObject({
      'messaging.system': 'eventhubs',
      'messaging.batch.message_count': 2,
    });
    for (const span of spans.slice(0, 2)) {
      expect(span.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
    }
  });

  it('names a batch span without a destination when its messages come from several', async () => {
    // Prepare
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const from = (source: string) => createMessage({ id: source, body: '{}', source });

    // Act
    await invoke(fn, [from('orders'), from('returns')], { cloud: 'aws' });

    // Assert
    expect(finished().map((span) => span.name)).toEqual(['process orders', 'process returns', 'process']);
  });

  it('records a batch of changes as a datasource invocation span, each change inside it', async () => {
    // Prepare: DynamoDB Streams records as changes
    const fn = changes({ collection: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const change = (id: string) =>
      createChangeEvent({ op: 'insert', collection: 'orders', key: { id }, after: { id }, time: new Date() });

    // Act
    await invoke(fn, [change('1'), change('2')], { cloud: 'aws', functionName: 'sync' });

    // Assert
    const [first, second, invocation] = finished();
    expect(invocation?.name).toBe('sync');
    expect(invocation?.kind).toBe(SpanKind.SERVER);
    expect(invocation?.attributes).toMatchObject({
      'faas.trigger': 'datasource',
      'faas.document.collection': 'orders',
    });
    for (const span of [first, second]) {
      expect(span?.kind).toBe(SpanKind.INTERNAL);
      expect(span?.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
      expect(span?.attributes['faas.document.operation']).toBe('insert');
    }
  });

  it('parents a Pub/Sub message on its googclient_traceparent attribute', async () => {
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const message = createMessage({
      id: 'p-1',
      body: '{}',
      source: 'orders',
      attributes: { googclient_traceparent: traceparent },
    });
    await invoke(fn, message, { cloud: 'gcp' });
    const span = only();
    expect(span.parentSpanContext?.spanId).toBe(spanId);
    expect(span.attributes['messaging.system']).toBe('gcp_pubsub');
  });

  it('parents a Service Bus or Event Hubs message on the Diagnostic-Id the Azure SDKs write', async () => {
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const message = createMessage({
      id: 'b-1',
      body: '{}',
      source: 'orders',
      attributes: { 'Diagnostic-Id': traceparent },
    });
    await invoke(fn, message, { cloud: 'azure' });
    expect(only().parentSpanContext?.spanId).toBe(spanId);
  });

  it("links each message span of a batch to its producer's trace when an instrumentation's span is active", async () => {
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const producers = ['0af7651916cd43dd8448eb211c80319c', '4bf92f3577b34da6a3ce929d0e0e4737'];
    const messages = producers.map((trace, i) =>
      createMessage({
        id: `m-${i}`,
        body: '{}',
        source: 'orders',
        attributes: { traceparent: `00-${trace}-${spanId}-01` },
      }),
    );
    const outer = trace.getTracer('lambda-instrumentation').startSpan('orders');
    await context.with(trace.setSpan(context.active(), outer), () => invoke(fn, messages, { cloud: 'aws' }));
    outer.end();
    const spans = finished().filter((span) => span.name === 'process orders');
    expect(spans).toHaveLength(3);
    // The batch's invocation span is the instrumentation's child; each message span is its own.
    const invocation = spans[2] as ReadableSpan;
    expect(invocation.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(invocation.links.map((link) => link.context.traceId)).toEqual(producers);
    for (const [i, span] of spans.slice(0, 2).entries()) {
      expect(span.parentSpanContext?.spanId).toBe(invocation.spanContext().spanId);
      expect(span.links.map((link) => link.context.traceId)).toEqual([producers[i]]);
    }
  });

  it('names the messaging system from the platform: the SQS record, the Azure trigger type', async () => {
    const fn = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const sqs = createMessage({ id: 's-1', body: '{}', source: 'orders', raw: { eventSource: 'aws:sqs' } });
    await invoke(fn, sqs, { cloud: 'aws' });
    const serviceBus = new InvocationContext({
      invocationId: 'i-1',
      functionName: 'orders',
      options: { trigger: { type: 'serviceBusTrigger', name: 'message' } },
    });
    await invoke(fn, createMessage({ id: 'b-1', body: '{}', source: 'orders' }), { cloud: 'azure', raw: serviceBus });
    await invoke(fn, createMessage({ id: 'n-1', body: '{}', source: 'orders' }), { cloud: 'node' });
    // An SQS event is a batch, even of one message: its invocation span and the message's.
    expect(finished().map((span) => span.attributes['messaging.system'])).toEqual([
      'aws_sqs',
      'aws_sqs',
      'servicebus',
      undefined,
    ]);
  });

  it('records a batch as one invocation: metrics once, one flush, its span and one per message', async () => {
    let flushes = 0;
    const batched = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(batched, { scheduledDelayMillis: 60_000 })],
    });
    const forceFlush = provider.forceFlush.bind(provider);
    provider.forceFlush = () => {
      flushes++;
      return forceFlush();
    };
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const fn = queue({ name: 'orders' })
        .use(tracing())
        .handle((msg) => {
          if (msg.id === 'm-2') throw new Error('no stock');
        });
      await reader.collect();
      const batch = ['m-1', 'm-2', 'm-3'].map((id) => createMessage({ id, body: '{}', source: 'orders' }));
      const result = await invoke(fn, batch, { cloud: 'aws', functionName: 'batched', coldStart: true });
      expect(result.failures.map((f) => f.id)).toEqual(['m-2']);
      expect(flushes).toBe(1);
      const spans = batched.getFinishedSpans();
      expect(spans.map((span) => span.attributes['messaging.message.id'])).toEqual(['m-1', 'm-2', 'm-3', undefined]);
      // A message failed: so did the invocation, with the first failure's type.
      const invocation = spans[3];
      expect(invocation?.status.code).toBe(SpanStatusCode.ERROR);
      expect(invocation?.attributes['error.type']).toBe('Error');
      expect(spans[0]?.status.code).toBe(SpanStatusCode.UNSET);
      expect(spans[1]?.status.code).toBe(SpanStatusCode.ERROR);
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const value = (name: string) =>
        all.find((m) => m.descriptor.name === name)?.dataPoints.find((p) => p.attributes['faas.name'] === 'batched')
          ?.value;
      // A message failed: the batch is a failed invocation, no successful one.
      expect(value('faas.invocations')).toBeUndefined();
      expect(value('faas.coldstarts')).toBe(1);
      expect(value('faas.errors')).toBe(1);
      expect((value('faas.invoke_duration') as Histogram | undefined)?.count).toBe(1);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('records and flushes a message itself when it ends after its batch was answered (a timeout outside)', async () => {
    let flushes = 0;
    const batched = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(batched, { scheduledDelayMillis: 60_000 })],
    });
    const forceFlush = provider.forceFlush.bind(provider);
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      let late: () => void = () => undefined;
      const lateDone = new Promise<void>((resolve) => {
        late = resolve;
      });
      const fn = queue({ name: 'orders' })
        .use(timeout({ ms: 30 }))
        .use(tracing())
        .handle(async (msg) => {
          if (msg.id === 'm-2') await new Promise((resolve) => setTimeout(resolve, 80));
        });
      const ctx = createContext({ cloud: 'aws', kind: 'queue', requestId: 'r-late', functionName: 'late' });
      const items = ['m-1', 'm-2', 'm-3'].map((id) => ({
        id,
        event: createMessage({ id, body: '{}', source: 'orders' }),
      }));
      provider.forceFlush = () => {
        flushes++;
        if (flushes === 2) late();
        return forceFlush();
      };
      const result = await runBatch(fn, items, ctx);
      expect(result.failures.map((f) => f.id)).toEqual(['m-2']);
      expect(flushes).toBe(1);
      // m-1, m-3 and the batch's own span, flushed with the batch
      expect(batched.getFinishedSpans()).toHaveLength(3);
      await lateDone;
      expect(batched.getFinishedSpans().map((span) => span.attributes['messaging.message.id'])).toContain('m-2');
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracerProvider);
      await provider.shutdown();
    }
  });

  it('follows the HTTP conventions for the scheme, unknown methods and a returned 5xx', async () => {
    const fn = http()
      .use(tracing())
      .handle((req) => (req.method === 'POST' ? { status: 503, body: 'busy' } : 'ok'));
    await invoke(fn, httpRequest({ method: 'POST', path: '/x', headers: { host: 'api.example' } }));
    const failed = only();
    expect(failed.attributes['url.scheme']).toBe('https');
    expect(failed.attributes['error.type']).toBe('503');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    exporter.reset();
    await invoke(fn, httpRequest({ method: 'PURGE', path: '/x' }));
    const purge = only();
    expect(purge.name).toBe('HTTP');
    expect(purge.attributes['http.request.method']).toBe('_OTHER');
    expect(purge.attributes['http.request.method_original']).toBe('PURGE');
  });

  it('describes storage, change, schedule, stream and CloudEvent invocations by their conventions', async () => {
    const time = new Date('2026-01-23T13:47:06Z');
    await invoke(
      storage({ bucket: 'uploads' })
        .use(tracing())
        .handle(() => undefined),
      createStorageEvent({ type: 'deleted', bucket: 'uploads', key: 'a b.png', time }),
      { functionName: 'thumbs' },
    );
    await invoke(
      changes({ collection: 'orders' })
        .use(tracing())
        .handle(() => undefined),
      createChangeEvent({ op: 'update', collection: 'orders', key: { id: '1' }, after: { id: '1' }, time }),
      { functionName: 'sync' },
    );
    await invoke(
      schedule({ cron: '0 3 * * *' })
        .use(tracing())
        .handle(() => undefined),
      createScheduleTick({ name: 'nightly', scheduledTime: time }),
      { functionName: 'nightly' },
    );
    await invoke(
      stream({ name: 'clicks' })
        .use(tracing())
        .handle(() => undefined),
      createStreamRecord({ sequence: '42', partitionKey: 'p', data: '{}', source: 'clicks' }),
      { functionName: 'clicks' },
    );
    await invoke(
      events({ source: 'shop' })
        .use(tracing())
        .handle(() => undefined),
      createCloudEvent({ id: 'e-1', source: 'shop', type: 'order.placed', data: {} }),
      { functionName: 'placed' },
    );
    const [object, change, tick, record, cloudEvent] = finished();
    expect(object?.kind).toBe(SpanKind.SERVER);
    expect(object?.attributes).toMatchObject({
      'faas.trigger': 'datasource',
      'faas.document.collection': 'uploads',
      'faas.document.operation': 'delete',
      'faas.document.name': 'a b.png',
      'faas.document.time': '2026-01-23T13:47:06.000Z',
    });
    expect(change?.attributes).toMatchObject({
      'faas.document.collection': 'orders',
      'faas.document.operation': 'edit',
    });
    expect(tick?.kind).toBe(SpanKind.SERVER);
    expect(tick?.attributes).toMatchObject({ 'faas.trigger': 'timer', 'faas.time': '2026-01-23T13:47:06.000Z' });
    expect(record?.kind).toBe(SpanKind.CONSUMER);
    expect(record?.name).toBe('process clicks');
    expect(record?.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.message.id': '42',
      'messaging.destination.name': 'clicks',
    });
    expect(cloudEvent?.name).toBe('process order.placed');
    expect(cloudEvent?.attributes).toMatchObject({
      'cloudevents.event_id': 'e-1',
      'cloudevents.event_source': 'shop',
      'cloudevents.event_type': 'order.placed',
    });
  });
});
