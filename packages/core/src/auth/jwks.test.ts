import { errors, exportJWK, type FlattenedJWSInput, generateKeyPair, type JWK, type JWTVerifyGetKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyServer, startKeyServer } from './__fixtures__/key-server.js';
import { KeySetUnavailable, remoteKeys } from './jwks.js';

const first = await generateKeyPair('RS256', { extractable: true });
const rotated = await generateKeyPair('RS256', { extractable: true });
const firstJwk = { ...(await exportJWK(first.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
const rotatedJwk = { ...(await exportJWK(rotated.publicKey)), kid: 'rsa-2', alg: 'RS256', use: 'sig' };
/** The key getter looks at the header only; the rest of the token plays no part in picking a key. */
const token: FlattenedJWSInput = { payload: '', signature: '' };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The key a getter gives for a header, or what it threw. */
async function lookUp(keys: JWTVerifyGetKey, header: Parameters<JWTVerifyGetKey>[0]): Promise<unknown> {
  try {
    return await keys(header, token);
  } catch (error) {
    return error;
  }
}

let keyServer: KeyServer;

beforeAll(async () => {
  keyServer = await startKeyServer([firstJwk]);
});

afterAll(async () => {
  await new Promise<void>((resolve) => keyServer.server.close(() => resolve()));
});

describe('remoteKeys', () => {
  it('does not take a token the key set cannot serve for an outage: a rotated kid is still fetched', async () => {
    // Prepare: keys fetched once, and the refetch cooldown over.
    keyServer.keys = [firstJwk];
    const keys = remoteKeys({ url: new URL(keyServer.url), cooldownMs: 200, timeoutMs: 1000 });
    await keys({ alg: 'RS256', kid: 'rsa-1' }, token);
    await wait(250);
    const before = keyServer.requests;

    // Act: a client sends HS256 tokens (which no key set serves), and then the issuer rotates keys.
    const hmac = await lookUp(keys, { alg: 'HS256', kid: 'rsa-1' });
    keyServer.keys = [firstJwk, rotatedJwk];
    const fresh = await lookUp(keys, { alg: 'RS256', kid: 'rsa-2' });

    // Assert
    expect(hmac).toBeInstanceOf(errors.JOSENotSupported);
    expect(fresh).toMatchObject({ type: 'public', algorithm: { name: 'RSASSA-PKCS1-v1_5' } });
    expect(keyServer.requests).toBe(before + 1);
  });

  it('still takes a failed fetch for an outage, answering from the cached keys', async () => {
    // Prepare
    keyServer.keys = [firstJwk];
    const keys = remoteKeys({ url: new URL(keyServer.url), cacheMaxAgeMs: 0, timeoutMs: 1000 });
    await keys({ alg: 'RS256', kid: 'rsa-1' }, token);
    const body = keyServer.keys;
    keyServer.keys = 'not a key set' as unknown as JWK[];

    try {
      // Act
      const cached = await keys({ alg: 'RS256', kid: 'rsa-1' }, token);
      const unknown = await lookUp(keys, { alg: 'RS256', kid: 'rsa-2' });
      const requests = keyServer.requests;
      await keys({ alg: 'RS256', kid: 'rsa-1' }, token);

      // Assert: the cached key answers; an unknown kid may be a key rotated in meanwhile; no refetch during the cooldown.
      expect(cached).toMatchObject({ type: 'public' });
      expect(unknown).toBeInstanceOf(KeySetUnavailable);
      expect(keyServer.requests).toBe(requests);
    } finally {
      keyServer.keys = body;
    }
  });
});
