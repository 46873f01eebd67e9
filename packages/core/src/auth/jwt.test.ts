import { createPublicKey, generateKeyPairSync, type JsonWebKey, sign as sign_ } from 'node:crypto';
import type { Server } from 'node:http';
import { type Context, createHttpRequest, http, SkyportError } from '@skyport/core';
import { collectLogs, fakeContext, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type KeyServer, startKeyServer } from './__fixtures__/key-server.js';
import { type AuthContext, jwtAuth, type Principal, requireScopes } from './index.js';

const issuer = 'https://issuer.test/';
const audience = 'orders-api';

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const rotated = await generateKeyPair('RS256', { extractable: true });
const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
const rotatedJwk = { ...(await exportJWK(rotated.publicKey)), kid: 'rsa-2', alg: 'RS256', use: 'sig' };

function sign(
  claims: JWTPayload,
  options: { key?: CryptoKey; alg?: string; kid?: string; exp?: string | number; nbf?: string | number } = {},
): Promise<string> {
  const jwt = new SignJWT({ scope: 'orders:read', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'rsa-1', typ: 'JWT' })
    .setSubject('user-42')
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? rsa.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let keyServer: KeyServer;
let logs: LogCollector;
const tokens: string[] = [];

beforeAll(async () => {
  keyServer = await startKeyServer([rsaJwk, ecJwk]);
  logs = collectLogs();
});

afterAll(async () => {
  logs.restore();
  await close(keyServer.server);
});

function secured(options: Partial<Parameters<typeof jwtAuth>[0]> = {}) {
  return http({ method: 'GET', path: '/me' })
    .use(jwtAuth({ jwksUrl: keyServer.url, issuer, audience, ...options } as Parameters<typeof jwtAuth>[0]))
    .handle((_req, ctx) => {
      expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
      return { subject: ctx.auth.subject, scopes: ctx.auth.scopes, source: ctx.auth.source };
    });
}

async function call(fn: ReturnType<typeof secured>, token: string | undefined, header?: string) {
  if (token !== undefined) tokens.push(token);
  const authorization = header ?? (token === undefined ? undefined : `Bearer ${token}`);
  return invoke(fn, httpRequest({ path: '/me', headers: authorization === undefined ? {} : { authorization } }));
}

describe('jwtAuth with a remote JWKS', () => {
  it('accepts a valid RS256 token and types ctx.auth', async () => {
    // Prepare
    const fn = secured();
    const token = await sign({});
    // Act
    const res = await call(fn, token);
    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'user-42', scopes: ['orders:read'], source: 'jwt' });
  });

  it('accepts a valid ES256 token and reads scp lists', async () => {
    const fn = secured();
    const token = await sign({ scope: undefined, scp: ['a', 'b'] }, { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' });
    const res = await call(fn, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'user-42', scopes: ['a', 'b'], source: 'jwt' });
  });

  const invalid: [string, () => Promise<string>, string][] = [
    [
      'alg none',
      async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', iss: issuer, aud: audience })}.`,
      'algorithm',
    ],
    [
      'HS256 signed with the RSA public key (algorithm confusion)',
      async () => {
        const pem = await exportSPKI(rsa.publicKey);
        return new SignJWT({ sub: 'attacker' })
          .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
          .setIssuer(issuer)
          .setAudience(audience)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(pem));
      },
      'algorithm',
    ],
    ['expired', () => sign({}, { exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
    ['not yet valid', () => sign({}, { nbf: Math.floor(Date.now() / 1000) + 600 }), 'not valid yet'],
    [
      'issued in the future',
      () =>
        new SignJWT({ scope: 'orders:read' })
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' })
          .setSubject('user-42')
          .setIssuer(issuer)
          .setAudience(audience)
          .setIssuedAt(Math.floor(Date.now() / 1000) + 100 * 86_400)
          .setExpirationTime('101d')
          .sign(rsa.privateKey),
      'issued in the future',
    ],
    ['wrong issuer', () => sign({ iss: 'https://evil.test/' }), 'issuer'],
    ['wrong audience', () => sign({ aud: 'other-api' }), 'audience'],
    [
      'tampered payload',
      async () => {
        const [head, , signature] = (await sign({})).split('.');
        return `${head}.${b64url({ sub: 'admin', iss: issuer, aud: audience, scope: 'orders:read admin', exp: 9999999999 })}.${signature}`;
      },
      'signature',
    ],
    ['unknown kid', () => sign({}, { key: rotated.privateKey, kid: 'nobody' }), 'unknown'],
  ];

  for (const [name, make, reason] of invalid) {
    it(`rejects ${name} with 401 invalid_token`, async () => {
      const fn = secured({ jwksCooldownMs: 0 });
      const token = await make();
      const res = await call(fn, token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
      expect(res.headers['www-authenticate']).toContain(reason);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.text).not.toContain(token);
    });
  }

  it('names a time, issuer or audience claim only when its check failed, not when it is malformed or missing', async () => {
    // Prepare
    const fn = secured({ jwksCooldownMs: 0 });
    const signRaw = (claims: JWTPayload) =>
      new SignJWT({ sub: 'user-42', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' })
        .sign(rsa.privateKey);
    const malformed = [
      { iat: 'x' },
      { nbf: true },
      { exp: 'soon' },
      { iss: undefined },
      { aud: undefined },
    ] as unknown as JWTPayload[];

    // Act
    const results = await Promise.all(malformed.map(async (claims) => call(fn, await signRaw(claims))));

    // Assert
    for (const res of results) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer error="invalid_token", error_description="the token claims are not accepted"',
      );
    }
  });

  it('refetches the JWKS on an unknown kid, so rotated keys work without a restart', async () => {
    const fn = secured({ jwksCooldownMs: 0 });
    expect((await call(fn, await sign({}))).status).toBe(200);
    const before = keyServer.requests;
    keyServer.keys = [rsaJwk, ecJwk, rotatedJwk];
    try {
      const res = await call(fn, await sign({}, { key: rotated.privateKey, kid: 'rsa-2' }));
      expect(res.status).toBe(200);
      expect(keyServer.requests).toBe(before + 1);
    } finally {
      keyServer.keys = [rsaJwk, ecJwk];
    }
  });

  it('caches the JWKS between invocations', async () => {
    const fn = secured();
    await call(fn, await sign({}));
    const before = keyServer.requests;
    await call(fn, await sign({}));
    await call(fn, await sign({}));
    expect(keyServer.requests).toBe(before);
  });

  it('answers 403 insufficient_scope when a required scope is missing', async () => {
    const fn = secured({ requiredScopes: ['orders:read', 'orders:write'] });
    const res = await call(fn, await sign({}));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="orders:write"');
  });

  it('answers 401 without an error code when no token is sent, naming the realm', async () => {
    const fn = secured({ realm: 'orders' });
    const res = await call(fn, undefined);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="orders"');
  });

  for (const header of ['Basic dXNlcjpwYXNz', 'Token abc.def.ghi', 'Bearerabc.def.ghi']) {
    it(`answers the bare challenge, with no error code, to another scheme "${header.split(' ')[0]}..."`, async () => {
      // Prepare
      const fn = secured({ realm: 'orders' });
      tokens.push(header);

      // Act
      const res = await call(fn, undefined, header);

      // Assert
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="orders"');
    });
  }

  for (const header of ['Bearer', 'Bearer a b', 'Bearer "quoted"', 'bearer  a.b.c d']) {
    it(`answers 401 invalid_token for the malformed header "${header.split(' ')[0]}..."`, async () => {
      const fn = secured();
      tokens.push(header);
      const res = await call(fn, undefined, header);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });
  }

  it('answers 401 for a token that is not a JWT at all', async () => {
    const res = await call(secured(), 'not-a-jwt');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('answers 503 when the JWKS endpoint cannot be reached and nothing is cached', async () => {
    const down = await startKeyServer([rsaJwk]);
    await close(down.server);
    const fn = http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl: down.url, issuer, audience, jwksTimeoutMs: 1000 }))
      .handle(() => 'never');
    const token = await sign({});
    tokens.push(token);
    const res = await invoke(fn, httpRequest({ path: '/me', headers: { authorization: `Bearer ${token}` } }));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).not.toContain(token);
  });

  it('keeps verifying with the cached keys while the JWKS endpoint is down', async () => {
    const flaky = await startKeyServer([rsaJwk]);
    const fn = http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl: flaky.url, issuer, audience, jwksCacheMaxAgeMs: 0, jwksTimeoutMs: 1000 }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await call(fn, await sign({}))).status).toBe(200);
    await close(flaky.server);
    const res = await call(fn, await sign({}));
    expect(res.status).toBe(200);
    expect(res.text).toBe('user-42');
  });

  it('answers 503, not 401, to a key rotated in while the JWKS endpoint is down', async () => {
    // Prepare: keys fetched once, then the endpoint goes away.
    const flaky = await startKeyServer([rsaJwk]);
    const define = (options: { jwksCooldownMs?: number; jwksCacheMaxAgeMs?: number }) =>
      http({ method: 'GET', path: '/me' })
        .use(jwtAuth({ jwksUrl: flaky.url, issuer, audience, jwksTimeoutMs: 1000, ...options }))
        .handle((_req, ctx) => ctx.auth.subject);
    const refetching = define({ jwksCooldownMs: 0 });
    const coolingDown = define({ jwksCacheMaxAgeMs: 0 });
    expect((await call(refetching, await sign({}))).status).toBe(200);
    expect((await call(coolingDown, await sign({}))).status).toBe(200);
    await close(flaky.server);
    const rotatedToken = await sign({}, { key: rotated.privateKey, kid: 'rsa-2' });

    // Act: a refetch for the new kid fails; and, after a failed fetch, the cooldown holds.
    const failedRefetch = await call(refetching, rotatedToken);
    const known = await call(coolingDown, await sign({}));
    const duringCooldown = await call(coolingDown, rotatedToken);

    // Assert
    expect(known.status).toBe(200);
    for (const res of [failedRefetch, duringCooldown]) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('accepts a token without kid during a rollover, when two keys of its type could have signed it', async () => {
    // Prepare: the old and the new RS256 key both published; tokens name no kid.
    const rollover = await startKeyServer([rsaJwk, rotatedJwk, ecJwk]);
    const fn = http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl: rollover.url, issuer, audience, jwksCacheMaxAgeMs: 0, jwksTimeoutMs: 1000 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const stranger = await generateKeyPair('RS256');
    const signWithoutKid = (key: CryptoKey) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setSubject('user-42')
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime('5m')
        .sign(key);

    try {
      // Act: signed with either key, with neither, and, the key set gone, from the cached keys.
      const byOld = await call(fn, await signWithoutKid(rsa.privateKey));
      const byNew = await call(fn, await signWithoutKid(rotated.privateKey));
      const byNeither = await call(fn, await signWithoutKid(stranger.privateKey));
      const expired = await call(
        fn,
        await new SignJWT({})
          .setProtectedHeader({ alg: 'RS256' })
          .setIssuer(issuer)
          .setAudience(audience)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(rotated.privateKey),
      );
      await close(rollover.server);
      const cached = await call(fn, await signWithoutKid(rotated.privateKey));

      // Assert
      expect([byOld.text, byNew.text, cached.text]).toEqual(['user-42', 'user-42', 'user-42']);
      expect(byNeither.status).toBe(401);
      expect(byNeither.headers['www-authenticate']).toContain('the token signature is invalid');
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toContain('the token has expired');
    } finally {
      if (rollover.server.listening) await close(rollover.server);
    }
  });

  it('never writes a token or the authorization header to any log line', () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(logs.find('authentication failed').length).toBeGreaterThan(5);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text.toLowerCase()).not.toContain('bearer ');
    expect(text.toLowerCase()).not.toContain('"authorization"');
  });
});

