import {
  type ChangeEvent,
  type CloudEvent,
  changes,
  events,
  http,
  type Message,
  queue,
  type ScheduleTick,
  SkyportError,
  type StorageEvent,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { collectLogs } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as aws from '../../testing/src/raw/aws.js';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { detectAwsEvent } from './detect.js';
import { invokeLambda } from './invoke.js';
import { toLambda } from './to-lambda.js';

function sqsRecord(id: string, body: string, extra: Record<string, string> = {}) {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '2',
      SentTimestamp: '1700000000000',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '1700000000001',
      ...extra,
    },
    messageAttributes: {
      tenant: { stringValue: 'acme', stringListValues: [], binaryListValues: [], dataType: 'String' },
    },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo',
    awsRegion: 'eu-west-1',
  };
}

describe('SQS', () => {
  it('maps the fixture records and reports nothing when all succeed', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(msg);
    });
    const result = await invokeLambda(fn, fixture('sqs/powertools-ts__base.json'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen.map((m) => [m.id, m.body, m.attempt, m.source, m.attributes])).toEqual([
      ['059f36b4-87a3-44ab-83d2-661975830a7d', 'Test message.', 1, 'my-queue', { testAttr: '100' }],
      ['2e1424d4-f796-459a-8184-9c92662be6da', { message: 'foo1' }, 1, 'my-queue', {}],
    ]);
    expect(seen[0]?.publishedAt.getTime()).toBe(1545082649183);
  });

  it("gives each message's context the producer's X-Ray header (AWSTraceHeader), for tracing()", async () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const seen: [string, string | undefined][] = [];
    const fn = queue({ name: 'q' }).handle((msg, ctx) => {
      seen.push([msg.id, ctx.trace['x-amzn-trace-id']]);
    });
    const event = { Records: [sqsRecord('a', '{}', { AWSTraceHeader: header }), sqsRecord('b', '{}')] };
    process.env._X_AMZN_TRACE_ID = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1';
    try {
      expect(await toLambda(fn)(event, createLambdaContext())).toEqual({ batchItemFailures: [] });
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
    // The message without one keeps the invocation's own carrier (Lambda's segment).
    expect(seen).toEqual([
      ['a', header],
      ['b', 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1'],
    ]);
  });

  it("never gives an invocation the next one's X-Ray header, also to work left running past its end", async () => {
    // Prepare: the runtime sets the variable before each invocation; the first handler reads it late.
    const first = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const second = 'Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1';
    const read: (string | undefined)[][] = [];
    let late: Promise<void> | undefined;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // tracing() without an SDK parses the parent when `ctx.traceId` is first read.
    const fn = schedule({ cron: '0 3 * * *' })
      .use(tracing())
      .handle((_tick, ctx) => {
        const reading = () => {
          read.push([ctx.trace['x-amzn-trace-id'], ctx.traceId]);
        };
        if (late === undefined) {
          late = gate.then(reading);
          return;
        }
        reading();
      });
    const handler = toLambda(fn);
    const event = fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json') as never;

    // Act
    try {
      process.env._X_AMZN_TRACE_ID = first;
      await handler(event, createLambdaContext());
      process.env._X_AMZN_TRACE_ID = second;
      await handler(event, createLambdaContext());
      release();
      await late;
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }

    // Assert: the late read gets no header rather than the other invocation's.
    expect(read).toEqual([
      [second, '66666666000000000000000000000002'],
      [undefined, undefined],
    ]);
  });

  it("takes each invocation's X-Ray header from its Lambda context, where the runtime puts it", async () => {
    // Prepare: two invocations overlap, as they do on Lambda Managed Instances; the variable
    // holds neither's header.
    const first = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const second = 'Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1';
    const read: (string | undefined)[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = schedule({ cron: '0 3 * * *' })
      .use(tracing())
      .handle(async (_tick, ctx) => {
        if (read.length === 0) read.push([]);
        else await gate;
        read.push([ctx.requestId, ctx.trace['x-amzn-trace-id'], ctx.traceId]);
      });
    const handler = toLambda(fn);
    const event = fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json') as never;

    // Act
    process.env._X_AMZN_TRACE_ID = 'Root=1-77777777-000000000000000000000007;Parent=7777777777777777;Sampled=1';
    try {
      const a = handler(event, createLambdaContext({ awsRequestId: 'a', xRayTraceId: first }));
      await Promise.resolve();
      const b = handler(event, createLambdaContext({ awsRequestId: 'b', xRayTraceId: second }));
      release();
      await Promise.all([a, b]);
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }

    // Assert
    expect(read.slice(1).sort()).toEqual([
      ['a', first, '5759e988bd862e3fe1be46a994272793'],
      ['b', second, '66666666000000000000000000000002'],
    ]);
  });

  it('reports exactly the failed messages, including schema failures', async () => {
    const fn = queue({ name: 'q', body: z.object({ n: z.number() }) }).handle((msg) => {
      if (msg.body.n === 2) throw new Error('boom');
    });
    const event = {
      Records: [
        sqsRecord('a', '{"n":1}'),
        sqsRecord('b', '{"n":2}'),
        sqsRecord('c', '"bad"'),
        sqsRecord('d', '{"n":3}'),
      ],
    };
    expect(await invokeLambda(fn, event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }],
    });
  });

  it('FIFO: after a failure every later message of the same group is reported', async () => {
    const ran: string[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      ran.push(msg.id);
      if (msg.id === 'a2') throw new Error('boom');
    });
    const event = {
      Records: [
        sqsRecord('a1', '1', { MessageGroupId: 'A' }),
        sqsRecord('a2', '2', { MessageGroupId: 'A' }),
        sqsRecord('b1', '3', { MessageGroupId: 'B' }),
        sqsRecord('a3', '4', { MessageGroupId: 'A' }),
        sqsRecord('b2', '5', { MessageGroupId: 'B' }),
      ],
    };
    expect(await invokeLambda(fn, event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }],
    });
    expect(ran).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('fails the whole invocation when batch item failures are not reported', async () => {
    const fn = queue({ name: 'q' }).handle((msg) => {
      if (msg.id === 'b') throw new Error('no b');
    });
    const handler = toLambda(fn, { reportBatchItemFailures: false });
    const event = { Records: [sqsRecord('a', '1'), sqsRecord('b', '2')] };
    await expect(handler(event as never, createLambdaContext())).rejects.toThrow('no b');
  });

  it('fails only a malformed record, and the whole batch when a record has no id', async () => {
    const fn = queue({ name: 'q' }).handle(() => undefined);
    const bad = { Records: [sqsRecord('a', '1'), { ...sqsRecord('b', '2'), attributes: null }] };
    expect(await invokeLambda(fn, bad)).toEqual({ batchItemFailures: [] });
    const noId = { Records: [sqsRecord('a', '1'), { eventSource: 'aws:sqs', body: 'x' }] };
    await expect(invokeLambda(fn, noId)).rejects.toMatchObject({ code: 'INVALID_EVENT', kind: 'queue', shape: 'sqs' });
  });

  it('fails a record whose body is not a string, and only that record, without running it', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(msg.body);
    });
    const event = {
      Records: [
        sqsRecord('a', '1'),
        { ...sqsRecord('b', '2'), body: { orderId: 'o1' } },
        { ...sqsRecord('c', '3'), body: undefined },
        sqsRecord('d', ''),
      ],
    };
    expect(await invokeLambda(fn, event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }],
    });
    // An empty string is an empty message, not a malformed one.
    expect(seen).toEqual([1, '']);
  });

  it('runs every message of a fair queue (a standard queue whose messages name a tenant), reporting only failures', async () => {
    // Prepare: MessageGroupId on a standard queue names the tenant; there is no order to keep.
    const ran: [string, string | undefined][] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      ran.push([msg.id, msg.groupId]);
      if (msg.id === 'a2') throw new Error('boom');
    });
    const standard = (id: string) => ({
      ...sqsRecord(id, '{}', { MessageGroupId: 'tenant-a' }),
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders',
    });
    // Act
    const result = await invokeLambda(fn, { Records: [standard('a1'), standard('a2'), standard('a3')] });
    // Assert: a3 ran and is not held back (and retried towards the dead-letter queue) for a2.
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }] });
    expect(ran.map(([id]) => id).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(ran.every(([, group]) => group === 'tenant-a')).toBe(true);
    // A function defined with fifo: true keeps its groups on any queue.
    ran.length = 0;
    const declared = queue({ name: 'q', fifo: true }).handle((msg) => {
      ran.push([msg.id, msg.groupId]);
      if (msg.id === 'a2') throw new Error('boom');
    });
    expect(await invokeLambda(declared, { Records: [standard('a1'), standard('a2'), standard('a3')] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }],
    });
    expect(ran.map(([id]) => id)).toEqual(['a1', 'a2']);
  });

  it('unwraps SNS envelopes when asked (the FIFO fixture)', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'q', aws: { unwrapSns: true } }).handle((msg) => {
      seen.push(msg);
    });
    expect(await invokeLambda(fn, fixture('sqs/powertools-py__snsSqsFifoEvent.json'))).toEqual({
      batchItemFailures: [],
    });
    expect(seen[0]?.body).toEqual({ message: 'hello world', username: 'lessa' });
    expect(seen[0]?.groupId).toBe('powertools-test');
    expect(seen[0]?.id).toBe('69bc4bbd-ed69-4325-a434-85c3b428ceab');
  });

  it('keeps a message attribute named __proto__ as an own key of a plain map', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary attribute name, as SQS delivers it.
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(msg);
    });
    const proto = sqsRecord('a', '{}');
    const plain = sqsRecord('b', '{}');
    const attributes: unknown = JSON.parse(
      '{"__proto__":{"stringValue":"kept","stringListValues":[],"binaryListValues":[],"dataType":"String"}}',
    );
    const record = { ...proto, messageAttributes: attributes };

    // Act
    const result = await invokeLambda(fn, { Records: [record, plain] });

    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    expect(Object.keys(seen[0]?.attributes ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(seen[0]?.attributes, '__proto__')?.value).toBe('kept');
    // A plain map, as the test kit's messages and every other source's attributes.
    expect(Object.getPrototypeOf(seen[1]?.attributes)).toBe(Object.prototype);
  });
});

