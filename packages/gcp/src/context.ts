/**
 * The invocation context on GCP: `requestId` from the `function-execution-id` header, the
 * CloudEvent / message id, or the trace headers; trace propagation from `traceparent` and
 * `X-Cloud-Trace-Context`; `deadline` from the declared timeout; `region` from `FUNCTION_REGION`.
 */
import { randomUUID } from 'node:crypto';
import {
  type Context,
  checkOptions,
  createContext,
  type Kind,
  SkyportError,
  shownValue,
  type TraceCarrier,
} from '@skyport/core';
import type { AnySkyportFunction, GcpOptions, GcpSignature } from './types.js';

/** The settings of one function: per-function `gcp: { ... }` options over the adapter options. */
export interface GcpSettings {
  readonly name: string;
  readonly signature: GcpSignature;
  readonly timeoutSeconds: number | undefined;
  /** `FUNCTION_REGION`, read once: environment reads cost about a microsecond each. */
  readonly region: string | undefined;
}

const positive = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;

/** The names of `GcpOptions`: what a function's `gcp: { ... }` key and `toGcp()` take. */
export const gcpOptionNames = ['name', 'signature', 'timeoutSeconds'] as const satisfies readonly (keyof GcpOptions)[];

/**
 * What is wrong with the values of `GcpOptions` given (the names already checked), each named
 * after `prefix`; undefined when nothing is. A signature or timeout that is not read would leave
 * the default one in place without a word, an empty name the environment's.
 *
 * @example
 * gcpOptionProblem({ timeoutSeconds: '60' }, 'gcp.'); // 'gcp.timeoutSeconds must be a positive number of seconds, got "60"'
 */
export function gcpOptionProblem(options: Readonly<Record<string, unknown>>, prefix = ''): string | undefined {
  const { name, signature, timeoutSeconds } = options;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    return `${prefix}name must be a non-empty string, got ${shownValue(name)}`;
  }
  if (signature !== undefined && signature !== 'http' && signature !== 'cloudevent') {
    return `${prefix}signature must be "http" or "cloudevent", got ${shownValue(signature)}`;
  }
  if (timeoutSeconds !== undefined && positive(timeoutSeconds) === undefined) {
    return `${prefix}timeoutSeconds must be a positive number of seconds, got ${shownValue(timeoutSeconds)}`;
  }
  return undefined;
}

/**
 * Refuses a function's own `gcp: { ... }` settings with a name `GcpOptions` does not have
 * (`timeoutSecond`, `signatures`) or a value of the wrong type, naming the function and its kind:
 * such a setting had been dropped for the default without a word.
 */
function checkOwnSettings(kind: Kind, own: unknown, name: string): void {
  if (own === undefined) return;
  const where = `gcp: function "${name}" (${kind}):`;
  checkOptions(`${where} the gcp key`, own, gcpOptionNames, { adapter: 'gcp', kind });
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `${where} ${problem}`, { adapter: 'gcp', kind });
  const settings = own as Readonly<Record<string, unknown>>;
  const problem = gcpOptionProblem(settings, 'gcp.');
  if (problem !== undefined) throw refuse(problem);
  if (kind === 'http' && settings.signature === 'cloudevent') {
    throw refuse('gcp.signature cannot be "cloudevent": an http function answers requests, with the http signature');
  }
}

/**
 * The kinds registered with the `http` signature unless told otherwise. `schedule`: a Cloud
 * Scheduler HTTP target carries the job in headers, which a `cloudevent` handler never sees.
 * `events`: any CloudEvent, whatever its data's content type, while the framework's
 * `cloudevent` signature fails every binary-mode event with `text/plain` data (its legacy-event
 * check reads the string body as an object and throws) and hands other data over as parsed by
 * its body parsers (`text/csv` as bytes without `datacontenttype`, form data as an object).
 * Pub/Sub, Cloud Storage and Firestore send JSON or protobuf data, which it takes as sent.
 */
const httpByDefault: ReadonlySet<Kind> = new Set<Kind>(['schedule', 'events']);

