/**
 * Service Bus queue and topic messages as portable messages: `messageId`, `deliveryCount` as the
 * attempt, `enqueuedTimeUtc`, application (user) properties as attributes and the session id as
 * the FIFO group. With `cardinality: 'many'` the host sends an array and `*Array` metadata.
 */
import { type BatchItem, createMessage, type Message, setOwn } from '@skyport/core';
import { asNumber, asRecord, asString, asTime, at, payloadOf, stringMap } from './metadata.js';

function propertiesOf(meta: Record<string, unknown> | undefined, index: number | undefined): Record<string, string> {
  const pick = (key: string) => (index === undefined ? meta?.[key] : at(meta?.[`${key}Array`], index));
  // Extension 5.x sends applicationProperties; older hosts only userProperties.
  const properties = stringMap(pick('userProperties'));
  const application = stringMap(pick('applicationProperties'));
  for (const key of Object.keys(application)) setOwn(properties, key, application[key] as string);
  return properties;
}

/**
 * The batch of one Service Bus invocation: one message, or every message of a `many` batch.
 *
 * @example
 * serviceBusItems(message, context.triggerMetadata, { source: 'orders', many: false, fallbackId: context.invocationId });
 */
export function serviceBusItems(
  trigger: unknown,
  metadata: unknown,
  options: { readonly source: string; readonly many: boolean; readonly fallbackId: string },
): BatchItem<Message>[] {
  const meta = asRecord(metadata);
  // Array.from fills holes of a sparse array, which map() would skip.
  const bodies = options.many ? Array.from(trigger as unknown[]) : [trigger];
  return bodies.map((body, i) => {
    const index = options.many ? i : undefined;
    const field = (key: string) => (index === undefined ? meta?.[key] : at(meta?.[`${key}Array`], index));
    const id = asString(field('messageId')) ?? (options.many ? `${options.fallbackId}:${i}` : options.fallbackId);
    const groupId = asString(field('sessionId'));
    const event = createMessage({
      id,
      ...payloadOf(body),
      attributes: propertiesOf(meta, index),
      attempt: asNumber(field('deliveryCount')),
      publishedAt: asTime(field('enqueuedTimeUtc')),
      source: options.source,
      groupId,
      raw: { message: body, metadata, index },
    });
    return { id, event, groupId };
  });
}
