/** `requireScopes()`: a 403 unless the principal an earlier auth middleware added holds every scope. */
import { createMiddleware } from '../middleware/create.js';
import type { Kind, Middleware } from '../types.js';
import { insufficientScope, missingScopes, scopeList } from './challenge.js';
import type { AuthContext } from './types.js';

/**
 * Requires every given scope on `ctx.auth` (403 `insufficient_scope` otherwise). It needs an auth
 * middleware before it: `.use(requireScopes('x'))` without one does not compile. It works for any
 * function kind whose `ctx.auth` a middleware of yours adds (the built-in auth middleware are
 * http only, and check every request themselves, so a principal preset with
 * `invoke(fn, event, { auth })` does not reach it through them). Each argument is a scope or a
 * space-separated list of them, checked when the function is defined. The 403 carries Bearer's
 * `insufficient_scope` challenge unless `apiKeyAuth()` authenticated the caller.
 *
 * @example
 * export const refund = http({ method: 'POST', path: '/refunds' })
 *   .use(jwtAuth({ jwksUrl, issuer, audience }))
 *   .use(requireScopes('payments:refund'))
 *   .handle(refundHandler);
 */
export function requireScopes(...scopes: readonly string[]): Middleware<Kind, {}, AuthContext> {
  const required = scopes.length === 0 ? [] : scopeList(scopes, 'requireScopes() scopes');
  return createMiddleware<Kind, {}, AuthContext>({
    name: 'requireScopes',
    async handle(_event, ctx, next) {
      const auth = ctx.auth as Partial<AuthContext['auth']> | undefined;
      const missing = missingScopes(auth?.scopes, required);
      if (missing.length > 0) {
        ctx.log.info({ auth: auth?.source, reason: 'insufficient-scope', missing }, 'authorization failed');
        // The challenge of the scheme the caller authenticated with: apiKeyAuth's is not Bearer.
        throw insufficientScope(missing, { bearer: auth?.source !== 'api-key' });
      }
      return next();
    },
  });
}
