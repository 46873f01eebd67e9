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
  type Link,
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
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { BatchFailure } from '../batch.js';
import { batchOf, defineContextFields, fieldState, isCoreContext, onBatchEnd } from '../context.js';
import { abortedByClient, GatewayTimeout, HttpError, SkyportError, toHttpError } from '../errors.js';
import { safeJson } from '../log.js';
import { createMiddleware } from '../middleware/create.js';
import { observedPath } from '../observed-path.js';
import { checkOptions, shownValue } from '../options.js';
import type {
  ChangeEvent,
  CloudEvent,
  Context,
  EventOf,
  HttpRequest,
  HttpResponse,
  Kind,
  Message,
  Middleware,
  MiddlewareResult,
  Next,
  ScheduleTick,
  StorageEvent,
  StreamRecord,
} from '../types.js';
import { carrierOf, findParent, parentFromCarrier, parsedParent, type TraceParent } from './propagation.js';

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
  readonly name?: string | undefined;
  /** Record the FaaS metrics (default true). */
  readonly metrics?: boolean | undefined;
  /**
   * Extra span attributes, fixed or per invocation. In a batch, fixed ones are on the batch's
   * invocation span too; those a function gives for an event only on that message's span.
   */
  readonly attributes?: Attributes | ((event: unknown, ctx: Context) => Attributes) | undefined;
  /**
   * Flush the registered SDK's spans and metrics before the invocation returns. Default: on
   * `aws` and `gcp`, where the platform freezes or throttles the instance once the response is
   * sent, so a batch left in memory would be exported late or lost; not on Lambda Managed
   * Instances (`AWS_LAMBDA_MAX_CONCURRENCY` set), which never freeze. The flush is waited for
   * until 100 ms before the invocation's deadline at most. A streamed answer is flushed once its
   * stream has ended, before the stream closes.
   */
  readonly flush?: boolean | undefined;
}

/**
 * Whether the platform freezes or throttles the instance once an invocation has answered: Lambda
 * and Cloud Run functions do; Lambda Managed Instances (the runtime sets
 * `AWS_LAMBDA_MAX_CONCURRENCY`) run invocations concurrently and never freeze, so the SDK's batch
 * processor exports there on its own schedule.
 */
function flushByDefault(cloud: Context['cloud']): boolean {
  if (cloud === 'aws') return process.env.AWS_LAMBDA_MAX_CONCURRENCY === undefined;
  return cloud === 'gcp';
}

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | undefined)?.forceFlush === 'function';
}

/**
 * How long before the invocation's deadline a flush stops being waited for, so that telemetry
 * never turns a handled invocation into a timeout. Short: an invocation that `timeout()` or
 * `ctx.signal` ended (500 ms before the deadline by default) still gets its spans flushed.
 */
const flushMarginMs = 100;

/**
 * Flushes the global SDK providers; nothing to do (and no cost) when none is registered. Waits
 * at most until `flushMarginMs` before the deadline of `ctx`: an exporter that hangs (a collector
 * out of reach) delays the answer, never fails it (the export goes on in the background).
 */
async function flushProviders(ctx: Context): Promise<void> {
  const proxy = trace.getTracerProvider();
  const tracerProvider = proxy instanceof ProxyTracerProvider ? proxy.getDelegate() : proxy;
  const meterProvider = metrics.getMeterProvider();
  const pending: Promise<void>[] = [];
  // A processor's or reader's `forceFlush` may throw before it returns a promise.
  try {
    if (isFlushable(tracerProvider)) pending.push(tracerProvider.forceFlush());
    if (isFlushable(meterProvider)) pending.push(meterProvider.forceFlush());
  } catch (error) {
    telemetryFailed(ctx, error);
  }
  if (pending.length === 0) return;
  const flushed = Promise.allSettled(pending);
  const budget = ctx.remainingTimeMs() - flushMarginMs;
  if (budget === Number.POSITIVE_INFINITY) {
    await flushed;
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const givenUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, budget));
    timer.unref?.();
  });
  try {
    await Promise.race([flushed, givenUp]);
  } finally {
    clearTimeout(timer);
  }
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

/**
 * Bucket boundaries for `faas.invoke_duration`, in seconds (the SDK's default buckets are
 * meant for milliseconds and would put every invocation under 5 s into one bucket).
 */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300, 900];

/** The bucket boundaries the semantic conventions advise for `http.server.request.duration`. */
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The HTTP methods the semantic conventions name; any other is recorded as `_OTHER`. */
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** `messaging.system` of a message or record, when the platform tells it. */
function messagingSystem(ctx: Context, raw: unknown): string | undefined {
  if (ctx.cloud === 'gcp') return ctx.kind === 'queue' ? 'gcp_pubsub' : undefined;
  if (ctx.cloud === 'aws') {
    const record = raw as { eventSource?: unknown; EventSource?: unknown } | undefined;
    const source = record?.eventSource ?? record?.EventSource;
    if (source === 'aws:sqs') return 'aws_sqs';
    if (source === 'aws:sns') return 'aws.sns';
    if (source === 'aws:kinesis') return 'aws_kinesis';
    return undefined;
  }
  if (ctx.cloud === 'azure') {
    const trigger = (ctx.raw as { options?: { trigger?: { type?: unknown } } } | undefined)?.options?.trigger?.type;
    if (trigger === 'serviceBusTrigger') return 'servicebus';
    if (trigger === 'eventHubTrigger') return 'eventhubs';
    if (trigger === 'eventGridTrigger') return 'eventgrid';
  }
  return undefined;
}

