/**
 * docs/gcp.md, "Events": the delivery forms, then each table (Pub/Sub, Cloud Storage, Firestore,
 * Cloud Scheduler, any other CloudEvent), on the adapter's sample events and the raw factories of
 * `@skyport/testing`. `invokeGcp()` runs the `http` signature's mapping; what the `cloudevent`
 * signature changes is checked on the real Functions Framework.
 */
import {
  type ChangeEvent,
  type CloudEvent,
  changes,
  events,
  type Message,
  queue,
  type ScheduleTick,
  type StorageEvent,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { fromFirestoreFields, fromFirestoreValue, invokeGcp, register } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../../../packages/gcp/src/__fixtures__/fixtures.js';
import { type Running, send, start } from './serve.js';

type Obj = Record<string, unknown>;

/** Functions that keep what they were given. */
const seen = {
  messages: [] as Message[],
  records: [] as StreamRecord[],
  objects: [] as StorageEvent[],
  changes: [] as ChangeEvent[],
  ticks: [] as ScheduleTick[],
  events: [] as CloudEvent[],
};
const reset = () => {
  for (const list of Object.values(seen)) list.length = 0;
};
const fns = {
  queue: queue({ name: 'orders' }).handle((msg: Message) => {
    seen.messages.push(msg);
  }),
  stream: stream({ name: 'clicks' }).handle((record: StreamRecord) => {
    seen.records.push(record);
  }),
  storage: storage({ bucket: '*' }).handle((object: StorageEvent) => {
    seen.objects.push(object);
  }),
  changes: changes({ collection: '*' }).handle((change: ChangeEvent) => {
    seen.changes.push(change);
  }),
  schedule: schedule({ cron: '0 3 * * *' }).handle((tick: ScheduleTick) => {
    seen.ticks.push(tick);
  }),
  named: schedule({ cron: '0 3 * * *', name: 'nightly-report' }).handle((tick: ScheduleTick) => {
    seen.ticks.push(tick);
  }),
  events: events().handle((event: CloudEvent) => {
    seen.events.push(event);
  }),
};

describe('delivery forms', () => {
  const storageEvent = () => fixture('storage/ff-conformance__storage-cloudevent-input.json');

  it('a binary-mode CloudEvent: ce-* headers, the body decoded by Content-Type, other ce-* as extensions', async () => {
    reset();
    const headers = { 'ce-id': '1', 'ce-source': '//x', 'ce-specversion': '1.0', 'ce-traceid': 't-1' };
    const bodies = [
      ['application/json', '{"a":1}', { a: 1 }],
      ['text/csv', 'a,b', 'a,b'],
      ['application/octet-stream', '\u0001\u0002', new Uint8Array([1, 2])],
    ] as const;
    for (const [type, body] of bodies) {
      const res = await invokeGcp(fns.events, {
        method: 'POST',
        headers: { ...headers, 'ce-type': 'com.example.t', 'content-type': type },
        body,
      });
      expect(res.status).toBe(204);
    }
    expect(seen.events.map((e) => e.data)).toEqual(bodies.map(([, , data]) => data));
    expect(seen.events[0]?.extensions).toMatchObject({ traceid: 't-1' });
  });

  it('a structured CloudEvent: application/cloudevents+json, or a JSON body with specversion and type', async () => {
    reset();
    const event = storageEvent();
    await invokeGcp(fns.storage, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    await invokeGcp(fns.storage, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event });
    expect(seen.objects.map((o) => o.key)).toEqual(['folder/Test.cs', 'folder/Test.cs']);
  });

  it('a structured CloudEvent with data_base64 has bytes as data', async () => {
    reset();
    const event = { ...gcp.cloudEvent({ type: 'com.example.t' }), data_base64: 'AAEC' };
    expect((await invokeGcp(fns.events, event)).status).toBe(204);
    expect(seen.events[0]?.data).toEqual(new Uint8Array([0, 1, 2]));
  });

  it('a Pub/Sub push envelope: a JSON body { message, subscription }', async () => {
    reset();
    await invokeGcp(fns.queue, fixture('pubsub/google-cloudevents__MessagePublishedData-complex.json'));
    expect(seen.messages.map((m) => m.body)).toEqual(['test message 3']);
  });

  it.each([
    ['Pub/Sub', 'pubsub/ff-conformance__pubsub_text-legacy-input.json', 'queue'],
    ['Storage', 'storage/ff-conformance__storage-legacy-input.json', 'storage'],
    ['Firestore (flat form)', 'firestore/ff-conformance__firestore_simple-legacy-input.json', 'changes'],
  ] as const)('a legacy %s event, renamed to its CloudEvent type', async (_name, path, kind) => {
    reset();
    expect((await invokeGcp(fns[kind], fixture(path))).status).toBe(204);
    expect(seen.messages.length + seen.objects.length + seen.changes.length).toBe(1);
  });

  it('legacy events keep their type otherwise', async () => {
    reset();
    const legacy = {
      context: { eventId: 'e-1', eventType: 'providers/example/eventTypes/custom', resource: 'projects/p' },
      data: { uid: 'u-1' },
    };
    expect((await invokeGcp(fns.events, legacy)).status).toBe(204);
    expect(seen.events[0]).toMatchObject({
      type: 'providers/example/eventTypes/custom',
      data: { uid: 'u-1' },
    });
  });

  it.each([
    ['X-CloudScheduler', { 'x-cloudscheduler': 'true' }],
    ['X-CloudScheduler-JobName', { 'x-cloudscheduler-jobname': 'nightly' }],
  ])('a Cloud Scheduler HTTP target: %s, any method, any body', async (_name, headers) => {
    reset();
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await invokeGcp(fns.schedule, { method, headers, body: 'whatever' });
      expect(res.status).toBe(204);
    }
    expect(seen.ticks).toHaveLength(3);
  });

  it('a Cloud Scheduler request is for schedule functions only', async () => {
    const res = await invokeGcp(fns.queue, { method: 'POST', headers: gcp.schedulerHttpHeaders() });
    expect(res).toMatchObject({ status: 500, body: { code: 'KIND_MISMATCH' } });
  });
});

