import { changes, events, http, type Kind, queue, schedule, storage, stream } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import type { AnyFunction } from '../types.js';
import { eventClouds, eventSources, sampleEvent } from './events.js';
import { invokeOnce } from './invoke.js';
import { kindSources, portableKinds } from './kinds.js';
import { UsageError } from './usage.js';

/** A value with every string, number and boolean replaced by its type: a sample's shape. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]));
  }
  return typeof value;
}

let ran = 0;

/** One function of each kind that takes anything its cloud delivers. */
const probes: Readonly<Record<Kind, AnyFunction>> = {
  http: http({}).handle(() => {
    ran++;
    return { status: 200 };
  }),
  queue: queue({ name: 'orders' }).handle(() => {
    ran++;
  }),
  stream: stream({ name: 'clicks' }).handle(() => {
    ran++;
  }),
  storage: storage({ bucket: 'uploads' }).handle(() => {
    ran++;
  }),
  schedule: schedule({ cron: '0 3 * * *' }).handle(() => {
    ran++;
  }),
  changes: changes({ collection: 'orders' }).handle(() => {
    ran++;
  }),
  events: events().handle(() => {
    ran++;
  }),
};

describe('sampleEvent()', () => {
  it('lists only event factories: no contexts, headers or converters', async () => {
    // Act
    const sources = Object.fromEntries(await Promise.all(eventClouds.map(async (c) => [c, await eventSources(c)])));

    // Assert
    expect(sources.node).toEqual(['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events']);
    expect(sources.aws).not.toContain('lambdaContext');
    expect(sources.aws).toContain('sqs');
    expect(sources.azure).not.toContain('invocationContext');
    expect(sources.azure).toContain('queueMessage');
    for (const helper of ['binaryMode', 'schedulerHttpHeaders', 'toFirestoreFields', 'toFirestoreValue']) {
      expect(sources.gcp).not.toContain(helper);
    }
    expect(sources.gcp).toEqual(expect.arrayContaining(['cloudEvent', 'firestoreCloudEvent', 'pubsubPush']));
  });

  it('builds a JSON object sample for every source it lists', async () => {
    // Act
    const samples: [string, unknown][] = [];
    for (const cloud of eventClouds) {
      for (const source of await eventSources(cloud))
        samples.push([`${cloud} ${source}`, await sampleEvent(cloud, source)]);
    }

    // Assert
    expect(samples.length).toBeGreaterThan(30);
    for (const [name, sample] of samples) {
      expect({ name, type: typeof sample, array: Array.isArray(sample) }).toEqual({
        name,
        type: 'object',
        array: false,
      });
      expect(JSON.parse(JSON.stringify(sample)), name).toBeTypeOf('object');
    }
  });

  it('builds the CloudEvents that need options from defaults', async () => {
    // Act
    const custom = await sampleEvent('gcp', 'cloudEvent');
    const firestore = await sampleEvent('gcp', 'firestore-cloud-event');

    // Assert
    expect(custom).toMatchObject({
      specversion: '1.0',
      type: 'com.example.order.created',
      source: '//shop.example.com/orders',
      data: { id: 'ord_1' },
    });
    expect(firestore).toMatchObject({
      type: 'google.cloud.firestore.document.v1.written',
      subject: 'documents/orders/ord_1',
      data: { value: { fields: { id: { stringValue: 'ord_1' }, status: { stringValue: 'pending' } } } },
    });
  });

  it('refuses a helper by name, listing the kinds and the sources', async () => {
    // Act
    const attempt = sampleEvent('gcp', 'binaryMode');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(
      /^unknown gcp kind or source "binaryMode"; kinds: http, queue, stream, storage, schedule, changes, events; sources: .*cloudEvent/,
    );
  });

  it('takes a portable kind on a raw cloud for its usual source there', async () => {
    // Act
    const pairs = await Promise.all(
      (['aws', 'azure', 'gcp'] as const).flatMap((cloud) =>
        portableKinds.map(
          async (kind): Promise<[string, unknown, unknown]> => [
            `${cloud} ${kind}`,
            shape(await sampleEvent(cloud, kind)),
            shape(await sampleEvent(cloud, kindSources[cloud][kind])),
          ],
        ),
      ),
    );
    const sqs = await sampleEvent('aws', 'queue');
    const gcpStorage = await sampleEvent('gcp', 'storage');
    const azureQueue = await sampleEvent('azure', 'queue');

    // Assert: the same sample as by source name (its ids and times aside)
    for (const [name, byKind, bySource] of pairs) expect(byKind, name).toEqual(bySource);
    expect(sqs).toMatchObject({ Records: [{ eventSource: 'aws:sqs' }] });
    expect(gcpStorage).toMatchObject({ type: 'google.cloud.storage.object.v1.finalized' });
    expect(azureQueue).toMatchObject({ triggerType: 'queueTrigger' });
  });

  it.each([
    ['stream', 'eventHubBatch'],
    ['queue', 'serviceBusBatch'],
  ] as const)(
    'the azure %s batch sample (%s) holds its bodies as JSON, which reach the handler as sent',
    async (kind, source) => {
      // Prepare
      const sample = JSON.parse(JSON.stringify(await sampleEvent('azure', source))) as { trigger: unknown[] };
      const seen: unknown[] = [];
      const fn =
        kind === 'stream'
          ? stream({ name: 'clicks' }).handle((record) => {
              seen.push(record.body);
            })
          : queue({ name: 'orders' }).handle((msg) => {
              seen.push(msg.body);
            });

      // Act
      const outcome = await invokeOnce(fn, 'probe', sample, 'azure');

      // Assert
      expect(outcome.failed).toBe(false);
      expect(sample.trigger.length).toBeGreaterThan(0);
      for (const body of sample.trigger) expect(body).not.toHaveProperty('type', 'Buffer');
      expect(seen).toEqual(sample.trigger);
    },
  );

  it.each([
    ['node', 'http'],
    ['aws', 'http'],
    ['aws', 'apiGatewayV1'],
    ['aws', 'functionUrl'],
    ['aws', 'alb'],
    ['azure', 'http'],
    ['gcp', 'http'],
  ] as const)(
    'the %s %s sample is the same POST /orders request, which a POST /orders function answers',
    async (cloud, source) => {
      // Prepare
      const createOrder = http({ method: 'POST', path: '/orders' }).handle((req) => ({ status: 201, body: req.body }));
      const sample = JSON.parse(JSON.stringify(await sampleEvent(cloud, source)));

      // Act
      const { result, failed } = await invokeOnce(createOrder, 'createOrder', sample, cloud);

      // Assert
      const { status, statusCode, body } = result as { status?: number; statusCode?: number; body: unknown };
      expect({ failed, status: status ?? statusCode }).toEqual({ failed: false, status: 201 });
      expect(typeof body === 'string' ? JSON.parse(body) : body).toEqual({
        customer: 'ada@example.com',
        lines: [{ sku: 'book', qty: 1, unitPrice: 12.5 }],
      });
    },
  );

  it.each((['aws', 'azure', 'gcp'] as const).flatMap((cloud) => portableKinds.map((kind) => [cloud, kind] as const)))(
    'the %s sample of kind %s runs a function of that kind there',
    async (cloud, kind) => {
      // Prepare
      const sample = JSON.parse(JSON.stringify(await sampleEvent(cloud, kind)));
      const before = ran;

      // Act
      const outcome = await invokeOnce(probes[kind], 'probe', sample, cloud);

      // Assert: the handler ran, and nothing failed
      expect(outcome.failed, JSON.stringify(outcome.result)).toBe(false);
      expect(ran).toBeGreaterThan(before);
    },
  );
});
