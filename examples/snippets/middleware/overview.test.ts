/** The middleware stack at the top of docs/middleware.md, run end to end. */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { cors, http, type Middleware, queue } from '@skyport/core';
import { jwtAuth, type Principal, requireScopes } from '@skyport/core/auth';
import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type SigningKey, serveKeySets, signingKey } from './keys.js';
import { refund } from './overview.js';
import { audience, issuer, jwksUrl, refunds } from './payments.js';

const origin = 'https://shop.example';
const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${callerTraceId}-00f067aa0ba902b7-01`;

describe('the refund function', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let key: SigningKey;
  let logs: LogCollector;

  beforeAll(async () => {
    key = await signingKey('key-1');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  beforeEach(() => {
    serveKeySets({ [jwksUrl]: () => [key.jwk] });
    logs = collectLogs();
  });
  afterEach(() => {
    logs.restore();
    exporter.reset();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  const token = (scope: string) => key.sign({ iss: issuer, aud: audience, sub: 'user-1', scope });
  const post = (headers: Record<string, string>, body: unknown = { orderId: 'o-1', amount: 12.5 }) =>
    httpRequest({ method: 'POST', path: '/refunds', headers: { origin, traceparent, ...headers }, body });
  const onlySpan = (): ReadableSpan => {
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    return spans[0] as ReadableSpan;
  };
  const summary = () => {
    const lines = logs.find((line) => line.outcome !== undefined);
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('runs the handler for a token with the scope, inside one span whose ids every log line carries', async () => {
    // Act
    const res = await invoke(refund, post({ authorization: `Bearer ${await token('payments:refund')}` }));
    // Assert
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'rf_o-1', requestedBy: 'user-1', orderId: 'o-1', amount: 12.5 });
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    const span = onlySpan();
    expect(span.name).toBe('POST /refunds');
    expect(span.spanContext().traceId).toBe(callerTraceId);
    expect(span.attributes['http.response.status_code']).toBe(201);
    expect(summary()).toMatchObject({
      outcome: 'success',
      status: 201,
      traceId: callerTraceId,
      spanId: span.spanContext().spanId,
    });
  });

  it('answers 401 without a token; tracing, logging and CORS, all outside jwtAuth, still see it', async () => {
    // Act
    const res = await invoke(refund, post({}));
    // Assert
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    const span = onlySpan();
    expect(span.attributes['http.response.status_code']).toBe(401);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(summary()).toMatchObject({ outcome: 'client-error', status: 401, spanId: span.spanContext().spanId });
  });

  it('answers 403 insufficient_scope to a valid token without payments:refund', async () => {
    const create = vi.spyOn(refunds, 'create');
    const res = await invoke(refund, post({ authorization: `Bearer ${await token('payments:read')}` }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="payments:refund"');
    expect(res.body).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
    expect(create).not.toHaveBeenCalled();
  });

  it('answers a CORS preflight before authentication', async () => {
    const res = await invoke(
      refund,
      httpRequest({
        method: 'OPTIONS',
        path: '/refunds',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
      'access-control-allow-headers': 'authorization',
    });
  });

  it('validates the body after the middleware: 422 for an authorised caller', async () => {
    const res = await invoke(
      refund,
      post({ authorization: `Bearer ${await token('payments:refund')}` }, { orderId: 'o-1', amount: -1 }),
    );
    expect(res.status).toBe(422);
  });

  it('gives up with 504 when less than marginMs is left, without running the handler', async () => {
    const create = vi.spyOn(refunds, 'create');
    const res = await invoke(refund, post({ authorization: `Bearer ${await token('payments:refund')}` }), {
      deadlineInMs: 900,
    });
    expect(res.status).toBe(504);
    expect(create).not.toHaveBeenCalled();
  });
});

describe('what .use() accepts', () => {
  it('types ctx.auth as a Principal after jwtAuth()', () => {
    http({ method: 'GET', path: '/me' })
      .use(jwtAuth({ jwksUrl, issuer, audience }))
      .handle((_req, ctx) => {
        expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
        return ctx.auth.subject;
      });
  });

  it('does not compile requireScopes() without an auth middleware before it, nor cors() on a queue', () => {
    // @ts-expect-error requireScopes() needs the ctx.auth an auth middleware adds
    const unauthenticated = () => http({ method: 'GET', path: '/me' }).use(requireScopes('payments:refund'));
    // @ts-expect-error cors() accepts http functions only
    const corsOnQueue = () => queue({ name: 'refunds' }).use(cors());
    expect(typeof unauthenticated).toBe('function');
    expect(typeof corsOnQueue).toBe('function');
  });

  it('throws INVALID_DEFINITION when the types are bypassed', () => {
    const bypassed = cors() as unknown as Middleware;
    expect(() => queue({ name: 'refunds' }).use(bypassed)).toThrow(
      expect.objectContaining({ name: 'SkyportError', code: 'INVALID_DEFINITION' }),
    );
  });
});
