/**
 * What a legacy HTTP handler wrapped with `fromLambda` sees off Lambda (`invoke()`, Azure), set
 * against what the same handler sees on Lambda: a REST API's bodies and header names, and the
 * authorizer data of the caller an auth middleware verified.
 */

import { invokeAzure } from '@skyport/azure';
import { setLogDestination } from '@skyport/core';
import { apiKeyAuth, type Principal } from '@skyport/core/auth';
import { httpRequest, invoke } from '@skyport/testing';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { fromLambda } from './from-lambda.js';
import { invokeLambda } from './invoke.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

/** A legacy handler written for a REST API, which keeps every event it got. */
function restHandler<T>(answer: (event: APIGatewayProxyEvent) => T, options: { path?: string } = {}) {
  const events: APIGatewayProxyEvent[] = [];
  const fn = fromLambda(
    async (event: APIGatewayProxyEvent) => {
      events.push(event);
      return { statusCode: 200, body: JSON.stringify(answer(event)) };
    },
    { kind: 'http', source: 'apigw-v1', method: 'POST', path: options.path ?? '/slack' },
  );
  return { fn, events };
}

/** The JSON body of any of the answers: `invoke()`'s, Azure's or Lambda's. */
function jsonOf(body: unknown): unknown {
  return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array));
}

describe('the REST API body of a wrapped handler', () => {
  const form = 'token=t0k&command=%2Fdeploy&text=prod+eu';
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  /** A Slack slash command handler: reads the form from the text body, as a REST API sends it. */
  const slash = () =>
    restHandler((event) => ({
      command: new URLSearchParams(event.body ?? '').get('command'),
      isBase64Encoded: event.isBase64Encoded,
    }));

  it('is the urlencoded form as text on Lambda, through invoke() and on Azure alike', async () => {
    // Prepare: the REST API event a form post reaches Lambda as (no binaryMediaTypes)
    const { fn } = slash();
    const rest = fixture<APIGatewayProxyEvent>('apigw-rest/powertools-ts__no-auth.json');
    const event: APIGatewayProxyEvent = {
      ...rest,
      resource: '/slack',
      path: '/slack',
      headers: { ...rest.headers, 'Content-Type': formHeaders['content-type'] },
      body: form,
      isBase64Encoded: false,
    };
    const expected = { command: '/deploy', isBase64Encoded: false };

    // Act
    const lambda = (await invokeLambda(fn, event)) as { body: string };
    const local = await invoke(fn, httpRequest({ method: 'POST', path: '/slack', headers: formHeaders, body: form }));
    const azure = await invokeAzure(fn, { method: 'POST', url: '/api/slack', headers: formHeaders, body: form });

    // Assert
    expect(jsonOf(lambda.body)).toEqual(expected);
    expect(jsonOf(local.text)).toEqual(expected);
    expect(jsonOf(azure.body)).toEqual(expected);
  });

  it('is text for any type whose bytes are UTF-8, and base64 only for bytes that are not', async () => {
    // Prepare
    const { fn, events } = restHandler(() => null, { path: '/upload' });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);

    // Act
    await invoke(fn, { method: 'POST', path: '/upload', headers: {}, body: 'plain words' });
    await invoke(fn, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'é',
    });
    await invoke(fn, { method: 'POST', path: '/upload', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    await invoke(fn, { method: 'POST', path: '/upload', headers: {}, body: bom });
    await invoke(fn, { method: 'POST', path: '/upload', headers: {} });

    // Assert
    expect(events.map((e) => [e.body, e.isBase64Encoded])).toEqual([
      ['plain words', false],
      ['é', false],
      [Buffer.from(jpeg).toString('base64'), true],
      // A byte order mark stays, so the text is the bytes sent.
      ['\uFEFFa', false],
      [null, false],
    ]);
  });
});

