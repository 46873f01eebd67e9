/**
 * CloudEvents as the platform delivers them over HTTP: binary mode (attributes in `ce-*`
 * headers, the body is only `data`) and structured mode (`application/cloudevents+json`, the
 * whole event in the body, `data` or `data_base64`); also the event object the Functions
 * Framework hands a `functions.cloudEvent` handler, and the legacy background-event shapes of
 * first-generation Cloud Functions, converted the way the Functions Framework converts them.
 */
import { bodyTypeOf, cloudEventExtensions, decodeBase64, fromUtf8, setOwn } from '@skyport/core';
import { gcpError, isObject, str } from './errors.js';

/** A CloudEvent with its attributes checked and its data decoded as far as the content type says. */
export interface ParsedCloudEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion: string;
  readonly subject: string | undefined;
  readonly time: string | undefined;
  readonly datacontenttype: string | undefined;
  /** Parsed JSON, text, bytes (`Uint8Array`) or `undefined`. */
  readonly data: unknown;
  /** Every other attribute (`traceparent`, Eventarc extensions). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** How it arrived. */
  readonly mode: 'binary' | 'structured' | 'legacy';
  /** The untouched event as received. */
  readonly raw: unknown;
}

const attributes = new Set(['id', 'source', 'type', 'specversion', 'subject', 'time', 'datacontenttype', 'data']);

/** Decodes a binary-mode body by its content type. */
function decodeData(body: Uint8Array, contentType: string | undefined, kind: string): unknown {
  if (body.byteLength === 0) return undefined;
  const type = bodyTypeOf(contentType);
  if (type === 'json') {
    try {
      return JSON.parse(fromUtf8(body));
    } catch {
      throw gcpError(
        'INVALID_EVENT',
        kind,
        'binary CloudEvent',
        `the CloudEvent data is not valid JSON (${contentType})`,
      );
    }
  }
  if (type === 'text') return fromUtf8(body);
  return body;
}

/** A run of `%XX` escapes. */
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/** The length in bytes of the UTF-8 sequence a lead byte starts (1 for a byte no sequence starts with). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return lead >= 0xc0 ? 2 : 1;
}

/** A run of escapes decoded, each escape that is no part of a UTF-8 character kept as sent. */
function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Decoded one character at a time below.
  }
  let out = '';
  for (let at = 0; at < run.length; ) {
    const sequence = run.slice(at, at + 3 * sequenceLength(Number.parseInt(run.slice(at + 1, at + 3), 16)));
    try {
      out += decodeURIComponent(sequence);
      at += sequence.length;
    } catch {
      out += run.slice(at, at + 3);
      at += 3;
    }
  }
  return out;
}

/**
 * One round of percent-decoding of a binary-mode header value (CloudEvents HTTP binding 3.1.3.2:
 * senders percent-encode space, `"`, `%` and non-ASCII). Every escape that is part of a UTF-8
 * character is decoded; a `%` not followed by two hex digits, and an escape that is no part of a
 * UTF-8 character, are kept as sent.
 *
 * @example
 * percentDecode('objects/f%C3%BCr%20x.txt'); // 'objects/für x.txt'
 * percentDecode('objects/a%20b%'); // 'objects/a b%'
 */
export function percentDecode(value: string): string {
  return value.includes('%') ? value.replace(ESCAPES, decodeRun) : value;
}

/** Whether the headers carry a binary-mode CloudEvent (the four required `ce-*` attributes). */
export function isBinaryCloudEvent(headers: Readonly<Record<string, string>>): boolean {
  return (
    headers['ce-id'] !== undefined &&
    headers['ce-source'] !== undefined &&
    headers['ce-type'] !== undefined &&
    headers['ce-specversion'] !== undefined
  );
}

/**
 * A binary-mode CloudEvent from normalised (lower-cased) headers and the exact body.
 *
 * @example
 * fromBinary({ 'ce-id': '1', 'ce-source': '//x', 'ce-type': 't', 'ce-specversion': '1.0', 'content-type': 'application/json' }, body, 'events');
 */
