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
 * Composes `middleware` (outermost first) around `inner`. `wrap`, when given, normalises what
 * each middleware returns (http uses it so outer middleware always sees an `HttpResponse`);
 * with `wrapOutermost` false the outermost middleware's result is left for the caller to
 * normalise, which saves a promise hop when the caller normalises anyway.
 *
 * @example
 * const run = compose([cors(), timeout()], (req, ctx) => handler(req, ctx));
 * const response = await run(req, ctx);
 */
export function compose<TEvent, TResult>(
  middleware: readonly AnyMiddleware[],
  inner: (event: TEvent, ctx: Context) => TResult | Failure | Promise<TResult>,
  wrap?: (value: unknown) => TResult | Promise<TResult>,
  wrapOutermost = true,
): Dispatch<TEvent, TResult> {
  if (middleware.length === 0) {
    return (event, ctx) => {
      try {
        return settle(inner(event, ctx));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  const count = middleware.length;
  return (event, ctx) => {
    let called = -1;
    const dispatch = (i: number, add: object | undefined): Promise<TResult> => {
      if (i <= called)
        return Promise.reject(new Error(`next() called more than once in middleware "${middleware[i - 1]?.name}"`));
      called = i;
      if (add !== undefined) Object.assign(ctx, add);
      try {
        if (i === count) return settle(inner(event, ctx));
        const mw = middleware[i] as AnyMiddleware;
        const result = (mw.handle as (e: unknown, c: Context, n: (a?: object) => Promise<unknown>) => Promise<unknown>)(
          event,
          ctx,
          (next) => dispatch(i + 1, next),
        );
        if (wrap === undefined || (i === 0 && !wrapOutermost)) {
          return (result instanceof Promise ? result : Promise.resolve(result)) as Promise<TResult>;
        }
        return result instanceof Promise ? result.then(wrap) : Promise.resolve(wrap(result));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0, undefined);
  };
}

function settle<T>(out: T | Failure | Promise<T>): Promise<T> {
  return out instanceof Failure ? Promise.reject(out.error) : Promise.resolve(out);
}
