import { createHash } from 'node:crypto';
import { SkyportError, type StreamRecord, stream } from '@skyport/core';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as aws from '../../testing/src/raw/aws.js';
import { fromLambda } from './from-lambda.js';
import { invokeLambda } from './invoke.js';
import { toLambda } from './to-lambda.js';

/**
 * The KPL's aggregation schema (`aws/kinesis/protobuf/messages.proto` in
 * github.com/awslabs/amazon-kinesis-producer, Apache-2.0) as a protobufjs schema, so the
 * aggregates below are written by an independent protobuf implementation.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    Tag: { fields: { key: { rule: 'required', type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Record: {
      fields: {
        partitionKeyIndex: { rule: 'required', type: 'uint64', id: 1 },
        explicitHashKeyIndex: { type: 'uint64', id: 2 },
        data: { rule: 'required', type: 'bytes', id: 3 },
        tags: { rule: 'repeated', type: 'Tag', id: 4 },
      },
    },
    AggregatedRecord: {
      fields: {
        partitionKeyTable: { rule: 'repeated', type: 'string', id: 1 },
        explicitHashKeyTable: { rule: 'repeated', type: 'string', id: 2 },
        records: { rule: 'repeated', type: 'Record', id: 3 },
      },
    },
  },
});
const AggregatedRecord = root.lookupType('AggregatedRecord');

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** A KPL aggregate: the magic bytes, the protobuf, and its MD5 (or the digest given). */
function aggregate(
  users: readonly { readonly key: string; readonly data: unknown; readonly hashKey?: string }[],
  digest?: Buffer,
): Buffer {
  const keys = [...new Set(users.map((u) => u.key))];
  const hashKeys = [...new Set(users.flatMap((u) => (u.hashKey === undefined ? [] : [u.hashKey])))];
  const message = AggregatedRecord.fromObject({
    partitionKeyTable: keys,
    explicitHashKeyTable: hashKeys,
    records: users.map((u) => ({
      partitionKeyIndex: keys.indexOf(u.key),
      ...(u.hashKey === undefined ? {} : { explicitHashKeyIndex: hashKeys.indexOf(u.hashKey) }),
      data: u.data instanceof Uint8Array ? u.data : Buffer.from(JSON.stringify(u.data)),
      tags: [{ key: 'source', value: 'kpl' }],
    })),
  });
  const body = Buffer.from(AggregatedRecord.encode(message).finish());
  return Buffer.concat([MAGIC, body, digest ?? createHash('md5').update(body).digest()]);
}

/** A Kinesis event whose records carry these data, as base64. */
function kinesisEvent(datas: readonly Buffer[]) {
  const event = aws.kinesis(datas.map(() => ({ data: '' })));
  event.Records.forEach((record, i) => {
    record.kinesis.data = (datas[i] as Buffer).toString('base64');
  });
  return event;
}

