/**
 * Amazon DynamoDB Streams, as `changes` (insert / update / delete with unmarshalled items) or as
 * a raw `stream` (the record's `dynamodb` object as the body). Either way the batch is ordered:
 * the first failing `SequenceNumber` and everything after it are reported.
 */
import {
  type ChangeEvent,
  type ChangeOp,
  createChangeEvent,
  createStreamRecord,
  type StreamRecord,
} from '@skyport/core';
import { unmarshall } from './attribute-value.js';
import type { RecordMapper } from './records.js';
import { awsError, obj, str } from './util.js';

const ops: Readonly<Record<string, ChangeOp>> = { INSERT: 'insert', MODIFY: 'update', REMOVE: 'delete' };

/**
 * The table name from a stream ARN (`…:table/orders/stream/2024-…` -> `orders`).
 *
 * @example
 * tableName('arn:aws:dynamodb:eu-west-1:1:table/orders/stream/2024'); // 'orders'
 */
export function tableName(arn: unknown): string {
  if (typeof arn !== 'string') return '';
  const match = /:table\/([^/]+)/.exec(arn);
  return match?.[1] ?? arn;
}

function time(seconds: unknown): number | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

const sequenceOf = (record: Record<string, unknown>) => str(obj(record.dynamodb)?.SequenceNumber);

/**
 * How DynamoDB Streams records become change events (`itemIdentifier` is `SequenceNumber`).
 *
 * @example
 * const items = mapRecords(event, 'changes', 'dynamodb', dynamodbChanges);
 */
export const dynamodbChanges: RecordMapper<ChangeEvent> = {
  id: sequenceOf,
  map: (record) => {
    const name = str(record.eventName) ?? '';
    // Own keys only: an eventName such as `toString` is no operation.
    const op = Object.hasOwn(ops, name) ? ops[name] : undefined;
    if (op === undefined) {
      throw awsError('INVALID_EVENT', `unknown DynamoDB eventName ${String(record.eventName)}`, 'changes', 'dynamodb');
    }
    const ddb = obj(record.dynamodb) ?? {};
    return createChangeEvent({
      op,
      collection: tableName(record.eventSourceARN),
      key: unmarshall(ddb.Keys),
      before: ddb.OldImage === undefined ? undefined : unmarshall(ddb.OldImage),
      after: ddb.NewImage === undefined ? undefined : unmarshall(ddb.NewImage),
      time: time(ddb.ApproximateCreationDateTime),
      raw: record,
    });
  },
};

/**
 * How DynamoDB Streams records become raw stream records (the body is the `dynamodb` object).
 *
 * @example
 * const items = mapRecords(event, 'stream', 'dynamodb', dynamodbStream);
 */
export const dynamodbStream: RecordMapper<StreamRecord> = {
  id: sequenceOf,
  map: (record) => {
    const ddb = obj(record.dynamodb) ?? {};
    return createStreamRecord({
      id: str(record.eventID),
      sequence: str(ddb.SequenceNumber) ?? '',
      partitionKey: JSON.stringify(unmarshall(ddb.Keys)),
      body: ddb,
      publishedAt: time(ddb.ApproximateCreationDateTime),
      source: tableName(record.eventSourceARN),
      raw: record,
    });
  },
};
