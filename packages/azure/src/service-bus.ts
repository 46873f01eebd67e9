/**
 * Service Bus queue and topic messages as portable messages: `messageId`, `deliveryCount` as the
 * attempt, `enqueuedTimeUtc`, application (user) properties as attributes and the session id as
 * the FIFO group. With `cardinality: 'many'` the host sends an array and `*Array` metadata.
 */
import { type BatchItem, createMessage, type Message, setOwn } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asNumber, asRecord, asTime, at, payloadOf, sentText, stringMap } from './metadata.js';

const SHAPE = 'serviceBusTrigger';

/** What `@azure/functions` made of a sent text, for an error message. */
function parsedAs(value: unknown): string {
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a value of type ${typeof value}`;
}

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
    const which = options.many ? `message ${i}` : 'the message';
    // `@azure/functions` parses every metadata string as JSON (see sentText). A message id whose
    // text that loses stands aside for the sequence number, exact and unique in the entity, rather
    // than give two messages one id; a session id has no stand-in.
    const messageId = sentText(field('messageId'));
    const sequence = sentText(field('sequenceNumber'));
    if (messageId === null && typeof sequence !== 'string') {
      throw invalidEvent(
        'queue',
        SHAPE,
        `${which} has a messageId the JSON parse of @azure/functions turned into ${parsedAs(field('messageId'))}, which gives the sent text back wrong, and no sequenceNumber to stand for it`,
      );
    }
    const id =
      messageId === null
        ? `sequence:${sequence}`
        : (messageId ?? (options.many ? `${options.fallbackId}:${i}` : options.fallbackId));
    const groupId = sentText(field('sessionId'));
    if (groupId === null) {
      throw invalidEvent(
        'queue',
        SHAPE,
        `${which} has a sessionId the JSON parse of @azure/functions turned into ${parsedAs(field('sessionId'))}, which gives the sent text back wrong`,
      );
    }
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
