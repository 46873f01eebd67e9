/**
 * The invocation context. Adapters create one per invocation with `createContext()`; anything
 * costly (the logger child, the abort signal and its timer) is built only when first used.
 */
import type { BatchFailure } from './batch.js';
import { rootLoggerFor } from './log.js';
import { setOwn } from './own.js';
import { after, type Timer } from './timer.js';
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
   * given: it is read, and the deadline derived from it, the first time anything needs it.
   */
  readonly remainingTimeMs?: (() => number) | undefined;
  /** The native context. */
  readonly raw?: unknown | undefined;
  /** Trace propagation headers from the platform (lower-cased names). */
  readonly trace?: TraceCarrier | undefined;
  /** The region, when known. */
  readonly region?: string | undefined;
  /** A logger to bind; when absent, the built-in JSON logger, writing lines in the shape `cloud`'s log tooling reads. */
  readonly log?: Logger | undefined;
  /**
   * Force the cold-start flag (tests, a platform that says it: provisioned concurrency); otherwise
   * true only for the first context in the process. A context given the flag leaves the process's
   * own state alone: a test's fake context does not make a later adapter call warm.
   */
  readonly coldStart?: boolean | undefined;
  /** The clock (tests); `Date.now` when absent. */
  readonly now?: (() => number) | undefined;
  /** How long before the deadline `ctx.signal` aborts (default 500 ms). */
  readonly signalMarginMs?: number | undefined;
}

/**
 * What another copy of core needs to make a context like one of this copy: plain data, read by
 * that copy without any class of this one.
 */