/**
 * Resolves the settings of `fn`: its `gcp` options win over `options`, which win over the
 * environment (`FUNCTION_TARGET`, `K_SERVICE`, `CLOUD_RUN_TIMEOUT_SECONDS`). The signature
 * defaults to `cloudevent`, and to `http` for `schedule` and `events` functions. The function's
 * own `gcp` settings are checked (`options` are its caller's to check): an unknown name or a
 * value of the wrong type throws `SkyportError('INVALID_DEFINITION')` naming the function's kind.
 *
 * @example
 * settingsOf(fulfilOrder, { name: 'fulfilOrder' }).signature; // 'cloudevent'
 */
export function settingsOf(fn: AnySkyportFunction, options: GcpOptions = {}): GcpSettings {
  const own = fn.options.gcp ?? {};
  const name =
    (typeof own.name === 'string' && own.name) ||
    options.name ||
    process.env.FUNCTION_TARGET ||
    process.env.K_SERVICE ||
    'function';
  checkOwnSettings(fn.kind, fn.options.gcp, name);
  const declared = own.signature ?? options.signature;
  const signature: GcpSignature =
    fn.kind === 'http'
      ? 'http'
      : declared === 'http' || declared === 'cloudevent'
        ? declared
        : httpByDefault.has(fn.kind)
          ? 'http'
          : 'cloudevent';
  const timeoutSeconds =
    positive(own.timeoutSeconds) ??
    positive(options.timeoutSeconds) ??
    positive(Number(process.env.CLOUD_RUN_TIMEOUT_SECONDS));
  return { name, signature, timeoutSeconds, region: process.env.FUNCTION_REGION || undefined };
}

/** What the invocation tells about itself. */
export interface InvocationInfo {
  /** Normalised request headers, when the invocation came as HTTP. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The id of the CloudEvent or message. */
  readonly eventId?: string | undefined;
  /** CloudEvent extension attributes (`traceparent`, `tracestate`). */
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  /** The framework's execution id (generated when the header is absent). */
  readonly executionId?: string | undefined;
  /** The native request or event, for `ctx.raw`. */
  readonly raw: unknown;
}

/** The trace headers of an invocation, lower-cased. */
export function traceOf(info: InvocationInfo): TraceCarrier {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate', 'x-cloud-trace-context']) {
    const value = info.headers?.[name] ?? info.extensions?.[name];
    if (typeof value === 'string' && value !== '') carrier[name] = value;
  }
  return carrier;
}

/**
 * The id of this hop of a trace: `TRACE_ID/SPAN_ID` of `X-Cloud-Trace-Context`, else
 * `trace-id-parent-id` of `traceparent`. The trace id alone would not do: every request of one
 * trace (calls between services, retries) shares it.
 */
function hopOf(trace: TraceCarrier): string | undefined {
  const cloud = trace['x-cloud-trace-context']?.split(';')[0];
  const [traceId, spanId] = cloud?.split('/') ?? [];
  if (traceId && spanId) return `${traceId}/${spanId}`;
  const [, parentTrace, parentId] = trace.traceparent?.split('-') ?? [];
  return parentTrace && parentId ? `${parentTrace}-${parentId}` : undefined;
}

/**
 * The request id of an invocation: the execution id header, the event id, the trace hop
 * (`TRACE_ID/SPAN_ID`, which the platform's request log also shows), the framework's generated
 * execution id, or a random UUID.
 *
 * @example
 * requestIdOf({ headers: { 'function-execution-id': 'abc' }, raw: req }); // 'abc'
 */
export function requestIdOf(info: InvocationInfo, trace: TraceCarrier = traceOf(info)): string {
  return info.headers?.['function-execution-id'] || info.eventId || hopOf(trace) || info.executionId || randomUUID();
}

/**
 * The context of one invocation.
 *
 * @example
 * const ctx = gcpContext('queue', settingsOf(fn, { name: 'fulfilOrder' }), { eventId: event.id, raw: event });
 */
export function gcpContext(kind: Kind, settings: GcpSettings, info: InvocationInfo): Context {
  const trace = traceOf(info);
  return createContext({
    cloud: 'gcp',
    kind,
    requestId: requestIdOf(info, trace),
    functionName: settings.name,
    deadline: settings.timeoutSeconds === undefined ? undefined : Date.now() + settings.timeoutSeconds * 1000,
    trace,
    region: settings.region,
    raw: info.raw,
  });
}
