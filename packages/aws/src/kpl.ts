/**
 * Kinesis records aggregated by the Kinesis Producer Library (KPL aggregation is on by default):
 * one Kinesis record carrying many user records, laid out as the magic bytes `F3 89 9A C2`, a
 * protobuf `AggregatedRecord`, and the MD5 digest of that protobuf. Lambda hands the Kinesis
 * record over as it is; the consumer splits it, as the Kinesis Client Library does.
 *
 * The schema (`aws/kinesis/protobuf/messages.proto` of the KPL):
 * `AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2; repeated Record records = 3; }`,
 * `Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }`.
 */
import { createHash } from 'node:crypto';
import { LENGTH_DELIMITED, MalformedProtobuf, ProtobufReader, VARINT } from '@skyport/core';

const MAGIC = [0xf3, 0x89, 0x9a, 0xc2] as const;
const DIGEST_BYTES = 16;

/**
 * One user record of an aggregated Kinesis record. `data` is a view into a buffer the user
 * records of one aggregate share, not a buffer of its own.
 */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
}

/**
 * Whether Kinesis record data is a KPL aggregate: it starts with the magic bytes and ends with
 * the MD5 of what is between. Data that only starts like one is ordinary data (the KCL reads it
 * so too).
 *
 * @example
 * if (isAggregated(bytes)) for (const user of deaggregate(bytes)) handle(user.data);
 */
export function isAggregated(data: Uint8Array): boolean {
  if (data.byteLength < MAGIC.length + DIGEST_BYTES) return false;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return false;
  const end = data.byteLength - DIGEST_BYTES;
  const digest = createHash('md5').update(data.subarray(MAGIC.length, end)).digest();
  return digest.equals(data.subarray(end));
}

/** The fields of one `Record`, its table indexes as they came. */
interface RawUserRecord {
  keyIndex?: bigint;
  hashKeyIndex?: bigint;
  data?: Uint8Array;
}

/**
 * The bytes of the user records of one aggregate, one after the other, each user record's data a
 * view of its part. Held in one buffer, an aggregate of 100,000s of tiny user records costs a
 * view each rather than an `ArrayBuffer` each; they are never more than the aggregate itself.
 */
class DataStore {
  readonly #bytes: Uint8Array;
  #end = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** `data` copied in, as a view of the store. */
  add(data: Uint8Array): Uint8Array {
    const start = this.#end;
    this.#bytes.set(data, start);
    this.#end += data.byteLength;
    return this.#bytes.subarray(start, this.#end);
  }
}

function userRecord(reader: ProtobufReader, store: DataStore): RawUserRecord {
  const record: RawUserRecord = {};
  while (!reader.done) {
    const [field, wireType] = reader.tag();
    if (field === 1) {
      reader.expect(wireType, VARINT, 'Record.partition_key_index');
      record.keyIndex = reader.varint();
    } else if (field === 2) {
      reader.expect(wireType, VARINT, 'Record.explicit_hash_key_index');
      record.hashKeyIndex = reader.varint();
    } else if (field === 3) {
      reader.expect(wireType, LENGTH_DELIMITED, 'Record.data');
      // `bytes()` copies the field out; the copy goes into the store, and is garbage at once.
      record.data = store.add(reader.bytes());
    } else reader.skip(wireType);
  }
  return record;
}

/** The entry `index` of a key table, or a `MalformedProtobuf` naming the record. */
function entry(table: readonly string[], index: bigint, what: string, record: number): string {
  const key = index < BigInt(table.length) ? table[Number(index)] : undefined;
  if (key === undefined) {
    throw new MalformedProtobuf(`user record ${record} names ${what} ${index} of a table of ${table.length}`);
  }
  return key;
}

/**
 * The user records of a KPL aggregate (check `isAggregated` first), in order. Throws a
 * `MalformedProtobuf` when the protobuf is not an `AggregatedRecord`, a user record lacks its
 * partition key index or data, or an index points past its table.
 *
 * @example
 * deaggregate(bytes); // [{ partitionKey: 'pk-1', explicitHashKey: undefined, data: Uint8Array }, ...]
 */
export function deaggregate(data: Uint8Array): UserRecord[] {
  const reader = new ProtobufReader(data, MAGIC.length, data.byteLength - DIGEST_BYTES);
  const keys: string[] = [];
  const hashKeys: string[] = [];
  const records: RawUserRecord[] = [];
  // Every data field is a part of the aggregate of its own, so together they fit in its length.
  const store = new DataStore(data.byteLength);
  while (!reader.done) {
    const [field, wireType] = reader.tag();
    if (field === 1) {
      reader.expect(wireType, LENGTH_DELIMITED, 'AggregatedRecord.partition_key_table');
      keys.push(reader.string());
    } else if (field === 2) {
      reader.expect(wireType, LENGTH_DELIMITED, 'AggregatedRecord.explicit_hash_key_table');
      hashKeys.push(reader.string());
    } else if (field === 3) {
      reader.expect(wireType, LENGTH_DELIMITED, 'AggregatedRecord.records');
      records.push(userRecord(reader.message(), store));
    } else reader.skip(wireType);
  }
  return records.map((record, i) => {
    if (record.keyIndex === undefined) throw new MalformedProtobuf(`user record ${i} has no partition_key_index`);
    if (record.data === undefined) throw new MalformedProtobuf(`user record ${i} has no data`);
    return {
      partitionKey: entry(keys, record.keyIndex, 'partition key', i),
      explicitHashKey:
        record.hashKeyIndex === undefined ? undefined : entry(hashKeys, record.hashKeyIndex, 'explicit hash key', i),
      data: record.data,
    };
  });
}