/** The host name of an absolute URL: no port, no user info, an IPv6 address without brackets. */
function hostOf(url: string): string | undefined {
  if (url === '') return undefined;
  try {
    const host = new URL(url).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The query keys whose values `url.query` gives as `REDACTED`, compared without regard to case:
 * those the semantic conventions name (`AWSAccessKeyId` and `Signature` of S3 query
 * authentication, `sig` of an Azure SAS, `X-Goog-Signature` of a Google Cloud Storage signed URL),
 * the rest of the signed URLs' credentials (SigV4's `X-Amz-Signature`, `X-Amz-Credential` and
 * `X-Amz-Security-Token`, Google's `X-Goog-Credential`), Azure's `code` (a function or host key,
 * or an OAuth authorization code), bearer tokens in the query (RFC 6750 2.3 `access_token`, as
 * clients that cannot set headers send them, and the other OAuth tokens and secrets) and API keys
 * (Google's `key`, `api_key`, `apikey`), and `password`.
 */
const secretQueryKeys = new Set([
  'awsaccesskeyid',
  'signature',
  'sig',
  'x-goog-signature',
  'x-goog-credential',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'code',
  'access_token',
  'id_token',
  'refresh_token',
  'client_secret',
  'token',
  'key',
  'api_key',
  'apikey',
  'api-key',
  'password',
]);

/** A query key as the platforms read it: percent-decoded, `+` a space. */
function queryKey(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/**
 * `url.query`: the query string as received (without `?` and any fragment), the value of each
 * key in `secretQueryKeys` replaced by `REDACTED`, the key kept (`q=otel&sig=REDACTED`).
 */
function redactedQuery(query: string): string {
  const parts = query.split('&');
  let redacted = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq >= 0 && secretQueryKeys.has(queryKey(key).toLowerCase())) {
      parts[i] = `${key}=REDACTED`;
      redacted = true;
    }
  }
  return redacted ? parts.join('&') : query;
}

/** The query string of `url`, without `?` and any fragment; undefined when there is none. */
function queryOf(url: string): string | undefined {
  const mark = url.indexOf('?');
  if (mark < 0) return undefined;
  const hash = url.indexOf('#', mark);
  const query = hash < 0 ? url.slice(mark + 1) : url.slice(mark + 1, hash);
  return query === '' ? undefined : query;
}

/**
 * `server.port`: the port of the host the client asked for, from the first `X-Forwarded-Host`
 * (a proxy's, before it) or `Host`, when that names one (`api.example:8443`, `[::1]:8080`);
 * undefined when it does not, or is no port number.
 */
function portOf(http: HttpRequest): number | undefined {
  if (typeof http.header !== 'function') return undefined;
  const forwarded = http.header('x-forwarded-host');
  const host = (forwarded === undefined || forwarded === '' ? http.header('host') : forwarded.split(',')[0])?.trim();
  if (host === undefined) return undefined;
  const colon = host.lastIndexOf(':');
  // An IPv6 address is bracketed: a colon inside the brackets is no port's.
  if (colon < 0 || colon < host.lastIndexOf(']')) return undefined;
  if (host.indexOf(':') !== colon && !host.startsWith('[')) return undefined;
  const digits = host.slice(colon + 1);
  if (!/^\d{1,5}$/.test(digits)) return undefined;
  const port = Number(digits);
  return port > 0 && port <= 65535 ? port : undefined;
}

/** The attributes of an `http.server.request.duration` measurement (low-cardinality only). */
function httpAttributes(http: HttpRequest, status: number | undefined, errorType: string | undefined): Attributes {
  const attributes: Attributes = {
    'http.request.method': knownMethods.has(http.method) ? http.method : '_OTHER',
  };
  const url = typeof http.url === 'string' ? http.url : '';
  const colon = url.indexOf(':');
  if (colon > 0) attributes['url.scheme'] = url.slice(0, colon);
  if (status !== undefined) attributes['http.response.status_code'] = status;
  if (http.route !== undefined) attributes['http.route'] = http.route;
  if (errorType !== undefined) attributes['error.type'] = errorType;
  return attributes;
}

/** An ISO 8601 UTC time, or undefined for a missing or invalid date. */
function isoTime(value: unknown): string | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
}

function set(attributes: Attributes, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') attributes[key] = value;
}

/**
 * The span name and attributes of a non-HTTP invocation, by kind (messaging conventions for
 * messages and records, FaaS datasource and timer ones for the others).
 */
function describeEvent(ctx: Context, event: unknown, attributes: Attributes): string {
  if (typeof event !== 'object' || event === null) return ctx.functionName;
  switch (ctx.kind) {
    case 'queue':
    case 'stream': {
      const message = event as Message | StreamRecord;
      set(attributes, 'messaging.system', messagingSystem(ctx, message.raw));
      attributes['messaging.operation.type'] = 'process';
      attributes['messaging.operation.name'] = 'process';
      set(attributes, 'messaging.message.id', message.id);
      set(attributes, 'messaging.destination.name', message.source);
      return typeof message.source === 'string' && message.source !== '' ? `process ${message.source}` : 'process';
    }
    case 'events': {
      const cloudEvent = event as CloudEvent;
      set(attributes, 'messaging.system', messagingSystem(ctx, cloudEvent.raw));
      attributes['messaging.operation.type'] = 'process';
      attributes['messaging.operation.name'] = 'process';
      set(attributes, 'cloudevents.event_id', cloudEvent.id);
      set(attributes, 'cloudevents.event_source', cloudEvent.source);
      set(attributes, 'cloudevents.event_type', cloudEvent.type);
      set(attributes, 'cloudevents.event_spec_version', cloudEvent.specversion);
      set(attributes, 'cloudevents.event_subject', cloudEvent.subject);
      return typeof cloudEvent.type === 'string' && cloudEvent.type !== '' ? `process ${cloudEvent.type}` : 'process';
    }
    case 'storage': {
      const object = event as StorageEvent;
      set(attributes, 'faas.document.collection', object.bucket);
      set(attributes, 'faas.document.operation', object.type === 'deleted' ? 'delete' : 'insert');
      set(attributes, 'faas.document.name', object.key);
      set(attributes, 'faas.document.time', isoTime(object.time));
      return ctx.functionName;
    }
    case 'changes': {
      const change = event as ChangeEvent;
      set(attributes, 'faas.document.collection', change.collection);
      set(
        attributes,
        'faas.document.operation',
        change.op === 'update' ? 'edit' : change.op === 'delete' ? 'delete' : 'insert',
      );
      set(attributes, 'faas.document.time', isoTime(change.time));
      return ctx.functionName;
    }
    case 'schedule':
      set(attributes, 'faas.time', isoTime((event as ScheduleTick).scheduledTime));
      return ctx.functionName;
    default:
      return ctx.functionName;
  }
}

/**
 * How an invocation ended, for the FaaS metrics: it succeeded (a client that left included), it
 * failed, or it failed by its deadline.
 */
type Outcome = 'success' | 'failure' | 'timeout';

function outcomeOf(failed: boolean, timedOut: boolean): Outcome {
  return failed ? (timedOut ? 'timeout' : 'failure') : 'success';
}

/**
 * Whether an invocation that threw `error` failed by its deadline: what `timeout()` throws (a
 * `TIMEOUT` `SkyportError`, answered 504), `ctx.signal`'s `TimeoutError` as the deadline nears,
 * or an abort it caused, each of which `toHttpError` turns into a 504 of its own. An `HttpError`
 * the handler threw, a 504 included, is its own answer, not a deadline.
 */
function byDeadline(error: unknown): boolean {
  if (error instanceof HttpError) return false;
  const answer = toHttpError(error);
  return answer instanceof GatewayTimeout && answer.cause === error;
}

/** The class of the API's no-op meter: with it, recording is skipped altogether. */
const NoopMeter = createNoopMeter().constructor;

interface Instruments {
  readonly provider: MeterProvider;
  readonly live: boolean;
  readonly invocations: Counter;
  readonly errors: Counter;
  readonly timeouts: Counter;
  readonly coldStarts: Counter;
  readonly duration: Histogram;
  readonly httpDuration: Histogram;
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

/**
 * The parent of the invocation span, and the links it starts with. An instrumentation (the Node
 * http server one, a Lambda one) may have continued the trace already: its span is the parent.
 * A message's own producer trace is then a link, as the messaging conventions ask, unless it is
 * that same trace.
 */
function parentOf(event: unknown, ctx: Context): { parent: OtelContext; links: Link[] | undefined } {
  const active = context.active();
  const current = trace.getSpan(active);
  if (current === undefined) {
    const parent = findParent(event, ctx);
    return {
      parent: parent === undefined ? active : trace.setSpanContext(ROOT_CONTEXT, spanContextOf(parent)),
      links: undefined,
    };
  }
  if (ctx.kind === 'http') return { parent: active, links: undefined };
  const producer = findParent(event, ctx);
  const linked = producer !== undefined && producer.traceId !== current.spanContext().traceId;
  return { parent: active, links: linked ? [{ context: spanContextOf(producer) }] : undefined };
}

/** A batch under way: how its messages ended, and the invocation span it may have. */
interface BatchState {
  /** How its messages ended so far: a timeout outranks another failure, which outranks success. */
  outcome: Outcome;
  /** The `error.type` of its first failed message. */
  errorType: string | undefined;
  /** When its first message began (for `faas.invoke_duration`). */
  started: number;
  /** How many of its messages began. */
  messages: number;
  /** The invocation span, for a batch the platform delivered as one. */
  span: Span | undefined;
  /** The context holding `span`: the parent of each message span. */
  within: OtelContext | undefined;
  /** Whether `span` describes the processing of messages (messaging conventions). */
  messaging: boolean;
  /** The destination of all its messages so far; `null` once two differed. */
  destination: string | null | undefined;
}

/**
 * Whether the platform delivered the invocation of this message as a batch, a call of a
 * batching API whose invocation span is the batch's (AWS Lambda conventions: the function
 * invocation span corresponds to the SQS event, and each message span is its child): the
 * records of an SQS, Kinesis or DynamoDB Streams event, an Event Hubs or Service Bus trigger
 * with `cardinality: 'many'`, a Cosmos DB change feed. Not a trigger that delivers one message
 * per invocation (an SNS notification, a Service Bus or Storage queue trigger of the default
 * cardinality, a Pub/Sub push, Node's event route), whose one span is the message's.
 */
function deliveredAsBatch(ctx: Context, event: unknown): boolean {
  if (ctx.kind !== 'queue' && ctx.kind !== 'stream' && ctx.kind !== 'changes') return false;
  if (ctx.cloud === 'aws') {
    const raw = typeof event === 'object' && event !== null ? (event as { raw?: unknown }).raw : undefined;
    return messagingSystem(ctx, raw) !== 'aws.sns';
  }
  if (ctx.cloud === 'azure') {
    const trigger = (ctx.raw as { options?: { trigger?: { type?: unknown; cardinality?: unknown } } } | undefined)
      ?.options?.trigger;
    return trigger?.cardinality === 'many' || trigger?.type === 'cosmosDBTrigger';
  }
  return false;
}

/**
 * The name and kind of a batch's invocation span, its attributes added to `attributes`, from its
 * first message: messages and records are processed (messaging conventions: CONSUMER,
 * `process <destination>`); a batch of changes is a datasource invocation (FaaS conventions:
 * SERVER, named after the function).
 */
function describeBatch(ctx: Context, event: unknown, attributes: Attributes): { name: string; kind: SpanKind } {
  const first = (typeof event === 'object' && event !== null ? event : {}) as Partial<Message & ChangeEvent>;
  if (ctx.kind === 'changes') {
    set(attributes, 'faas.document.collection', typeof first.collection === 'string' ? first.collection : undefined);
    return { name: ctx.functionName, kind: SpanKind.SERVER };
  }
  const source = typeof first.source === 'string' && first.source !== '' ? first.source : undefined;
  set(attributes, 'messaging.system', messagingSystem(ctx, first.raw));
  attributes['messaging.operation.type'] = 'process';
  attributes['messaging.operation.name'] = 'process';
  set(attributes, 'messaging.destination.name', source);
  return { name: source === undefined ? 'process' : `process ${source}`, kind: SpanKind.CONSUMER };
}

/**
 * The parent of a message span of a batch (its batch's invocation span) and its links: the
 * message's producer, whose trace is linked from the batch span too ("process" spans link to
 * the creation context of each message they account for).
 */
function joinBatchSpan(
  state: BatchState,
  within: OtelContext,
  event: unknown,
  ctx: Context,
  batch: Context,
  attributes: Attributes,
): { parent: OtelContext; links: Link[] | undefined } {
  if (state.messaging && state.destination !== null) {
    const destination = attributes['messaging.destination.name'];
    if (destination !== state.destination) state.destination = null;
  }
  const producer = producerOf(event, ctx, batch);
  if (producer === undefined) return { parent: within, links: undefined };
  const link: Link = { context: spanContextOf(producer) };
  if (state.span !== undefined) {
    try {
      state.span.addLink(link);
    } catch (error) {
      telemetryFailed(ctx, error);
    }
  }
  return { parent: within, links: [link] };
}

/**
 * The trace a message of a batch came with: its own attributes' (`traceparent`, Pub/Sub's
 * `googclient_traceparent`, the Azure SDKs' `Diagnostic-Id`), else what the platform carried for
 * it outside them (SQS `AWSTraceHeader`, an Event Hubs event's properties), never the
 * invocation's own carrier.
 */
function producerOf(event: unknown, ctx: Context, batch: Context): TraceParent | undefined {
  const own = parentFromCarrier(carrierOf(event));
  if (own !== undefined) return own;
  const carried = ctx.trace as Readonly<Record<string, unknown>> | undefined;
  return carried === undefined || carried === batch.trace ? undefined : parentFromCarrier(carried);
}

/**
 * Ends a batch's invocation span once its last message has run: `messaging.batch.message_count`
 * (the messages that began), the name without a destination when its messages came from several,
 * and, when one failed, the ERROR status and the first failure's `error.type`.
 */
function endBatchSpan(state: BatchState, batch: Context): void {
  const span = state.span;
  if (span === undefined) return;
  try {
    if (state.messaging) {
      span.setAttribute('messaging.batch.message_count', state.messages);
      if (state.destination === null) span.updateName('process');
    }
    if (state.outcome !== 'success') {
      span.setAttribute('error.type', state.errorType ?? otherError);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  } catch (error) {
    telemetryFailed(batch, error);
  }
}

/** Whether a failure of the SDK was logged: once per process, not once per invocation. */
let telemetryFailureLogged = false;

/**
 * Tells, once per process, that the OpenTelemetry SDK threw: a span processor's `onStart` or
 * `onEnd` (which the SDK lets through `startSpan()` and `end()`), a span, a meter or a flush.
 * Telemetry never changes the outcome of an invocation (OpenTelemetry's error handling
 * principle; only what the handler throws fails it), so the invocation goes on with its
 * telemetry incomplete: without its span when the span could not start. Once only: a processor
 * that throws does so for every span, and a line per invocation would bury the function's own.
 */
function telemetryFailed(ctx: Context, error: unknown): void {
  if (telemetryFailureLogged) return;
  telemetryFailureLogged = true;
  try {
    ctx.log.warn({ err: error }, telemetryFailure);
  } catch {
    // Nothing left to tell it with: the invocation's outcome matters more than this line.
  }
}

/** The message of the line `telemetryFailed` writes. */
const telemetryFailure =
  'the OpenTelemetry SDK threw: invocations go on with their telemetry incomplete (logged once per process)';

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what was registered with it (tracer and
 * meter providers, context manager, propagator). While it is absent no SDK is registered, which
 * this one read tells before asking the API for its providers (several calls and reads).
 */
const apiGlobals = Symbol.for('opentelemetry.js.api.1');

function apiRegistry(): unknown {
  return (globalThis as unknown as Record<symbol, unknown>)[apiGlobals];
}

/** How a streamed answer settled: read to its end or cancelled, failed, or dropped unread. */
type Settled = 'sent' | { readonly error: unknown } | 'abandoned';

/**
 * Streamed answers dropped unread and never cancelled (a middleware further out answered with
 * something else): their invocation is ended once nothing can read them any more.
 */
const abandoned = new FinalizationRegistry<() => void>((end) => end());

/**
 * `source` passed through chunk by chunk, each read run with `active` (the context holding the
 * invocation span) as the active context, so that the producer, which runs as the adapter reads,
 * sees the invocation span and parents its own spans on it. `ended` runs once, when the stream
 * ends, fails or is cancelled, and the stream closes or fails only after what it returns (the
 * flush) has settled: an adapter that pipes it finishes after the flush. The source is locked
 * only when first read, so until then whoever made it can still cancel it.
 */
function endedWith(
  source: ReadableStream<Uint8Array>,
  active: OtelContext | undefined,
  ended: (settled: Settled) => Promise<void> | undefined,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let pending: typeof ended | undefined = ended;
  const token = {};
  const end = (settled: Settled): Promise<void> | undefined => {
    const run = pending;
    if (run === undefined) return undefined;
    pending = undefined;
    abandoned.unregister(token);
    return run(settled);
  };
  const read = () => {
    reader ??= source.getReader();
    return reader.read();
  };
  const cancel = (reason: unknown) => (reader === undefined ? source.cancel(reason) : reader.cancel(reason));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: Awaited<ReturnType<typeof read>>;
        try {
          next = await (active === undefined ? read() : context.with(active, read));
        } catch (error) {
          await end({ error });
          throw error;
        }
        if (next.done) {
          await end('sent');
          controller.close();
        } else controller.enqueue(next.value);
      },
      async cancel(reason) {
        // The span ends when the client leaves, not once a producer that waits on something
        // else has stopped; the producer's own clean-up still sees the invocation span.
        const flushing = end('sent');
        await (active === undefined ? cancel(reason) : context.with(active, cancel, undefined, reason));
        await flushing;
      },
    },
    { highWaterMark: 0 },
  );
  abandoned.register(stream, () => void end('abandoned'), token);
  return stream;
}

