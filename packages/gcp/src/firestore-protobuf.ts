/**
 * The protobuf form of Firestore event data, `google.events.cloud.firestore.v1.DocumentEventData`,
 * which Eventarc sends by default (`application/protobuf`). It is read into the shape of the
 * event's JSON form (`{ value: { name, fields, createTime, updateTime }, oldValue }`, typed values
 * as `{ integerValue: '4' }`), so that one decoder turns both forms into plain values. Bytes stay
 * a `Uint8Array` rather than going through base64.
 *
 * Only the protobuf wire format and the few messages of this schema are read; fields the schema
 * does not name (a newer schema's) are skipped, as protobuf readers do. Anything else that is
 * not a well-formed message of this schema throws a `MalformedProtobuf` saying what is wrong.
 */
import { setOwn } from '@skyport/core';

/** Why the bytes are not a `DocumentEventData`; the caller turns it into its own error. */
export class MalformedProtobuf extends Error {
  override readonly name = 'MalformedProtobuf';
}

/** A JSON-form object, every key an own property. */
type Json = Record<string, unknown>;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A reader over one message: the bytes from `pos` to `end`. */
class Wire {
  #pos: number;
  readonly #end: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    end: number,
  ) {
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw new MalformedProtobuf('the data ends inside a field');
    return this.bytes[this.#pos++] as number;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.#byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw new MalformedProtobuf('a varint is longer than 10 bytes');
  }

  /** A varint used as a tag or a length: it must fit in 31 bits. */
  #small(): number {
    const value = this.varint();
    if (value > 0x7fff_ffffn) throw new MalformedProtobuf('a tag or length is too large');
    return Number(value);
  }

  /** The next field's number and wire type. */
  tag(): [field: number, wireType: number] {
    const key = this.#small();
    const field = key >>> 3;
    if (field === 0) throw new MalformedProtobuf('a field number is 0');
    return [field, key & 7];
  }

  /** A length-delimited field as a reader of its own. */
  message(): Wire {
    const length = this.#small();
    const start = this.#pos;
    if (length > this.#end - start) throw new MalformedProtobuf('a field is longer than the data');
    this.#pos = start + length;
    return new Wire(this.bytes, start, start + length);
  }

  /** A length-delimited field's bytes, copied out of the payload into a plain `Uint8Array`. */
  bytesField(): Uint8Array {
    const inner = this.message();
    return new Uint8Array(inner.bytes.subarray(inner.#pos, inner.#end));
  }

  /** A length-delimited field as UTF-8 text (protobuf strings must be valid UTF-8). */
  string(): string {
    const inner = this.message();
    try {
      return utf8.decode(inner.bytes.subarray(inner.#pos, inner.#end));
    } catch {
      throw new MalformedProtobuf('a string is not valid UTF-8');
    }
  }

  /** A little-endian IEEE 754 double. */
  double(): number {
    if (this.#end - this.#pos < 8) throw new MalformedProtobuf('the data ends inside a double');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.#pos, 8);
    this.#pos += 8;
    return view.getFloat64(0, true);
  }

  /** Skips a field this schema does not name. */
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LENGTH_DELIMITED) this.message();
    else if (wireType === FIXED64 || wireType === FIXED32) {
      const size = wireType === FIXED64 ? 8 : 4;
      if (this.#end - this.#pos < size) throw new MalformedProtobuf('the data ends inside a field');
      this.#pos += size;
    } else throw new MalformedProtobuf(`wire type ${wireType} is not used by this schema`);
  }
}

/** Checks that a field the schema names came with the wire type the schema gives it. */
function requireType(wireType: number, expected: number, field: string): void {
  if (wireType !== expected) throw new MalformedProtobuf(`${field} has wire type ${wireType}, expected ${expected}`);
}

/** The earliest and latest seconds a `google.protobuf.Timestamp` may hold (years 1 to 9999). */
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/** A `google.protobuf.Timestamp` as the JSON mapping writes it: RFC 3339 with nanoseconds. */
function timestamp(wire: Wire): string {
  let seconds = 0n;
  let nanos = 0;
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      requireType(wireType, VARINT, 'Timestamp.seconds');
      seconds = BigInt.asIntN(64, wire.varint());
    } else if (field === 2) {
      requireType(wireType, VARINT, 'Timestamp.nanos');
      nanos = Number(BigInt.asIntN(32, wire.varint()));
    } else wire.skip(wireType);
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new MalformedProtobuf(`a Timestamp is out of range (${seconds} s, ${nanos} ns)`);
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(nanos).padStart(9, '0')}Z`;
}

function latLng(wire: Wire): Json {
  let latitude = 0;
  let longitude = 0;
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1 || field === 2) {
      requireType(wireType, FIXED64, field === 1 ? 'LatLng.latitude' : 'LatLng.longitude');
      if (field === 1) latitude = wire.double();
      else longitude = wire.double();
    } else wire.skip(wireType);
  }
  return { latitude, longitude };
}

/** A `map<string, Value>` entry, added to `fields`. */
function mapEntry(wire: Wire, fields: Json, depth: number, maxDepth: number): void {
  let key = '';
  let value: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      requireType(wireType, LENGTH_DELIMITED, 'a map key');
      key = wire.string();
    } else if (field === 2) {
      requireType(wireType, LENGTH_DELIMITED, 'a map value');
      value = typedValue(wire.message(), depth, maxDepth);
    } else wire.skip(wireType);
  }
  setOwn<unknown>(fields, key, value);
}

/** The fields of a `MapValue`. */
function mapFields(wire: Wire, depth: number, maxDepth: number): Json {
  const fields: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      requireType(wireType, LENGTH_DELIMITED, 'a map entry');
      mapEntry(wire.message(), fields, depth, maxDepth);
    } else wire.skip(wireType);
  }
  return fields;
}

function arrayValues(wire: Wire, depth: number, maxDepth: number): Json[] {
  const values: Json[] = [];
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      requireType(wireType, LENGTH_DELIMITED, 'ArrayValue.values');
      values.push(typedValue(wire.message(), depth, maxDepth));
    } else wire.skip(wireType);
  }
  return values;
}

/**
 * A `Value` as its JSON form, one key naming its type (`{}` when none is set). `depth` counts
 * the maps and arrays around it, so that nesting deeper than `maxDepth` is refused before
 * recursing through it could exhaust the stack.
 */
function typedValue(wire: Wire, depth: number, maxDepth: number): Json {
  if (depth > maxDepth) throw new MalformedProtobuf(`values nest deeper than ${maxDepth} levels`);
  let value: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    // A oneof: the last member on the wire is the one set.
    switch (field) {
      case 11:
        requireType(wireType, VARINT, 'Value.null_value');
        wire.varint();
        value = { nullValue: null };
        break;
      case 1:
        requireType(wireType, VARINT, 'Value.boolean_value');
        value = { booleanValue: wire.varint() !== 0n };
        break;
      case 2:
        requireType(wireType, VARINT, 'Value.integer_value');
        value = { integerValue: BigInt.asIntN(64, wire.varint()).toString() };
        break;
      case 3:
        requireType(wireType, FIXED64, 'Value.double_value');
        value = { doubleValue: wire.double() };
        break;
      case 10:
        requireType(wireType, LENGTH_DELIMITED, 'Value.timestamp_value');
        value = { timestampValue: timestamp(wire.message()) };
        break;
      case 17:
        requireType(wireType, LENGTH_DELIMITED, 'Value.string_value');
        value = { stringValue: wire.string() };
        break;
      case 18:
        requireType(wireType, LENGTH_DELIMITED, 'Value.bytes_value');
        value = { bytesValue: wire.bytesField() };
        break;
      case 5:
        requireType(wireType, LENGTH_DELIMITED, 'Value.reference_value');
        value = { referenceValue: wire.string() };
        break;
      case 8:
        requireType(wireType, LENGTH_DELIMITED, 'Value.geo_point_value');
        value = { geoPointValue: latLng(wire.message()) };
        break;
      case 9:
        requireType(wireType, LENGTH_DELIMITED, 'Value.array_value');
        value = { arrayValue: { values: arrayValues(wire.message(), depth + 1, maxDepth) } };
        break;
      case 6:
        requireType(wireType, LENGTH_DELIMITED, 'Value.map_value');
        value = { mapValue: { fields: mapFields(wire.message(), depth + 1, maxDepth) } };
        break;
      default:
        wire.skip(wireType);
    }
  }
  return value;
}

function document(wire: Wire, maxDepth: number): Json {
  const doc: Json = { name: '', fields: {} };
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      requireType(wireType, LENGTH_DELIMITED, 'Document.name');
      doc.name = wire.string();
    } else if (field === 2) {
      requireType(wireType, LENGTH_DELIMITED, 'Document.fields');
      const fields = doc.fields as Json;
      mapEntry(wire.message(), fields, 1, maxDepth);
    } else if (field === 3 || field === 4) {
      requireType(wireType, LENGTH_DELIMITED, field === 3 ? 'Document.create_time' : 'Document.update_time');
      doc[field === 3 ? 'createTime' : 'updateTime'] = timestamp(wire.message());
    } else wire.skip(wireType);
  }
  return doc;
}

/**
 * Reads a protobuf `DocumentEventData` into its JSON form: `value` (after the change) and
 * `oldValue` (before it), each present only when the message has it. Values nested more than
 * `maxDepth` maps and arrays deep are refused. Throws a `MalformedProtobuf` for bytes that are
 * not such a message.
 *
 * @example
 * const data = readDocumentEventData(bytes, 100); // { value: { name, fields: { n: { integerValue: '4' } }, ... } }
 */
export function readDocumentEventData(bytes: Uint8Array, maxDepth: number): Json {
  const wire = new Wire(bytes, 0, bytes.byteLength);
  const data: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1 || field === 2) {
      requireType(wireType, LENGTH_DELIMITED, field === 1 ? 'DocumentEventData.value' : 'DocumentEventData.old_value');
      data[field === 1 ? 'value' : 'oldValue'] = document(wire.message(), maxDepth);
    } else wire.skip(wireType);
  }
  return data;
}
