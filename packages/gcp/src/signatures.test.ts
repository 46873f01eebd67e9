import * as functions from '@google-cloud/functions-framework';
import { type CloudEvent, events, type Message, queue } from '@skyport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/fixtures.js';
import { serveRegistered } from './__fixtures__/server.js';
import { register } from './register.js';

const seen: unknown[] = [];

const anything = events().handle((event: CloudEvent) => {
  seen.push(event);
});
const authCreated = events({ type: 'google.firebase.auth.user.v1.created' }).handle((event: CloudEvent) => {
  seen.push(event);
});
const orders = queue({ name: 'orders' }).handle((msg: Message) => {
  seen.push(msg);
});

const signatures = ['cloudevent', 'http'] as const;
type Signature = (typeof signatures)[number];
const servers = new Map<string, { url: string; close(): Promise<void> }>();
const url = (name: string, signature: Signature) => (servers.get(`${name}-${signature}`) as { url: string }).url;

beforeAll(async () => {
  for (const signature of signatures) {
    const names = register(
      {
        [`anything-${signature}`]: anything,
        [`authCreated-${signature}`]: authCreated,
        [`orders-${signature}`]: orders,
      },
      { functions, signature },
    ).map((r) => r.name);
    for (const name of names) {
      servers.set(name, await serveRegistered(name));
    }
  }
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

beforeEach(() => {
  seen.length = 0;
});

const firebase = (file: string): Record<string, unknown> => fixture(`firebase/${file}`);

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('Pub/Sub delivery attempts', () => {
  const message = {
    data: btoa('{"orderId":"o1"}'),
    messageId: 'm1',
    publishTime: '2024-01-01T00:00:00Z',
    attributes: { googclient_deliveryattempt: '7' },
  };

  it.each(signatures)('takes no attempt from a publisher attribute (%s signature)', async (signature) => {
    const push = { message, subscription: 'projects/p/subscriptions/s' };
    const res = await fetch(url('orders', signature), json(push));
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'm1', attempt: 1, attributes: { googclient_deliveryattempt: '7' } });
  });

  it('takes the attempt from the push envelope, not from the attribute', async () => {
    const push = { message, subscription: 'projects/p/subscriptions/s', deliveryAttempt: 3 };
    expect((await fetch(url('orders', 'http'), json(push))).status).toBe(204);
    expect(seen[0]).toMatchObject({ attempt: 3 });
  });

  it('loses the attempt and ordering key of a push envelope with the cloudevent signature', async () => {
    const push = {
      message: { ...message, orderingKey: 'k1' },
      subscription: 'projects/p/subscriptions/s',
      deliveryAttempt: 3,
    };
    for (const signature of signatures) {
      expect((await fetch(url('orders', signature), json(push))).status).toBe(204);
    }
    const [underCloudEvent, underHttp] = seen as Message[];
    expect(underCloudEvent).toMatchObject({ id: 'm1', attempt: 1, orderingKey: undefined });
    expect(underHttp).toMatchObject({ id: 'm1', attempt: 3, orderingKey: 'k1' });
  });

  it('takes no attempt from the attribute of an Eventarc messagePublished event', async () => {
    const res = await fetch(url('orders', 'cloudevent'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-id': 'e1',
        'ce-source': '//pubsub.googleapis.com/projects/p/topics/orders',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-specversion': '1.0',
      },
      body: JSON.stringify({ message, subscription: 'projects/p/subscriptions/eventarc-s' }),
    });
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'm1', attempt: 1 });
  });
});

/** The CloudEvent attributes and data a handler saw. */
function fields(event: unknown) {
  const { id, source, type, subject, time, datacontenttype, data } = event as CloudEvent;
  return { id, source, type, subject, time: time?.toISOString(), datacontenttype, data };
}

