/**
 * Event Hubs events as portable stream records, registered with `cardinality: 'many'`: the host
 * sends an array with `*Array` metadata (`sequenceNumberArray`, `enqueuedTimeUtcArray`,
 * `partitionKeyArray`, ...). Records run in order and the batch stops at the first failure.
 */
import { type BatchItem, createStreamRecord, type StreamRecord } from '@skyport/core';
import { asRecord, asString, asTime, at, payloadOf } from './metadata.js';

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
  return events.map((body, i) => {
    const field = (key: string) => (options.many ? at(meta?.[`${key}Array`], i) : meta?.[key]);
    const system = asRecord(field('systemProperties'));
    const sequence =
      asString(field('sequenceNumber')) ??
      asString(system?.['x-opt-sequence-number']) ??
      (options.many ? `${options.fallbackId}:${i}` : options.fallbackId);
    const partitionKey = asString(field('partitionKey')) ?? asString(system?.['x-opt-partition-key']) ?? '';
    const event = createStreamRecord({
      id: sequence,
      sequence,
      partitionKey,
      ...payloadOf(body),
      publishedAt: asTime(field('enqueuedTimeUtc')) ?? asTime(system?.['x-opt-enqueued-time']),
      source,
      raw: { event: body, metadata, index: options.many ? i : undefined },
    });
    const traceparent = senderTrace(asRecord(field('properties')));
    return { id: sequence, event, trace: traceparent === undefined ? undefined : { traceparent } };
  });
}
