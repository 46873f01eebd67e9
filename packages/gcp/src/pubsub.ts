/**
 * Pub/Sub messages, from a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (Eventarc)
 * or a push subscription's `{ message, subscription }` envelope. `data` is base64; both the
 * JSON names (`messageId`, `publishTime`) and the proto names (`message_id`, `publish_time`) occur.
 */
import {
  createMessage,
  createStreamRecord,
  decodeBase64,
  type Message,
  type StreamRecord,
  setOwn,
} from '@skyport/core';
import { gcpError, isObject, str } from './errors.js';

/** The CloudEvent type of a published Pub/Sub message. */
export const PUBSUB_TYPE = 'google.cloud.pubsub.topic.v1.messagePublished';

/** One Pub/Sub message, decoded. */
export interface PubSubFields {
  readonly id: string;
  readonly data: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime: string | undefined;
  readonly orderingKey: string | undefined;
  readonly attempt: number | undefined;
  /** The topic's short name, else the subscription's. */
  readonly source: string;
}

/** What the surrounding event knows when the message itself does not say. */
export interface PubSubFallback {
  readonly id?: string | undefined;
  readonly time?: string | undefined;
  /** The CloudEvent source (`//pubsub.googleapis.com/projects/p/topics/t`). */
  readonly source?: string | undefined;
}

/** Whether a JSON body is a push subscription envelope. */
export function isPushEnvelope(value: unknown): value is { readonly [key: string]: unknown } {
  return isObject(value) && isObject(value.message) && !('specversion' in value) && !('context' in value);
}

const lastSegment = (name: string | undefined) =>
  name === undefined ? undefined : name.slice(name.lastIndexOf('/') + 1);

/**
 * Decodes the message of a push envelope or of a messagePublished CloudEvent's data.
 * Throws `INVALID_EVENT` when there is no message id or `data` is not base64.
 *
 * @example
 * pubsubFields({ message: { data: 'aGk=', messageId: '1' }, subscription: 'projects/p/subscriptions/s' }, 'queue', 'Pub/Sub push', {});
 */
export function pubsubFields(
  envelope: { readonly [key: string]: unknown },
  kind: string,
  shape: string,
  fallback: PubSubFallback,
): PubSubFields {
  const message = envelope.message;
  if (!isObject(message)) throw gcpError('INVALID_EVENT', kind, shape, 'the Pub/Sub event has no "message" object');
  const id = str(message.messageId) ?? str(message.message_id) ?? fallback.id;
  if (id === undefined) throw gcpError('INVALID_EVENT', kind, shape, 'the Pub/Sub message has no messageId');
  let data: Uint8Array = new Uint8Array(0);
  if (message.data !== undefined && message.data !== null && message.data !== '') {
    const decoded = typeof message.data === 'string' ? decodeBase64(message.data) : undefined;
    if (decoded === undefined) throw gcpError('INVALID_EVENT', kind, shape, 'the Pub/Sub message data is not base64');
    data = decoded;
  }
  // Each an own key, `__proto__` included.
  const attributes: Record<string, string> = {};
  if (isObject(message.attributes)) {
    for (const [key, value] of Object.entries(message.attributes)) {
      if (typeof value === 'string') setOwn(attributes, key, value);
    }
  }
  // Only the platform counts deliveries. The `googclient_deliveryattempt` attribute is added by a
  // client library's pull subscriber, never by push or Eventarc, so here any publisher could set it.
  const attempt = [envelope.deliveryAttempt, message.deliveryAttempt]
    .map((value) => (typeof value === 'string' ? Number(value) : value))
    .find((value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1);
  const topic = fallback.source?.match(/\/topics\/([^/]+)$/)?.[1];
  return {
    id,
    data,
    attributes,
    publishTime: str(message.publishTime) ?? str(message.publish_time) ?? fallback.time,
    orderingKey: str(message.orderingKey) ?? str(message.ordering_key),
    attempt,
    source: topic ?? lastSegment(str(envelope.subscription)) ?? '',
  };
}

/**
 * The portable message of a Pub/Sub message.
 *
 * @example
 * toMessage(pubsubFields(envelope, 'queue', 'Pub/Sub push', {}), envelope);
 */
export function toMessage(fields: PubSubFields, raw: unknown): Message {
  return createMessage({
    id: fields.id,
    data: fields.data,
    attributes: fields.attributes,
    attempt: fields.attempt,
    publishedAt: fields.publishTime,
    source: fields.source,
    orderingKey: fields.orderingKey,
    raw,
  });
}

/**
 * The portable stream record of a Pub/Sub message: an ordering key is the partition, the
 * message id the sequence.
 *
 * @example
 * toStreamRecord(pubsubFields(envelope, 'stream', 'Pub/Sub push', {}), envelope);
 */
export function toStreamRecord(fields: PubSubFields, raw: unknown): StreamRecord {
  return createStreamRecord({
    id: fields.id,
    sequence: fields.id,
    partitionKey: fields.orderingKey ?? '',
    data: fields.data,
    publishedAt: fields.publishTime,
    source: fields.source,
    raw,
  });
}
