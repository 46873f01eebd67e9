/**
 * The AWS event of each `source` a `fromLambda` handler of a queue, stream, changes or storage
 * function can be written for (see `FromLambdaSourceEvents`), built from the portable event when
 * the handler runs outside Lambda: an SQS event, an SNS event or an EventBridge Pipe's SQS
 * records for a message; a Kinesis event, a DynamoDB Streams event or a pipe's records of either
 * for a stream record; a DynamoDB Streams event or a pipe's records for a change; an S3
 * notification or an S3 event delivered by EventBridge for a storage event. Loaded with
 * `synthesize.ts`, on first use off Lambda; like it, it imports nothing from the package entry
 * (the DynamoDB encoder comes as an argument).
 */
import {
  type ChangeEvent,
  type Context,
  type Message,
  SkyportError,
  type StorageEvent,
  type StreamRecord,
  setOwn,
} from '@skyport/core';
import type { DynamoDBRecord, SNSEvent, SNSEventRecord, SNSMessageAttributes } from 'aws-lambda';
import type { AttributeValue, marshall } from './attribute-value.js';
import {
  account,
  dynamodbRecordFromChange,
  isoSeconds,
  kinesisRecordFromStreamRecord,
  regionOf,
  s3RecordFromStorageEvent,
  sqsRecordFromMessage,
  textOf,
} from './synthesize.js';
import type {
  ChangesSourceEvents,
  PipedKinesisRecord,
  QueueSourceEvents,
  S3EventBridgeEvent,
  StorageSourceEvents,
  StreamSourceEvents,
} from './types.js';

type Obj = Record<string, unknown>;

/** `value` as an object, or `undefined` when it is none (an array is none). */
function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** `value` when it is a non-empty string. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `name` as an ARN of `service`: as it is when it is one already, else in the region of `ctx`. */
function arnOf(service: string, name: string, ctx: Context): string {
  return name.startsWith('arn:') ? name : `arn:aws:${service}:${regionOf(ctx)}:${account}:${name}`;
}

/**
 * A subscription id of the UUID form SNS gives, the same for every message of a topic (a
 * function is subscribed once): the MD5 of the topic ARN, laid out as a UUID.
 */
