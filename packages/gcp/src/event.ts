/**
 * Detection and mapping of non-HTTP deliveries: which shape arrived (a binary or structured
 * CloudEvent, a legacy background event, a Pub/Sub push envelope, a Cloud Scheduler HTTP
 * request) and the portable event it gives for the function's kind. One small mapper per source.
 */
import { createCloudEvent, type EventOf, fromUtf8, type Kind } from '@skyport/core';
import {
  fromBinary,
  fromLegacy,
  fromStructured,
  isBinaryCloudEvent,
  isLegacyEvent,
  jsonData,
  looksLikeCloudEvent,
  type ParsedCloudEvent,
} from './cloudevent.js';
import { gcpError } from './errors.js';
import { FIRESTORE_PREFIX, toChangeEvent } from './firestore.js';
import { isPushEnvelope, PUBSUB_TYPE, type PubSubFields, pubsubFields, toMessage, toStreamRecord } from './pubsub.js';
import {
  fromSchedulerEvent,
  fromSchedulerHeaders,
  fromSchedulerMessage,
  isSchedulerRequest,
  SCHEDULER_TYPE,
} from './scheduler.js';
import { STORAGE_PREFIX, storageEventOf } from './storage.js';

/** What arrived, once recognised. */
export type Delivery =
  | { readonly shape: 'cloudevent'; readonly event: ParsedCloudEvent }
  | { readonly shape: 'pubsub-push'; readonly envelope: { readonly [key: string]: unknown } }
  | { readonly shape: 'scheduler-http'; readonly headers: Readonly<Record<string, string>>; readonly raw: unknown };

/** The platform's id of a delivery (CloudEvent id, Pub/Sub message id), for `ctx.requestId`. */
export function deliveryId(delivery: Delivery): string | undefined {
  if (delivery.shape === 'cloudevent') return delivery.event.id;
  if (delivery.shape === 'pubsub-push') {
    const message = delivery.envelope.message as { readonly [key: string]: unknown };
    const id = message.messageId ?? message.message_id;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

function describe(delivery: Delivery): string {
  if (delivery.shape === 'cloudevent') return `${delivery.event.type} CloudEvent (${delivery.event.mode})`;
  return delivery.shape === 'pubsub-push' ? 'Pub/Sub push envelope' : 'Cloud Scheduler HTTP request';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'JSON array';
  if (typeof value !== 'object') return typeof value;
  const keys = Object.keys(value).slice(0, 5);
  return keys.length === 0 ? 'empty object' : `object with keys ${keys.join(', ')}`;
}

/**
 * Recognises a JSON value: a structured CloudEvent, a push envelope or a legacy event.
 *
 * @example
 * detectObject({ message: { data: 'aGk=', messageId: '1' }, subscription: 's' }, 'queue').shape; // 'pubsub-push'
 */
export function detectObject(value: unknown, kind: Kind): Delivery {
  if (looksLikeCloudEvent(value)) return { shape: 'cloudevent', event: fromStructured(value, kind) };
  if (isPushEnvelope(value)) return { shape: 'pubsub-push', envelope: value };
  if (isLegacyEvent(value)) return { shape: 'cloudevent', event: fromLegacy(value, kind) };
  throw gcpError(
    'UNKNOWN_EVENT',
    kind,
    describeValue(value),
    'not a CloudEvent, Pub/Sub push envelope or legacy background event',
  );
}

/** The JSON of a body; a body that is not JSON is no event at all (`UNKNOWN_EVENT`). */
function parseJson(body: Uint8Array, kind: Kind, shape: string): unknown {
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    throw gcpError('UNKNOWN_EVENT', kind, shape, 'the request body is not valid JSON');
  }
}

/**
 * Recognises what an HTTP request carries, from normalised headers and the exact body.
 *
 * @example
 * detectHttp({ 'x-cloudscheduler': 'true' }, new Uint8Array(), 'schedule', req).shape; // 'scheduler-http'
 */
export function detectHttp(
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  kind: Kind,
  raw: unknown,
): Delivery {
  if (isBinaryCloudEvent(headers)) return { shape: 'cloudevent', event: fromBinary(headers, body, kind) };
  const scheduler = isSchedulerRequest(headers);
  if (scheduler && kind === 'schedule') return { shape: 'scheduler-http', headers, raw };
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/cloudevents+json') {
    const value = parseJson(body, kind, 'structured CloudEvent');
    const event = fromStructured(value, kind);
    if (headers.traceparent !== undefined && event.extensions.traceparent === undefined) {
      return {
        shape: 'cloudevent',
        event: { ...event, extensions: { ...event.extensions, traceparent: headers.traceparent } },
      };
    }
    return { shape: 'cloudevent', event };
  }
  if (type === 'application/cloudevents-batch+json') {
    throw gcpError('UNKNOWN_EVENT', kind, 'CloudEvents batch', 'batched CloudEvents are not delivered by Google Cloud');
  }
  if (body.byteLength > 0 && (type === '' || type === 'application/json' || type.endsWith('+json'))) {
    const value = parseJson(body, kind, type || 'request body');
    return detectObject(value, kind);
  }
  if (scheduler) {
    throw gcpError(
      'KIND_MISMATCH',
      kind,
      'Cloud Scheduler HTTP request',
      `a ${kind} function got a Cloud Scheduler request`,
    );
  }
  throw gcpError(
    'UNKNOWN_EVENT',
    kind,
    body.byteLength === 0 ? 'empty request' : `${type || 'untyped'} body`,
    'not a CloudEvent, Pub/Sub push envelope or Cloud Scheduler request',
  );
}

