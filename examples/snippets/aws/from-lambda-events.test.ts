/**
 * docs/aws.md, "Migrating existing handlers": the definition defaults of `fromLambda`, what a
 * wrapped handler receives on Lambda (the original event, one record at a time for batches) and
 * the events and context it is given elsewhere (the "synthesised event" table).
 */
import { fromLambda, invokeLambda, toLambda } from '@skyport/aws';
import { createMiddleware, type Kind, type SkyportFunction } from '@skyport/core';
import {
  aws,
  changeEvent,
  cloudEvent,
  httpRequest,
  invoke,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from '@skyport/testing';
import type {
  APIGatewayProxyEventV2,
  Callback,
  Context,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamEvent,
  S3Event,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';

type Obj = Record<string, unknown>;

/** A legacy handler that records every (event, context) it is called with. */
function recording<TEvent, TResult = unknown>(answer?: (event: TEvent) => TResult) {
  const calls: { event: TEvent; context: Context }[] = [];
  const handler = async (event: TEvent, context: Context) => {
    calls.push({ event, context });
    return answer?.(event) as TResult;
  };
  return { calls, handler };
}

describe('definition options', () => {
  it.each<[Kind, Obj]>([
    ['queue', { name: 'lambda' }],
    ['stream', { name: 'lambda' }],
    ['changes', { collection: 'lambda' }],
    ['storage', { bucket: '*' }],
    ['schedule', { cron: '0 0 * * *' }],
  ])('a %s function defaults to %j', (kind, defaults) => {
    expect(fromLambda(async () => undefined, { kind }).options).toMatchObject(defaults);
  });

  it('takes the kind definition options after kind', () => {
    const fn = fromLambda(async () => undefined, { kind: 'queue', name: 'orders', concurrency: 4 });
    expect(fn.options).toMatchObject({ name: 'orders', concurrency: 4 });
  });
});

describe('on Lambda, through toLambda', () => {
  it('HTTP: the event itself (also req.raw) and the Lambda context; the result mapped back for middleware', async () => {
    const { calls, handler } = recording<APIGatewayProxyEventV2>(() => ({
      statusCode: 202,
      headers: { 'X-From': 'legacy' },
      multiValueHeaders: { 'X-Multi': ['a', 'b'] },
      cookies: ['a=1'],
      body: 'queued',
    }));
    let raw: unknown;
    const addHeader = createMiddleware<'http'>({
      name: 'add-header',
      kinds: ['http'],
      handle: async (req, _ctx, next) => {
        raw = req.raw;
        const res = await next();
        return { ...res, headers: { ...res.headers, 'x-added': 'yes' } };
      },
    });
    const api = fromLambda(handler, { kind: 'http' }).use(addHeader);
    const event = aws.apiGatewayV2({ path: '/orders' });
    const context = aws.lambdaContext({ awsRequestId: 'req-1' });
    const result = await toLambda(api)(event, context);
    expect(calls[0]?.event).toBe(event);
    expect(raw).toBe(event);
    expect(calls[0]?.context.awsRequestId).toBe('req-1');
    expect(result).toMatchObject({
      statusCode: 202,
      headers: { 'x-from': 'legacy', 'x-multi': 'a, b', 'x-added': 'yes' },
      cookies: ['a=1'],
      body: 'queued',
    });
  });

  it('setting callbackWaitsForEmptyEventLoop reaches the runtime context', async () => {
    let waits = true;
    const context = aws.lambdaContext();
    Object.defineProperty(context, 'callbackWaitsForEmptyEventLoop', {
      get: () => waits,
      set: (value: boolean) => {
        waits = value;
      },
      enumerable: true,
      configurable: true,
    });
    const handler = async (_event: unknown, ctx: Context) => {
      ctx.callbackWaitsForEmptyEventLoop = false;
      return { statusCode: 200, body: '' };
    };
    await toLambda(fromLambda(handler, { kind: 'http' }))(aws.apiGatewayV2(), context);
    expect(waits).toBe(false);
  });

  it.each([
    ['schedule', () => aws.scheduled({ name: 'nightly' })],
    ['events', () => aws.eventBridge({ detailType: 'OrderPlaced' })],
  ] as const)('%s: the event itself', async (kind, make) => {
    const { calls, handler } = recording<ScheduledEvent | EventBridgeEvent<string, unknown>>();
    const event = make();
    await toLambda(fromLambda(handler, { kind }) as SkyportFunction<Kind>)(event as never, aws.lambdaContext());
    expect(calls.map((call) => call.event)).toEqual([event]);
    expect(calls[0]?.event).toBe(event);
  });

  it('batches: one record at a time, each as { Records: [originalRecord] }', async () => {
    const { calls, handler } = recording<SQSEvent>();
    const event = aws.sqs([{ id: 'a' }, { id: 'b' }]);
    await toLambda(fromLambda(handler, { kind: 'queue' }))(event, aws.lambdaContext());
    expect(calls.map((call) => call.event.Records.length)).toEqual([1, 1]);
    expect(calls[0]?.event.Records[0]).toBe(event.Records[0]);
    expect(calls[1]?.event.Records[0]).toBe(event.Records[1]);
  });

  it('a record fails when the handler throws, calls back with an error, or names it in batchItemFailures', async () => {
    const handler = (event: SQSEvent, _context: Context, callback: Callback<SQSBatchResponse>) => {
      const record = event.Records[0];
      if (record?.messageId === 'throws') throw new Error('thrown');
      if (record?.messageId === 'calls-back') return callback(new Error('called back'));
      if (record?.messageId === 'names-it')
        return callback(null, { batchItemFailures: [{ itemIdentifier: 'names-it' }] });
      return callback(null, { batchItemFailures: [] });
    };
    const event = aws.sqs(['ok', 'throws', 'calls-back', 'names-it', 'fine'].map((id) => ({ id })));
    expect(await toLambda(fromLambda(handler, { kind: 'queue' }))(event, aws.lambdaContext())).toEqual({
      batchItemFailures: [
        { itemIdentifier: 'throws' },
        { itemIdentifier: 'calls-back' },
        { itemIdentifier: 'names-it' },
      ],
    });
  });

  it("Skyport's batch semantics decide what is reported (ordered for streams)", async () => {
    const handler = async (event: KinesisStreamEvent) => {
      if (event.Records[0]?.kinesis.sequenceNumber === '2') throw new Error('stuck');
    };
    const event = aws.kinesis(['1', '2', '3'].map((sequenceNumber) => ({ sequenceNumber })));
    expect(await invokeLambda(fromLambda(handler, { kind: 'stream' }), event)).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }],
    });
  });
});

