/**
 * docs/azure.md, "How each trigger maps": every row of the table, and how the trigger is told,
 * with real `InvocationContext`s built from the `@skyport/testing` Azure factories.
 */
import { InvocationContext } from '@azure/functions';
import { type AnyFunction, type AzureEventHandler, invokeAzure, register, toAzure } from '@skyport/azure';
import {
  type ChangeEvent,
  type CloudEvent,
  changes,
  events,
  http,
  type Message,
  queue,
  type ScheduleTick,
  type StorageEvent,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { azure } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { invocation, recordingApp } from './helpers.js';

const quiet = { logHandler: () => undefined };

function collect<T>() {
  const seen: T[] = [];
  return { seen, push: (event: T) => void seen.push(event) };
}

describe('how the trigger is told', () => {
  it('from context.options.trigger.type, which the library fills from the registration', async () => {
    const { seen, push } = collect<Message>();
    const fn = queue({ name: 'orders' }).handle(push);
    // No Service Bus metadata at all: the declared type decides.
    await invokeAzure(fn, { trigger: { a: 1 }, triggerType: 'serviceBusTrigger' }, quiet);
    expect(seen[0]?.source).toBe('orders');
    const { context } = invocation({
      options: { trigger: { type: 'serviceBusTrigger', name: 't', queueName: 'bus-q' } },
    });
    await toAzure(fn)({ a: 2 }, context);
    expect(seen[1]?.source).toBe('bus-q');
  });

  it('from the metadata keys when the type is missing', async () => {
    const { seen, push } = collect<Message>();
    const fn = queue({ name: 'orders' }).handle(push);
    await toAzure(fn)('x', invocation({ triggerMetadata: { dequeueCount: 3 } }).context);
    await toAzure(fn)('y', invocation({ triggerMetadata: { deliveryCount: 4, messageId: 'sb-1' } }).context);
    expect(seen.map((m) => [m.attempt, m.id])).toEqual([
      [3, 'inv-1'],
      [4, 'sb-1'],
    ]);
    const records = collect<StreamRecord>();
    const hub = stream({ name: 'telemetry' }).handle(records.push);
    await toAzure(hub)([{ t: 1 }], invocation({ triggerMetadata: { sequenceNumberArray: [7] } }).context);
    expect(records.seen[0]?.sequence).toBe('7');
    const blobs = collect<StorageEvent>();
    const blob = storage({ bucket: 'b', on: ['created'] }).handle(blobs.push);
    await toAzure(blob)('content', invocation({ triggerMetadata: { blobTrigger: 'b/k.txt' } }).context);
    expect(blobs.seen[0]?.key).toBe('k.txt');
  });

  it('from the trigger input: a timer object, an Event Grid event', async () => {
    const ticks = collect<ScheduleTick>();
    await toAzure(schedule({ cron: '0 3 * * *' }).handle(ticks.push))(azure.timer().trigger, invocation().context);
    expect(ticks.seen).toHaveLength(1);
    const grid = collect<CloudEvent>();
    const fn = events().handle(grid.push);
    await toAzure(fn)(azure.eventGrid().trigger, invocation().context);
    expect(grid.seen[0]?.type).toBe('Contoso.Items.ItemReceived');
  });

  it('otherwise assumes the usual trigger of the kind', async () => {
    const { seen, push } = collect<Message>();
    await toAzure(queue({ name: 'orders' }).handle(push))({ orderId: 'o1' }, invocation().context);
    expect(seen[0]).toMatchObject({ source: 'orders', attempt: 1, body: { orderId: 'o1' } });
    // Assumed to be Event Grid, a number cannot be mapped.
    const grid = events().handle(() => undefined);
    await expect(toAzure(grid)(42, invocation().context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      adapter: 'azure',
      kind: 'events',
      shape: 'eventGridTrigger',
    });
  });

  it('a trigger of another kind is KIND_MISMATCH; input fitting nothing UNKNOWN_EVENT; bad input INVALID_EVENT', async () => {
    const fn = queue({ name: 'orders' }).handle(() => undefined);
    await expect(toAzure(fn)(azure.timer().trigger, invocation().context)).rejects.toMatchObject({
      code: 'KIND_MISMATCH',
      adapter: 'azure',
      kind: 'queue',
      shape: 'timerTrigger',
    });
    // An HTTP or storage function assumes nothing: input that fits nothing is UNKNOWN_EVENT.
    const api = http({ method: 'GET', path: '/' }).handle(() => undefined) as AnyFunction;
    await expect(toAzure(api)({ hello: 1 }, invocation().context)).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
      adapter: 'azure',
      kind: 'http',
      shape: 'object{hello}',
    });
    const upload = storage({ bucket: 'b', on: ['created'] }).handle(() => undefined);
    await expect(toAzure(upload)('content', invocation().context)).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
      kind: 'storage',
    });
    const blob = storage({ bucket: 'b', on: ['created'] }).handle(() => undefined);
    await expect(
      toAzure(blob)('content', invocation({ triggerMetadata: { blobTrigger: 'no-slash' } }).context),
    ).rejects.toMatchObject({ code: 'INVALID_EVENT', adapter: 'azure', kind: 'storage', shape: 'blobTrigger' });
  });
});

