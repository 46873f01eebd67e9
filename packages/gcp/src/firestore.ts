/**
 * Firestore document events (`google.cloud.firestore.document.v1.created|updated|deleted|written`,
 * and their `.withAuthContext` variants) as portable change events, from the JSON form of the
 * event data in either of its forms: protobuf (`application/protobuf`, the Eventarc default) or
 * JSON. Typed Firestore values (`{ "integerValue": "4" }`) become plain JS values; a value of the
 * wrong type, nested more than 100 levels deep, or protobuf bytes that are not a
 * `DocumentEventData` are refused with `INVALID_EVENT`.
 */
import {
  bodyTypeOf,
  type ChangeEvent,
  type ChangeOp,
  createChangeEvent,
  decodeBase64,
  MalformedProtobuf,
  setOwn,
} from '@skyport/core';
import { jsonData, type ParsedCloudEvent } from './cloudevent.js';
import { gcpError, isObject, str } from './errors.js';
import { readDocumentEventData } from './firestore-protobuf.js';

/** The CloudEvent type prefix of Firestore document events. */
export const FIRESTORE_PREFIX = 'google.cloud.firestore.document.v1.';

/**
 * How deeply maps and arrays may nest in a decoded document; a field at `a.b.c` is 3 deep.
 * Firestore itself stops at 20 levels, so this generous cap only refuses events no database
 * wrote, before recursing through them could exhaust the stack.
 */
const MAX_DEPTH = 100;

/** Where errors are reported: the function kind, the detected shape, and which document. */
interface Scope {
  readonly kind: string;
  readonly shape: string;
  readonly document?: 'value' | 'oldValue' | undefined;
  /** The event's database (`projects/p/databases/(default)`), when known. */
  readonly database?: string | undefined;
}

/** Where a value sits, linked to its parent so the path is only spelled out for an error. */
interface At {
  readonly scope: Scope;
  readonly parent?: At | undefined;
  readonly key?: string | number | undefined;
  readonly depth: number;
}

/** What `fromFirestoreValue` and `fromFirestoreFields` report, called outside an event. */
const standalone: Scope = { kind: 'changes', shape: 'Firestore value' };