describe('the REST API headers of a wrapped handler', () => {
  it('carry the names as clients send them and the Host and X-Forwarded-* headers a REST API adds', async () => {
    // Prepare: a handler that builds its own URL, as REST handlers making links do
    const { fn, events } = restHandler((event) => ({
      url: `${event.headers['X-Forwarded-Proto']}://${event.headers.Host}${event.path}`,
      auth: event.headers.Authorization ?? null,
      type: event.headers['Content-Type'] ?? null,
    }));
    const headers = { authorization: 'Bearer abc', 'content-type': 'application/json', 'x-api-key': 'k1' };

    // Act
    const local = await invoke(fn, httpRequest({ method: 'POST', path: '/slack', headers, body: '{}' }));
    const azure = await invokeAzure(fn, {
      method: 'POST',
      url: 'https://orders.example/api/slack',
      headers,
      body: '{}',
    });

    // Assert
    const expected = { auth: 'Bearer abc', type: 'application/json' };
    expect(jsonOf(local.text)).toEqual({ ...expected, url: expect.stringMatching(/^https:\/\/[^/]+\/slack$/) });
    expect(jsonOf(azure.body)).toEqual({ ...expected, url: 'https://orders.example/slack' });
    const event = events[0] as APIGatewayProxyEvent;
    expect(Object.keys(event.headers)).toEqual(
      expect.arrayContaining(['Authorization', 'Content-Type', 'X-Api-Key', 'Host', 'X-Forwarded-For']),
    );
    expect(
      Object.keys(event.headers).filter((name) => name !== name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase())),
    ).toEqual([]);
    expect(event.multiValueHeaders).toMatchObject({ 'X-Forwarded-Proto': ['https'], 'X-Forwarded-Port': ['443'] });
    expect(Object.keys(event.multiValueHeaders)).toEqual(Object.keys(event.headers));
  });

  it("keep a client's own X-Forwarded-For, and the scheme and port of a plain http request", async () => {
    const { fn, events } = restHandler(() => null);
    await invoke(fn, {
      method: 'POST',
      path: '/slack',
      url: 'http://localhost:8080/slack',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect((events[0] as APIGatewayProxyEvent).headers).toMatchObject({
      'X-Forwarded-For': '198.51.100.7',
      'X-Forwarded-Port': '8080',
      'X-Forwarded-Proto': 'http',
    });
  });
});

describe('the load balancer headers of a wrapped handler', () => {
  it('carry the x-forwarded-* headers a load balancer adds, lower-case as it sends them', async () => {
    const events: ALBEvent[] = [];
    const fn = fromLambda(
      async (event: ALBEvent) => {
        events.push(event);
        return { statusCode: 204 };
      },
      { kind: 'http', source: 'alb' },
    );
    await invoke(fn, httpRequest({ path: '/health', headers: { 'user-agent': 'ELB-HealthChecker/2.0' } }));
    expect(events[0]?.headers).toMatchObject({
      'user-agent': 'ELB-HealthChecker/2.0',
      host: expect.any(String),
      'x-forwarded-for': expect.any(String),
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    });
  });
});

const principal: Principal = {
  subject: 'user-7',
  claims: {
    sub: 'user-7',
    email_verified: true,
    exp: 1_680_633_579,
    iat: 1_680_629_979,
    'cognito:groups': ['admin', 'ops'],
    address: { country: 'NZ' },
    nickname: null,
  },
  scopes: ['orders:read', 'orders:write'],
  roles: ['admin', 'ops'],
  source: 'jwt',
};

describe('the authorizer data of a wrapped HTTP API handler', () => {
  /** A handler written behind an HTTP API JWT authorizer: reads the caller from its claims. */
  function jwtHandler() {
    const events: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
    const fn = fromLambda(
      async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
        events.push(event);
        return { statusCode: 200, body: JSON.stringify({ sub: event.requestContext.authorizer.jwt.claims.sub }) };
      },
      { kind: 'http', method: 'GET', path: '/me' },
    );
    return { fn, events };
  }

  it('is the JWT authorizer shape, from a preset ctx.auth, with claims as strings as HTTP API passes them', async () => {
    // Prepare
    const { fn, events } = jwtHandler();

    // Act
    const res = await invoke(fn, httpRequest({ path: '/me' }), { auth: principal });

    // Assert
    expect(res.status).toBe(200);
    expect(jsonOf(res.text)).toEqual({ sub: 'user-7' });
    expect(events[0]?.requestContext.authorizer).toEqual({
      principalId: 'user-7',
      jwt: {
        claims: {
          sub: 'user-7',
          email_verified: 'true',
          exp: '1680633579',
          iat: '1680629979',
          'cognito:groups': '[admin ops]',
          address: '{"country":"NZ"}',
        },
        scopes: ['orders:read', 'orders:write'],
      },
    });
  });

  it('is there on Azure for the caller an auth middleware verified', async () => {
    // Prepare: the API key's owner is the caller
    const { fn } = jwtHandler();
    const guarded = fn.use(apiKeyAuth({ keys: { 'key-of-ada': 'ada' } }));

    // Act
    const res = await invokeAzure(guarded, { method: 'GET', url: '/api/me', headers: { 'x-api-key': 'key-of-ada' } });

    // Assert
    expect(res.status ?? 200).toBe(200);
    expect(jsonOf(res.body)).toEqual({ sub: 'ada' });
  });

  it("is a Lambda authorizer's context for its principal, and absent without a caller", async () => {
    // Prepare
    const { fn, events } = jwtHandler();
    const lambdaCaller: Principal = {
      subject: 'u1',
      claims: { principalId: 'u1', tenant: 'acme', tier: 2 },
      scopes: [],
      roles: [],
      source: 'aws-lambda-authorizer',
    };

    // Act
    await invoke(fn, httpRequest({ path: '/me' }), { auth: lambdaCaller });
    const anonymous = await invoke(fn, httpRequest({ path: '/me' }));

    // Assert
    expect(events[0]?.requestContext.authorizer).toEqual({ lambda: { principalId: 'u1', tenant: 'acme', tier: 2 } });
    expect(anonymous.status).toBe(500);
    expect('authorizer' in (events[1]?.requestContext ?? {})).toBe(false);
  });
});

