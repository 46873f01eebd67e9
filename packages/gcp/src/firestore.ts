/**
 * Firestore document events (`google.cloud.firestore.document.v1.created|updated|deleted|written`,
 * and their `.withAuthContext` variants) as portable change events, from the JSON form of the
 * event data. Typed Firestore values (`{ "integerValue": "4" }`) become plain JS values.
 * Protobuf payloads (`application/protobuf`, the Eventarc default) are refused with a clear error.
 */
import { type ChangeEvent, type ChangeOp, createChangeEvent, decodeBase64 } from '@skyport/core';
import { jsonData, type ParsedCloudEvent } from './cloudevent.js';
import { gcpError, isObject, str } from './errors.js';

/** The CloudEvent type prefix of Firestore document events. */
export const FIRESTORE_PREFIX = 'google.cloud.firestore.document.v1.';

/**
 * A Firestore typed value as a plain JS value: integers become numbers (strings when beyond
 * `Number.MAX_SAFE_INTEGER`), timestamps `Date`s, bytes `Uint8Array`s, references their path,
 * geo points `{ latitude, longitude }`, arrays and maps recursively.
 *
 * @example
 * fromFirestoreValue({ mapValue: { fields: { n: { integerValue: '4' } } } }); // { n: 4 }
 */
export function fromFirestoreValue(value: unknown): unknown {
  if (!isObject(value)) return undefined;
  if ('nullValue' in value) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('booleanValue' in value) return value.booleanValue;
  if ('integerValue' in value) {
    const n = Number(value.integerValue);
    return Number.isSafeInteger(n) ? n : String(value.integerValue);
  }
  if ('doubleValue' in value)
    return typeof value.doubleValue === 'string' ? Number(value.doubleValue) : value.doubleValue;
  if ('timestampValue' in value) {
    const date = new Date(String(value.timestampValue));
    return Number.isNaN(date.getTime()) ? value.timestampValue : date;
  }
  if ('bytesValue' in value)
    return (typeof value.bytesValue === 'string' && decodeBase64(value.bytesValue)) || value.bytesValue;
  if ('referenceValue' in value) return value.referenceValue;
  if ('geoPointValue' in value) {
    const point = isObject(value.geoPointValue) ? value.geoPointValue : {};
    return { latitude: point.latitude ?? 0, longitude: point.longitude ?? 0 };
  }
  if ('arrayValue' in value) {
    const values = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return Array.isArray(values) ? values.map(fromFirestoreValue) : [];
  }
  if ('mapValue' in value) return fromFirestoreFields(isObject(value.mapValue) ? value.mapValue.fields : undefined);
  return undefined;
}

/**
 * A document's `fields` as a plain JS object.
 *
 * @example
 * fromFirestoreFields({ count: { integerValue: '3' }, foo: { stringValue: 'bar' } }); // { count: 3, foo: 'bar' }
 */
export function fromFirestoreFields(fields: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(fields)) return out;
  for (const [key, value] of Object.entries(fields)) out[key] = fromFirestoreValue(value);
  return out;
}

function opOf(action: string, before: unknown, after: unknown): ChangeOp | undefined {
  if (action === 'created') return 'insert';
  if (action === 'updated') return 'update';
  if (action === 'deleted') return 'delete';
  if (action === 'written') return before === undefined ? 'insert' : after === undefined ? 'delete' : 'update';
  return undefined;
}

/**
 * The portable change event of a Firestore document CloudEvent. `collection` is the path of the
 * document's collection (`users/u1/orders` for a nested one), `key` is `{ id, path }`.
 *
 * @example
 * toChangeEvent(event, 'changes').after; // { count: 4, foo: 'bar', 'another test': 'asd' }
 */
export function toChangeEvent(event: ParsedCloudEvent, kind: string): ChangeEvent {
  const action = event.type.slice(FIRESTORE_PREFIX.length).replace(/\.withAuthContext$/, '');
  if (/protobuf/i.test(event.datacontenttype ?? '') || event.data instanceof Uint8Array) {
    throw gcpError(
      'INVALID_EVENT',
      kind,
      `${event.type} (${event.datacontenttype ?? 'bytes'})`,
      'Firestore protobuf payloads are not decoded; create the trigger with JSON event data (application/json)',
    );
  }
  const data = jsonData(event, kind, 'Firestore event');
  const before = isObject(data.oldValue) && 'name' in data.oldValue ? data.oldValue : undefined;
  const after = isObject(data.value) && 'name' in data.value ? data.value : undefined;
  const op = opOf(action, before, after);
  if (op === undefined)
    throw gcpError('UNKNOWN_EVENT', kind, event.type, `"${action}" is not a Firestore document event`);
  const name = str(after?.name) ?? str(before?.name) ?? (event.subject ? `/${event.subject}` : '');
  const path = name.includes('/documents/')
    ? name.slice(name.indexOf('/documents/') + 11)
    : name.replace(/^\/?documents\//, '');
  const slash = path.lastIndexOf('/');
  if (slash <= 0) throw gcpError('INVALID_EVENT', kind, event.type, 'the Firestore event names no document');
  return createChangeEvent({
    op,
    collection: path.slice(0, slash),
    key: { id: path.slice(slash + 1), path },
    before: before === undefined ? undefined : fromFirestoreFields(before.fields),
    after: after === undefined ? undefined : fromFirestoreFields(after.fields),
    time: event.time ?? str(after?.updateTime) ?? str(before?.updateTime),
    raw: event.raw,
  });
}
