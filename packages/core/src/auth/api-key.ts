/** `apiKeyAuth()`: checks an API key header in constant time and adds the caller to `ctx.auth`. */

import { createHash, timingSafeEqual } from 'node:crypto';
import { SkyportError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import type { Context, HttpResponse, Middleware } from '../types.js';
import { scopesOf, unauthorized } from './challenge.js';
import type { AuthContext, Principal } from './types.js';

/** What `verify` may return: a rejection, a plain acceptance, or who the key belongs to. */
export type ApiKeyVerdict =
  | boolean
  | undefined
  | null
  | {
      readonly subject?: string | undefined;
      readonly scopes?: readonly string[] | undefined;
      readonly claims?: Record<string, unknown> | undefined;
    };

/** Options of `apiKeyAuth()`: give `keys` (compared in constant time) or `verify`, or both. */
export interface ApiKeyAuthOptions {
  /** The header carrying the key (default `x-api-key`). */
  readonly header?: string | undefined;
  /** Accepted keys, each optionally mapped to its owner (`{ key: subject }`). */
  readonly keys?: readonly string[] | Readonly<Record<string, string>> | undefined;
  /** Looks a key up (a database, a secret store); use `safeEqual()` when comparing yourself. */
  readonly verify?: ((key: string, ctx: Context) => ApiKeyVerdict | Promise<ApiKeyVerdict>) | undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Compares two secrets in constant time (hashing first, so lengths leak nothing either).
 *
 * @example
 * apiKeyAuth({ verify: async (key) => safeEqual(key, await secrets.get('partner-key')) });
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function lookup(keys: ApiKeyAuthOptions['keys'], presented: string): Principal | undefined {
  if (keys === undefined) return undefined;
  const entries: [string, string | undefined][] = Array.isArray(keys)
    ? keys.map((key: string) => [key, undefined])
    : Object.entries(keys as Readonly<Record<string, string>>);
  let found: Principal | undefined;
  // Every key is compared, match or not, so the time taken does not reveal which one matched.
  for (const [key, subject] of entries) {
    if (safeEqual(presented, key) && found === undefined) {
      found = { subject, claims: {}, scopes: [], source: 'api-key' };
    }
  }
  return found;
}

/**
 * Requires an API key in a header (401 `WWW-Authenticate: ApiKey` otherwise) and adds
 * `ctx.auth` with source `api-key`. The key itself is never logged or put on the principal.
 *
 * @example
 * export const ingest = http({ method: 'POST', path: '/ingest' })
 *   .use(apiKeyAuth({ header: 'x-api-key', keys: { [process.env.PARTNER_KEY ?? '']: 'partner-a' } }))
 *   .handle((req, ctx) => store(ctx.auth.subject, req.body));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware<'http', AuthContext> {
  if (options.keys === undefined && options.verify === undefined) {
    throw new SkyportError('INVALID_DEFINITION', 'apiKeyAuth() needs keys or verify');
  }
  const named: unknown = options.header ?? 'x-api-key';
  // The header's name is the challenge's realm too: a name no request can carry would also make
  // the 401 unsendable.
  if (typeof named !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(named)) {
    throw new SkyportError('INVALID_DEFINITION', 'apiKeyAuth() header must be a header name (an RFC 9110 token)');
  }
  const header = named.toLowerCase();
  const challenge = { scheme: 'ApiKey', realm: header } as const;
  return createMiddleware<'http', AuthContext>({
    name: 'apiKeyAuth',
    kinds: ['http'],
    async handle(req, ctx, next): Promise<HttpResponse> {
      const presented = req.header(header);
      if (presented === undefined || presented === '') {
        ctx.log.info({ auth: 'api-key', reason: 'missing' }, 'authentication failed');
        throw unauthorized(`the ${header} header is required`, challenge);
      }
      let principal = lookup(options.keys, presented);
      if (principal === undefined && options.verify !== undefined) {
        const verdict = await options.verify(presented, ctx);
        if (verdict === true) principal = { subject: undefined, claims: {}, scopes: [], source: 'api-key' };
        else if (typeof verdict === 'object' && verdict !== null) {
          principal = {
            subject: verdict.subject,
            claims: verdict.claims ?? {},
            // Read as a `scope` claim: a string from plain JS is a space-separated list.
            scopes: scopesOf({ scope: verdict.scopes }),
            source: 'api-key',
          };
        }
      }
      if (principal === undefined) {
        ctx.log.info({ auth: 'api-key', reason: 'rejected' }, 'authentication failed');
        throw unauthorized('the API key is not valid', { ...challenge, error: 'invalid_token' });
      }
      return next({ auth: principal });
    },
  });
}
