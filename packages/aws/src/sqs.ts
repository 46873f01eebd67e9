/**
 * Amazon SQS (standard and FIFO). Every system attribute is a string; records of a FIFO queue
 * carry `MessageGroupId`, which switches the batch to FIFO semantics (after a failure, the rest
 * of that group is reported too); on a standard (fair) queue it names the tenant only. SNS notifications delivered to SQS without raw message delivery
 * arrive as a JSON envelope in the body; `unwrapSns` opens it.
 */
import { createMessage, type Message, setOwn, type TraceCarrier } from '@skyport/core';
import { arnName, awsError, type Obj, obj, str, stringMap } from './read.js';
import type { RecordMapper } from './records.js';

function messageAttributes(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const attributes = obj(value);
  if (!attributes) return out;
  for (const key of Object.keys(attributes)) {
    const attribute = obj(attributes[key]);
    const text = str(attribute?.stringValue) ?? str(attribute?.binaryValue);
    if (text !== undefined) setOwn(out, key, text);
  }
  return out;
}

/** The SNS envelope inside an SQS body, when it is one. */
function snsEnvelope(body: string): Obj | undefined {
  if (!body.includes('"Notification"')) return undefined;
  try {
    const envelope = obj(JSON.parse(body));
    return envelope?.Type === 'Notification' && typeof envelope.Message === 'string' ? envelope : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps one SQS record to a message: `attempt` from `ApproximateReceiveCount`, `publishedAt`
 * from `SentTimestamp`, `source` the queue name, `groupId` the FIFO group.
 *
 * @example
 * const message = sqsMessage(event.Records[0], false);
 */
export function sqsMessage(record: Obj, unwrapSns: boolean): Message {
  const system = stringMap(record.attributes);
  const body = record.body;
  // SQS always sends the body as a string (an empty message is ''): anything else is not an SQS
  // record, and running it as an empty message would acknowledge what the handler never saw.
  if (typeof body !== 'string') {
    throw awsError('INVALID_EVENT', `SQS record ${String(record.messageId)} has no string body`, 'queue', 'sqs');
  }
  const envelope = unwrapSns ? snsEnvelope(body) : undefined;
  const attributes = envelope ? snsAttributes(envelope.MessageAttributes) : messageAttributes(record.messageAttributes);
  return createMessage({
    id: str(record.messageId) ?? '',
    data: envelope ? (envelope.Message as string) : body,
    attributes,
    attempt: Number(system.ApproximateReceiveCount),
    publishedAt: Number(system.SentTimestamp) || undefined,
    source: arnName(record.eventSourceARN),
    groupId: system.MessageGroupId,
    raw: record,
  });
}

/**
 * SNS `MessageAttributes` (`{ Type, Value }`) as strings, each an own key (`__proto__` included).
 *
 * @example
 * snsAttributes({ tenant: { Type: 'String', Value: 'acme' } }); // { tenant: 'acme' }
 */
export function snsAttributes(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const attributes = obj(value);
  if (!attributes) return out;
  for (const key of Object.keys(attributes)) {
    const text = str(obj(attributes[key])?.Value);
    if (text !== undefined) setOwn(out, key, text);
  }
  return out;
}

/**
 * The X-Ray header SQS kept from the producer (the `AWSTraceHeader` system attribute), as the
 * message's trace carrier, so `tracing()` continues the producer's trace.
 *
 * @example
 * sqsTrace(record); // { 'x-amzn-trace-id': 'Root=1-...;Parent=...;Sampled=1' }
 */
export function sqsTrace(record: Obj): TraceCarrier | undefined {
  const header = str(obj(record.attributes)?.AWSTraceHeader);
  return header === undefined ? undefined : { 'x-amzn-trace-id': header };
}

/**
 * The FIFO group of a record of a FIFO queue (its name ends in `.fifo`). A standard queue's
 * message may carry a `MessageGroupId` too, as the tenant of a fair queue, with no order to keep:
 * its batch runs every message, so none is held back, and retried towards the dead-letter
 * queue, for another's failure. A record that names no queue is taken at its word.
 */
function fifoGroup(record: Obj): string | undefined {
  const group = str(obj(record.attributes)?.MessageGroupId);
  const arn = str(record.eventSourceARN);
  return group === undefined || arn === undefined || arn.endsWith('.fifo') ? group : undefined;
}

/**
 * How SQS records become batch items (`itemIdentifier` is the `messageId`). With `fifo` (a
 * function defined with `fifo: true`), every `MessageGroupId` is a FIFO group, whatever the queue.
 *
 * @example
 * const items = mapRecords(event, 'queue', 'sqs', sqsRecords(false));
 */
export function sqsRecords(unwrapSns: boolean, fifo = false): RecordMapper<Message> {
  return {
    id: (record) => str(record.messageId),
    map: (record) => sqsMessage(record, unwrapSns),
    group: fifo ? (record) => str(obj(record.attributes)?.MessageGroupId) : fifoGroup,
    trace: sqsTrace,
  };
}