describe('the mapping of each trigger', () => {
  it('Storage Queue: id, dequeueCount, insertionTime, queue name; JSON stays parsed, text stays text', async () => {
    const { seen, push } = collect<Message>();
    const fn = queue({ name: 'orders' }).handle(push);
    const json = azure.queueMessage('{"orderId":"o1"}', {
      id: 'q-1',
      dequeueCount: 2,
      insertionTime: '2026-01-01T00:00:00Z',
    });
    await invokeAzure(fn, json, quiet);
    await invokeAzure(fn, azure.queueMessage('not json'), quiet);
    const [parsed, text] = seen;
    expect(parsed).toMatchObject({ id: 'q-1', attempt: 2, source: 'orders', attributes: {}, body: { orderId: 'o1' } });
    expect(parsed?.publishedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new TextDecoder().decode(parsed?.rawBody)).toBe('{"orderId":"o1"}');
    expect(text?.body).toBe('not json');
  });

  it('Service Bus: messageId, deliveryCount, enqueuedTimeUtc, properties as strings, sessionId, source', async () => {
    const { seen, push } = collect<Message>();
    const fn = queue({ name: 'billing', azure: { trigger: 'serviceBusQueue' } }).handle(push);
    await invokeAzure(
      fn,
      azure.serviceBusMessage(
        { invoice: 7 },
        {
          messageId: 'sb-1',
          deliveryCount: 3,
          enqueuedTimeUtc: '2026-01-01T00:00:00Z',
          applicationProperties: { tenant: 'acme', priority: 2 },
          sessionId: 'customer-1',
        },
      ),
      quiet,
    );
    expect(seen[0]).toMatchObject({
      id: 'sb-1',
      attempt: 3,
      attributes: { tenant: 'acme', priority: '2' },
      groupId: 'customer-1',
      source: 'billing',
      body: { invoice: 7 },
    });
    expect(seen[0]?.publishedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    // A topic subscription: the registration puts topicName and subscriptionName on context.options.trigger.
    const { app, calls } = recordingApp();
    register(app, { notify: queue({ name: 'notify', azure: { subscription: 'mailer' } }).handle(push) });
    const { handler, ...trigger } = calls[0]?.options ?? {};
    const message = azure.serviceBusMessage({}, { messageId: 'sb-2' });
    const { context } = invocation({
      triggerMetadata: message.triggerMetadata,
      options: { trigger: { ...trigger, type: 'serviceBusTrigger', name: 'message' } },
    });
    await (handler as AzureEventHandler)(message.trigger, context);
    expect(seen[1]?.source).toBe('notify/mailer');
  });

  it('Service Bus many: the trigger is an array and each field comes from the *Array metadata', async () => {
    const { seen, push } = collect<Message>();
    const fn = queue({ name: 'billing', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle(push);
    await invokeAzure(
      fn,
      azure.serviceBusBatch([
        { body: { n: 1 }, messageId: 'a', deliveryCount: 1 },
        { body: { n: 2 }, messageId: 'b', deliveryCount: 5 },
      ]),
      quiet,
    );
    expect(seen.map((m) => [m.id, m.attempt, m.body])).toEqual([
      ['a', 1, { n: 1 }],
      ['b', 5, { n: 2 }],
    ]);
  });

  it('Event Hubs: partition and sequence number as id, partition key (empty without one), enqueued time, hub name', async () => {
    const { seen, push } = collect<StreamRecord>();
    const fn = stream({ name: 'telemetry' }).handle(push);
    await invokeAzure(
      fn,
      azure.eventHubBatch([{ t: 1 }, 'plain'], {
        eventHubName: 'iot-hub',
        firstSequence: 41,
        partitionKey: ['dev-1', null],
        enqueuedTimeUtc: '2026-01-01T00:00:00Z',
      }),
      quiet,
    );
    expect(seen.map((r) => [r.id, r.sequence, r.partitionKey, r.source, r.body])).toEqual([
      ['0:41', '41', 'dev-1', 'iot-hub', { t: 1 }],
      ['0:42', '42', '', 'iot-hub', 'plain'],
    ]);
    expect(seen[0]?.publishedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    const bytes = new TextEncoder().encode('{"b":1}');
    await invokeAzure(fn, { trigger: [bytes], triggerType: 'eventHubTrigger' }, quiet);
    expect(seen[2]?.rawBody).toEqual(bytes);
    expect(seen[2]?.body).toEqual({ b: 1 });
  });

  it('Blob trigger: always created, container/name, length, etag without quotes, content in raw.blob', async () => {
    const { seen, push } = collect<StorageEvent>();
    const fn = storage({ bucket: 'receipts', on: ['created'] }).handle(push);
    const content = new TextEncoder().encode('%PDF');
    const input = azure.blob({
      container: 'receipts',
      name: 'dir/ord_1.pdf',
      content,
      contentType: 'application/pdf',
      lastModified: '2026-01-01T00:00:00Z',
    });
    await invokeAzure(fn, input, quiet);
    const event = seen[0];
    expect(event).toMatchObject({
      type: 'created',
      bucket: 'receipts',
      key: 'dir/ord_1.pdf',
      size: 4,
      contentType: 'application/pdf',
    });
    expect(event?.etag).toMatch(/^0x8DA[0-9A-F]+$/);
    expect(event?.time.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(event?.raw).toMatchObject({ blob: content });

    // Without blobTrigger, the uri tells.
    const { blobTrigger: _path, ...byUri } = input.triggerMetadata ?? {};
    await invokeAzure(fn, { ...input, triggerMetadata: byUri }, quiet);
    expect(seen[1]).toMatchObject({ bucket: 'receipts', key: 'dir/ord_1.pdf' });
  });

  it('Event Grid blob events: created and deleted in both schemas; other storage events acknowledged', async () => {
    const { seen, push } = collect<StorageEvent>();
    const fn = storage({ bucket: 'uploads' }).handle(push);
    await invokeAzure(
      fn,
      azure.eventGridBlob({
        type: 'created',
        container: 'uploads',
        name: 'a/b.png',
        size: 11,
        contentType: 'image/png',
      }),
      quiet,
    );
    await invokeAzure(fn, azure.eventGridBlob({ type: 'deleted', container: 'uploads', name: 'a/b.png' }), quiet);
    const cloud = {
      triggerType: 'eventGridTrigger' as const,
      trigger: {
        specversion: '1.0',
        type: 'Microsoft.Storage.BlobCreated',
        source: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z',
        id: 'ce-1',
        time: '2026-01-01T00:00:00Z',
        subject: '/blobServices/default/containers/uploads/blobs/c.png',
        data: { contentLength: 5, eTag: '"0x1"', contentType: 'image/png' },
      },
    };
    await invokeAzure(fn, cloud, quiet);
    expect(seen.map((e) => [e.type, e.bucket, e.key, e.size, e.contentType])).toEqual([
      ['created', 'uploads', 'a/b.png', 11, 'image/png'],
      ['deleted', 'uploads', 'a/b.png', undefined, 'application/octet-stream'],
      ['created', 'uploads', 'c.png', 5, 'image/png'],
    ]);
    expect(seen[0]?.etag).toMatch(/^0x8DA/);
    expect(seen[2]?.etag).toBe('0x1');
    expect(seen[2]?.time.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    // The account's other events are acknowledged without running the handler, with one warn line.
    const lines: string[] = [];
    const tierChanged = azure.eventGrid({ eventType: 'Microsoft.Storage.BlobTierChanged', subject: 'x' });
    await expect(
      invokeAzure(fn, tierChanged, { logHandler: (_level, ...args) => void lines.push(String(args[0])) }),
    ).resolves.toBeUndefined();
    expect(seen).toHaveLength(3);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'warn', eventType: 'Microsoft.Storage.BlobTierChanged' }),
    ]);
    // Events of anything but a storage account are not storage events.
    await expect(
      invokeAzure(fn, azure.eventGrid({ eventType: 'Contoso.Items.ItemReceived', subject: 'x' }), quiet),
    ).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
  });

  it('Event Grid blob events of another container are not dropped', async () => {
    const { seen, push } = collect<StorageEvent>();
    const fn = storage({ bucket: 'uploads' }).handle(push);
    await invokeAzure(fn, azure.eventGridBlob({ type: 'created', container: 'other', name: 'x.png' }), quiet);
    expect(seen.map((e) => e.bucket)).toEqual(['other']);
  });

  it('Event Grid, any event: CloudEvents as is; the Event Grid schema renamed', async () => {
    const { seen, push } = collect<CloudEvent>();
    const fn = events().handle(push);
    await invokeAzure(
      fn,
      azure.eventGrid({
        eventType: 'user.created',
        subject: 'users/1',
        topic: '/topics/users',
        id: 'eg-1',
        eventTime: '2026-01-01T00:00:00Z',
        dataVersion: '2',
        data: { id: '1' },
      }),
      quiet,
    );
    expect(seen[0]).toMatchObject({
      id: 'eg-1',
      source: '/topics/users',
      type: 'user.created',
      subject: 'users/1',
      specversion: '1.0',
      datacontenttype: 'application/json',
      data: { id: '1' },
      extensions: { dataversion: '2', metadataversion: '1' },
    });
    expect(seen[0]?.time?.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    await invokeAzure(
      fn,
      azure.eventGridCloudEvent({ type: 'user.deleted', source: '/app', id: 'ce-9', data: { id: '2' } }),
      quiet,
    );
    expect(seen[1]).toMatchObject({ id: 'ce-9', source: '/app', type: 'user.deleted', data: { id: '2' } });

    const { topic: _topic, ...sourceless } = azure.eventGrid().trigger as Record<string, unknown>;
    await expect(
      invokeAzure(fn, { trigger: sourceless, triggerType: 'eventGridTrigger' }, quiet),
    ).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
  });

  it('Event Grid: an array is a batch of events', async () => {
    const { seen, push } = collect<CloudEvent>();
    const fn = events().handle(push);
    const first = azure.eventGrid({ eventType: 'a', id: '1' }).trigger;
    const second = azure.eventGrid({ eventType: 'b', id: '2' }).trigger;
    await invokeAzure(fn, { trigger: [first, second] }, quiet);
    expect(seen.map((e) => e.type)).toEqual(['a', 'b']);
  });

  it('Timer: scheduleStatus.next (else the invocation time), isPastDue, schedule name or function name', async () => {
    const { seen, push } = collect<ScheduleTick>();
    const named = schedule({ cron: '0 3 * * *', name: 'nightly' }).handle(push);
    const unnamed = schedule({ cron: '0 3 * * *' }).handle(push);
    await invokeAzure(named, azure.timer({ scheduledTime: '2026-01-01T03:00:00Z', isPastDue: true }), quiet);
    const before = Date.now();
    await invokeAzure(
      unnamed,
      { trigger: { isPastDue: false, schedule: { adjustForDST: true } } },
      { ...quiet, functionName: 'report' },
    );
    expect(seen[0]).toMatchObject({ name: 'nightly', isPastDue: true });
    expect(seen[0]?.scheduledTime.toISOString()).toBe('2026-01-01T03:00:00.000Z');
    expect(seen[1]).toMatchObject({ name: 'report', isPastDue: false });
    expect(seen[1]?.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('Cosmos DB latest version: each document is an update with after, key { id } and _ts', async () => {
    const { seen, push } = collect<ChangeEvent>();
    const fn = changes({ collection: 'orders', azure: { database: 'shop' } }).handle(push);
    await invokeAzure(
      fn,
      azure.cosmosDocuments([{ id: 'ord_1', status: 'pending' }], { time: '2026-01-01T00:00:00Z' }),
      quiet,
    );
    expect(seen[0]).toMatchObject({
      op: 'update',
      collection: 'orders',
      key: { id: 'ord_1' },
      before: undefined,
      after: { id: 'ord_1', status: 'pending' },
    });
    expect(seen[0]?.time.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('Cosmos DB all versions and deletes: create/replace/delete, previous/current, crts, one key for every operation', async () => {
    const { seen, push } = collect<ChangeEvent>();
    const fn = changes({ collection: 'orders', azure: { database: 'shop' } }).handle(push);
    const item = (operationType: string, current: object | undefined, previous: object | undefined) => ({
      current,
      previous,
      metadata: { operationType, crts: 1767225600, partitionKey: { customer: 'ada' } },
    });
    await invokeAzure(
      fn,
      {
        trigger: [
          item('create', { id: 'o1', total: 1 }, undefined),
          item('replace', { id: 'o1', total: 2 }, { id: 'o1', total: 1 }),
          item('delete', undefined, { id: 'o1', total: 2 }),
        ],
        triggerType: 'cosmosDBTrigger',
      },
      quiet,
    );
    expect(seen.map((c) => [c.op, c.key, c.before, c.after])).toEqual([
      ['insert', { id: 'o1' }, undefined, { id: 'o1', total: 1 }],
      ['update', { id: 'o1' }, { id: 'o1', total: 1 }, { id: 'o1', total: 2 }],
      ['delete', { id: 'o1' }, { id: 'o1', total: 2 }, undefined],
    ]);
    expect(seen[0]?.time.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('a hand-built InvocationContext', () => {
  it('works without options: the library fills the trigger type as "unknown"', async () => {
    const context = new InvocationContext({ invocationId: 'x', logHandler: () => undefined });
    expect(context.options.trigger.type).toBe('unknown');
    const { seen, push } = collect<Message>();
    await toAzure(queue({ name: 'orders' }).handle(push))('hi', context);
    expect(seen[0]).toMatchObject({ id: 'x', body: 'hi' });
  });
});
