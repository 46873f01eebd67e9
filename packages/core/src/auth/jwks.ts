/**
 * Remote key sets (JWKS) shared by `jwtAuth()` and `cloudPrincipal({ iap })`: their options,
 * checked when the function is defined, and a key getter that survives a key-set outage.
 */
import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters, RemoteJWKSet } from 'jose';
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
 * What bounds one request's wait for a key-set fetch: gives the signal that ends the wait (for
 * `jwtAuth()`, `ctx.signal`). Called only when the request has a fetch to wait for: a context
 * arms a timer for its signal when the signal is first read, which a request served from the
 * cached keys has no need of.
 */
export type FetchWait = () => AbortSignal | undefined;

/**
 * The key getter `remoteKeys()` makes: jose's `JWTVerifyGetKey`, with a third argument that
 * bounds the request's wait for a fetch.
 */
export type RemoteKeys = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
  until?: FetchWait,
) => Promise<CryptoKey>;

/**
 * `work`, or a rejection with the signal's reason as soon as the signal `until` gives aborts. Only
 * the waiting stops: the fetch goes on, for the other requests that share it and for the cache.
 */
function waitFor(work: Promise<void>, until: FetchWait | undefined): Promise<void> {
  const signal = until?.();
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
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
 *
 * One fetch at a time, shared by every request that needs the keys meanwhile. A request given
 * `until` stops waiting for it when that signal aborts, and is answered as in an outage (the
 * cached keys, or `KeySetUnavailable`); the fetch goes on for the others, and only its own
 * failure starts the cooldown.
 */
export function remoteKeys(options: KeySetOptions): RemoteKeys {
  const cacheMaxAge = options.cacheMaxAgeMs ?? 600_000;
  const cooldown = options.cooldownMs ?? 30_000;
  let remote: RemoteJWKSet | undefined;
  /** When the last fetch succeeded. */
  let loadedAt: number | undefined;
  /** When the last fetch failed, unless one succeeded since. */
  let failedAt: number | undefined;
  /** The fetch under way. */
  let loading: Promise<void> | undefined;
  /** Fetches the key set, or joins the fetch under way; the outcome is recorded once per fetch. */
  const load = (set: RemoteJWKSet): Promise<void> => {
    if (loading !== undefined) return loading;
    const started: Promise<void> = set
      .reload()
      .then(
        () => {
          loadedAt = Date.now();
          failedAt = undefined;
        },
        (error: unknown) => {
          failedAt = Date.now();
          throw error;
        },
      )
      .finally(() => {
        if (loading === started) loading = undefined;
      });
    loading = started;
    // Every request waiting for it may have given up: its failure is then recorded, not unhandled.
    started.catch(() => undefined);
    return started;
  };
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
  /** The key from the fetched set. It throws about the token only (no key for its `kid`, an `alg` no key set serves), never fetches. */
  const lookUp = async (jose: Jose, set: RemoteJWKSet, header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await set(header, token);
    } catch (error) {
      if (error instanceof jose.errors.JWKSMultipleMatchingKeys) return signerOf(jose, error, header, token);
      throw error;
    }
  };
  return async (header, token, until) => {
    const jose = await loadJose();
    // Every fetch is started by `load`, so a request knows when it has one to wait for: jose's
    // own refetches (of a stale set, for an unknown kid) are turned off, and made here instead.
    remote ??= jose.createRemoteJWKSet(options.url, {
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: Number.POSITIVE_INFINITY,
      timeoutDuration: options.timeoutMs,
    });
    const set = remote;
    if (failedAt !== undefined && Date.now() - failedAt < cooldown) return fallBack(jose, header, token, undefined);
    if (loadedAt === undefined || Date.now() - loadedAt >= cacheMaxAge) {
      try {
        await waitFor(load(set), until);
      } catch (error) {
        return fallBack(jose, header, token, error);
      }
    }
    try {
      return await lookUp(jose, set, header, token);
    } catch (error) {
      // A kid the set lacks may be a key rotated in since the fetch: fetched again, at most once
      // a cooldown after the last fetch. Only a fetch that fails is an outage: a token the set
      // has no key for is not, or any client could hold off the refetch a rotated key needs.
      if (!(error instanceof jose.errors.JWKSNoMatchingKey)) throw error;
      if (loadedAt !== undefined && Date.now() - loadedAt < cooldown) throw error;
    }
    try {
      await waitFor(load(set), until);
    } catch (error) {
      return fallBack(jose, header, token, error);
    }
    return lookUp(jose, set, header, token);
  };
}
