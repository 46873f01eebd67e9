/** How the auth middleware in docs/middleware.md fail: statuses, challenges, bodies and logs. */
import { type Context, createHttpRequest, type HttpResponse, http } from '@skyport/core';
import {
  type AuthContext,
  apiKeyAuth,
  cloudPrincipal,
  jwtAuth,
  type Principal,
  requireScopes,
} from '@skyport/core/auth';
import { collectLogs, fakeContext, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const secret = 'a-shared-secret-of-at-least-32-bytes';
const issuer = 'https://id.shop.example/';
const audience = 'orders-api';

const sign = (claims: Record<string, unknown>, options: { key?: string; alg?: string } = {}) =>
  new SignJWT({ iss: issuer, aud: audience, sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .sign(new TextEncoder().encode(options.key ?? secret));
const inMinutes = (minutes: number) => Math.floor(Date.now() / 1000) + minutes * 60;

const orders = http({ method: 'GET', path: '/orders' })
  .use(jwtAuth({ secret, issuer, audience, realm: 'shop', requiredScopes: ['orders:read', 'orders:export'] }))
  .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
const plain = http()
  .use(jwtAuth({ secret }))
  .handle(() => 'ok');
const ingest = http({ method: 'POST', path: '/ingest' })
  .use(apiKeyAuth({ keys: ['the-partner-key'] }))
  .handle(() => ({ status: 202 }));

const call = (authorization: string | undefined) =>
  invoke(orders, httpRequest({ path: '/orders', headers: authorization === undefined ? {} : { authorization } }));

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

describe('jwtAuth() failures', () => {
  it('answers 401 with a bare challenge (and the realm) when no credential is sent', async () => {
    const res = await call(undefined);
    const basic = await call('Basic dXNlcjpwYXNz');
    const withoutRealm = await invoke(plain, httpRequest());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="shop"');
    // Another scheme is no Bearer credential: the same bare challenge, without an error code.
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="shop"');
    expect(withoutRealm.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it.each([
    ['a malformed Authorization header', async () => 'Bearer abc.def-secret extra'],
    ['a token that is not a JWT', async () => 'Bearer not-a-jwt'],
    ['an expired token', async () => `Bearer ${await sign({ exp: inMinutes(-1) })}`],
    ['a token not valid yet', async () => `Bearer ${await sign({ exp: inMinutes(10), nbf: inMinutes(5) })}`],
    ['the wrong issuer', async () => `Bearer ${await sign({ exp: inMinutes(5), iss: 'https://evil.example/' })}`],
    ['the wrong audience', async () => `Bearer ${await sign({ exp: inMinutes(5), aud: 'billing-api' })}`],
    [
      'a bad signature',
      async () => `Bearer ${await sign({ exp: inMinutes(5) }, { key: 'another-secret-of-at-least-32-bytes' })}`,
    ],
    ['an algorithm not allowed', async () => `Bearer ${await sign({ exp: inMinutes(5) }, { alg: 'HS512' })}`],
  ])('answers 401 invalid_token to %s, echoing nothing and logging one info line', async (_case, credential) => {
    const fn = http()
      .use(jwtAuth({ secret, issuer, audience, algorithms: ['HS256'], realm: 'shop' }))
      .handle(() => 'ok');
    const authorization = await credential();
    const res = await invoke(fn, httpRequest({ headers: { authorization } }));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="shop", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
    const secretPart = authorization.split(' ')[1] as string;
    expect(res.text).not.toContain(secretPart);
    expect(logs.text()).not.toContain(secretPart);
    expect(logs.find('authentication failed')).toEqual([
      expect.objectContaining({ level: 'info', auth: 'jwt', reason: expect.any(String) }),
    ]);
  });

  it('answers 403 insufficient_scope naming the missing scopes', async () => {
    const res = await call(`Bearer ${await sign({ exp: inMinutes(5), scope: 'orders:write' })}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="shop", error="insufficient_scope", scope="orders:read orders:export"',
    );
    expect(res.body).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
    expect(logs.find('authorization failed')).toEqual([expect.objectContaining({ level: 'info', auth: 'jwt' })]);
  });

  it('accepts a token with every required scope', async () => {
    const res = await call(`Bearer ${await sign({ exp: inMinutes(5), scope: 'orders:read orders:export' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'user-1' });
  });
});

describe('apiKeyAuth() failures', () => {
  it('answers 401 with an ApiKey challenge naming the header', async () => {
    const missing = await invoke(ingest, httpRequest({ method: 'POST', path: '/ingest' }));
    const wrong = await invoke(
      ingest,
      httpRequest({ method: 'POST', path: '/ingest', headers: { 'x-api-key': 'a-guessed-key' } }),
    );
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('ApiKey realm="x-api-key"');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe(
      'ApiKey realm="x-api-key", error="invalid_token", error_description="the API key is not valid"',
    );
    expect(wrong.text).not.toContain('a-guessed-key');
    expect(logs.text()).not.toContain('a-guessed-key');
    expect(logs.find('authentication failed')).toEqual([
      expect.objectContaining({ level: 'info', auth: 'api-key', reason: 'missing' }),
      expect.objectContaining({ level: 'info', auth: 'api-key', reason: 'rejected' }),
    ]);
  });

  it('accepts a configured key', async () => {
    const res = await invoke(
      ingest,
      httpRequest({ method: 'POST', path: '/ingest', headers: { 'x-api-key': 'the-partner-key' } }),
    );
    expect(res.status).toBe(202);
  });

  it('needs keys or verify', () => {
    expect(() => apiKeyAuth({})).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });
});

describe('a principal preset with invoke(fn, req, { auth })', () => {
  const preset: Principal = {
    subject: 'tester',
    claims: {},
    scopes: ['orders:read', 'orders:export'],
    roles: [],
    source: 'jwt',
  };

  it('never bypasses jwtAuth(), apiKeyAuth() or cloudPrincipal()', async () => {
    const fromPlatform = http()
      .use(cloudPrincipal())
      .handle(() => 'ok');
    expect((await invoke(orders, httpRequest({ path: '/orders' }), { auth: preset })).status).toBe(401);
    expect((await invoke(ingest, httpRequest({ method: 'POST', path: '/ingest' }), { auth: preset })).status).toBe(401);
    expect((await invoke(fromPlatform, httpRequest(), { auth: preset, cloud: 'aws' })).status).toBe(401);
  });

  it('is what requireScopes() checks when called on its own', async () => {
    const guard = requireScopes('orders:export');
    const next = async (): Promise<HttpResponse> => ({ status: 204, headers: {}, cookies: [], body: undefined });
    const req = createHttpRequest({ method: 'GET', path: '/orders' });
    const withScope = fakeContext({ extra: { auth: preset } }) as Context & AuthContext;
    const withoutScope = fakeContext({ extra: { auth: { ...preset, scopes: [] } } }) as Context & AuthContext;
    await expect(guard.handle(req, withScope, next)).resolves.toMatchObject({ status: 204 });
    await expect(guard.handle(req, withoutScope, next)).rejects.toMatchObject({
      status: 403,
      code: 'INSUFFICIENT_SCOPE',
    });
  });
});
