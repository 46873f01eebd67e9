/**
 * `timeout()`: gives up shortly before the platform would kill the invocation, so an http
 * function answers 504 and a message fails (and is retried) instead of vanishing mid-flight.
 * It aborts `ctx.signal` so the handler's own I/O can stop, and drops whatever the handler
 * returns afterwards; an error the handler throws afterwards is logged, as it reaches no one else.
 */
import { reportFailure } from '../batch.js';
import { abortContext, batchOf } from '../context.js';
import { SkyportError, skyportErrorOf } from '../errors.js';
import { checkOptions } from '../options.js';
import { after, type Timer } from '../timer.js';
import type { Context, Kind, Middleware, MiddlewareResult } from '../types.js';
import { createMiddleware } from './create.js';

/** Options of `timeout()`. */
export interface TimeoutOptions {
  /** Give up this many ms before the deadline (default 500); a finite number of at least 0. */
  readonly marginMs?: number | undefined;
  /**
   * A budget in ms for platforms that give no deadline (Azure without `functionTimeout`, Node); at
   * least 0 (`Infinity` is no budget of its own).
   */
  readonly ms?: number | undefined;
}

/** A value for a definition error: a string quoted, so `"100"` is not read as the number. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

/**
 * How many `cause` links are followed from an error the handler throws late: a chain of causes
 * may lead back to itself.
 */
const CAUSE_DEPTH = 10;

/**
 * `ctx.signal`'s reason when it aborted as the deadline nears (its `TimeoutError`), else
 * `undefined`; never throws.
 */
