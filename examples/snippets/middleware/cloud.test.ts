/** `cloudPrincipal()` in docs/middleware.md: what it reads on each cloud, and what it refuses to read. */
import { http } from '@skyport/core';
import { cloudPrincipal } from '@skyport/core/auth';
import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { azureMe, iapMe } from './cloud.js';
import { serveKeySets } from './keys.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
  vi.unstubAllGlobals();
});

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('on Azure, with App Service authentication', () => {
  const principal = {
    auth_typ: 'aad',
    claims: [
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-7' },
      { typ: 'roles', val: 'admin' },
      { typ: 'roles', val: 'reader' },
      { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'user_impersonation' },
    ],
  };
  const signedIn = httpRequest({ path: '/me', headers: { 'x-ms-client-principal': base64(principal) } });

  it('reads x-ms-client-principal: subject from the AAD object id, scopes from the AAD scope claim', async () => {
    const res = await invoke(azureMe, signedIn, { cloud: 'azure' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'oid-7', scopes: ['user_impersonation'] });
  });

  it('turns repeated claim types into arrays', async () => {
    const claims = http()
      .use(cloudPrincipal({ headers: ['azure-easy-auth'] }))
      .handle((_req, ctx) => ctx.auth.claims);
    const res = await invoke(claims, signedIn, { cloud: 'azure' });
    expect(res.body).toMatchObject({ roles: ['admin', 'reader'], auth_typ: 'aad' });
  });

  it('falls back to the Static Web Apps userId, then x-ms-client-principal-id', async () => {
    const swa = base64({
      identityProvider: 'github',
      userId: 'swa-1',
      userDetails: 'octocat',
      userRoles: ['anonymous'],
    });
    const fromSwa = await invoke(azureMe, httpRequest({ path: '/me', headers: { 'x-ms-client-principal': swa } }), {
      cloud: 'azure',
    });
    const fromId = await invoke(
      azureMe,
      httpRequest({
        path: '/me',
        headers: { 'x-ms-client-principal': base64({ claims: [] }), 'x-ms-client-principal-id': 'id-9' },
      }),
      { cloud: 'azure' },
    );
    expect(fromSwa.body).toEqual({ subject: 'swa-1', scopes: [] });
    expect(fromId.body).toEqual({ subject: 'id-9', scopes: [] });
  });

  it('answers 401 without the header, and 401 invalid_token (logged at warn) when it does not decode', async () => {
    const none = await invoke(azureMe, httpRequest({ path: '/me' }), { cloud: 'azure' });
    const garbled = await invoke(azureMe, httpRequest({ path: '/me', headers: { 'x-ms-client-principal': '%%%' } }), {
      cloud: 'azure',
    });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(garbled.status).toBe(401);
    expect(garbled.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(logs.find('authentication failed').map((line) => line.level)).toEqual(['info', 'warn']);
  });

  it('reads the header only on the platform the function runs on, and only when named', async () => {
    const unnamed = http()
      .use(cloudPrincipal())
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(azureMe, signedIn, { cloud: 'node' })).status).toBe(401);
    expect((await invoke(azureMe, signedIn, { cloud: 'gcp' })).status).toBe(401);
    expect((await invoke(unnamed, signedIn, { cloud: 'azure' })).status).toBe(401);
    const trusted = http()
      .use(cloudPrincipal({ headers: ['azure-easy-auth'], trust: ['azure'] }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(trusted, signedIn, { cloud: 'node' })).text).toBe('oid-7');
  });
});

describe('behind IAP', () => {
  const iapKeys = 'https://www.gstatic.com/iap/verify/public_key-jwk';
  const audience = '/projects/123/global/backendServices/456';
  let jwk: JWK;
  let assertion: (claims: { aud?: string; iss?: string }) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    jwk = { ...(await exportJWK(publicKey)), kid: 'iap-1', alg: 'ES256' };
    assertion = ({ aud = audience, iss = 'https://cloud.google.com/iap' }) =>
      new SignJWT({ email: 'ada@shop.example' })
        .setProtectedHeader({ alg: 'ES256', kid: 'iap-1' })
        .setSubject('accounts.google.com:1234')
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
  });
  beforeEach(() => {
    serveKeySets({ [iapKeys]: () => [jwk] });
  });

  const withAssertion = async (claims: { aud?: string; iss?: string } = {}) =>
    httpRequest({ path: '/me', headers: { 'x-goog-iap-jwt-assertion': await assertion(claims) } });

  it('verifies the signed assertion against Google’s IAP keys, on GCP and under serve() alike', async () => {
    for (const cloud of ['gcp', 'node'] as const) {
      const res = await invoke(iapMe, await withAssertion(), { cloud });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ subject: 'accounts.google.com:1234', email: 'ada@shop.example' });
    }
  });

  it('answers 401 invalid_token to an assertion for another audience or issuer', async () => {
    for (const claims of [{ aud: '/projects/123/global/backendServices/999' }, { iss: 'https://evil.example' }]) {
      const res = await invoke(iapMe, await withAssertion(claims), { cloud: 'gcp' });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('does not read the unsigned IAP headers unless named', async () => {
    const headers = {
      'x-goog-authenticated-user-id': 'accounts.google.com:1234',
      'x-goog-authenticated-user-email': 'accounts.google.com:ada@shop.example',
    };
    const named = http()
      .use(cloudPrincipal({ headers: ['gcp-iap-headers'] }))
      .handle((_req, ctx) => ctx.auth);
    expect((await invoke(iapMe, httpRequest({ path: '/me', headers }), { cloud: 'gcp' })).status).toBe(401);
    const res = await invoke(named, httpRequest({ path: '/me', headers }), { cloud: 'gcp' });
    expect(res.body).toEqual({
      subject: 'accounts.google.com:1234',
      claims: { sub: 'accounts.google.com:1234', email: 'ada@shop.example' },
      scopes: [],
      roles: [],
      source: 'gcp-iap',
    });
  });
});

describe('on AWS', () => {
  const whoami = http()
    .use(cloudPrincipal())
    .handle((_req, ctx) => ctx.auth);
  const withAuthorizer = (authorizer: Record<string, unknown>) => ({
    method: 'GET',
    path: '/me',
    raw: { version: '2.0', requestContext: { authorizer } },
  });

  it('reads the API Gateway authorizer from the untouched event', async () => {
    const jwt = await invoke(
      whoami,
      withAuthorizer({ jwt: { claims: { sub: 'user-1', scope: 'orders:read' }, scopes: ['orders:write'] } }),
      { cloud: 'aws' },
    );
    const iam = await invoke(whoami, withAuthorizer({ iam: { userArn: 'arn:aws:iam::123456789012:user/ada' } }), {
      cloud: 'aws',
    });
    const lambda = await invoke(whoami, withAuthorizer({ lambda: { principalId: 'ada', tier: 'gold' } }), {
      cloud: 'aws',
    });
    expect(jwt.body).toMatchObject({
      subject: 'user-1',
      scopes: ['orders:write', 'orders:read'],
      source: 'aws-jwt-authorizer',
    });
    expect(iam.body).toMatchObject({ subject: 'arn:aws:iam::123456789012:user/ada', source: 'aws-iam' });
    expect(lambda.body).toMatchObject({ subject: 'ada', claims: { tier: 'gold' }, source: 'aws-lambda-authorizer' });
  });

  it('answers 401 when API Gateway ran no authorizer', async () => {
    const res = await invoke(whoami, withAuthorizer({}), { cloud: 'aws' });
    expect(res.status).toBe(401);
  });
});
