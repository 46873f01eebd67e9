import { cors, createMiddleware, setLogDestination } from '@skyport/core';
import { httpRequest, invoke, message, scheduleTick, storageEvent } from '@skyport/testing';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  Callback,
  Context as LambdaContext,
  S3Event,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { fromLambda } from './from-lambda.js';
import { invokeLambda } from './invoke.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

const v2 = () => fixture<APIGatewayProxyEventV2>('apigw-http/powertools-ts__no-auth.json');

describe('fromLambda through toLambda', () => {
  it('passes the original HTTP event and Lambda context unchanged, and maps the result back', async () => {
    // Prepare
    const seen: { event?: unknown; context?: unknown } = {};
    const legacy = async (event: APIGatewayProxyEventV2, context: LambdaContext) => {
      seen.event = event;
      seen.context = context;
      return { statusCode: 201, headers: { 'X-Legacy': 'yes' }, cookies: ['s=1'], body: '{"ok":true}' };
    };
    const fn = fromLambda(legacy, { kind: 'http' }).use(cors());
    const event = { ...v2(), headers: { ...v2().headers, origin: 'https://shop.example' } };
    const context = createLambdaContext({ awsRequestId: 'req-1' });
    // Act
    const result = await invokeLambda(fn, event, context);
    // Assert
    expect(seen.event).toBe(event);
    expect(seen.context).toBe(context);
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'x-legacy': 'yes', 'access-control-allow-origin': '*', 'content-type': 'text/plain; charset=utf-8' },
      cookies: ['s=1'],
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });

  it('supports callback-style handlers and REST results with multi-value Set-Cookie', async () => {
    const legacy = (_event: unknown, _context: LambdaContext, callback: Callback<APIGatewayProxyResult>) => {
      setTimeout(() =>
        callback(null, {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
          body: Buffer.from('{"x":1}').toString('base64'),
          isBase64Encoded: true,
        }),
      );
    };
    const fn = fromLambda(legacy, { kind: 'http' });
    const result = await invokeLambda(fn, fixture('apigw-rest/aws-lambda-go__apigw-request.json'));
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: 'eyJ4IjoxfQ==',
      isBase64Encoded: true,
    });
  });

  it('turns a callback error into a 500 problem without its message', async () => {
    const fn = fromLambda((_e: unknown, _c: LambdaContext, cb: Callback) => cb('secret failure'), {
      kind: 'http',
    });
    const result = await invokeLambda(fn, v2());
    expect(result).toMatchObject({ statusCode: 500 });
    expect(JSON.stringify(result)).not.toContain('secret failure');
  });

  it('runs an SQS batch one record at a time and honours its batchItemFailures', async () => {
    const event = fixture<SQSEvent>('sqs/powertools-ts__base.json');
    const received: SQSEvent[] = [];
    const legacy = async (one: SQSEvent): Promise<SQSBatchResponse> => {
      received.push(one);
      const record = one.Records[0];
      return { batchItemFailures: record?.body === 'Test message.' ? [{ itemIdentifier: record.messageId }] : [] };
    };
    const fn = fromLambda(legacy, { kind: 'queue', name: 'my-queue' });
    const result = await invokeLambda(fn, event);
    expect(received.map((e) => e.Records)).toEqual(event.Records.map((r) => [r]));
    expect(received[0]?.Records[0]).toBe(event.Records[0]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
  });

  it('lets middleware run around legacy code', async () => {
    const order: string[] = [];
    const audit = createMiddleware({
      name: 'audit',
      handle: async (_event, _ctx, next) => {
        order.push('before');
        const out = await next();
        order.push('after');
        return out;
      },
    });
    const fn = fromLambda(
      async () => {
        order.push('legacy');
      },
      { kind: 'schedule' },
    ).use(audit);
    await invokeLambda(fn, fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'));
    expect(order).toEqual(['before', 'legacy', 'after']);
  });

  it('keeps the request as it arrived when legacy code rewrites its event', async () => {
    const seen: unknown[] = [];
    const after = createMiddleware({
      name: 'after',
      kinds: ['http'],
      handle: async (req, _ctx, next) => {
        const out = await next();
        seen.push(req.query, req.ip);
        return out;
      },
    });
    const legacy = async (event: APIGatewayProxyEventV2) => {
      event.rawQueryString = 'x=rewritten';
      event.requestContext.http.sourceIp = '198.51.100.9';
      return { statusCode: 204 };
    };
    const fn = fromLambda(legacy, { kind: 'http' }).use(after);
    const event = v2();
    event.rawQueryString = 'x=1';
    event.requestContext.http.sourceIp = '203.0.113.7';
    await invokeLambda(fn, event);
    expect(seen).toEqual([{ x: '1' }, '203.0.113.7']);
  });
});