describe('SNS', () => {
  it('fails a record whose Message is not a string instead of running it as an empty message', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 't' }).handle((msg) => {
      seen.push(msg.body);
    });
    const record = (id: string, message: unknown) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:1:orders:sub',
      Sns: { Type: 'Notification', MessageId: id, TopicArn: 'arn:aws:sns:eu-west-1:1:orders', Message: message },
    });
    await expect(invokeLambda(fn, { Records: [record('m1', { orderId: 7 })] })).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: 'aws: SNS record m1 has no string Message',
    });
    await expect(invokeLambda(fn, { Records: [record('m2', undefined)] })).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
    expect(seen).toEqual([]);
  });

  it('maps the fixture', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 't' }).handle((msg) => {
      seen.push(msg);
    });
    expect(await invokeLambda(fn, fixture('sns/powertools-ts__base.json'))).toBeUndefined();
    expect(seen.map((m) => [m.id, m.body, m.source, m.attributes])).toEqual([
      [
        '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        'Hello from SNS!',
        'ExampleTopic',
        { Test: 'TestString', TestBinary: 'TestBinary' },
      ],
    ]);
  });

  it('throws the handler error so the async invocation is retried', async () => {
    const fn = queue({ name: 't' }).handle(() => {
      throw new Error('sns failed');
    });
    await expect(invokeLambda(fn, fixture('sns/aws-lambda-go__sns-event.json'))).rejects.toThrow('sns failed');
  });

  it('keeps a message attribute named __proto__ as an own key of a plain map', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary attribute name, as SNS delivers it.
    const seen: Message[] = [];
    const fn = queue({ name: 't' }).handle((msg) => {
      seen.push(msg);
    });
    const record = (id: string, attributes: unknown) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:1:orders:sub',
      Sns: {
        Type: 'Notification',
        MessageId: id,
        TopicArn: 'arn:aws:sns:eu-west-1:1:orders',
        Message: 'hi',
        MessageAttributes: attributes,
      },
    });

    // Act
    await invokeLambda(fn, { Records: [record('m1', JSON.parse('{"__proto__":{"Type":"String","Value":"kept"}}'))] });
    await invokeLambda(fn, { Records: [record('m2', {})] });

    // Assert
    expect(Object.keys(seen[0]?.attributes ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(seen[0]?.attributes, '__proto__')?.value).toBe('kept');
    // A plain map, as the test kit's messages and every other source's attributes.
    expect(Object.getPrototypeOf(seen[1]?.attributes)).toBe(Object.prototype);
  });
});

