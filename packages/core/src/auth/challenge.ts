/** Shared failure responses of the auth middleware (RFC 6750 challenges, never echoing a credential). */

import type { HttpError } from '../errors.js';
import { Forbidden, ServiceUnavailable, SkyportError, Unauthorized } from '../errors.js';

function quote(value: string): string {
  return value.replace(/["\\]/g, '');
}

/** A 401 with a `WWW-Authenticate` challenge; `error` is omitted when no credential was sent (RFC 6750 §3.1). */
export function unauthorized(
  detail: string,
  options: { readonly scheme?: string; readonly realm?: string | undefined; readonly error?: string | undefined } = {},
): HttpError {
  const parts: string[] = [];
  if (options.realm !== undefined) parts.push(`realm="${quote(options.realm)}"`);
  if (options.error !== undefined) parts.push(`error="${options.error}"`, `error_description="${quote(detail)}"`);
  const challenge = `${options.scheme ?? 'Bearer'}${parts.length > 0 ? ` ${parts.join(', ')}` : ''}`;
  return new Unauthorized(detail, { headers: { 'www-authenticate': challenge }, code: 'UNAUTHORIZED' });
}

/**
 * A realm for `WWW-Authenticate`, or `INVALID_DEFINITION`: a header value carries Latin-1 at
 * most, and a character beyond it makes the whole header unsendable, so a 401 would go out
 * without its challenge. Printable ASCII is what every client reads alike.
 */
export function realmOf(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) {
    throw new SkyportError('INVALID_DEFINITION', `${option} must be a string of printable ASCII characters`);
  }
  return value;
}

/**
 * Required scopes, checked when the function is defined: a list, or one space-separated string
 * (the `scope` claim's format), each scope an RFC 6749 scope-token (printable ASCII without
 * space, `"` or `\`). A string is never read character by character, and an empty scope is
 * refused rather than read as no requirement.
 */
export function scopeList(value: unknown, option: string): string[] {
  const listed = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  const out: string[] = [];
  for (const entry of listed ?? [undefined]) {
    const scopes = typeof entry === 'string' ? entry.split(' ').filter((s) => s !== '') : [];
    if (scopes.length === 0 || scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `${option} must be scopes: non-empty strings of printable ASCII without " or \\`,
      );
    }
    out.push(...scopes);
  }
  return [...new Set(out)];
}

/**
 * A 403 naming the scopes that are missing. `bearer` adds RFC 6750's `insufficient_scope`
 * challenge, which belongs to the Bearer scheme; after another scheme (an API key) there is
 * none, as RFC 9110 asks for no challenge on 403.
 */
export function insufficientScope(
  missing: readonly string[],
  options: { readonly bearer: boolean; readonly realm?: string | undefined },
): HttpError {
  const realmPart = options.realm === undefined ? '' : `realm="${quote(options.realm)}", `;
  return new Forbidden(`missing scope: ${missing.join(' ')}`, {
    headers: options.bearer
      ? { 'www-authenticate': `Bearer ${realmPart}error="insufficient_scope", scope="${quote(missing.join(' '))}"` }
      : {},
    code: 'INSUFFICIENT_SCOPE',
  });
}

/** A 503 for when keys cannot be fetched: the token may be fine, the verifier is not. */
export function keysUnavailable(cause: unknown): HttpError {
  return new ServiceUnavailable('the signing keys cannot be fetched', {
    headers: { 'retry-after': '5' },
    code: 'JWKS_UNAVAILABLE',
    cause,
  });
}

/**
 * Scopes from the usual claims: `scope` (space separated, RFC 8693) or `scp` (a list or a string).
 */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const value of [claims.scope, claims.scp]) {
    // Scopes are separated by the space character alone (RFC 6749 section 3.3): a scope holding a
    // tab or a no-break space is one scope, not two.
    if (typeof value === 'string') out.push(...value.split(' ').filter((s) => s !== ''));
    else if (Array.isArray(value)) for (const s of value) if (typeof s === 'string' && s !== '') out.push(s);
  }
  return [...new Set(out)];
}

/**
 * The scopes of `required` that `granted` lacks. `granted` is read as a `scope` claim: a string
 * (a principal built in plain JS) is split on spaces, never checked character by character.
 */
export function missingScopes(granted: unknown, required: readonly string[]): string[] {
  const have = new Set(scopesOf({ scope: granted }));
  return required.filter((scope) => !have.has(scope));
}
