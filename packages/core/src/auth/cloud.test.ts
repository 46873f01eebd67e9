import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Cloud,
  createMessage,
  createMiddleware,
  type HttpRequestInit,
  http,
  queue,
  SkyportError,
} from '@skyport/core';
import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AuthContext,
  apiKeyAuth,
  cloudPrincipal,
  jwtAuth,
  type Principal,
  requireScopes,
  safeEqual,
} from './index.js';

type Event = { headers: Record<string, string>; rawPath: string; requestContext: Record<string, unknown> };

function fixture(path: string): Event {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${path}`, import.meta.url), 'utf8')) as Event;
}

/** The request an AWS adapter would build from an API Gateway event: headers plus the untouched event. */
function awsRequest(event: Event): HttpRequestInit {
  return { method: 'GET', path: event.rawPath ?? '/', headers: event.headers, raw: event };
}

const whoami = http({ method: 'GET', path: '/*' })
  .use(cloudPrincipal())
  .handle((_req, ctx) => {
    expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
    return ctx.auth;
  });

/** The same function with every platform identity header it may read enabled. */
const trusting = http({ method: 'GET', path: '/*' })
  .use(cloudPrincipal({ headers: ['azure-easy-auth', 'gcp-api-gateway', 'gcp-iap-headers'] }))
  .handle((_req, ctx) => ctx.auth);

const onCloud = (cloud: Cloud) => ({ cloud });

/** An IAP assertion for `audience`, signed with `key` under the kid `iap-1`, valid for five minutes. */
const iapAssertion = (key: Parameters<SignJWT['sign']>[0], audience: string, claims: Record<string, unknown> = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'iap-1' })
    .setSubject('accounts.google.com:42')
    .setIssuer('https://cloud.google.com/iap')
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cloudPrincipal on AWS', () => {
  it('reads the HTTP API JWT authorizer claims and scopes', async () => {
    const res = await invoke(
      whoami,
      awsRequest(fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json')),
      onCloud('aws'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      subject: undefined,
      claims: { claim1: 'value1', claim2: 'value2' },
      scopes: ['scope1', 'scope2'],
      roles: [],
      source: 'aws-jwt-authorizer',
    });
  });

  it('reads the HTTP API Lambda authorizer context', async () => {
    const res = await invoke(
      whoami,
      awsRequest(fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-lambda-authorizer.json')),
      onCloud('aws'),
    );
    expect(res.body).toEqual({ claims: { key: 'value' }, scopes: [], roles: [], source: 'aws-lambda-authorizer' });
  });

  it('reads IAM auth with the caller ARN as subject', async () => {
    // Prepare: IAM user credentials, no Cognito identity.
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-iam.json');
    const { cognitoIdentity: _none, ...iam } = (event.requestContext.authorizer as { iam: Record<string, unknown> })
      .iam;
    const signed = { ...event, requestContext: { ...event.requestContext, authorizer: { iam } } };

    // Act
    const res = await invoke(whoami, awsRequest(signed), onCloud('aws'));

    // Assert
    expect(res.body).toMatchObject({ subject: 'arn:aws:iam::1234567890:user/Admin', source: 'aws-iam', scopes: [] });
  });

  it('reads a REST API Lambda authorizer (principalId plus flattened context)', async () => {
    const res = await invoke(
      whoami,
      awsRequest(fixture('aws/apigw-rest/aws-lambda-go__apigw-request.json')),
      onCloud('aws'),
    );
    expect(res.body).toEqual({
      subject: 'admin',
      claims: { principalId: 'admin', clientId: 1, clientName: 'Exata' },
      scopes: [],
      roles: [],
      source: 'aws-lambda-authorizer',
    });
  });

  it('reads REST API IAM auth from requestContext.identity, with the caller ARN as subject', async () => {
    // Prepare
    const event = fixture('aws/apigw-rest/powertools-ts__no-auth.json');
    const caller = {
      userArn: 'arn:aws:iam::123456789012:user/alice',
      caller: 'AIDAEXAMPLEALICE',
      accessKey: 'AKIAEXAMPLEKEY',
      accountId: '123456789012',
      user: 'AIDAEXAMPLEALICE',
      apiKey: 'usage-plan-key',
    };
    const signed = {
      ...event,
      requestContext: {
        ...event.requestContext,
        identity: { ...(event.requestContext.identity as object), ...caller },
      },
    };

    // Act
    const res = await invoke(whoami, awsRequest(signed), onCloud('aws'));
    const anonymous = await invoke(whoami, awsRequest(event), onCloud('aws'));

    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      subject: 'arn:aws:iam::123456789012:user/alice',
      claims: {
        userArn: 'arn:aws:iam::123456789012:user/alice',
        caller: 'AIDAEXAMPLEALICE',
        accessKey: 'AKIAEXAMPLEKEY',
        accountId: '123456789012',
        user: 'AIDAEXAMPLEALICE',
      },
      scopes: [],
      roles: [],
      source: 'aws-iam',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
  });

  it('reads the JWT authorizer scope list and HTTP API bracketed list claims, once each', async () => {
    // Prepare
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json');
    const withAuthorizer = (authorizer: unknown) => ({
      ...event,
      requestContext: { ...event.requestContext, authorizer },
    });
    const cases = [
      { jwt: { claims: { sub: 'u1', scp: '[read write]' }, scopes: ['read', 'write'] } },
      { jwt: { claims: { sub: 'u1', scp: '[read write]' }, scopes: null } },
      { jwt: { claims: { sub: 'u1', scope: '[read write]' } } },
      // HTTP API payload 1.0 puts the JWT authorizer's claims and scopes straight on `authorizer`.
      { claims: { sub: 'u1', scope: 'read' }, scopes: ['read', 'write'] },
    ];

    // Act
    const results = await Promise.all(cases.map((c) => invoke(whoami, awsRequest(withAuthorizer(c)), onCloud('aws'))));

    // Assert
    for (const res of results) {
      expect(res.body).toMatchObject({ subject: 'u1', scopes: ['read', 'write'], source: 'aws-jwt-authorizer' });
    }
  });

  it('answers 401 when API Gateway ran no authorizer', async () => {
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json');
    const res = await invoke(
      whoami,
      awsRequest({ ...event, requestContext: { ...event.requestContext, authorizer: undefined } }),
      onCloud('aws'),
    );
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('cloudPrincipal with Cognito identity pool credentials (IAM auth)', () => {
  const pool = 'us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce';
  const signedIn = [
    'authenticated',
    'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
    'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:CognitoSignIn:3f2a',
  ];
  /** An HTTP API event signed with the credentials the pool gave one identity (every user shares the role). */
  function httpApi(identityId: string | null, amr: string[], role = 'AuthRole'): Event {
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-iam.json');
    const iam = {
      accessKey: 'ASIAEXAMPLE',
      accountId: '123456789012',
      callerId: 'AROAEXAMPLE:CognitoIdentityCredentials',
      cognitoIdentity: { amr, identityId, identityPoolId: pool },
      principalOrgId: null,
      userArn: `arn:aws:sts::123456789012:assumed-role/${role}/CognitoIdentityCredentials`,
      userId: 'AROAEXAMPLE:CognitoIdentityCredentials',
    };
    return { ...event, requestContext: { ...event.requestContext, authorizer: { iam } } };
  }
  /** The same through a REST API, where the caller is in `requestContext.identity`. */
  function restApi(identityId: string | null, type: string): Event {
    const event = fixture('aws/apigw-rest/powertools-ts__no-auth.json');
    const identity = {
      ...(event.requestContext.identity as object),
      cognitoIdentityPoolId: pool,
      accountId: '123456789012',
      cognitoIdentityId: identityId,
      caller: 'AROAEXAMPLE:CognitoIdentityCredentials',
      accessKey: 'ASIAEXAMPLE',
      cognitoAuthenticationType: type,
      cognitoAuthenticationProvider:
        type === 'authenticated'
          ? 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc,cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:CognitoSignIn:3f2a'
          : null,
      userArn: `arn:aws:sts::123456789012:assumed-role/${type === 'authenticated' ? 'authRole' : 'unauthRole'}/CognitoIdentityCredentials`,
      user: 'AROAEXAMPLE:CognitoIdentityCredentials',
    };
    return { ...event, requestContext: { ...event.requestContext, identity } };
  }
  it('takes the identity id as subject, so users sharing the role are told apart', async () => {
    // Act
    const alice = await invoke(whoami, awsRequest(httpApi('us-east-1:alice', signedIn)), onCloud('aws'));
    const bob = await invoke(whoami, awsRequest(httpApi('us-east-1:bob', signedIn)), onCloud('aws'));
    const restAlice = await invoke(whoami, awsRequest(restApi('us-east-1:alice', 'authenticated')), onCloud('aws'));
    const restBob = await invoke(whoami, awsRequest(restApi('us-east-1:bob', 'authenticated')), onCloud('aws'));

    // Assert
    expect(alice.body).toMatchObject({
      subject: 'us-east-1:alice',
      claims: {
        userArn: 'arn:aws:sts::123456789012:assumed-role/AuthRole/CognitoIdentityCredentials',
        cognitoIdentity: { identityId: 'us-east-1:alice', identityPoolId: pool },
        cognitoAuthenticationType: 'authenticated',
      },
      source: 'aws-iam',
    });
    expect(bob.body).toMatchObject({ subject: 'us-east-1:bob', source: 'aws-iam' });
    expect(restAlice.body).toMatchObject({
      subject: 'us-east-1:alice',
      claims: {
        userArn: 'arn:aws:sts::123456789012:assumed-role/authRole/CognitoIdentityCredentials',
        cognitoIdentityId: 'us-east-1:alice',
        cognitoAuthenticationType: 'authenticated',
      },
      source: 'aws-iam',
    });
    expect(restBob.body).toMatchObject({ subject: 'us-east-1:bob', source: 'aws-iam' });
  });

  it('refuses a guest (an unauthenticated identity) with 401 by default, logged at info', async () => {
    // Prepare
    const logs = collectLogs();
    try {
      // Act
      const guests = [
        await invoke(whoami, awsRequest(httpApi('us-east-1:guest', ['unauthenticated'], 'UnauthRole')), onCloud('aws')),
        await invoke(whoami, awsRequest(restApi('us-east-1:guest', 'unauthenticated')), onCloud('aws')),
        // Anything the pool did not mark authenticated is read as a guest.
        await invoke(
          whoami,
          awsRequest(fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-iam.json')),
          onCloud('aws'),
        ),
      ];

      // Assert
      for (const res of guests) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body).toMatchObject({ detail: 'a Cognito identity pool guest is not accepted here' });
      }
      expect(logs.lines).toMatchObject([
        { auth: 'aws-iam', reason: 'cognito-guest' },
        { auth: 'aws-iam', reason: 'cognito-guest' },
        { auth: 'aws-iam', reason: 'cognito-guest' },
      ]);
    } finally {
      logs.restore();
    }
  });

  it('lets a guest in with allowCognitoGuests, marked unauthenticated in its claims', async () => {
    // Prepare
    const guestsWelcome = http({ method: 'GET', path: '/*' })
      .use(cloudPrincipal({ allowCognitoGuests: true }))
      .handle((_req, ctx) => ctx.auth);

    // Act
    const viaHttpApi = await invoke(
      guestsWelcome,
      awsRequest(httpApi('us-east-1:guest', ['unauthenticated'], 'UnauthRole')),
      onCloud('aws'),
    );
    const viaRest = await invoke(
      guestsWelcome,
      awsRequest(restApi('us-east-1:guest', 'unauthenticated')),
      onCloud('aws'),
    );
    const member = await invoke(guestsWelcome, awsRequest(httpApi('us-east-1:alice', signedIn)), onCloud('aws'));

    // Assert
    for (const res of [viaHttpApi, viaRest]) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        subject: 'us-east-1:guest',
        claims: { cognitoAuthenticationType: 'unauthenticated' },
        source: 'aws-iam',
      });
    }
    expect(member.body).toMatchObject({
      subject: 'us-east-1:alice',
      claims: { cognitoAuthenticationType: 'authenticated' },
    });
  });

  it('answers 401 invalid_token for Cognito credentials that name no identity', async () => {
    const viaHttpApi = await invoke(whoami, awsRequest(httpApi(null, signedIn)), onCloud('aws'));
    const viaRest = await invoke(whoami, awsRequest(restApi(null, 'authenticated')), onCloud('aws'));
    for (const res of [viaHttpApi, viaRest]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it('refuses an allowCognitoGuests that is not a boolean when the function is defined', () => {
    for (const value of ['false', 1, null]) {
      expect(() => cloudPrincipal({ allowCognitoGuests: value as unknown as boolean })).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
    }
    expect(() => cloudPrincipal({ allowCognitoGuests: false })).not.toThrow();
  });
});

describe('cloudPrincipal gives the same shape on every cloud', () => {
  const claims = { sub: 'user-1', scope: 'orders:read orders:write', email: 'u@example.com' };
  const expected = { subject: 'user-1', scopes: ['orders:read', 'orders:write'], roles: [] };

  it('AWS JWT authorizer', async () => {
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json');
    const raw = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { jwt: { claims, scopes: null } } },
    };
    const res = await invoke(whoami, awsRequest(raw), onCloud('aws'));
    expect(res.body).toEqual({ ...expected, claims, source: 'aws-jwt-authorizer' });
  });

  it('Azure App Service x-ms-client-principal', async () => {
    const principal = {
      auth_typ: 'aad',
      claims: Object.entries(claims).map(([typ, val]) => ({ typ, val })),
      name_typ: 'name',
      role_typ: 'roles',
    };
    const res = await invoke(
      trusting,
      httpRequest({ headers: { 'x-ms-client-principal': base64(principal) } }),
      onCloud('azure'),
    );
    expect(res.body).toEqual({ ...expected, claims: { ...claims, auth_typ: 'aad' }, source: 'azure-app-service' });
  });

  it('Azure with repeated claims and the AAD object id', async () => {
    const principal = {
      auth_typ: 'aad',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-7' },
        { typ: 'roles', val: 'admin' },
        { typ: 'roles', val: 'reader' },
        { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'user_impersonation' },
      ],
    };
    const res = await invoke(
      trusting,
      httpRequest({ headers: { 'x-ms-client-principal': base64(principal) } }),
      onCloud('azure'),
    );
    expect(res.body).toMatchObject({
      subject: 'oid-7',
      scopes: ['user_impersonation'],
      claims: { roles: ['admin', 'reader'] },
    });
  });

  it('GCP API Gateway x-apigateway-api-userinfo (base64url)', async () => {
    const res = await invoke(
      trusting,
      httpRequest({ headers: { 'x-apigateway-api-userinfo': base64url(claims) } }),
      onCloud('gcp'),
    );
    expect(res.body).toEqual({ ...expected, claims, source: 'gcp-api-gateway' });
  });

  it('ignores an IAP assertion it was not asked to verify (an unverified JWT proves nothing)', async () => {
    const forged = await new SignJWT({ ...claims, iss: 'https://cloud.google.com/iap' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('anyone-can-sign-this'));
    const res = await invoke(
      trusting,
      httpRequest({ headers: { 'x-goog-iap-jwt-assertion': forged } }),
      onCloud('gcp'),
    );
    expect(res.status).toBe(401);
  });

  it('GCP IAP assertion verified against the IAP keys when asked to', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'iap-1', alg: 'ES256' };
    const server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
    const audience = '/projects/123/apps/shop';
    const fn = http()
      .use(cloudPrincipal({ iap: { audience, jwksUrl } }))
      .handle((_req, ctx) => ctx.auth.subject);
    const assertion = (aud: string) => iapAssertion(privateKey, aud, { email: 'u@example.com' });
    try {
      const good = await invoke(
        fn,
        httpRequest({ headers: { 'x-goog-iap-jwt-assertion': await assertion(audience) } }),
        onCloud('gcp'),
      );
      expect(good.text).toBe('accounts.google.com:42');
      // Signed, so read under serve() too (Cloud Run behind IAP), where ctx.cloud is node.
      const onNode = await invoke(
        fn,
        httpRequest({ headers: { 'x-goog-iap-jwt-assertion': await assertion(audience) } }),
        onCloud('node'),
      );
      expect(onNode.text).toBe('accounts.google.com:42');
      const other = await invoke(
        fn,
        httpRequest({ headers: { 'x-goog-iap-jwt-assertion': await assertion('/projects/9/apps/x') } }),
        onCloud('gcp'),
      );
      expect(other.status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('checks the IAP assertion times as jwtAuth does: 5 s of skew, iat in the past, exp and iat required', async () => {
    // Prepare
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'iap-1', alg: 'ES256' };
    const server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
    const audience = '/projects/123/apps/shop';
    const fn = http()
      .use(cloudPrincipal({ iap: { audience, jwksUrl } }))
      .handle((_req, ctx) => ctx.auth.subject);
    const now = Math.floor(Date.now() / 1000);
    const assertion = (times: { iat?: number; exp?: number }) =>
      new SignJWT({ sub: 'accounts.google.com:42', iss: 'https://cloud.google.com/iap', aud: audience, ...times })
        .setProtectedHeader({ alg: 'ES256', kid: 'iap-1' })
        .sign(privateKey);
    const send = async (times: { iat?: number; exp?: number }) =>
      invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': await assertion(times) } }), onCloud('gcp'));

    try {
      // Act
      const justExpired = await send({ iat: now - 600, exp: now - 2 });
      const skewedIat = await send({ iat: now + 2, exp: now + 600 });
      const future = await send({ iat: now + 3600, exp: now + 7200 });
      const noIat = await send({ exp: now + 600 });
      const noExp = await send({ iat: now });

      // Assert
      expect(justExpired.text).toBe('accounts.google.com:42');
      expect(skewedIat.text).toBe('accounts.google.com:42');
      for (const res of [future, noIat, noExp]) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers 500, not 401, when the IAP key set holds a key that cannot be used', async () => {
    // Prepare: an ES256 key whose point is not on the curve.
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = {
      ...(await exportJWK(publicKey)),
      kid: 'iap-1',
      alg: 'ES256',
      x: Buffer.alloc(32, 1).toString('base64url'),
    };
    const server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
    const audience = '/projects/123/apps/shop';
    const fn = http()
      .use(cloudPrincipal({ iap: { audience, jwksUrl } }))
      .handle(() => 'never');
    const assertion = await iapAssertion(privateKey, audience);

    try {
      // Act
      const res = await invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } }), onCloud('gcp'));

      // Assert
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers 503 with Retry-After when the IAP key set does not answer, and does not ask it again at once', async () => {
    // Prepare: a key set that accepts connections and never answers.
    let requests = 0;
    const server = createServer(() => {
      requests++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
    const { privateKey } = await generateKeyPair('ES256');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'iap-1' })
      .setSubject('accounts.google.com:42')
      .setIssuer('https://cloud.google.com/iap')
      .setAudience('/projects/123/apps/shop')
      .setExpirationTime('5m')
      .sign(privateKey);
    const fn = http()
      .use(cloudPrincipal({ iap: { audience: '/projects/123/apps/shop', jwksUrl, jwksTimeoutMs: 300 } }))
      .handle(() => 'never');
    const request = httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } });
    const logs = collectLogs();

    try {
      // Act
      const first = await invoke(fn, request, onCloud('gcp'));
      const second = await invoke(fn, request, onCloud('gcp'));

      // Assert
      for (const res of [first, second]) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.text).not.toContain(assertion);
      }
      // The second request did not ask the key set again (nor wait out its timeout).
      expect(requests).toBe(1);
      expect(logs.find('signing keys cannot be fetched').length).toBe(2);
    } finally {
      logs.restore();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses bad iap options when the function is defined', () => {
    const bad = [
      { audience: '' },
      { audience: '/projects/1/apps/x', jwksUrl: 'not a url' },
      { audience: '/projects/1/apps/x', jwksTimeoutMs: 1500.5 },
      { audience: '/projects/1/apps/x', jwksTimeoutMs: 0 },
    ];
    for (const iap of bad) {
      expect(() => cloudPrincipal({ iap })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
  });

  it('GCP IAP user headers', async () => {
    const res = await invoke(
      trusting,
      httpRequest({
        headers: {
          'x-goog-authenticated-user-id': 'accounts.google.com:1234',
          'x-goog-authenticated-user-email': 'accounts.google.com:u@example.com',
        },
      }),
      onCloud('gcp'),
    );
    expect(res.body).toEqual({
      subject: 'accounts.google.com:1234',
      claims: { sub: 'accounts.google.com:1234', email: 'u@example.com' },
      scopes: [],
      roles: [],
      source: 'gcp-iap',
    });
  });

  /** The answer and log line of a request whose IAP user headers IAP never sends. */
  type Forged = [value: string | string[], reason: string];

  async function forgedIap(headers: Record<string, string | string[]>) {
    const logs = collectLogs();
    try {
      const res = await invoke(trusting, httpRequest({ headers }), onCloud('gcp'));
      return { res, lines: logs.lines };
    } finally {
      logs.restore();
    }
  }

  it('GCP IAP user headers: an empty or repeated user id is 401 invalid_token, logged at warn', async () => {
    for (const [id, reason] of [
      ['', 'the x-goog-authenticated-user-id header is empty'],
      [['accounts.google.com:1', 'accounts.google.com:2'], 'the x-goog-authenticated-user-id header is repeated'],
      ['accounts.google.com:1, accounts.google.com:2', 'the x-goog-authenticated-user-id header is repeated'],
    ] satisfies Forged[]) {
      const { res, lines } = await forgedIap({ 'x-goog-authenticated-user-id': id });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body).toMatchObject({ detail: reason });
      expect(lines).toMatchObject([{ severity: 'WARNING', auth: 'cloud', reason }]);
    }
  });

  it('GCP IAP user headers: an empty or repeated user email is 401 invalid_token too', async () => {
    for (const [email, reason] of [
      ['', 'the x-goog-authenticated-user-email header is empty'],
      [
        ['accounts.google.com:ceo@corp.example', 'accounts.google.com:intern@corp.example'],
        'the x-goog-authenticated-user-email header is repeated',
      ],
    ] satisfies Forged[]) {
      const { res, lines } = await forgedIap({
        'x-goog-authenticated-user-id': 'accounts.google.com:42',
        'x-goog-authenticated-user-email': email,
      });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body).toMatchObject({ detail: reason });
      expect(lines).toMatchObject([{ severity: 'WARNING', auth: 'cloud', reason }]);
      expect(JSON.stringify(lines)).not.toContain('ceo@corp.example');
    }
  });

  it('answers 401 invalid_token for an identity header that names no caller', async () => {
    const azure = await invoke(
      trusting,
      httpRequest({ headers: { 'x-ms-client-principal': base64({}) } }),
      onCloud('azure'),
    );
    const gcp = await invoke(
      trusting,
      httpRequest({ headers: { 'x-apigateway-api-userinfo': base64url({ email: 'u@example.com' }) } }),
      onCloud('gcp'),
    );
    for (const res of [azure, gcp]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });

  it('Azure claim types named like object methods are claims like any other', async () => {
    const principal = {
      claims: [
        { typ: 'toString', val: 'x' },
        { typ: 'constructor', val: 'y' },
        { typ: '__proto__', val: 'z' },
        { typ: 'sub', val: 'u' },
      ],
    };
    const res = await invoke(
      trusting,
      httpRequest({ headers: { 'x-ms-client-principal': base64(principal) } }),
      onCloud('azure'),
    );
    expect((res.body as { claims: unknown }).claims).toEqual(
      JSON.parse('{"toString":"x","constructor":"y","__proto__":"z","sub":"u"}'),
    );
  });
});

describe('cloudPrincipal trust and failures', () => {
  const header = { 'x-ms-client-principal': base64({ claims: [{ typ: 'sub', val: 'mallory' }] }) };

  it('does not trust identity headers on plain Node, where nothing strips them', async () => {
    expect((await invoke(trusting, httpRequest({ headers: header }), onCloud('node'))).status).toBe(401);
  });

  it('does not read another cloud’s headers', async () => {
    expect((await invoke(trusting, httpRequest({ headers: header }), onCloud('gcp'))).status).toBe(401);
  });

  it('reads no identity header that was not named, even on its own cloud', async () => {
    expect((await invoke(whoami, httpRequest({ headers: header }), onCloud('azure'))).status).toBe(401);
    const userinfo = { 'x-apigateway-api-userinfo': base64url({ sub: 'mallory', scope: 'admin' }) };
    expect((await invoke(whoami, httpRequest({ headers: userinfo }), onCloud('gcp'))).status).toBe(401);
    const iapHeaders = { 'x-goog-authenticated-user-id': 'accounts.google.com:1' };
    expect((await invoke(whoami, httpRequest({ headers: iapHeaders }), onCloud('gcp'))).status).toBe(401);
  });

  it('reads them when told to trust that platform', async () => {
    const fn = http()
      .use(cloudPrincipal({ trust: ['azure'], headers: ['azure-easy-auth'] }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(fn, httpRequest({ headers: header }), onCloud('node'))).text).toBe('mallory');
  });

  it('refuses a trust or headers value it does not know when the function is defined, naming it', async () => {
    // Prepare: values a config could hand over, past the types; each used to fall through to GCP
    // (or, for a string, be read character by character) and trust client-sent IAP headers.
    const bad: [unknown, string][] = [
      [{ trust: ['node'], headers: ['gcp-iap-headers'] }, "trust may hold only 'aws', 'azure', 'gcp', got \"node\""],
      [{ trust: ['AWS'], headers: ['gcp-iap-headers'] }, 'got "AWS"'],
      [
        { trust: '', headers: ['gcp-iap-headers'] },
        "trust must be a list of 'aws', 'azure', 'gcp', got the string \"\"",
      ],
      [{ trust: 'aws', headers: ['gcp-iap-headers'] }, 'got the string "aws"'],
      [{ trust: null }, "trust must be a list of 'aws', 'azure', 'gcp', got null"],
      [{ trust: ['aws', undefined] }, 'got undefined'],
      [
        { headers: ['gcp-iap-header'] },
        "headers may hold only 'azure-easy-auth', 'gcp-api-gateway', 'gcp-iap-headers', got \"gcp-iap-header\"",
      ],
      [{ headers: 'azure-easy-auth' }, 'headers must be a list of'],
      [{ headers: [1] }, 'got 1'],
    ];
    const forged = httpRequest({ headers: { 'x-goog-authenticated-user-id': 'accounts.google.com:admin' } });

    for (const [options, message] of bad) {
      // Act
      const define = () =>
        http()
          .use(cloudPrincipal(options as Parameters<typeof cloudPrincipal>[0]))
          .handle((_req, ctx) => ctx.auth.subject);
      let outcome: string;
      try {
        const fn = define();
        outcome = `defined, then ${(await invoke(fn, forged, onCloud('aws'))).status}`;
      } catch (error) {
        outcome = error instanceof SkyportError ? error.code : String(error);
      }

      // Assert
      expect(outcome, JSON.stringify(options)).toBe('INVALID_DEFINITION');
      expect(define, JSON.stringify(options)).toThrow(/^cloudPrincipal\(\) (trust|headers) /);
      expect(define, JSON.stringify(options)).toThrow(message);
    }
    for (const options of [{ trust: [] }, { trust: ['aws', 'azure', 'gcp'] as const }, { headers: [] }]) {
      expect(() => cloudPrincipal(options)).not.toThrow();
    }
  });

  it('answers 401 invalid_token for an undecodable header, without echoing it', async () => {
    const logs = collectLogs();
    try {
      const res = await invoke(
        trusting,
        httpRequest({ headers: { 'x-apigateway-api-userinfo': 'not%json' } }),
        onCloud('gcp'),
      );
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.text).not.toContain('not%json');
      expect(logs.text()).not.toContain('not%json');
    } finally {
      logs.restore();
    }
  });

  it('answers 403 for missing required scopes', async () => {
    const fn = http()
      .use(cloudPrincipal({ headers: ['gcp-api-gateway'], requiredScopes: ['admin'] }))
      .handle(() => 'ok');
    const res = await invoke(
      fn,
      httpRequest({ headers: { 'x-apigateway-api-userinfo': base64url({ sub: 'u', scope: 'read' }) } }),
      onCloud('gcp'),
    );
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="admin"');
  });
});

describe('apiKeyAuth', () => {
  const fn = http()
    .use(apiKeyAuth({ keys: { 'key-alpha-123': 'partner-a', 'key-beta-456': 'partner-b' } }))
    .handle((_req, ctx) => ctx.auth);

  it('accepts a listed key and names its owner', async () => {
    const res = await invoke(fn, httpRequest({ headers: { 'x-api-key': 'key-beta-456' } }));
    expect(res.body).toEqual({ subject: 'partner-b', claims: {}, scopes: [], roles: [], source: 'api-key' });
  });

  it('answers 401 ApiKey for a missing or wrong key, never echoing it', async () => {
    const logs = collectLogs();
    try {
      const missing = await invoke(fn, httpRequest());
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('ApiKey realm="x-api-key"');
      const wrong = await invoke(fn, httpRequest({ headers: { 'x-api-key': 'key-alpha-12' } }));
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(wrong.text).not.toContain('key-alpha-12');
      expect(logs.text()).not.toContain('key-alpha');
    } finally {
      logs.restore();
    }
  });

  it('uses verify for keys kept elsewhere, with a custom header', async () => {
    const stored = 'from-the-secret-store';
    const custom = http()
      .use(
        apiKeyAuth({
          header: 'X-Partner-Key',
          verify: (key) => safeEqual(key, stored) && { subject: 'p', scopes: ['ingest'] },
        }),
      )
      .use(requireScopes('ingest'))
      .handle((_req, ctx) => ctx.auth.scopes);
    expect((await invoke(custom, httpRequest({ headers: { 'x-partner-key': stored } }))).body).toEqual(['ingest']);
    expect((await invoke(custom, httpRequest({ headers: { 'x-partner-key': 'guess' } }))).status).toBe(401);
  });

  it('compares in constant time over any lengths', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('scopes and challenges', () => {
  const secret = 'a-shared-secret-of-at-least-32-bytes';
  const bearer = async (scope: string) =>
    `Bearer ${await new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(secret))}`;

  it('answers a 403 after apiKeyAuth without a Bearer challenge, and after jwtAuth with one', async () => {
    // Prepare
    const viaKey = http()
      .use(apiKeyAuth({ verify: () => ({ subject: 's', scopes: ['read'] }) }))
      .use(requireScopes('write'))
      .handle(() => 'ok');
    const viaJwt = http()
      .use(jwtAuth({ secret }))
      .use(requireScopes('write'))
      .handle(() => 'ok');

    // Act
    const key = await invoke(viaKey, httpRequest({ headers: { 'x-api-key': 'k' } }));
    const jwt = await invoke(viaJwt, httpRequest({ headers: { authorization: await bearer('read') } }));

    // Assert
    expect(key.status).toBe(403);
    expect(key.headers['www-authenticate']).toBeUndefined();
    expect(key.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    expect(jwt.status).toBe(403);
    expect(jwt.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="write"');
  });

  it('refuses a realm or API key header that a WWW-Authenticate header cannot carry, when defined', () => {
    const define = [
      () => jwtAuth({ secret, realm: 'Bestellungen – API' }),
      () => jwtAuth({ secret, realm: 'caf\u00e9\u{1F600}' }),
      () => apiKeyAuth({ header: 'x-schl\u00fcssel', keys: ['k'] }),
      () => apiKeyAuth({ header: 'x api key', keys: ['k'] }),
    ];
    for (const fn of define) expect(fn).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(() => jwtAuth({ secret, realm: 'Bestellungen - API' })).not.toThrow();
  });

  it('reads a scope string as a space-separated list, never character by character', async () => {
    // Prepare: what plain JS can pass where a list is expected.
    const fromVerify = http()
      .use(apiKeyAuth({ verify: () => ({ subject: 's', scopes: 'ab' as unknown as string[] }) }))
      .use(requireScopes('a'))
      .handle((_req, ctx) => ctx.auth.scopes);
    const listed = http()
      .use(apiKeyAuth({ verify: () => ({ subject: 's', scopes: 'a b' as unknown as string[] }) }))
      .use(requireScopes('a b'))
      .handle((_req, ctx) => ctx.auth.scopes);
    const required = http()
      .use(jwtAuth({ secret, requiredScopes: 'ab' }))
      .handle(() => 'ok');

    // Act
    const charByChar = await invoke(fromVerify, httpRequest({ headers: { 'x-api-key': 'k' } }));
    const spaced = await invoke(listed, httpRequest({ headers: { 'x-api-key': 'k' } }));
    const granted = await invoke(required, httpRequest({ headers: { authorization: await bearer('ab') } }));
    const lacking = await invoke(required, httpRequest({ headers: { authorization: await bearer('a b') } }));

    // Assert
    expect(charByChar.status).toBe(403);
    expect(spaced.body).toEqual(['a', 'b']);
    expect(granted.text).toBe('ok');
    expect(lacking.status).toBe(403);
  });

  it('refuses required scopes that are empty, not strings, or not scope tokens, when defined', () => {
    const define = [
      () => requireScopes(''),
      () => requireScopes('a', ' '),
      () => requireScopes(42 as unknown as string),
      () => requireScopes('caf\u00e9'),
      () => jwtAuth({ secret, requiredScopes: '' }),
      () => cloudPrincipal({ requiredScopes: ' ' }),
      () => jwtAuth({ secret, requiredScopes: [''] }),
      () => cloudPrincipal({ requiredScopes: ['a"b'] }),
      () => cloudPrincipal({ requiredScopes: 5 as unknown as string[] }),
    ];
    for (const fn of define) expect(fn).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(() => requireScopes()).not.toThrow();
    expect(() => jwtAuth({ secret, requiredScopes: [] })).not.toThrow();
  });
});

describe('auth typing', () => {
  it('types ctx.auth only after an auth middleware', () => {
    http()
      .use(jwtAuth({ secret: 'a-shared-secret-of-at-least-32-bytes', issuer: 'i' }))
      .use(requireScopes('a'))
      .handle((_req, ctx) => {
        expectTypeOf(ctx.auth.scopes).toEqualTypeOf<readonly string[]>();
        expectTypeOf(ctx.auth.subject).toEqualTypeOf<string | undefined>();
      });
    http().handle((_req, ctx) => {
      // @ts-expect-error no auth middleware: ctx.auth does not exist
      void ctx.auth;
    });
    // @ts-expect-error requireScopes needs an earlier auth middleware
    http().use(requireScopes('a'));
    // @ts-expect-error jwtAuth is http-only
    expect(() => queue({ name: 'q' }).use(jwtAuth({ secret: 'a-shared-secret-of-at-least-32-bytes' }))).toThrow(
      /accepts http functions/,
    );
    // @ts-expect-error one key source only
    expect(() => jwtAuth({ secret: 's', jwksUrl: 'https://x' })).toThrow(/exactly one of jwksUrl, secret or publicKey/);
  });

  it('lets requireScopes guard any kind once something adds ctx.auth', async () => {
    const fromAttributes = createMiddleware<'queue', AuthContext>({
      name: 'messageAuth',
      kinds: ['queue'],
      handle: (msg, _ctx, next) =>
        next({
          auth: {
            subject: msg.attributes.sender,
            claims: {},
            scopes: (msg.attributes.scopes ?? '').split(' '),
            roles: [],
            source: 'api-key',
          },
        }),
    });
    const fn = queue({ name: 'jobs' })
      .use(fromAttributes)
      .use(requireScopes('jobs:run'))
      .handle((_msg, ctx) => {
        expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
      });
    const ok = await invoke(
      fn,
      createMessage({ id: 'm1', body: '{}', source: 'jobs', attributes: { sender: 'a', scopes: 'jobs:run' } }),
    );
    const denied = await invoke(
      fn,
      createMessage({ id: 'm2', body: '{}', source: 'jobs', attributes: { sender: 'b', scopes: 'other' } }),
    );
    expect(ok.ok).toBe(true);
    expect(denied.failures.map((f) => f.id)).toEqual(['m2']);
  });
});

describe('cloudPrincipal({ iap }) and the deadline', () => {
  // It stops waiting for Google's keys when the invocation's `ctx.signal` aborts, shortly before
  // its deadline, and answers 503 with `Retry-After` in time, as `jwtAuth()` does, rather than
  // after the key-set fetch's own timeout.
  it('answers 503 before the deadline when the IAP key set does not come', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'iap-1', alg: 'ES256' };
    // Holds every key-set request until the end of the test.
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
    const audience = '/projects/123/apps/shop';
    const fn = http()
      .use(cloudPrincipal({ iap: { audience, jwksUrl, jwksTimeoutMs: 5000 } }))
      .handle((_req, ctx) => ctx.auth.subject);
    const assertion = await iapAssertion(privateKey, audience, { email: 'u@example.com' });
    try {
      const started = performance.now();
      const res = await invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } }), {
        cloud: 'gcp',
        deadlineInMs: 1000,
      });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      // The signal fires 500 ms before the 1 s deadline; the fetch's own timeout is 5 s.
      expect(elapsed).toBeLessThan(2000);
      // The fetch goes on for the next request, which gets the keys once they come.
      const next = invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } }), { cloud: 'gcp' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const pending of held.splice(0)) pending.end(JSON.stringify({ keys: [jwk] }));
      expect((await next).text).toBe('accounts.google.com:42');
    } finally {
      for (const pending of held.splice(0)) pending.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