describe('Kinesis', () => {
  it('decodes data and reports the first failing sequence number onward', async () => {
    const event = fixture<{ Records: { kinesis: { sequenceNumber: string } }[] }>('kinesis/powertools-ts__stream.json');
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 's' }).handle((rec) => {
      seen.push(rec);
      throw new Error('first fails');
    });
    const result = await invokeLambda(fn, event);
    expect(result).toEqual({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ body: 'Hello, this is a test.', partitionKey: '1', source: 'lambda-stream' });
    expect(seen[0]?.publishedAt.getTime()).toBe(1545084650987);
  });

  it('fails a record without string data from that record onward, never running it as empty data', async () => {
    const record = (sequenceNumber: string, data: unknown) => ({
      eventSource: 'aws:kinesis',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/orders',
      kinesis: { sequenceNumber, partitionKey: 'p', data, approximateArrivalTimestamp: 1545084650.987 },
    });
    const seen: unknown[] = [];
    const fn = stream({ name: 's' }).handle((rec) => {
      seen.push(rec.body);
    });
    const event = { Records: [record('1', 'eyJuIjoxfQ=='), record('2', { n: 2 }), record('3', 'eyJuIjozfQ==')] };
    expect(await invokeLambda(fn, event)).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }],
    });
    expect(seen).toEqual([{ n: 1 }]);
    // Data that is not base64 is not what Kinesis sends: that record fails too, not run as text.
    const text = { Records: [record('4', '{"amount":5}')] };
    expect(await invokeLambda(fn, text)).toEqual({ batchItemFailures: [{ itemIdentifier: '4' }] });
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('DynamoDB Streams', () => {
  it('maps changes with unmarshalled items', async () => {
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'x' }).handle((change) => {
      seen.push(change);
    });
    expect(await invokeLambda(fn, fixture('dynamodb/powertools-ts__base.json'))).toEqual({ batchItemFailures: [] });
    expect(seen.map(({ op, key, before, after }) => ({ op, key, before, after }))).toEqual([
      { op: 'insert', key: { Id: 101 }, before: undefined, after: { Message: 'New item!', Id: 101 } },
      {
        op: 'update',
        key: { Id: 101 },
        before: { Message: 'New item!', Id: 101 },
        after: { Message: 'This item has changed', Id: 101 },
      },
    ]);
    expect(seen[0]?.time.getTime()).toBe(1693997155000);
  });

  it('reports the first failing change onward, by SequenceNumber', async () => {
    const fn = changes({ collection: 'x' }).handle((change) => {
      if (change.op === 'insert') throw new Error('no');
    });
    expect(await invokeLambda(fn, fixture('dynamodb/powertools-ts__base.json'))).toEqual({
      batchItemFailures: [{ itemIdentifier: '111' }, { itemIdentifier: '222' }],
    });
  });

  it('fails a change whose image holds an AttributeValue of the wrong shape', async () => {
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'x' }).handle((change) => {
      seen.push(change);
    });
    const event = fixture<{ Records: { dynamodb: { NewImage?: Record<string, unknown> } }[] }>(
      'dynamodb/powertools-ts__base.json',
    );
    const second = event.Records[1]?.dynamodb;
    if (second) second.NewImage = { ...second.NewImage, Message: { S: null } };
    const result = (await invokeLambda(fn, event)) as { batchItemFailures: { itemIdentifier: string }[] };
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['222']);
    expect(seen).toHaveLength(1);
  });

  it('runs as a raw stream with the dynamodb object as body', async () => {
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 's' }).handle((rec) => {
      seen.push(rec);
    });
    await invokeLambda(fn, fixture('dynamodb/aws-lambda-go__dynamodb-event.json'));
    expect(seen[0]).toMatchObject({ source: 'Example-Table', partitionKey: '{"val":"data","key":"binary"}' });
    expect((seen[0]?.body as { Keys?: unknown } | undefined)?.Keys).toEqual({
      val: { S: 'data' },
      key: { S: 'binary' },
    });
  });
});

