/**
 * Event Hubs events as portable stream records, registered with `cardinality: 'many'`: the host
 * sends an array with `*Array` metadata (`sequenceNumberArray`, `enqueuedTimeUtcArray`,
 * `partitionKeyArray`, ...). Records run in order and the batch stops at the first failure.
 */
import { type BatchItem, createStreamRecord, type StreamRecord } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asRecord, asString, asTime, at, payloadOf, sentText } from './metadata.js';

const SHAPE = 'eventHubTrigger';

/**
 * An event's partition key: `''` when it has none. The host sends it twice: as `partitionKey`
 * (`partitionKeyArray`), a string the JSON parse of `@azure/functions` may change (`1.50` arrives
 * as 1.5), and inside the system properties, a JSON document whose strings arrive exact. The system
 * properties come first; they also keep the place of an event without a key, which a string array
 * drops.
 */
function partitionKeyOf(system: Record<string, unknown> | undefined, sent: unknown, which: string): string {
  for (const name of ['partitionKey', 'x-opt-partition-key']) {
    if (system !== undefined && Object.hasOwn(system, name)) {
      const value = system[name];
      if (typeof value === 'string') return value;
      if (value === null || value === undefined) return '';
    }
  }
  const text = sentText(sent);
  if (text === null) {
    throw invalidEvent(
      'stream',
      SHAPE,
      `${which} has a partitionKey the JSON parse of @azure/functions changed, which gives the sent text back wrong, and no system properties that carry it`,
    );
  }
  return text ?? '';
}

/**
 * The sender's W3C trace among an event's properties: a `traceparent` property, else the
 * `Diagnostic-Id` the Event Hubs SDKs write. Names in any case: `@azure/functions` lower-cases
 * the first letter of metadata keys (`diagnostic-Id`).
 */
function senderTrace(properties: Record<string, unknown> | undefined): string | undefined {
  if (properties === undefined) return undefined;
  let diagnosticId: string | undefined;
  for (const [name, value] of Object.entries(properties)) {
    const lower = name.toLowerCase();
    if (lower === 'traceparent' && typeof value === 'string') return value;
    if (lower === 'diagnostic-id' && typeof value === 'string') diagnosticId ??= value;
  }
  return diagnosticId;
}

/**
 * The records of one Event Hubs invocation.
 *
 * @example
 * eventHubItems(events, context.triggerMetadata, { source: 'telemetry', many: true, fallbackId: context.invocationId });
 */
export function eventHubItems(
  trigger: unknown,
  metadata: unknown,
  options: { readonly source: string; readonly many: boolean; readonly fallbackId: string },
): BatchItem<StreamRecord>[] {
  const meta = asRecord(metadata);
  // Array.from fills holes of a sparse array, which map() would skip.
  const events = options.many ? Array.from(trigger as unknown[]) : [trigger];
  const partition = asRecord(meta?.partitionContext);
  const source = asString(partition?.eventHubName) ?? asString(partition?.eventHubPath) ?? options.source;
  // A sequence number is unique within its partition only; the partition makes the id unique in the hub.
  const partitionId =
    asString(partition?.partitionId) ?? asString(asRecord(partition?.runtimeInformation)?.partitionId);
  return events.map((body, i) => {
    const field = (key: string) => (options.many ? at(meta?.[`${key}Array`], i) : meta?.[key]);
    const system = asRecord(field('systemProperties'));
    const sent = sentText(field('sequenceNumber')) ?? sentText(system?.['x-opt-sequence-number']);
    const sequence = sent ?? (options.many ? `${options.fallbackId}:${i}` : options.fallbackId);
    const id = sent !== undefined && sent !== null && partitionId !== undefined ? `${partitionId}:${sent}` : sequence;
    const partitionKey = partitionKeyOf(system, field('partitionKey'), options.many ? `event ${i}` : 'the event');
    const event = createStreamRecord({
      id,
      sequence,
      partitionKey,
      ...payloadOf(body),
      publishedAt: asTime(field('enqueuedTimeUtc')) ?? asTime(system?.['x-opt-enqueued-time']),
      source,
      raw: { event: body, metadata, index: options.many ? i : undefined },
    });
    const traceparent = senderTrace(asRecord(field('properties')));
    return { id, event, trace: traceparent === undefined ? undefined : { traceparent } };
  });
}