export interface ContextHandover {
  /** The init of the context, with its cold-start flag and logger. */
  readonly init: ContextInit;
  /** The own properties set on the context (what a test preset, a field set past its accessor). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The members of `Context`: on a context made by hand, fields of the init, not additions. */
const contextMembers: ReadonlySet<string> = new Set([
  'cloud',
  'kind',
  'requestId',
  'functionName',
  'coldStart',
  'deadline',
  'remainingTimeMs',
  'signal',
  'log',
  'trace',
  'region',
  'raw',
]);

const noTrace: TraceCarrier = Object.freeze({});
let warm = false;

const pending = Symbol('pending');

interface Abort {
  readonly controller: AbortController | undefined;
  timer: Timer | undefined;
  ended: boolean;
}

/** The state of an invocation that ended before anything read its signal (shared, never changed). */
const endedUnread: Abort = Object.freeze({ controller: undefined, timer: undefined, ended: true });

/**
 * A property every context `createContext()` makes starts with (as `undefined`), for the state
 * behind fields defined with `defineContextFields`: writing it then changes no object shape.
 */
export const fieldState: unique symbol = Symbol('skyport.fieldState');

/** Gives `target` an own data property `key`, hiding an accessor of the same name. */
function shadow(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The runtime class behind `Context`. Extra properties are what middleware added. */
class InvocationContext implements Context {
  readonly coldStart: boolean;
  [fieldState]: unknown;
  readonly #init: ContextInit;
  #deadline: number | undefined | typeof pending;
  #log: Logger | undefined;
  /** The abort signal's state, made when something first reads `signal` (or the invocation ends). */
  #abort: Abort | undefined;

  constructor(init: ContextInit, coldStart: boolean, deadline: number | undefined | typeof pending) {
    this.#init = init;
    this.coldStart = coldStart;
    this[fieldState] = undefined;
    this.#deadline = deadline;
    this.#log = init.log;
  }

  // What the adapter knows is read from its init on demand: a context is made for every
  // invocation, and most of these are never read. A middleware that sets one (`next({ ... })`)
  // gets an own property that hides the accessor, as it would a plain field.
  get cloud(): Cloud {
    return this.#init.cloud;
  }

  set cloud(value: Cloud) {
    shadow(this, 'cloud', value);
  }

  get kind(): Kind {
    return this.#init.kind;
  }

  set kind(value: Kind) {
    shadow(this, 'kind', value);
  }

  get requestId(): string {
    return this.#init.requestId;
  }

  set requestId(value: string) {
    shadow(this, 'requestId', value);
  }

  get functionName(): string {
    return this.#init.functionName;
  }

  set functionName(value: string) {
    shadow(this, 'functionName', value);
  }

  get trace(): TraceCarrier {
    return this.#init.trace ?? noTrace;
  }

  set trace(value: TraceCarrier) {
    shadow(this, 'trace', value);
  }

  get region(): string | undefined {
    return this.#init.region;
  }

  set region(value: string | undefined) {
    shadow(this, 'region', value);
  }

  get raw(): unknown {
    return this.#init.raw;
  }

  set raw(value: unknown) {
    shadow(this, 'raw', value);
  }

  get deadline(): number | undefined {
    if (this.#deadline === pending) {
      const left = this.#init.remainingTimeMs?.();
      this.#deadline = left !== undefined && Number.isFinite(left) ? this.#now() + left : undefined;
    }
    return this.#deadline;
  }

  /** A middleware that narrows the deadline (a budget of its own): `remainingTimeMs()` follows it. */
  set deadline(value: number | undefined) {
    shadow(this, 'deadline', value);
  }

  #now(): number {
    return this.#init.now === undefined ? Date.now() : this.#init.now();
  }

  get log(): Logger {
    // In the shape the host's log tooling reads: the cloud is known once there is a context.
    this.#log ??= rootLoggerFor(this.cloud).child({ requestId: this.requestId, functionName: this.functionName });
    return this.#log;
  }

  set log(logger: Logger) {
    this.#log = logger;
  }

  remainingTimeMs(): number {
    const deadline = this.deadline;
    return deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - this.#now());
  }

  get signal(): AbortSignal {
    let state = this.#abort;
    if (state?.controller === undefined) {
      const controller = new AbortController();
      state = { controller, timer: undefined, ended: state?.ended ?? false };
      this.#abort = state;
      if (this.deadline !== undefined && !state.ended) {
        const delay = this.remainingTimeMs() - (this.#init.signalMarginMs ?? 500);
        const abort = () => controller.abort(new DOMException('the invocation is about to time out', 'TimeoutError'));
        if (delay <= 0) abort();
        else state.timer = after(delay, abort, true);
      }
    }
    return (state.controller as AbortController).signal;
  }

  /** A middleware that gives the handler a signal of its own (`AbortSignal.any([ctx.signal, ...])`). */
  set signal(value: AbortSignal) {
    shadow(this, 'signal', value);
  }

  /**
   * A context for one message of a batch: the same invocation and deadline, what was added to
   * the invocation's context, fresh middleware additions, and its own abort signal, so a timeout of
   * one message does not cancel the next.
   */
  static fork(ctx: Context, trace?: TraceCarrier): Context {
    if (!(ctx instanceof InvocationContext)) return trace === undefined ? { ...ctx } : { ...ctx, trace };
    const child = new MessageContext(ctx.#init, ctx.coldStart, ctx.deadline, ctx, trace);
    child.#log = ctx.#log;
    // What was added to the invocation's context before the batch ran (a test's preset `auth`)
    // is on each message's too, as a copied plain context has it. Its own fields are read from
    // the invocation, whatever was set on the parent; what middleware add to a message's context
    // stays its own.
    for (const key in ctx) {
      if (key === 'coldStart' || key in InvocationContext.prototype) continue;
      (child as unknown as Record<string, unknown>)[key] = (ctx as unknown as Record<string, unknown>)[key];
    }
    return child;
  }

  /**
   * What another copy of core makes a context like `ctx` of (see `handOverContext`): each field
   * of the init read as it is now (an init may be an object with getters), the cold-start flag,
   * and the logger, so that copy writes where this one does. What was set on the context (a
   * test's preset `auth`, a field shadowed by a setter) goes as its own properties.
   */
  static handOver(ctx: Context): ContextHandover {
    const fields: Record<string, unknown> = {};
    const own = ctx instanceof InvocationContext;
    for (const key of Object.keys(ctx)) {
      if (key === 'coldStart' || (!own && contextMembers.has(key))) continue;
      setOwn(fields, key, (ctx as unknown as Record<string, unknown>)[key]);
    }
    if (!own) {
      // A context made by hand: its fields are all there is.
      const init: ContextInit = {
        cloud: ctx.cloud,
        kind: ctx.kind,
        requestId: ctx.requestId,
        functionName: ctx.functionName,
        deadline: ctx.deadline,
        // Its countdown, when it has no deadline: read through it, as its own reads are.
        remainingTimeMs: typeof ctx.remainingTimeMs === 'function' ? () => ctx.remainingTimeMs() : undefined,
        raw: ctx.raw,
        trace: ctx.trace,
        region: ctx.region,
        log: ctx.log,
        coldStart: ctx.coldStart,
      };
      return { init, fields };
    }
    const given = ctx.#init;
    const init: ContextInit = {
      cloud: given.cloud,
      kind: given.kind,
      requestId: given.requestId,
      functionName: given.functionName,
      deadline: given.deadline,
      remainingTimeMs: given.remainingTimeMs,
      raw: given.raw,
      trace: given.trace,
      region: given.region,
      log: ctx.log,
      coldStart: ctx.coldStart,
      now: given.now,
      signalMarginMs: given.signalMarginMs,
    };
    return { init, fields };
  }

  /** Aborts the invocation's signal (used by `timeout()`). */
  static abort(ctx: Context, reason: unknown): void {
    if (!(ctx instanceof InvocationContext)) return;
    void ctx.signal;
    ctx.#abort?.controller?.abort(reason);
  }

  /** Whether `end` ran on `ctx`. */
  static ended(ctx: Context): boolean {
    return ctx instanceof InvocationContext && ctx.#abort?.ended === true;
  }

  /** Releases the signal timer. */
  static end(ctx: Context): void {
    if (!(ctx instanceof InvocationContext)) return;
    const state = ctx.#abort;
    if (state === undefined) ctx.#abort = endedUnread;
    else if (!state.ended) {
      state.ended = true;
      state.timer?.clear();
    }
  }
}

/**
 * The context of one message of a batch: what sets it apart (the batch, and the trace headers
 * the message came with) lives here, so the context of every other invocation stays as small.
 */
class MessageContext extends InvocationContext {
  readonly #batch: Context;
  readonly #trace: TraceCarrier | undefined;

  constructor(
    init: ContextInit,
    coldStart: boolean,
    deadline: number | undefined,
    batch: Context,
    trace: TraceCarrier | undefined,
  ) {
    super(init, coldStart, deadline);
    this.#batch = batch;
    this.#trace = trace;
  }

  override get trace(): TraceCarrier {
    return this.#trace ?? super.trace;
  }

  override set trace(value: TraceCarrier) {
    shadow(this, 'trace', value);
  }

  static batchOf(ctx: Context): Context | undefined {
    return ctx instanceof MessageContext ? ctx.#batch : undefined;
  }
}

/** What `onBatchEnd()` registered, per batch context. */
const finishers = new WeakMap<Context, ((failures: readonly BatchFailure[]) => unknown)[]>();
/** The batches `finishBatch()` has finished: too late to register anything on. */
const finished = new WeakSet<Context>();

/**
 * Creates the context of one invocation. Adapters call this; handlers receive it.
 *
 * @example
 * const ctx = createContext({ cloud: 'aws', kind: 'http', requestId: lambdaCtx.awsRequestId,
 *   functionName: lambdaCtx.functionName, deadline: Date.now() + lambdaCtx.getRemainingTimeInMillis() });
 */
export function createContext(init: ContextInit): Context {
  let coldStart = init.coldStart;
  if (coldStart === undefined) {
    coldStart = !warm;
    warm = true;
  }
  // Without a deadline, `remainingTimeMs` is looked up only when something needs the deadline.
  return new InvocationContext(init, coldStart, init.deadline ?? pending);
}

/**
 * A context for one message of a batch: the invocation's ids and deadline, its own additions
 * and abort signal, and `trace` (the trace headers the message came with) as `ctx.trace`. Once
 * every message has run, `finishBatch(ctx)` runs what middleware left for the batch (`runBatch`
 * does all of this).
 *
 * @example
 * for (const message of messages) {
 *   const child = forkContext(ctx);
 *   try { await fn.dispatch(message, child); } finally { endContext(child); }
 * }
 * await finishBatch(ctx);
 */
export const forkContext: (ctx: Context, trace?: TraceCarrier) => Context = (ctx, trace) =>
  InvocationContext.fork(ctx, trace);

/**
 * The context of the batch a message's context was forked from (`undefined` for an invocation
 * of one event): middleware that records once per invocation (metrics, flushing an exporter)
 * does it for the batch with `onBatchEnd`.
 *
 * @example
 * const batch = batchOf(ctx);
 * if (batch !== undefined) onBatchEnd(batch, () => exporter.flush());
 */
export const batchOf: (ctx: Context) => Context | undefined = (ctx) => MessageContext.batchOf(ctx);

/**
 * Runs `finish` (awaited) once every message of the batch `ctx` has run, before the adapter
 * answers the platform, with the batch's failures (those a middleware further in never saw too: a
 * message `timeout()` gave up on while it still ran). Returns false, registering nothing, for a
 * context `createContext()` did not make and for a batch already finished (a message still running
 * after its batch was answered, which a timeout can leave): the caller then does the work itself.
 *
 * @example
 * onBatchEnd(batch, (failures) => (failures.length === 0 ? ok : failed).add(1));
 */
export function onBatchEnd(ctx: Context, finish: (failures: readonly BatchFailure[]) => unknown): boolean {
  if (!(ctx instanceof InvocationContext) || finished.has(ctx)) return false;
  const registered = finishers.get(ctx);
  if (registered === undefined) finishers.set(ctx, [finish]);
  else registered.push(finish);
  return true;
}

/**
 * Runs what `onBatchEnd` registered on `ctx`, in order, each once; a failing one is logged and
 * the rest still run. `runBatch` calls it.
 *
 * @example
 * await finishBatch(ctx);
 */
export async function finishBatch(ctx: Context, failures: readonly BatchFailure[] = []): Promise<void> {
  finished.add(ctx);
  const registered = finishers.get(ctx);
  if (registered === undefined) return;
  finishers.delete(ctx);
  // Each is awaited in turn; one that fails must not stop the others (a failed span export is
  // not a failed message), nor may a logger that fails too.
  for (const finish of registered) {
    try {
      await finish(failures);
    } catch (error) {
      try {
        ctx.log.warn({ err: error }, 'a batch finisher failed');
      } catch {
        // Nothing left to tell it with.
      }
    }
  }
}

/**
 * What another copy of `@skyport/core` needs to make a context like `ctx` for a function of its
 * own: the init (the cold-start flag and the logger in it) and the properties set on `ctx`.
 * `takeOverContext` of that copy makes the context.
 *
 * @example
 * const { init, fields } = handOverContext(ctx);
 */
export const handOverContext: (ctx: Context) => ContextHandover = (ctx) => InvocationContext.handOver(ctx);

/**
 * The context of this copy of `@skyport/core` made of what another copy handed over
 * (`handOverContext`): the same invocation, with the properties set on the context it came from.
 *
 * @example
 * const ctx = takeOverContext(handover);
 */
export function takeOverContext(handover: ContextHandover): Context {
  const ctx = createContext(handover.init);
  const fields = handover.fields;
  // Defined, as a setter of a member would (`shadow`), and with no setter of a middleware's
  // accessor field in the way: each is a value the other copy's context held.
  for (const key of Object.keys(fields)) shadow(ctx, key, fields[key]);
  return ctx;
}

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

/**
 * Whether the invocation of `ctx` ended (`endContext`): its signal no longer aborts at the
 * deadline. False for a context `createContext()` did not make, which cannot tell.
 *
 * @example
 * if (!contextEnded(ctx)) ctx.signal.addEventListener('abort', stop, { once: true });
 */
export const contextEnded: (ctx: Context) => boolean = (ctx) => InvocationContext.ended(ctx);

/**
 * Whether `ctx` is a context `createContext()` made (and so has any fields defined with
 * `defineContextFields`).
 *
 * @example
 * if (!isCoreContext(ctx)) Object.assign(ctx, { traceId }); // a hand-made context gets a plain field
 */
export function isCoreContext(ctx: Context): boolean {
  return ctx instanceof InvocationContext;
}

/**
 * Defines accessor fields on every context `createContext()` makes, once per process, for
 * middleware whose additions cost less computed when read than copied onto each context.
 * Returns false, defining nothing, when any of the names is taken already.
 *
 * @example
 * defineContextFields({ traceId: { get() { return traceIdOf(this); }, configurable: true } });
 */
export function defineContextFields(fields: PropertyDescriptorMap): boolean {
  const proto = InvocationContext.prototype;
  if (Reflect.ownKeys(fields).some((key) => key in proto)) return false;
  Object.defineProperties(proto, fields);
  return true;
}