describe('S3', () => {
  it('decodes keys (+ is a space) and maps created objects', async () => {
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'b' }).handle((obj) => {
      seen.push(obj);
    });
    const event = fixture<{ Records: { s3: { object: { key: string } } }[] }>('s3/aws-lambda-go__s3-event.json');
    const record = event.Records[0] as { s3: { object: { key: string } } };
    record.s3.object.key = 'My+Photos%2F2024%3A1.png';
    expect(await invokeLambda(fn, event)).toBeUndefined();
    expect(seen.map(({ type, bucket, key, size, etag }) => ({ type, bucket, key, size, etag }))).toEqual([
      {
        type: 'created',
        bucket: 'sourcebucket',
        key: 'My Photos/2024:1.png',
        size: 1024,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
      },
    ]);
  });

  it('fails a DynamoDB change whose eventName is an Object method name (toString) instead of running it', async () => {
    // Prepare
    const ran: unknown[] = [];
    const fn = changes({ collection: 'orders' }).handle((change) => {
      ran.push(change.op);
    });
    const event = aws.dynamodb([{ op: 'insert' }, { op: 'update' }]);
    (event.Records[0] as Record<string, unknown>).eventName = 'toString';

    // Act
    const result = await invokeLambda(fn, event);

    // Assert
    expect(ran).toEqual([]);
    expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.dynamodb?.SequenceNumber),
    );
  });

  it('fails a record without an eventName instead of skipping it as another notification type', async () => {
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'b' }).handle((obj) => {
      seen.push(obj);
    });
    for (const eventName of [undefined, 5, '']) {
      const event = fixture<{ Records: Record<string, unknown>[] }>('s3/aws-lambda-go__s3-event.json');
      (event.Records[0] as Record<string, unknown>).eventName = eventName;
      await expect(invokeLambda(fn, event)).rejects.toMatchObject({
        code: 'INVALID_EVENT',
        message: 'aws: an S3 record has no eventName',
      });
    }
    expect(seen).toEqual([]);
  });

  it('maps deletes without size or etag', async () => {
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'b' }).handle((obj) => {
      seen.push(obj);
    });
    await invokeLambda(fn, fixture('s3/powertools-ts__delete-object.json'));
    expect(seen[0]).toMatchObject({
      type: 'deleted',
      key: 'b21b84d653bb07b05b1e6b33684dc11b',
      size: undefined,
      etag: undefined,
    });
  });

  it('maps S3 events delivered by EventBridge', async () => {
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'b' }).handle((obj) => {
      seen.push(obj);
    });
    await invokeLambda(fn, fixture('s3/powertools-ts__eventbridge-object-created.json'));
    expect(seen[0]).toMatchObject({ type: 'created', bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', size: 184662 });
    expect(seen[0]?.time.toISOString()).toBe('2023-03-08T17:50:14.000Z');
  });

  it('skips direct notifications of other types in a batch, with one warning each naming the type', async () => {
    const stored: StorageEvent[] = [];
    const store = storage({ bucket: 'b' }).handle((obj) => {
      stored.push(obj);
    });
    const event = aws.s3();
    const created = event.Records[0] as unknown as Record<string, unknown>;
    const logs = collectLogs();
    try {
      await invokeLambda(store, { Records: [created, { ...created, eventName: 'ObjectRestore:Completed' }] });
    } finally {
      logs.restore();
    }
    expect(stored.map((obj) => obj.type)).toEqual(['created']);
    expect(logs.find('acknowledged without running the handler').map((line) => [line.level, line.eventType])).toEqual([
      ['WARN', 'ObjectRestore:Completed'],
    ]);
  });

  it('skips the other S3 events EventBridge delivers, as direct notifications of other types are', async () => {
    const stored: StorageEvent[] = [];
    const store = storage({ bucket: 'b' }).handle((obj) => {
      stored.push(obj);
    });
    const seen: CloudEvent[] = [];
    const all = events({}).handle((event) => {
      seen.push(event);
    });
    const created = fixture('s3/powertools-ts__eventbridge-object-created.json');
    const others = ['Object Restore Completed', 'Object Tags Added', 'Object Storage Class Changed'].map(
      (detailType) => ({ ...created, 'detail-type': detailType }),
    );

    const logs = collectLogs();
    try {
      for (const event of others) {
        expect(detectAwsEvent(event)).toBe('s3-eventbridge');
        await expect(invokeLambda(store, event)).resolves.toBeUndefined();
        await invokeLambda(all, event);
      }
    } finally {
      logs.restore();
    }

    expect(stored).toEqual([]);
    // One warning per skipped event, naming its type, as on Azure and GCP; none for `events`.
    expect(logs.find('acknowledged without running the handler').map((line) => [line.level, line.eventType])).toEqual([
      ['WARN', 'Object Restore Completed'],
      ['WARN', 'Object Tags Added'],
      ['WARN', 'Object Storage Class Changed'],
    ]);
    expect(seen.map((event) => event.type)).toEqual([
      'Object Restore Completed',
      'Object Tags Added',
      'Object Storage Class Changed',
    ]);
  });
});

