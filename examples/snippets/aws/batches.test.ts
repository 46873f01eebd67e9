/**
 * docs/aws.md, "Messages and batches": each source's portable event, its batch semantics and its
 * `itemIdentifier`, DynamoDB unmarshalling, and the Lambda settings the page relies on.
 */
import { invokeLambda } from '@skyport/aws';
import {
  type ChangeEvent,
  changes,
  type Kind,
  type Message,
  queue,
  type SkyportFunction,
  type StorageEvent,
  type StreamRecord,
  storage,
  stream,
} from '@skyport/core';
import { aws } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../packages/aws/src/__fixtures__/load.js';

type Obj = Record<string, unknown>;

/** A queue function that records each message and fails those whose body says so. */
function recorder<T>(seen: T[], fails: (event: T) => boolean = () => false) {
  return (event: T) => {
    seen.push(event);
    if (fails(event)) throw new Error('this one fails');
  };
}

const failsOn =
  (...ids: string[]) =>
  (msg: Message) =>
    ids.includes(msg.id);

describe('SQS standard', () => {
  it('maps a record to a Message', async () => {
    const seen: Message[] = [];
    await invokeLambda(queue({ name: 'q' }).handle(recorder(seen)), fixture('sqs/aws-lambda-go__sqs-event.json'));
    const [msg] = seen as [Message];
    expect(msg).toMatchObject({
      id: 'MessageID_1',
      body: 'Message Body',
      attributes: { Attribute1: 'AttributeValue1', Attribute2: '123', Attribute3: 'MTEwMA==' },
      attempt: 2,
      source: 'SQSQueue',
      groupId: undefined,
    });
    expect(msg.publishedAt.getTime()).toBe(1520621625029);
    expect(new TextDecoder().decode(msg.rawBody)).toBe('Message Body');
  });

  it('parses a JSON body', async () => {
    const seen: Message[] = [];
    await invokeLambda(queue({ name: 'q' }).handle(recorder(seen)), aws.sqs([{ body: { orderId: 'ord_1' } }]));
    expect(seen[0]?.body).toEqual({ orderId: 'ord_1' });
  });

  it('runs every message and reports exactly the failed ones by messageId', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle(recorder(seen, failsOn('b', 'd')));
    const result = await invokeLambda(fn, aws.sqs(['a', 'b', 'c', 'd'].map((id) => ({ id }))));
    expect(seen.map((m) => m.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'd' }] });
  });

  it('runs several at once with concurrency on the function', async () => {
    let running = 0;
    let most = 0;
    const fn = queue({ name: 'q', concurrency: 3 }).handle(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
    });
    await invokeLambda(fn, aws.sqs(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id }))));
    expect(most).toBe(3);
  });
});

describe('SQS FIFO', () => {
  it('reads MessageGroupId as groupId', async () => {
    const seen: Message[] = [];
    await invokeLambda(queue({ name: 'q' }).handle(recorder(seen)), fixture('sqs/powertools-py__snsSqsFifoEvent.json'));
    expect(seen[0]?.groupId).toBe('powertools-test');
  });

  it('reports every later message of a failed group; other groups go on', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle(recorder(seen, failsOn('a2')));
    const event = aws.sqs([
      { id: 'a1', groupId: 'A' },
      { id: 'b1', groupId: 'B' },
      { id: 'a2', groupId: 'A' },
      { id: 'b2', groupId: 'B' },
      { id: 'a3', groupId: 'A' },
      { id: 'b3', groupId: 'B' },
    ]);
    const result = await invokeLambda(fn, event);
    expect(seen.map((m) => m.id)).toEqual(['a1', 'b1', 'a2', 'b2', 'b3']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }] });
  });
});

describe('SNS', () => {
  it('maps the notification to a Message', async () => {
    const seen: Message[] = [];
    const result = await invokeLambda(
      queue({ name: 'q' }).handle(recorder(seen)),
      fixture('sns/aws-lambda-go__sns-event.json'),
    );
    expect(result).toBeUndefined();
    expect(seen[0]).toMatchObject({
      id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      body: 'Hello from SNS!',
      attributes: { Test: 'TestString', TestBinary: 'TestBinary' },
    });
    const named: Message[] = [];
    await invokeLambda(queue({ name: 'q' }).handle(recorder(named)), aws.sns({ topic: 'orders' }));
    expect(named[0]?.source).toBe('orders');
  });

  it('fails the invocation when the message fails', async () => {
    const fn = queue({ name: 'q' }).handle(() => {
      throw new Error('nope');
    });
    await expect(invokeLambda(fn, aws.sns())).rejects.toThrow('nope');
  });
});