/** The tracer provider the API falls back to while no SDK is registered. */
const noopTracerProvider: TracerProvider = new ProxyTracerProvider().getDelegate();

/** The span of every invocation without a trace: non-recording, so one serves all. */
const untracedSpan: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Where an invocation's trace lives on its context: the event while nothing has read
 * `ctx.span`, `ctx.traceId` or `ctx.spanId` (no SDK), else its `TraceState`.
 */
const slot: typeof fieldState = fieldState;

interface Slotted {
  [slot]?: unknown;
}

const unresolved = Symbol('unresolved');

/** An invocation's span and ids, as `ctx.span`, `ctx.traceId` and `ctx.spanId` read them. */
class TraceState {
  traceId: unknown;
  spanId: unknown;
  /** The caller's parent the ids were parsed from, until something else sets an id. */
  parsed: TraceParent | undefined;
  #span: unknown;
  readonly #parent: TraceParent | undefined;

  constructor(traceId: unknown, spanId: unknown, span: unknown, parent?: TraceParent) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.#span = span;
    this.#parent = parent;
    this.parsed = parent;
  }

  get span(): unknown {
    // Without an SDK the span only carries the caller's ids: built when a handler asks for it.
    if (this.#span === unresolved) {
      this.#span = this.#parent === undefined ? untracedSpan : trace.wrapSpanContext(spanContextOf(this.#parent));
    }
    return this.#span;
  }

  set span(value: unknown) {
    this.#span = value;
  }
}