export function fromBinary(
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  kind: string,
): ParsedCloudEvent {
  const extensions: Record<string, unknown> = {};
  // Every `ce-*` value is percent-decoded once, as the HTTP binding requires of a receiver.
  const attribute = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : percentDecode(value);
  };
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('ce-')) continue;
    const key = name.slice(3);
    // `ce-__proto__` names an extension like any other: an own key, not the map's prototype.
    if (!attributes.has(key)) setOwn(extensions, key, attribute(name));
  }
  if (headers.traceparent !== undefined) extensions.traceparent ??= headers.traceparent;
  const id = str(attribute('ce-id'));
  const source = str(attribute('ce-source'));
  const type = str(attribute('ce-type'));
  if (id === undefined || source === undefined || type === undefined) {
    throw gcpError('INVALID_EVENT', kind, 'binary CloudEvent', 'ce-id, ce-source and ce-type must not be empty');
  }
  const contentType = headers['content-type'] ?? attribute('ce-datacontenttype');
  return {
    id,
    source,
    type,
    specversion: attribute('ce-specversion') ?? '1.0',
    subject: str(attribute('ce-subject')),
    time: str(attribute('ce-time')),
    datacontenttype: contentType,
    data: decodeData(body, contentType, kind),
    extensions,
    mode: 'binary',
    raw: { headers, data: body },
  };
}

/** Whether a value has the attributes of a structured CloudEvent. */
export function looksLikeCloudEvent(value: unknown): value is { readonly [key: string]: unknown } {
  return isObject(value) && 'specversion' in value && 'type' in value;
}

/**
 * A structured-mode CloudEvent (the JSON body, or the object the Functions Framework parsed).
 * Throws `INVALID_EVENT` when a required attribute is missing or `data_base64` is not base64.
 *
 * @example
 * fromStructured(JSON.parse(body), 'queue');
 */
