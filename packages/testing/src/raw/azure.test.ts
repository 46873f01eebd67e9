import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { type Message, queue, type StreamRecord, stream } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toAzure } from '../../../azure/src/handler.js';
import { invokeAzure } from '../../../azure/src/invoke.js';
import { register } from '../../../azure/src/register.js';
import { recordingApp } from '../../../azure/test/helpers.js';
import * as azure from './azure.js';

type RpcMetadata = Record<string, { json: string }>;
type Convert = (metadata: RpcMetadata, triggerType: string) => Record<string, unknown> | undefined;

/**
 * The v4 library's own conversion of the host's trigger metadata (`fromRpcTriggerMetadata`), run
 * from the TypeScript source the `@azure/functions` package ships next to its bundle.
 */
async function libraryConversion(): Promise<Convert> {
  const require = createRequire(import.meta.url);
  const root = dirname(dirname(require.resolve('@azure/functions')));
  const source = join(root, 'src', 'converters', 'fromRpcTriggerMetadata.ts');
  const module = (await import(source)) as { fromRpcTriggerMetadata: Convert };
  return module.fromRpcTriggerMetadata;
}

describe('raw Azure factories', () => {
  it('httpRequest builds an init the real HttpRequest accepts', async () => {
    // Act
    const request = new HttpRequest(
      azure.httpRequest({
        method: 'post',
        path: '/orders/7?expand=lines',
        query: { page: '2' },
        headers: { 'X-Trace': 'abc' },
        params: { id: '7' },
        body: { sku: 'book' },
      }),
    );

    // Assert
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://localhost:7071/api/orders/7?expand=lines&page=2');
    expect(request.headers.get('x-trace')).toBe('abc');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.query.get('expand')).toBe('lines');
    expect(request.query.get('page')).toBe('2');
    expect(request.params).toEqual({ id: '7' });
    expect(await request.json()).toEqual({ sku: 'book' });
  });

  it('httpRequest keeps text and bytes bodies as sent and honours the route prefix', async () => {
    const bytes = new HttpRequest(
      azure.httpRequest({ method: 'PUT', routePrefix: '', path: 'x', body: new Uint8Array([1, 2]) }),
    );
    const text = new HttpRequest(azure.httpRequest({ method: 'POST', body: 'a=1' }));
    expect(bytes.url).toBe('http://localhost:7071/x');
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
    expect(await text.text()).toBe('a=1');
    // As the host delivers it: no content type invented for a text body sent without one.
    expect(text.headers.get('content-type')).toBeNull();
  });

  it('invocationContext builds an init the real InvocationContext accepts', () => {
    // Prepare
    const message = azure.queueMessage('{"orderId":"ord_1"}', { id: 'm-1', dequeueCount: 3 });

    // Act
    const context = new InvocationContext(
      azure.invocationContext({
        ...message,
        invocationId: 'inv-1',
        functionName: 'fulfil',
        triggerOptions: { queueName: 'orders' },
        traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    );

    // Assert
    expect(context.invocationId).toBe('inv-1');
    expect(context.functionName).toBe('fulfil');
    expect(context.options.trigger).toEqual({ type: 'queueTrigger', name: 'trigger', queueName: 'orders' });
    expect(context.triggerMetadata).toMatchObject({ id: 'm-1', dequeueCount: 3, queueTrigger: { orderId: 'ord_1' } });
    expect(context.traceContext?.traceParent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('queue and Service Bus messages carry the metadata keys the v4 library delivers', () => {
    const queue = azure.queueMessage('plain text');
    expect(queue.trigger).toBe('plain text');
    expect(Object.keys(queue.triggerMetadata ?? {}).sort()).toEqual(
      ['dequeueCount', 'expirationTime', 'id', 'insertionTime', 'nextVisibleTime', 'popReceipt', 'queueTrigger'].sort(),
    );

    const bus = azure.serviceBusMessage({ n: 1 }, { applicationProperties: { tenant: 'a' }, sessionId: 's1' });
    expect(bus).toMatchObject({
      trigger: { n: 1 },
      triggerType: 'serviceBusTrigger',
      triggerMetadata: { deliveryCount: 1, applicationProperties: { tenant: 'a' }, sessionId: 's1' },
    });

    const batch = azure.serviceBusBatch([
      { body: 'a', messageId: 'm1' },
      { body: 'b', messageId: 'm2', deliveryCount: 2 },
    ]);
    expect(batch.trigger).toEqual([Buffer.from('a'), Buffer.from('b')]);
    expect(batch.triggerMetadata).toMatchObject({ messageIdArray: ['m1', 'm2'], deliveryCountArray: [1, 2] });
  });

  it('Service Bus application properties have the keys the real library delivers: first letters lower-cased, nested too', async () => {
    // Prepare
    const convert = await libraryConversion();
    const properties = {
      TenantId: 't-1',
      region: 'eu',
      Nested: { InnerKey: [{ DeepKey: 1 }], 'X-Trace': 'a' },
      $AzureWebJobsParentId: 'p-1',
    };
    const sent = JSON.stringify(properties);

    // Act
    const real = convert(
      { ApplicationProperties: { json: sent }, UserProperties: { json: sent } },
      'serviceBusTrigger',
    );
    const realBatch = convert({ ApplicationPropertiesArray: { json: `[${sent},{}]` } }, 'serviceBusTrigger');
    const one = azure.serviceBusMessage({ n: 1 }, { applicationProperties: properties }).triggerMetadata;
    const batch = azure.serviceBusBatch([{ body: 1, applicationProperties: properties }, { body: 2 }]).triggerMetadata;

    // Assert
    expect(real?.applicationProperties).toEqual({
      tenantId: 't-1',
      region: 'eu',
      nested: { innerKey: [{ deepKey: 1 }], 'x-Trace': 'a' },
      $AzureWebJobsParentId: 'p-1',
    });
    expect(one?.applicationProperties).toEqual(real?.applicationProperties);
    expect(one?.userProperties).toEqual(real?.userProperties);
    expect(batch?.applicationPropertiesArray).toEqual(realBatch?.applicationPropertiesArray);
  });

  it('a Service Bus property sent as TenantId reaches the handler as attributes.tenantId, as on Azure', async () => {
    // Prepare
    const seen: Message[] = [];
    const fn = queue({ name: 'billing', azure: { trigger: 'serviceBusQueue' } }).handle((message) => {
      seen.push(message);
    });

    // Act
    await invokeAzure(fn, azure.serviceBusMessage({ n: 1 }, { applicationProperties: { TenantId: 't-1' } }));

    // Assert
    expect(seen[0]?.attributes).toEqual({ tenantId: 't-1' });
  });

  it('eventHubBatch numbers the events and fills every *Array field', () => {
    const batch = azure.eventHubBatch([{ a: 1 }, { a: 2 }], {
      eventHubName: 'clicks',
      partitionKey: ['k1', null],
      firstSequence: 40,
    });
    expect(batch.trigger).toEqual([Buffer.from('{"a":1}'), Buffer.from('{"a":2}')]);
    expect(batch.triggerMetadata).toMatchObject({
      partitionContext: { eventHubName: 'clicks', partitionId: '0' },
      sequenceNumberArray: [40, 41],
      partitionKeyArray: ['k1', null],
    });
    expect(batch.triggerMetadata?.enqueuedTimeUtcArray).toHaveLength(2);
  });

  it('blob, Event Grid, timer and Cosmos DB inputs have the shapes the host sends', () => {
    const blob = azure.blob({ container: 'receipts', name: 'receipts/a b.pdf', content: 'pdf!' });
    expect(blob.trigger).toBe('pdf!');
    expect(blob.triggerMetadata).toMatchObject({
      blobTrigger: 'receipts/receipts/a b.pdf',
      uri: 'https://testaccount.blob.core.windows.net/receipts/receipts/a%20b.pdf',
      properties: { length: 4, contentType: 'application/octet-stream' },
    });
    expect(String((blob.triggerMetadata?.properties as { eTag?: string } | undefined)?.eTag)).toMatch(
      /^"0x[0-9A-F]+"$/,
    );

    const created = azure.eventGridBlob({ type: 'created', container: 'up', name: 'a.png', size: 5 });
    expect(created.trigger).toMatchObject({
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/up/blobs/a.png',
      data: { contentLength: 5 },
      metadataVersion: '1',
    });
    const cloud = azure.eventGridCloudEvent({ type: 'user.created', data: { id: '1' }, subject: 'users/1' });
    expect(cloud.trigger).toMatchObject({
      specversion: '1.0',
      type: 'user.created',
      subject: 'users/1',
      data: { id: '1' },
    });

    const tick = azure.timer({ scheduledTime: '2026-01-01T03:00:00Z', isPastDue: true });
    expect(tick.trigger).toMatchObject({ isPastDue: true, scheduleStatus: { next: '2026-01-01T03:00:00.000Z' } });
    expect(tick.triggerMetadata).toBeUndefined();

    const docs = azure.cosmosDocuments([{ id: 'ord_1', status: 'pending' }], { time: '2026-01-01T00:00:00Z' });
    expect(docs.trigger).toEqual([expect.objectContaining({ id: 'ord_1', status: 'pending', _ts: 1767225600 })]);
  });

  it('every factory gives a JSON sample when called without arguments (skyport events azure <source>), bytes aside', () => {
    for (const [name, factory] of Object.entries(azure)) {
      const sample = (factory as () => { trigger?: unknown })();
      // The batch bodies are the bytes the binary binding delivers.
      const json = name === 'eventHubBatch' || name === 'serviceBusBatch' ? { ...sample, trigger: [] } : sample;
      expect(JSON.parse(JSON.stringify(json)), name).toEqual(json);
    }
  });

  it('an http response init can be turned into a real HttpResponse', async () => {
    const response = new HttpResponse({ status: 201, headers: { 'content-type': 'text/plain' }, body: 'made' });
    expect(await response.text()).toBe('made');
  });
});

/**
 * The batch factories against what the host delivers: `register()` binds Event Hubs and Service
 * Bus `many` batches with `dataType: 'binary'`, so each body reaches the handler as the bytes sent.
 */
describe('the batch factories deliver what the binary binding delivers', () => {
  /** The payloads, and the bytes a sender puts on the wire for each. */
  const payloads: readonly (readonly [unknown, Buffer])[] = [
    ['"quoted"', Buffer.from('"quoted"')],
    ['12345678901234567890', Buffer.from('12345678901234567890')],
    ['{"a":1}', Buffer.from('{"a":1}')],
    ['plain text', Buffer.from('plain text')],
    [{ a: 1 }, Buffer.from('{"a":1}')],
    [new Uint8Array([0xff, 0x00, 0x01]), Buffer.from([0xff, 0x00, 0x01])],
  ];
  const view = (seen: readonly (Message | StreamRecord)[]) =>
    seen.map((item) => ({ body: item.body, rawBody: Buffer.from(item.rawBody).toString('hex') }));
  const quiet = { logHandler: () => undefined };

  it.each([
    ['eventHub', 'eventHubTrigger'],
    ['serviceBusQueue', 'serviceBusTrigger'],
  ] as const)(
    '%s many: the handler sees the same bodies and bytes as from Buffers in production',
    async (method, type) => {
      // Prepare
      const seen: (Message | StreamRecord)[] = [];
      const push = (item: Message | StreamRecord) => {
        seen.push(item);
      };
      const fn =
        method === 'eventHub'
          ? stream({ name: 'telemetry' }).handle(push)
          : queue({ name: 'billing', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle(push);
      const [registration] = register(recordingApp().app, { fn });
      const input =
        method === 'eventHub'
          ? azure.eventHubBatch(payloads.map(([value]) => value))
          : azure.serviceBusBatch(payloads.map(([body], i) => ({ body, messageId: `m${i}` })));
      const context = new InvocationContext({
        invocationId: 'inv-1',
        functionName: 'fn',
        triggerMetadata: input.triggerMetadata,
        options: {
          trigger: {
            type,
            name: 'trigger',
            cardinality: registration?.options.cardinality,
            dataType: registration?.options.dataType,
          },
        },
        ...quiet,
      });

      // Act
      await invokeAzure(fn, input, quiet);
      const fromFactory = view(seen.splice(0));
      await toAzure(fn)(
        payloads.map(([, sent]) => sent),
        context,
      );
      const fromHost = view(seen.splice(0));

      // Assert
      expect(registration).toMatchObject({ method, options: { cardinality: 'many', dataType: 'binary' } });
      expect(fromFactory).toEqual(fromHost);
      expect(fromFactory.map((item) => item.body).slice(0, 4)).toEqual([
        'quoted',
        '12345678901234567890',
        { a: 1 },
        'plain text',
      ]);
      expect(fromFactory[0]?.rawBody).toBe(Buffer.from('"quoted"').toString('hex'));
      expect(fromFactory[1]?.rawBody).toBe(Buffer.from('12345678901234567890').toString('hex'));
    },
  );

  it('a JSON string event passes a body schema, as the same bytes do in production', async () => {
    // Prepare
    const bodies: unknown[] = [];
    const fn = stream({ name: 'telemetry', body: z.object({ a: z.number() }) }).handle((record) => {
      bodies.push(record.body);
    });

    // Act
    await invokeAzure(fn, azure.eventHubBatch(['{"a":1}']), quiet);

    // Assert
    expect(bodies[0]).toEqual({ a: 1 });
  });

  it('the single-message factories keep what a trigger without a dataType delivers: JSON text parsed', () => {
    expect(azure.queueMessage('{"a":1}').trigger).toEqual({ a: 1 });
    expect(azure.serviceBusMessage('"quoted"').trigger).toBe('quoted');
    expect(azure.serviceBusMessage('plain text').trigger).toBe('plain text');
  });
});