function subscriptionId(topicArn: string): string {
  const crypto = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const hex = crypto.createHash('md5').update(topicArn).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An SNS record for a portable message, as SNS hands a subscribed function a notification:
 * `Message` the message text, `MessageAttributes` its attributes (`String`), `MessageId` its id,
 * `Timestamp` when it was published, `TopicArn` the topic named by its source (an ARN as it is).
 * A message published without a subject has a `null` `Subject`, as SNS sends it.
 *
 * @example
 * const record = snsRecordFromMessage(msg, ctx);
 */
export function snsRecordFromMessage(msg: Message, ctx: Context): SNSEventRecord {
  const region = regionOf(ctx);
  const topicArn = arnOf('sns', msg.source, ctx);
  const subscriptionArn = `${topicArn}:${subscriptionId(topicArn)}`;
  const attributes: SNSMessageAttributes = {};
  for (const [name, value] of Object.entries(msg.attributes))
    setOwn(attributes, name, { Type: 'String', Value: value });
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: subscriptionArn,
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: msg.publishedAt.toISOString(),
      Signature: 'EXAMPLE',
      SigningCertUrl: `https://sns.${region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
      MessageId: msg.id,
      Message: textOf(msg.rawBody),
      MessageAttributes: attributes,
      Type: 'Notification',
      UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
      TopicArn: topicArn,
      // The type says string; SNS sends null for a message published without one.
      Subject: null as unknown as string,
    },
  };
}

/**
 * The event a queue handler written for `source` gets for a portable message: an SQS event with
 * one record (`'sqs'`), an SNS event with one notification (`'sns'`), or a one-record array of
 * SQS records as an EventBridge Pipe sends them (`'pipe'`).
 *
 * @example
 * const event = queueSourceEvent('sns', msg, ctx); // { Records: [{ EventSource: 'aws:sns', Sns: { ... } }] }
 */
export function queueSourceEvent<TSource extends keyof QueueSourceEvents>(
  source: TSource,
  msg: Message,
  ctx: Context,
): QueueSourceEvents[TSource];
export function queueSourceEvent(
  source: keyof QueueSourceEvents,
  msg: Message,
  ctx: Context,
): QueueSourceEvents[keyof QueueSourceEvents] {
  if (source === 'sns') return { Records: [snsRecordFromMessage(msg, ctx)] } satisfies SNSEvent;
  const record = sqsRecordFromMessage(msg, ctx);
  return source === 'pipe' ? [record] : { Records: [record] };
}

/**
 * A Kinesis record for a portable stream record as an EventBridge Pipe hands it to a Lambda
 * target: the fields Lambda nests under `kinesis` are the record's own.
 *
 * @example
 * const record = pipedKinesisRecordFromStreamRecord(rec, ctx); // { partitionKey, sequenceNumber, data, eventSource: 'aws:kinesis', ... }
 */
export function pipedKinesisRecordFromStreamRecord(rec: StreamRecord, ctx: Context): PipedKinesisRecord {
  const { kinesis, ...envelope } = kinesisRecordFromStreamRecord(rec, ctx);
  return { ...kinesis, ...envelope };
}

const attributeTypes: ReadonlySet<string> = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/** Whether `value` is an item as DynamoDB Streams carries one: a map of AttributeValues. */
function isImage(value: unknown): value is Record<string, AttributeValue> {
  const image = obj(value);
  if (image === undefined) return false;
  return Object.values(image).every((attribute) => {
    const typed = obj(attribute);
    const types = typed === undefined ? [] : Object.keys(typed);
    return types.length === 1 && attributeTypes.has(types[0] as string);
  });
}

/**
 * Whether `value` is the `dynamodb` object of a DynamoDB Streams record: `Keys` a map of
 * AttributeValues with at least one key, and images, when it has them, maps too.
 */
function isStreamImage(value: unknown): value is Obj {
  const ddb = obj(value);
  return (
    ddb !== undefined &&
    isImage(ddb.Keys) &&
    Object.keys(ddb.Keys).length > 0 &&
    (ddb.NewImage === undefined || isImage(ddb.NewImage)) &&
    (ddb.OldImage === undefined || isImage(ddb.OldImage))
  );
}

const eventNames: ReadonlySet<string> = new Set(['INSERT', 'MODIFY', 'REMOVE']);

/** The operation of a `dynamodb` object by its images: both a change, the new one an insert, else a removal. */
function eventNameOf(ddb: Obj): 'INSERT' | 'MODIFY' | 'REMOVE' {
  if (ddb.NewImage !== undefined) return ddb.OldImage !== undefined ? 'MODIFY' : 'INSERT';
  return 'REMOVE';
}

/** The keys a partition key names: the JSON object it holds (the form `toLambda` gives), else none. */
function keysOf(partitionKey: string, encode: typeof marshall): Record<string, AttributeValue> {
  try {
    const parsed = obj(JSON.parse(partitionKey));
    return parsed === undefined ? {} : encode(parsed);
  } catch {
    return {};
  }
}

/**
 * A DynamoDB Streams record for a portable stream record; `encode` is `marshall`. The body says
 * what changed:
 * - a DynamoDB Streams record (an `eventName` and a `dynamodb` object, as DynamoDB's Kinesis
 *   streaming destination writes one or a forwarder passes one on) is that record, completed
 *   where it lacks a field (`SequenceNumber` is the record's sequence);
 * - the `dynamodb` object of such a record (`Keys` and the images as AttributeValues, the body
 *   `toLambda` gives a record of a DynamoDB stream) is that change, an `INSERT`, `MODIFY` or
 *   `REMOVE` by the images it holds;
 * - any other JSON object is an item inserted: `NewImage` is the item marshalled, `Keys` the
 *   partition key when it is a JSON object of the key attributes, else empty.
 * Any other body (a list, text, a number) is no item: `INVALID_EVENT`, which fails the record.
 *
 * @example
 * const record = dynamodbRecordFromStreamRecord(rec, ctx, marshall); // { eventName: 'INSERT', dynamodb: { NewImage: ... } }
 */
export function dynamodbRecordFromStreamRecord(
  rec: StreamRecord,
  ctx: Context,
  encode: typeof marshall,
): DynamoDBRecord {
  const region = regionOf(ctx);
  const body = obj(rec.body);
  if (body === undefined) {
    throw new SkyportError(
      'INVALID_EVENT',
      `aws: stream record ${rec.id} holds no DynamoDB Streams record or item (a JSON object), so a handler written for DynamoDB Streams cannot get it`,
      { adapter: 'aws', kind: 'stream', shape: 'dynamodb' },
    );
  }
  const whole = isStreamImage(body.dynamodb) ? body : undefined;
  const image = whole === undefined && isStreamImage(body) ? body : undefined;
  const given = obj(whole?.dynamodb) ?? image;
  const dynamodb: Obj =
    given === undefined ? { Keys: keysOf(rec.partitionKey, encode), NewImage: encode(body) } : { ...given };
  if (typeof dynamodb.ApproximateCreationDateTime !== 'number') {
    dynamodb.ApproximateCreationDateTime = Math.floor(rec.publishedAt.getTime() / 1000);
  }
  if (typeof dynamodb.SequenceNumber !== 'string') dynamodb.SequenceNumber = rec.sequence;
  if (typeof dynamodb.SizeBytes !== 'number') dynamodb.SizeBytes = rec.rawBody.byteLength;
  if (typeof dynamodb.StreamViewType !== 'string') dynamodb.StreamViewType = 'NEW_AND_OLD_IMAGES';
  const named = text(whole?.eventName);
  const table = text(whole?.tableName) ?? rec.source;
  const record: Obj = {
    eventID: text(whole?.eventID) ?? rec.id,
    eventName: named !== undefined && eventNames.has(named) ? named : eventNameOf(dynamodb),
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: text(whole?.awsRegion) ?? region,
    dynamodb,
    eventSourceARN:
      text(whole?.eventSourceARN) ??
      `arn:aws:dynamodb:${region}:${account}:table/${table}/stream/2024-01-01T00:00:00.000`,
  };
  // A deletion by TTL names the DynamoDB service here, which handlers check.
  const identity = obj(whole?.userIdentity);
  if (identity !== undefined) record.userIdentity = identity;
  return record as DynamoDBRecord;
}

/**
 * The event a stream handler written for `source` gets for a portable stream record: a Kinesis
 * event (`'kinesis'`) or a DynamoDB Streams event (`'dynamodb'`, see
 * `dynamodbRecordFromStreamRecord`) with one record, or a one-record array as an EventBridge Pipe
 * sends them (`'pipe-kinesis'`, flattened; `'pipe-dynamodb'`). `encode` is `marshall`.
 *
 * @example
 * const event = streamSourceEvent('dynamodb', rec, ctx, marshall); // { Records: [{ eventSource: 'aws:dynamodb', ... }] }
 */
export function streamSourceEvent<TSource extends keyof StreamSourceEvents>(
  source: TSource,
  rec: StreamRecord,
  ctx: Context,
  encode: typeof marshall,
): StreamSourceEvents[TSource];
export function streamSourceEvent(
  source: keyof StreamSourceEvents,
  rec: StreamRecord,
  ctx: Context,
  encode: typeof marshall,
): StreamSourceEvents[keyof StreamSourceEvents] {
  switch (source) {
    case 'dynamodb':
      return { Records: [dynamodbRecordFromStreamRecord(rec, ctx, encode)] };
    case 'pipe-dynamodb':
      return [dynamodbRecordFromStreamRecord(rec, ctx, encode)];
    case 'pipe-kinesis':
      return [pipedKinesisRecordFromStreamRecord(rec, ctx)];
    default:
      return { Records: [kinesisRecordFromStreamRecord(rec, ctx)] };
  }
}

/**
 * The event a changes handler written for `source` gets for a portable change: a DynamoDB
 * Streams event with one `NEW_AND_OLD_IMAGES` record (`'dynamodb'`), or that record in a
 * one-record array as an EventBridge Pipe sends it (`'pipe'`). `encode` is `marshall`.
 *
 * @example
 * const event = changesSourceEvent('pipe', change, ctx, marshall); // [{ eventName: 'INSERT', ... }]
 */
export function changesSourceEvent<TSource extends keyof ChangesSourceEvents>(
  source: TSource,
  change: ChangeEvent,
  ctx: Context,
  encode: typeof marshall,
): ChangesSourceEvents[TSource];
export function changesSourceEvent(
  source: keyof ChangesSourceEvents,
  change: ChangeEvent,
  ctx: Context,
  encode: typeof marshall,
): ChangesSourceEvents[keyof ChangesSourceEvents] {
  const record = dynamodbRecordFromChange(change, ctx, encode);
  return source === 'pipe' ? [record] : { Records: [record] };
}

/**
 * An S3 event delivered by EventBridge for a portable storage event: `Object Created` (with
 * `size` and `etag`, reason `PutObject`) or `Object Deleted` (reason `DeleteObject`, deletion
 * type `Permanently Deleted`, an `etag` only when known), the key as it is (EventBridge does not
 * encode it), of a bucket without versioning (no `version-id`).
 *
 * @example
 * const event = s3EventBridgeFromStorageEvent(object, ctx); // { 'detail-type': 'Object Created', source: 'aws.s3', ... }
 */
export function s3EventBridgeFromStorageEvent(object: StorageEvent, ctx: Context): S3EventBridgeEvent {
  const created = object.type === 'created';
  const sequencer = object.time.getTime().toString(16).toUpperCase();
  const detailObject: Obj = created
    ? { key: object.key, size: object.size ?? 0, etag: object.etag ?? '', sequencer }
    : { key: object.key, sequencer };
  if (!created && object.etag !== undefined) detailObject.etag = object.etag;
  const detail: Obj = {
    version: '0',
    bucket: { name: object.bucket },
    object: detailObject,
    'request-id': ctx.requestId,
    requester: account,
    'source-ip-address': '127.0.0.1',
    reason: created ? 'PutObject' : 'DeleteObject',
  };
  if (!created) detail['deletion-type'] = 'Permanently Deleted';
  return {
    version: '0',
    id: ctx.requestId,
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account,
    time: isoSeconds(object.time),
    region: regionOf(ctx),
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail,
    // The type has a `version-id`, which a bucket without versioning never sends.
  } as unknown as S3EventBridgeEvent;
}

/**
 * The event a storage handler written for `source` gets for a portable storage event: an S3
 * event notification with one record (`'s3'`), or an S3 event delivered by EventBridge
 * (`'s3-eventbridge'`, see `s3EventBridgeFromStorageEvent`).
 *
 * @example
 * const event = storageSourceEvent('s3-eventbridge', object, ctx);
 */
export function storageSourceEvent<TSource extends keyof StorageSourceEvents>(
  source: TSource,
  object: StorageEvent,
  ctx: Context,
): StorageSourceEvents[TSource];
export function storageSourceEvent(
  source: keyof StorageSourceEvents,
  object: StorageEvent,
  ctx: Context,
): StorageSourceEvents[keyof StorageSourceEvents] {
  if (source === 's3-eventbridge') return s3EventBridgeFromStorageEvent(object, ctx);
  return { Records: [s3RecordFromStorageEvent(object, ctx)] };
}