export function fromStructured(value: unknown, kind: string): ParsedCloudEvent {
  if (!isObject(value))
    throw gcpError('INVALID_EVENT', kind, typeof value, 'a structured CloudEvent must be a JSON object');
  const id = str(value.id);
  const source = str(value.source);
  const type = str(value.type);
  const specversion = str(value.specversion);
  if (id === undefined || source === undefined || type === undefined || specversion === undefined) {
    throw gcpError(
      'INVALID_EVENT',
      kind,
      'structured CloudEvent',
      'a CloudEvent needs non-empty string id, source, type and specversion',
    );
  }
  let data: unknown = value.data;
  if (data === undefined && value.data_base64 !== undefined) {
    const bytes = typeof value.data_base64 === 'string' ? decodeBase64(value.data_base64) : undefined;
    if (bytes === undefined)
      throw gcpError('INVALID_EVENT', kind, 'structured CloudEvent', 'data_base64 is not base64');
    data = bytes;
  }
  // The Functions Framework hands binary non-JSON data over as a Node Buffer: keep it as bytes.
  if (data instanceof Uint8Array && !(data.constructor === Uint8Array)) {
    data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const extensions = cloudEventExtensions(value);
  return {
    id,
    source,
    type,
    specversion,
    subject: str(value.subject),
    time: str(value.time),
    datacontenttype: str(value.datacontenttype),
    data,
    extensions,
    mode: 'structured',
    raw: value,
  };
}

/** Legacy event types and their CloudEvent names (the table the Functions Framework uses). */
const legacyTypes: Readonly<Record<string, string>> = {
  'google.pubsub.topic.publish': 'google.cloud.pubsub.topic.v1.messagePublished',
  'providers/cloud.pubsub/eventTypes/topic.publish': 'google.cloud.pubsub.topic.v1.messagePublished',
  'google.storage.object.finalize': 'google.cloud.storage.object.v1.finalized',
  'google.storage.object.delete': 'google.cloud.storage.object.v1.deleted',
  'google.storage.object.archive': 'google.cloud.storage.object.v1.archived',
  'google.storage.object.metadataUpdate': 'google.cloud.storage.object.v1.metadataUpdated',
  'providers/cloud.storage/eventTypes/object.change': 'google.cloud.storage.object.v1.finalized',
  'providers/cloud.firestore/eventTypes/document.write': 'google.cloud.firestore.document.v1.written',
  'providers/cloud.firestore/eventTypes/document.create': 'google.cloud.firestore.document.v1.created',
  'providers/cloud.firestore/eventTypes/document.update': 'google.cloud.firestore.document.v1.updated',
  'providers/cloud.firestore/eventTypes/document.delete': 'google.cloud.firestore.document.v1.deleted',
  'providers/firebase.auth/eventTypes/user.create': 'google.firebase.auth.user.v1.created',
  'providers/firebase.auth/eventTypes/user.delete': 'google.firebase.auth.user.v1.deleted',
  'providers/google.firebase.analytics/eventTypes/event.log': 'google.firebase.analytics.log.v1.written',
  'providers/google.firebase.database/eventTypes/ref.create': 'google.firebase.database.ref.v1.created',
  'providers/google.firebase.database/eventTypes/ref.write': 'google.firebase.database.ref.v1.written',
  'providers/google.firebase.database/eventTypes/ref.update': 'google.firebase.database.ref.v1.updated',
  'providers/google.firebase.database/eventTypes/ref.delete': 'google.firebase.database.ref.v1.deleted',
};

const PUBSUB_SERVICE = 'pubsub.googleapis.com';
const FIREBASE_AUTH_SERVICE = 'firebaseauth.googleapis.com';
const FIREBASE_DB_SERVICE = 'firebasedatabase.googleapis.com';

/** The CloudEvent service of a legacy event type, by its prefix. */
const legacyServices: readonly (readonly [prefix: string, service: string])[] = [
  ['providers/cloud.firestore/', 'firestore.googleapis.com'],
  ['providers/google.firebase.analytics/', 'firebase.googleapis.com'],
  ['providers/firebase.auth/', FIREBASE_AUTH_SERVICE],
  ['providers/google.firebase.database/', FIREBASE_DB_SERVICE],
  ['providers/cloud.pubsub/', PUBSUB_SERVICE],
  ['providers/cloud.storage/', 'storage.googleapis.com'],
  ['google.pubsub', PUBSUB_SERVICE],
  ['google.storage', 'storage.googleapis.com'],
];

/** How a service's resource name splits into the CloudEvent source resource and the subject. */
const resourceSplits: Readonly<Record<string, RegExp>> = {
  'firebase.googleapis.com': /^(projects\/[^/]+)\/(events\/[^/]+)$/,
  [FIREBASE_DB_SERVICE]: /^(projects\/[^/]+\/instances\/[^/]+)\/(refs\/.+)$/,
  'firestore.googleapis.com': /^(projects\/[^/]+\/databases\/[^/]+)\/(documents\/.+)$/,
  'storage.googleapis.com': /^(projects\/[^/]+\/buckets\/[^/]+)\/(objects\/.+)$/,
};

/** Firebase Auth metadata keys whose CloudEvent names differ. */
const authMetadataKeys: Readonly<Record<string, string>> = {
  createdAt: 'createTime',
  lastSignedInAt: 'lastSignInTime',
};

/** Whether a value is a legacy background event: `{ context, data }` or flat `{ eventId, eventType, resource, data }`. */
export function isLegacyEvent(value: unknown): value is { readonly [key: string]: unknown } {
  if (!isObject(value) || !('data' in value)) return false;
  const context = isObject(value.context) ? value.context : value;
  return typeof context.eventType === 'string' && typeof context.eventId === 'string';
}

/** The Realtime Database location of a legacy event's `domain`. */
function databaseLocation(domain: unknown, kind: string): string {
  if (domain === 'firebaseio.com') return 'us-central1';
  const match = typeof domain === 'string' ? /^([\w-]+)\.firebasedatabase\.app$/.exec(domain) : null;
  if (match === null) {
    throw gcpError('INVALID_EVENT', kind, 'legacy event', 'a Realtime Database event needs a known "domain"');
  }
  return match[1] as string;
}

/** Firebase Auth data with the CloudEvent metadata names, and its subject (`users/<uid>`). */
function authData(data: unknown): { data: unknown; subject: string | undefined } {
  if (!isObject(data) || !isObject(data.metadata)) return { data, subject: undefined };
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data.metadata)) {
    metadata[Object.hasOwn(authMetadataKeys, key) ? (authMetadataKeys[key] as string) : key] = value;
  }
  const subject = typeof data.uid === 'string' || typeof data.uid === 'number' ? `users/${data.uid}` : undefined;
  return { data: { ...data, metadata }, subject };
}

