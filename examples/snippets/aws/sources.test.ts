/**
 * docs/aws.md, "Sources by function kind": which sources each kind accepts, what its Lambda
 * handler returns, and the errors for anything else, on the adapter's sample events.
 */
import { type AwsSource, detectAwsEvent, toLambda } from '@skyport/aws';
import {
  changes,
  events,
  http,
  type Kind,
  queue,
  type SkyportFunction,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { aws } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../packages/aws/src/__fixtures__/load.js';

const fns: Record<Kind, SkyportFunction<Kind>> = {
  http: http({ path: '/*' }).handle(() => 'ok'),
  queue: queue({ name: 'q' }).handle(() => undefined),
  stream: stream({ name: 's' }).handle(() => undefined),
  changes: changes({ collection: 'c' }).handle(() => undefined),
  storage: storage({ bucket: '*' }).handle(() => undefined),
  schedule: schedule({ cron: '0 3 * * *' }).handle(() => undefined),
  events: events().handle(() => undefined),
} as Record<Kind, SkyportFunction<Kind>>;

/** One real sample of every source. */
const samples: Record<Exclude<AwsSource, 'unknown'>, () => unknown> = {
  'apigw-v1': () => fixture('apigw-rest/aws-lambda-go__apigw-request.json'),
  'apigw-v2': () => fixture('apigw-http/powertools-py__apiGatewayProxyV2Event.json'),
  'function-url': () => fixture('lambda-url/aws-lambda-go__lambda-urls-request.json'),
  alb: () => fixture('alb/powertools-ts__base.json'),
  sqs: () => fixture('sqs/aws-lambda-go__sqs-event.json'),
  sns: () => fixture('sns/aws-lambda-go__sns-event.json'),
  s3: () => fixture('s3/aws-lambda-go__s3-event.json'),
  's3-eventbridge': () => fixture('s3/powertools-ts__eventbridge-object-created.json'),
  eventbridge: () => fixture('eventbridge/powertools-ts__base.json'),
  scheduled: () => fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'),
  kinesis: () => fixture('kinesis/aws-lambda-go__kinesis-event.json'),
  dynamodb: () => fixture('dynamodb/aws-lambda-go__dynamodb-event.json'),
  'apigw-authorizer': () => fixture('apigw-authorizer/aws-lambda-go__apigw-custom-auth-request.json'),
};

/** The table, row by row: the sources of each kind and what its handler answers each with. */
const table: Record<Kind, Partial<Record<AwsSource, 'http' | 'batchItemFailures' | 'nothing'>>> = {
  http: { 'apigw-v1': 'http', 'apigw-v2': 'http', 'function-url': 'http', alb: 'http' },
  queue: { sqs: 'batchItemFailures', sns: 'nothing' },
  stream: { kinesis: 'batchItemFailures', dynamodb: 'batchItemFailures' },
  changes: { dynamodb: 'batchItemFailures' },
  storage: { s3: 'nothing', 's3-eventbridge': 'nothing' },
  schedule: { scheduled: 'nothing' },
  events: { eventbridge: 'nothing', scheduled: 'nothing', 's3-eventbridge': 'nothing' },
};

const cases = (Object.keys(table) as Kind[]).flatMap((kind) =>
  (Object.keys(samples) as Exclude<AwsSource, 'unknown'>[]).map((source) => [kind, source] as const),
);

describe('sources by function kind', () => {
  it.each(cases)('a %s function given a %s event', async (kind, source) => {
    const event = samples[source]();
    expect(detectAwsEvent(event)).toBe(source);
    const answer = table[kind][source];
    const run = toLambda(fns[kind])(event as never, aws.lambdaContext());
    if (answer === undefined) {
      const code = source === 'apigw-authorizer' ? 'UNKNOWN_EVENT' : 'KIND_MISMATCH';
      await expect(run).rejects.toMatchObject({ code, adapter: 'aws', kind, shape: source });
      return;
    }
    const result = await run;
    if (answer === 'http') expect(result).toMatchObject({ statusCode: 200, body: 'ok' });
    else if (answer === 'batchItemFailures') expect(result).toEqual({ batchItemFailures: [] });
    else expect(result).toBeUndefined();
  });

  it('names the adapter, the kind and the source in the error', async () => {
    const run = toLambda(fns.queue)(aws.kinesis() as never, aws.lambdaContext());
    await expect(run).rejects.toMatchObject({
      name: 'SkyportError',
      code: 'KIND_MISMATCH',
      message: 'aws: the queue function cannot handle the kinesis event; queue functions accept sqs, sns',
    });
  });

  it('answers UNKNOWN_EVENT for a shape that matches no source', async () => {
    await expect(toLambda(fns.events)({ hello: 'world' } as never, aws.lambdaContext())).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
    });
    await expect(toLambda(fns.http)({ hello: 'world' } as never, aws.lambdaContext())).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
    });
  });

  it.each([
    ['queue', () => ({ Records: [{ eventSource: 'aws:sqs', body: 'no messageId' }] })],
    ['storage', () => ({ ...aws.s3EventBridge(), detail: { bucket: {} } })],
    ['events', () => ({ ...aws.eventBridge(), id: 42 })],
  ] as const)('answers INVALID_EVENT for a malformed event of a known source (%s)', async (kind, event) => {
    await expect(toLambda(fns[kind])(event() as never, aws.lambdaContext())).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
  });

  it('makes a failed SNS, S3 or EventBridge invocation throw, so Lambda retries it', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    const failing = {
      sns: toLambda(queue({ name: 'q' }).handle(boom))(aws.sns() as never, aws.lambdaContext()),
      s3: toLambda(storage({ bucket: '*' }).handle(boom))(aws.s3() as never, aws.lambdaContext()),
      schedule: toLambda(schedule({ cron: '0 3 * * *' }).handle(boom))(aws.scheduled(), aws.lambdaContext()),
      events: toLambda(events().handle(boom))(aws.eventBridge(), aws.lambdaContext()),
    };
    for (const run of Object.values(failing)) await expect(run).rejects.toThrow('boom');
  });
});
