/**
 * Which Azure trigger an invocation came from. The v4 library tells through
 * `context.options.trigger.type`; when that is missing (a hand-built `InvocationContext`), the
 * trigger input and the metadata keys the host sends for each trigger decide.
 */
import type { Kind } from '@skyport/core';
import { kindMismatch, unknownEvent } from './errors.js';
import { asRecord } from './metadata.js';
import type { AzureTriggerType } from './types.js';

const triggerTypes: ReadonlySet<string> = new Set<AzureTriggerType>([
  'httpTrigger',
  'queueTrigger',
  'serviceBusTrigger',
  'eventHubTrigger',
  'blobTrigger',
  'eventGridTrigger',
  'timerTrigger',
  'cosmosDBTrigger',
]);

/** The triggers each function kind accepts, the first being the one assumed when nothing tells. */
const accepted: Readonly<Record<Kind, readonly AzureTriggerType[]>> = {
  http: ['httpTrigger'],
  queue: ['queueTrigger', 'serviceBusTrigger'],
  stream: ['eventHubTrigger'],
  storage: ['blobTrigger', 'eventGridTrigger'],
  schedule: ['timerTrigger'],
  changes: ['cosmosDBTrigger'],
  events: ['eventGridTrigger'],
};

/**
 * The trigger declared in `context.options.trigger`, when the library set one.
 *
 * @example
 * declaredTrigger(context)?.type; // 'queueTrigger'
 */
export function declaredTrigger(context: unknown): Record<string, unknown> | undefined {
  const options = asRecord(asRecord(context)?.options);
  const trigger = asRecord(options?.trigger);
  return trigger !== undefined && typeof trigger.type === 'string' && triggerTypes.has(trigger.type)
    ? trigger
    : undefined;
}

/**
 * Whether a value looks like the v4 `HttpRequest` (or a WHATWG `Request`).
 *
 * @example
 * isHttpRequestLike(new HttpRequest({ method: 'GET', url: 'http://localhost/api/x' })); // true
 */
export function isHttpRequestLike(value: unknown): boolean {
  const candidate = asRecord(value);
  return (
    candidate !== undefined &&
    typeof candidate.method === 'string' &&
    typeof candidate.url === 'string' &&
    typeof (candidate.headers as { forEach?: unknown } | undefined)?.forEach === 'function' &&
    typeof candidate.arrayBuffer === 'function'
  );
}

/**
 * Whether a value is an Event Grid event in the Event Grid or the CloudEvents schema.
 *
 * @example
 * isEventGridEvent({ id: '1', eventType: 'Contoso.Item', subject: 'items/1' }); // true
 */
export function isEventGridEvent(value: unknown): boolean {
  const event = asRecord(value);
  if (!event) return false;
  const gridSchema = typeof event.eventType === 'string' && typeof event.id === 'string';
  const cloudSchema =
    typeof event.specversion === 'string' && typeof event.type === 'string' && typeof event.source === 'string';
  return gridSchema || cloudSchema;
}

function has(metadata: Record<string, unknown> | undefined, ...keys: string[]): boolean {
  return metadata !== undefined && keys.some((key) => key in metadata);
}

/**
 * The trigger an input looks like, from its shape and metadata alone.
 *
 * @example
 * triggerOfShape('hello', { dequeueCount: 1 }); // 'queueTrigger'
 */
export function triggerOfShape(trigger: unknown, metadata: unknown): AzureTriggerType | undefined {
  if (isHttpRequestLike(trigger)) return 'httpTrigger';
  const meta = asRecord(metadata);
  if (has(meta, 'blobTrigger')) return 'blobTrigger';
  if (has(meta, 'dequeueCount', 'popReceipt', 'insertionTime', 'queueTrigger')) return 'queueTrigger';
  if (
    has(
      meta,
      'deliveryCount',
      'lockToken',
      'messageId',
      'userProperties',
      'applicationProperties',
      'deliveryCountArray',
      'messageIdArray',
      'userPropertiesArray',
      'applicationPropertiesArray',
    )
  ) {
    return 'serviceBusTrigger';
  }
  if (
    has(meta, 'partitionContext', 'systemProperties', 'systemPropertiesArray', 'sequenceNumberArray', 'offsetArray')
  ) {
    return 'eventHubTrigger';
  }
  const object = asRecord(trigger);
  if (object && typeof object.isPastDue === 'boolean' && ('scheduleStatus' in object || 'schedule' in object)) {
    return 'timerTrigger';
  }
  if (isEventGridEvent(trigger) || (Array.isArray(trigger) && trigger.length > 0 && trigger.every(isEventGridEvent))) {
    return 'eventGridTrigger';
  }
  return undefined;
}

/**
 * The trigger of this invocation for a function of `kind`: the declared one, else the shape's,
 * else the kind's usual trigger. Throws `KIND_MISMATCH` for a trigger of another kind and
 * `UNKNOWN_EVENT` when nothing fits.
 *
 * @example
 * detectTrigger('queue', message, context); // 'serviceBusTrigger' when the metadata has a deliveryCount
 */
export function detectTrigger(kind: Kind, trigger: unknown, context: unknown): AzureTriggerType {
  const declared = declaredTrigger(context)?.type as AzureTriggerType | undefined;
  const detected = declared ?? triggerOfShape(trigger, asRecord(context)?.triggerMetadata);
  const allowed = accepted[kind];
  if (detected !== undefined) {
    if (allowed.includes(detected)) return detected;
    throw kindMismatch(kind, detected);
  }
  // Without metadata, a storage event must look like an Event Grid event and a request like a request.
  if (kind === 'http' || kind === 'storage') throw unknownEvent(kind, describe(trigger));
  return allowed[0] as AzureTriggerType;
}

/**
 * A short description of an unrecognised input, for error messages.
 *
 * @example
 * describe({ a: 1, b: 2 }); // 'object{a,b}'
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  const record = asRecord(value);
  if (record) return `object{${Object.keys(record).slice(0, 5).join(',')}}`;
  return typeof value;
}