/** The trace of `ctx`, resolving the caller's one from the event left there on first read. */
function stateOf(ctx: object): TraceState | undefined {
  const held = (ctx as Slotted)[slot];
  if (held === undefined || held instanceof TraceState) return held;
  const parent = findParent(held, ctx as Context);
  const state = new TraceState(parent?.traceId, parent?.spanId, unresolved, parent);
  (ctx as Slotted)[slot] = state;
  return state;
}

/** A context field read from, and written to, the invocation's `TraceState`. */
function field(key: 'span' | 'traceId' | 'spanId'): PropertyDescriptor {
  return {
    configurable: true,
    get(this: object): unknown {
      return stateOf(this)?.[key];
    },
    // Anything else may still set the field (a middleware adding its own `traceId`): the last
    // write wins, as with a plain property.
    set(this: object, value: unknown): void {
      let state = stateOf(this);
      if (state === undefined) {
        state = new TraceState(undefined, undefined, undefined);
        (this as Slotted)[slot] = state;
      }
      state[key] = value;
      if (key !== 'span') state.parsed = undefined;
    },
  };
}

/** Whether the fields are defined on core's contexts: unknown until the first invocation. */
let fieldsDefined: boolean | undefined;

/**
 * Whether `ctx` reads its trace through the fields. Passing the additions to `next()` copies
 * them onto the context (`Object.assign`), which costs several times what the rest of this
 * middleware does without an SDK; instead `ctx.span`, `ctx.traceId` and `ctx.spanId` are
 * accessors core defines once on the contexts `createContext()` makes, and each invocation
 * only leaves its event or `TraceState` under `slot`. Other contexts (made by hand) get copies.
 */
function usesFields(ctx: Context): boolean {
  if (!isCoreContext(ctx)) return false;
  if (fieldsDefined !== undefined) return fieldsDefined;
  fieldsDefined = defineContextFields({
    span: field('span'),
    traceId: field('traceId'),
    spanId: field('spanId'),
    // For `logger()`: the parsed parent, whose ids it writes without escaping them.
    [parsedParent]: {
      configurable: true,
      get(this: object): TraceParent | undefined {
        return stateOf(this)?.parsed;
      },
    },
  });
  // From now on assignments go through the fields. Own properties assigned before would hide
  // them (only an invocation already under way, with a middleware before this one setting
  // them, can have any): the context at hand then gets copies.
  return (
    fieldsDefined && !Object.hasOwn(ctx, 'span') && !Object.hasOwn(ctx, 'traceId') && !Object.hasOwn(ctx, 'spanId')
  );
}

