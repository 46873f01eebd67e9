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

/**
 * The Kinesis record of a user record as the deaggregation libraries give it, written the plain
 * way: the aggregate's record spread, with the user record's fields over it.
 */
function expectedUserRecord(
  record: Record<string, unknown>,
  user: { readonly key: string; readonly hashKey?: string; readonly bytes: Uint8Array },
  index: number,
): Record<string, unknown> {
  const nested = record.kinesis as Record<string, unknown> | undefined;
  const own = {
    ...(nested ?? record),
    partitionKey: user.key,
    ...(user.hashKey === undefined ? {} : { explicitHashKey: user.hashKey }),
    data: Buffer.from(user.bytes).toString('base64'),
    subSequenceNumber: index,
  };
  return nested === undefined ? { ...record, ...own } : { ...record, kinesis: own };
}

/** Every own key of a value and of the objects in it, in order, as a list of paths. */
function keyPaths(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Reflect.ownKeys(value).flatMap((key) => [
    `${path}/${String(key)}`,
    ...keyPaths((value as Record<PropertyKey, unknown>)[key], `${path}/${String(key)}`),
  ]);
}

describe('the user records of a KPL aggregate, as their Kinesis records', () => {
  const users = [
    { key: 'user-1', data: { n: 1 } },
    { key: 'user-2', data: { n: 2 }, hashKey: '170141183460469231731687303715884105728' },
    { key: 'user-1', data: { n: 3 }, hashKey: '0' },
    { key: 'user-3', data: new Uint8Array([0, 255, 7]) },
  ];
  const bytesOf = (data: unknown) => (data instanceof Uint8Array ? data : Buffer.from(JSON.stringify(data)));

  it('carry the record with each user record partition key, explicit hash key, data and index', async () => {
    // Prepare: the event as the Lambda runtime parses it
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    const event = JSON.parse(JSON.stringify(kinesisEvent([aggregate(users)])));
    const record = event.Records[0];

    // Act
    await invokeLambda(fn, event);

    // Assert: the same fields, in the same order, as spreading the record gives
    const expected = users.map((u, i) => expectedUserRecord(record, { ...u, bytes: bytesOf(u.data) }, i));
    expect(seen.map((r) => r.raw)).toEqual(expected);
    expect(seen.map((r) => keyPaths(r.raw))).toEqual(expected.map((r) => keyPaths(r)));
    expect(seen.map((r) => r.partitionKey)).toEqual(['user-1', 'user-2', 'user-1', 'user-3']);
    expect(seen.map((r) => [...r.rawBody])).toEqual(users.map((u) => [...bytesOf(u.data)]));
    expect(seen.every((r) => Object.getPrototypeOf(r.raw) === Object.prototype)).toBe(true);
    // The aggregate's own record is left as it came.
    expect(event.Records[0].kinesis.partitionKey).toBe('1');
    expect(event.Records[0].kinesis).not.toHaveProperty('subSequenceNumber');
  });

  it('keep the data of each user record apart from the others', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });

    // Act
    await invokeLambda(fn, kinesisEvent([aggregate(users)]));
    (seen[0] as StreamRecord).rawBody.fill(0x78);

    // Assert: writing over one user record's bytes changes no other's
    expect(seen.slice(1).map((r) => [...r.rawBody])).toEqual(users.slice(1).map((u) => [...bytesOf(u.data)]));
    expect(seen[0]?.rawBody.byteLength).toBe(bytesOf(users[0]?.data).byteLength);
  });

  it('keep a field named __proto__ of the record as an own field', async () => {
    // Prepare
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    const event = kinesisEvent([aggregate(users.slice(0, 2))]);
    const text = JSON.stringify(event).replace('"eventSource":', '"__proto__":{"polluted":true},"eventSource":');
    const parsed = JSON.parse(text.replace('"kinesisSchemaVersion":', '"__proto__":"k","kinesisSchemaVersion":'));
    const record = parsed.Records[0];

    // Act
    await invokeLambda(fn, parsed);

    // Assert
    const raw = seen[1]?.raw as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getOwnPropertyDescriptor(raw.kinesis, '__proto__')?.value).toBe('k');
    expect(keyPaths(raw)).toEqual(
      keyPaths(expectedUserRecord(record, { ...users[1]!, bytes: bytesOf(users[1]?.data) }, 1)),
    );
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('are flattened when a pipe flattened the record', async () => {
    // Prepare: a pipe hands Lambda the `kinesis` fields in the record
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(record);
    });
    const { kinesis, ...rest } = kinesisEvent([aggregate(users)]).Records[0]!;
    const piped = [{ ...kinesis, ...rest }];

    // Act
    await invokeLambda(fn, piped);

    // Assert
    const expected = users.map((u, i) => expectedUserRecord(piped[0]!, { ...u, bytes: bytesOf(u.data) }, i));
    expect(seen.map((r) => r.raw)).toEqual(expected);
    expect(seen.map((r) => keyPaths(r.raw))).toEqual(expected.map((r) => keyPaths(r)));
  });

  it('reach a wrapped Lambda handler as the records the deaggregation libraries give', async () => {
    // Prepare
    const got: unknown[] = [];
    const legacy = fromLambda(
      async (event: { Records: unknown[] }) => {
        got.push(...event.Records);
      },
      { kind: 'stream' },
    );
    const event = JSON.parse(JSON.stringify(kinesisEvent([aggregate(users)])));

    // Act
    await invokeLambda(legacy, event);

    // Assert
    const expected = users.map((u, i) => expectedUserRecord(event.Records[0], { ...u, bytes: bytesOf(u.data) }, i));
    expect(got).toEqual(expected);
    expect(got.map((r) => keyPaths(r))).toEqual(expected.map((r) => keyPaths(r)));
  });

  it('are the records the plain spread gives, whatever the user records hold', async () => {
    const user = fc.record(
      {
        key: fc.string({ minLength: 1, maxLength: 6 }),
        data: fc.uint8Array({ maxLength: 20 }),
        hashKey: fc.constantFrom('0', '1', '340282366920938463463374607431768211455'),
      },
      { requiredKeys: ['key', 'data'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(user, { minLength: 1, maxLength: 6 }), fc.boolean(), async (list, flattened) => {
        const seen: StreamRecord[] = [];
        const fn = stream({ name: 's' }).handle((record) => {
          seen.push(record);
        });
        const record = kinesisEvent([aggregate(list)]).Records[0]!;
        const { kinesis, ...rest } = record;
        const given: Record<string, unknown> = flattened ? { ...kinesis, ...rest } : { ...record };
        await invokeLambda(fn, { Records: [given] });
        const expected = list.map((u, i) => expectedUserRecord(given, { ...u, bytes: u.data }, i));
        expect(seen.map((r) => r.raw)).toEqual(expected);
        expect(seen.map((r) => keyPaths(r.raw))).toEqual(expected.map((r) => keyPaths(r)));
        expect(seen.map((r) => [...r.rawBody])).toEqual(list.map((u) => [...u.data]));
      }),
      { numRuns: 100 },
    );
  });

  it('run each of 5,000 user records of one aggregate, in order', async () => {
    // Prepare
    const many = Array.from({ length: 5000 }, (_, i) => ({ key: `k${i % 7}`, data: new Uint8Array([i % 256]) }));
    const seen: [string, number, number | undefined][] = [];
    const fn = stream({ name: 's' }).handle((record) => {
      const raw = record.raw as { kinesis: { subSequenceNumber: number } };
      seen.push([record.partitionKey, record.rawBody[0] as number, raw.kinesis.subSequenceNumber]);
    });

    // Act
    const result = await invokeLambda(fn, kinesisEvent([aggregate(many)]));

    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(many.map((u, i) => [u.key, i % 256, i]));
  });
});