describe('KPL-aggregated Kinesis records', () => {
  it('run as their user records, in order, each with its own partition key', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    const event = kinesisEvent([
      aggregate([
        { key: 'user-1', data: { n: 1 } },
        { key: 'user-2', data: { n: 2 }, hashKey: '170141183460469231731687303715884105728' },
        { key: 'user-1', data: { n: 3 } },
      ]),
      Buffer.from(JSON.stringify({ n: 4 })),
    ]);
    const [first, second] = event.Records;

    // Act
    const result = await invokeLambda(fn, event);

    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen.map((r) => [r.id, r.sequence, r.partitionKey, r.body])).toEqual([
      [`${first?.eventID}:0`, first?.kinesis.sequenceNumber, 'user-1', { n: 1 }],
      [`${first?.eventID}:1`, first?.kinesis.sequenceNumber, 'user-2', { n: 2 }],
      [`${first?.eventID}:2`, first?.kinesis.sequenceNumber, 'user-1', { n: 3 }],
      [second?.eventID, second?.kinesis.sequenceNumber, second?.kinesis.partitionKey, { n: 4 }],
    ]);
    // Each raw is its user record as the deaggregation libraries give it.
    expect(seen[1]?.raw).toMatchObject({
      eventID: first?.eventID,
      kinesis: {
        sequenceNumber: first?.kinesis.sequenceNumber,
        subSequenceNumber: 1,
        partitionKey: 'user-2',
        explicitHashKey: '170141183460469231731687303715884105728',
        data: Buffer.from(JSON.stringify({ n: 2 })).toString('base64'),
      },
    });
  });

  it('report the aggregate once when a user record fails, and everything after it', async () => {
    // Prepare
    const ran: number[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      const n = (record.body as { n: number }).n;
      ran.push(n);
      if (n === 2) throw new Error('no');
    });
    const event = kinesisEvent([
      aggregate([
        { key: 'a', data: { n: 1 } },
        { key: 'a', data: { n: 2 } },
        { key: 'a', data: { n: 3 } },
      ]),
      aggregate([{ key: 'b', data: { n: 4 } }]),
    ]);

    // Act
    const result = await invokeLambda(fn, event);

    // Assert: Lambda retries from the aggregate, its first user record included
    expect(ran).toEqual([1, 2]);
    expect(result).toEqual({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    });
  });

  it('split the same whatever the user records hold', async () => {
    const users = fc.array(
      fc.record({ key: fc.string({ minLength: 1, maxLength: 8 }), data: fc.uint8Array({ maxLength: 40 }) }),
      { maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(users, async (list) => {
        const seen: StreamRecord[] = [];
        const fn = stream({ name: 's' }).handle((record) => {
          seen.push(record);
        });
        await invokeLambda(fn, kinesisEvent([aggregate(list)]));
        expect(seen.map((r) => [r.partitionKey, r.rawBody])).toEqual(list.map((u) => [u.key, u.data]));
      }),
      { numRuns: 100 },
    );
  });

  it('are ordinary data when the digest does not match', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 's' }).handle((record) => {
      seen.push(record);
    });
    const data = aggregate([{ key: 'a', data: { n: 1 } }], Buffer.alloc(16));

    // Act
    await invokeLambda(fn, kinesisEvent([data]));

    // Assert
    expect(seen).toHaveLength(1);
    expect(seen[0]?.rawBody).toEqual(new Uint8Array(data));
  });

  it.each([
    ['a protobuf that is cut', Buffer.from([0x1a, 0x05, 0x08]), 'a field is longer than the data'],
    [
      'a partition key index past the table',
      Buffer.from([0x1a, 0x04, 0x08, 0x03, 0x1a, 0x00]),
      'user record 0 names partition key 3 of a table of 0',
    ],
    [
      'a user record without data',
      Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x00]),
      'user record 0 has no data',
    ],
  ])('fail their Kinesis record when they hold %s, and it is reported', async (_case, body, problem) => {
    // Prepare
    const ran: unknown[] = [];
    const fn = stream({ name: 's' }).handle((record) => {
      ran.push(record.body);
    });
    const broken = Buffer.concat([MAGIC, body, createHash('md5').update(body).digest()]);
    const event = kinesisEvent([broken, Buffer.from('{"n":2}')]);
    const errors: SkyportError[] = [];

    // Act
    const result = await toLambda(
      stream({ name: 's' }).handle((record) => {
        ran.push(record.body);
      }),
      { reportBatchItemFailures: false },
    )(event, aws.lambdaContext()).catch((error: SkyportError) => {
      errors.push(error);
    });
    const reported = await invokeLambda(fn, event);

    // Assert
    expect(result).toBeUndefined();
    expect(errors[0]).toBeInstanceOf(SkyportError);
    expect(errors[0]?.code).toBe('INVALID_EVENT');
    expect(errors[0]?.message).toContain(`is a KPL aggregate that cannot be read: ${problem}`);
    expect(reported).toEqual({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    });
    expect(ran).toEqual([]);
  });

  it('reach a wrapped Lambda handler one user record at a time', async () => {
    // Prepare
    const got: unknown[] = [];
    const legacy = fromLambda(
      async (event: { Records: { kinesis: { data: string; subSequenceNumber?: number } }[] }) => {
        for (const record of event.Records) {
          got.push([record.kinesis.subSequenceNumber, Buffer.from(record.kinesis.data, 'base64').toString()]);
        }
      },
      { kind: 'stream' },
    );

    // Act
    await invokeLambda(
      legacy,
      kinesisEvent([
        aggregate([
          { key: 'a', data: 'x' },
          { key: 'b', data: 'y' },
        ]),
      ]),
    );

    // Assert
    expect(got).toEqual([
      [0, '"x"'],
      [1, '"y"'],
    ]);
  });
});
