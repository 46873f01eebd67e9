/** `apiKeyAuth()`: checks an API key header in constant time and adds the caller to `ctx.auth`. */

import { createHash, timingSafeEqual } from 'node:crypto';
import { SkyportError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import { checkOptions } from '../options.js';
import type { Context, HttpResponse, Middleware } from '../types.js';
import { scopesOf, unauthorized } from './challenge.js';
import { claimValues } from './roles.js';
import type { AuthContext, Principal } from './types.js';

/** What `verify` may return: a rejection, a plain acceptance, or who the key belongs to. */
export type ApiKeyVerdict =
  | boolean
  | undefined
  | null
  | {
      readonly subject?: string | undefined;
      readonly scopes?: readonly string[] | undefined;
      /** The key's roles, for `requireRoles()`. */
      readonly roles?: readonly string[] | undefined;
      readonly claims?: Record<string, unknown> | undefined;
    };

/** Options of `apiKeyAuth()`: give `keys` (compared in constant time) or `verify`, or both. */
export interface ApiKeyAuthOptions {
  /** The header carrying the key (default `x-api-key`). */
  readonly header?: string | undefined;
  /**
   * Accepted keys, each optionally mapped to its owner (`{ key: subject }`): at least one, each a
   * non-empty string (and each subject too), or the definition fails.
   */
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

/** A configured key: the SHA-256 of the key (the key itself is not kept), and its owner. */
type KeyEntry = readonly [digest: Buffer, subject: string | undefined];

/** What a bad entry is, never its value: a key must not reach an error message or a log. */
function kindOf(value: unknown): string {
  if (value === '') return 'an empty string';
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `a ${typeof value}`;
}

/**
 * `keys`, checked when the function is defined, or `INVALID_DEFINITION` naming the bad entry by
 * its place. A key read from an unset variable (`undefined`, `''`, or the text `"undefined"` a
 * computed property name makes of it) would otherwise answer 500 to every request, or be a key
 * anyone can guess; an empty list would refuse everyone without a word.
 */
function keyEntries(keys: unknown): KeyEntry[] {
  const invalid = (message: string) => new SkyportError('INVALID_DEFINITION', `apiKeyAuth() ${message}`);
  const plain =
    typeof keys === 'object' &&
    keys !== null &&
    (Object.getPrototypeOf(keys) === Object.prototype || Object.getPrototypeOf(keys) === null);
  if (!Array.isArray(keys) && !plain) {
    throw invalid(`keys must be a list of keys or an object of key to subject, got ${kindOf(keys)}`);
  }
  const entries: [unknown, unknown][] = Array.isArray(keys)
    ? Array.from(keys, (key: unknown) => [key, undefined])
    : Object.entries(keys as Record<string, unknown>);
  if (entries.length === 0) throw invalid('keys is empty, so every key would be refused');
  return entries.map(([key, subject], index) => {
    const place = Array.isArray(keys) ? `keys[${index}]` : `key ${index + 1} of keys`;
    if (typeof key !== 'string' || key === '') throw invalid(`${place} must be a non-empty string, got ${kindOf(key)}`);
    if (key === 'undefined' || key === 'null') {
      throw invalid(
        `${place} is the text "${key}", what an unset variable becomes as a property name or in a template`,
      );
    }
    if (!Array.isArray(keys) && (typeof subject !== 'string' || subject === '')) {
      throw invalid(`the subject of ${place} must be a non-empty string, got ${kindOf(subject)}`);
    }
    return [digest(key), subject as string | undefined] as const;
  });
}

function lookup(entries: readonly KeyEntry[], presented: string): Principal | undefined {
  const hashed = digest(presented);
  let found: Principal | undefined;
  // Every key is compared, match or not, so the time taken does not reveal which one matched.
  for (const [key, subject] of entries) {
    if (timingSafeEqual(hashed, key) && found === undefined) {
      found = { subject, claims: {}, scopes: [], roles: [], source: 'api-key' };
    }
  }
  return found;
}

/**
 * Requires an API key in a header (401 `WWW-Authenticate: ApiKey` otherwise) and adds
 * `ctx.auth` with source `api-key`. The key itself is never logged or put on the principal.
 *
 * `keys` is checked when the function is defined: an empty list, or a key that is not a non-empty
 * string (an unset environment variable), throws `INVALID_DEFINITION` naming the entry.
 *
 * @example
 * const partnerKey = process.env.PARTNER_KEY;
 * if (!partnerKey) throw new Error('PARTNER_KEY is not set');
 * export const ingest = http({ method: 'POST', path: '/ingest' })
 *   .use(apiKeyAuth({ header: 'x-api-key', keys: { [partnerKey]: 'partner-a' } }))
 *   .handle((req, ctx) => store(ctx.auth.subject, req.body));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware<'http', AuthContext> {
  // A misspelt name would be dropped (`verfy`), and a key written where `keys` was meant
  // (`{ [key]: subject }`) must not reach the message: a name is shown only when it is close to one.
  checkOptions('apiKeyAuth()', options, ['header', 'keys', 'verify'], { secretNames: true });
  if (options === undefined || (options.keys === undefined && options.verify === undefined)) {
    throw new SkyportError('INVALID_DEFINITION', 'apiKeyAuth() needs keys or verify');
  }
  // From plain JavaScript or configuration, anything may arrive: every request would fail on it.
  if (options.verify !== undefined && typeof options.verify !== 'function') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `apiKeyAuth() verify must be a function (key, ctx) => verdict, got ${options.verify === null ? 'null' : typeof options.verify}`,
    );
  }
  const named: unknown = options.header ?? 'x-api-key';
  // The header's name is the challenge's realm too: a name no request can carry would also make
  // the 401 unsendable.
  if (typeof named !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(named)) {
    throw new SkyportError('INVALID_DEFINITION', 'apiKeyAuth() header must be a header name (an RFC 9110 token)');
  }
  const header = named.toLowerCase();
  const entries = options.keys === undefined ? [] : keyEntries(options.keys);
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
      let principal = lookup(entries, presented);
      if (principal === undefined && options.verify !== undefined) {
        const verdict = await options.verify(presented, ctx);
        if (verdict === true) principal = { subject: undefined, claims: {}, scopes: [], roles: [], source: 'api-key' };
        else if (typeof verdict === 'object' && verdict !== null) {
          principal = {
            subject: verdict.subject,
            claims: verdict.claims ?? {},
            // Read as a `scope` claim: a string from plain JS is a space-separated list.
            scopes: scopesOf({ scope: verdict.scopes }),
            // A string from plain JS is one role, never its characters.
            roles: [...new Set(claimValues(verdict.roles))],
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
