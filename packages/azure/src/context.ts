/**
 * The portable context of an Azure invocation: `requestId` is the `invocationId`, the trace
 * carrier comes from `context.traceContext`, `ctx.log` writes through the `InvocationContext`,
 * and the deadline comes from the `functionTimeout` the app declares (Azure does not tell), capped
 * by how long the caller waits for an HTTP or Event Grid invocation to answer.
 *
 * The host sends a `traceContext` with every invocation, its own span, marked unsampled (flags
 * `00`) whenever the host exports no telemetry itself. It stays in `ctx.trace` as sent; core's
 * `tracing()` and `logger()` continue it only when it is marked sampled, and otherwise use it for
 * log correlation alone, leaving the sampling decision to the SDK's sampler.
 */
import { type Context, createContext, type Kind, SkyportError } from '@skyport/core';
import { declaredTrigger } from './detect.js';
import { createInvocationLogger, hasInvocationLog } from './log.js';
import { asRecord, asString } from './metadata.js';
import type { AzureTriggerType } from './types.js';

/** A parsed `functionTimeout`: milliseconds, or `undefined` for none. */
export type TimeoutMs = number | undefined;

/** The shortest `functionTimeout` the host takes (`00:00:01`), on every plan. */
const MIN_FUNCTION_TIMEOUT_MS = 1000;

/**
 * Parses a `host.json` `functionTimeout` (a .NET TimeSpan: `[d.]hh:mm:ss[.fff]`, `-1` for none)
 * or a number of milliseconds. A timeout under 1 second, which the host refuses, throws
 * `SkyportError('INVALID_DEFINITION')`; a number under 1000 is taken for seconds written where
 * milliseconds go, and the message gives the TimeSpan and the milliseconds those seconds are.
 *
 * @example
 * parseFunctionTimeout('00:05:00'); // 300000
 * parseFunctionTimeout(300_000);    // 300000
 * parseFunctionTimeout('-1');       // undefined
 * parseFunctionTimeout(300);        // throws: milliseconds; for 300 seconds pass "00:05:00" or 300_000
 */
