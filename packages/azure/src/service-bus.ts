/**
 * Service Bus queue and topic messages as portable messages: `messageId`, `deliveryCount` as the
 * attempt, `enqueuedTimeUtc`, application (user) properties as attributes and the session id as
 * the FIFO group. With `cardinality: 'many'` the host sends an array and `*Array` metadata.
 */
import { type BatchItem, createMessage, type Logger, type Message, setOwn } from '@skyport/core';
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
 * The text a session id stands as when the JSON parse of `@azure/functions` lost what the host
 * sent: the parsed value written back (`String()` for a number, JSON for an object or an array).
 * A session-enabled trigger delivers one session per invocation, so within the invocation this
 * stays one group key for one session.
 */
function parsedText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    // What no JSON parse makes (a BigInt, a cycle) comes only from a hand-made context.
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item)) ?? '';
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The warning logged once for an invocation whose session id text the library's parse changed. */
export const CHANGED_SESSION_ID =
  'azure: the JSON parse of @azure/functions changed the sessionId text the host sent; groupId is the parsed value written back as text';

/**
 * The batch of one Service Bus invocation: one message, or every message of a `many` batch.
 * A session id whose text the library's JSON parse lost (`1234567890123456789`, `3.10`,
 * `{"tenant":"a"}`) is read as the parsed value's text, with one `warn` line on `log` for the
 * invocation naming the field.
 *
 * @example
 * serviceBusItems(message, context.triggerMetadata, { source: 'orders', many: false, fallbackId: context.invocationId, log: ctx.log });
 */
export function serviceBusItems(
  trigger: unknown,
  metadata: unknown,
  options: {
    readonly source: string;
    readonly many: boolean;
    readonly fallbackId: string;
    /** Where the warning about a changed session id goes (the invocation's `ctx.log`). */
    readonly log?: Logger | undefined;
  },
): BatchItem<Message>[] {
  const meta = asRecord(metadata);
  // Array.from fills holes of a sparse array, which map() would skip.
  const bodies = options.many ? Array.from(trigger as unknown[]) : [trigger];
  let changedSessionId: string | undefined;
  const items = bodies.map((body, i) => {
    const index = options.many ? i : undefined;
    const field = (key: string) => (index === undefined ? meta?.[key] : at(meta?.[`${key}Array`], index));
    const which = options.many ? `message ${i}` : 'the message';
    // `@azure/functions` parses every metadata string as JSON (see sentText). A message id whose
    // text that loses stands aside for the sequence number, exact and unique in the entity, rather
    // than give two messages one id. A session id whose text is lost stands as the parsed value's
    // text: the invocation holds one session, so that key groups its messages as the sent one would.
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
    const sessionId = sentText(field('sessionId'));
    const groupId = sessionId === null ? parsedText(field('sessionId')) : sessionId;
    if (sessionId === null) changedSessionId ??= groupId;
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
  if (changedSessionId !== undefined) {
    options.log?.warn({ field: 'sessionId', groupId: changedSessionId }, CHANGED_SESSION_ID);
  }
  return items;
}
