/**
 * `jose`, loaded on first use: importing `@skyport/core/auth` for `apiKeyAuth()`,
 * `requireScopes()` or `cloudPrincipal()` without `iap` does not pay its load time.
 */

import type { CryptoKey, JWK, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions, KeyObject } from 'jose';

/** The `jose` module. */
export type Jose = typeof import('jose');

/** What verifies a token: a key resolver (a key set) or key material. */
export type VerifyKey = JWTVerifyGetKey | CryptoKey | KeyObject | JWK | Uint8Array;

/** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` unless configured otherwise. */
export const defaultClockTolerance = 5;

let loading: Promise<Jose> | undefined;

/**
 * The `jose` module, imported once. `jwtAuth()` and `cloudPrincipal({ iap })` call it when they
 * are defined, so the import runs during cold start rather than in the first request.
 */
export function loadJose(): Promise<Jose> {
  if (loading === undefined) {
    const started = import('jose');
    loading = started;
    // Started early, nobody may await it yet: a failed import is reported to the request that
    // awaits it, and tried again by the next one.
    started.catch(() => {
      if (loading === started) loading = undefined;
    });
  }
  return loading;
}

/**
 * `jwtVerify()` plus the `iat` check jose makes only when a maximum token age is set: a token
 * issued in the future is refused, with the same tolerance as `exp` and `nbf`.
 */
export async function verifyJwt(
  { errors, jwtVerify }: Jose,
  token: string,
  key: VerifyKey,
  options: JWTVerifyOptions & { readonly clockTolerance: number },
): Promise<JWTPayload> {
  // Two calls on purpose: jose's overloads type a key resolver and key material separately.
  const { payload } =
    typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + options.clockTolerance) {
    throw new errors.JWTClaimValidationFailed(
      '"iat" claim timestamp check failed (issued in the future)',
      payload,
      'iat',
      'check_failed',
    );
  }
  return payload;
}