describe('EventBridge', () => {
  it('names the adapter and the shape when the event is not a CloudEvent (no id, no detail-type)', async () => {
    const fn = events({}).handle(() => undefined);
    const event = {
      version: '0',
      id: '',
      'detail-type': 'OrderPurchased',
      source: 'OrderService',
      account: '1',
      time: '2026-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: {},
    };
    await expect(invokeLambda(fn, event)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      adapter: 'aws',
      shape: 'eventbridge',
      message: expect.stringMatching(/^aws: eventbridge: a CloudEvent needs a non-empty string "id"/),
    });
  });

  it('maps custom events to CloudEvents', async () => {
    const seen: CloudEvent[] = [];
    const fn = events({ type: 'OrderPurchased' }).handle((event) => {
      seen.push(event);
    });
    expect(await invokeLambda(fn, fixture('eventbridge/powertools-ts__examplePayload.json'))).toBeUndefined();
    expect(seen[0]).toMatchObject({
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      source: 'OrderService',
      type: 'OrderPurchased',
      specversion: '1.0',
      datacontenttype: 'application/json',
      data: { id: 10876546789, description: 'My order' },
      extensions: { account: '111122223333', region: 'us-west-1', resources: ['some_additional'] },
    });
  });

  it('maps scheduled rules and Scheduler events to ticks', async () => {
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *' }).handle((tick) => {
      seen.push(tick);
    });
    await invokeLambda(fn, fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'));
    await invokeLambda(fn, {
      version: '0',
      id: 'x',
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: '1',
      time: '2024-05-01T03:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:scheduler:eu-west-1:1:schedule/default/nightly'],
      detail: {},
    });
    await invokeLambda(fn, {});
    expect(seen.map((t) => [t.name, t.isPastDue])).toEqual([
      ['my-schedule', false],
      ['nightly', false],
      ['skyport-function', false],
    ]);
    expect(seen[0]?.scheduledTime.toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });

  it('rejects with an error when a handler throws undefined, which the Lambda runtime would report as success', async () => {
    const fn = schedule({ cron: '0 3 * * *' }).handle(() => Promise.reject(undefined));
    const handler = toLambda(fn);
    const failure = await handler(
      fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json') as never,
      createLambdaContext(),
    ).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'SkyportError', code: 'HANDLER_FAILED' });
  });

  it('rejects with an error when a batch that retries as a whole fails with a falsy error', async () => {
    // Prepare: the sources that report failure by rejecting the invocation.
    const failing = queue({ name: 'orders' }).handle(() => Promise.reject(null));
    const uploads = storage({ bucket: 'uploads' }).handle(() => Promise.reject(undefined));
    const records = stream({ name: 'events' }).handle(() => Promise.reject(null));
    const outcome = (run: Promise<unknown>) =>
      run.then(
        () => 'resolved',
        (error: unknown) => error,
      );
    const context = createLambdaContext();

    // Act
    const failures = [
      await outcome(toLambda(failing)(aws.sns({ message: { a: 1 } }) as never, context)),
      await outcome(toLambda(failing, { reportBatchItemFailures: false })(aws.sqs([{ id: 'm1' }]) as never, context)),
      await outcome(toLambda(uploads)(aws.s3([{ key: 'a.txt' }]) as never, context)),
      await outcome(toLambda(records)(aws.kinesis([{ data: { a: 1 } }]).Records as never, context)),
    ];

    // Assert
    for (const failure of failures) expect(failure).toMatchObject({ name: 'SkyportError', code: 'HANDLER_FAILED' });
  });
});

