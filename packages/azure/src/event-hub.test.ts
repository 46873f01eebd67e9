import { type StreamRecord, stream } from '@skyport/core';
import { azure } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture, fromRpcMetadata, invocation } from '../test/helpers.js';
import { libraryInvocation, type RpcTypedData } from '../test/library.js';
import type { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';
import { invokeAzure } from './invoke.js';

function recorder(fail: (record: StreamRecord) => boolean = () => false) {
  const seen: StreamRecord[] = [];
  const fn = stream({ name: 'telemetry' }).handle((record) => {
    seen.push(record);
    if (fail(record)) throw new Error(`bad record ${record.sequence}`);
  });
  return { fn, seen };
}

const many = { trigger: { type: 'eventHubTrigger', name: 'events', eventHubName: 'telemetry', cardinality: 'many' } };

describe('toAzure: Event Hubs', () => {
  it('maps a single IoT Hub-routed event with the host metadata of the fixture', async () => {
    // Prepare
    const metadata = fromRpcMetadata(
      fixture('eventhub/azure-functions-python-library__eventhub.trigger-metadata.rpc.json'),
    );
    const { fn, seen } = recorder();
    const { context } = invocation({
      triggerMetadata: metadata,
      options: { trigger: { type: 'eventHubTrigger', name: 'event', cardinality: 'one' } },
    });

    // Act
    await toAzure(fn)({ temperature: 21.5 }, context);

    // Assert
    const record = seen[0] as StreamRecord;
    expect(record.sequence).toBe('47');
    expect(record.id).toBe('0:47');
    expect(record.partitionKey).toBe('');
    expect(record.publishedAt.toISOString()).toBe('2020-07-14T01:27:55.627Z');
    expect(record.source).toBe('python-worker-ci-eventhub-one-metadata');
    expect(record.body).toEqual({ temperature: 21.5 });
  });

  it('without a declared cardinality (the host default, one) keeps an array body as one event', async () => {
    // Prepare
    const metadata = fromRpcMetadata(
      fixture('eventhub/azure-functions-python-library__eventhub.trigger-metadata.rpc.json'),
    );
    const { fn, seen } = recorder();
    const options = { trigger: { type: 'eventHubTrigger', name: 'event', eventHubName: 'h' } };

    // Act
    await toAzure(fn)([1, 2, 3], invocation({ triggerMetadata: metadata, options }).context);
    await toAzure(fn)([4, 5], invocation({ triggerMetadata: { sequenceNumberArray: [8, 9] }, options }).context);

    // Assert: the *Array metadata, not the body, tells a batch
    expect(seen.map((r) => [r.sequence, r.body])).toEqual([
      ['47', [1, 2, 3]],
      ['8', 4],
      ['9', 5],
    ]);
  });

  it('runs a many batch in order and stops at the first failure, reporting it and everything after', async () => {
    // Prepare
    const { fn, seen } = recorder((record) => record.sequence === '11');
    const metadata = {
      sequenceNumberArray: [10, 11, 12, 13],
      enqueuedTimeUtcArray: [
        '2026-01-01T00:00:00Z',
        '2026-01-01T00:00:01Z',
        '2026-01-01T00:00:02Z',
        '2026-01-01T00:00:03Z',
      ],
      partitionKeyArray: ['dev-1', 'dev-1', null, 'dev-2'],
      partitionContext: { eventHubName: 'telemetry', partitionId: '3', consumerGroup: '$Default' },
    };
    const { context } = invocation({ triggerMetadata: metadata, options: many });

    // Act
    const error = (await toAzure(fn)([{ t: 1 }, { t: 2 }, { t: 3 }, { t: 4 }], context).catch(
      (e: unknown) => e,
    )) as BatchFailedError;

    // Assert
    expect(error).toMatchObject({ name: 'BatchFailedError', code: 'HANDLER_FAILED', kind: 'stream' });
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['3:11', false],
      ['3:12', true],
      ['3:13', true],
    ]);
    expect(seen.map((r) => [r.sequence, r.partitionKey, r.publishedAt.toISOString()])).toEqual([
      ['10', 'dev-1', '2026-01-01T00:00:00.000Z'],
      ['11', 'dev-1', '2026-01-01T00:00:01.000Z'],
    ]);
  });

  it('makes ids unique across partitions: the same sequence number in two partitions is two records', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const quiet = { logHandler: () => undefined };

    // Act
    await invokeAzure(fn, azure.eventHubBatch([{ page: '/a' }], { partitionId: '0', firstSequence: 47 }), quiet);
    await invokeAzure(fn, azure.eventHubBatch([{ page: '/b' }], { partitionId: '1', firstSequence: 47 }), quiet);
    await toAzure(fn)(
      [{ page: '/c' }],
      invocation({ triggerMetadata: { sequenceNumberArray: [47] }, options: many }).context,
    );

    // Assert: the sequence stays the partition's own; without a known partition the id is the sequence
    expect(seen.map((r) => [r.id, r.sequence, r.body])).toEqual([
      ['0:47', '47', { page: '/a' }],
      ['1:47', '47', { page: '/b' }],
      ['47', '47', { page: '/c' }],
    ]);
  });

  it("gives each event the sender's trace from the Diagnostic-Id property the Event Hubs SDKs write", async () => {
    // Prepare
    const traces: (string | undefined)[] = [];
    const fn = stream({ name: 'telemetry' }).handle((_record, ctx) => {
      traces.push(ctx.trace?.traceparent);
    });
    const first = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const second = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const metadata = {
      sequenceNumberArray: [1, 2, 3],
      // As @azure/functions hands metadata over: the first letter of each key lower-cased.
      propertiesArray: [{ 'diagnostic-Id': first }, {}, { 'diagnostic-Id': 'ignored', traceparent: second }],
    };
    const single = { sequenceNumber: 4, properties: { 'Diagnostic-Id': second } };
    const one = { trigger: { type: 'eventHubTrigger', name: 'event', cardinality: 'one' } };

    // Act
    await toAzure(fn)([{}, {}, {}], invocation({ triggerMetadata: metadata, options: many }).context);
    await toAzure(fn)({}, invocation({ triggerMetadata: single, options: one }).context);

    // Assert
    expect(traces).toEqual([first, undefined, second, second]);
  });

  it('keeps binary events as bytes and parses them lazily', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const bytes = Buffer.from('{"ok":true}');
    const binary = Buffer.from([0xff, 0x00]);

    // Act
    await toAzure(fn)(
      [bytes, binary],
      invocation({ triggerMetadata: { sequenceNumberArray: [1, 2] }, options: many }).context,
    );

    // Assert
    expect(seen[0]?.body).toEqual({ ok: true });
    expect([...(seen[1]?.rawBody ?? [])]).toEqual([0xff, 0x00]);
    expect(seen.map((r) => r.source)).toEqual(['telemetry', 'telemetry']);
  });

  it('resolves for an empty batch and refuses a many batch that is not an array', async () => {
    const { fn, seen } = recorder();
    await expect(toAzure(fn)([], invocation({ options: many }).context)).resolves.toBeUndefined();
    await expect(toAzure(fn)({ t: 1 }, invocation({ options: many }).context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      shape: 'eventHubTrigger',
    });
    expect(seen).toEqual([]);
  });
});

