import { describe, expect, it } from 'vitest';
import { eventClouds, eventSources, sampleEvent } from './events.js';
import { UsageError } from './usage.js';

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

  it('refuses a helper by name, listing the sources', async () => {
    // Act
    const attempt = sampleEvent('gcp', 'binaryMode');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/^unknown gcp source "binaryMode"; available: .*cloudEvent/);
  });
});
