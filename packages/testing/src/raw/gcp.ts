/**
 * Raw Google Cloud events as the platform delivers them, as plain JSON, for adapter-level tests:
 * structured CloudEvents (Pub/Sub, Cloud Storage, Firestore, any type), a Pub/Sub push
 * envelope, the headers of a Cloud Scheduler HTTP target, and the binary-mode HTTP form of any
 * CloudEvent. Nothing here loads the Functions Framework.
 */

/** A JSON object. */
export type RawEvent = Record<string, unknown>;

let counter = 0;
const nextId = () => String(1_000_000_000_000 + ++counter);

function toBase64(data: unknown): string {
  if (data === undefined) return '';
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8').toString('base64');
}

const iso = (time: Date | string | undefined) =>
  time === undefined ? new Date().toISOString() : typeof time === 'string' ? time : time.toISOString();

/** What a test says about a Pub/Sub message. */
export interface PubSubMessageOptions {
  /** A string or bytes as published; any other value is published as JSON. */
  readonly data?: unknown | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  readonly messageId?: string | undefined;
  readonly publishTime?: Date | string | undefined;
  readonly orderingKey?: string | undefined;
  /** Project id (default `test-project`). */
  readonly project?: string | undefined;
  /** Topic short name (default `test-topic`). */
  readonly topic?: string | undefined;
  /** Subscription short name (default `test-subscription`). */
  readonly subscription?: string | undefined;
}

function pubsubMessage(options: PubSubMessageOptions, id: string, time: string): RawEvent {
  const message: RawEvent = {
    attributes: { ...(options.attributes ?? {}) },
    data: toBase64(options.data),
    messageId: id,
    publishTime: time,
  };
  if (options.orderingKey !== undefined) message.orderingKey = options.orderingKey;
  return message;
}

/**
 * A structured `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (what Eventarc sends).
 *
 * @example
 * await invokeGcp(fulfilOrder, gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' }, topic: 'orders' }));
 */
export function pubsubCloudEvent(options: PubSubMessageOptions = {}): RawEvent {
  const id = options.messageId ?? nextId();
  const time = iso(options.publishTime);
  const project = options.project ?? 'test-project';
  return {
    specversion: '1.0',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: `//pubsub.googleapis.com/projects/${project}/topics/${options.topic ?? 'test-topic'}`,
    id,
    time,
    datacontenttype: 'application/json',
    data: {
      subscription: `projects/${project}/subscriptions/${options.subscription ?? 'test-subscription'}`,
      message: pubsubMessage(options, id, time),
    },
  };
}

/**
 * A Pub/Sub message as a Pub/Sub-triggered function receives it: the Eventarc CloudEvent
 * (`pubsubCloudEvent`). For a push subscription to an HTTP endpoint, use `pubsubPush`.
 *
 * @example
 * await invokeGcp(fulfilOrder, gcp.pubsub({ data: { orderId: 'ord_1' } }));
 */
export function pubsub(options: PubSubMessageOptions = {}): RawEvent {
  return pubsubCloudEvent(options);
}

/**
 * The body of a Pub/Sub push subscription request: `{ message, subscription }`, with the proto
 * names (`message_id`, `publish_time`) next to the JSON names as Pub/Sub sends them, and
 * `deliveryAttempt` when a dead-letter policy is set.
 *
 * @example
 * await invokeGcp(fulfilOrder, gcp.pubsubPush({ data: { orderId: 'ord_1' }, deliveryAttempt: 2 }));
 */
export function pubsubPush(
  options: PubSubMessageOptions & { readonly deliveryAttempt?: number | undefined } = {},
): RawEvent {
  const id = options.messageId ?? nextId();
  const time = iso(options.publishTime);
  const envelope: RawEvent = {
    message: { ...pubsubMessage(options, id, time), message_id: id, publish_time: time },
    subscription: `projects/${options.project ?? 'test-project'}/subscriptions/${options.subscription ?? 'test-subscription'}`,
  };
  if (options.deliveryAttempt !== undefined) envelope.deliveryAttempt = options.deliveryAttempt;
  return envelope;
}

/** What a test says about a Cloud Storage object event. */
export interface StorageCloudEventOptions {
  readonly bucket?: string | undefined;
  /** The object name (default `file.txt`). */
  readonly name?: string | undefined;
  /** `finalized` (default) or `deleted`. */
  readonly event?: 'finalized' | 'deleted' | undefined;
  readonly size?: number | undefined;
  readonly contentType?: string | undefined;
  readonly etag?: string | undefined;
  readonly time?: Date | string | undefined;
}

