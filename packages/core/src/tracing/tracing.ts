/** `tracing()`: one OpenTelemetry span and the FaaS metrics per invocation, through `@opentelemetry/api`. */
import {
  type Attributes,
  type Counter,
  context,
  createNoopMeter,
  createTraceState,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type MeterProvider,
  metrics,
  type Context as OtelContext,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { toHttpError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import type {
  Context,
  EventOf,
  HttpRequest,
  HttpResponse,
  Kind,
  Message,
  Middleware,
  MiddlewareResult,
  Next,
} from '../types.js';
import { findParent, type TraceParent } from './propagation.js';

/** What `tracing()` adds to the context. */
export interface TracingContext {
  /** The invocation span: add attributes and events to it. Non-recording when no SDK is registered. */
  readonly span: Span;
  /** The trace id (32 hex) when there is a valid trace (an SDK, or a caller's trace without one). */
  readonly traceId: string | undefined;
  /** The span id (16 hex): the invocation span's, or the caller's when no SDK is registered. */
  readonly spanId: string | undefined;
}

/** Options of `tracing()`. */
export interface TracingOptions {
  /** The instrumentation scope name of the tracer and meter (default `@skyport/core`). */
  readonly name?: string;
  /** Record the FaaS metrics (default true). */
  readonly metrics?: boolean;
  /** Extra span attributes, fixed or per invocation. */
  readonly attributes?: Attributes | ((event: unknown, ctx: Context) => Attributes);
  /**
   * Flush the registered SDK's spans and metrics before the invocation returns. Default: on
   * `aws` and `gcp`, where the platform freezes or throttles the instance once the response is
   * sent, so a batch left in memory would be exported late or lost.
   */
  readonly flush?: boolean;
}

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | undefined)?.forceFlush === 'function';
}

/** Flushes the global SDK providers; nothing to do (and no cost) when none is registered. */
async function flushProviders(): Promise<void> {
  const proxy = trace.getTracerProvider();
  const tracerProvider = proxy instanceof ProxyTracerProvider ? proxy.getDelegate() : proxy;
  const meterProvider = metrics.getMeterProvider();
  const pending: Promise<void>[] = [];
  if (isFlushable(tracerProvider)) pending.push(tracerProvider.forceFlush());
  if (isFlushable(meterProvider)) pending.push(meterProvider.forceFlush());
  if (pending.length > 0) await Promise.allSettled(pending);
}

const triggers: Readonly<Record<Kind, string>> = {
  http: 'http',
  queue: 'pubsub',
  stream: 'pubsub',
  events: 'pubsub',
  storage: 'datasource',
  changes: 'datasource',
  schedule: 'timer',
};

/** The class of the API's no-op meter: with it, recording is skipped altogether. */
const NoopMeter = createNoopMeter().constructor;

interface Instruments {
  readonly provider: MeterProvider;
  readonly live: boolean;
  readonly invocations: Counter;
  readonly errors: Counter;
  readonly coldStarts: Counter;
  readonly duration: Histogram;
}

function isHttp(kind: Kind, event: unknown): event is HttpRequest {
  return kind === 'http' && typeof event === 'object' && event !== null && 'method' in event;
}

function spanContextOf(parent: TraceParent): SpanContext {
  return {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    traceState: parent.traceState === undefined ? undefined : createTraceState(parent.traceState),
  };
}

function parentContext(event: unknown, ctx: Context): OtelContext {
  const active = context.active();
  // An instrumentation (for example the Node http server one) already continued the trace.
  if (trace.getSpan(active) !== undefined) return active;
  const parent = findParent(event, ctx);
  return parent === undefined ? active : trace.setSpanContext(ROOT_CONTEXT, spanContextOf(parent));
}

