import { createHash } from 'node:crypto';
import * as functions from '@google-cloud/functions-framework';
import {
  type ChangeEvent,
  type CloudEvent,
  changes,
  events,
  http,
  type Message,
  queue,
  router,
  type ScheduleTick,
  type StorageEvent,
  schedule,
  storage,
} from '@skyport/core';
import { collectLogs } from '@skyport/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeDocumentEventData } from './__fixtures__/document-event-data.js';
import { fixture } from './__fixtures__/fixtures.js';
import { type RegisteredServer, serveRegistered } from './__fixtures__/server.js';
import { register } from './register.js';
import { IGNORED_STORAGE_EVENT } from './storage.js';

const seen: unknown[] = [];

/** The change the written document of the Firestore fixture is, in either form of its data. */
const writtenUpdate = {
  op: 'update',
  collection: 'gcf-test',
  key: { id: '2Vm2mI1d0wIaK2Waj5to', path: 'gcf-test/2Vm2mI1d0wIaK2Waj5to' },
  before: { 'another test': 'asd', count: 3, foo: 'bar' },
  after: { 'another test': 'asd', count: 4, foo: 'bar' },
};

const Item = z.object({ name: z.string().min(1), qty: z.number().int().positive() });

const createItem = http({ method: 'POST', path: '/items', body: Item }).handle((req, ctx) => ({
  status: 201,
  headers: { location: `/items/${req.body.name}`, 'x-request-id': ctx.requestId },
  cookies: [{ name: 'last', value: req.body.name, httpOnly: true, path: '/' }, 'theme=dark; Path=/'],
  body: { ...req.body, query: req.query, raw: req.rawBody.byteLength },
}));
const upload = http({ method: 'PUT', path: '/upload' }).handle((req) => ({
  status: 200,
  headers: { 'x-sha256': createHash('sha256').update(req.rawBody).digest('hex') },
  body: req.rawBody.slice().reverse(),
}));
const whoami = http({ method: 'GET', path: '/me' }).handle((req, ctx) => ({
  session: req.cookies.session ?? null,
  theme: req.cookies.theme ?? null,
  requestId: ctx.requestId,
  trace: ctx.trace,
}));
const api = router(createItem, upload, whoami);

const Order = z.object({ orderId: z.string() });
const orders = queue({ name: 'orders' }).handle((msg: Message, ctx) => {
  seen.push({ msg, requestId: ctx.requestId, trace: ctx.trace });
  const body = msg.body as { fail?: boolean; falsy?: true } | string;
  if (typeof body === 'object' && body !== null && body.fail) throw new Error('boom: secret detail');
  if (typeof body === 'object' && body !== null && 'falsy' in body) return Promise.reject(undefined);
});
const strictOrders = queue({ name: 'orders', body: Order }).handle((msg) => {
  seen.push(msg.body);
});
const uploads = storage({ bucket: 'some-bucket' }).handle((object: StorageEvent) => {
  seen.push(object);
});
const docs = changes({ collection: 'gcf-test' }).handle((change: ChangeEvent) => {
  seen.push(change);
});
const nightly = schedule({ cron: '0 3 * * *' }).handle((tick: ScheduleTick, ctx) => {
  seen.push({ tick, requestId: ctx.requestId });
});
const anything = events().handle((event: CloudEvent) => {
  seen.push(event);
});
const ordersOverHttp = queue({ name: 'orders' }).handle((msg: Message) => {
  seen.push(msg);
  if ((msg.body as { fail?: boolean }).fail) throw new Error('nope');
});

const servers = new Map<string, RegisteredServer>();

const url = (name: string) => (servers.get(name) as RegisteredServer).url;

