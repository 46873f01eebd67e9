import { setLogDestination } from '@skyport/core';
import { aws } from '@skyport/testing';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLambda } from './from-lambda.js';
import { toLambda } from './to-lambda.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

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

describe('fromLambda behind an EventBridge Pipe', () => {
  it('hands an SQS handler each message as the pipe sends its batch, a bare array, and reports the failed ones', async () => {
    // Prepare: a handler written for a pipe target, which iterates the array it is given.
    const seen: unknown[] = [];
    const legacy = async (event: SQSRecord[]) => {
      seen.push(event);
      for (const record of event) {
        if ((JSON.parse(record.body) as { fail?: boolean }).fail) throw new Error('no');
      }
      return {};
    };
    const fn = fromLambda(legacy, { kind: 'queue', source: 'pipe' });
    const piped = aws.sqs([
      { id: 'm1', body: { a: 1 } },
      { id: 'm2', body: { fail: true } },
      { id: 'm3', body: { a: 3 } },
    ]).Records;

    // Act
    const result = await toLambda(fn)(piped, aws.lambdaContext());

    // Assert
    expect(seen).toEqual([[piped[0]], [piped[1]], [piped[2]]]);
    expect((seen[0] as unknown[])[0]).toBe(piped[0]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });

  it('still hands an SQS handler invoked by Lambda itself a one-record event with Records, with the same context', async () => {
    // Prepare: one Lambda context for a piped invocation and then a direct one.
    const seen: unknown[] = [];
    const fn = fromLambda(
      async (event: unknown) => {
        seen.push(event);
        return {};
      },
      { kind: 'queue' },
    );
    const event = aws.sqs([{ id: 'm1', body: { a: 1 } }]);
    const context = aws.lambdaContext();
    const handler = toLambda(fn);

    // Act
    await handler(event.Records, context);
    await handler(event, context);

    // Assert
    expect(seen).toEqual([[event.Records[0]], { Records: [event.Records[0]] }]);
  });

  it("hands each of two overlapping invocations that share one Lambda context its records as that invocation's source sent them", async () => {
    // Prepare: the pipe's batch waits in its handler while Lambda's own SQS event runs.
    let open: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    const seen: unknown[] = [];
    const piped = aws.sqs([{ id: 'p1', body: { a: 1 } }]).Records;
    const fn = fromLambda(
      async (event: unknown) => {
        seen.push(event);
        if (Array.isArray(event) && event[0] === piped[0]) await held;
        return {};
      },
      { kind: 'queue' },
    );
    const direct = aws.sqs([{ id: 'd1', body: { a: 2 } }]);
    const context = aws.lambdaContext();
    const handler = toLambda(fn);

    // Act
    const pipe = handler(piped, context);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const plain = await handler(direct, context);
    open();
    const fromPipe = await pipe;

    // Assert
    expect(seen).toEqual([[piped[0]], { Records: [direct.Records[0]] }]);
    expect([fromPipe, plain]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
  });

  it('hands a Kinesis handler each record flattened, as the pipe sends it, in a bare array', async () => {
    // Prepare
    const seen: unknown[] = [];
    const legacy = async (event: { data: string }[]) => {
      seen.push(event);
      for (const record of event) JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    };
    const fn = fromLambda(legacy, { kind: 'stream', source: 'pipe-kinesis' });
    const piped = pipedKinesis([{ click: 1 }, { click: 2 }]);

    // Act
    const result = await toLambda(fn)(piped, aws.lambdaContext());

    // Assert
    expect(seen).toEqual([[piped[0]], [piped[1]]]);
    expect((seen[1] as unknown[])[0]).toBe(piped[1]);
    expect(result).toBeUndefined();
  });

  it('fails the piped Kinesis invocation when the handler fails a record, so the pipe retries the batch', async () => {
    // Prepare
    const legacy = async (event: { partitionKey: string }[]) => {
      for (const record of event) if (record.partitionKey === 'pk-1') throw new Error(`bad ${record.partitionKey}`);
    };
    const fn = fromLambda(legacy, { kind: 'stream', source: 'pipe-kinesis' });

    // Act
    const run = toLambda(fn)(pipedKinesis([{ click: 1 }, { click: 2 }]), aws.lambdaContext());

    // Assert
    await expect(run).rejects.toThrow('bad pk-1');
  });
});