describe('Pub/Sub: queue and stream', () => {
  it('maps a messagePublished CloudEvent to a Message', async () => {
    reset();
    const event = fixture('pubsub/google-cloudevents__MessagePublishedData.json');
    await invokeGcp(fns.queue, event);
    const msg = seen.messages[0] as Message;
    expect(msg).toMatchObject({
      id: 'message-id',
      body: 'test message 3',
      attributes: { attr1: 'attr1-value' },
      orderingKey: 'ordering-key',
      attempt: 1,
      source: 'my-topic',
    });
    expect(msg.publishedAt.toISOString()).toBe('2021-02-05T04:06:14.109Z');
    expect(msg.raw).toEqual(event);
  });

  it('maps a push envelope: deliveryAttempt, the subscription name as source, proto names', async () => {
    reset();
    const envelope = {
      subscription: 'projects/p/subscriptions/orders-push',
      deliveryAttempt: 3,
      message: { data: 'eyJhIjoxfQ==', message_id: 'm-9', publish_time: '2026-01-02T03:04:05.000Z' },
    };
    await invokeGcp(fns.queue, envelope);
    const msg = seen.messages[0] as Message;
    expect(msg).toMatchObject({ id: 'm-9', body: { a: 1 }, attempt: 3, source: 'orders-push' });
    expect(msg.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(msg.raw).toEqual(envelope);
  });

  it('takes the CloudEvent id and time when the message has none', async () => {
    reset();
    const event = gcp.pubsubCloudEvent({ data: 'x', publishTime: '2026-03-01T00:00:00.000Z' });
    const data = event.data as { message: Obj };
    const { messageId: _id, publishTime: _time, ...message } = data.message;
    await invokeGcp(fns.queue, { ...event, id: 'ce-7', time: '2026-03-02T00:00:00.000Z', data: { ...data, message } });
    expect(seen.messages[0]?.id).toBe('ce-7');
    expect(seen.messages[0]?.publishedAt.toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('gives empty bytes for an absent data, and INVALID_EVENT for data that is not base64', async () => {
    reset();
    await invokeGcp(fns.queue, { subscription: 'projects/p/subscriptions/s', message: { messageId: 'm-1' } });
    expect(seen.messages[0]?.rawBody).toEqual(new Uint8Array(0));
    const bad = await invokeGcp(fns.queue, { subscription: 's', message: { messageId: 'm-2', data: 'not base64!' } });
    expect(bad).toMatchObject({ status: 500, body: { code: 'INVALID_EVENT' } });
  });

  it('keeps string attribute values only', async () => {
    reset();
    await invokeGcp(fns.queue, { subscription: 's', message: { messageId: 'm', attributes: { a: 'x', b: 2 } } });
    expect(seen.messages[0]?.attributes).toEqual({ a: 'x' });
  });

  it('gives a stream function a StreamRecord: ordering key as partitionKey, message id as id and sequence', async () => {
    reset();
    await invokeGcp(fns.stream, gcp.pubsubCloudEvent({ messageId: 'm-5', orderingKey: 'user-1', data: { page: '/' } }));
    expect(seen.records[0]).toMatchObject({ id: 'm-5', sequence: 'm-5', partitionKey: 'user-1', body: { page: '/' } });
  });
});

describe('what the cloudevent signature changes, on the real Functions Framework', () => {
  let server: Running;
  beforeAll(async () => {
    register({ gcpEventsQueue: fns.queue }, { signature: 'cloudevent' });
    server = await start('gcpEventsQueue');
  });
  afterAll(() => server.close());

  it('a push body keeps its id, publish time, data and attributes, and loses ordering key, attempt and subscription', async () => {
    reset();
    const envelope = gcp.pubsubPush({
      messageId: 'm-42',
      publishTime: '2026-01-02T03:04:05.000Z',
      data: { orderId: 'ord_1' },
      attributes: { tenant: 'acme' },
      orderingKey: 'customer-1',
      subscription: 'orders-push',
      deliveryAttempt: 4,
    });
    const res = await send(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expect(res.status).toBe(204);
    const msg = seen.messages[0] as Message;
    expect(msg).toMatchObject({ id: 'm-42', body: { orderId: 'ord_1' }, attributes: { tenant: 'acme' } });
    expect(msg.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(msg.orderingKey).toBeUndefined();
    expect(msg.attempt).toBe(1);
    expect(msg.source).not.toBe('orders-push');
  });

  it('takes the CloudEvent the framework parsed, in either mode', async () => {
    reset();
    const event = gcp.pubsubCloudEvent({ messageId: 'm-1', data: 'one' });
    const structured = await send(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    const binary = gcp.binaryMode(gcp.pubsubCloudEvent({ messageId: 'm-2', data: 'two' }));
    const inBinary = await send(server.url, { method: 'POST', headers: binary.headers, body: binary.body });
    expect([structured.status, inBinary.status]).toEqual([204, 204]);
    expect(seen.messages.map((m) => [m.id, m.body])).toEqual([
      ['m-1', 'one'],
      ['m-2', 'two'],
    ]);
  });
});

describe('Cloud Storage: storage', () => {
  it('maps a finalized event', async () => {
    reset();
    await invokeGcp(fns.storage, fixture('storage/ff-conformance__storage-cloudevent-input.json'));
    const object = seen.objects[0] as StorageEvent;
    expect(object).toMatchObject({
      type: 'created',
      bucket: 'some-bucket',
      key: 'folder/Test.cs',
      size: 352,
      etag: 'CNHZkbuF/ugCEAE=',
      contentType: 'text/plain',
    });
    expect(object.time.toISOString()).toBe('2020-09-29T11:32:00.123Z');
  });

  it('maps a deleted event, its time from data.timeDeleted when the CloudEvent has none', async () => {
    reset();
    const { time: _time, ...event } = gcp.storageCloudEvent({ event: 'deleted', bucket: 'receipts', name: 'a.pdf' });
    const data = {
      ...(event.data as Obj),
      timeDeleted: '2026-04-01T00:00:00.000Z',
      updated: '2020-01-01T00:00:00.000Z',
    };
    await invokeGcp(fns.storage, { ...event, data });
    expect(seen.objects[0]).toMatchObject({ type: 'deleted', bucket: 'receipts', key: 'a.pdf' });
    expect(seen.objects[0]?.time.toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('takes the time from data.updated when the CloudEvent has none', async () => {
    reset();
    const { time: _time, ...event } = gcp.storageCloudEvent({ time: '2026-04-02T00:00:00.000Z' });
    await invokeGcp(fns.storage, event);
    expect(seen.objects[0]?.time.toISOString()).toBe('2026-04-02T00:00:00.000Z');
  });

  it('takes bucket and key from source and subject when data has none', async () => {
    reset();
    const event = gcp.storageCloudEvent({ bucket: 'receipts', name: 'dir/a b.pdf' });
    const { bucket: _bucket, name: _name, ...data } = event.data as Obj;
    await invokeGcp(fns.storage, { ...event, data });
    expect(seen.objects[0]).toMatchObject({ bucket: 'receipts', key: 'dir/a b.pdf' });
  });

  it.each(['archived', 'metadataUpdated'])('acknowledges %s without running the handler', async (action) => {
    reset();
    const event = { ...gcp.storageCloudEvent(), type: `google.cloud.storage.object.v1.${action}` };
    expect((await invokeGcp(fns.storage, event)).status).toBe(204);
    expect(seen.objects).toHaveLength(0);
  });

  it("applies the definition's on, prefix and suffix filters, acknowledging what they filter out", async () => {
    const ran: string[] = [];
    const pdfs = storage({ bucket: '*', on: ['created'], prefix: 'receipts/', suffix: '.pdf' }).handle((o) => {
      ran.push(o.key);
    });
    const deliveries = [
      gcp.storageCloudEvent({ name: 'receipts/a.pdf' }),
      gcp.storageCloudEvent({ name: 'receipts/a.png' }),
      gcp.storageCloudEvent({ name: 'other/a.pdf' }),
      gcp.storageCloudEvent({ name: 'receipts/b.pdf', event: 'deleted' }),
    ];
    const statuses = [];
    for (const event of deliveries) statuses.push((await invokeGcp(pdfs, event)).status);
    expect(statuses).toEqual([204, 204, 204, 204]);
    expect(ran).toEqual(['receipts/a.pdf']);
  });
});

describe('Firestore: changes', () => {
  it('maps the written sample event', async () => {
    reset();
    await invokeGcp(fns.changes, fixture('firestore/ff-conformance__firestore_simple-cloudevent-input.json'));
    const change = seen.changes[0] as ChangeEvent;
    expect(change).toMatchObject({
      op: 'update',
      collection: 'gcf-test',
      key: { id: '2Vm2mI1d0wIaK2Waj5to', path: 'gcf-test/2Vm2mI1d0wIaK2Waj5to' },
      before: { count: 3, foo: 'bar', 'another test': 'asd' },
      after: { count: 4, foo: 'bar', 'another test': 'asd' },
    });
    expect(change.time.toISOString()).toBe('2020-09-29T11:32:00.123Z');
  });

  it.each([
    ['created', { value: { a: 1 } }, 'insert'],
    ['updated', { value: { a: 2 }, oldValue: { a: 1 } }, 'update'],
    ['deleted', { oldValue: { a: 1 } }, 'delete'],
    ['written', { value: { a: 1 } }, 'insert'],
    ['written', { oldValue: { a: 1 } }, 'delete'],
    ['written', { value: { a: 2 }, oldValue: { a: 1 } }, 'update'],
    ['created.withAuthContext', { value: { a: 1 } }, 'insert'],
  ] as const)('%s (%j) gives %s', async (event, values, op) => {
    reset();
    const base = gcp.firestoreCloudEvent({ document: 'users/u1/orders/ord_1', ...values });
    await invokeGcp(fns.changes, { ...base, type: `google.cloud.firestore.document.v1.${event}` });
    expect(seen.changes[0]).toMatchObject({
      op,
      collection: 'users/u1/orders',
      key: { id: 'ord_1', path: 'users/u1/orders/ord_1' },
    });
  });

  it('turns typed values into plain values', async () => {
    reset();
    const fields = {
      small: { integerValue: '42' },
      huge: { integerValue: '9007199254740993' },
      double: { doubleValue: 1.5 },
      yes: { booleanValue: true },
      text: { stringValue: 'hi' },
      nothing: { nullValue: null },
      at: { timestampValue: '2026-01-02T03:04:05.000Z' },
      bytes: { bytesValue: 'AAEC' },
      ref: { referenceValue: 'projects/test-project/databases/(default)/documents/users/u1' },
      where: { geoPointValue: { latitude: 48.85, longitude: 2.35 } },
      list: { arrayValue: { values: [{ integerValue: '1' }, { stringValue: 'two' }] } },
      map: { mapValue: { fields: { inner: { booleanValue: false } } } },
    };
    const expected = {
      small: 42,
      huge: '9007199254740993',
      double: 1.5,
      yes: true,
      text: 'hi',
      nothing: null,
      at: new Date('2026-01-02T03:04:05.000Z'),
      bytes: new Uint8Array([0, 1, 2]),
      ref: 'users/u1',
      where: { latitude: 48.85, longitude: 2.35 },
      list: [1, 'two'],
      map: { inner: false },
    };
    const event = gcp.firestoreCloudEvent({ document: 'docs/d1', value: {} });
    const data = event.data as { value: Obj };
    await invokeGcp(fns.changes, { ...event, data: { value: { ...data.value, fields } } });
    expect(seen.changes[0]?.after).toEqual(expected);
    // Outside an event no database is known, so a reference keeps its full name.
    expect(fromFirestoreFields(fields)).toEqual({
      ...expected,
      ref: 'projects/test-project/databases/(default)/documents/users/u1',
    });
    expect(fromFirestoreValue({ integerValue: '7' })).toBe(7);
  });

  it('fails protobuf payloads with INVALID_EVENT and a message saying so', async () => {
    const event = {
      ...gcp.firestoreCloudEvent({ document: 'orders/ord_1', value: {} }),
      datacontenttype: 'application/protobuf',
    };
    const res = await invokeGcp(fns.changes, event);
    expect(res).toMatchObject({ status: 500, body: { code: 'INVALID_EVENT' } });
    expect((res.body as { detail: string }).detail).toMatch(/protobuf/);
  });
});

describe('Cloud Scheduler: schedule', () => {
  it('an HTTP target: time from X-CloudScheduler-ScheduleTime (else now), name from X-CloudScheduler-JobName', async () => {
    reset();
    const headers = gcp.schedulerHttpHeaders({ jobName: 'nightly', scheduleTime: '2026-05-01T03:00:00.000Z' });
    await invokeGcp(fns.schedule, { method: 'POST', headers });
    const before = Date.now();
    await invokeGcp(fns.schedule, {
      method: 'POST',
      headers: { 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'hourly' },
    });
    const [first, second] = seen.ticks as [ScheduleTick, ScheduleTick];
    expect([first.name, first.scheduledTime.toISOString(), first.isPastDue]).toEqual([
      'nightly',
      '2026-05-01T03:00:00.000Z',
      false,
    ]);
    expect(second.name).toBe('hourly');
    expect(second.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('a job.v1.executed CloudEvent: time from time, name from the source', async () => {
    reset();
    const event = gcp.cloudEvent({
      type: 'google.cloud.scheduler.job.v1.executed',
      source: '//cloudscheduler.googleapis.com/projects/p/locations/europe-west1/jobs/nightly',
      time: '2026-05-01T03:00:00.000Z',
      data: fixture('scheduler/google-cloudevents__SchedulerJobData-simple.json'),
    });
    await invokeGcp(fns.schedule, event);
    expect(seen.ticks.map((t) => [t.name, t.scheduledTime.toISOString(), t.isPastDue])).toEqual([
      ['nightly', '2026-05-01T03:00:00.000Z', false],
    ]);
  });

  it("a job publishing to Pub/Sub: the publish time, and the definition's name, else the function name", async () => {
    reset();
    const published = gcp.pubsubCloudEvent({ publishTime: '2026-05-01T03:00:00.000Z', data: {} });
    await invokeGcp(fns.named, published);
    await invokeGcp(fns.schedule, gcp.pubsubPush({ data: {} }), { name: 'nightlyReport' });
    expect(seen.ticks.map((t) => t.name)).toEqual(['nightly-report', 'nightlyReport']);
    expect(seen.ticks[0]?.scheduledTime.toISOString()).toBe('2026-05-01T03:00:00.000Z');
  });

  it('other event functions only accept POST, answering 405 with Allow: POST', async () => {
    for (const fn of [fns.queue, fns.storage, fns.events]) {
      const res = await invokeGcp(fn, { method: 'GET', path: '/' });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });
});

describe('any other CloudEvent: events', () => {
  it('copies the attributes, parses data, and keeps every other attribute in extensions', async () => {
    reset();
    const event = {
      ...fixture('firebase/ff-conformance__firebase-auth-cloudevent-input.json'),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      authtype: 'service_account',
    };
    await invokeGcp(fns.events, event);
    const got = seen.events[0] as CloudEvent;
    expect(got).toMatchObject({
      id: 'aaaaaa-1111-bbbb-2222-cccccccccccc',
      source: '//firebaseauth.googleapis.com/projects/my-project-id',
      type: 'google.firebase.auth.user.v1.created',
      specversion: '1.0',
      subject: 'users/UUpby3s4spZre6kHsgVSPetzQ8l2',
      datacontenttype: 'application/json',
      data: { email: 'test@nowhere.com' },
      extensions: { traceparent: event.traceparent, authtype: 'service_account' },
    });
    expect(got.time).toEqual(new Date('2020-09-29T11:32:00.123Z'));
  });

  it("applies the definition's type, source and data schema", async () => {
    const ran: unknown[] = [];
    const shipped = events({
      type: 'com.example.order.shipped',
      source: '//shop',
      data: z.object({ id: z.string() }),
    }).handle((event) => {
      ran.push(event.data);
    });
    const send = (type: string, source: string, data: unknown) =>
      invokeGcp(shipped, gcp.cloudEvent({ type, source, data }));
    const statuses = [
      (await send('com.example.order.shipped', '//shop', { id: 'ord_1' })).status,
      (await send('com.example.order.placed', '//shop', { id: 'ord_2' })).status,
      (await send('com.example.order.shipped', '//elsewhere', { id: 'ord_3' })).status,
      (await send('com.example.order.shipped', '//shop', { id: 4 })).status,
    ];
    expect(statuses).toEqual([204, 204, 204, 500]);
    expect(ran).toEqual([{ id: 'ord_1' }]);
  });
});