/** A field name that needs no backquotes in a Firestore field path. */
const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function segmentOf(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return `.${SIMPLE_NAME.test(key) ? key : `\`${key.replace(/[`\\]/g, '\\$&')}\``}`;
}

/** A field path as Firestore spells it (`` a.`b c`[0] ``), cut after 100 characters for a deep one. */
function pathOf(at: At): string {
  const segments: string[] = [];
  for (let node: At | undefined = at; node?.key !== undefined; node = node.parent) segments.push(segmentOf(node.key));
  let path = '';
  for (const segment of segments.reverse()) {
    const next = path === '' ? segment.replace(/^\./, '') : path + segment;
    if (path !== '' && next.length > 100) return `${path}…`;
    path = next;
  }
  return path;
}

function refuse(at: At, problem: string): never {
  const path = pathOf(at);
  const field = path === '' ? 'the Firestore value' : `the Firestore field ${path}`;
  const document = at.scope.document === undefined ? '' : ` of ${at.scope.document}`;
  throw gcpError('INVALID_EVENT', at.scope.kind, at.scope.shape, `${field}${document} ${problem}`);
}

function child(at: At, key: string | number): At {
  const next: At = { scope: at.scope, parent: at, key, depth: at.depth + 1 };
  if (next.depth > MAX_DEPTH) refuse(next, `nests deeper than ${MAX_DEPTH} levels`);
  return next;
}

/** What a scalar decoder returns for a value of the wrong JSON type. */
const WRONG: unique symbol = Symbol('wrong');

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// The proto3 JSON mapping writes int64 as a decimal string and accepts a JSON number too.
function integer(raw: unknown): number | string | typeof WRONG {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < -(2 ** 63) || raw >= 2 ** 63) return WRONG;
    // String() would round the digits (2 ** 60 gives "...847000"); BigInt spells the exact value.
    return Number.isSafeInteger(raw) ? raw : BigInt(raw).toString();
  }
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) return WRONG;
  const value = Number(raw);
  if (Number.isSafeInteger(value)) return value;
  const exact = BigInt(raw);
  return exact >= INT64_MIN && exact <= INT64_MAX ? raw : WRONG;
}

// Doubles are JSON numbers, but the mapping also accepts numeric strings and spells
// non-finite values as the strings "NaN", "Infinity" and "-Infinity".
function double(raw: unknown): number | typeof WRONG {
  if (typeof raw === 'number') return raw;
  if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return Number(raw);
  return typeof raw === 'string' && /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(raw) ? Number(raw) : WRONG;
}

/** An RFC 3339 date-time as the proto3 JSON mapping writes a Timestamp (up to nanoseconds). */
const RFC3339 =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function timestamp(raw: unknown): Date | typeof WRONG {
  if (typeof raw !== 'string' || !RFC3339.test(raw)) return WRONG;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? WRONG : date;
}

// Firestore writes standard padded base64; the mapping also accepts URL-safe and unpadded forms.
// Bytes read from the protobuf form arrive as they are.
function bytes(raw: unknown): Uint8Array | typeof WRONG {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw !== 'string') return WRONG;
  const standard = raw.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64(standard.padEnd(Math.ceil(standard.length / 4) * 4, '=')) ?? WRONG;
}

// The mapping omits a coordinate equal to 0, as it omits every default value.
function geoPoint(raw: unknown): { latitude: number; longitude: number } | typeof WRONG {
  if (!isObject(raw)) return WRONG;
  const latitude = raw.latitude === undefined ? 0 : double(raw.latitude);
  const longitude = raw.longitude === undefined ? 0 : double(raw.longitude);
  return latitude === WRONG || longitude === WRONG ? WRONG : { latitude, longitude };
}

function text(raw: unknown): string | typeof WRONG {
  return typeof raw === 'string' ? raw : WRONG;
}

/** A document name split into its database (`projects/p/databases/(default)`) and path (`users/u1`). */
const DOCUMENT_NAME = /^(projects\/[^/]+\/databases\/[^/]+)\/documents\/(.+)$/;

/**
 * A reference to a document of the event's own database as the document's path (`users/u1`),
 * what `DocumentReference.path` gives and `db.doc()` takes, like the event's `key.path`. A
 * reference to another project or database, one read outside an event, or a name of another form
 * stays as sent, since `db.doc()` would read that path in the function's own database.
 */
function reference(raw: unknown, scope: Scope): string | typeof WRONG {
  if (typeof raw !== 'string') return WRONG;
  const match = DOCUMENT_NAME.exec(raw);
  return match !== null && match[1] === scope.database ? (match[2] as string) : raw;
}

/** A scalar decoder: the value, or `WRONG`. Only a reference needs the scope. */
type Decode = (raw: unknown, scope: Scope) => unknown;

/**
 * The scalar value types in the order they are tried, each with its decoder and what the
 * Firestore JSON mapping allows (for the error).
 */
const scalars: readonly (readonly [type: string, expected: string, decode: Decode])[] = [
  ['nullValue', 'null or "NULL_VALUE"', (raw) => (raw === null || raw === 'NULL_VALUE' ? null : WRONG)],
  ['stringValue', 'a string', text],
  ['booleanValue', 'a boolean', (raw) => (typeof raw === 'boolean' ? raw : WRONG)],
  ['integerValue', 'an int64 as a decimal string or an integer number', integer],
  ['doubleValue', 'a number, a numeric string, "NaN", "Infinity" or "-Infinity"', double],
  ['timestampValue', 'an RFC 3339 date-time string', timestamp],
  ['bytesValue', 'a base64 string', bytes],
  ['referenceValue', 'a document name string', reference],
  ['geoPointValue', 'an object with numeric latitude and longitude', geoPoint],
];

function decodeArray(raw: unknown, at: At): unknown[] {
  const values = isObject(raw) ? raw.values : undefined;
  if (!isObject(raw) || (values !== undefined && !Array.isArray(values))) {
    refuse(at, 'has an invalid arrayValue, expected an object with a values array');
  }
  return values === undefined ? [] : values.map((item, index) => decodeValue(item, child(at, index)));
}

function decodeFields(fields: unknown, at: At): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(fields)) return out;
  for (const [key, value] of Object.entries(fields)) setOwn(out, key, decodeValue(value, child(at, key)));
  return out;
}

function decodeMap(raw: unknown, at: At): Record<string, unknown> {
  if (!isObject(raw) || (raw.fields !== undefined && !isObject(raw.fields))) {
    refuse(at, 'has an invalid mapValue, expected an object with a fields object');
  }
  return decodeFields(raw.fields, at);
}

function decodeValue(value: unknown, at: At): unknown {
  if (!isObject(value)) return undefined;
  for (const [type, expected, decode] of scalars) {
    if (!Object.hasOwn(value, type)) continue;
    const decoded = decode(value[type], at.scope);
    return decoded === WRONG ? refuse(at, `has an invalid ${type}, expected ${expected}`) : decoded;
  }
  if (Object.hasOwn(value, 'arrayValue')) return decodeArray(value.arrayValue, at);
  if (Object.hasOwn(value, 'mapValue')) return decodeMap(value.mapValue, at);
  return undefined;
}

/**
 * A Firestore typed value as a plain JS value: integers become numbers (strings when beyond
 * `Number.MAX_SAFE_INTEGER`), timestamps `Date`s, bytes `Uint8Array`s, references their full
 * document name (outside an event no database is known to give a path in), geo points
 * `{ latitude, longitude }`, arrays and maps recursively (every map field an own property,
 * `__proto__` included). What is not a typed value gives `undefined`; a typed value of
 * the wrong JSON type (`{ "integerValue": "12abc" }`) or nested more than 100 levels deep
 * throws a `SkyportError` with code `INVALID_EVENT` naming the field path.
 *
 * @example
 * fromFirestoreValue({ mapValue: { fields: { n: { integerValue: '4' } } } }); // { n: 4 }
 */
export function fromFirestoreValue(value: unknown): unknown {
  return decodeValue(value, { scope: standalone, depth: 0 });
}

/**
 * A document's `fields` as a plain JS object, with every field an own property. Throws like
 * `fromFirestoreValue` for a malformed value.
 *
 * @example
 * fromFirestoreFields({ count: { integerValue: '3' }, foo: { stringValue: 'bar' } }); // { count: 3, foo: 'bar' }
 */
export function fromFirestoreFields(fields: unknown): Record<string, unknown> {
  return decodeFields(fields, { scope: standalone, depth: 0 });
}

function documentFields(
  document: { readonly [key: string]: unknown },
  side: 'value' | 'oldValue',
  scope: Scope,
): Record<string, unknown> {
  return decodeFields(document.fields, { scope: { ...scope, document: side }, depth: 0 });
}

function opOf(action: string, before: unknown, after: unknown): ChangeOp | undefined {
  if (action === 'created') return 'insert';
  if (action === 'updated') return 'update';
  if (action === 'deleted') return 'delete';
  if (action === 'written') return before === undefined ? 'insert' : after === undefined ? 'delete' : 'update';
  return undefined;
}

/**
 * The event data in its JSON form, read from the protobuf bytes when it came as protobuf: so
 * declared, or bytes of no JSON content type (the Functions Framework hands such a body over as
 * it is).
 */
function eventData(event: ParsedCloudEvent, kind: string): { readonly [key: string]: unknown } {
  const declared = event.datacontenttype;
  const protobuf =
    /protobuf/i.test(declared ?? '') || (event.data instanceof Uint8Array && bodyTypeOf(declared) !== 'json');
  if (!protobuf) return jsonData(event, kind, 'Firestore event');
  const shape = `${event.type} (${event.datacontenttype ?? 'bytes'})`;
  if (!(event.data instanceof Uint8Array)) {
    throw gcpError('INVALID_EVENT', kind, shape, 'the Firestore event data is declared protobuf but is not bytes');
  }
  try {
    return readDocumentEventData(event.data, MAX_DEPTH);
  } catch (error) {
    if (!(error instanceof MalformedProtobuf)) throw error;
    throw gcpError(
      'INVALID_EVENT',
      kind,
      shape,
      `the Firestore event data is not a DocumentEventData: ${error.message}`,
    );
  }
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
  const data = eventData(event, kind);
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
  const scope: Scope = { kind, shape: event.type, database: DOCUMENT_NAME.exec(name)?.[1] };
  return createChangeEvent({
    op,
    collection: path.slice(0, slash),
    key: { id: path.slice(slash + 1), path },
    before: before === undefined ? undefined : documentFields(before, 'oldValue', scope),
    after: after === undefined ? undefined : documentFields(after, 'value', scope),
    time: event.time ?? str(after?.updateTime) ?? str(before?.updateTime),
    raw: event.raw,
  });
}
