/**
 * Remote key sets (JWKS) shared by `jwtAuth()` and `cloudPrincipal({ iap })`: their options,
 * checked when the function is defined, and a key getter that survives a key-set outage.
 */
import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters, JWTVerifyGetKey } from 'jose';
import { SkyportError } from '../errors.js';
import { type Jose, loadJose } from './jose.js';

/** How a remote key set is fetched and cached. */
export interface KeySetOptions {
  /** The key set's URL, already checked. */
  readonly url: URL;
  /** Cache lifetime in ms (default 10 minutes). */
  readonly cacheMaxAgeMs?: number | undefined;
  /** Minimum ms between refetches, and how long a failed fetch keeps the key set from being asked again (default 30 s). */
  readonly cooldownMs?: number | undefined;
  /** Request timeout in ms (default 5 s). */
  readonly timeoutMs?: number | undefined;
}

/** Thrown by the key getter when the key set cannot be fetched and no keys are cached. */
export class KeySetUnavailable extends Error {}

function invalid(message: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', message);
}

/** An `http:` or `https:` URL, or `INVALID_DEFINITION` naming the option. */
export function keySetUrl(value: unknown, option: string): URL {
  let url: URL | undefined;
  if (typeof value === 'string' || value instanceof URL) {
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid(`${option} must be an http(s) URL`);
  }
  return url;
}

/**
 * A whole number of milliseconds, `least` or more (`Infinity` too when `infinite`), or
 * `INVALID_DEFINITION`: the timers behind these options reject fractions and negative values,
 * and a fetch timeout of 0 aborts every fetch, which would otherwise surface on every request as
 * a failed key fetch.
 */
export function milliseconds(value: unknown, option: string, infinite = false, least = 0): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && ((infinite && value === Number.POSITIVE_INFINITY) || Number.isSafeInteger(value))) {
    if (value >= least) return value;
  }
  throw invalid(`${option} must be a whole number of milliseconds, ${least} or more`);
}

/**
 * jose's errors for a fetch that failed: no answer in time, an answer other than 200 or not JSON
 * (its generic error), a body that is not a key set. Network errors are not jose's own.
 */
const fetchErrors = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID']);

/**
 * Only a fetch that failed is an outage. The key lookup throws from the same call (no key for the
 * `kid`, several, an `alg` no key set serves such as HS256): that is about the token, and taken
 * for an outage it would let any client hold off the refetch a newly rotated key needs.
 */
function isFetchFailure(error: unknown, jose: Jose): boolean {
  return !(error instanceof jose.errors.JOSEError) || fetchErrors.has(error.code);
}

/**
 * The key, of several the lookup found, that made the token's signature. A token without `kid`
 * during a rollover (two keys of its type in the set) matches both; jose hands the candidates
 * over as the error's async iterator. The one that verifies is returned (and checked once more
 * by the caller, with the claims); none verifying is a bad signature.
 */
async function signerOf(
  jose: Jose,
  candidates: InstanceType<Jose['errors']['JWKSMultipleMatchingKeys']>,
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
): Promise<CryptoKey> {
  const algorithms = typeof header.alg === 'string' ? [header.alg] : [];
  for await (const candidate of candidates) {
    try {
      await jose.flattenedVerify(token, candidate, { algorithms });
      return candidate;
    } catch (error) {
      if (!(error instanceof jose.errors.JWSSignatureVerificationFailed)) throw error;
    }
  }
  throw new jose.errors.JWSSignatureVerificationFailed();
}

/**
 * Wraps the remote key set: a fetch failure with an empty cache is `KeySetUnavailable` (503);
 * with keys cached, the last good set is used so a JWKS outage does not log everyone out. A
 * `kid` the cached set lacks is `KeySetUnavailable` too while the set cannot be fetched: it may
 * be a key rotated in during the outage, so the token is not known to be bad. After a failed
 * fetch the key set is not asked again for the cooldown: every request would otherwise wait out
 * the fetch timeout for as long as the outage lasts. A token without `kid` that several keys of
 * the set could have signed (a rollover) is checked against each, and the one that verifies it
 * is used.
 */
export function remoteKeys(options: KeySetOptions): JWTVerifyGetKey {
  const cooldown = options.cooldownMs ?? 30_000;
  let remote: ReturnType<Jose['createRemoteJWKSet']> | undefined;
  let failedAt: number | undefined;
  const fallBack = async (jose: Jose, header: JWSHeaderParameters, token: FlattenedJWSInput, cause: unknown) => {
    const cached = remote?.jwks();
    if (cached === undefined) throw new KeySetUnavailable('JWKS unavailable', { cause });
    try {
      return await jose.createLocalJWKSet(cached)(header, token);
    } catch (error) {
      if (error instanceof jose.errors.JWKSNoMatchingKey) throw new KeySetUnavailable('JWKS unavailable', { cause });
      if (error instanceof jose.errors.JWKSMultipleMatchingKeys) return signerOf(jose, error, header, token);
      throw error;
    }
  };
  return async (header: JWSHeaderParameters, token) => {
    const jose = await loadJose();
    remote ??= jose.createRemoteJWKSet(options.url, {
      cacheMaxAge: options.cacheMaxAgeMs,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
    });
    if (failedAt !== undefined && Date.now() - failedAt < cooldown) return fallBack(jose, header, token, undefined);
    try {
      const key = await remote(header, token);
      failedAt = undefined;
      return key;
    } catch (error) {
      if (error instanceof jose.errors.JWKSMultipleMatchingKeys) return signerOf(jose, error, header, token);
      if (!isFetchFailure(error, jose)) throw error;
      failedAt = Date.now();
      return fallBack(jose, header, token, error);
    }
  };
}