/**
 * A structured `google.cloud.storage.object.v1.finalized` / `deleted` CloudEvent. Numeric fields
 * are strings, as Cloud Storage sends them.
 *
 * @example
 * gcp.storageCloudEvent({ bucket: 'receipts', name: 'receipts/ord_1.pdf', size: 1024 });
 */
export function storageCloudEvent(options: StorageCloudEventOptions = {}): RawEvent {
  const bucket = options.bucket ?? 'test-bucket';
  const name = options.name ?? 'file.txt';
  const time = iso(options.time);
  const generation = String(Date.parse(time) * 1000);
  return {
    specversion: '1.0',
    type: `google.cloud.storage.object.v1.${options.event ?? 'finalized'}`,
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    subject: `objects/${name}`,
    id: nextId(),
    time,
    datacontenttype: 'application/json',
    data: {
      kind: 'storage#object',
      id: `${bucket}/${name}/${generation}`,
      bucket,
      name,
      generation,
      metageneration: '1',
      contentType: options.contentType ?? 'application/octet-stream',
      size: String(options.size ?? 0),
      etag: options.etag ?? 'CNHZkbuF/ugCEAE=',
      storageClass: 'STANDARD',
      timeCreated: time,
      updated: time,
    },
  };
}

/**
 * A plain JS value as a Firestore typed value (`{ integerValue: '4' }`, `{ mapValue: ... }`).
 *
 * @example
 * toFirestoreValue({ qty: 2 }); // { mapValue: { fields: { qty: { integerValue: '2' } } } }
 */
export function toFirestoreValue(value: unknown): RawEvent {
  if (value === null || value === undefined) return { nullValue: null };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number')
    // As the Firestore SDKs store numbers: a safe integer as an int64, anything else as a double.
    return Number.isSafeInteger(value) ? { integerValue: String(value) } : { doubleValue: value };
  if (typeof value === 'bigint') return { integerValue: value.toString() };
  if (value instanceof Date) return { timestampValue: value.toISOString() };
  if (value instanceof Uint8Array) return { bytesValue: toBase64(value) };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toFirestoreValue) } };
  return { mapValue: { fields: toFirestoreFields(value as Record<string, unknown>) } };
}

/**
 * A plain object as Firestore document `fields`.
 *
 * @example
 * toFirestoreFields({ status: 'pending' }); // { status: { stringValue: 'pending' } }
 */
export function toFirestoreFields(value: Readonly<Record<string, unknown>>): RawEvent {
  const fields: RawEvent = {};
  for (const [key, item] of Object.entries(value)) fields[key] = toFirestoreValue(item);
  return fields;
}

/** What a test says about a Firestore document event. */
export interface FirestoreCloudEventOptions {
  /** The document path (`orders/ord_1`). */
  readonly document: string;
  /** The document after the change (absent on delete). */
  readonly value?: Readonly<Record<string, unknown>> | undefined;
  /** The document before the change (absent on create). */
  readonly oldValue?: Readonly<Record<string, unknown>> | undefined;
  /** The event (default: `written`). */
  readonly event?: 'created' | 'updated' | 'deleted' | 'written' | undefined;
  readonly project?: string | undefined;
  readonly database?: string | undefined;
  readonly time?: Date | string | undefined;
}

/**
 * A structured `google.cloud.firestore.document.v1.*` CloudEvent with JSON data.
 *
 * @example
 * gcp.firestoreCloudEvent({ document: 'orders/ord_1', oldValue: { status: 'pending' }, value: { status: 'fulfilled' } });
 */
export function firestoreCloudEvent(options: FirestoreCloudEventOptions): RawEvent {
  const root = `projects/${options.project ?? 'test-project'}/databases/${options.database ?? '(default)'}`;
  const time = iso(options.time);
  const doc = (fields: Readonly<Record<string, unknown>>) => ({
    name: `${root}/documents/${options.document}`,
    fields: toFirestoreFields(fields),
    createTime: time,
    updateTime: time,
  });
  const data: RawEvent = {};
  if (options.value !== undefined) data.value = doc(options.value);
  if (options.oldValue !== undefined) data.oldValue = doc(options.oldValue);
  if (options.value !== undefined && options.oldValue !== undefined) {
    data.updateMask = {
      fieldPaths: Object.keys(options.value).filter(
        (key) => JSON.stringify(options.value?.[key]) !== JSON.stringify(options.oldValue?.[key]),
      ),
    };
  }
  return {
    specversion: '1.0',
    type: `google.cloud.firestore.document.v1.${options.event ?? 'written'}`,
    source: `//firestore.googleapis.com/${root}`,
    subject: `documents/${options.document}`,
    id: nextId(),
    time,
    datacontenttype: 'application/json',
    data,
  };
}

