import {
  type ChangeEvent,
  changes,
  http,
  type Message,
  queue,
  SkyportError,
  type StreamRecord,
  stream,
} from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as aws from '../../testing/src/raw/aws.js';
import { detectAwsEvent } from './detect.js';
import { invokeLambda } from './invoke.js';
import { toLambda } from './to-lambda.js';

/**
 * Kinesis records as a pipe hands them to a Lambda target: the `kinesis` fields flattened into
 * the record (the sample event of "Amazon Kinesis stream as a source" in the EventBridge guide).
 */
function pipedKinesis(bodies: readonly unknown[]): Record<string, unknown>[] {
  return bodies.map((body, i) => {
    const sequenceNumber = `4959033827149025660855969253836157109592157598913658${8000 + i}`;
    return {
      kinesisSchemaVersion: '1.0',
      partitionKey: `pk-${i}`,
      sequenceNumber,
      data: Buffer.from(JSON.stringify(body)).toString('base64'),
      approximateArrivalTimestamp: 1545084650.987,
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000006:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/pipe-role',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
    };
  });
}

/** What a promise rejected with, or `undefined` when it resolved. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('EventBridge Pipes batches (a bare array of the source records)', () => {
  it('runs SQS messages and reports the failed ones by message id, as Lambda does', async () => {
    // Prepare
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg);
      if ((msg.body as { fail?: boolean }).fail) throw new Error('no');
    });
    const records = aws.sqs([
      { id: 'm-1', body: { orderId: 'ord_1' } },
      { id: 'm-2', body: { fail: true } },
      { id: 'm-3', body: { orderId: 'ord_3' } },
    ]).Records;

    // Act
    const result = await invokeLambda(fn, records);

    // Assert
    expect(detectAwsEvent(records)).toBe('sqs');
    expect(seen.map((m) => [m.id, m.body, m.source])).toEqual([
      ['m-1', { orderId: 'ord_1' }, 'orders'],
      ['m-2', { fail: true }, 'orders'],
      ['m-3', { orderId: 'ord_3' }, 'orders'],
    ]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
  });

  it('reports exactly the SQS messages whose handler failed, whatever fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (fails) => {
        const records = aws.sqs(fails.map((fail, i) => ({ id: `m-${i}`, body: { fail } }))).Records;
        const fn = queue({ name: 'orders' }).handle((msg) => {
          if ((msg.body as { fail: boolean }).fail) throw new Error('no');
        });
        const result = await invokeLambda(fn, records);
        expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
          fails.flatMap((fail, i) => (fail ? [`m-${i}`] : [])),
        );
      }),
    );
  });

  it('throws instead of reporting when reportBatchItemFailures is off', async () => {
    // Prepare
    const fn = queue({ name: 'orders' }).handle((msg) => {
      if (msg.id === 'm-2') throw new Error('m-2 failed');
    });
    const records = aws.sqs([{ id: 'm-1' }, { id: 'm-2' }]).Records;

    // Act
    const error = await rejection(
      toLambda(fn, { reportBatchItemFailures: false })(records, aws.lambdaContext()) as Promise<unknown>,
    );

    // Assert
    expect((error as Error).message).toBe('m-2 failed');
  });

  it('maps flattened Kinesis records in order', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    const records = pipedKinesis([{ n: 1 }, { n: 2 }]);

    // Act
    const result = await invokeLambda(fn, records);

    // Assert
    expect(result).toBeUndefined();
    expect(seen.map((r) => [r.sequence, r.partitionKey, r.body, r.source, r.publishedAt.getTime()])).toEqual([
      [records[0]?.sequenceNumber, 'pk-0', { n: 1 }, 'clicks', 1545084650987],
      [records[1]?.sequenceNumber, 'pk-1', { n: 2 }, 'clicks', 1545084650987],
    ]);
    expect(seen[0]?.raw).toBe(records[0]);
  });

  it('fails the invocation at the first failing stream record, so the pipe retries the batch', async () => {
    // Prepare
    const ran: unknown[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      ran.push(record.body);
      if ((record.body as { n: number }).n === 2) throw new Error('record 2 failed');
    });

    // Act
    const error = await rejection(invokeLambda(fn, pipedKinesis([{ n: 1 }, { n: 2 }, { n: 3 }])));

    // Assert
    expect((error as Error).message).toBe('record 2 failed');
    expect(ran).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('maps DynamoDB stream records as changes, and fails the invocation on a failure', async () => {
    // Prepare
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'orders' }).handle((change) => {
      seen.push(change);
      if (change.after?.status === 'broken') throw new Error('broken order');
    });
    const good = aws.dynamodb([{ op: 'insert', keys: { id: 'o1' }, after: { id: 'o1', qty: 2 } }]).Records;
    const bad = aws.dynamodb([{ op: 'update', keys: { id: 'o2' }, after: { id: 'o2', status: 'broken' } }]).Records;

    // Act
    const result = await invokeLambda(fn, good);
    const error = await rejection(invokeLambda(fn, bad));

    // Assert
    expect(result).toBeUndefined();
    expect(seen[0]).toMatchObject({
      op: 'insert',
      collection: 'orders',
      key: { id: 'o1' },
      after: { id: 'o1', qty: 2 },
    });
    expect((error as Error).message).toBe('broken order');
  });

  it.each([
    ['an empty array', []],
    ['records of two sources', [...aws.sqs([{}]).Records, ...pipedKinesis([{}])]],
    ['SNS records (no pipe source)', aws.sns({ message: 'hi' }).Records],
    ['an array of other values', [1, 'two', null]],
  ])('refuses %s with UNKNOWN_EVENT', async (_case, event) => {
    // Act
    const error = await rejection(
      invokeLambda(
        queue({ name: 'q' }).handle(() => undefined),
        event,
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect((error as SkyportError).code).toBe('UNKNOWN_EVENT');
    expect((error as SkyportError).message).toContain('an event it does not recognise (an array)');
  });

  it('names the source when the function kind cannot take it', async () => {
    // Act
    const error = await rejection(
      invokeLambda(
        http().handle(() => 'ok'),
        aws.sqs([{}]).Records,
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect((error as SkyportError).code).toBe('KIND_MISMATCH');
    expect((error as SkyportError).message).toContain('the http function cannot handle the sqs event');
  });
});