describe('elsewhere: synthesised events and context', () => {
  it('http: an HTTP API 2.0 event', async () => {
    const { calls, handler } = recording<APIGatewayProxyEventV2>(() => ({ statusCode: 200, body: 'ok' }));
    const api = fromLambda(handler, { kind: 'http', method: 'POST', path: '/orders/:id' });
    const request = httpRequest({
      method: 'POST',
      path: '/orders/7',
      query: { tag: ['a', 'b'], q: 'x' },
      headers: { cookie: 's=1; t=2', 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 1, 255]),
    });
    const res = await invoke(api, request);
    expect(res.status).toBe(200);
    const event = calls[0]?.event as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/orders/7',
      rawQueryString: 'tag=a&tag=b&q=x',
      queryStringParameters: { tag: 'a,b', q: 'x' },
      cookies: ['s=1', 't=2'],
      pathParameters: { id: '7' },
      body: 'AAH/',
      isBase64Encoded: true,
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.http.method).toBe('POST');

    await invoke(api, httpRequest({ method: 'POST', path: '/orders/8', body: { a: 1 } }));
    expect(calls[1]?.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
  });

  it('queue: an SQS event with one record, FIFO attributes when the message has a group', async () => {
    const { calls, handler } = recording<SQSEvent>();
    const fn = fromLambda(handler, { kind: 'queue', name: 'orders' });
    await invoke(fn, message({ id: 'm-1', body: { orderId: 'ord_1' }, attributes: { tenant: 'acme' }, attempt: 3 }));
    await invoke(fn, message({ id: 'm-2', groupId: 'g-1' }));
    const [plain, fifo] = calls.map((call) => call.event.Records);
    expect(plain).toHaveLength(1);
    expect(plain?.[0]).toMatchObject({
      messageId: 'm-1',
      body: '{"orderId":"ord_1"}',
      messageAttributes: { tenant: { stringValue: 'acme', dataType: 'String' } },
      attributes: { ApproximateReceiveCount: '3' },
      eventSource: 'aws:sqs',
    });
    expect(plain?.[0]?.attributes.MessageGroupId).toBeUndefined();
    expect(fifo?.[0]?.attributes).toMatchObject({ MessageGroupId: 'g-1', MessageDeduplicationId: 'm-2' });
  });

  it('stream: a Kinesis event with one record, base64 data', async () => {
    const { calls, handler } = recording<KinesisStreamEvent>();
    await invoke(
      fromLambda(handler, { kind: 'stream' }),
      streamRecord({ body: 'hello', sequence: '42', partitionKey: 'p' }),
    );
    expect(calls[0]?.event.Records).toHaveLength(1);
    expect(calls[0]?.event.Records[0]?.kinesis).toMatchObject({
      data: 'aGVsbG8=',
      sequenceNumber: '42',
      partitionKey: 'p',
    });
  });

  it('changes: a DynamoDB Streams event with one NEW_AND_OLD_IMAGES record, marshalled', async () => {
    const { calls, handler } = recording<DynamoDBStreamEvent>();
    const change = changeEvent({
      op: 'update',
      collection: 'orders',
      key: { id: 'o-1' },
      before: { id: 'o-1', total: 5 },
      after: { id: 'o-1', total: 7 },
    });
    await invoke(fromLambda(handler, { kind: 'changes' }), change);
    expect(calls[0]?.event.Records).toHaveLength(1);
    expect(calls[0]?.event.Records[0]).toMatchObject({
      eventName: 'MODIFY',
      dynamodb: {
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        Keys: { id: { S: 'o-1' } },
        OldImage: { id: { S: 'o-1' }, total: { N: '5' } },
        NewImage: { id: { S: 'o-1' }, total: { N: '7' } },
      },
    });
  });

  it('storage: an S3 event with one record, the key URL-encoded the way S3 does', async () => {
    const { calls, handler } = recording<S3Event>();
    await invoke(
      fromLambda(handler, { kind: 'storage' }),
      storageEvent({ bucket: 'receipts', key: 'My Photos/a+b.png' }),
    );
    expect(calls[0]?.event.Records).toHaveLength(1);
    expect(calls[0]?.event.Records[0]?.s3).toMatchObject({
      bucket: { name: 'receipts' },
      object: { key: 'My+Photos/a%2Bb.png' },
    });
    expect(calls[0]?.event.Records[0]?.eventName).toBe('ObjectCreated:Put');
  });

  it('schedule: an EventBridge Scheduled Event for rule/<tick name>', async () => {
    const { calls, handler } = recording<ScheduledEvent>();
    const time = new Date('2026-05-01T03:00:00Z');
    await invoke(fromLambda(handler, { kind: 'schedule' }), scheduleTick({ name: 'nightly', scheduledTime: time }));
    expect(calls[0]?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-05-01T03:00:00Z',
    });
    expect(calls[0]?.event.resources[0]).toMatch(/:rule\/nightly$/);
  });

  it('events: an EventBridge event, detail-type the type, detail the data', async () => {
    const { calls, handler } = recording<EventBridgeEvent<string, unknown>>();
    await invoke(
      fromLambda(handler, { kind: 'events' }),
      cloudEvent({ type: 'OrderPlaced', source: 'shop', data: { id: 'ord_1' } }),
    );
    expect(calls[0]?.event).toMatchObject({ 'detail-type': 'OrderPlaced', source: 'shop', detail: { id: 'ord_1' } });
  });

  it('the Lambda context: awsRequestId = ctx.requestId, getRemainingTimeInMillis() from ctx.remainingTimeMs() (15 minutes without a deadline)', async () => {
    const { calls, handler } = recording<SQSEvent>();
    await invoke(fromLambda(handler, { kind: 'queue' }), message(), { requestId: 'test-9', deadlineInMs: 5000 });
    const context = calls[0]?.context as Context;
    expect(context.awsRequestId).toBe('test-9');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);

    await invoke(fromLambda(handler, { kind: 'queue' }), message());
    // Counted down from the call: a busy machine may take a few milliseconds to read it.
    const remaining = calls[1]?.context.getRemainingTimeInMillis() ?? 0;
    expect(remaining).toBeLessThanOrEqual(15 * 60 * 1000);
    expect(remaining).toBeGreaterThan(15 * 60 * 1000 - 1000);
  });
});