function deadlineReasonOf(ctx: Context): unknown {
  try {
    const signal: AbortSignal | undefined = ctx.signal;
    if (signal?.aborted !== true) return undefined;
    const reason: unknown = signal.reason;
    return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError'
      ? reason
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `error` is the timeout, or was caused by it: this `timeout()`'s own, a `TIMEOUT` of any
 * copy of core (another `timeout()`, inside this one, that gave up in turn), or `ctx.signal`'s
 * `TimeoutError` at the deadline (`fetch` rejects with it, `node:timers/promises` with an
 * `AbortError` whose `cause` it is).
 */
function isTheTimeout(error: unknown, reasons: readonly unknown[]): boolean {
  let current = error;
  for (let depth = 0; depth <= CAUSE_DEPTH; depth++) {
    if (current === undefined || current === null) return false;
    if (reasons.includes(current) || skyportErrorOf(current)?.code === 'TIMEOUT') return true;
    if (typeof current !== 'object') return false;
    try {
      if (!('cause' in current)) return false;
      current = current.cause;
    } catch {
      // A cause that throws when read (a revoked Proxy): what it holds cannot be told.
      return false;
    }
  }
  return false;
}

/**
 * How far before `timeout()`'s own timer the timer of `ctx.signal` may fire when both count to
 * the same moment: the signal counts its delay from the clock's whole ms when first read, and
 * the timers count whole ms too, so it runs up to 2 ms earlier by real time.
 */
const TIMER_SKEW_MS = 2;

/**
 * Logs the handler's failure once it ends after `timeout()` gave up: the invocation has been
 * answered with the timeout, and the pipeline never sees this error. Its success stays silent (the
 * timeout was logged), as does a failure that is the timeout itself (see `isTheTimeout`). A
 * message's line names it, as the batch's failure lines do. Never throws, and leaves no rejection
 * unhandled.
 */
function logLateFailure(pending: Promise<unknown>, event: unknown, ctx: Context, timedOut: SkyportError): void {
  // The signal's reason as it is when the time is up, and as it is when the handler fails: a
  // middleware further in may have set a signal of its own on the context meanwhile.
  const atGiveUp = deadlineReasonOf(ctx);
  pending.then(undefined, (error: unknown) => {
    try {
      if (isTheTimeout(error, [timedOut, atGiveUp, deadlineReasonOf(ctx)])) return;
      const id = ctx.kind !== 'http' && batchOf(ctx) !== undefined ? (event as { id?: unknown } | null)?.id : undefined;
      // `ctx.log` as it is now: a `logger()` further in has replaced it with the invocation's own.
      // A value whose reads throw is logged as the pipeline logs it, as a HANDLER_FAILED error.
      reportFailure(
        ctx.log,
        error,
        ctx.kind,
        'handler failed after timeout() gave up',
        typeof id === 'string' ? { messageId: id } : {},
      );
    } catch {
      // A context whose logger cannot even be read: nothing is left to tell it with.
    }
  });
}

/**
 * Fails the invocation `marginMs` before its deadline (504 for http).
 *
 * @example
 * export const report = http({ method: 'GET', path: '/report' }).use(timeout({ marginMs: 1000 })).handle(slowReport);
 */
export function timeout(options: TimeoutOptions = {}): Middleware {
  if (typeof options === 'number') {
    // `timeout(100)`, as Hono takes it: read as no options, it would be no timeout at all.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `timeout() takes an options object, not a number: write timeout({ ms: ${options} }) for a budget of ${options} ms, or timeout({ marginMs: ${options} }) to give up that long before the deadline`,
    );
  }
  checkOptions('timeout()', options, ['marginMs', 'ms']);
  const margin: unknown = options.marginMs ?? 500;
  const ms: unknown = options.ms;
  // A NaN, or an infinite margin, would turn the timeout off without a word: a definition error.
  // An infinite `ms` is no budget of its own, as without one: the deadline still counts. A string
  // ('100', from configuration) is refused too: it would count only by coercion.
  if (typeof margin !== 'number' || !(margin >= 0 && margin < Number.POSITIVE_INFINITY)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `timeout(): marginMs must be a finite number of at least 0, got ${shown(margin)}`,
    );
  }
  if (ms !== undefined && (typeof ms !== 'number' || !(ms >= 0))) {
    throw new SkyportError('INVALID_DEFINITION', `timeout(): ms must be a number of at least 0, got ${shown(ms)}`);
  }
  return createMiddleware({
    name: 'timeout',
    async handle(event, ctx, next) {
      // Taken before the deadline is read, so the time counted is never short of it.
      const started = performance.now();
      const beforeDeadline = ctx.remainingTimeMs() - margin;
      const ms = options.ms ?? Number.POSITIVE_INFINITY;
      const budget = Math.min(beforeDeadline, ms);
      if (!Number.isFinite(budget)) return next();
      // Which bound gave up: the function's own budget, or the margin before the platform's deadline.
      const message =
        ms <= beforeDeadline
          ? `${ctx.functionName} took longer than its ${ms} ms (timeout({ ms }))`
          : `gave up ${margin} ms before the deadline of ${ctx.functionName}`;
      // The handler's own error, when it fails past the budget before the timer could run (busy
      // work), is kept as the cause; one that comes after the timer gave up is logged on its own.
      const gaveUp = (cause?: unknown) => {
        const late = new SkyportError('TIMEOUT', message, { kind: ctx.kind, cause });
        abortContext(ctx, late);
        return late;
      };
      if (budget <= 0) throw gaveUp();
      // Work that keeps the thread busy past the budget settles before the timer can run: its
      // result is checked against the time that passed, and one that came too late is not sent.
      // Real time, as the timer's: a test's clock that stands still or jumps sets the budget only.
      // With the signal's margin the same as this one (500 ms both by default), the signal's timer
      // may fire first, by up to TIMER_SKEW_MS of real time: what the handler answers to that abort is
      // late too, though the budget is not quite spent.
      const overdue = () => {
        const spent = performance.now() - started;
        return spent >= budget || (spent >= budget - TIMER_SKEW_MS && deadlineReasonOf(ctx) !== undefined);
      };
      let expiredWith: SkyportError | undefined;
      let timer: Timer | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = after(budget, () => {
          expiredWith = gaveUp();
          reject(expiredWith);
        });
      });
      let result: MiddlewareResult<Kind>;
      let pending: Promise<MiddlewareResult<Kind>> | undefined;
      try {
        pending = next();
        result = await Promise.race([pending, expired]);
      } catch (failure) {
        if (expiredWith !== undefined && failure === expiredWith) {
          // The handler still runs: what it throws from now on would reach no one.
          if (pending !== undefined) logLateFailure(pending, event, ctx, expiredWith);
          throw failure;
        }
        if (!overdue()) throw failure;
        throw gaveUp(failure);
      } finally {
        timer?.clear();
      }
      if (overdue()) throw gaveUp();
      return result;
    },
  });
}