describe('EventBridge Scheduler target input', () => {
  it('runs a schedule function now with the input in raw, whatever object it is', async () => {
    // Prepare
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *', name: 'cleanup' }).handle((tick) => {
      seen.push(tick);
    });
    const input = { job: 'cleanup', dryRun: true };
    const before = Date.now();

    // Act
    const result = await invokeLambda(fn, input);

    // Assert
    expect(result).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.name).toBe('cleanup');
    expect(seen[0]?.raw).toBe(input);
    expect(seen[0]?.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
  });

  it.each([
    ['a string', 'run'],
    ['null', null],
    ['a number', 7],
    ['an array', [{ job: 'cleanup' }]],
  ])('refuses %s with UNKNOWN_EVENT', async (_case, input) => {
    // Prepare
    const fn = schedule({ cron: '0 3 * * *' }).handle(() => undefined);

    // Act
    const error = await invokeLambda(fn, input).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect((error as SkyportError).code).toBe('UNKNOWN_EVENT');
  });

  it('is still an unknown event for functions of other kinds', async () => {
    // Act
    const error = await invokeLambda(
      queue({ name: 'q' }).handle(() => undefined),
      { job: 'cleanup' },
    ).catch((e: unknown) => e);

    // Assert
    expect((error as SkyportError).code).toBe('UNKNOWN_EVENT');
    expect((error as SkyportError).message).toContain('an object with keys job');
  });
});

