/** `tracing()`: one OpenTelemetry span and the FaaS metrics per invocation, through `@opentelemetry/api`. */
import {
  type Attributes,
  type Counter,
  context,
  createTraceState,
  type Histogram,
  isSpanContextValid,
  type MeterProvider,
  metrics,
  type Context as OtelContext,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { toHttpError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import type { Context, HttpRequest, HttpResponse, Kind, Message, Middleware } from '../types.js';
import { findParent } from './propagation.js';

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

interface Instruments {
  readonly provider: MeterProvider;
  readonly invocations: Counter;
  readonly errors: Counter;
  readonly coldStarts: Counter;
  readonly duration: Histogram;
}

function isHttp(kind: Kind, event: unknown): event is HttpRequest {
  return kind === 'http' && typeof event === 'object' && event !== null && 'method' in event;
}

function parentContext(event: unknown, ctx: Context): OtelContext {
  const active = context.active();
  // An instrumentation (for example the Node http server one) already continued the trace.
  if (trace.getSpan(active) !== undefined) return active;
  const parent = findParent(event, ctx);
  if (parent === undefined) return active;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    traceState: parent.traceState === undefined ? undefined : createTraceState(parent.traceState),
  });
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
  const tracer = trace.getTracer(scope);
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
      invocations: meter.createCounter('faas.invocations', { description: 'Invocations', unit: '{invocation}' }),
      errors: meter.createCounter('faas.errors', { description: 'Failed invocations', unit: '{error}' }),
      coldStarts: meter.createCounter('faas.coldstarts', { description: 'Cold starts', unit: '{coldstart}' }),
      duration: meter.createHistogram('faas.invoke_duration', { description: 'Invocation duration', unit: 's' }),
    };
    return instruments;
  };

  return createMiddleware<Kind, TracingContext>({
    name: 'tracing',
    async handle(event, ctx, next) {
      const started = performance.now();
      const http = isHttp(ctx.kind, event) ? event : undefined;
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
        if (http.route !== undefined) attributes['http.route'] = http.route;
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

      const span = tracer.startSpan(name, { kind, attributes }, parentContext(event, ctx));
      const spanContext = span.spanContext();
      const valid = isSpanContextValid(spanContext);
      const added: TracingContext = {
        span,
        traceId: valid ? spanContext.traceId : undefined,
        spanId: valid ? spanContext.spanId : undefined,
      };
      const metricAttributes: Attributes = { 'faas.trigger': triggers[ctx.kind], 'faas.name': ctx.functionName };
      if (ctx.cloud !== 'node') metricAttributes['cloud.provider'] = ctx.cloud;

      let failed = false;
      try {
        const result = await context.with(trace.setSpan(context.active(), span), () => next(added));
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
        if (http !== undefined && http.route !== undefined && attributes['http.route'] === undefined) {
          span.updateName(`${http.method} ${http.route}`);
          span.setAttribute('http.route', http.route);
        }
        span.end();
        if (withMetrics) {
          const m = instrumentsFor();
          m.invocations.add(1, metricAttributes);
          if (failed) m.errors.add(1, metricAttributes);
          if (ctx.coldStart) m.coldStarts.add(1, metricAttributes);
          m.duration.record((performance.now() - started) / 1000, metricAttributes);
        }
        if (options.flush ?? (ctx.cloud === 'aws' || ctx.cloud === 'gcp')) await flushProviders();
      }
    },
  });
}
