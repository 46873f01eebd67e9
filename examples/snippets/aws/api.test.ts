/**
 * docs/aws.md, "API": what each export does, and the options of `toLambda`, checked on the
 * adapter's sample events (`packages/aws/test/fixtures`) and the raw factories of `@skyport/testing`.
 */
import {
  type AwsSource,
  acceptedSources,
  createLambdaContext,
  decodeS3Key,
  detectAwsEvent,
  invokeLambda,
  marshall,
  toLambda,
  unmarshall,
} from '@skyport/aws';
import { type Message, queue, SkyportError } from '@skyport/core';
import { aws } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../packages/aws/src/__fixtures__/load.js';

describe('detectAwsEvent()', () => {
  it.each<[string, AwsSource]>([
    ['apigw-rest/aws-lambda-go__apigw-request.json', 'apigw-v1'],
    ['apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json', 'apigw-v1'], // payload 1.0
    ['apigw-http/powertools-py__apiGatewayProxyV2Event.json', 'apigw-v2'],
    ['lambda-url/aws-lambda-go__lambda-urls-request.json', 'function-url'],
    ['alb/powertools-ts__base.json', 'alb'],
    ['sqs/aws-lambda-go__sqs-event.json', 'sqs'],
    ['sns/aws-lambda-go__sns-event.json', 'sns'],
    ['s3/aws-lambda-go__s3-event.json', 's3'],
    ['s3/powertools-ts__eventbridge-object-created.json', 's3-eventbridge'],
    ['eventbridge/powertools-ts__base.json', 'eventbridge'],
    ['eventbridge/aws-lambda-dotnet__scheduled-event.json', 'scheduled'],
    ['kinesis/aws-lambda-go__kinesis-event.json', 'kinesis'],
    ['dynamodb/aws-lambda-go__dynamodb-event.json', 'dynamodb'],
    ['apigw-authorizer/aws-lambda-go__apigw-custom-auth-request.json', 'apigw-authorizer'],
  ])('tells %s is %s', (path, source) => {
    expect(detectAwsEvent(fixture(path))).toBe(source);
  });

  it('tells an EventBridge Scheduler event from its source', () => {
    expect(detectAwsEvent(aws.scheduled({ scheduler: true }))).toBe('scheduled');
  });

  it.each([[{}], [null], ['text'], [[1, 2]], [{ Records: [] }], [{ requestContext: 'x' }], [42]])(
    'answers unknown for %j, without throwing',
    (event) => {
      expect(detectAwsEvent(event)).toBe('unknown');
    },
  );
});

describe('acceptedSources', () => {
  it('lists the sources of the "Sources by function kind" table', () => {
    expect(Object.fromEntries(Object.entries(acceptedSources).map(([kind, list]) => [kind, [...list].sort()]))).toEqual(
      {
        http: ['alb', 'apigw-v1', 'apigw-v2', 'function-url'],
        queue: ['sns', 'sqs'],
        stream: ['dynamodb', 'kinesis'],
        changes: ['dynamodb'],
        storage: ['s3', 's3-eventbridge'],
        schedule: ['scheduled'],
        events: ['eventbridge', 's3-eventbridge', 'scheduled'],
      },
    );
  });
});

