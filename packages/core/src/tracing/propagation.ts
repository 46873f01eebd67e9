/**
 * Trace context parsing shared by `tracing()` and `logger()`: W3C `traceparent`, AWS X-Ray
 * (`X-Amzn-Trace-Id` / `_X_AMZN_TRACE_ID`) and GCP `X-Cloud-Trace-Context`, read from the
 * context's carrier, the request headers or a message's attributes. No OpenTelemetry import, so
 * the logger can use it without loading the API.
 */
import { batchOf } from '../context.js';
import type { Context } from '../types.js';

/** A parent span found in the invocation's propagation data. */
export interface TraceParent {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** Whether the caller sampled the trace. */
  readonly sampled: boolean;
  /** The W3C `tracestate`, when sent. */
  readonly traceState?: string | undefined;
  /** Which header it came from. */
  readonly format: 'w3c' | 'xray' | 'gcp';
}

const zeroTraceId = '00000000000000000000000000000000';
const zeroSpanId = '0000000000000000';
const hex16 = /^[0-9a-f]{16}$/;

/** `value[start..end)` as lower-case hex: -1 when it is not, 0 when all zeros, 1 otherwise. */
function lowerHex(value: string, start: number, end: number): number {
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c > 102 || c < 48 || (c > 57 && c < 97)) return -1;
    bits |= c ^ 48;
  }
  return bits === 0 ? 0 : 1;
}

const lineTerminator = /[\n\r\u2028\u2029]/;

/**
 * `value` without the spaces and tabs around it (RFC 9110 OWS), by index: a pattern anchored at
 * the end is retried from every position of a run of blanks inside a value a client wrote.
 */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * Parses a W3C `traceparent` (`00-<trace>-<span>-<flags>`).
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 */
export function parseTraceparent(value: string, traceState?: string): TraceParent | undefined {
  // Checked in one pass by position, without a capturing pattern or number parsing: this runs on
  // every traced request. All-zero trace and span ids are invalid.
  // Only spaces and tabs around a header value are not part of it (RFC 9110 OWS); hex must be
  // lower case already, as the W3C specification requires, so nothing is lower-cased.
  const v = value.length === 55 ? value : trimOws(value);
  if (v.length < 55 || v.charCodeAt(2) !== 45 || v.charCodeAt(35) !== 45 || v.charCodeAt(52) !== 45) return undefined;
  if (lowerHex(v, 0, 2) < 0 || lowerHex(v, 3, 35) < 1 || lowerHex(v, 36, 52) < 1 || lowerHex(v, 53, 55) < 0) {
    return undefined;
  }
  // Version ff is invalid; version 00 has exactly four fields, later versions may append more.
  const ff = v.charCodeAt(0) === 102 && v.charCodeAt(1) === 102;
  const v00 = v.charCodeAt(0) === 48 && v.charCodeAt(1) === 48;
  if (ff) return undefined;
  if (v.length > 55 && (v00 || v.charCodeAt(55) !== 45 || lineTerminator.test(v.slice(56)))) return undefined;
  // The sampled flag is the lowest bit of the flags' last hex digit.
  const last = v.charCodeAt(54);
  const sampled = ((last <= 57 ? last - 48 : last - 87) & 1) === 1;
  return { traceId: v.slice(3, 35), spanId: v.slice(36, 52), sampled, traceState, format: 'w3c' };
}

/**
 * Parses an AWS X-Ray header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`).
 *
 * @example
 * parseXray('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 */
export function parseXray(value: string): TraceParent | undefined {
  const fields: Record<string, string> = {};
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0)
      fields[part.slice(0, eq).trim().toLowerCase()] = part
        .slice(eq + 1)
        .trim()
        .toLowerCase();
  }
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.root ?? '');
  const spanId = fields.parent ?? '';
  if (!root || !hex16.test(spanId) || spanId === zeroSpanId) return undefined;
  const traceId = `${root[1]}${root[2]}`;
  if (traceId === zeroTraceId) return undefined;
  return { traceId, spanId, sampled: fields.sampled === '1', format: 'xray' };
}

