/** The fake context: a real Skyport context with the clock, ids and deadline under test control. */
import { type Cloud, type Context, createContext, type Kind, type Logger, type TraceCarrier } from '@skyport/core';
import { epochOf, type FakeClock } from './clock.js';

/** What a test may set on the context; `TExtra` is what `extra` adds. */
export interface FakeContextOptions<TExtra extends object = Readonly<Record<string, unknown>>> {
  /** The cloud the handler believes it runs on (default `node`). */
  readonly cloud?: Cloud | undefined;
  /** The function kind (default `http`). */
  readonly kind?: Kind | undefined;
  /** The request id (default `test-request-<n>`). */
  readonly requestId?: string | undefined;
  /** The function name (default `test-function`). */
  readonly functionName?: string | undefined;
  /** Whether this is a cold start (default false). */
  readonly coldStart?: boolean | undefined;
  /** The clock: a fixed time, or a `createClock()` clock (default: real time). */
  readonly now?: number | Date | FakeClock | undefined;
  /** The deadline, in epoch ms. */
  readonly deadline?: number | undefined;
  /** The deadline, as ms from now (by the given clock). */
  readonly deadlineInMs?: number | undefined;
  /** Trace headers the platform would supply. */
  readonly trace?: TraceCarrier | undefined;
  /** The region. */
  readonly region?: string | undefined;
  /**
   * A logger (default: Skyport's JSON logger, which `collectLogs()` captures). The default reads
   * `LOG_LEVEL` once per process; for another level, `createJsonLogger({}, 'debug')`, and with
   * `{ cloud: 'aws' }` (or `gcp`) as its third argument for the lines that cloud's invocations write.
   */
  readonly log?: Logger | undefined;
  /** The native context to expose as `ctx.raw`. */
  readonly raw?: unknown | undefined;
  /** Extra context, as if a middleware had added it (for example `auth`); typed on the context. */
  readonly extra?: TExtra | undefined;
}

let counter = 0;

function clockOf(now: FakeContextOptions['now']): () => number {
  if (now === undefined) return Date.now;
  if (typeof now === 'number' || now instanceof Date) {
    const time = epochOf(now, 'fakeContext() now');
    return () => time;
  }
  return () => now.now();
}

/**
 * A context for calling handlers or middleware directly in tests. What `extra` holds is on the
 * context and in its type, as if a middleware had added it.
 *
 * @example
 * const ctx = fakeContext({ cloud: 'aws', requestId: 'r-1', deadlineInMs: 3000, now: createClock(0) });
 * const authed = fakeContext({ extra: { auth: principal } }); // Context & { auth: Principal }
 */
export function fakeContext<TExtra extends object = {}>(options: FakeContextOptions<TExtra> = {}): Context & TExtra {
  const now = clockOf(options.now);
  const deadline = options.deadline ?? (options.deadlineInMs === undefined ? undefined : now() + options.deadlineInMs);
  if (deadline !== undefined && !Number.isFinite(deadline)) {
    throw new TypeError(
      `fakeContext() deadline is not a valid time: ${String(options.deadline ?? options.deadlineInMs)}`,
    );
  }
  const ctx = createContext({
    cloud: options.cloud ?? 'node',
    kind: options.kind ?? 'http',
    requestId: options.requestId ?? `test-request-${++counter}`,
    functionName: options.functionName ?? 'test-function',
    coldStart: options.coldStart ?? false,
    deadline,
    now,
    trace: options.trace,
    region: options.region,
    log: options.log,
    raw: options.raw,
  });
  if (options.extra) Object.assign(ctx, options.extra);
  return ctx as Context & TExtra;
}