describe('createLambdaContext()', () => {
  it('is shaped like the Node.js runtime context, memoryLimitInMB a string', () => {
    const context = createLambdaContext({ functionName: 'orders-api', timeoutMs: 3000, memoryLimitInMB: '512' });
    expect(context).toMatchObject({
      functionName: 'orders-api',
      memoryLimitInMB: '512',
      functionVersion: '$LATEST',
      callbackWaitsForEmptyEventLoop: true,
      logGroupName: '/aws/lambda/orders-api',
    });
    expect(createLambdaContext().memoryLimitInMB).toBe('128');
    expect(context.invokedFunctionArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:orders-api$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(2000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(3000);
  });
});

describe('unmarshall / marshall and decodeS3Key', () => {
  it('turns AttributeValues into plain values and back', () => {
    const item = { id: { S: 'o-1' }, total: { N: '12.5' }, tags: { L: [{ S: 'a' }, { BOOL: true }] } };
    const plain = unmarshall(item);
    expect(plain).toEqual({ id: 'o-1', total: 12.5, tags: ['a', true] });
    expect(unmarshall(marshall(plain))).toEqual(plain);
  });

  it.each([
    ['My+Photos%2F2024.png', 'My Photos/2024.png'],
    ['a+b+c.txt', 'a b c.txt'],
    ['100%25+done', '100% done'],
    ['bad%escape', 'bad%escape'],
  ])('decodes the notification key %s as %s (+ is a space)', (key, decoded) => {
    expect(decodeS3Key(key)).toBe(decoded);
  });
});

describe('toLambda options', () => {
  const failing = (seen: string[] = []) =>
    queue({ name: 'orders' }).handle((msg: Message) => {
      seen.push(msg.id);
      if ((msg.body as { fail?: boolean }).fail) throw new Error(`cannot take ${msg.id}`);
    });
  const batch = () =>
    aws.sqs([
      { id: 'm-1', body: { fail: false } },
      { id: 'm-2', body: { fail: true } },
      { id: 'm-3', body: { fail: false } },
    ]);

  it('reportBatchItemFailures: true by default, answering batchItemFailures', async () => {
    expect(await toLambda(failing())(batch(), aws.lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-2' }],
    });
  });

  it('reportBatchItemFailures: false fails the whole invocation when a message fails', async () => {
    const seen: string[] = [];
    const handler = toLambda(failing(seen), { reportBatchItemFailures: false });
    await expect(handler(batch(), aws.lambdaContext())).rejects.toThrow('cannot take m-2');
    expect(seen).toEqual(['m-1', 'm-2', 'm-3']);
    await expect(handler(aws.sqs([{ id: 'ok', body: {} }]), aws.lambdaContext())).resolves.toEqual({
      batchItemFailures: [],
    });
  });

  describe('unwrapSns', () => {
    const envelope = JSON.stringify({
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
      Message: '{"orderId":"ord_1"}',
      MessageAttributes: { tenant: { Type: 'String', Value: 'acme' } },
    });
    const event = () => aws.sqs([{ id: 'sqs-1', body: envelope, attributes: { via: 'sqs' } }]);
    const seeing = (seen: Message[], aws?: { unwrapSns: boolean }) =>
      queue({ name: 'orders', ...(aws ? { aws } : {}) }).handle((msg: Message) => {
        seen.push(msg);
      });

    it.each([
      ['off by default', undefined, undefined, false],
      ['on with the option', { unwrapSns: true }, undefined, true],
      ['on with aws: { unwrapSns: true } on the function', undefined, { unwrapSns: true }, true],
    ])('is %s', async (_name, options, definition, unwrapped) => {
      const seen: Message[] = [];
      await toLambda(seeing(seen, definition), options)(event(), aws.lambdaContext());
      expect(seen).toHaveLength(1);
      const msg = seen[0] as Message;
      expect(msg.id).toBe('sqs-1');
      if (unwrapped) {
        expect(msg.body).toEqual({ orderId: 'ord_1' });
        expect(msg.attributes).toEqual({ tenant: 'acme' });
      } else {
        expect(msg.body).toMatchObject({ Type: 'Notification', MessageId: 'sns-1' });
        expect(msg.attributes).toEqual({ via: 'sqs' });
      }
    });
  });

  it('functionName names the function when the Lambda context has none', async () => {
    const names: string[] = [];
    const fn = queue({ name: 'orders' }).handle((_msg, ctx) => {
      names.push(ctx.functionName);
    });
    const partial = { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1000 } as unknown as Parameters<
      ReturnType<typeof toLambda>
    >[1];
    await toLambda(fn, { functionName: 'fulfil-order' })(aws.sqs(), partial);
    await toLambda(fn, { functionName: 'fulfil-order' })(aws.sqs(), aws.lambdaContext({ functionName: 'from-lambda' }));
    expect(names).toEqual(['fulfil-order', 'from-lambda']);
  });
});

describe('invokeLambda()', () => {
  it('runs a raw event through toLambda with a realistic context', async () => {
    const fn = queue({ name: 'orders' }).handle((_msg, ctx) => {
      if (ctx.requestId === '' || ctx.cloud !== 'aws') throw new SkyportError('HANDLER_FAILED', 'no context');
    });
    expect(await invokeLambda(fn, aws.sqs([{ id: 'a' }]))).toEqual({ batchItemFailures: [] });
  });
});