beforeAll(async () => {
  const registered = register(
    { api, orders, strictOrders, uploads, docs, nightly, anything, ordersOverHttp },
    { functions },
  );
  expect(registered.map((r) => `${r.name}:${r.signature}`)).toEqual([
    'api:http',
    'orders:cloudevent',
    'strictOrders:cloudevent',
    'uploads:cloudevent',
    'docs:cloudevent',
    'nightly:http',
    'anything:http',
    'ordersOverHttp:cloudevent',
  ]);
  // Registered again under a second name with the http signature: push envelopes over plain HTTP.
  register({ ordersPush: ordersOverHttp }, { functions, signature: 'http' });
  for (const name of [...registered.map((r) => r.name), 'ordersPush']) servers.set(name, await serveRegistered(name));
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

beforeEach(() => {
  seen.length = 0;
});

async function withNodeEnv<T>(value: string, run: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = value;
  try {
    return await run();
  } finally {
    process.env.NODE_ENV = previous;
  }
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const structured = (event: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json', ...headers },
  body: JSON.stringify(event),
});

/** The binary-mode request of a structured CloudEvent: attributes as ce-* headers, data as body. */
function binary(event: Record<string, unknown>): RequestInit {
  const headers: Record<string, string> = { 'content-type': String(event.datacontenttype ?? 'application/json') };
  for (const [key, value] of Object.entries(event)) {
    if (key !== 'data' && key !== 'datacontenttype') headers[`ce-${key}`] = String(value);
  }
  return { method: 'POST', headers, body: JSON.stringify(event.data) };
}

describe('http functions on the real Functions Framework', () => {
  it('answers a JSON POST from the exact raw bytes with status, headers, cookies and JSON', async () => {
    // Prepare: whitespace the framework's parsed body would lose
    const text = '{ "name": "widget",   "qty": 3 }';

    // Act
    const res = await fetch(`${url('api')}/items?tag=a&tag=b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'function-execution-id': 'exec-42' },
      body: text,
    });

    // Assert
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/items/widget');
    expect(res.headers.get('x-request-id')).toBe('exec-42');
    expect(res.headers.getSetCookie()).toEqual(['last=widget; Path=/; HttpOnly', 'theme=dark; Path=/']);
    expect(await res.json()).toEqual({ name: 'widget', qty: 3, query: { tag: 'a' }, raw: Buffer.byteLength(text) });
  });

  it('round-trips a binary upload byte for byte', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 0x89, 0x50, 0x4e, 0x47]);
    const res = await fetch(`${url('api')}/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('x-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice().reverse());
  });

  it('reads a body sent without a content type, which no framework parser claims', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const res = await fetch(`${url('api')}/upload`, { method: 'PUT', body: bytes, headers: { 'content-type': '' } });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([3, 2, 1]));
  });

  it('reads cookies and trace headers', async () => {
    const res = await fetch(`${url('api')}/me`, {
      headers: {
        cookie: 'session=s%201; theme=light',
        'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      session: 's 1',
      theme: 'light',
      requestId: '105445aa7843bc8bf206b12000100000/1',
      trace: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
      },
    });
  });

  it('answers 404, 405 and 422 as problem details', async () => {
    const missing = await fetch(`${url('api')}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');

    const wrong = await fetch(`${url('api')}/items`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');

    const invalid = await fetch(`${url('api')}/items`, json({ name: '', qty: -1 }));
    expect(invalid.status).toBe(422);
    const problem = (await invalid.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['body.name', 'body.qty']);
  });

  it('leaves malformed JSON to the framework, which answers 400 before the function runs', async () => {
    const res = await fetch(`${url('api')}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(res.status).toBe(400);
  });
});

describe('Pub/Sub', () => {
  const input = fixture('pubsub/ff-conformance__pubsub_text-cloudevent-input.json');

  it('maps a structured messagePublished CloudEvent to a message and answers 204', async () => {
    const res = await fetch(
      url('orders'),
      structured(input, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
    );
    expect(res.status).toBe(204);
    const [{ msg, requestId, trace }] = seen as [{ msg: Message; requestId: string; trace: Record<string, string> }];
    expect(msg.id).toBe('aaaaaa-1111-bbbb-2222-cccccccccccc');
    expect(msg.body).toBe('test message 3');
    expect(msg.attributes).toEqual({ attr1: 'attr1-value' });
    expect(msg.publishedAt.toISOString()).toBe('2020-09-29T11:32:00.123Z');
    expect(msg.source).toBe('gcf-test');
    expect(msg.attempt).toBe(1);
    expect(requestId).toBe('aaaaaa-1111-bbbb-2222-cccccccccccc');
    expect(trace.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  it('maps the same event in binary mode, keeping the ordering key', async () => {
    const event = fixture('pubsub/google-cloudevents__MessagePublishedData.json');
    const res = await fetch(url('orders'), binary(event));
    expect(res.status).toBe(204);
    const [{ msg }] = seen as [{ msg: Message }];
    expect(msg.id).toBe('message-id');
    expect(msg.orderingKey).toBe('ordering-key');
    expect(msg.source).toBe('my-topic');
    expect(new TextDecoder().decode(msg.rawBody)).toBe('test message 3');
  });

  it('answers 500 when the handler fails, without the error message in production', async () => {
    const failing = {
      ...input,
      data: { message: { messageId: 'm-1', data: Buffer.from('{"fail":true}').toString('base64') } },
    };
    const res = await withNodeEnv('production', () => fetch(url('orders'), structured(failing)));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret detail');
    expect(seen).toHaveLength(1);
  });

  it('answers 500 when the handler rejects with undefined, which the framework would take for success', async () => {
    const failing = { ...input, data: { message: { messageId: 'm-2', data: btoa('{"falsy":true}') } } };
    const res = await fetch(url('orders'), structured(failing));
    expect(res.status).toBe(500);
    expect(seen).toHaveLength(1);
  });

  it('answers 500 (retried) when the message fails its schema', async () => {
    const res = await fetch(url('strictOrders'), structured(input));
    expect(res.status).toBe(500);
    expect(seen).toHaveLength(0);
  });

  it('accepts a push envelope with the cloudevent signature (the framework converts it)', async () => {
    const push = fixture('pubsub/google-cloudevents__MessagePublishedData-complex.json');
    const res = await fetch(`${url('orders')}/projects/test-project/topics/my-topic`, json(push));
    expect(res.status).toBe(204);
    const [{ msg }] = seen as [{ msg: Message }];
    expect(msg.id).toBe('message-id');
    expect(msg.body).toBe('test message 3');
    expect(msg.source).toBe('my-topic');
  });

  it('takes push envelopes over plain HTTP with every field, and answers non-2xx on failure', async () => {
    const push = fixture('pubsub/google-cloudevents__MessagePublishedData-complex.json');
    const ok = await fetch(url('ordersPush'), json({ ...push, deliveryAttempt: 3 }));
    expect(ok.status).toBe(204);
    const msg = seen[0] as Message;
    expect(msg).toMatchObject({ id: 'message-id', orderingKey: 'ordering-key', attempt: 3, source: 'my-subscription' });

    const failing = { ...push, message: { ...(push.message as object), data: btoa('{"fail":true}') } };
    const failed = await fetch(url('ordersPush'), json(failing));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ status: 500, title: 'Internal Server Error', requestId: 'message-id' });

    const duplicated = fixture('pubsub/google-cloudevents__MessagePublishedData-duplicatedFields.json');
    expect((await fetch(url('ordersPush'), json(duplicated))).status).toBe(204);
    expect(Array.from((seen[2] as Message).rawBody)).toEqual([1, 2, 3, 4]);
  });

  it('converts a legacy background event through the framework', async () => {
    const legacy = fixture('pubsub/ff-conformance__pubsub_text-legacy-input.json');
    const res = await fetch(url('orders'), json(legacy));
    expect(res.status).toBe(204);
    const [{ msg }] = seen as [{ msg: Message }];
    expect(msg).toMatchObject({ id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', body: 'test message 3' });
  });
});

describe('Cloud Storage', () => {
  const input = fixture('storage/ff-conformance__storage-cloudevent-input.json');
  const expected = {
    type: 'created',
    bucket: 'some-bucket',
    key: 'folder/Test.cs',
    size: 352,
    etag: 'CNHZkbuF/ugCEAE=',
    contentType: 'text/plain',
  };

  it.each([
    ['structured', () => structured(input)],
    ['binary', () => binary(input)],
  ])('maps a finalized object event in %s mode', async (_mode, request) => {
    const res = await fetch(url('uploads'), request());
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject(expected);
    expect((seen[0] as StorageEvent).time.toISOString()).toBe('2020-09-29T11:32:00.123Z');
  });

  it('maps a deleted object event', async () => {
    const deleted = { ...input, type: 'google.cloud.storage.object.v1.deleted' };
    expect((await fetch(url('uploads'), structured(deleted))).status).toBe(204);
    expect(seen[0]).toMatchObject({ type: 'deleted', key: 'folder/Test.cs' });
  });

  it.each([
    ['archived', 'structured', structured],
    ['archived', 'binary', binary],
    ['metadataUpdated', 'structured', structured],
    ['metadataUpdated', 'binary', binary],
  ])(
    'acknowledges (2xx) the object event %s in %s mode without running the handler',
    async (action, _mode, request) => {
      // Prepare: on a versioned bucket, deleting the live object sends `archived` alone.
      const type = `google.cloud.storage.object.v1.${action}`;
      const logs = collectLogs();

      // Act
      let res: Response;
      try {
        res = await fetch(url('uploads'), request({ ...input, type }));
      } finally {
        logs.restore();
      }

      // Assert
      expect(res.status).toBe(204);
      expect(seen).toHaveLength(0);
      expect(logs.find(IGNORED_STORAGE_EVENT)).toEqual([
        expect.objectContaining({ severity: 'WARNING', eventType: type }),
      ]);
    },
  );

  it('fails (non-2xx) an event of another source', async () => {
    const res = await fetch(
      url('uploads'),
      structured(fixture('pubsub/ff-conformance__pubsub_text-cloudevent-input.json')),
    );
    expect(res.status).toBe(500);
    expect(seen).toHaveLength(0);
  });
});

describe('Firestore', () => {
  const input = fixture('firestore/ff-conformance__firestore_simple-cloudevent-input.json');

  it.each([
    ['structured', () => structured(input)],
    ['binary', () => binary(input)],
  ])('maps a written document event in %s mode to an update with plain values', async (_mode, request) => {
    const res = await fetch(url('docs'), request());
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject(writtenUpdate);
  });

  /** A binary-mode Firestore event with protobuf data, as Eventarc sends it by default. */
  const protobufRequest = (body: Uint8Array) => ({
    method: 'POST',
    headers: {
      'content-type': 'application/protobuf',
      'ce-id': '1',
      'ce-source': String(input.source),
      'ce-type': 'google.cloud.firestore.document.v1.written',
      'ce-specversion': '1.0',
      'ce-subject': 'documents/gcf-test/2Vm2mI1d0wIaK2Waj5to',
      'ce-time': '2026-03-01T10:00:00Z',
    },
    body,
  });

  it('maps a protobuf payload (the Eventarc default) like its JSON form', async () => {
    // Prepare
    const name = 'projects/project-id/databases/(default)/documents/gcf-test/2Vm2mI1d0wIaK2Waj5to';
    const body = encodeDocumentEventData({
      value: { name, fields: { 'another test': 'asd', count: 4, foo: 'bar' } },
      oldValue: { name, fields: { 'another test': 'asd', count: 3, foo: 'bar' } },
      updateMask: ['count'],
    });

    // Act
    const res = await fetch(url('docs'), protobufRequest(body));

    // Assert
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ ...writtenUpdate, time: new Date('2026-03-01T10:00:00Z') });
  });

  it('refuses protobuf bytes that are not a DocumentEventData with a clear error (non-2xx)', async () => {
    // Outside production the framework shows the thrown error's message in the 500 answer.
    const res = await withNodeEnv('development', () =>
      fetch(url('docs'), protobufRequest(new Uint8Array([10, 2, 8, 1]))),
    );
    expect(res.status).toBe(500);
    expect(await res.text()).toContain(
      'the Firestore event data is not a DocumentEventData: Document.name has wire type 0, expected 2',
    );
    expect(seen).toHaveLength(0);
  });
});

describe('Cloud Scheduler', () => {
  it('maps an HTTP target request with X-CloudScheduler headers', async () => {
    const res = await fetch(url('nightly'), {
      method: 'POST',
      headers: {
        'x-cloudscheduler': 'true',
        'x-cloudscheduler-jobname': 'nightly-report',
        'x-cloudscheduler-scheduletime': '2026-01-02T03:00:00Z',
        'function-execution-id': 'exec-7',
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array([1, 2]),
    });
    expect(res.status).toBe(204);
    const [{ tick, requestId }] = seen as [{ tick: ScheduleTick; requestId: string }];
    expect(tick.name).toBe('nightly-report');
    expect(tick.scheduledTime.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(requestId).toBe('exec-7');
  });

  const executed = {
    specversion: '1.0',
    type: 'google.cloud.scheduler.job.v1.executed',
    source: '//cloudscheduler.googleapis.com/projects/p/locations/us-central1/jobs/nightly-report',
    id: 'sched-1',
    time: '2026-01-02T03:00:00Z',
    datacontenttype: 'application/json',
    data: fixture('scheduler/google-cloudevents__SchedulerJobData-simple.json'),
  };

  it.each([
    ['structured', () => structured(executed)],
    ['binary', () => binary(executed)],
  ])('maps a job.v1.executed CloudEvent in %s mode', async (_mode, request) => {
    const res = await fetch(url('nightly'), request());
    expect(res.status).toBe(204);
    const [{ tick, requestId }] = seen as [{ tick: ScheduleTick; requestId: string }];
    expect(tick.name).toBe('nightly-report');
    expect(tick.scheduledTime.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(requestId).toBe('sched-1');
  });

  it('maps a scheduled Pub/Sub message to a tick at its publish time', async () => {
    const res = await fetch(
      url('nightly'),
      structured(fixture('pubsub/google-cloudevents__MessagePublishedData.json')),
    );
    expect(res.status).toBe(204);
    const [{ tick }] = seen as [{ tick: ScheduleTick }];
    expect(tick).toMatchObject({ name: 'nightly', isPastDue: false });
    expect(tick.scheduledTime.toISOString()).toBe('2021-02-05T04:06:14.109Z');
  });

  it('answers 400 for a request that is no schedule and 405 for a GET without scheduler headers', async () => {
    const res = await fetch(url('nightly'), json({ hello: 'world' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'UNKNOWN_EVENT' });
    expect((await fetch(url('nightly'))).status).toBe(405);
  });
});

describe('any other CloudEvent', () => {
  it.each([
    ['structured', 'cloudevents-http/functions-framework-nodejs__structured-mode-request.json'],
    ['binary', 'cloudevents-http/functions-framework-nodejs__binary-mode-request.json'],
  ])('maps the framework sample in %s mode', async (_mode, path) => {
    const sample = fixture<{ headers: Record<string, string>; body: unknown }>(path);
    const res = await fetch(url('anything'), {
      method: 'POST',
      headers: sample.headers,
      body: JSON.stringify(sample.body),
    });
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({
      id: 'test-1234-1234',
      type: 'com.google.cloud.storage',
      source: 'https://github.com/GoogleCloudPlatform/functions-framework-nodejs',
      subject: 'test-subject',
      data: { some: 'payload' },
    });
    expect((seen[0] as CloudEvent).time?.toISOString()).toBe('2020-05-13T01:23:45.000Z');
  });

  it('maps a Firebase Auth event', async () => {
    const res = await fetch(
      url('anything'),
      structured(fixture('firebase/ff-conformance__firebase-auth-cloudevent-input.json')),
    );
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({
      type: 'google.firebase.auth.user.v1.created',
      data: { email: 'test@nowhere.com' },
    });
  });
});