describe('how a wrapped handler completes', () => {
  const event = aws.apiGatewayV2({ path: '/styles' });
  const later = (fn: () => void) => setTimeout(fn, 20);

  it.each([
    [
      'a destructuring parameter: what it returns',
      ({ rawPath }: APIGatewayProxyEventV2) => ({ statusCode: 200, body: rawPath }),
    ],
    [
      'a parameter with a default: what it returns',
      (e: APIGatewayProxyEventV2 = event) => ({ statusCode: 200, body: e.rawPath }),
    ],
    [
      'a rest parameter: its callback',
      (...args: [APIGatewayProxyEventV2, Context, Callback]) => {
        later(() => args[2](null, { statusCode: 200, body: args[0].rawPath }));
      },
    ],
    [
      'a function reading arguments[...]: its callback',
      function (this: unknown, e: APIGatewayProxyEventV2) {
        // biome-ignore lint/complexity/noArguments: the style under test
        const callback = arguments[2] as Callback;
        later(() => callback(null, { statusCode: 200, body: e.rawPath }));
      },
    ],
    [
      'context.done: its result',
      (e: APIGatewayProxyEventV2, context: Context) => {
        later(() => context.done(undefined, { statusCode: 200, body: e.rawPath }));
      },
    ],
  ])('completes with %s', async (_name, handler) => {
    const result = await invokeLambda(
      fromLambda(handler as (e: APIGatewayProxyEventV2) => unknown, { kind: 'http' }),
      event,
    );
    expect(result).toMatchObject({ statusCode: 200, body: '/styles' });
  });

  it('the first of the promise, the callback and context.succeed completes the call', async () => {
    const callbackFirst = async (_e: APIGatewayProxyEventV2, _c: Context, callback: Callback) => {
      callback(null, { statusCode: 201, body: 'callback' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { statusCode: 202, body: 'promise' };
    };
    const failFirst = async (_e: APIGatewayProxyEventV2, context: Context) => {
      context.fail(new Error('failed first'));
      return { statusCode: 200, body: 'too late' };
    };
    expect(await invokeLambda(fromLambda(callbackFirst, { kind: 'http' }), event)).toMatchObject({ statusCode: 201 });
    expect(await invokeLambda(fromLambda(failFirst, { kind: 'http' }), event)).toMatchObject({ statusCode: 500 });
  });
});

describe('@skyport/testing aws factories', () => {
  it('are the ones the page lists', () => {
    expect(Object.keys(aws).sort()).toEqual(
      [
        'apiGatewayV1',
        'apiGatewayV2',
        'functionUrl',
        'alb',
        'sqs',
        'sns',
        's3',
        's3EventBridge',
        'eventBridge',
        'scheduled',
        'kinesis',
        'dynamodb',
        'lambdaContext',
      ].sort(),
    );
  });
});
