/**
 * `createMiddleware()`: the typed way to write a middleware. It names the kinds it accepts,
 * what it adds to the context, and what it needs from earlier middleware.
 */
import type { Context, EventOf, Kind, Middleware, MiddlewareResult, Next } from '../types.js';

/** The definition of a middleware. */
export interface MiddlewareDefinition<K extends Kind, TAdd extends object, TNeeds extends object> {
  /** A name for errors and logs. */
  readonly name: string;
  /** The kinds of function it accepts; every kind when absent. */
  readonly kinds?: readonly K[] | undefined;
  /**
   * The onion step: work before, `await next(add)`, work after. `next()` resolves to an
   * `HttpResponse` when `kinds` is `['http']`; with other kinds too it is `unknown` (the handler's
   * result on a message), to check with `isHttpResponse()` before reading it as a response.
   */
  readonly handle: (event: EventOf<K>, ctx: Context & TNeeds, next: Next<K, TAdd>) => Promise<MiddlewareResult<K>>;
  /**
   * Asked before `handle` on every invocation; `true` skips `handle` this time (see
   * `Middleware.bypass`). Whatever `TAdd` promises must then already be readable on the context.
   */
  readonly bypass?: ((event: EventOf<K>, ctx: Context & TNeeds) => boolean) | undefined;
}

/**
 * Creates a middleware. Give `TAdd` to add typed context (pass it to `next`), and `TNeeds` for
 * context an earlier middleware must have added.
 *
 * @example
 * const tenant = createMiddleware<'http', { tenant: string }>({
 *   name: 'tenant',
 *   kinds: ['http'],
 *   handle: (req, ctx, next) => next({ tenant: req.header('x-tenant') ?? 'default' }),
 * });
 */
export function createMiddleware<K extends Kind = Kind, TAdd extends object = {}, TNeeds extends object = {}>(
  definition: MiddlewareDefinition<K, TAdd, TNeeds>,
): Middleware<K, TAdd, TNeeds> {
  return { name: definition.name, kinds: definition.kinds, handle: definition.handle, bypass: definition.bypass };
}