describe('Kinesis', () => {
  it('maps a record to a StreamRecord', async () => {
    const seen: StreamRecord[] = [];
    await invokeLambda(
      stream({ name: 's' }).handle(recorder(seen)),
      fixture('kinesis/aws-lambda-go__kinesis-event.json'),
    );
    const [record] = seen as [StreamRecord];
    expect(record).toMatchObject({
      id: 'shardId-000000000000:49568167373333333333333333333333333333333333333333333333',
      sequence: '49568167373333333333333333333333333333333333333333333333',
      partitionKey: 's1',
      body: 'Hello World',
      source: 'simple-stream',
    });
    expect(record.publishedAt.getTime()).toBe(1480641523477);
  });

  it('is ordered: the first failure and everything after it, by sequenceNumber', async () => {
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 's' }).handle(recorder(seen, (r: StreamRecord) => r.sequence === '2'));
    const event = aws.kinesis(['1', '2', '3', '4'].map((sequenceNumber) => ({ sequenceNumber, data: {} })));
    const result = await invokeLambda(fn, event);
    expect(seen.map((r) => r.sequence)).toEqual(['1', '2']);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }, { itemIdentifier: '4' }],
    });
  });
});

describe('DynamoDB Streams', () => {
  const event = () =>
    aws.dynamodb(
      [
        { op: 'insert', keys: { pk: 'o-1', sk: 1 }, after: { pk: 'o-1', sk: 1, total: 5 }, sequenceNumber: '100' },
        {
          op: 'update',
          keys: { pk: 'o-1', sk: 1 },
          before: { pk: 'o-1', sk: 1, total: 5 },
          after: { pk: 'o-1', sk: 1, total: 7 },
          sequenceNumber: '200',
        },
        { op: 'delete', keys: { pk: 'o-1', sk: 1 }, before: { pk: 'o-1', sk: 1, total: 7 }, sequenceNumber: '300' },
      ],
      { table: 'orders' },
    );

  it('as stream: the dynamodb object as body, JSON keys as partitionKey, table name as source', async () => {
    const seen: StreamRecord[] = [];
    await invokeLambda(stream({ name: 's' }).handle(recorder(seen)), event());
    const [first] = seen as [StreamRecord];
    expect(first).toMatchObject({ sequence: '100', partitionKey: '{"pk":"o-1","sk":1}', source: 'orders' });
    expect(first.body).toMatchObject({ Keys: { pk: { S: 'o-1' }, sk: { N: '1' } }, SequenceNumber: '100' });
  });

  it('as changes: op, collection, key, before, after, unmarshalled', async () => {
    const seen: ChangeEvent[] = [];
    await invokeLambda(changes({ collection: 'orders' }).handle(recorder(seen)), event());
    expect(seen.map(({ op, collection, key, before, after }) => ({ op, collection, key, before, after }))).toEqual([
      {
        op: 'insert',
        collection: 'orders',
        key: { pk: 'o-1', sk: 1 },
        before: undefined,
        after: { pk: 'o-1', sk: 1, total: 5 },
      },
      {
        op: 'update',
        collection: 'orders',
        key: { pk: 'o-1', sk: 1 },
        before: { pk: 'o-1', sk: 1, total: 5 },
        after: { pk: 'o-1', sk: 1, total: 7 },
      },
      {
        op: 'delete',
        collection: 'orders',
        key: { pk: 'o-1', sk: 1 },
        before: { pk: 'o-1', sk: 1, total: 7 },
        after: undefined,
      },
    ]);
  });

  const secondFails = () => {
    let calls = 0;
    return () => {
      calls++;
      if (calls === 2) throw new Error('second fails');
    };
  };

  it.each([
    ['stream', () => stream({ name: 's' }).handle(secondFails()) as SkyportFunction<Kind>],
    ['changes', () => changes({ collection: 'orders' }).handle(secondFails()) as SkyportFunction<Kind>],
  ] as const)('as %s: ordered, reported by dynamodb.SequenceNumber', async (_kind, define) => {
    expect(await invokeLambda(define(), event())).toEqual({
      batchItemFailures: [{ itemIdentifier: '200' }, { itemIdentifier: '300' }],
    });
  });

  it('reads the real sample event (binary values as Uint8Array, sets as arrays)', async () => {
    const seen: ChangeEvent[] = [];
    await invokeLambda(
      changes({ collection: 'c' }).handle(recorder(seen)),
      fixture('dynamodb/aws-lambda-go__dynamodb-event.json'),
    );
    const after = seen[0]?.after as Obj;
    expect(seen[0]).toMatchObject({ op: 'insert', collection: 'Example-Table', key: { val: 'data', key: 'binary' } });
    expect(after.asdf1).toEqual(new Uint8Array([0, 1, 42, 65]));
    expect(after.asdf2).toEqual([new Uint8Array([0, 1, 42, 65]), new Uint8Array([65, 42, 1, 0])]);
  });
});