describe('errors', () => {
  it('names the kind and the detected shape on a mismatch', async () => {
    const fn = queue({ name: 'q' }).handle(() => undefined);
    const error = await invokeLambda(fn, fixture('kinesis/powertools-ts__stream.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkyportError);
    expect(error).toMatchObject({ code: 'KIND_MISMATCH', adapter: 'aws', kind: 'queue', shape: 'kinesis' });
    expect((error as Error).message).toContain('queue');
    expect((error as Error).message).toContain('kinesis');
  });

  it('rejects unknown shapes and authorizer events', async () => {
    const fn = queue({ name: 'q' }).handle(() => undefined);
    await expect(invokeLambda(fn, { hello: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT', shape: 'unknown' });
    await expect(
      invokeLambda(fn, fixture('apigw-authorizer/aws-lambda-go__apigw-custom-auth-request.json')),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
      shape: 'apigw-authorizer',
    });
  });

  it('rejects HTTP API authorizer events of both payload formats from an http function', async () => {
    // Prepare: payload 2.0 looks like an HTTP API request but for `type` and `routeArn`
    const fn = http().handle(() => 'reached');
    const v1 = fixture('apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v1-request.json');
    const v2 = fixture('apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v2-request.json');
    // Act
    const outcomes = await Promise.all(
      [v1, v2].map((event) =>
        invokeLambda(fn, event).then(
          () => 'answered',
          (error: unknown) => error,
        ),
      ),
    );
    // Assert
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(SkyportError);
      expect(outcome).toMatchObject({ code: 'UNKNOWN_EVENT', adapter: 'aws', kind: 'http', shape: 'apigw-authorizer' });
    }
  });
});

describe('detectAwsEvent', () => {
  it.each([
    ['alb/powertools-ts__base.json', 'alb'],
    ['apigw-http/powertools-ts__no-auth.json', 'apigw-v2'],
    ['apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json', 'apigw-v1'],
    ['apigw-rest/powertools-ts__no-auth.json', 'apigw-v1'],
    ['lambda-url/powertools-ts__base.json', 'function-url'],
    ['sqs/powertools-ts__base.json', 'sqs'],
    ['sns/powertools-ts__base.json', 'sns'],
    ['s3/powertools-ts__delete-object.json', 's3'],
    ['s3/powertools-ts__eventbridge-object-created.json', 's3-eventbridge'],
    ['eventbridge/powertools-ts__base.json', 'eventbridge'],
    ['eventbridge/aws-lambda-dotnet__scheduled-event.json', 'scheduled'],
    ['kinesis/aws-lambda-go__kinesis-event.json', 'kinesis'],
    ['dynamodb/aws-lambda-go__dynamodb-event.json', 'dynamodb'],
    ['apigw-authorizer/aws-lambda-go__apigw-custom-auth-request.json', 'apigw-authorizer'],
    ['apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v1-request.json', 'apigw-authorizer'],
    ['apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v2-request.json', 'apigw-authorizer'],
  ])('%s -> %s', (path, source) => {
    expect(detectAwsEvent(fixture(path))).toBe(source);
  });

  it('says unknown for non-objects and empty batches', () => {
    expect([null, 1, 'x', [], { Records: [] }].map(detectAwsEvent)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});