const untraced: TracingContext = { span: untracedSpan, traceId: undefined, spanId: undefined };

/** The additions as plain properties, for contexts that do not read them through the fields. */
function eagerAdditions(event: unknown, ctx: Context): TracingContext {
  const parent = findParent(event, ctx);
  if (parent === undefined) return untraced;
  return { span: trace.wrapSpanContext(spanContextOf(parent)), traceId: parent.traceId, spanId: parent.spanId };
}

/** Leaves the event where the fields find it, and runs the rest of the chain adding nothing. */
function proceedLazily(
  event: EventOf<Kind>,
  ctx: Context,
  next: Next<Kind, TracingContext>,
): Promise<MiddlewareResult<Kind>> {
  (ctx as Slotted)[slot] = event ?? null;
  return (next as unknown as () => Promise<MiddlewareResult<Kind>>)();
}

/** The longest request-supplied string put on a span (a path or user agent can be megabytes). */
const MAX_ATTRIBUTE = 2048;

/** `value` cut to `MAX_ATTRIBUTE` characters, marked with `…` when cut. */
function capped<T extends string | undefined>(value: T): T {
  return (value !== undefined && value.length > MAX_ATTRIBUTE ? `${value.slice(0, MAX_ATTRIBUTE)}…` : value) as T;
}

/** What names the function on each platform, read from the environment once per `tracing()`. */
interface PlatformNames {
  /** The Azure function app (`WEBSITE_SITE_NAME`), when the host sets it. */
  readonly azureApp: string | undefined;
  /**
   * The fully qualified resource id of the Azure function app
   * (`/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app>`), when the
   * host sets `WEBSITE_OWNER_NAME` and `WEBSITE_RESOURCE_GROUP` too.
   */
  readonly azureSite: string | undefined;
  /** The Cloud Run service (`K_SERVICE`), when the platform sets it. */
  readonly gcpService: string | undefined;
}

/** `PlatformNames` from the environment. */
function platformNames(): PlatformNames {
  const azureApp = process.env.WEBSITE_SITE_NAME || undefined;
  // `<subscription>+<resource group>-<region>webspace`
  const subscription = process.env.WEBSITE_OWNER_NAME?.split('+')[0] || undefined;
  const group = process.env.WEBSITE_RESOURCE_GROUP || undefined;
  return {
    azureApp,
    azureSite:
      azureApp === undefined || subscription === undefined || group === undefined
        ? undefined
        : `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Web/sites/${azureApp}`,
    gcpService: process.env.K_SERVICE || undefined,
  };
}

/** The Lambda ARN last read, and the attributes it gives: the same for every invocation of an instance. */
let lastArn: { readonly arn: string; readonly account: string | undefined } | undefined;

/**
 * The span attributes only the invocation tells, beside `faas.name` (FaaS conventions: resource
 * attributes that are span attributes where the resource cannot have them). On Lambda, the
 * invoked ARN of the Lambda context (`aws.lambda.invoked_arn`) and its fifth field, the account
 * (`cloud.account.id`). On Azure, `cloud.resource_id`: the conventions want the invoked
 * function's id, `…/sites/<app>/functions/<function>`, which the resource of an app hosting
 * several functions cannot hold.
 */
function invokedAttributes(ctx: Context, names: PlatformNames, attributes: Attributes): void {
  if (ctx.cloud === 'aws') {
    const arn = (ctx.raw as { invokedFunctionArn?: unknown } | null | undefined)?.invokedFunctionArn;
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) return;
    if (lastArn?.arn !== arn) lastArn = { arn, account: arn.split(':')[4] || undefined };
    attributes['aws.lambda.invoked_arn'] = arn;
    if (lastArn.account !== undefined) attributes['cloud.account.id'] = lastArn.account;
  } else if (ctx.cloud === 'azure' && names.azureSite !== undefined) {
    attributes['cloud.resource_id'] = `${names.azureSite}/functions/${ctx.functionName}`;
  }
}

/**
 * `faas.name`: the function's name as the FaaS conventions define it per platform, the one the
 * resource gives too. On Azure `<FUNCAPP>/<FUNC>` (an app hosts several functions, which would
 * share a name across apps); on Google Cloud the service, `K_SERVICE` (what `register()` names
 * is the function's entry point in it); elsewhere the function's name.
 */
function faasName(ctx: Context, names: PlatformNames): string {
  if (ctx.cloud === 'azure' && names.azureApp !== undefined) return `${names.azureApp}/${ctx.functionName}`;
  if (ctx.cloud === 'gcp' && names.gcpService !== undefined) return names.gcpService;
  return ctx.functionName;
}

/** The names `tracing()` takes, each a key of `TracingOptions`. */
const tracingOptionNames = [
  'name',
  'metrics',
  'attributes',
  'flush',
] as const satisfies readonly (keyof TracingOptions)[];

/**
 * Refuses an unknown name (`flushes`, `attrs`: dropped, it would change what is exported) and a
 * value of the wrong type (`flush: 'false'` would flush), when the function is defined.
 */
function checkTracingOptions(options: unknown): void {
  checkOptions('tracing()', options, tracingOptionNames);
  const { name, metrics: withMetrics, attributes, flush } = (options ?? {}) as Record<string, unknown>;
  const refuse = (problem: string) => new SkyportError('INVALID_DEFINITION', `tracing() ${problem}`);
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw refuse(`name must be a non-empty string, got ${shownValue(name)}`);
  }
  for (const [key, value] of [
    ['metrics', withMetrics],
    ['flush', flush],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw refuse(`${key} must be true or false, got ${shownValue(value)}`);
    }
  }
  if (
    attributes !== undefined &&
    typeof attributes !== 'function' &&
    (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
  ) {
    throw refuse(
      `attributes must be an object of attributes or a function returning one, got ${shownValue(attributes)}`,
    );
  }
}

