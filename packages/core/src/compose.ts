/**
 * The onion: `compose()` folds a middleware list around an inner function. Each middleware gets
 * `(event, ctx, next)`; `next(add)` merges `add` into the context and runs the rest. Calling
 * `next()` twice is an error, not a second run of the handler.
 */
import { contextEnded } from './context.js';
import { SkyportError } from './errors.js';
import { Failure } from './failure.js';
import type { AnyMiddleware, Context } from './types.js';

/** Runs an event through a chain: the composed middleware and its inner function. */
export type Dispatch<TEvent, TResult> = (event: TEvent, ctx: Context) => Promise<TResult>;

/**
 * A chain that answers synchronously when nothing on the way is asynchronous: a value, a
 * `Failure` for an error found without throwing, or a promise. It may also throw.
 */
export type StepChain<TEvent, TResult> = (event: TEvent, ctx: Context) => TResult | Failure | Promise<TResult>;

/** A middleware as the onion calls it: `AnyMiddleware` with what its parameters are at run time. */
interface Layer {
  readonly name: string;
  handle(event: unknown, ctx: Context, next: (add?: object) => Promise<unknown>): unknown;
  readonly bypass?: ((event: unknown, ctx: Context) => boolean) | undefined;
}

const ignore = () => {};

/**
 * Whether a value is a promise-like: a native promise, or one of another realm or library (a
 * lazy query builder), which is awaited like a promise.
 *
 * @example
 * isThenable(vm.runInNewContext('Promise.resolve(1)')); // true
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Composes `middleware` (outermost first) around `inner`. `wrap`, when given, normalises what
 * each middleware returns (http uses it so outer middleware always sees an `HttpResponse`), and
 * what `inner` returns when the list is empty.
 *
 * @example
 * import { compose, normalizeResponse, timeout } from '@skyport/core';
 * import { logger } from '@skyport/core/logger';
 *
 * // handler: (req: HttpRequest, ctx: Context) => Promise<HttpResponse>
 * const run = compose([logger(), timeout()], handler, normalizeResponse);
 * const response = await run(req, ctx); // an HttpResponse, whatever a middleware returned
 */
