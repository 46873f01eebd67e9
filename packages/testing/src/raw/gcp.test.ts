import { describe, expect, it } from 'vitest';
import {
  binaryMode,
  cloudEvent,
  firestoreCloudEvent,
  pubsub,
  pubsubCloudEvent,
  pubsubPush,
  schedulerHttpHeaders,
  storageCloudEvent,
  toFirestoreValue,
} from './gcp.js';

const fromBase64 = (text: unknown) => Buffer.from(String(text), 'base64').toString('utf8');

describe('raw GCP events', () => {
  it('builds a messagePublished CloudEvent with base64 JSON data', () => {
    // Act
    const event = pubsubCloudEvent({
      data: { orderId: 'o1' },
      attributes: { a: '1' },
      topic: 'orders',
      orderingKey: 'k',
    });

    // Assert
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/test-project/topics/orders',
    });
    const data = event.data as { message: Record<string, unknown>; subscription: string };
    expect(data.subscription).toBe('projects/test-project/subscriptions/test-subscription');
    expect(fromBase64(data.message.data)).toBe('{"orderId":"o1"}');
    expect(data.message).toMatchObject({ messageId: event.id, attributes: { a: '1' }, orderingKey: 'k' });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it('builds the CloudEvent a Pub/Sub trigger receives with pubsub()', () => {
    const event = pubsub({ data: { orderId: 'o1' }, messageId: 'm-1', publishTime: '2026-01-01T00:00:00Z' });
    expect(event).toEqual(
      pubsubCloudEvent({ data: { orderId: 'o1' }, messageId: 'm-1', publishTime: '2026-01-01T00:00:00Z' }),
    );
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
  });

  it('builds a push envelope with both field spellings and a delivery attempt', () => {
    const push = pubsubPush({
      data: 'plain text',
      messageId: 'm1',
      publishTime: '2026-01-01T00:00:00Z',
      deliveryAttempt: 4,
    });
    const message = push.message as Record<string, unknown>;
    expect(message).toMatchObject({
      messageId: 'm1',
      message_id: 'm1',
      publishTime: '2026-01-01T00:00:00Z',
      publish_time: '2026-01-01T00:00:00Z',
    });
    expect(fromBase64(message.data)).toBe('plain text');
    expect(push.deliveryAttempt).toBe(4);
    expect(
      Array.from(
        Buffer.from(String((pubsubPush({ data: new Uint8Array([1, 2]) }).message as { data: string }).data), 'base64'),
      ),
    ).toEqual([1, 2]);
  });

  it('builds storage events whose sizes are strings', () => {
    const event = storageCloudEvent({ bucket: 'b', name: 'a/b.png', size: 12, event: 'deleted' });
    expect(event).toMatchObject({
      type: 'google.cloud.storage.object.v1.deleted',
      source: '//storage.googleapis.com/projects/_/buckets/b',
      subject: 'objects/a/b.png',
      data: { bucket: 'b', name: 'a/b.png', size: '12' },
    });
  });

  it('encodes plain values as Firestore typed values', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    expect(toFirestoreValue({ n: 4, x: 1.5, s: 's', b: true, z: null, t: when, l: [1, 'a'], m: { k: 'v' } })).toEqual({
      mapValue: {
        fields: {
          n: { integerValue: '4' },
          x: { doubleValue: 1.5 },
          s: { stringValue: 's' },
          b: { booleanValue: true },
          z: { nullValue: null },
          t: { timestampValue: '2026-01-01T00:00:00.000Z' },
          l: { arrayValue: { values: [{ integerValue: '1' }, { stringValue: 'a' }] } },
          m: { mapValue: { fields: { k: { stringValue: 'v' } } } },
        },
      },
    });
  });

  it('encodes a number beyond the safe integers as a double, as the Firestore SDKs store it', () => {
    expect(toFirestoreValue(1e21)).toEqual({ doubleValue: 1e21 });
    expect(toFirestoreValue(2 ** 63)).toEqual({ doubleValue: 2 ** 63 });
    expect(toFirestoreValue(10n ** 18n)).toEqual({ integerValue: '1000000000000000000' });
  });

  it('builds a Firestore document event with value, oldValue and update mask', () => {
    const event = firestoreCloudEvent({
      document: 'orders/o1',
      oldValue: { status: 'pending', qty: 1 },
      value: { status: 'fulfilled', qty: 1 },
      event: 'updated',
    });
    expect(event).toMatchObject({
      type: 'google.cloud.firestore.document.v1.updated',
      subject: 'documents/orders/o1',
      data: {
        value: {
          name: 'projects/test-project/databases/(default)/documents/orders/o1',
          fields: { status: { stringValue: 'fulfilled' } },
        },
        oldValue: { fields: { status: { stringValue: 'pending' } } },
        updateMask: { fieldPaths: ['status'] },
      },
    });
    expect(firestoreCloudEvent({ document: 'a/b', value: {} }).data as object).not.toHaveProperty('oldValue');
  });

  it('gives Cloud Scheduler headers and binary-mode requests', () => {
    expect(schedulerHttpHeaders({ jobName: 'nightly', scheduleTime: '2026-01-01T03:00:00Z' })).toMatchObject({
      'x-cloudscheduler': 'true',
      'x-cloudscheduler-jobname': 'nightly',
      'x-cloudscheduler-scheduletime': '2026-01-01T03:00:00Z',
    });
    const event = cloudEvent({ type: 't', source: '//s', id: 'i', data: { a: 1 }, extensions: { traceparent: 'tp' } });
    const { headers, body } = binaryMode(event);
    expect(headers).toMatchObject({
      'ce-id': 'i',
      'ce-type': 't',
      'ce-source': '//s',
      'ce-specversion': '1.0',
      'ce-traceparent': 'tp',
    });
    expect(headers['content-type']).toBe('application/json');
    expect(body).toBe('{"a":1}');
    expect(cloudEvent({ type: 't' })).not.toHaveProperty('data');
  });

  it('percent-encodes binary-mode header values as the CloudEvents HTTP binding does', () => {
    // The binding's own example, and the characters it names: space, ", % and all but printable ASCII.
    const { headers } = binaryMode(cloudEvent({ type: 't', subject: 'Euro € 😀', extensions: { x: 'a"b%c\td~' } }));
    expect(headers['ce-subject']).toBe('Euro%20%E2%82%AC%20%F0%9F%98%80');
    expect(headers['ce-x']).toBe('a%22b%25c%09d~');
    expect(() => new Headers(headers)).not.toThrow();
  });
});