/**
 * Wraps each invocation in a span following the OpenTelemetry FaaS and HTTP semantic conventions
 * (`faas.trigger`, `faas.invocation_id`, `faas.coldstart`, `faas.name`, `cloud.provider`,
 * `cloud.region`, `http.request.method`, `http.route`, `http.response.status_code`), continuing the
 * caller's trace from W3C `traceparent`, AWS X-Ray or GCP `X-Cloud-Trace-Context` (request headers,
 * the platform carrier, or a message's attributes). Exceptions are recorded and the span status
 * set, except for the abort of an http invocation whose client left (no failure of the function:
 * the span ends with its status unset and no `http.response.status_code`, and `faas.errors`
 * does not count it); `faas.invocations` (the successful ones), `faas.errors`, `faas.timeouts`
 * (the failures by deadline), `faas.coldstarts` and `faas.invoke_duration` are recorded through
 * the metrics API. A batch the platform delivers as one (SQS, Kinesis, DynamoDB Streams, an
 * Event Hubs or Service Bus trigger with `cardinality: 'many'`) is one invocation: one span for
 * the batch, parented on the invocation's own trace, and a span per message as its child, linked
 * to the message's producer (AWS Lambda and messaging conventions); a message a trigger delivers
 * alone is one span, continuing its producer's trace. Adds `ctx.span`, `ctx.traceId` and `ctx.spanId` (which
 * `logger()` puts on every line). A streamed answer (`http({ stream: true })`) keeps the span
 * active while its producer runs, and ends it (and records the durations, and flushes) once the
 * stream has ended, failed or been cancelled. Whether an SDK is registered is looked up per
 * invocation; without one it records nothing, and the caller's trace is only parsed when one of
 * those fields is read. The SDK failing (a span processor whose `onStart` or `onEnd` throws)
 * never changes an invocation's outcome: it is logged once per process at `warn`, and an
 * invocation whose span could not start runs without one (the caller's trace ids still on the
 * context). Its options are checked when the function is defined: an unknown name or
 * a value of the wrong type throws `SkyportError('INVALID_DEFINITION')`.
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
  checkTracingOptions(options);
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
      invocations: meter.createCounter('faas.invocations', {
        description: 'Successful invocations',
        unit: '{invocation}',
      }),
      errors: meter.createCounter('faas.errors', { description: 'Failed invocations', unit: '{error}' }),
      timeouts: meter.createCounter('faas.timeouts', {
        description: 'Invocations that failed by their deadline',
        unit: '{timeout}',
      }),
      coldStarts: meter.createCounter('faas.coldstarts', { description: 'Cold starts', unit: '{coldstart}' }),
      duration: meter.createHistogram('faas.invoke_duration', {
        description: 'Invocation duration',
        unit: 's',
        advice: { explicitBucketBoundaries: durationBuckets },
      }),
      // The stable HTTP server metric, which dashboards are built on.
      httpDuration: meter.createHistogram('http.server.request.duration', {
        description: 'Duration of HTTP server requests',
        unit: 's',
        advice: { explicitBucketBoundaries: httpBuckets },
      }),
    };
    return instruments;
  };

  // The same for the tracer: the SDK may be registered (or replaced) after this middleware was
  // built, so each invocation looks at the global provider's delegate, a couple of property reads.
  let tracerProvider: TracerProvider | undefined;
  let tracer: Tracer | undefined;
  const sdkTracer = (): Tracer | undefined => {
    const registered = trace.getTracerProvider();
    const provider = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
    if (provider === noopTracerProvider) return undefined;
    if (provider !== tracerProvider) {
      tracer = provider.getTracer(scope);
      tracerProvider = provider;
    }
    return tracer;
  };

  // Read once per middleware: an environment read per invocation would cost about a microsecond.
  const names = platformNames();
  // Metric attributes repeat for every invocation of a function: built once per function.
  const metricAttributes = new Map<string, Attributes>();
  const metricAttributesFor = (ctx: Context): Attributes => {
    const key = `${ctx.cloud} ${ctx.kind} ${ctx.functionName}`;
    let attributes = metricAttributes.get(key);
    if (attributes === undefined) {
      attributes = { 'faas.trigger': triggers[ctx.kind], 'faas.name': faasName(ctx, names) };
      if (ctx.cloud !== 'node') attributes['cloud.provider'] = ctx.cloud;
      metricAttributes.set(key, attributes);
    }
    return attributes;
  };

  const record = (meters: Instruments, ctx: Context, outcome: Outcome, seconds: number): void => {
    const attributes = metricAttributesFor(ctx);
    try {
      // `faas.invocations` counts the successful ones (FaaS metric conventions), `faas.errors`
      // the failed ones, `faas.timeouts` those of them that failed by their deadline.
      if (outcome === 'success') meters.invocations.add(1, attributes);
      else meters.errors.add(1, attributes);
      if (outcome === 'timeout') meters.timeouts.add(1, attributes);
      if (ctx.coldStart) meters.coldStarts.add(1, attributes);
      meters.duration.record(seconds, attributes);
    } catch (error) {
      telemetryFailed(ctx, error);
    }
  };

  // The batches under way.
  const batches = new WeakMap<Context, BatchState>();

  /**
   * The state of `batch`, made when its first message begins, with what runs once its last has
   * run (the batch span ended, the metrics recorded, the SDK flushed). Undefined when the batch
   * cannot have one (a context `createContext()` did not make, a batch already answered, which
   * a message `timeout()` left running ends after): such a message is recorded on its own.
   */
  const batchStateOf = (
    batch: Context,
    ctx: Context,
    meters: Instruments | undefined,
    started: number,
  ): BatchState | undefined => {
    const known = batches.get(batch);
    if (known !== undefined) return known;
    const state: BatchState = {
      outcome: 'success',
      errorType: undefined,
      started,
      messages: 0,
      span: undefined,
      within: undefined,
      messaging: false,
      destination: undefined,
    };
    const flush = options.flush ?? flushByDefault(ctx.cloud);
    const finish = async (failures: readonly BatchFailure[]) => {
      batches.delete(batch);
      // A failure no message span saw (a message `timeout()` further out gave up on, still
      // running; a middleware further out that threw) fails the invocation all the same.
      for (const failure of failures) {
        if (failure.skipped) continue;
        const outcome = outcomeOf(true, byDeadline(failure.error));
        if (outcome === 'timeout' || state.outcome === 'success') {
          state.outcome = outcome;
          state.errorType ??= asError(failure.error)?.name ?? otherError;
        }
      }
      endBatchSpan(state, batch);
      if (meters?.live) record(meters, ctx, state.outcome, (performance.now() - state.started) / 1000);
      if (flush) await flushProviders(batch);
    };
    if (!onBatchEnd(batch, finish)) return undefined;
    batches.set(batch, state);
    return state;
  };

  /**
   * Starts the invocation span of a batch the platform delivered as one, when its first message
   * begins: parented on the invocation's own trace (an instrumentation's active span, else the
   * platform's carrier: Lambda's X-Ray segment, the Azure host's `traceContext`), not on any
   * message's producer.
   */
  const startBatchSpan = (state: BatchState, batch: Context, ctx: Context, event: unknown, sdk: Tracer): void => {
    const attributes = invocationAttributes(ctx);
    const { name, kind } = describeBatch(ctx, event, attributes);
    state.messaging = kind === SpanKind.CONSUMER;
    state.destination = attributes['messaging.destination.name'] as string | undefined;
    // Fixed attributes only: attributes made per event describe a message, on its own span.
    if (options.attributes !== undefined && typeof options.attributes !== 'function') {
      Object.assign(attributes, options.attributes);
    }
    const active = context.active();
    const parent = trace.getSpan(active) === undefined ? findParent(undefined, batch) : undefined;
    let span: Span;
    try {
      span = sdk.startSpan(
        name,
        { kind, attributes },
        parent === undefined ? active : trace.setSpanContext(ROOT_CONTEXT, spanContextOf(parent)),
      );
    } catch (error) {
      // The batch goes on without its span: each message's span starts as a message's delivered
      // alone does (the next message tries the batch's again).
      telemetryFailed(ctx, error);
      return;
    }
    state.span = span;
    state.within = trace.setSpan(active, span);
  };

  /** The common attributes of an invocation span (FaaS and cloud conventions). */
  const invocationAttributes = (ctx: Context): Attributes => {
    const attributes: Attributes = {
      'faas.trigger': triggers[ctx.kind],
      'faas.invocation_id': ctx.requestId,
      'faas.coldstart': ctx.coldStart,
      'faas.name': faasName(ctx, names),
    };
    if (ctx.cloud !== 'node') attributes['cloud.provider'] = ctx.cloud;
    if (ctx.region !== undefined) attributes['cloud.region'] = ctx.region;
    invokedAttributes(ctx, names, attributes);
    return attributes;
  };

  const traced = async (
    event: EventOf<Kind>,
    ctx: Context,
    next: Next<Kind, TracingContext>,
    sdk: Tracer | undefined,
    meters: Instruments | undefined,
  ): Promise<MiddlewareResult<Kind>> => {
    const started = meters?.live ? performance.now() : 0;
    const http = isHttp(ctx.kind, event) ? event : undefined;
    const batch = batchOf(ctx);
    const batchState = batch === undefined ? undefined : batchStateOf(batch, ctx, meters, started);
    if (batchState !== undefined) batchState.messages++;
    // Without a tracer (metrics only) there is no span to record on: the caller's trace is
    // passed on as it is without an SDK at all.
    let span: Span | undefined;
    let active: OtelContext | undefined;
    let routeNamed = false;
    let method = '';
    let run: () => Promise<MiddlewareResult<Kind>>;
    if (sdk !== undefined) {
      const attributes = invocationAttributes(ctx);
      // A message of a batch the platform delivered as one is a span of its own, a child of the
      // batch's invocation span (AWS Lambda conventions for SQS, messaging conventions).
      if (batchState !== undefined && batchState.span === undefined && deliveredAsBatch(ctx, event)) {
        startBatchSpan(batchState, batch as Context, ctx, event, sdk);
      }
      const inBatch = batchState?.within;
      // Messages and records are consumed (messaging conventions); every other invocation is
      // the server side of the trigger (FaaS conventions: http, datasource, timer), and a
      // record of a batch of changes is work inside the batch's.
      const kind =
        ctx.kind === 'queue' || ctx.kind === 'stream' || ctx.kind === 'events'
          ? SpanKind.CONSUMER
          : inBatch === undefined
            ? SpanKind.SERVER
            : SpanKind.INTERNAL;
      let name: string;
      if (http !== undefined) {
        method = knownMethods.has(http.method) ? http.method : 'HTTP';
        attributes['http.request.method'] = knownMethods.has(http.method) ? http.method : '_OTHER';
        if (method === 'HTTP') attributes['http.request.method_original'] = http.method;
        attributes['url.path'] = capped(observedPath(http));
        const url = typeof http.url === 'string' ? http.url : '';
        const colon = url.indexOf(':');
        if (colon > 0) attributes['url.scheme'] = url.slice(0, colon);
        const query = queryOf(url);
        if (query !== undefined) attributes['url.query'] = capped(redactedQuery(query));
        set(attributes, 'server.address', hostOf(url));
        const port = portOf(http);
        if (port !== undefined) attributes['server.port'] = port;
        set(attributes, 'client.address', http.ip);
        if (typeof http.header === 'function')
          set(attributes, 'user_agent.original', capped(http.header('user-agent')));
        if (http.route !== undefined) {
          attributes['http.route'] = http.route;
          routeNamed = true;
        }
        name = http.route === undefined ? method : `${method} ${http.route}`;
      } else {
        name = describeEvent(ctx, event, attributes);
      }
      if (options.attributes !== undefined) {
        Object.assign(
          attributes,
          typeof options.attributes === 'function' ? options.attributes(event, ctx) : options.attributes,
        );
      }
      const { parent, links } =
        inBatch === undefined
          ? parentOf(event, ctx)
          : joinBatchSpan(batchState as BatchState, inBatch, event, ctx, batch as Context, attributes);
      try {
        span = sdk.startSpan(name, links === undefined ? { kind, attributes } : { kind, attributes, links }, parent);
      } catch (error) {
        // The SDK lets a span processor's `onStart` throw through `startSpan()`: the invocation
        // runs without a span, as without an SDK (the caller's trace ids still on the context).
        telemetryFailed(ctx, error);
      }
    }
    if (span === undefined) {
      run = usesFields(ctx) ? () => proceedLazily(event, ctx, next) : () => next(eagerAdditions(event, ctx));
    } else {
      const invocation = span;
      const spanContext = invocation.spanContext();
      const valid = isSpanContextValid(spanContext);
      const traceId = valid ? spanContext.traceId : undefined;
      const spanId = valid ? spanContext.spanId : undefined;
      const within = trace.setSpan(context.active(), invocation);
      active = within;
      if (usesFields(ctx)) {
        (ctx as Slotted)[slot] = new TraceState(traceId, spanId, invocation);
        const proceed = next as unknown as () => Promise<MiddlewareResult<Kind>>;
        run = () => context.with(within, proceed);
      } else {
        const added: TracingContext = { span: invocation, traceId, spanId };
        run = () => context.with(within, () => next(added));
      }
    }

    let failed = false;
    let timedOut = false;
    let status: number | undefined;
    let errorType: string | undefined;
    // Whether the answer's content is still to be streamed: the invocation then ends with it.
    let streamed = false;
    try {
      const result = await run();
      if (http !== undefined) {
        const response = result as HttpResponse;
        status = response.status;
        if (status >= 500) {
          failed = true;
          errorType = String(status);
        }
        if (span !== undefined) recordAnswer(ctx, span, status, errorType);
        // A HEAD answer's stream is never read: the invocation ends with its head.
        if (response.stream instanceof ReadableStream && http.method !== 'HEAD') {
          const head = { status, outcome: outcomeOf(failed, false), errorType, at: performance.now() };
          const stream = endedWith(response.stream, active, (settled) => {
            if (settled === 'abandoned') {
              // Nothing will read it: the invocation ended with its head, as a HEAD answer does.
              return conclude(ctx, http, span, meters, started, head.outcome, head.status, head.errorType, head.at);
            }
            if (settled === 'sent') {
              return conclude(ctx, http, span, meters, started, head.outcome, head.status, head.errorType);
            }
            const type = recordFailure(ctx, span, settled.error);
            const outcome = outcomeOf(true, byDeadline(settled.error));
            return conclude(ctx, http, span, meters, started, outcome, head.status, type);
          });
          streamed = true;
          return { ...response, stream };
        }
      }
      return result;
    } catch (error) {
      // The client left before the answer, which no one receives: no status, no failure of the
      // function, as for a streamed answer the client leaves (the span's status stays unset).
      if (http !== undefined && abortedByClient(error, ctx)) throw error;
      status = http === undefined ? undefined : toHttpError(error).status;
      if (status !== undefined && span !== undefined) recordAnswer(ctx, span, status, undefined);
      // A 4xx is the caller's mistake, not a failed invocation (HTTP server span conventions).
      if (status === undefined || status >= 500) {
        failed = true;
        timedOut = byDeadline(error);
        errorType = recordFailure(ctx, span, error);
      }
      throw error;
    } finally {
      // A router matches the route inside `next()`, after the span was named.
      if (span !== undefined && http?.route !== undefined && !routeNamed) {
        try {
          span.updateName(`${method} ${http.route}`);
          span.setAttribute('http.route', http.route);
        } catch (error) {
          telemetryFailed(ctx, error);
        }
      }
      if (!streamed) {
        const flushing = conclude(ctx, http, span, meters, started, outcomeOf(failed, timedOut), status, errorType);
        if (flushing !== undefined) await flushing;
      }
    }
  };

  /**
   * Ends an invocation: records the HTTP duration, ends the span, records the FaaS metrics, and
   * returns the flush to wait for, if any.
   */
  const conclude = (
    ctx: Context,
    http: HttpRequest | undefined,
    span: Span | undefined,
    meters: Instruments | undefined,
    started: number,
    outcome: Outcome,
    status: number | undefined,
    errorType: string | undefined,
    endedAt?: number,
  ): Promise<void> | undefined => {
    if (http !== undefined && meters?.live) {
      const seconds = ((endedAt ?? performance.now()) - started) / 1000;
      try {
        meters.httpDuration.record(seconds, httpAttributes(http, status, errorType));
      } catch (error) {
        telemetryFailed(ctx, error);
      }
    }
    if (span !== undefined) {
      // The SDK lets a span processor's `onEnd` throw through `end()`.
      try {
        span.end(endedAt === undefined ? undefined : performance.timeOrigin + endedAt);
      } catch (error) {
        telemetryFailed(ctx, error);
      }
    }
    // The invocation is the batch: recorded and flushed once, when its last message has run.
    const batch = batchOf(ctx);
    const state = batch === undefined ? undefined : batches.get(batch);
    if (state !== undefined) {
      if (outcome === 'timeout' || (outcome !== 'success' && state.outcome === 'success')) {
        state.outcome = outcome;
        state.errorType ??= errorType;
      }
      if (started < state.started) state.started = started;
      return undefined;
    }
    // A message that ends after its batch was answered (a `timeout()` further out gave up on it)
    // was counted with its batch, as failed: only its span is left to export.
    const late = batch !== undefined && isCoreContext(batch);
    if (meters?.live && !late) record(meters, ctx, outcome, ((endedAt ?? performance.now()) - started) / 1000);
    if (options.flush ?? flushByDefault(ctx.cloud)) return flushProviders(ctx);
    return undefined;
  };

  /** Whether an SDK tracer or live meters are registered to record this invocation with. */
  const recording = (): boolean => {
    if (apiRegistry() === undefined) return false;
    const meters = withMetrics ? instrumentsFor() : undefined;
    return sdkTracer() !== undefined || meters?.live === true;
  };

  return createMiddleware<Kind, TracingContext>({
    name: 'tracing',
    // Nothing registered and a core context: the event is left where the fields find it, and
    // the chain goes on without this layer at all.
    bypass(event, ctx) {
      if (recording() || !usesFields(ctx)) return false;
      (ctx as Slotted)[slot] = event ?? null;
      return true;
    },
    handle(event, ctx, next) {
      if (recording()) return traced(event, ctx, next, sdkTracer(), withMetrics ? instrumentsFor() : undefined);
      // Nothing registered: no span, no metrics, nothing to flush. The event is left on the
      // context, so the caller's trace is parsed only if something reads `ctx.traceId` (as
      // `logger()` does) or `ctx.span`.
      if (usesFields(ctx)) return proceedLazily(event, ctx, next);
      return next(eagerAdditions(event, ctx));
    },
  });
}

