/**
 * The protobuf form of Firestore event data, `google.events.cloud.firestore.v1.DocumentEventData`,
 * which Eventarc sends by default (`application/protobuf`). It is read into the shape of the
 * event's JSON form (`{ value: { name, fields, createTime, updateTime }, oldValue }`, typed values
 * as `{ integerValue: '4' }`), so that one decoder turns both forms into plain values. Bytes stay
 * a `Uint8Array` rather than going through base64.
 *
 * Only the protobuf wire format and the few messages of this schema are read; fields the schema
 * does not name (a newer schema's) are skipped, as protobuf readers do. Anything else that is
 * not a well-formed message of this schema throws core's `MalformedProtobuf` saying what is wrong.
 */
import { FIXED64, LENGTH_DELIMITED, MalformedProtobuf, ProtobufReader, setOwn, VARINT } from '@skyport/core';

/** A JSON-form object, every key an own property. */
type Json = Record<string, unknown>;

/** The earliest and latest seconds a `google.protobuf.Timestamp` may hold (years 1 to 9999). */
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/** A `google.protobuf.Timestamp` as the JSON mapping writes it: RFC 3339 with nanoseconds. */
function timestamp(wire: ProtobufReader): string {
  let seconds = 0n;
  let nanos = 0;
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      wire.expect(wireType, VARINT, 'Timestamp.seconds');
      seconds = BigInt.asIntN(64, wire.varint());
    } else if (field === 2) {
      wire.expect(wireType, VARINT, 'Timestamp.nanos');
      nanos = Number(BigInt.asIntN(32, wire.varint()));
    } else wire.skip(wireType);
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new MalformedProtobuf(`a Timestamp is out of range (${seconds} s, ${nanos} ns)`);
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(nanos).padStart(9, '0')}Z`;
}

function latLng(wire: ProtobufReader): Json {
  let latitude = 0;
  let longitude = 0;
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1 || field === 2) {
      wire.expect(wireType, FIXED64, field === 1 ? 'LatLng.latitude' : 'LatLng.longitude');
      if (field === 1) latitude = wire.double();
      else longitude = wire.double();
    } else wire.skip(wireType);
  }
  return { latitude, longitude };
}

/** A `map<string, Value>` entry, added to `fields`. */
function mapEntry(wire: ProtobufReader, fields: Json, depth: number, maxDepth: number): void {
  let key = '';
  let value: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      wire.expect(wireType, LENGTH_DELIMITED, 'a map key');
      key = wire.string();
    } else if (field === 2) {
      wire.expect(wireType, LENGTH_DELIMITED, 'a map value');
      value = typedValue(wire.message(), depth, maxDepth);
    } else wire.skip(wireType);
  }
  setOwn<unknown>(fields, key, value);
}

/** The fields of a `MapValue`. */
function mapFields(wire: ProtobufReader, depth: number, maxDepth: number): Json {
  const fields: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      wire.expect(wireType, LENGTH_DELIMITED, 'a map entry');
      mapEntry(wire.message(), fields, depth, maxDepth);
    } else wire.skip(wireType);
  }
  return fields;
}

function arrayValues(wire: ProtobufReader, depth: number, maxDepth: number): Json[] {
  const values: Json[] = [];
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      wire.expect(wireType, LENGTH_DELIMITED, 'ArrayValue.values');
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
function typedValue(wire: ProtobufReader, depth: number, maxDepth: number): Json {
  if (depth > maxDepth) throw new MalformedProtobuf(`values nest deeper than ${maxDepth} levels`);
  let value: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    // A oneof: the last member on the wire is the one set.
    switch (field) {
      case 11:
        wire.expect(wireType, VARINT, 'Value.null_value');
        wire.varint();
        value = { nullValue: null };
        break;
      case 1:
        wire.expect(wireType, VARINT, 'Value.boolean_value');
        value = { booleanValue: wire.varint() !== 0n };
        break;
      case 2:
        wire.expect(wireType, VARINT, 'Value.integer_value');
        value = { integerValue: BigInt.asIntN(64, wire.varint()).toString() };
        break;
      case 3:
        wire.expect(wireType, FIXED64, 'Value.double_value');
        value = { doubleValue: wire.double() };
        break;
      case 10:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.timestamp_value');
        value = { timestampValue: timestamp(wire.message()) };
        break;
      case 17:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.string_value');
        value = { stringValue: wire.string() };
        break;
      case 18:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.bytes_value');
        value = { bytesValue: wire.bytes() };
        break;
      case 5:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.reference_value');
        value = { referenceValue: wire.string() };
        break;
      case 8:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.geo_point_value');
        value = { geoPointValue: latLng(wire.message()) };
        break;
      case 9:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.array_value');
        value = { arrayValue: { values: arrayValues(wire.message(), depth + 1, maxDepth) } };
        break;
      case 6:
        wire.expect(wireType, LENGTH_DELIMITED, 'Value.map_value');
        value = { mapValue: { fields: mapFields(wire.message(), depth + 1, maxDepth) } };
        break;
      default:
        wire.skip(wireType);
    }
  }
  return value;
}

function document(wire: ProtobufReader, maxDepth: number): Json {
  const doc: Json = { name: '', fields: {} };
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1) {
      wire.expect(wireType, LENGTH_DELIMITED, 'Document.name');
      doc.name = wire.string();
    } else if (field === 2) {
      wire.expect(wireType, LENGTH_DELIMITED, 'Document.fields');
      const fields = doc.fields as Json;
      mapEntry(wire.message(), fields, 1, maxDepth);
    } else if (field === 3 || field === 4) {
      wire.expect(wireType, LENGTH_DELIMITED, field === 3 ? 'Document.create_time' : 'Document.update_time');
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
  const wire = new ProtobufReader(bytes);
  const data: Json = {};
  while (!wire.done) {
    const [field, wireType] = wire.tag();
    if (field === 1 || field === 2) {
      wire.expect(wireType, LENGTH_DELIMITED, field === 1 ? 'DocumentEventData.value' : 'DocumentEventData.old_value');
      data[field === 1 ? 'value' : 'oldValue'] = document(wire.message(), maxDepth);
    } else wire.skip(wireType);
  }
  return data;
}
