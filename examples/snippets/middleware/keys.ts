/**
 * Test helpers for the auth examples in docs/middleware.md: a signing key published as a JSON
 * Web Key Set, tokens signed with it, and a stubbed `fetch` that serves key sets the way an
 * identity provider would (jose fetches a JWKS with the global `fetch`).
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { vi } from 'vitest';

/** A signing key of an identity provider. */
export interface SigningKey {
  /** The public half, as published in the key set. */
  readonly jwk: JWK;
  /** Signs a token with `claims`, valid for five minutes unless `exp` says otherwise. */
  sign(claims: JWTPayload): Promise<string>;
}

/** Creates an RS256 signing key with the key id `kid`. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    jwk,
    sign: (claims) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(privateKey);
    },
  };
}

/** What the stubbed `fetch` answers for one URL: the keys to publish, or an error (the endpoint is down). */
export type KeySetSource = () => readonly JWK[];

/**
 * Replaces the global `fetch` with one that serves `sets` (URL to key source) and refuses any
 * other URL. Returns the URLs fetched, in order. Undo it with `vi.unstubAllGlobals()`.
 */
export function serveKeySets(sets: Readonly<Record<string, KeySetSource>>): string[] {
  const fetched: string[] = [];
  const fake: typeof fetch = async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    fetched.push(url);
    const source = sets[url];
    if (source === undefined) throw new TypeError(`fetch failed: nothing is served at ${url}`);
    return Response.json({ keys: source() });
  };
  vi.stubGlobal('fetch', fake);
  return fetched;
}