describe('S3', () => {
  it('maps a notification to a StorageEvent, the key URL-decoded', async () => {
    const seen: StorageEvent[] = [];
    const result = await invokeLambda(
      storage({ bucket: '*' }).handle(recorder(seen)),
      fixture('s3/aws-lambda-go__s3-event.json'),
    );
    expect(result).toBeUndefined();
    expect(seen[0]).toMatchObject({
      type: 'created',
      bucket: 'sourcebucket',
      key: 'Happy Face.jpg',
      size: 1024,
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    expect(seen[0]?.time.toISOString()).toBe('1970-01-01T00:00:00.123Z');

    const spaced: StorageEvent[] = [];
    await invokeLambda(storage({ bucket: '*' }).handle(recorder(spaced)), aws.s3([{ key: 'My Photos/a+b.png' }]));
    expect(spaced[0]?.key).toBe('My Photos/a+b.png');
  });

  it('maps a delete, which has no size or etag', async () => {
    const seen: StorageEvent[] = [];
    await invokeLambda(
      storage({ bucket: '*' }).handle(recorder(seen)),
      fixture('s3/powertools-ts__delete-object.json'),
    );
    expect(seen[0]).toMatchObject({ type: 'deleted', size: undefined, etag: undefined });
  });

  it.each([
    ['ObjectCreated:CompleteMultipartUpload', 'created'],
    ['ObjectRemoved:DeleteMarkerCreated', 'deleted'],
    ['LifecycleExpiration:Delete', 'deleted'],
    ['LifecycleExpiration:DeleteMarkerCreated', 'deleted'],
    ['ObjectRestore:Completed', undefined],
    ['ObjectTagging:Put', undefined],
  ])('%s gives %s', async (eventName, type) => {
    const seen: StorageEvent[] = [];
    const event = aws.s3();
    const record = { ...(event.Records[0] as unknown as Obj), eventName };
    const result = await invokeLambda(storage({ bucket: '*' }).handle(recorder(seen)), { Records: [record] });
    expect(result).toBeUndefined();
    expect(seen.map((e) => e.type)).toEqual(type === undefined ? [] : [type]);
  });

  it('fails the invocation when an object fails', async () => {
    const fn = storage({ bucket: '*' }).handle(() => {
      throw new Error('thumbnail failed');
    });
    await expect(invokeLambda(fn, aws.s3())).rejects.toThrow('thumbnail failed');
  });
});

describe('records that cannot be mapped', () => {
  it('a malformed DynamoDB eventName fails by itself and is reported', async () => {
    const seen: ChangeEvent[] = [];
    const event = aws.dynamodb([
      { keys: { id: 'a' }, sequenceNumber: '1' },
      { keys: { id: 'b' }, sequenceNumber: '2' },
    ]);
    const [first, second] = event.Records as [Obj, Obj];
    const result = await invokeLambda(changes({ collection: 'c' }).handle(recorder(seen)), {
      Records: [first, { ...second, eventName: 'TRUNCATE' }],
    });
    expect(seen.map((c) => c.key)).toEqual([{ id: 'a' }]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
  });

  it('a record without an id fails the whole invocation', async () => {
    const seen: Message[] = [];
    const event = aws.sqs([{ id: 'a' }, { id: 'b' }]);
    const [first, second] = event.Records as unknown as [Obj, Obj];
    const { messageId: _dropped, ...anonymous } = second;
    await expect(
      invokeLambda(queue({ name: 'q' }).handle(recorder(seen)), { Records: [first, anonymous] }),
    ).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(seen).toEqual([]);
  });
});

describe('DynamoDB values', () => {
  it.each([
    [{ N: '42' }, 42],
    [{ N: '-12.5' }, -12.5],
    [{ N: '123456789012345' }, 123456789012345],
    [{ N: '0.123456789012345' }, 0.123456789012345],
    [{ N: '9007199254740993' }, '9007199254740993'],
    [{ N: '0.1234567890123456' }, '0.1234567890123456'],
    [{ SS: ['a', 'b'] }, ['a', 'b']],
    [{ NS: ['1', '2.5'] }, [1, 2.5]],
    [{ BS: ['AAE='] }, [new Uint8Array([0, 1])]],
    [{ B: 'AAE=' }, new Uint8Array([0, 1])],
    [{ NULL: true }, null],
    [{ BOOL: false }, false],
    [{ M: { a: { L: [{ S: 'x' }, { N: '1' }] } } }, { a: ['x', 1] }],
  ])('%j becomes %j', async (value, plain) => {
    const seen: ChangeEvent[] = [];
    const event = aws.dynamodb([{ keys: { id: 'a' } }]);
    const record = event.Records[0] as unknown as { dynamodb: Obj };
    record.dynamodb.NewImage = { v: value };
    await invokeLambda(changes({ collection: 'c' }).handle(recorder(seen)), event);
    expect((seen[0] as ChangeEvent).after).toEqual({ v: plain });
  });
});

describe('Lambda settings', () => {
  it('ApproximateReceiveCount is msg.attempt', async () => {
    const seen: Message[] = [];
    await invokeLambda(queue({ name: 'q' }).handle(recorder(seen)), aws.sqs([{ receiveCount: 4 }]));
    expect(seen[0]?.attempt).toBe(4);
  });
});
