/**
 * The onion: `compose()` folds a middleware list around an inner function. Each middleware gets
 * `(event, ctx, next)`; `next(add)` merges `add` into the context and runs the rest. Calling
 * `next()` twice is an error, not a second run of the handler.
 */
import { Failure } from './failure.js';
import type { AnyMiddleware, Context } from './types.js';

/** Runs an event through a chain: the composed middleware and its inner function. */
export type Dispatch<TEvent, TResult> = (event: TEvent, ctx: Context) => Promise<TResult>;

/**
 * A chain that answers synchronously when nothing on the way is asynchronous: a value, a
 * `Failure` for an error found without throwing, or a promise. It may also throw.
 */
export type StepChain<TEvent, TResult> = (event: TEvent, ctx: Context) => TResult | Failure | Promise<TResult>;

interface Layer {
  handle(event: unknown, ctx: Context, next: (add?: object) => Promise<unknown>): unknown;
}

const ignore = () => {};

/**
 * Composes `middleware` (outermost first) around `inner`. `wrap`, when given, normalises what
 * each middleware returns (http uses it so outer middleware always sees an `HttpResponse`).
 *
 * @example
 * const run = compose([cors(), timeout()], (req, ctx) => handler(req, ctx));
 * const response = await run(req, ctx);
 */
export function compose<TEvent, TResult>(
  middleware: readonly AnyMiddleware[],
  inner: (event: TEvent, ctx: Context) => TResult | Promise<TResult>,
  wrap?: (value: unknown) => TResult | Promise<TResult>,
): Dispatch<TEvent, TResult> {
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
  const count = middleware.length;
  const layers = middleware as readonly AnyMiddleware[] as unknown as readonly Layer[];
  return (event, ctx) => {
    let called = -1;
    // The last promise `next()` handed out for a value it already had, and that value.
    let handed: Promise<unknown> | undefined;
    let handedValue: unknown;

    const run = (i: number): TResult | Failure | Promise<TResult> => {
      if (i === count) return inner(event, ctx);
      const result = (layers[i] as Layer).handle(event, ctx, (add) => next(i + 1, add));
      const outermost = i === 0 && !wrapOutermost;
      if (result === handed && handed !== undefined) {
        // Passed through: answer with the value behind the promise, without waiting for it.
        const value = handedValue;
        handed = undefined;
        if (value instanceof Failure) {
          // The rejection is answered here as a Failure, so it is not left unhandled.
          (result as Promise<unknown>).then(undefined, ignore);
          return value;
        }
        return wrap === undefined || outermost ? (value as TResult) : wrap(value);
      }
      if (wrap === undefined || outermost) return result as TResult | Promise<TResult>;
      return result instanceof Promise ? result.then(wrap) : wrap(result);
    };

    const next = (i: number, add: object | undefined): Promise<unknown> => {
      if (i <= called) {
        return Promise.reject(new Error(`next() called more than once in middleware "${middleware[i - 1]?.name}"`));
      }
      called = i;
      if (add !== undefined) Object.assign(ctx, add);
      let out: unknown;
      try {
        out = run(i);
      } catch (error) {
        return Promise.reject(error);
      }
      if (out instanceof Promise) return out;
      const promise = out instanceof Failure ? Promise.reject(out.error) : Promise.resolve(out);
      handed = promise;
      handedValue = out;
      return promise;
    };

    called = 0;
    return run(0);
  };
}
