import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { createMiddleware, http, timeout } from '@skyport/core';
import { aws, collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuth, requireScopes } from './index.js';

const issuer = 'https://issuer.test/';
const audience = 'orders-api';
const rsa = await generateKeyPair('RS256', { extractable: true });
const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
const token = await new SignJWT({ scope: 'a' })
  .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' })
  .setSubject('user-42')
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime('10m')
  .sign(rsa.privateKey);
const authorization = `Bearer ${token}`;

/** A JWKS endpoint that answers only when told to: until then, a key set fetch waits. */
interface SlowKeyServer {
  readonly url: string;
  /** Whether requests are answered as they come (else held until `release()`). */
  answering: boolean;
  /** How many requests it has received. */
  readonly requests: () => number;
  /** Answers every held request with the key set. */
  release(): void;
  close(): Promise<void>;
}

async function startSlowKeyServer(): Promise<SlowKeyServer> {
  let received = 0;
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [rsaJwk] }));
  };
  const state = { answering: false };
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    received++;
    if (state.answering) answer(res);
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => received,
    release: () => {
      for (const res of held.splice(0)) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A function behind `jwtAuth()` whose key set fetch times out after 5 s. */
function secured(jwksUrl: string, options: { jwksCacheMaxAgeMs?: number } = {}) {
  return http({ method: 'GET', path: '/me' })
    .use(jwtAuth({ jwksUrl, issuer, audience, jwksTimeoutMs: 5000, ...options }))
    .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
}

const request = () => httpRequest({ path: '/me', headers: { authorization } });

/** `work`'s outcome and how long it took, in ms. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const started = performance.now();
  const result = await work();
  return { result, elapsed: performance.now() - started };
}

let keyServer: SlowKeyServer;
let logs: LogCollector;

beforeAll(() => {
  logs = collectLogs();
});

afterAll(() => {
  logs.restore();
});

afterEach(async () => {
  await keyServer.close();
});

describe('jwtAuth() waiting for its key set with the deadline near', () => {
  it('answers 503 JWKS_UNAVAILABLE when ctx.signal aborts, while a request with time left gets the keys of the same fetch', async () => {
    // Prepare: a key set that does not answer yet.
    keyServer = await startSlowKeyServer();
    const fn = secured(keyServer.url);
    const patient = invoke(fn, request(), { deadlineInMs: 30_000 });

    // Act: a request with 1 s left waits for the same fetch.
    const { result: hurried, elapsed } = await timed(() => invoke(fn, request(), { deadlineInMs: 1000 }));
    keyServer.release();
    const served = await patient;

    // Assert: answered before its deadline, not after the 5 s fetch timeout; one fetch, not aborted.
    expect(hurried.status).toBe(503);
    expect(hurried.headers['retry-after']).toBe('5');
    expect(elapsed).toBeLessThan(2000);
    expect(served.status).toBe(200);
    expect(served.body).toEqual({ subject: 'user-42' });
    expect(keyServer.requests()).toBe(1);
    // The 503's code goes to the error logged with it, caused by the deadline's TimeoutError.
    const logged = logs.find((line) => (line.err as { code?: unknown } | undefined)?.code === 'JWKS_UNAVAILABLE');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.err).toMatchObject({ cause: { name: 'TimeoutError' } });
  });

  it('does not hold off the key set after a request gave up on its deadline: the next one waits for the fetch', async () => {
    // Prepare
    keyServer = await startSlowKeyServer();
    const fn = secured(keyServer.url);
    const hurried = await invoke(fn, request(), { deadlineInMs: 1000 });

    // Act: a request after the first gave up, the fetch still under way.
    const next = invoke(fn, request());
    await new Promise((resolve) => setTimeout(resolve, 100));
    keyServer.release();
    const served = await next;

    // Assert: no cooldown was started, and the fetch was not started again.
    expect(hurried.status).toBe(503);
    expect(served.status).toBe(200);
    expect(keyServer.requests()).toBe(1);
  });

  it('answers from the cached keys when a refetch outlasts the deadline', async () => {
    // Prepare: keys fetched once; every request refetches them; the key set stops answering.
    keyServer = await startSlowKeyServer();
    keyServer.answering = true;
    const fn = secured(keyServer.url, { jwksCacheMaxAgeMs: 0 });
    expect((await invoke(fn, request())).status).toBe(200);
    keyServer.answering = false;

    // Act
    const { result, elapsed } = await timed(() => invoke(fn, request(), { deadlineInMs: 1000 }));

    // Assert
    expect(result.status).toBe(200);
    expect(elapsed).toBeLessThan(2000);
    keyServer.release();
  });

  it('answers 503 when the refetch for an unknown kid outlasts the deadline', async () => {
    // Prepare: keys fetched once; the key set stops answering; a token signed with a key it does not list yet.
    keyServer = await startSlowKeyServer();
    keyServer.answering = true;
    const fn = http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl: keyServer.url, issuer, audience, jwksCooldownMs: 0, jwksTimeoutMs: 5000 }))
      .handle((_req, ctx) => ctx.auth.subject);
    expect((await invoke(fn, request())).status).toBe(200);
    keyServer.answering = false;
    const rotated = await generateKeyPair('RS256');
    const rotatedToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-2' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('10m')
      .sign(rotated.privateKey);

    // Act
    const { result, elapsed } = await timed(() =>
      invoke(fn, httpRequest({ path: '/me', headers: { authorization: `Bearer ${rotatedToken}` } }), {
        deadlineInMs: 1000,
      }),
    );

    // Assert
    expect(result.status).toBe(503);
    expect(result.headers['retry-after']).toBe('5');
    expect(elapsed).toBeLessThan(2000);
    keyServer.release();
  });

  it('reads ctx.signal only for a request that waits for a fetch, not one served from the cached keys', async () => {
    // Prepare: a middleware in front counts the reads of ctx.signal.
    keyServer = await startSlowKeyServer();
    keyServer.answering = true;
    let reads = 0;
    const counted = createMiddleware<'http'>({
      name: 'count-signal-reads',
      kinds: ['http'],
      handle: (_req, ctx, next) => {
        const signal = ctx.signal;
        Object.defineProperty(ctx, 'signal', {
          get: () => {
            reads++;
            return signal;
          },
          configurable: true,
        });
        return next();
      },
    });
    const fn = http({ method: 'GET', path: '/me' })
      .use(counted)
      .use(jwtAuth({ jwksUrl: keyServer.url, issuer, audience }))
      .handle((_req, ctx) => ctx.auth.subject);

    // Act
    const first = await invoke(fn, request(), { deadlineInMs: 30_000 });
    const afterFetch = reads;
    const cached = await invoke(fn, request(), { deadlineInMs: 30_000 });

    // Assert
    expect([first.status, cached.status]).toEqual([200, 200]);
    expect(afterFetch).toBe(1);
    expect(reads).toBe(1);
  });

  it('answers 503 with Retry-After before Lambda stops the invocation (jwtAuth, requireScopes, timeout, as documented)', async () => {
    // Prepare
    keyServer = await startSlowKeyServer();
    const fn = http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl: keyServer.url, issuer, audience }))
      .use(requireScopes('a'))
      .use(timeout({ marginMs: 1000 }))
      .handle((_req, ctx) => ctx.auth.subject);
    const handler = toLambda(fn);
    const event = aws.apiGatewayV2({ path: '/me', headers: { authorization } });

    // Act: 3 s left, the key set fetch would time out after 5 s.
    const { result, elapsed } = await timed(
      async () =>
        (await handler(event as never, createLambdaContext({ timeoutMs: 3000 }) as never)) as {
          statusCode: number;
          headers: Record<string, string>;
        },
    );

    // Assert
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('5');
    expect(elapsed).toBeLessThan(2900);
  });
});