export function compose<TEvent, TResult>(
  middleware: readonly AnyMiddleware[],
  inner: (event: TEvent, ctx: Context) => TResult | Promise<TResult>,
  wrap?: (value: unknown) => TResult | Promise<TResult>,
): Dispatch<TEvent, TResult> {
  // Without middleware, what `inner` returns is normalised all the same.
  if (middleware.length === 0 && wrap !== undefined) return async (event, ctx) => wrap(await inner(event, ctx));
  const chain = composeSteps(middleware, inner, wrap);
  return (event, ctx) => {
    try {
      const out = chain(event, ctx);
      return out instanceof Failure ? Promise.reject(out.error) : Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * `compose()` for Skyport's own pipelines. `inner` may return a `Failure`, which middleware sees
 * as a rejection of `next()`. A middleware that hands back the very promise `next()` gave it
 * (`return next()`) adds no promise step: its value is already known. With `wrapOutermost`
 * false the outermost middleware's result is left for the caller to normalise.
 */
export function composeSteps<TEvent, TResult>(
  middleware: readonly AnyMiddleware[],
  inner: StepChain<TEvent, TResult>,
  wrap?: (value: unknown) => TResult | Promise<TResult>,
  wrapOutermost = true,
): StepChain<TEvent, TResult> {
  if (middleware.length === 0) return inner;
  const chain: Chain = {
    layers: middleware as unknown as readonly Layer[],
    inner: inner as StepChain<unknown, unknown>,
    wrap,
    wrapOutermost,
  };
  const layers = chain.layers;
  const count = layers.length;
  return (event, ctx) => {
    // Leading layers that bypass this invocation are passed over before any chain state exists:
    // when all of them do, the inner function answers alone.
    let first = 0;
    while (first < count && (layers[first] as Layer).bypass?.(event, ctx) === true) first++;
    if (first === count) return inner(event, ctx);
    const onion = new Onion(chain, event, ctx);
    onion.called = first;
    return onion.enter(first) as TResult | Failure | Promise<TResult>;
  };
}

interface Chain {
  readonly layers: readonly Layer[];
  readonly inner: StepChain<unknown, unknown>;
  readonly wrap: ((value: unknown) => unknown) | undefined;
  readonly wrapOutermost: boolean;
}

/** One invocation going through a chain: its methods live on the prototype, so only `next` is made per layer. */
class Onion {
  readonly chain: Chain;
  readonly event: unknown;
  readonly ctx: Context;
  called = 0;
  /** The last promise `next()` handed out for a value it already had, and that value. */
  handed: Promise<unknown> | undefined = undefined;
  handedValue: unknown = undefined;
  /** Whether the context had ended before this invocation began (a test's, run again). */
  readonly endedBefore: boolean;

  constructor(chain: Chain, event: unknown, ctx: Context) {
    this.chain = chain;
    this.event = event;
    this.ctx = ctx;
    this.endedBefore = contextEnded(ctx);
  }

  run(i: number): unknown {
    const layers = this.chain.layers;
    if (i === layers.length) return this.chain.inner(this.event, this.ctx);
    if ((layers[i] as Layer).bypass?.(this.event, this.ctx) === true) {
      // Nothing to wrap this time: the rest of the chain answers for this layer.
      this.called = i + 1;
      return this.run(i + 1);
    }
    return this.enter(i);
  }

  /** Runs layer `i`, which takes part in this invocation. */
  enter(i: number): unknown {
    const { layers, wrap } = this.chain;
    const result = (layers[i] as Layer).handle(this.event, this.ctx, (add) => this.next(i + 1, add));
    const outermost = i === 0 && !this.chain.wrapOutermost;
    const handed = this.handed;
    if (result === handed && handed !== undefined) {
      // Passed through: answer with the value behind the promise, without waiting for it.
      const value = this.handedValue;
      this.handed = undefined;
      if (value instanceof Failure) {
        // The rejection is answered here as a Failure, so it is not left unhandled.
        handed.then(undefined, ignore);
        return value;
      }
      return wrap === undefined || outermost ? value : wrap(value);
    }
    const bare = wrap === undefined || outermost;
    if (result instanceof Promise) return bare ? result : result.then(wrap);
    // A promise of another realm or library is followed as a promise is: read as a value, it
    // would be answered as `{}`, and its rejection left unhandled.
    if (isThenable(result)) return bare ? Promise.resolve(result) : Promise.resolve(result).then(wrap);
    return bare ? result : wrap(result);
  }

  next(i: number, add: object | undefined): Promise<unknown> {
    if (i <= this.called) {
      const name = this.chain.layers[i - 1]?.name;
      return Promise.reject(new Error(`next() called more than once in middleware "${name}"`));
    }
    // The invocation was answered (or failed, as `timeout()` fails it) while this middleware
    // waited: the handler must not start work that nothing waits for, with its signal aborted.
    if (contextEnded(this.ctx) && !this.endedBefore) return Promise.reject(this.late(i));
    this.called = i;
    if (add !== undefined) Object.assign(this.ctx, add);
    let out: unknown;
    try {
      out = this.run(i);
    } catch (error) {
      return Promise.reject(error);
    }
    if (out instanceof Promise) return out;
    // The inner function's promise of another realm or library: no value is known yet.
    if (isThenable(out)) return Promise.resolve(out);
    const promise = out instanceof Failure ? Promise.reject(out.error) : Promise.resolve(out);
    this.handed = promise;
    this.handedValue = out;
    return promise;
  }

  /**
   * What `next()` rejects with once the invocation ended: the error `timeout()` aborted it with,
   * or one like it.
   */
  late(i: number): unknown {
    const ctx = this.ctx;
    const signal: AbortSignal | undefined = ctx.signal;
    const reason: unknown = signal?.aborted === true ? signal.reason : undefined;
    if (reason instanceof SkyportError && reason.code === 'TIMEOUT') return reason;
    const name = this.chain.layers[i - 1]?.name;
    return new SkyportError(
      'TIMEOUT',
      `next() was called in middleware "${name}" after the invocation ended: the rest of the chain and the handler did not run`,
      { kind: ctx.kind, cause: reason },
    );
  }
}
