/**
 * Amazon Kinesis Data Streams. `data` is base64; records of a batch come from one shard, in
 * order, so the batch is ordered: the first failing sequence number and everything after it are
 * reported (Lambda retries from the first one). A record the KPL aggregated is split into its
 * user records, which run in order and share its sequence number.
 */
import { createStreamRecord, decodeBase64, encodeBase64, type StreamRecord } from '@skyport/core';
import { deaggregate, isAggregated, type UserRecord } from './kpl.js';
import { arnName, awsError, type Obj, obj, str } from './read.js';
import type { RecordMapper } from './records.js';

/** The Kinesis part of a record: under `kinesis`, or the record itself when a pipe flattened it. */
function kinesisOf(record: Obj): Obj {
  return obj(record.kinesis) ?? (record.eventSource === 'aws:kinesis' ? record : {});
}

/**
 * The Kinesis record of one user record of an aggregate, as the KPL's deaggregation libraries
 * give it: the aggregate's record with the user record's partition key, explicit hash key and
 * data, and its index as `subSequenceNumber` (flattened as it came from a pipe).
 */
function userRecordOf(record: Obj, user: UserRecord, index: number): Obj {
  const own = {
    ...kinesisOf(record),
    partitionKey: user.partitionKey,
    ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
    data: encodeBase64(user.data),
    subSequenceNumber: index,
  };
  return obj(record.kinesis) === undefined ? { ...record, ...own } : { ...record, kinesis: own };
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
    return users.map((user, i) =>
      createStreamRecord({
        ...common,
        id: `${id}:${i}`,
        partitionKey: user.partitionKey,
        data: user.data,
        raw: userRecordOf(record, user, i),
      }),
    );
  },
};
