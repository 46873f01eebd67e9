/**
 * The invocation context. Adapters create one per invocation with `createContext()`; anything
 * costly (the logger child, the abort signal and its timer) is built only when first used.
 */
import { rootLogger } from './log.js';
import type { Cloud, Context, Kind, Logger, TraceCarrier } from './types.js';

/** What an adapter knows about an invocation. */
export interface ContextInit {
  /** The platform. */
  readonly cloud: Cloud;
  /** The function kind. */
  readonly kind: Kind;
  /** The platform's invocation id. */
  readonly requestId: string;
  /** The deployed function name. */
  readonly functionName: string;
  /** When the platform stops the invocation, in epoch ms. */
  readonly deadline?: number | undefined;
  /**
   * The platform's own countdown (Lambda `getRemainingTimeInMillis`), used when `deadline` is not
   * given: the deadline is derived from it the first time anything needs it.
   */
  readonly remainingTimeMs?: () => number;
  /** The native context. */
  readonly raw?: unknown;
  /** Trace propagation headers from the platform (lower-cased names). */
  readonly trace?: TraceCarrier;
  /** The region, when known. */
  readonly region?: string | undefined;
  /** A logger to bind; the built-in JSON logger when absent. */
  readonly log?: Logger;
  /** Force the cold-start flag (tests); otherwise true only for the first context in the process. */
  readonly coldStart?: boolean;
  /** The clock (tests); `Date.now` when absent. */
  readonly now?: () => number;
  /** How long before the deadline `ctx.signal` aborts (default 500 ms). */
  readonly signalMarginMs?: number;
}

const noTrace: TraceCarrier = Object.freeze({});
let warm = false;

const pending = Symbol('pending');

interface Invocation {
  readonly init: ContextInit;
  deadline: number | undefined | typeof pending;
  readonly now: () => number;
  controller: AbortController | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  ended: boolean;
}

/** The runtime class behind `Context`. Extra properties are what middleware added. */
class InvocationContext implements Context {
  readonly #invocation: Invocation;
  readonly cloud: Cloud;
  readonly kind: Kind;
  readonly requestId: string;
  readonly functionName: string;
  readonly coldStart: boolean;
  readonly trace: TraceCarrier;
  readonly region: string | undefined;
  readonly raw: unknown;
  #log: Logger | undefined;

  constructor(invocation: Invocation, coldStart: boolean) {
    const init = invocation.init;
    this.#invocation = invocation;
    this.cloud = init.cloud;
    this.kind = init.kind;
    this.requestId = init.requestId;
    this.functionName = init.functionName;
    this.coldStart = coldStart;
    this.trace = init.trace ?? noTrace;
    this.region = init.region;
    this.raw = init.raw;
    this.#log = init.log;
  }

  get deadline(): number | undefined {
    const invocation = this.#invocation;
    if (invocation.deadline === pending) {
      const left = invocation.init.remainingTimeMs?.();
      invocation.deadline = left !== undefined && Number.isFinite(left) ? invocation.now() + left : undefined;
    }
    return invocation.deadline;
  }

  get log(): Logger {
    this.#log ??= rootLogger().child({ requestId: this.requestId, functionName: this.functionName });
    return this.#log;
  }

  set log(logger: Logger) {
    this.#log = logger;
  }

  remainingTimeMs(): number {
    const deadline = this.deadline;
    return deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - this.#invocation.now());
  }

  get signal(): AbortSignal {
    const invocation = this.#invocation;
    if (invocation.controller === undefined) {
      invocation.controller = new AbortController();
      if (this.deadline !== undefined && !invocation.ended) {
        const delay = this.remainingTimeMs() - (invocation.init.signalMarginMs ?? 500);
        const controller = invocation.controller;
        const abort = () => controller.abort(new DOMException('the invocation is about to time out', 'TimeoutError'));
        if (delay <= 0) abort();
        else invocation.timer = setTimeout(abort, delay).unref();
      }
    }
    return invocation.controller.signal;
  }

  /**
   * A context for one message of a batch: the same invocation and deadline, fresh middleware
   * additions, and its own abort signal, so a timeout of one message does not cancel the next.
   */
  static fork(ctx: Context): Context {
    if (!(ctx instanceof InvocationContext)) return { ...ctx };
    const parent = ctx.#invocation;
    const invocation: Invocation = {
      init: parent.init,
      deadline: parent.deadline,
      now: parent.now,
      controller: undefined,
      timer: undefined,
      ended: false,
    };
    const child = new InvocationContext(invocation, ctx.coldStart);
    child.#log = ctx.#log;
    return child;
  }

  /** Aborts the invocation's signal (used by `timeout()`). */
  static abort(ctx: Context, reason: unknown): void {
    if (!(ctx instanceof InvocationContext)) return;
    void ctx.signal;
    ctx.#invocation.controller?.abort(reason);
  }

  /** Releases the signal timer. */
  static end(ctx: Context): void {
    if (!(ctx instanceof InvocationContext)) return;
    const invocation = ctx.#invocation;
    invocation.ended = true;
    if (invocation.timer !== undefined) clearTimeout(invocation.timer);
  }
}

/**
 * Creates the context of one invocation. Adapters call this; handlers receive it.
 *
 * @example
 * const ctx = createContext({ cloud: 'aws', kind: 'http', requestId: lambdaCtx.awsRequestId,
 *   functionName: lambdaCtx.functionName, deadline: Date.now() + lambdaCtx.getRemainingTimeInMillis() });
 */
export function createContext(init: ContextInit): Context {
  const coldStart = init.coldStart ?? !warm;
  warm = true;
  return new InvocationContext(
    {
      init,
      deadline: init.deadline ?? (init.remainingTimeMs === undefined ? undefined : pending),
      now: init.now ?? Date.now,
      controller: undefined,
      timer: undefined,
      ended: false,
    },
    coldStart,
  );
}

/**
 * A context for one message of a batch: the invocation's ids and deadline, its own additions
 * and abort signal.
 *
 * @example
 * await fn.dispatch(message, forkContext(ctx));
 */
export const forkContext: (ctx: Context) => Context = (ctx) => InvocationContext.fork(ctx);

/**
 * Aborts `ctx.signal` with `reason`.
 *
 * @example
 * abortContext(ctx, new SkyportError('TIMEOUT', 'out of time'));
 */
export const abortContext: (ctx: Context, reason: unknown) => void = (ctx, reason) =>
  InvocationContext.abort(ctx, reason);

/**
 * Ends an invocation: clears its timers. Adapters need not call it; the run helpers do.
 *
 * @example
 * try { await fn.dispatch(event, ctx); } finally { endContext(ctx); }
 */
export const endContext: (ctx: Context) => void = (ctx) => InvocationContext.end(ctx);
