/**
 * Azure Storage Queue messages as portable messages. The host delivers one message per
 * invocation, already JSON-parsed when it parses (kept as is); `dequeueCount` is the attempt and
 * `insertionTime` the publish time. Storage queue messages have no properties, so no attributes.
 */
import { type BatchItem, createMessage, type Message } from '@skyport/core';
import { asNumber, asRecord, asString, asTime, payloadOf } from './metadata.js';

/**
 * The batch of one storage queue invocation (always one message).
 *
 * @example
 * storageQueueItems({ orderId: 'ord_1' }, context.triggerMetadata, 'orders', context.invocationId);
 */
export function storageQueueItems(
  trigger: unknown,
  metadata: unknown,
  source: string,
  fallbackId: string,
): BatchItem<Message>[] {
  const meta = asRecord(metadata);
  const id = asString(meta?.id) ?? fallbackId;
  const event = createMessage({
    id,
    ...payloadOf(trigger),
    attempt: asNumber(meta?.dequeueCount),
    publishedAt: asTime(meta?.insertionTime),
    source,
    raw: { message: trigger, metadata },
  });
  return [{ id, event }];
}
