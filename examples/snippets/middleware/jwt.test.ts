/** `jwtAuth()` in docs/middleware.md: the `me` example, key rotation and JWKS outages. */
import { http } from '@skyport/core';
import { jwtAuth } from '@skyport/core/auth';
import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { me } from './jwt.js';
import { type SigningKey, serveKeySets, signingKey } from './keys.js';

const jwksUrl = 'https://shop.eu.auth0.com/.well-known/jwks.json';
const issuer = 'https://shop.eu.auth0.com/';
const audience = 'https://api.shop.example';

const get = (token: string, path = '/me') => httpRequest({ path, headers: { authorization: `Bearer ${token}` } });
const challenge = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;

let key: SigningKey;
let rotated: SigningKey;
let logs: LogCollector;
beforeAll(async () => {
  key = await signingKey('key-1');
  rotated = await signingKey('key-2');
});
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
  vi.unstubAllGlobals();
});

describe('the me function', () => {
  let fetched: string[];
  beforeEach(() => {
    fetched = serveKeySets({ [jwksUrl]: () => [key.jwk] });
  });

  it('accepts a token of this API with the required scope, fetching the key set once', async () => {
    const token = await key.sign({
      iss: issuer,
      aud: [audience, `${issuer}userinfo`],
      sub: 'auth0|42',
      scope: 'openid read:profile',
    });
    const first = await invoke(me, get(token));
    const second = await invoke(me, get(token));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ subject: 'auth0|42' });
    expect(second.status).toBe(200);
    expect(fetched).toEqual([jwksUrl]);
  });

  it('refuses a token the same provider issued for another application', async () => {
    const token = await key.sign({
      iss: issuer,
      aud: 'https://admin.shop.example',
      sub: 'auth0|42',
      scope: 'read:profile',
    });
    const res = await invoke(me, get(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('the token audience is not accepted'));
  });

  it('refuses a token from another issuer', async () => {
    const token = await key.sign({
      iss: 'https://evil.example/',
      aud: audience,
      sub: 'auth0|42',
      scope: 'read:profile',
    });
    const res = await invoke(me, get(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('the token issuer is not accepted'));
  });

  it('answers 403 without the required scope', async () => {
    const token = await key.sign({ iss: issuer, aud: audience, sub: 'auth0|42', scope: 'openid' });
    const res = await invoke(me, get(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="read:profile"');
    expect(res.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
  });

  it('refuses a token that never expires', async () => {
    const token = await key.sign({
      iss: issuer,
      aud: audience,
      sub: 'auth0|42',
      scope: 'read:profile',
      exp: undefined,
    });
    const res = await invoke(me, get(token));
    expect(res.status).toBe(401);
  });

  it('refuses HS256 and alg none, whatever the key they claim', async () => {
    const hs256 = await new SignJWT({ iss: issuer, aud: audience, scope: 'read:profile' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ alg: 'none' })}.${encode({ iss: issuer, aud: audience, scope: 'read:profile', exp: 4102444800 })}.`;
    const byHs256 = await invoke(me, get(hs256));
    const byNone = await invoke(me, get(none));
    expect(byHs256.headers['www-authenticate']).toBe(challenge('the token algorithm is not accepted'));
    expect(byNone.status).toBe(401);
    expect(byNone.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('key rotation', () => {
  const rotatingUrl = 'https://rotating.example/.well-known/jwks.json';

  it('refetches the key set for an unknown kid, at most once per jwksCooldownMs', async () => {
    let published = [key.jwk];
    const fetched = serveKeySets({ [rotatingUrl]: () => published });
    const patient = http()
      .use(jwtAuth({ jwksUrl: rotatingUrl }))
      .handle((_req, ctx) => ctx.auth.subject);
    const eager = http()
      .use(jwtAuth({ jwksUrl: rotatingUrl, jwksCooldownMs: 0 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const before = await key.sign({ sub: 'old-key' });
    expect((await invoke(patient, get(before))).text).toBe('old-key');
    expect((await invoke(eager, get(before))).text).toBe('old-key');
    expect(fetched).toHaveLength(2);

    published = [key.jwk, rotated.jwk];
    const after = await rotated.sign({ sub: 'new-key' });
    const cooling = await invoke(patient, get(after));
    expect(cooling.status).toBe(401);
    expect(cooling.headers['www-authenticate']).toBe(challenge('the token signing key is unknown'));
    expect((await invoke(eager, get(after))).text).toBe('new-key');
    expect(fetched).toHaveLength(3);
  });
});

describe('a JWKS outage', () => {
  const flakyUrl = 'https://flaky.example/.well-known/jwks.json';

  it('answers 503 with Retry-After when no keys are cached, and logs at error', async () => {
    serveKeySets({
      [flakyUrl]: () => {
        throw new TypeError('fetch failed');
      },
    });
    const fn = http()
      .use(jwtAuth({ jwksUrl: flakyUrl }))
      .handle(() => 'unreachable');
    const res = await invoke(fn, get(await key.sign({ sub: 'u' })));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['www-authenticate']).toBeUndefined();
    // Like every 5xx, the body says no more than its status; the logs have the details.
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      requestId: expect.any(String),
    });
    expect(logs.find((line) => line.reason === 'jwks-unavailable')).toEqual([
      expect.objectContaining({ level: 'error', auth: 'jwt' }),
    ]);
    expect(logs.find('503 Service Unavailable')).toEqual([
      expect.objectContaining({ level: 'error', err: expect.objectContaining({ code: 'JWKS_UNAVAILABLE' }) }),
    ]);
  });

  it('keeps using the cached keys when a refetch fails', async () => {
    let up = true;
    serveKeySets({
      [flakyUrl]: () => {
        if (!up) throw new TypeError('fetch failed');
        return [key.jwk];
      },
    });
    // A cache lifetime of 0 refetches on every request.
    const fn = http()
      .use(jwtAuth({ jwksUrl: flakyUrl, jwksCacheMaxAgeMs: 0 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const token = await key.sign({ sub: 'u-1' });
    expect((await invoke(fn, get(token))).status).toBe(200);
    up = false;
    const during = await invoke(fn, get(token));
    expect(during.status).toBe(200);
    expect(during.text).toBe('u-1');
  });

  it('asks a failing key set again only after the cooldown, so requests do not each wait for it', async () => {
    let up = true;
    const fetched = serveKeySets({
      [flakyUrl]: () => {
        if (!up) throw new TypeError('fetch failed');
        return [key.jwk];
      },
    });
    const fn = http()
      .use(jwtAuth({ jwksUrl: flakyUrl, jwksCacheMaxAgeMs: 0, jwksCooldownMs: 60_000 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const token = await key.sign({ sub: 'u-1' });
    expect((await invoke(fn, get(token))).status).toBe(200);
    up = false;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await invoke(fn, get(token))).status);
    // One failed refetch, then the cached keys without asking again.
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(fetched).toHaveLength(2);
  });

  it('answers 503 at once during the cooldown when no keys were ever fetched', async () => {
    const fetched = serveKeySets({
      [flakyUrl]: () => {
        throw new TypeError('fetch failed');
      },
    });
    const fn = http()
      .use(jwtAuth({ jwksUrl: flakyUrl, jwksCooldownMs: 60_000 }))
      .handle(() => 'unreachable');
    const token = await key.sign({ sub: 'u' });
    const statuses = [(await invoke(fn, get(token))).status, (await invoke(fn, get(token))).status];
    expect(statuses).toEqual([503, 503]);
    expect(fetched).toHaveLength(1);
  });
});