/**
 * Converts a legacy background event to a CloudEvent the way the Functions Framework converts
 * it for a `cloudevent` function: Pub/Sub, Storage, Firestore, Firebase Auth, Realtime Database
 * and Analytics types are renamed, the resource is split into `source` and `subject`, and
 * Firebase Auth metadata takes its CloudEvent names. Other types keep their name.
 *
 * @example
 * fromLegacy({ context: { eventId: '1', eventType: 'google.pubsub.topic.publish', resource: { name: 'projects/p/topics/t' } }, data: { data: 'aGk=' } }, 'queue');
 */
export function fromLegacy(value: { readonly [key: string]: unknown }, kind: string): ParsedCloudEvent {
  const context = isObject(value.context) ? value.context : value;
  const eventType = String(context.eventType);
  const resource = isObject(context.resource) ? context.resource : undefined;
  let name = typeof context.resource === 'string' ? context.resource : (str(resource?.name) ?? '');
  if (str(context.eventId) === undefined) {
    throw gcpError('INVALID_EVENT', kind, 'legacy event', 'a legacy event needs a non-empty eventId');
  }
  const time = str(context.timestamp);
  let data: unknown = value.data;
  // Own keys only: an event type such as `valueOf` is no table entry. A type the framework does
  // not convert keeps its legacy name and resource.
  const known = Object.hasOwn(legacyTypes, eventType);
  const type = known ? (legacyTypes[eventType] as string) : eventType;
  const service = known
    ? (str(resource?.service) ?? legacyServices.find(([prefix]) => eventType.startsWith(prefix))?.[1] ?? '')
    : (str(resource?.service) ?? 'cloudfunctions.googleapis.com');
  let subject: string | undefined;
  const split = known && Object.hasOwn(resourceSplits, service) ? resourceSplits[service]?.exec(name) : undefined;
  if (split) {
    name = split[1] as string;
    subject = split[2];
  }
  if (known && service === PUBSUB_SERVICE) {
    const message = isObject(data) ? data : {};
    data = { message: { messageId: context.eventId, publishTime: time, ...message } };
  } else if (known && service === FIREBASE_AUTH_SERVICE) {
    const auth = authData(data);
    data = auth.data;
    subject = auth.subject;
  } else if (known && service === FIREBASE_DB_SERVICE) {
    name = name.replace(/^projects\/([^/]+)\//, `projects/$1/locations/${databaseLocation(value.domain, kind)}/`);
  }
  return {
    id: String(context.eventId),
    source: `//${service}/${name}`,
    type,
    specversion: '1.0',
    subject,
    time,
    datacontenttype: 'application/json',
    data,
    extensions: {},
    mode: 'legacy',
    raw: value,
  };
}

/**
 * The JSON object inside a Google event's `data` (parsed already, or JSON text/bytes).
 * Throws `INVALID_EVENT` when it is not a JSON object.
 */
export function jsonData(event: ParsedCloudEvent, kind: string, shape: string): { readonly [key: string]: unknown } {
  let data = event.data;
  if (typeof data === 'string' || data instanceof Uint8Array) {
    try {
      data = JSON.parse(typeof data === 'string' ? data : fromUtf8(data));
    } catch {
      data = undefined;
    }
  }
  if (!isObject(data)) throw gcpError('INVALID_EVENT', kind, shape, `the ${shape} has no JSON object as data`);
  return data;
}