/**
 * Parses GCP `X-Cloud-Trace-Context` (`<32 hex>/<decimal span id>;o=1`).
 *
 * @example
 * parseCloudTrace('105445aa7843bc8bf206b12000100000/1;o=1');
 */
export function parseCloudTrace(value: string): TraceParent | undefined {
  const match = /^([0-9a-fA-F]{32})\/(\d{1,20})(?:;o=([0-9]))?$/.exec(value.trim());
  if (!match) return undefined;
  const traceId = (match[1] as string).toLowerCase();
  const span = BigInt(match[2] as string);
  if (traceId === zeroTraceId || span === 0n || span > 0xffffffffffffffffn) return undefined;
  return { traceId, spanId: span.toString(16).padStart(16, '0'), sampled: match[3] === '1', format: 'gcp' };
}

/**
 * An X-Ray header as a parent, when it says the trace is sampled. Lambda sets
 * `_X_AMZN_TRACE_ID` with `Sampled=0` whenever Active tracing is off, and AWS services pass such
 * headers on: followed, the SDK's default (parent-based) sampler would drop every span. An
 * unsampled X-Ray header is treated as no parent at all.
 */
const sampledField = /(?:^|;)\s*sampled\s*=\s*1\s*(?:;|$)/i;

function sampledXray(value: unknown): TraceParent | undefined {
  // Most headers Lambda sees are unsampled (Active tracing off): refused without parsing.
  if (typeof value !== 'string' || !sampledField.test(value)) return undefined;
  const parsed = parseXray(value);
  return parsed?.sampled ? parsed : undefined;
}

function w3cParent(carrier: Readonly<Record<string, unknown>>): TraceParent | undefined {
  // Pub/Sub's client libraries write `googclient_traceparent`; the Azure Service Bus and Event
  // Hubs SDKs write the W3C value to the `Diagnostic-Id` application property.
  const traceparent = carrier.traceparent ?? carrier.googclient_traceparent ?? carrier['diagnostic-id'];
  if (typeof traceparent !== 'string') return undefined;
  const state = carrier.tracestate;
  return parseTraceparent(traceparent, typeof state === 'string' ? state : undefined);
}

function gcpParent(carrier: Readonly<Record<string, unknown>>): TraceParent | undefined {
  const gcp = carrier['x-cloud-trace-context'];
  return typeof gcp === 'string' ? parseCloudTrace(gcp) : undefined;
}

/**
 * The parent trace in a header-like map (lower-case names): W3C `traceparent` first (Pub/Sub's
 * `googclient_traceparent` attribute and the Azure SDKs' `Diagnostic-Id` too), then a sampled
 * X-Ray header, then GCP.
 *
 * @example
 * parentFromCarrier({ traceparent: req.header('traceparent') ?? '' });
 */
export function parentFromCarrier(carrier: Readonly<Record<string, unknown>> | undefined): TraceParent | undefined {
  if (carrier === undefined) return undefined;
  return w3cParent(carrier) ?? sampledXray(carrier['x-amzn-trace-id']) ?? gcpParent(carrier);
}

/**
 * The propagation map an event carries: request headers or message attributes.
 *
 * @example
 * parentFromCarrier(carrierOf(message));
 */
export function carrierOf(event: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { rawHeaders?: unknown; headers?: unknown; attributes?: unknown };
  // A core request's headers as sent: its `headers` are what a header schema kept, which may
  // not include the trace headers (read after validation when `tracing()` resolves lazily).
  const headers = e.rawHeaders ?? e.headers;
  const map = headers ?? e.attributes;
  if (typeof map !== 'object' || map === null) return undefined;
  const record = map as Record<string, unknown>;
  if (headers !== undefined) return record;
  // Message attributes keep the sender's case (`Traceparent`, `X-Amzn-Trace-Id`): look both ways.
  const lower: Record<string, unknown> = {};
  for (const key of Object.keys(record)) lower[key.toLowerCase()] = record[key];
  return lower;
}

/**
 * On Lambda, the invocation's own X-Ray header (Lambda's segment): the one the carrier of the
 * invocation's context holds when the adapter put it there (read once per invocation, and never
 * another invocation's), else `_X_AMZN_TRACE_ID` as it is now. Not the variable where the runtime
 * runs invocations concurrently (Lambda Managed Instances set `AWS_LAMBDA_MAX_CONCURRENCY`): it
 * names no invocation there.
 */