describe('Event Hubs partition keys the host sends as text that is JSON', () => {
  const hostMetadata = fixture<Record<string, RpcTypedData>>(
    'eventhub/azure-functions-python-library__eventhub.trigger-metadata.rpc.json',
  );
  /** The fixture's metadata as the Node worker gets it: a `{ type, value }` datum as `{ [type]: value }`. */
  const nodeMetadata = Object.fromEntries(
    Object.entries(hostMetadata).map(([key, datum]) => [key, { [String(datum.type)]: datum.value }]),
  );
  async function deliverOne(changes: Record<string, RpcTypedData>, without: readonly string[] = []) {
    const { fn, seen } = recorder();
    const metadata: Record<string, RpcTypedData> = { ...nodeMetadata, ...changes };
    for (const key of without) delete metadata[key];
    const { trigger, context } = await libraryInvocation({
      triggerType: 'eventHubTrigger',
      binding: { cardinality: 'one' },
      triggerMetadata: metadata,
      input: { string: 'hello' },
    });
    await toAzure(fn)(trigger, context);
    return seen[0] as StreamRecord;
  }

  /** System properties as the extension sends them: the event's own, plus its PartitionKey. */
  const system = (partitionKey: string | null) =>
    ({
      json: JSON.stringify({ 'x-opt-sequence-number': 47, SequenceNumber: 47, PartitionKey: partitionKey }),
    }) as const;

  it('reads the exact key from the system properties, not the top-level string the library parsed', async () => {
    const decimal = await deliverOne({ PartitionKey: { string: '1.50' }, SystemProperties: system('1.50') });
    const boolean = await deliverOne({ PartitionKey: { string: 'true' }, SystemProperties: system('true') });
    const big = await deliverOne({
      PartitionKey: { string: '12345678901234567890' },
      SystemProperties: system('12345678901234567890'),
    });
    expect([decimal.partitionKey, boolean.partitionKey, big.partitionKey]).toEqual([
      '1.50',
      'true',
      '12345678901234567890',
    ]);
  });

  it('without system properties keeps a key that parses to a boolean and refuses one whose text is lost', async () => {
    expect((await deliverOne({ PartitionKey: { string: 'true' } }, ['SystemProperties'])).partitionKey).toBe('true');
    await expect(deliverOne({ PartitionKey: { string: '1.50' } }, ['SystemProperties'])).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: expect.stringContaining('partitionKey'),
    });
  });

  it('gives each event of a batch its own key, though the string array drops the events without one', async () => {
    // Prepare: the host sends PartitionKeyArray as collectionString, which leaves out null entries
    const { fn, seen } = recorder();
    const { trigger, context } = await libraryInvocation({
      triggerType: 'eventHubTrigger',
      binding: { dataType: 'binary', cardinality: 'many' },
      triggerMetadata: {
        PartitionContext: { json: JSON.stringify({ EventHubName: 'telemetry', PartitionId: '0' }) },
        PartitionKeyArray: { collectionString: { string: ['1.50', 'dev-2'] } },
        SequenceNumberArray: { collectionSint64: { sint64: [5, 6, 7] } },
        SystemPropertiesArray: {
          json: JSON.stringify([
            { 'x-opt-sequence-number': 5, 'x-opt-partition-key': '1.50', PartitionKey: '1.50' },
            { 'x-opt-sequence-number': 6, PartitionKey: null },
            { 'x-opt-sequence-number': 7, 'x-opt-partition-key': 'dev-2', PartitionKey: 'dev-2' },
          ]),
        },
      },
      input: { collectionBytes: { bytes: ['a', 'b', 'c'].map((text) => new TextEncoder().encode(text)) } },
    });

    // Act
    await toAzure(fn)(trigger, context);

    // Assert
    expect(seen.map((r) => [r.sequence, r.partitionKey, r.body])).toEqual([
      ['5', '1.50', 'a'],
      ['6', '', 'b'],
      ['7', 'dev-2', 'c'],
    ]);
  });
});