/**
 * Records what an invocation threw (or its stream failed with) on its span: the exception event,
 * `error.type` and the ERROR status. Returns the `error.type`: an `Error`'s name, else `_OTHER`
 * (the semantic conventions' value when no type is known; a plain object or a string has none),
 * whose exception event then carries a message and no type.
 */
function recordFailure(ctx: Context, span: Span | undefined, thrown: unknown): string {
  const error = asError(thrown);
  const type = error === undefined ? otherError : error.name;
  if (span === undefined) return type;
  try {
    if (error !== undefined) {
      span.recordException(error);
      span.setAttribute('error.type', type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      const message = capped(thrownText(thrown));
      span.recordException(message);
      span.setAttribute('error.type', type);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
  } catch (failure) {
    telemetryFailed(ctx, failure);
  }
  return type;
}

/**
 * Records an http answer's status on its span and, for a failed one (`errorType` given), its
 * `error.type` and the ERROR status.
 */
function recordAnswer(ctx: Context, span: Span, status: number, errorType: string | undefined): void {
  try {
    span.setAttribute('http.response.status_code', status);
    if (errorType !== undefined) {
      span.setAttribute('error.type', errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } catch (error) {
    telemetryFailed(ctx, error);
  }
}

/**
 * `thrown` as an `Error`: one of this realm, or of another (a `vm` context's), which
 * `instanceof` does not recognise, when it has a name and a message to record.
 */
function asError(thrown: unknown): Error | undefined {
  if (thrown instanceof Error) return thrown;
  try {
    if (Object.prototype.toString.call(thrown) !== '[object Error]') return undefined;
    const { name, message } = thrown as Error;
    return typeof name === 'string' && name !== '' && typeof message === 'string' ? (thrown as Error) : undefined;
  } catch {
    return undefined;
  }
}

/** How `safeJson` replaces a value it cannot write. */
const unserialisableNotice = '{"msg":"unserialisable log line"';

/** `error.type` of a failure whose type is not known (a thrown value that is no `Error`). */
const otherError = '_OTHER';

/**
 * A thrown value that is no `Error`, in words for the span's exception, never throwing: a string
 * as it is (`""` when empty, so the exception event still has a message), an object as JSON
 * (`{"code":"ConditionalCheckFailed"}` rather than `[object Object]`, credential keys redacted,
 * as a log line writes it), anything else through `String()`. One that `String()` cannot convert
 * (a `toString` that throws) must not replace what the handler threw; an object JSON cannot write
 * (a getter that throws), for which `safeJson` gives its log line notice, is written as `String()`
 * writes it.
 */
function thrownText(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown === '' ? '""' : thrown;
  if (typeof thrown === 'object' && thrown !== null) {
    const json = safeJson(thrown);
    if (!json.startsWith(unserialisableNotice)) return json;
  }
  try {
    return String(thrown);
  } catch {
    try {
      return Object.prototype.toString.call(thrown);
    } catch {
      return 'a thrown value with no string form';
    }
  }
}
