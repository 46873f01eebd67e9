/**
 * Firestore event data in its protobuf form, encoded by protobufjs (an independent protobuf
 * implementation) from the schema Google publishes for it,
 * `google/events/cloud/firestore/v1/data.proto` in github.com/googleapis/google-cloudevents
 * (Apache-2.0): the same messages and field numbers, written here as a protobufjs JSON schema.
 */
import protobuf from 'protobufjs';

/** A `map<string, type>` field. */
const stringMap = (type: string, id: number): protobuf.IMapField => ({ keyType: 'string', type, id });

const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
            NullValue: { values: { NULL_VALUE: 0 } },
          },
        },
        type: {
          nested: {
            LatLng: { fields: { latitude: { type: 'double', id: 1 }, longitude: { type: 'double', id: 2 } } },
          },
        },
        events: {
          nested: {
            cloud: {
              nested: {
                firestore: {
                  nested: {
                    v1: {
                      nested: {
                        DocumentEventData: {
                          fields: {
                            value: { type: 'Document', id: 1 },
                            oldValue: { type: 'Document', id: 2 },
                            updateMask: { type: 'DocumentMask', id: 3 },
                          },
                        },
                        DocumentMask: { fields: { fieldPaths: { rule: 'repeated', type: 'string', id: 1 } } },
                        Document: {
                          fields: {
                            name: { type: 'string', id: 1 },
                            fields: stringMap('Value', 2),
                            createTime: { type: 'google.protobuf.Timestamp', id: 3 },
                            updateTime: { type: 'google.protobuf.Timestamp', id: 4 },
                          },
                        },
                        Value: {
                          oneofs: {
                            valueType: {
                              oneof: [
                                'nullValue',
                                'booleanValue',
                                'integerValue',
                                'doubleValue',
                                'timestampValue',
                                'stringValue',
                                'bytesValue',
                                'referenceValue',
                                'geoPointValue',
                                'arrayValue',
                                'mapValue',
                              ],
                            },
                          },
                          fields: {
                            nullValue: { type: 'google.protobuf.NullValue', id: 11 },
                            booleanValue: { type: 'bool', id: 1 },
                            integerValue: { type: 'int64', id: 2 },
                            doubleValue: { type: 'double', id: 3 },
                            timestampValue: { type: 'google.protobuf.Timestamp', id: 10 },
                            stringValue: { type: 'string', id: 17 },
                            bytesValue: { type: 'bytes', id: 18 },
                            referenceValue: { type: 'string', id: 5 },
                            geoPointValue: { type: 'google.type.LatLng', id: 8 },
                            arrayValue: { type: 'ArrayValue', id: 9 },
                            mapValue: { type: 'MapValue', id: 6 },
                          },
                        },
                        ArrayValue: { fields: { values: { rule: 'repeated', type: 'Value', id: 1 } } },
                        MapValue: { fields: { fields: stringMap('Value', 1) } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});

const DocumentEventData = root.lookupType('google.events.cloud.firestore.v1.DocumentEventData');

/** A geo point, told apart from a map of two numbers. */
export class GeoPoint {
  constructor(
    readonly latitude: number,
    readonly longitude: number,
  ) {}
}

/** A double, told apart from an integer (`new Double(2)` is stored as a double). */
export class Double {
  constructor(readonly value: number) {}
}

/** A reference to another document. */
export class Reference {
  constructor(readonly path: string) {}
}

/** A `google.protobuf.Timestamp` of a date. */
export function timestampOf(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Sets `key` as an own property, `__proto__` included. */
function own(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A plain value as a protobufjs `Value` object: integers as int64, other numbers as doubles. */
export function protoValue(value: unknown): Record<string, unknown> {
  if (value === null) return { nullValue: 0 };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'bigint') return { integerValue: value.toString() };
  if (typeof value === 'number') return Number.isInteger(value) ? { integerValue: value } : { doubleValue: value };
  if (value instanceof Double) return { doubleValue: value.value };
  if (value instanceof Date) return { timestampValue: timestampOf(value) };
  if (value instanceof Uint8Array) return { bytesValue: value };
  if (value instanceof GeoPoint) return { geoPointValue: { latitude: value.latitude, longitude: value.longitude } };
  if (value instanceof Reference) return { referenceValue: value.path };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(protoValue) } };
  const fields: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) own(fields, key, protoValue(item));
  return { mapValue: { fields } };
}

/** A document of the protobuf schema. */
export interface ProtoDocument {
  readonly name: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly createTime?: Date;
  readonly updateTime?: Date;
}

function documentOf(doc: ProtoDocument): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.fields)) own(fields, key, protoValue(value));
  return {
    name: doc.name,
    fields,
    ...(doc.createTime ? { createTime: timestampOf(doc.createTime) } : {}),
    ...(doc.updateTime ? { updateTime: timestampOf(doc.updateTime) } : {}),
  };
}

/**
 * The protobuf bytes of a `DocumentEventData` with the given documents (plain values inside).
 *
 * @example
 * encodeDocumentEventData({ value: { name: 'projects/p/databases/(default)/documents/users/u1', fields: { n: 1 } } });
 */
export function encodeDocumentEventData(data: {
  readonly value?: ProtoDocument;
  readonly oldValue?: ProtoDocument;
  readonly updateMask?: readonly string[];
}): Uint8Array {
  const message = DocumentEventData.fromObject({
    ...(data.value ? { value: documentOf(data.value) } : {}),
    ...(data.oldValue ? { oldValue: documentOf(data.oldValue) } : {}),
    ...(data.updateMask ? { updateMask: { fieldPaths: data.updateMask } } : {}),
  });
  return DocumentEventData.encode(message).finish();
}
