/** Shared failure responses of the auth middleware (RFC 6750 challenges, never echoing a credential). */

import type { HttpError } from '../errors.js';
import { Forbidden, ServiceUnavailable, Unauthorized } from '../errors.js';

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

/** A 403 naming the scopes that are missing (RFC 6750 `insufficient_scope`). */
export function insufficientScope(missing: readonly string[], realm?: string): HttpError {
  const realmPart = realm === undefined ? '' : `realm="${quote(realm)}", `;
  return new Forbidden(`missing scope: ${missing.join(' ')}`, {
    headers: {
      'www-authenticate': `Bearer ${realmPart}error="insufficient_scope", scope="${quote(missing.join(' '))}"`,
    },
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

/** The scopes of `required` that `granted` lacks. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  const have = new Set(granted);
  return required.filter((scope) => !have.has(scope));
}