export function parseFunctionTimeout(value: string | number | undefined): TimeoutMs {
  if (value === undefined) return undefined;
  let ms: number | undefined;
  if (typeof value === 'number') {
    if (value === -1) return undefined;
    if (Number.isFinite(value) && value > 0) ms = value;
  } else {
    const text = value.trim();
    if (text === '-1' || text === '') return undefined;
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text);
    if (match) {
      const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
      ms =
        ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
        Number(seconds) * 1000 +
        Math.round(Number(`0.${fraction || '0'}`) * 1000);
      if (ms <= 0) ms = undefined;
    }
  }
  if (ms === undefined) {
    throw refuseTimeout(
      `must be a TimeSpan like "00:05:00", "-1" or a positive number of ms, got ${JSON.stringify(value)}`,
    );
  }
  if (ms < MIN_FUNCTION_TIMEOUT_MS) {
    // The host refuses it when it starts; a number this small is seconds written where ms go.
    throw refuseTimeout(
      typeof value === 'number'
        ? `is in milliseconds, and ${value} ms is under the 1 second minimum of host.json ("00:00:01")${secondsHint(value)}`
        : `must be at least 1 second ("00:00:01", the minimum of host.json), got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

function refuseTimeout(problem: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `azure: functionTimeout ${problem}`, { adapter: 'azure' });
}

/** `; for 300 seconds pass "00:05:00" or 300_000` for a whole number of seconds, else nothing. */
function secondsHint(seconds: number): string {
  if (!Number.isInteger(seconds)) return '';
  // Under 1000 seconds, so hours, minutes and seconds say it all.
  const two = (n: number) => String(n).padStart(2, '0');
  const timeSpan = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  const ms = String(seconds * 1000).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  return `; for ${seconds} second${seconds === 1 ? '' : 's'} pass "${timeSpan}" or ${ms}`;
}

/**
 * The timeout a function runs with: the option, else the app setting that overrides `host.json`.
 *
 * @example
 * resolveTimeout(undefined); // reads AzureFunctionsJobHost__functionTimeout, else undefined
 */
export function resolveTimeout(option: string | number | undefined): TimeoutMs {
  return parseFunctionTimeout(option ?? process.env.AzureFunctionsJobHost__functionTimeout);
}

/** What the adapter knows when it builds a context. */
export interface AzureContextInit {
  readonly kind: Kind;
  readonly timeoutMs: TimeoutMs;
  readonly signalMarginMs?: number | undefined;
  /**
   * The trigger of the invocation, as `toAzure()` detected it; when absent, the one declared in
   * `context.options.trigger`. An `eventGridTrigger` caps the deadline at 30 seconds.
   */
  readonly trigger?: AzureTriggerType | undefined;
  /** When the invocation started (epoch ms). */
  readonly startedAt: number;
  /**
   * The region; `REGION_NAME` when absent. `toAzure()` reads it once per function, since an
   * environment read costs about a microsecond.
   */
  readonly region?: string | undefined;
}

/**
 * The region the host runs in (`REGION_NAME`), or `undefined`.
 *
 * @example
 * regionName(); // 'West Europe'
 */
export function regionName(): string | undefined {
  return process.env.REGION_NAME || undefined;
}

/**
 * How long an HTTP-triggered function has to answer, whatever its timeout: Azure's load balancer
 * gives up on the request after 230 seconds.
 */
export const HTTP_RESPONSE_LIMIT_MS = 230_000;

/**
 * How long an Event Grid-triggered function has to finish, whatever its timeout: the trigger
 * answers Event Grid's webhook delivery only once the function has run, and Event Grid waits
 * 30 seconds for that answer before it queues the event to be delivered again.
 */
export const EVENT_GRID_RESPONSE_LIMIT_MS = 30_000;

/** The time a caller waits for the invocation's answer, whatever the timeout, if it waits. */
function responseLimitOf(kind: Kind, trigger: string | undefined): number | undefined {
  if (kind === 'http') return HTTP_RESPONSE_LIMIT_MS;
  return trigger === 'eventGridTrigger' ? EVENT_GRID_RESPONSE_LIMIT_MS : undefined;
}

function deadlineOf(init: AzureContextInit, trigger: string | undefined): number | undefined {
  const limit = responseLimitOf(init.kind, trigger);
  const timeout = limit === undefined ? init.timeoutMs : Math.min(init.timeoutMs ?? limit, limit);
  return timeout === undefined ? undefined : init.startedAt + timeout;
}

/**
 * Builds the portable context of one invocation. Its deadline is `startedAt + timeoutMs`, and at
 * most 230 seconds after `startedAt` for an http function, 30 seconds for an Event Grid trigger,
 * with or without a timeout: the caller stops waiting for the answer then.
 *
 * @example
 * const ctx = createAzureContext(context, { kind: 'queue', timeoutMs: 300_000, startedAt: Date.now() });
 */
export function createAzureContext(context: unknown, init: AzureContextInit): Context {
  const native = asRecord(context);
  const requestId = asString(native?.invocationId) ?? 'unknown';
  const functionName = asString(native?.functionName) ?? 'unknown';
  const traceContext = asRecord(native?.traceContext);
  const trace: Record<string, string> = {};
  const traceparent = asString(traceContext?.traceParent);
  const tracestate = asString(traceContext?.traceState);
  if (traceparent !== undefined) trace.traceparent = traceparent;
  if (tracestate !== undefined) trace.tracestate = tracestate;
  return createContext({
    cloud: 'azure',
    kind: init.kind,
    requestId,
    functionName,
    deadline: deadlineOf(init, init.trigger ?? asString(declaredTrigger(context)?.type)),
    raw: context,
    trace,
    region: 'region' in init ? init.region : regionName(),
    log: hasInvocationLog(context) ? createInvocationLogger(context, { requestId, functionName }) : undefined,
    signalMarginMs: init.signalMarginMs,
  });
}