describe('legacy background events', () => {
  it.each([
    [
      'Firebase Auth',
      'ff-conformance__firebase-auth-legacy-input.json',
      'ff-conformance__firebase-auth-cloudevent-input.json',
    ],
    [
      'Realtime Database',
      'ff-conformance__firebase-db1-legacy-input.json',
      'ff-conformance__firebase-db1-cloudevent-input.json',
    ],
  ])('converts a %s event to the same CloudEvent under both signatures', async (_source, legacy, converted) => {
    // Prepare: the CloudEvent the framework's conformance data gives for the legacy event
    const expected = firebase(converted);

    // Act
    for (const signature of signatures) {
      expect((await fetch(url('anything', signature), json(firebase(legacy)))).status).toBe(204);
    }

    // Assert
    const [underCloudEvent, underHttp] = seen.map(fields);
    expect(underHttp).toEqual(underCloudEvent);
    expect(underHttp).toEqual({
      id: expected.id,
      source: expected.source,
      type: expected.type,
      subject: expected.subject,
      time: expected.time,
      datacontenttype: 'application/json',
      data: expected.data,
    });
  });

  it.each(signatures)(
    'runs a handler filtering on the CloudEvent type of a legacy event (%s signature)',
    async (signature) => {
      const res = await fetch(
        url('authCreated', signature),
        json(firebase('ff-conformance__firebase-auth-legacy-input.json')),
      );
      expect(res.status).toBe(204);
      expect(seen).toHaveLength(1);
      expect((seen[0] as CloudEvent).data).toMatchObject({ metadata: { createTime: '2020-05-26T10:42:27Z' } });
    },
  );

  it('refuses a Realtime Database event without a known domain (non-2xx, as the framework does)', async () => {
    const event = { ...firebase('ff-conformance__firebase-db1-legacy-input.json'), domain: 'example.com' };
    for (const signature of signatures) {
      expect((await fetch(url('anything', signature), json(event))).status).toBeGreaterThanOrEqual(400);
    }
    expect(seen).toHaveLength(0);
  });

  it('keeps a location from a regional database domain', async () => {
    const event = {
      ...firebase('ff-conformance__firebase-db1-legacy-input.json'),
      domain: 'europe-west1.firebasedatabase.app',
    };
    for (const signature of signatures) {
      expect((await fetch(url('anything', signature), json(event))).status).toBe(204);
    }
    const [underCloudEvent, underHttp] = seen.map(fields);
    expect(underHttp).toEqual(underCloudEvent);
    expect(underHttp?.source).toBe(
      '//firebasedatabase.googleapis.com/projects/_/locations/europe-west1/instances/my-project-id',
    );
  });
});

describe('binary-mode header values', () => {
  const headers = {
    'content-type': 'application/json',
    'ce-id': 'evt%201',
    'ce-source': '//storage.googleapis.com/projects/_/buckets/b',
    'ce-type': 'google.cloud.storage.object.v1.finalized',
    'ce-specversion': '1.0',
    'ce-subject': 'objects/f%C3%BCr%20x.txt',
    'ce-time': '2024-01-01T00:00:00Z',
    'ce-note': '100%25%20sure',
    'ce-malformed': '100%',
    'ce-notutf8': 'a%C3',
    'ce-partly': 'objects/a%20b%',
  };

  it('are percent-decoded once with the http signature, only a malformed escape kept as sent', async () => {
    const res = await fetch(url('anything', 'http'), { method: 'POST', headers, body: '{"name":"für x.txt"}' });
    expect(res.status).toBe(204);
    const event = seen[0] as CloudEvent;
    expect(fields(event)).toMatchObject({ id: 'evt 1', subject: 'objects/für x.txt', data: { name: 'für x.txt' } });
    expect(event.extensions).toMatchObject({
      note: '100% sure',
      malformed: '100%',
      notutf8: 'a%C3',
      partly: 'objects/a b%',
    });
  });

  it('are kept as the framework gives them with the cloudevent signature', async () => {
    const res = await fetch(url('anything', 'cloudevent'), { method: 'POST', headers, body: '{"name":"für x.txt"}' });
    expect(res.status).toBe(204);
    const event = seen[0] as CloudEvent;
    expect(fields(event)).toMatchObject({
      id: 'evt%201',
      subject: 'objects/f%C3%BCr%20x.txt',
      data: { name: 'für x.txt' },
    });
    expect(event.extensions).toMatchObject({ note: '100%25%20sure', malformed: '100%', notutf8: 'a%C3' });
  });

  it.each(['http', 'cloudevent'] as const)(
    'leaves a structured-mode event as sent with the %s signature',
    async (signature) => {
      const event = { specversion: '1.0', id: '1', source: '//x', type: 't', subject: 'a%20b', data: {} };
      const res = await fetch(url('anything', signature), {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(204);
      expect((seen[0] as CloudEvent).subject).toBe('a%20b');
    },
  );
});

describe('legacy event values with a literal %', () => {
  const firestore = fixture('firestore/ff-conformance__firestore_simple-legacy-input.json');
  const auth = firebase('ff-conformance__firebase-auth-legacy-input.json');
  const storage = fixture<{ context: { resource: Record<string, unknown> } }>(
    'storage/ff-conformance__storage-legacy-input.json',
  );
  it.each([
    [
      'Firestore',
      { ...firestore, resource: 'projects/project-id/databases/(default)/documents/gcf-test/50%25off' },
      'documents/gcf-test/50%25off',
    ],
    ['Firebase Auth', { ...auth, data: { ...(auth.data as object), uid: 'a%2Fb' } }, 'users/a%2Fb'],
    [
      'Cloud Storage',
      {
        ...storage,
        context: {
          ...storage.context,
          resource: { ...storage.context.resource, name: 'projects/_/buckets/some-bucket/objects/100%25%20done.txt' },
        },
      },
      'objects/100%25%20done.txt',
    ],
  ])('keep a %s subject as sent under both signatures', async (_source, legacy, subject) => {
    for (const signature of signatures) {
      expect((await fetch(url('anything', signature), json(legacy))).status).toBe(204);
    }
    const [underCloudEvent, underHttp] = seen.map(fields);
    expect(underCloudEvent?.subject).toBe(subject);
    expect(underHttp?.subject).toBe(subject);
  });
});
