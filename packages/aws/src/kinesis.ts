/**
 * Amazon Kinesis Data Streams. `data` is base64; records of a batch come from one shard, in
 * order, so the batch is ordered: the first failing sequence number and everything after it are
 * reported (Lambda retries from the first one).
 */
import { createStreamRecord, decodeBase64, type StreamRecord } from '@skyport/core';
import { arnName, awsError, type Obj, obj, str } from './read.js';
import type { RecordMapper } from './records.js';

/** The Kinesis part of a record: under `kinesis`, or the record itself when a pipe flattened it. */
function kinesisOf(record: Obj): Obj {
  return obj(record.kinesis) ?? (record.eventSource === 'aws:kinesis' ? record : {});
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
    return createStreamRecord({
      id: str(record.eventID),
      sequence: str(kinesis.sequenceNumber) ?? '',
      partitionKey: str(kinesis.partitionKey) ?? '',
      data: bytes,
      publishedAt: typeof arrival === 'number' ? Math.round(arrival * 1000) : undefined,
      source: arnName(record.eventSourceARN),
      raw: record,
    });
  },
};
