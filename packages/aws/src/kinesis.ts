/**
 * Amazon Kinesis Data Streams. `data` is base64; records of a batch come from one shard, in
 * order, so the batch is ordered: the first failing sequence number and everything after it are
 * reported (Lambda retries from the first one). A record the KPL aggregated is split into its
 * user records, which run in order and share its sequence number.
 */
import { createStreamRecord, decodeBase64, encodeBase64, type StreamRecord, setOwn } from '@skyport/core';
import { deaggregate, isAggregated, type UserRecord } from './kpl.js';
import { arnName, awsError, type Obj, obj, str } from './read.js';
import type { RecordMapper } from './records.js';

/** The Kinesis part of a record: under `kinesis`, or the record itself when a pipe flattened it. */
function kinesisOf(record: Obj): Obj {
  return obj(record.kinesis) ?? (record.eventSource === 'aws:kinesis' ? record : {});
}

/** The keys an object spread (`{ ...source }`) copies: its own enumerable ones, in order. */
function spreadKeys(source: Obj): (string | symbol)[] {
  return Reflect.ownKeys(source).filter((key) => Object.prototype.propertyIsEnumerable.call(source, key));
}

/** A copy of `source` with these keys of it, as `{ ...source }` makes it (`__proto__` an own key). */
function copyOf(source: Obj, keys: readonly (string | symbol)[]): Obj {
  const copy: Record<PropertyKey, unknown> = {};
  for (const key of keys) {
    const value = (source as Record<PropertyKey, unknown>)[key];
    if (typeof key === 'string') setOwn(copy, key, value);
    else copy[key] = value;
  }
  return copy;
}

/**
 * The Kinesis record of each user record of an aggregate, as the KPL's deaggregation libraries
 * give it: the aggregate's record with the user record's partition key, explicit hash key and
 * data, and its index as `subSequenceNumber` (flattened as it came from a pipe). The keys are
 * listed once per aggregate; each copy is built key by key, not spread with the new fields after
 * it, for which V8 gives every copy a hidden class of its own (some 250 bytes per user record).
 */
function userRecordsOf(record: Obj): (user: UserRecord, index: number) => Obj {
  const nested = obj(record.kinesis);
  const recordKeys = spreadKeys(record);
  const kinesis = nested ?? record;
  const kinesisKeys = nested === undefined ? recordKeys : spreadKeys(nested);
  return (user, index) => {
    const own = copyOf(kinesis, kinesisKeys);
    own.partitionKey = user.partitionKey;
    if (user.explicitHashKey !== undefined) own.explicitHashKey = user.explicitHashKey;
    own.data = encodeBase64(user.data);
    own.subSequenceNumber = index;
    if (nested === undefined) return own;
    const outer = copyOf(record, recordKeys);
    outer.kinesis = own;
    return outer;
  };
}

/**
 * How Kinesis records become batch items (`itemIdentifier` is the sequence number).
 *
 * @example
 * const items = mapRecords(event, 'stream', 'kinesis', kinesisRecords);
 */
export const kinesisRecords: RecordMapper<StreamRecord> = {
  id: (record) => str(kinesisOf(record).sequenceNumber),
  map: (record) => {
    const kinesis = kinesisOf(record);
    const data = kinesis.data;
    // Kinesis always sends `data` as a base64 string: anything else fails this record rather
    // than running it as empty data, or as the text it was.
    if (typeof data !== 'string') {
      throw awsError(
        'INVALID_EVENT',
        `Kinesis record ${String(kinesis.sequenceNumber)} has no string data`,
        'stream',
        'kinesis',
      );
    }
    const bytes = decodeBase64(data);
    if (bytes === undefined) {
      throw awsError(
        'INVALID_EVENT',
        `Kinesis record ${String(kinesis.sequenceNumber)} has data that is not base64`,
        'stream',
        'kinesis',
      );
    }
    const arrival = kinesis.approximateArrivalTimestamp;
    const sequence = str(kinesis.sequenceNumber) ?? '';
    const common = {
      sequence,
      publishedAt: typeof arrival === 'number' ? Math.round(arrival * 1000) : undefined,
      source: arnName(record.eventSourceARN),
      raw: record,
    };
    if (!isAggregated(bytes)) {
      return createStreamRecord({
        ...common,
        id: str(record.eventID),
        partitionKey: str(kinesis.partitionKey) ?? '',
        data: bytes,
      });
    }
    // A KPL aggregate: one portable record per user record, each with its own partition key.
    // They share the Kinesis record's sequence number, which is what a failure reports.
    let users: UserRecord[];
    try {
      users = deaggregate(bytes);
    } catch (error) {
      throw awsError(
        'INVALID_EVENT',
        `Kinesis record ${sequence} is a KPL aggregate that cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        'stream',
        'kinesis',
        error,
      );
    }
    const id = str(record.eventID) ?? sequence;
    const userRecordOf = userRecordsOf(record);
    const { publishedAt, source } = common;
    return users.map((user, i) =>
      createStreamRecord({
        id: `${id}:${i}`,
        sequence,
        partitionKey: user.partitionKey,
        publishedAt,
        source,
        data: user.data,
        raw: userRecordOf(user, i),
      }),
    );
  },
};