function pubsubOf(delivery: Delivery, kind: Kind): PubSubFields | undefined {
  if (delivery.shape === 'pubsub-push') return pubsubFields(delivery.envelope, kind, 'Pub/Sub push envelope', {});
  if (delivery.shape === 'cloudevent' && delivery.event.type === PUBSUB_TYPE) {
    const event = delivery.event;
    return pubsubFields(jsonData(event, kind, 'Pub/Sub CloudEvent'), kind, 'Pub/Sub CloudEvent', {
      id: event.id,
      time: event.time,
      source: event.source,
    });
  }
  return undefined;
}

function rawOf(delivery: Delivery): unknown {
  return delivery.shape === 'cloudevent'
    ? delivery.event.raw
    : delivery.shape === 'pubsub-push'
      ? delivery.envelope
      : delivery.raw;
}

/**
 * The portable event a delivery gives a function of `kind`; `undefined` for an event the kind
 * acknowledges without running the handler (a Cloud Storage `archived` or `metadataUpdated`
 * event); `KIND_MISMATCH` when the delivery is of another source, `INVALID_EVENT` when it is
 * malformed.
 *
 * @example
 * const message = toPortable('queue', detectObject(cloudEvent, 'queue'), 'fulfilOrder');
 */
export function toPortable<K extends Kind>(kind: K, delivery: Delivery, name: string): EventOf<K> | undefined {
  const mismatch = () =>
    gcpError('KIND_MISMATCH', kind, describe(delivery), `a ${kind} function cannot take a ${describe(delivery)}`);
  const raw = rawOf(delivery);
  switch (kind) {
    case 'queue':
    case 'stream': {
      const fields = pubsubOf(delivery, kind);
      if (fields === undefined) throw mismatch();
      return (kind === 'queue' ? toMessage(fields, raw) : toStreamRecord(fields, raw)) as EventOf<K>;
    }
    case 'storage':
      if (delivery.shape === 'cloudevent' && delivery.event.type.startsWith(STORAGE_PREFIX)) {
        return storageEventOf(delivery.event, kind) as EventOf<K> | undefined;
      }
      throw mismatch();
    case 'changes':
      if (delivery.shape === 'cloudevent' && delivery.event.type.startsWith(FIRESTORE_PREFIX)) {
        return toChangeEvent(delivery.event, kind) as EventOf<K>;
      }
      throw mismatch();
    case 'schedule': {
      if (delivery.shape === 'scheduler-http') return fromSchedulerHeaders(delivery.headers, name, raw) as EventOf<K>;
      if (delivery.shape === 'cloudevent' && delivery.event.type === SCHEDULER_TYPE) {
        return fromSchedulerEvent(delivery.event, name) as EventOf<K>;
      }
      const fields = pubsubOf(delivery, kind);
      if (fields === undefined) throw mismatch();
      return fromSchedulerMessage(fields, name, raw) as EventOf<K>;
    }
    case 'events': {
      if (delivery.shape !== 'cloudevent') throw mismatch();
      const event = delivery.event;
      return createCloudEvent({
        id: event.id,
        source: event.source,
        type: event.type,
        specversion: event.specversion,
        subject: event.subject,
        time: event.time,
        datacontenttype: event.datacontenttype,
        data: event.data,
        extensions: event.extensions,
        raw: event.raw,
      }) as EventOf<K>;
    }
    default:
      throw mismatch();
  }
}
