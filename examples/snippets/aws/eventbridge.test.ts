/**
 * docs/aws.md, "EventBridge, S3 through EventBridge, schedules" and "Context": the portable event
 * each EventBridge delivery gives, the Scheduler input the page recommends, and where each `ctx`
 * field comes from. The cold-start check runs first: it needs the first invocation of this file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLambdaContext, invokeLambda, toLambda } from '@skyport/aws';
import {
  type CloudEvent,
  type Context,
  events,
  http,
  queue,
  type ScheduleTick,
  type StorageEvent,
  schedule,
  storage,
} from '@skyport/core';
import { aws } from '@skyport/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../packages/aws/src/__fixtures__/load.js';

const page = readFileSync(join(import.meta.dirname, '../../../docs/aws.md'), 'utf8');

const previous = { region: process.env.AWS_REGION, trace: process.env._X_AMZN_TRACE_ID };
process.env.AWS_REGION = 'eu-west-3';
afterAll(() => {
  for (const [name, value] of [
    ['AWS_REGION', previous.region],
    ['_X_AMZN_TRACE_ID', previous.trace],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('context', () => {
  const seen: Context[] = [];
  const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
    seen.push(ctx);
  });

  it('coldStart is true for the first invocation of the process only', async () => {
    await invokeLambda(fn, aws.sqs());
    await invokeLambda(fn, aws.sqs());
    expect(seen.map((ctx) => ctx.coldStart)).toEqual([true, false]);
  });

  it('takes cloud, requestId, functionName, deadline and raw from the Lambda context, region from AWS_REGION', async () => {
    const lambda = createLambdaContext({ awsRequestId: 'req-7', functionName: 'fulfil-order', timeoutMs: 4000 });
    lambda.callbackWaitsForEmptyEventLoop = false;
    const started = Date.now();
    seen.length = 0;
    await invokeLambda(fn, aws.sqs(), lambda);
    const ctx = seen[0] as Context;
    expect(ctx).toMatchObject({ cloud: 'aws', requestId: 'req-7', functionName: 'fulfil-order', region: 'eu-west-3' });
    expect(ctx.raw).toBe(lambda);
    expect(lambda.callbackWaitsForEmptyEventLoop).toBe(false);
    expect(ctx.deadline).toBeGreaterThanOrEqual(started + 3900);
    expect(ctx.deadline).toBeLessThanOrEqual(Date.now() + 4000);
  });

  it('aborts ctx.signal shortly before the Lambda deadline', async () => {
    const fired: number[] = [];
    const slow = http({ path: '/*' }).handle(async (_req, ctx) => {
      const started = Date.now();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      fired.push(Date.now() - started);
      return 'aborted';
    });
    await invokeLambda(slow, aws.apiGatewayV2(), createLambdaContext({ timeoutMs: 700 }));
    // 500 ms before the 700 ms deadline; anything before the deadline shows the margin at work.
    expect(fired[0]).toBeLessThan(700);
  });

  it.each([
    ['set', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'],
    ['unset', undefined],
  ])('trace carries x-amzn-trace-id from _X_AMZN_TRACE_ID when %s', async (_name, value) => {
    if (value === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = value;
    seen.length = 0;
    await invokeLambda(fn, aws.sqs());
    expect((seen[0] as Context).trace['x-amzn-trace-id']).toBe(value);
  });
});

describe('EventBridge deliveries', () => {
  it('any EventBridge event gives an events function a CloudEvent', async () => {
    const seen: CloudEvent[] = [];
    const fn = events().handle((event: CloudEvent) => {
      seen.push(event);
    });
    await invokeLambda(fn, fixture('eventbridge/powertools-ts__examplePayload.json'));
    const event = seen[0] as CloudEvent;
    expect(event).toMatchObject({
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      source: 'OrderService',
      type: 'OrderPurchased',
      datacontenttype: 'application/json',
      data: { id: 10876546789, description: 'My order' },
      extensions: { account: '111122223333', region: 'us-west-1', resources: ['some_additional'] },
    });
    expect(event.time?.toISOString()).toBe('2020-10-22T18:43:48.000Z');
  });

  it.each([
    [
      'an AWS service event',
      () => fixture('eventbridge/powertools-ts__base.json'),
      'EC2 Instance State-change Notification',
    ],
    ['a scheduled event', () => fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'), 'Scheduled Event'],
    ['an S3 event', () => fixture('s3/powertools-ts__eventbridge-object-created.json'), 'Object Created'],
  ])('an events function also takes %s', async (_name, event, type) => {
    const seen: CloudEvent[] = [];
    await invokeLambda(
      events().handle((e: CloudEvent) => {
        seen.push(e);
      }),
      event(),
    );
    expect(seen.map((e) => e.type)).toEqual([type]);
  });

  it('S3 Object Created / Object Deleted give a storage function a StorageEvent, keys as sent', async () => {
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: '*' }).handle((object: StorageEvent) => {
      seen.push(object);
    });
    await invokeLambda(fn, fixture('s3/powertools-ts__eventbridge-object-created.json'));
    await invokeLambda(fn, aws.s3EventBridge({ bucket: 'receipts', key: 'a b+c%20d.pdf', type: 'deleted' }));
    expect(seen[0]).toMatchObject({
      type: 'created',
      bucket: 'example-bucket',
      key: 'IMG_m7fzo3.jpg',
      size: 184662,
      etag: '4e68adba0abe2dc8653dc3354e14c01d',
    });
    expect(seen[1]).toMatchObject({ type: 'deleted', bucket: 'receipts', key: 'a b+c%20d.pdf' });
  });

  it.each([
    [
      'a rule',
      () => fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'),
      'my-schedule',
      '1970-01-01T00:00:00.000Z',
    ],
    [
      'EventBridge Scheduler',
      () => aws.scheduled({ scheduler: true, name: 'nightly', time: new Date('2026-05-01T03:00:00Z') }),
      'nightly',
      '2026-05-01T03:00:00.000Z',
    ],
  ])('a Scheduled Event from %s gives a tick named after resources[0], at time', async (_name, event, name, time) => {
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *' }).handle((tick: ScheduleTick) => {
      seen.push(tick);
    });
    expect(await invokeLambda(fn, event())).toBeUndefined();
    expect(seen.map((tick) => [tick.name, tick.scheduledTime.toISOString()])).toEqual([[name, time]]);
  });

  it('{} gives a tick now, named after the function', async () => {
    const seen: ScheduleTick[] = [];
    const record = (tick: ScheduleTick) => {
      seen.push(tick);
    };
    const before = Date.now();
    await toLambda(schedule({ cron: '0 3 * * *', name: 'nightly' }).handle(record))({} as never, aws.lambdaContext());
    await toLambda(schedule({ cron: '0 3 * * *' }).handle(record))(
      {} as never,
      aws.lambdaContext({ functionName: 'orders-nightly' }),
    );
    expect(seen.map((tick) => tick.name)).toEqual(['nightly', 'orders-nightly']);
    expect(seen[0]?.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('the Scheduler input template of the page gives the tick its real time and name', async () => {
    const template = /for\s+Scheduler\s+templated\s+targets,\s+an\s+input\s+of\s+`([^`]+)`/i.exec(page)?.[1];
    expect(template).toBeDefined();
    // What EventBridge Scheduler puts in the placeholders when it runs the schedule.
    const input = (template as string)
      .replace('<aws.scheduler.scheduled-time>', '2026-05-01T03:00:00Z')
      .replace('<aws.scheduler.schedule-arn>', 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly')
      .replace('<aws.scheduler.execution-id>', 'a1b2c3d4-0000-4000-8000-000000000000');
    const seen: ScheduleTick[] = [];
    await invokeLambda(
      schedule({ cron: '0 3 * * *' }).handle((tick: ScheduleTick) => {
        seen.push(tick);
      }),
      JSON.parse(input),
    );
    expect(seen.map((tick) => [tick.name, tick.scheduledTime.toISOString()])).toEqual([
      ['nightly', '2026-05-01T03:00:00.000Z'],
    ]);
  });
});
