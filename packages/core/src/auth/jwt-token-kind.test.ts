/** `jwtAuth()`'s `clientId`, `tokenUse` and `accept`: telling access tokens from ID tokens. */
import type { Server } from 'node:http';
import { HttpError, http } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { exportJWK, generateKeyPair, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyServer, startKeyServer } from './__fixtures__/key-server.js';
import { type JwtAuthOptions, jwtAuth } from './index.js';

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const now = () => Math.floor(Date.now() / 1000);

/** A token as the provider signs it: `typ` is the header's (`JWT` unless given). */
function sign(claims: JWTPayload, typ: string | undefined = 'JWT'): Promise<string> {
  const header: JWTHeaderParameters = { alg: 'RS256', kid: 'k1', ...(typ === undefined ? {} : { typ }) };
  return new SignJWT({ iat: now(), exp: now() + 300, ...claims }).setProtectedHeader(header).sign(privateKey);
}

let keyServer: KeyServer;
beforeAll(async () => {
  keyServer = await startKeyServer([{ ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' }]);
});
afterAll(() => new Promise<void>((resolve) => (keyServer.server as Server).close(() => resolve())));

type Options = Omit<JwtAuthOptions, 'jwksUrl' | 'secret' | 'publicKey'>;

/** The status each token gets from a function secured with `options`. */
async function statuses(options: Options, tokens: Record<string, string>): Promise<Record<string, number>> {
  const fn = http({ method: 'GET', path: '/orders' })
    .use(jwtAuth({ jwksUrl: keyServer.url, ...options }))
    .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
  const out: Record<string, number> = {};
  for (const [name, token] of Object.entries(tokens)) {
    const res = await invoke(fn, httpRequest({ path: '/orders', headers: { authorization: `Bearer ${token}` } }));
    out[name] = res.status;
  }
  return out;
}

/** The `WWW-Authenticate` challenge a token gets. */
async function challenge(options: Options, token: string): Promise<string | undefined> {
  const fn = http()
    .use(jwtAuth({ jwksUrl: keyServer.url, ...options }))
    .handle(() => 'ok');
  const res = await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${token}` } }));
  return res.headers['www-authenticate'];
}

describe('jwtAuth clientId (aud, or client_id when the token has no aud)', () => {
  const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
  const cognito = async () => ({
    access: await sign({ iss: issuer, sub: 'u-1', client_id: 'app1', token_use: 'access', scope: 'orders/read' }),
    otherClient: await sign({ iss: issuer, sub: 'u-1', client_id: 'app2', token_use: 'access', scope: 'orders/read' }),
    id: await sign({ iss: issuer, sub: 'u-1', aud: 'app1', token_use: 'id', email: 'a@example.com' }),
    idOfOtherClient: await sign({ iss: issuer, sub: 'u-1', aud: 'app2', token_use: 'id' }),
    neither: await sign({ iss: issuer, sub: 'u-1', token_use: 'access' }),
  });

  it('accepts a Cognito access token by its client_id, as API Gateway does, and the ID token by its aud', async () => {
    // Prepare
    const tokens = await cognito();

    // Act
    const result = await statuses({ issuer, clientId: 'app1' }, tokens);

    // Assert
    expect(result).toEqual({ access: 200, otherClient: 401, id: 200, idOfOtherClient: 401, neither: 401 });
  });

  it('refuses the Cognito ID token with tokenUse "access", keeping the access token', async () => {
    const tokens = await cognito();
    const result = await statuses({ issuer, clientId: ['app0', 'app1'], tokenUse: 'access' }, tokens);
    expect(result).toEqual({ access: 200, otherClient: 401, id: 401, idOfOtherClient: 401, neither: 401 });
  });

  it('reads aud and never client_id when the token has aud, as API Gateway does', async () => {
    // Prepare
    const both = await sign({ iss: issuer, aud: 'app2', client_id: 'app1' });
    const listed = await sign({ iss: issuer, aud: ['other', 'app1'], client_id: 'app2' });
    const emptyAud = await sign({ iss: issuer, aud: [], client_id: 'app1' });

    // Act
    const result = await statuses({ issuer, clientId: 'app1' }, { both, listed, emptyAud });

    // Assert
    expect(result).toEqual({ both: 401, listed: 200, emptyAud: 401 });
  });

  it('names the audience only when it was checked, not when aud and client_id are missing or malformed', async () => {
    const wrong = await sign({ iss: issuer, client_id: 'app2' });
    const missing = await sign({ iss: issuer });
    const malformed = await sign({ iss: issuer, client_id: 42 });
    expect(await challenge({ clientId: 'app1' }, wrong)).toContain('the token audience is not accepted');
    expect(await challenge({ clientId: 'app1' }, missing)).toContain('the token claims are not accepted');
    expect(await challenge({ clientId: 'app1' }, malformed)).toContain('the token claims are not accepted');
  });
});

describe('jwtAuth tokenUse', () => {
  it('refuses Keycloak ID and refresh tokens (typ claim) with tokenUse "access"', async () => {
    // Prepare
    const iss = 'https://kc.example/realms/shop';
    const tokens = {
      access: await sign({ iss, aud: ['orders-api', 'account'], sub: 'u1', typ: 'Bearer', azp: 'spa' }),
      id: await sign({ iss, aud: 'orders-api', sub: 'u1', typ: 'ID', azp: 'orders-api', nonce: 'n' }),
      refresh: await sign({ iss, aud: 'orders-api', sub: 'u1', typ: 'Refresh' }),
    };

    // Act
    const lenient = await statuses({ issuer: iss, audience: 'orders-api' }, tokens);
    const strict = await statuses({ issuer: iss, audience: 'orders-api', tokenUse: 'access' }, tokens);
    const idOnly = await statuses({ issuer: iss, audience: 'orders-api', tokenUse: 'id' }, tokens);

    // Assert
    expect(lenient).toEqual({ access: 200, id: 200, refresh: 200 });
    expect(strict).toEqual({ access: 200, id: 401, refresh: 401 });
    expect(idOnly).toEqual({ access: 401, id: 200, refresh: 401 });
  });

  it('reads the typ header: at+jwt (RFC 9068) is an access token, another explicit type is neither kind', async () => {
    // Prepare
    const iss = 'https://shop.eu.auth0.com/';
    const claims = { iss, aud: 'https://api.shop.example', sub: 'auth0|1' };
    const tokens = {
      at: await sign(claims, 'at+jwt'),
      atMediaType: await sign(claims, 'application/AT+JWT'),
      jwt: await sign(claims, 'JWT'),
      untyped: await sign(claims, undefined),
      logout: await sign(claims, 'logout+jwt'),
    };

    // Act
    const access = await statuses({ issuer: iss, tokenUse: 'access' }, tokens);
    const id = await statuses({ issuer: iss, tokenUse: 'id' }, tokens);

    // Assert
    expect(access).toEqual({ at: 200, atMediaType: 200, jwt: 200, untyped: 200, logout: 401 });
    expect(id).toEqual({ at: 401, atMediaType: 401, jwt: 200, untyped: 200, logout: 401 });
  });

  it('answers 401 invalid_token saying what the token is not', async () => {
    const id = await sign({ token_use: 'id' });
    expect(await challenge({ tokenUse: 'access' }, id)).toBe(
      'Bearer error="invalid_token", error_description="the token is not an access token"',
    );
    const access = await sign({ token_use: 'access' });
    expect(await challenge({ tokenUse: 'id' }, access)).toContain('"the token is not an ID token"');
  });
});

describe('jwtAuth accept', () => {
  it('refuses an Entra ID token that names the API, which nothing else tells apart', async () => {
    // Prepare
    const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const api = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
    const iss = `https://login.microsoftonline.com/${tid}/v2.0`;
    const tokens = {
      delegated: await sign({ aud: api, iss, azp: 'spa', scp: 'Orders.Read', sub: 's', tid, ver: '2.0' }),
      appOnly: await sign({
        aud: api,
        iss,
        azp: 'daemon',
        roles: ['Orders.ReadWrite.All'],
        sub: 'sp',
        tid,
        ver: '2.0',
      }),
      id: await sign({ aud: api, iss, sub: 's', tid, nonce: 'n', preferred_username: 'a@c', ver: '2.0' }),
    };
    const options = { issuer: iss, audience: api };

    // Act
    const lenient = await statuses(options, tokens);
    const strict = await statuses({ ...options, accept: (claims) => 'scp' in claims || 'roles' in claims }, tokens);

    // Assert
    expect(lenient).toEqual({ delegated: 200, appOnly: 200, id: 200 });
    expect(strict).toEqual({ delegated: 200, appOnly: 200, id: 401 });
  });

  it('sees the verified claims and header, may be async, and accepts only on true', async () => {
    // Prepare
    const token = await sign({ sub: 'u1', client_id: 'known' }, 'at+jwt');
    const seen: [JWTPayload, JWTHeaderParameters][] = [];
    const verdicts: unknown[] = [true, false, undefined, 1, 'yes', Promise.resolve(true), Promise.resolve(false)];

    // Act
    const results: number[] = [];
    for (const verdict of verdicts) {
      const accept = ((claims: JWTPayload, header: JWTHeaderParameters) => {
        seen.push([claims, header]);
        return verdict;
      }) as NonNullable<JwtAuthOptions['accept']>;
      results.push(...Object.values(await statuses({ accept }, { token })));
    }

    // Assert
    expect(results).toEqual([200, 401, 401, 401, 401, 200, 401]);
    expect(seen[0]?.[0]).toMatchObject({ sub: 'u1', client_id: 'known' });
    expect(seen[0]?.[1]).toEqual({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' });
    expect(await challenge({ accept: () => false }, token)).toContain('"the token is not accepted"');
  });

  it('is not called for a token that failed another check', async () => {
    let calls = 0;
    const accept = () => {
      calls++;
      return true;
    };
    const expired = await sign({ exp: now() - 60 });
    const idToken = await sign({ token_use: 'id' });
    expect(await statuses({ tokenUse: 'access', accept }, { expired, idToken })).toEqual({
      expired: 401,
      idToken: 401,
    });
    expect(calls).toBe(0);
  });

  it('answers with what it throws: an HttpError its status, any other error a 500', async () => {
    const token = await sign({ sub: 'u1' });
    const forbidden = await statuses(
      { accept: () => Promise.reject(new HttpError(403, 'tenant disabled')) },
      { token },
    );
    const broken = await statuses({ accept: () => JSON.parse('{') as boolean }, { token });
    expect(forbidden).toEqual({ token: 403 });
    expect(broken).toEqual({ token: 500 });
  });
});

describe('jwtAuth clientId, tokenUse and accept options', () => {
  const jwksUrl = 'https://issuer.test/.well-known/jwks.json';
  const refused = (options: Record<string, unknown>, message: string) =>
    expect(() => jwtAuth({ jwksUrl, ...options } as JwtAuthOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining(message) }),
    );

  it('refuses bad values when the function is defined', () => {
    for (const clientId of ['', [], [''], 5, null]) {
      refused({ clientId }, 'jwtAuth() clientId must be a non-empty string or a non-empty list of them');
    }
    refused({ clientId: 'app1', audience: 'app1' }, 'jwtAuth() takes audience or clientId, not both');
    for (const tokenUse of ['Access', 'refresh', null, true]) {
      refused({ tokenUse }, 'jwtAuth() tokenUse must be "access" or "id", got');
    }
    for (const accept of [true, 'scp', null]) {
      refused({ accept }, 'jwtAuth() accept must be a function (claims, header) => boolean');
    }
    refused({ tokenUser: 'access' }, 'unknown option "tokenUser" (did you mean "tokenUse"?)');
    refused({ clientID: 'app1' }, 'unknown option "clientID" (did you mean "clientId"?)');
    expect(() => jwtAuth({ jwksUrl, clientId: ['a', 'b'], tokenUse: 'id', accept: () => true })).not.toThrow();
  });
});

describe('jwtAuth accept, in order', () => {
  it('runs once requiredScopes has passed: a token without the scope gets 403 and accept is never asked', async () => {
    // Prepare
    const asked: unknown[] = [];
    const options: Options = {
      requiredScopes: ['orders:write'],
      accept: (claims) => {
        asked.push(claims.sub);
        return claims.sub !== 'blocked';
      },
    };
    const tokens = {
      noScope: await sign({ sub: 'u1', scope: 'orders:read' }),
      blocked: await sign({ sub: 'blocked', scope: 'orders:write' }),
      fine: await sign({ sub: 'u2', scope: 'orders:write' }),
    };

    // Act
    const answers = await statuses(options, tokens);

    // Assert
    expect(answers).toEqual({ noScope: 403, blocked: 401, fine: 200 });
    expect(asked).toEqual(['blocked', 'u2']);
  });

  it('is not asked about a token another check refused', async () => {
    // Prepare
    const asked: unknown[] = [];
    const options: Options = {
      tokenUse: 'access',
      accept: (claims) => {
        asked.push(claims.sub);
        return true;
      },
    };

    // Act
    const answers = await statuses(options, { id: await sign({ sub: 'u1', token_use: 'id' }) });

    // Assert
    expect(answers).toEqual({ id: 401 });
    expect(asked).toEqual([]);
  });
});