/**
 * The headers Cloud Scheduler sends to an HTTP target.
 *
 * @example
 * await invokeGcp(nightlyReport, { method: 'POST', headers: gcp.schedulerHttpHeaders({ jobName: 'nightly' }) });
 */
export function schedulerHttpHeaders(
  options: { readonly jobName?: string | undefined; readonly scheduleTime?: Date | string | undefined } = {},
): Record<string, string> {
  return {
    'user-agent': 'Google-Cloud-Scheduler',
    'x-cloudscheduler': 'true',
    'x-cloudscheduler-jobname': options.jobName ?? 'test-job',
    'x-cloudscheduler-scheduletime': iso(options.scheduleTime),
  };
}

/** What a test says about any CloudEvent. */
export interface CloudEventOptions {
  readonly type: string;
  readonly source?: string | undefined;
  readonly id?: string | undefined;
  readonly subject?: string | undefined;
  readonly time?: Date | string | undefined;
  /** Default `application/json`, or `application/octet-stream` when `data` is bytes. */
  readonly datacontenttype?: string | undefined;
  /** Any JSON value, or bytes (a `Uint8Array`), which go as `data_base64`. */
  readonly data?: unknown | undefined;
  /** Extension attributes (lower-case names). */
  readonly extensions?: Readonly<Record<string, string>> | undefined;
}

/**
 * A structured CloudEvent 1.0 of any type (Eventarc, custom sources). Bytes are carried as the
 * JSON event format carries binary data, base64 in `data_base64`, so a handler sees the same
 * `Uint8Array` from this event as from its `binaryMode()` form.
 *
 * @example
 * gcp.cloudEvent({ type: 'com.example.order.shipped', source: '//example.com/orders', data: { id: 'ord_1' } });
 */
export function cloudEvent(options: CloudEventOptions): RawEvent {
  const event: RawEvent = {
    specversion: '1.0',
    type: options.type,
    source: options.source ?? '//test.example.com',
    id: options.id ?? nextId(),
    time: iso(options.time),
    ...(options.extensions ?? {}),
  };
  if (options.subject !== undefined) event.subject = options.subject;
  if (options.data instanceof Uint8Array) {
    event.datacontenttype = options.datacontenttype ?? 'application/octet-stream';
    event.data_base64 = toBase64(options.data);
  } else if (options.data !== undefined) {
    event.datacontenttype = options.datacontenttype ?? 'application/json';
    event.data = options.data;
  }
  return event;
}

/**
 * An attribute value as a binary-mode header carries it (CloudEvents HTTP protocol binding
 * 3.1.3.2): space, `"`, `%` and every character outside printable ASCII percent-encoded as its
 * UTF-8 bytes, in upper-case hex. A header holds only printable ASCII, so `fetch` refuses one
 * with `写真` in it; a receiver percent-decodes the value once.
 */
function headerValue(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && char !== '"' && char !== '%') {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The binary-mode HTTP form of a structured CloudEvent: attributes as `ce-*` headers, each value
 * percent-encoded as the CloudEvents HTTP binding says (`objects/写真/猫.png` as
 * `objects/%E5%86%99%E7%9C%9F/%E7%8C%AB.png`, a space as `%20`), the data as the body (JSON text
 * for JSON content types, the bytes of `data_base64` or of a `Uint8Array` as they are).
 *
 * @example
 * const { headers, body } = gcp.binaryMode(gcp.storageCloudEvent());
 * await fetch(url, { method: 'POST', headers, body });
 */
export function binaryMode(event: Readonly<RawEvent>): { headers: Record<string, string>; body: string | Uint8Array } {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'data' || key === 'data_base64' || key === 'datacontenttype') continue;
    headers[`ce-${key}`] = headerValue(String(value));
  }
  const type = typeof event.datacontenttype === 'string' ? event.datacontenttype : 'application/json';
  headers['content-type'] = type;
  const data = event.data;
  const body =
    data instanceof Uint8Array
      ? data
      : typeof event.data_base64 === 'string'
        ? new Uint8Array(Buffer.from(event.data_base64, 'base64'))
        : typeof data === 'string' && !/json/i.test(type)
          ? data
          : data === undefined
            ? ''
            : JSON.stringify(data);
  return { headers, body };
}
