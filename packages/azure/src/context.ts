/**
 * The portable context of an Azure invocation: `requestId` is the `invocationId`, the trace
 * carrier comes from `context.traceContext`, `ctx.log` writes through the `InvocationContext`,
 * and the deadline comes from the `functionTimeout` the app declares (Azure does not tell).
 *
 * The host sends a `traceContext` with every invocation, its own span, marked unsampled (flags
 * `00`) whenever the host exports no telemetry itself. It stays in `ctx.trace` as sent; core's
 * `tracing()` and `logger()` continue it only when it is marked sampled, and otherwise use it for
 * log correlation alone, leaving the sampling decision to the SDK's sampler.
 */
import { type Context, createContext, type Kind, SkyportError } from '@skyport/core';
import { createInvocationLogger, hasInvocationLog } from './log.js';
import { asRecord, asString } from './metadata.js';

/** A parsed `functionTimeout`: milliseconds, or `undefined` for none. */
export type TimeoutMs = number | undefined;

/**
 * Parses a `host.json` `functionTimeout` (a .NET TimeSpan: `[d.]hh:mm:ss[.fff]`, `-1` for none)
 * or a number of milliseconds.
 *
 * @example
 * parseFunctionTimeout('00:05:00'); // 300000
 * parseFunctionTimeout('-1');       // undefined
 */
export function parseFunctionTimeout(value: string | number | undefined): TimeoutMs {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
    if (value === -1) return undefined;
  } else {
    const text = value.trim();
    if (text === '-1' || text === '') return undefined;
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text);
    if (match) {
      const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
      const ms =
        ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
        Number(seconds) * 1000 +
        Math.round(Number(`0.${fraction || '0'}`) * 1000);
      if (ms > 0) return ms;
    }
  }
  throw new SkyportError(
    'INVALID_DEFINITION',
    `azure: functionTimeout must be a TimeSpan like "00:05:00", "-1" or a positive number of ms, got ${JSON.stringify(value)}`,
    { adapter: 'azure' },
  );
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

function deadlineOf(init: AzureContextInit): number | undefined {
  const timeout =
    init.kind === 'http' ? Math.min(init.timeoutMs ?? HTTP_RESPONSE_LIMIT_MS, HTTP_RESPONSE_LIMIT_MS) : init.timeoutMs;
  return timeout === undefined ? undefined : init.startedAt + timeout;
}

/**
 * Builds the portable context of one invocation.
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
    deadline: deadlineOf(init),
    raw: context,
    trace,
    region: 'region' in init ? init.region : regionName(),
    log: hasInvocationLog(context) ? createInvocationLogger(context, { requestId, functionName }) : undefined,
    signalMarginMs: init.signalMarginMs,
  });
}