describe('jwtAuth with a secret or a public key', () => {
  it('verifies HS256 tokens with a shared secret and rejects RS256 ones', async () => {
    const secret = 'a-very-long-shared-secret-for-tests-only';
    const fn = http()
      .use(jwtAuth({ secret, issuer, audience }))
      .handle((_req, ctx) => ctx.auth.subject);
    const good = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(secret));
    expect((await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${good}` } }))).text).toBe('svc');
    const rs = await sign({});
    expect((await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${rs}` } }))).status).toBe(401);
  });

  it('verifies with a public key and honours clockTolerance', async () => {
    const fn = http()
      .use(jwtAuth({ publicKey: rsa.publicKey, issuer, audience, clockTolerance: 120 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const slightlyExpired = await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 });
    const res = await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${slightlyExpired}` } }));
    expect(res.status).toBe(200);
  });

  it('splits scope on spaces only: a scope holding a tab or a no-break space grants nothing more', async () => {
    // Prepare
    const fn = secured({ requiredScopes: ['admin'], jwksCooldownMs: 0 });

    // Act
    const results = await Promise.all(
      ['note\u00a0admin', 'note\tadmin', 'note\u3000admin'].map(async (scope) => call(fn, await sign({ scope }))),
    );
    const spaced = await call(fn, await sign({ scope: 'note admin' }));

    // Assert
    expect(results.map((res) => res.status)).toEqual([403, 403, 403]);
    expect(spaced.status).toBe(200);
  });

  it('refuses a token without exp unless told that the issuer sets none', async () => {
    const secret = 'a-very-long-shared-secret-for-tests-only';
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(new TextEncoder().encode(secret));
    const request = httpRequest({ headers: { authorization: `Bearer ${forever}` } });
    const strict = http()
      .use(jwtAuth({ secret, issuer, audience }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(strict, request)).status).toBe(401);
    const lenient = http()
      .use(jwtAuth({ secret, issuer, audience, requiredClaims: [] }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(lenient, request)).text).toBe('svc');
  });

  it('keeps exp required when requiredClaims lists other claims', async () => {
    // Prepare
    const secret = 'a-very-long-shared-secret-for-tests-only';
    const token = (expires: boolean) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('svc').setIssuer(issuer);
      return (expires ? jwt.setExpirationTime('1m') : jwt).sign(new TextEncoder().encode(secret));
    };
    const fn = http()
      .use(jwtAuth({ secret, issuer, requiredClaims: ['sub'] }))
      .handle((_req, ctx) => ctx.auth.subject);
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(secret));
    const send = async (jwt: string) => invoke(fn, httpRequest({ headers: { authorization: `Bearer ${jwt}` } }));

    // Act
    const forever = await send(await token(false));
    const expiring = await send(await token(true));
    const anonymous = await send(noSub);

    // Assert
    expect(forever.status).toBe(401);
    expect(forever.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(expiring.text).toBe('svc');
    expect(anonymous.status).toBe(401);
  });

  it('refuses a secret shorter than 32 bytes, or empty, when the function is defined', () => {
    for (const secret of ['', 's', 'x'.repeat(31), new Uint8Array(16)]) {
      expect(() => jwtAuth({ secret })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(() => jwtAuth({ secret: 'x'.repeat(32) })).not.toThrow();
  });

  it('refuses bad key-set, clock or algorithm options when the function is defined', () => {
    // Prepare
    const jwksUrl = 'https://issuer.test/.well-known/jwks.json';
    const bad: Parameters<typeof jwtAuth>[0][] = [
      { jwksUrl, jwksTimeoutMs: 1500.5 },
      { jwksUrl, jwksTimeoutMs: -1 },
      { jwksUrl, jwksTimeoutMs: 0 },
      { jwksUrl, jwksCooldownMs: -1 },
      { jwksUrl, jwksCooldownMs: Number.NaN },
      { jwksUrl, jwksCacheMaxAgeMs: -5 },
      { jwksUrl: 'not a url' },
      { jwksUrl: 'file:///etc/jwks.json' },
      { jwksUrl, clockTolerance: -1 },
      { jwksUrl, algorithms: ['none'] },
      { jwksUrl, algorithms: [] },
    ];

    // Act
    const outcomes = bad.map((options) => {
      try {
        jwtAuth(options);
        return 'accepted';
      } catch (error) {
        return error instanceof SkyportError ? error.code : String(error);
      }
    });

    // Assert
    expect(outcomes).toEqual(bad.map(() => 'INVALID_DEFINITION'));
    expect(() => jwtAuth({ jwksUrl, jwksTimeoutMs: 1, jwksCooldownMs: 0, jwksCacheMaxAgeMs: Infinity })).not.toThrow();
    expect(() => jwtAuth({ jwksUrl: new URL(jwksUrl), clockTolerance: 0.5 })).not.toThrow();
  });

  it('refuses an algorithm name no JWS algorithm has (a misspelling matches no token), naming it', () => {
    // Prepare
    const jwksUrl = 'https://issuer.test/.well-known/jwks.json';

    for (const [algorithms, named] of [
      [['XX256'], 'XX256'],
      [['RS256', 'rs256'], 'rs256'],
      [['RSA256', 'ES256'], 'RSA256'],
    ] as const) {
      // Act
      const define = () => jwtAuth({ jwksUrl, algorithms });

      // Assert
      expect(define, named).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(define, named).toThrow(`jwtAuth() algorithms names no JWS algorithm: ${named}`);
    }
    expect(() => jwtAuth({ jwksUrl, algorithms: ['RS256', 'PS512', 'ES384', 'EdDSA', 'Ed25519'] })).not.toThrow();
    expect(() => jwtAuth({ secret: 'x'.repeat(64), algorithms: ['HS512'] })).not.toThrow();
  });

  it('refuses an HMAC algorithm next to a key set when the function is defined, naming it', () => {
    // Prepare
    const jwksUrl = 'https://issuer.test/.well-known/jwks.json';

    for (const algorithms of [['RS256', 'HS256'], ['HS512'], ['ES256', 'HS256', 'HS384']]) {
      // Act
      const define = () => jwtAuth({ jwksUrl, algorithms });

      // Assert
      expect(define, algorithms.join()).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(define, algorithms.join()).toThrow(
        `jwtAuth() jwksUrl cannot verify ${algorithms.filter((alg) => alg.startsWith('HS')).join(', ')}`,
      );
    }
    expect(() => jwtAuth({ jwksUrl, algorithms: ['RS256', 'ES256'] })).not.toThrow();
  });

  it('refuses key material that cannot verify the accepted algorithms when the function is defined', async () => {
    // Prepare: keys a config could hand over, past the types.
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const bad: [string, Parameters<typeof jwtAuth>[0]][] = [
      ['a private JWK', { publicKey: await exportJWK(rsa.privateKey) }],
      ['an HMAC JWK', { publicKey: { kty: 'oct', k: Buffer.alloc(32).toString('base64url') } }],
      ['a PEM string', { publicKey: (await exportSPKI(rsa.publicKey)) as unknown as JWK }],
      ['a private CryptoKey', { publicKey: rsa.privateKey }],
      ['a 1024-bit RSA key', { publicKey: weak }],
      ['an RSA key for ES256 only', { publicKey: rsa.publicKey, algorithms: ['ES256'] }],
      ['a JWK whose alg does not fit its key', { publicKey: { ...ecJwk, alg: 'RS256' } }],
      ['a secret for RS256 only', { secret: 'x'.repeat(32), algorithms: ['RS256'] }],
      ['a secret that is a number', { secret: 1234567890 as unknown as string }],
    ];

    // Act
    const outcomes = bad.map(([name, options]) => {
      try {
        jwtAuth(options);
        return [name, 'accepted'];
      } catch (error) {
        return [name, error instanceof SkyportError ? error.code : String(error)];
      }
    });

    // Assert
    expect(outcomes).toEqual(bad.map(([name]) => [name, 'INVALID_DEFINITION']));
    for (const publicKey of [
      rsa.publicKey,
      ec.publicKey,
      rsaJwk,
      createPublicKey({ key: ecJwk as JsonWebKey, format: 'jwk' }),
    ]) {
      expect(() => jwtAuth({ publicKey })).not.toThrow();
    }
  });

  it('accepts Ed25519 tokens by default, under the fully specified name as under EdDSA', async () => {
    // Prepare: the same Ed25519 key as a public key and in a key set (no alg on the JWK).
    const ed = await generateKeyPair('Ed25519', { extractable: true });
    const server = await startKeyServer([{ ...(await exportJWK(ed.publicKey)), kid: 'ed-1' }]);
    const direct = http()
      .use(jwtAuth({ publicKey: ed.publicKey, issuer, audience }))
      .handle((_req, ctx) => ctx.auth.subject);
    const fromSet = http()
      .use(jwtAuth({ jwksUrl: server.url, issuer, audience }))
      .handle((_req, ctx) => ctx.auth.subject);
    const send = async (fn: typeof direct, alg: string) => {
      const token = await sign({}, { key: ed.privateKey, alg, kid: 'ed-1' });
      return invoke(fn, httpRequest({ headers: { authorization: `Bearer ${token}` } }));
    };

    try {
      // Act
      const results = await Promise.all([
        send(direct, 'Ed25519'),
        send(fromSet, 'Ed25519'),
        send(direct, 'EdDSA'),
        send(fromSet, 'EdDSA'),
      ]);

      // Assert
      expect(results.map((res) => [res.status, res.text])).toEqual(results.map(() => [200, 'user-42']));
    } finally {
      await close(server.server);
    }
  });

  it('accepts only the algorithms the key can verify, so a token cannot pick one it would choke on', async () => {
    // Prepare: an RS256 CryptoKey; a token claiming PS256 or ES256.
    const fn = http()
      .use(jwtAuth({ publicKey: rsa.publicKey, issuer, audience }))
      .handle(() => 'never');
    const [, payload, signature] = (await sign({})).split('.');
    const claiming = (alg: string) => `${b64url({ alg, kid: 'rsa-1' })}.${payload}.${signature}`;

    // Act
    const results = await Promise.all(
      ['PS256', 'ES256'].map((alg) =>
        invoke(fn, httpRequest({ headers: { authorization: `Bearer ${claiming(alg)}` } })),
      ),
    );

    // Assert
    for (const res of results) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error_description="the token algorithm is not accepted"');
    }
  });

  it('answers 500, not 401, when the verifier fails whatever the token (an RSA key too short in the key set)', async () => {
    // Prepare
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const server = await startKeyServer([{ ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' }]);
    const fn = http()
      .use(jwtAuth({ jwksUrl: server.url, issuer, audience }))
      .handle(() => 'never');
    const head = b64url({ alg: 'RS256', kid: 'weak' });
    const body = b64url({ sub: 'user-42', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 });
    const token = `${head}.${body}.${sign_('sha256', Buffer.from(`${head}.${body}`), weak.privateKey).toString('base64url')}`;
    const collector = collectLogs();

    try {
      // Act
      const res = await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${token}` } }));

      // Assert
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.text).not.toContain('modulusLength');
      expect(collector.find('authentication failed')).toEqual([]);
      expect(collector.find((line) => line.level === 50 || line.level === 'error').length).toBeGreaterThan(0);
    } finally {
      collector.restore();
      await close(server.server);
    }
  });

  it('refuses to be built without a key source', () => {
    expect(() => jwtAuth({ issuer } as unknown as Parameters<typeof jwtAuth>[0])).toThrow(SkyportError);
    const unset = { secret: null } as unknown as Parameters<typeof jwtAuth>[0];
    expect(() => jwtAuth(unset)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it('refuses more than one key source when the function is defined, naming them', () => {
    // Prepare: options a config object could spread in, past the types.
    const jwksUrl = 'https://issuer.test/.well-known/jwks.json';
    const strong = 'x'.repeat(32);
    const { publicKey } = ec;
    const several = [
      [{ secret: strong, jwksUrl }, 'jwksUrl and secret'],
      [{ jwksUrl, publicKey }, 'jwksUrl and publicKey'],
      [{ secret: strong, publicKey }, 'secret and publicKey'],
      [{ jwksUrl, secret: strong, publicKey }, 'jwksUrl and secret and publicKey'],
      // An unset variable read as '' is still a second source, not a missing one.
      [{ jwksUrl, secret: '' }, 'jwksUrl and secret'],
    ] as const;

    for (const [options, named] of several) {
      // Act
      const define = () => jwtAuth(options as unknown as Parameters<typeof jwtAuth>[0]);

      // Assert
      expect(define, named).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(define, named).toThrow(`exactly one of jwksUrl, secret or publicKey, got ${named}`);
    }
  });
});

describe('a principal preset by invoke()', () => {
  const preset: Principal = { subject: 'tester', claims: {}, scopes: ['orders:write'], roles: [], source: 'jwt' };

  it('is ignored by jwtAuth, which always verifies the request', async () => {
    const res = await invoke(secured(), httpRequest({ path: '/me' }), { auth: preset });
    expect(res.status).toBe(401);
  });

  it('is what requireScopes checks, since requireScopes reads ctx.auth whoever set it', async () => {
    const guard = requireScopes('orders:write');
    const next = async () => ({ status: 204, headers: {}, cookies: [], body: undefined });
    const req = createHttpRequest({ method: 'GET', path: '/' });
    const allowed = fakeContext({ extra: { auth: preset } }) as Context & AuthContext;
    const denied = fakeContext({ extra: { auth: { ...preset, scopes: [] } } }) as Context & AuthContext;
    await expect(guard.handle(req, allowed, next)).resolves.toMatchObject({ status: 204 });
    await expect(guard.handle(req, denied, next)).rejects.toMatchObject({ status: 403 });
  });
});