describe('the authorizer data of a wrapped REST API handler', () => {
  it('is the Cognito authorizer shape, claims as strings as a REST API passes them', async () => {
    // Prepare: a handler behind a Cognito user pool authorizer
    const { fn, events } = restHandler((event) => ({
      sub: event.requestContext.authorizer?.claims.sub,
      admin: String(event.requestContext.authorizer?.claims['cognito:groups']).split(',').includes('admin'),
    }));

    // Act
    const res = await invoke(fn, httpRequest({ method: 'POST', path: '/slack' }), { auth: principal });

    // Assert
    expect(jsonOf(res.text)).toEqual({ sub: 'user-7', admin: true });
    expect(events[0]?.requestContext.authorizer).toEqual({
      principalId: 'user-7',
      claims: {
        sub: 'user-7',
        email_verified: 'true',
        exp: 'Tue Apr 04 18:39:39 UTC 2023',
        iat: 'Tue Apr 04 17:39:39 UTC 2023',
        'cognito:groups': 'admin,ops',
        address: '{"country":"NZ"}',
      },
    });
  });

  it("is a REST Lambda authorizer's flattened context for its principal, and absent without a caller", async () => {
    const { fn, events } = restHandler((event) => event.requestContext.authorizer?.principalId ?? null);
    const lambdaCaller: Principal = {
      subject: 'u1',
      claims: { principalId: 'u1', tenant: 'acme', tier: 2, trial: false },
      scopes: [],
      roles: [],
      source: 'aws-lambda-authorizer',
    };
    const res = await invoke(fn, httpRequest({ method: 'POST', path: '/slack' }), { auth: lambdaCaller });
    await invoke(fn, httpRequest({ method: 'POST', path: '/slack' }));
    expect(jsonOf(res.text)).toBe('u1');
    expect(events[0]?.requestContext.authorizer).toEqual({
      principalId: 'u1',
      tenant: 'acme',
      tier: '2',
      trial: 'false',
      integrationLatency: 0,
    });
    expect(events[1]?.requestContext.authorizer).toBeUndefined();
  });

  it('reads any preset auth value without failing: no claims, odd scopes, or not an object at all', async () => {
    const { fn, events } = restHandler(() => null);
    await invoke(fn, httpRequest({ method: 'POST', path: '/slack' }), { auth: { subject: 'x', scopes: 'read' } });
    await invoke(fn, httpRequest({ method: 'POST', path: '/slack' }), { auth: 'not a principal' });
    expect(events.map((e) => e.requestContext.authorizer)).toEqual([
      { principalId: 'x', claims: { sub: 'x' } },
      undefined,
    ]);
  });
});

describe('a byte order mark in the body of a wrapped handler', () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":1}')]);
  const sources = [
    ['HTTP API (payload 2.0)', {}],
    ['load balancer', { source: 'alb' }],
    ['REST API', { source: 'apigw-v1' }],
  ] as const;

  it.each(sources)(
    'stays in the text a %s event carries off Lambda, as the platform passes it on',
    async (_name, source) => {
      // Prepare: a legacy handler that reports the bytes of the body it got (a signature check's input)
      const fn = fromLambda(
        async (event: { body?: string | null; isBase64Encoded?: boolean }) => ({
          statusCode: 200,
          body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('hex'),
        }),
        { kind: 'http', method: 'POST', path: '/hook', ...source },
      );

      // Act
      const res = await invoke(
        fn,
        httpRequest({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json' }, body: bom }),
      );

      // Assert
      expect(res.text).toBe(Buffer.from(bom).toString('hex'));
    },
  );
});