/**
 * Wraps each invocation in a span following the OpenTelemetry FaaS and HTTP semantic conventions
 * (`faas.trigger`, `faas.invocation_id`, `faas.coldstart`, `faas.name`, `cloud.provider`,
 * `cloud.region`, `http.request.method`, `http.route`, `http.response.status_code`), continuing the
 * caller's trace from W3C `traceparent`, AWS X-Ray or GCP `X-Cloud-Trace-Context` (request headers,
 * the platform carrier, or a message's attributes). Exceptions are recorded and the span status
 * set; `faas.invocations`, `faas.errors`, `faas.coldstarts` and `faas.invoke_duration` are
 * recorded through the metrics API. Adds `ctx.span`, `ctx.traceId` and `ctx.spanId` (which
 * `logger()` puts on every line). Without a registered SDK it costs a no-op span and no export.
 *
 * @example
 * export const getOrder = http({ method: 'GET', path: '/orders/:id' })
 *   .use(tracing())
 *   .use(logger())
 *   .handle(async (req, ctx) => {
 *     ctx.span.setAttribute('order.id', req.params.id);
 *     return orders.get(req.params.id);
 *   });
 */
export function tracing(options: TracingOptions = {}): Middleware<Kind, TracingContext> {
  const scope = options.name ?? '@skyport/core';
  const withMetrics = options.metrics ?? true;
  let instruments: Instruments | undefined;

  // The meter provider can be registered after this middleware is built (module import order),
  // so instruments are rebuilt when the global provider changes.
  const instrumentsFor = (): Instruments => {
    const provider = metrics.getMeterProvider();
    if (instruments?.provider === provider) return instruments;
    const meter = provider.getMeter(scope);
    instruments = {
      provider,
      live: !(meter instanceof NoopMeter),
      invocations: meter.createCounter('faas.invocations', { description: 'Invocations', unit: '{invocation}' }),
      errors: meter.createCounter('faas.errors', { description: 'Failed invocations', unit: '{error}' }),
      coldStarts: meter.createCounter('faas.coldstarts', { description: 'Cold starts', unit: '{coldstart}' }),
      duration: meter.createHistogram('faas.invoke_duration', { description: 'Invocation duration', unit: 's' }),
    };
    return instruments;
  };

  // Metric attributes repeat for every invocation of a function: built once per function.
  const metricAttributes = new Map<string, Attributes>();
  const metricAttributesFor = (ctx: Context): Attributes => {
    const key = `${ctx.cloud} ${ctx.kind} ${ctx.functionName}`;
    let attributes = metricAttributes.get(key);
    if (attributes === undefined) {
      attributes = { 'faas.trigger': triggers[ctx.kind], 'faas.name': ctx.functionName };
      if (ctx.cloud !== 'node') attributes['cloud.provider'] = ctx.cloud;
      metricAttributes.set(key, attributes);
    }
    return attributes;
  };

  // Without a trace there is nothing per invocation to hold: one non-recording span serves all.
  let untracedContext: TracingContext | undefined;
  const untraced = (): TracingContext => {
    untracedContext ??= { span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT), traceId: undefined, spanId: undefined };
    return untracedContext;
  };

  const traced = async (
    event: EventOf<Kind>,
    ctx: Context,
    next: Next<Kind, TracingContext>,
    sdkTracer: Tracer | undefined,
    meters: Instruments | undefined,
  ): Promise<MiddlewareResult<Kind>> => {
    const started = meters?.live ? performance.now() : 0;
    const http = isHttp(ctx.kind, event) ? event : undefined;
    let span: Span;
    let added: TracingContext;
    let routeNamed = false;
    if (sdkTracer === undefined) {
      // No SDK: no span to build; pass the caller's trace through for the logger.
      const parent = findParent(event, ctx);
      span = trace.wrapSpanContext(parent === undefined ? INVALID_SPAN_CONTEXT : spanContextOf(parent));
      added = { span, traceId: parent?.traceId, spanId: parent?.spanId };
    } else {
      const attributes: Attributes = {
        'faas.trigger': triggers[ctx.kind],
        'faas.invocation_id': ctx.requestId,
        'faas.coldstart': ctx.coldStart,
        'faas.name': ctx.functionName,
      };
      if (ctx.cloud !== 'node') attributes['cloud.provider'] = ctx.cloud;
      if (ctx.region !== undefined) attributes['cloud.region'] = ctx.region;
      let name = ctx.functionName;
      let kind = ctx.kind === 'schedule' ? SpanKind.INTERNAL : SpanKind.CONSUMER;
      if (http !== undefined) {
        kind = SpanKind.SERVER;
        attributes['http.request.method'] = http.method;
        attributes['url.path'] = http.path;
        if (http.route !== undefined) {
          attributes['http.route'] = http.route;
          routeNamed = true;
        }
        name = http.route === undefined ? http.method : `${http.method} ${http.route}`;
      } else if (ctx.kind === 'queue') {
        const message = event as Message;
        attributes['messaging.operation.type'] = 'process';
        attributes['messaging.message.id'] = message.id;
        attributes['messaging.destination.name'] = message.source;
        name = `process ${message.source}`;
      }
      if (options.attributes !== undefined) {
        Object.assign(
          attributes,
          typeof options.attributes === 'function' ? options.attributes(event, ctx) : options.attributes,
        );
      }
      span = sdkTracer.startSpan(name, { kind, attributes }, parentContext(event, ctx));
      const spanContext = span.spanContext();
      const valid = isSpanContextValid(spanContext);
      added = {
        span,
        traceId: valid ? spanContext.traceId : undefined,
        spanId: valid ? spanContext.spanId : undefined,
      };
    }

    let failed = false;
    try {
      const result =
        sdkTracer === undefined
          ? await next(added)
          : await context.with(trace.setSpan(context.active(), span), () => next(added));
      if (http !== undefined) {
        const status = (result as HttpResponse).status;
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) {
          failed = true;
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      return result;
    } catch (error) {
      const status = http === undefined ? undefined : toHttpError(error).status;
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      // A 4xx is the caller's mistake, not a failed invocation (HTTP server span conventions).
      if (status === undefined || status >= 500) {
        failed = true;
        const exception = error instanceof Error ? error : new Error(String(error));
        span.recordException(exception);
        span.setAttribute('error.type', exception.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
      }
      throw error;
    } finally {
      // A router matches the route inside `next()`, after the span was named.
      if (sdkTracer !== undefined && http?.route !== undefined && !routeNamed) {
        span.updateName(`${http.method} ${http.route}`);
        span.setAttribute('http.route', http.route);
      }
      span.end();
      if (meters?.live) {
        const attributes = metricAttributesFor(ctx);
        meters.invocations.add(1, attributes);
        if (failed) meters.errors.add(1, attributes);
        if (ctx.coldStart) meters.coldStarts.add(1, attributes);
        meters.duration.record((performance.now() - started) / 1000, attributes);
      }
      if (options.flush ?? (ctx.cloud === 'aws' || ctx.cloud === 'gcp')) await flushProviders();
    }
  };

  return createMiddleware<Kind, TracingContext>({
    name: 'tracing',
    handle(event, ctx, next) {
      const meters = withMetrics ? instrumentsFor() : undefined;
      const provider = trace.getTracerProvider();
      const sdkTracer =
        provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(scope) : provider.getTracer(scope);
      if (sdkTracer === undefined && meters?.live !== true) {
        // Nothing registered: no span, no metrics, nothing to flush. The caller's trace is still
        // passed on, so log lines correlate without an SDK.
        const parent = findParent(event, ctx);
        if (parent === undefined) return next(untraced());
        return next({
          span: trace.wrapSpanContext(spanContextOf(parent)),
          traceId: parent.traceId,
          spanId: parent.spanId,
        });
      }
      return traced(event, ctx, next, sdkTracer, meters);
    },
  });
}