function lambdaHeader(ctx: Pick<Context, 'trace' | 'cloud'>): string | undefined {
  if (ctx.cloud !== 'aws') return undefined;
  const own = (batchOf(ctx as Context) ?? ctx).trace as Readonly<Record<string, unknown>> | undefined;
  if (own === undefined || !Object.hasOwn(own, 'x-amzn-trace-id')) {
    return process.env.AWS_LAMBDA_MAX_CONCURRENCY === undefined ? process.env._X_AMZN_TRACE_ID : undefined;
  }
  const header = own['x-amzn-trace-id'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * On Azure, the `traceparent` of the invocation's own carrier: the `traceContext` the Functions
 * host sends with every invocation (its own span, which a message of a batch without a trace of
 * its own sees as `ctx.trace` too). The host marks it unsampled (flags `00`) whenever it exports
 * no telemetry of its own, so it says nothing about whether the caller sampled the trace.
 */
function azureHostTraceparent(ctx: Pick<Context, 'trace' | 'cloud'>): string | undefined {
  if (ctx.cloud !== 'azure') return undefined;
  const own = (batchOf(ctx as Context) ?? ctx).trace as Readonly<Record<string, unknown>> | undefined;
  const traceparent = own?.traceparent;
  return typeof traceparent === 'string' ? traceparent : undefined;
}

/**
 * Whether `parent`, found in `carrier` (the context's), is the Azure host's unsampled span: as an
 * unsampled X-Ray header on Lambda, it is no parent (followed, the SDK's default parent-based
 * sampler would drop every span), only a trace to correlate log lines with. A message's own
 * trace (an Event Hubs `Diagnostic-Id`) keeps its sampling decision.
 */
function unsampledAzureHost(
  parent: TraceParent,
  carrier: Readonly<Record<string, unknown>>,
  ctx: Pick<Context, 'trace' | 'cloud'>,
): boolean {
  if (parent.sampled || ctx.cloud !== 'azure') return false;
  const host = azureHostTraceparent(ctx);
  return host !== undefined && carrier.traceparent === host;
}

/** Whether `event` is a request (its carrier is headers), not a message. */
function isRequest(event: unknown): boolean {
  const e = event as { rawHeaders?: unknown; headers?: unknown };
  return e.rawHeaders !== undefined || e.headers !== undefined;
}

/**
 * The parent of an invocation, skipping unsampled X-Ray headers (see `parentFromCarrier`) and,
 * on Azure, the host's unsampled `traceContext`:
 * 1. the event's W3C `traceparent` (request header or message attribute);
 * 2. for a request on Lambda, `_X_AMZN_TRACE_ID`: Lambda's own segment, itself a child of the
 *    X-Ray header API Gateway or the load balancer sent;
 * 3. the event's X-Ray or GCP header (a message carries its producer's trace);
 * 4. the platform's carrier on the context (for a message of a batch, the one it came with,
 *    such as SQS `AWSTraceHeader` or an Event Hubs `Diagnostic-Id`; on Azure, otherwise, the
 *    host's `traceContext` when it is marked sampled);
 * 5. on Lambda, `_X_AMZN_TRACE_ID`.
 *
 * @example
 * const parent = findParent(req, ctx);
 * if (parent) ctx.log.info({ traceId: parent.traceId }, 'continuing a trace');
 */
export function findParent(event: unknown, ctx: Pick<Context, 'trace' | 'cloud'>): TraceParent | undefined {
  // On Lambda, the invocation's header is read and parsed at most once: it is also what the
  // context's carrier holds.
  const env = lambdaHeader(ctx);
  let lambda: TraceParent | undefined;
  let lambdaRead = env === undefined;
  const carrier = carrierOf(event);
  if (carrier !== undefined) {
    const w3c = w3cParent(carrier);
    if (w3c) return w3c;
    if (!lambdaRead && isRequest(event)) {
      lambda = sampledXray(env);
      lambdaRead = true;
      if (lambda) return lambda;
    }
    const other = sampledXray(carrier['x-amzn-trace-id']) ?? gcpParent(carrier);
    if (other) return other;
  }
  const trace = ctx.trace as Readonly<Record<string, unknown>> | undefined;
  if (trace !== undefined) {
    const w3c = w3cParent(trace);
    if (w3c && !unsampledAzureHost(w3c, trace, ctx)) return w3c;
    const xray = trace['x-amzn-trace-id'];
    if (xray !== env || env === undefined) {
      const other = sampledXray(xray) ?? gcpParent(trace);
      if (other) return other;
    } else {
      const other = gcpParent(trace);
      if (other) return other;
    }
  }
  return lambdaRead ? lambda : sampledXray(env);
}

const xrayRoot = /(?:^|;)\s*root\s*=\s*1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i;
const xrayParent = /(?:^|;)\s*parent\s*=\s*([0-9a-f]{16})\s*(?:;|$)/i;

/** The ids of an X-Ray header whatever its sampling decision; the parent span may be missing. */
function xrayIds(value: unknown): { traceId: string; spanId: string | undefined } | undefined {
  if (typeof value !== 'string') return undefined;
  const root = xrayRoot.exec(value);
  if (!root) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  if (traceId === zeroTraceId) return undefined;
  const spanId = xrayParent.exec(value)?.[1]?.toLowerCase();
  return { traceId, spanId: spanId === zeroSpanId ? undefined : spanId };
}

/**
 * The platform's trace of an invocation for log correlation, when `findParent` found no parent:
 * an unsampled X-Ray header (Lambda's `_X_AMZN_TRACE_ID` with Active tracing off, API Gateway's
 * `X-Amzn-Trace-Id`) or the Azure host's unsampled `traceContext` is no span parent, yet its
 * trace id still ties the invocation's lines to those of the services before it (and, on Azure,
 * to the host's own). Read in `findParent`'s order; an X-Ray span id may be missing.
 *
 * @example
 * const ids = findParent(event, ctx) ?? correlationOf(event, ctx);
 */
export function correlationOf(
  event: unknown,
  ctx: Pick<Context, 'trace' | 'cloud'>,
): { traceId: string; spanId: string | undefined } | undefined {
  const env = lambdaHeader(ctx);
  const carrier = carrierOf(event);
  return (
    (carrier !== undefined && isRequest(event) ? xrayIds(env) : undefined) ??
    xrayIds(carrier?.['x-amzn-trace-id']) ??
    xrayIds((ctx.trace as Readonly<Record<string, unknown>> | undefined)?.['x-amzn-trace-id']) ??
    xrayIds(env) ??
    azureHostIds(ctx)
  );
}

/** The ids of the Azure host's `traceContext`, whatever its sampling decision. */
function azureHostIds(ctx: Pick<Context, 'trace' | 'cloud'>): { traceId: string; spanId: string } | undefined {
  const host = azureHostTraceparent(ctx);
  const parsed = host === undefined ? undefined : parseTraceparent(host);
  return parsed === undefined ? undefined : { traceId: parsed.traceId, spanId: parsed.spanId };
}

/** The trace ids `tracing()` adds to the context, which `logger()` reads. */
export interface TraceIds {
  /** The current trace id (32 hex). */
  readonly traceId: string;
  /** The id of the invocation span (16 hex). */
  readonly spanId: string;
}

/** The ids added by `tracing()`, when it ran before this middleware. */
export function traceIdsOf(ctx: object): TraceIds | undefined {
  const c = ctx as Partial<TraceIds>;
  // The context itself carries both ids: no copy per invocation.
  return typeof c.traceId === 'string' && typeof c.spanId === 'string' ? (c as TraceIds) : undefined;
}

/**
 * Where `tracing()` without an SDK exposes the caller's parent it parsed (through an accessor on
 * the context): ids straight from the parsers here, lower-case hex that needs no escaping.
 */
export const parsedParent: unique symbol = Symbol('parsedParent');

/** The parent `tracing()` parsed for this invocation, while its ids are still the context's. */
export function parsedParentOf(ctx: object): TraceParent | undefined {
  return (ctx as { [parsedParent]?: TraceParent })[parsedParent];
}