describe('fromLambda elsewhere (synthesised events)', () => {
  it('builds an HTTP API v2 event from a portable request', async () => {
    let seen: APIGatewayProxyEventV2 | undefined;
    const fn = fromLambda(
      async (event: APIGatewayProxyEventV2) => {
        seen = event;
        return { statusCode: 200, body: 'hi', headers: { 'content-type': 'text/plain' } };
      },
      { kind: 'http' },
    );
    const res = await invoke(
      fn,
      httpRequest({
        method: 'POST',
        path: '/orders',
        query: { tag: ['a', 'b'] },
        headers: { host: 'api.test' },
        cookies: { s: '1' },
        body: { sku: 'x' },
      }),
    );
    expect(res).toMatchObject({ status: 200, body: 'hi' });
    expect(seen).toMatchObject({
      version: '2.0',
      rawPath: '/orders',
      rawQueryString: 'tag=a&tag=b',
      queryStringParameters: { tag: 'a,b' },
      cookies: ['s=1'],
      body: '{"sku":"x"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/orders' }, domainName: 'api.test' },
    });
    expect(seen?.headers.cookie).toBeUndefined();
  });

  it('builds an SQS record and maps a reported failure back', async () => {
    let seen: SQSEvent | undefined;
    const fn = fromLambda(
      async (event: SQSEvent): Promise<SQSBatchResponse> => {
        seen = event;
        return { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }] };
      },
      { kind: 'queue', name: 'orders' },
    );
    const out = await invoke(fn, message({ id: 'm-1', body: { orderId: 'o-1' }, attributes: { tenant: 'acme' } }));
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => f.id)).toEqual(['m-1']);
    expect(seen?.Records[0]).toMatchObject({
      messageId: 'm-1',
      body: '{"orderId":"o-1"}',
      eventSource: 'aws:sqs',
      messageAttributes: { tenant: { stringValue: 'acme', dataType: 'String' } },
      attributes: { ApproximateReceiveCount: '1' },
    });
  });

  it('builds S3 and scheduled events', async () => {
    const s3: S3Event[] = [];
    const upload = fromLambda(
      async (event: S3Event) => {
        s3.push(event);
      },
      { kind: 'storage', bucket: 'uploads' },
    );
    await invoke(upload, storageEvent({ type: 'created', bucket: 'uploads', key: 'My Photos/a+b.png', size: 3 }));
    expect(s3[0]?.Records[0]?.s3).toMatchObject({
      bucket: { name: 'uploads' },
      object: { key: 'My+Photos/a%2Bb.png', size: 3 },
    });
    expect(s3[0]?.Records[0]?.eventName).toBe('ObjectCreated:Put');

    const ticks: ScheduledEvent[] = [];
    const nightly = fromLambda(
      async (event: ScheduledEvent) => {
        ticks.push(event);
      },
      { kind: 'schedule', cron: '0 3 * * *' },
    );
    await invoke(nightly, scheduleTick({ name: 'nightly', scheduledTime: new Date('2024-05-01T03:00:00Z') }));
    expect(ticks[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2024-05-01T03:00:00Z',
      detail: {},
    });
    expect(ticks[0]?.resources[0]).toMatch(/:rule\/nightly$/);
  });
});
