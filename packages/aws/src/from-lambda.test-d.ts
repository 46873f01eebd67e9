/**
 * Type-level tests: the event of a handler wrapped by `fromLambda` follows its kind and `source`,
 * and a handler written for one event shape of a kind needs the `source` of that shape, since off
 * Lambda it gets the event of its source and no other.
 */
import type {
  DynamoDBRecord,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
  EventBridgeHandler,
  KinesisStreamEvent,
  KinesisStreamHandler,
  S3Event,
  S3Handler,
  S3NotificationEventBridgeHandler,
  S3ObjectCreatedNotificationEventDetail,
  SNSEvent,
  SNSHandler,
  SQSEvent,
  SQSHandler,
  SQSRecord,
} from 'aws-lambda';
import { expectTypeOf } from 'vitest';
import {
  type FromLambdaDefaultSource,
  type FromLambdaEvent,
  type FromLambdaHandler,
  type FromLambdaOptions,
  type FromLambdaSource,
  fromLambda,
  type PipedKinesisRecord,
  type S3EventBridgeEvent,
} from './index.js';

declare const sqs: SQSHandler;
declare const sns: SNSHandler;
declare const kinesis: KinesisStreamHandler;
declare const dynamodb: DynamoDBStreamHandler;
declare const s3: S3Handler;
declare const s3ViaEventBridge: S3NotificationEventBridgeHandler;
declare const created: EventBridgeHandler<'Object Created', S3ObjectCreatedNotificationEventDetail, void>;
declare const piped: (records: SQSRecord[]) => Promise<void>;
declare const pipedKinesis: (records: PipedKinesisRecord[]) => Promise<void>;
declare const pipedDynamodb: (records: DynamoDBRecord[]) => Promise<void>;
declare const either: (event: SQSEvent | SNSEvent) => Promise<void>;

// The sources of each kind, and the default of each.
expectTypeOf<FromLambdaSource<'queue'>>().toEqualTypeOf<'sqs' | 'sns' | 'pipe'>();
expectTypeOf<FromLambdaSource<'stream'>>().toEqualTypeOf<'kinesis' | 'dynamodb' | 'pipe-kinesis' | 'pipe-dynamodb'>();
expectTypeOf<FromLambdaSource<'changes'>>().toEqualTypeOf<'dynamodb' | 'pipe'>();
expectTypeOf<FromLambdaSource<'storage'>>().toEqualTypeOf<'s3' | 's3-eventbridge'>();
expectTypeOf<FromLambdaSource<'schedule' | 'events'>>().toBeNever();
expectTypeOf<FromLambdaDefaultSource<'queue'>>().toEqualTypeOf<'sqs'>();
expectTypeOf<FromLambdaDefaultSource<'storage'>>().toEqualTypeOf<'s3'>();

// The event of each source.
expectTypeOf<FromLambdaEvent<'queue'>>().toEqualTypeOf<SQSEvent>();
expectTypeOf<FromLambdaEvent<'queue', 'sns'>>().toEqualTypeOf<SNSEvent>();
expectTypeOf<FromLambdaEvent<'queue', 'pipe'>>().toEqualTypeOf<SQSRecord[]>();
expectTypeOf<FromLambdaEvent<'stream'>>().toEqualTypeOf<KinesisStreamEvent>();
expectTypeOf<FromLambdaEvent<'stream', 'dynamodb'>>().toEqualTypeOf<DynamoDBStreamEvent>();
expectTypeOf<FromLambdaEvent<'stream', 'pipe-kinesis'>>().toEqualTypeOf<PipedKinesisRecord[]>();
expectTypeOf<FromLambdaEvent<'stream', 'pipe-dynamodb'>>().toEqualTypeOf<DynamoDBRecord[]>();
expectTypeOf<FromLambdaEvent<'changes', 'pipe'>>().toEqualTypeOf<DynamoDBRecord[]>();
expectTypeOf<FromLambdaEvent<'storage'>>().toEqualTypeOf<S3Event>();
expectTypeOf<FromLambdaEvent<'storage', 's3-eventbridge'>>().toEqualTypeOf<S3EventBridgeEvent>();
expectTypeOf<FromLambdaEvent<'queue', 'sqs' | 'sns'>>().toEqualTypeOf<SQSEvent | SNSEvent>();

// An inline handler gets the event of its source.
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<SNSEvent>(), { kind: 'queue', source: 'sns' });
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<SQSRecord[]>(), { kind: 'queue', source: 'pipe' });
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<DynamoDBStreamEvent>(), {
  kind: 'stream',
  source: 'dynamodb',
});
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<PipedKinesisRecord[]>(), {
  kind: 'stream',
  source: 'pipe-kinesis',
});
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<DynamoDBRecord[]>(), {
  kind: 'stream',
  source: 'pipe-dynamodb',
});
fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<DynamoDBRecord[]>(), { kind: 'changes', source: 'pipe' });
fromLambda(async (event) => expectTypeOf(event.detail.object.key).toEqualTypeOf<string>(), {
  kind: 'storage',
  source: 's3-eventbridge',
});

// A handler of a shape compiles with the source of that shape, options of the kind beside it.
expectTypeOf(fromLambda(sns, { kind: 'queue', name: 'orders', source: 'sns' }).kind).toEqualTypeOf<'queue'>();
fromLambda(piped, { kind: 'queue', source: 'pipe' });
fromLambda(sqs, { kind: 'queue', source: 'sqs' });
fromLambda(sqs, { kind: 'queue' });
fromLambda(kinesis, { kind: 'stream' });
fromLambda(dynamodb, { kind: 'stream', source: 'dynamodb' });
fromLambda(pipedKinesis, { kind: 'stream', source: 'pipe-kinesis' });
fromLambda(pipedDynamodb, { kind: 'stream', source: 'pipe-dynamodb' });
fromLambda(dynamodb, { kind: 'changes' });
fromLambda(pipedDynamodb, { kind: 'changes', source: 'pipe' });
fromLambda(s3, { kind: 'storage', bucket: 'uploads' });
fromLambda(s3ViaEventBridge, { kind: 'storage', source: 's3-eventbridge' });
fromLambda(created, { kind: 'storage', source: 's3-eventbridge' });
// A handler of a union that holds the source's event, or of anything, fits any source.
fromLambda(either, { kind: 'queue' });
fromLambda(either, { kind: 'queue', source: 'sns' });
fromLambda(async (_event: unknown) => undefined, { kind: 'stream', source: 'pipe-dynamodb' });

// Without the source of its shape, a handler would get the default event off Lambda: no compile.
// @ts-expect-error: an SNS handler needs source: 'sns'
fromLambda(sns, { kind: 'queue' });
// @ts-expect-error: a pipe's SQS records need source: 'pipe'
fromLambda(piped, { kind: 'queue' });
// @ts-expect-error: an SQS handler is no SNS handler
fromLambda(sqs, { kind: 'queue', source: 'sns' });
// @ts-expect-error: a DynamoDB Streams handler on a stream needs source: 'dynamodb'
fromLambda(dynamodb, { kind: 'stream' });
// @ts-expect-error: a Kinesis handler is no DynamoDB Streams handler
fromLambda(kinesis, { kind: 'stream', source: 'dynamodb' });
// @ts-expect-error: a pipe's Kinesis records need source: 'pipe-kinesis'
fromLambda(pipedKinesis, { kind: 'stream' });
// @ts-expect-error: nor are they a pipe's DynamoDB records
fromLambda(pipedKinesis, { kind: 'stream', source: 'pipe-dynamodb' });
// @ts-expect-error: a pipe's DynamoDB records as changes need source: 'pipe'
fromLambda(pipedDynamodb, { kind: 'changes' });
// @ts-expect-error: an S3 EventBridge handler needs source: 's3-eventbridge'
fromLambda(s3ViaEventBridge, { kind: 'storage' });
// @ts-expect-error: an S3 notification handler is no EventBridge one
fromLambda(s3, { kind: 'storage', source: 's3-eventbridge' });
// @ts-expect-error: an inline handler reads its event as the one its source gives
fromLambda(async (event) => event.Records, { kind: 'queue', source: 'pipe' });

// A source of another kind, or for a kind without sources, does not compile.
// @ts-expect-error: 'sns' is a queue source
fromLambda(async () => undefined, { kind: 'stream', source: 'sns' });
// @ts-expect-error: 'apigw-v1' is an http source
fromLambda(async () => undefined, { kind: 'queue', source: 'apigw-v1' });
// @ts-expect-error: a schedule has no source
fromLambda(async () => undefined, { kind: 'schedule', source: 'scheduled' });
// An events function's source is its filter.
fromLambda(async () => undefined, { kind: 'events', source: 'shop.orders' });

// The named types take the source too.
const subscriber: FromLambdaHandler<'queue', 'sns'> = async (event) => void event.Records[0]?.Sns.Message;
const options: FromLambdaOptions<'queue', 'sns'> = { kind: 'queue', name: 'orders', source: 'sns' };
fromLambda(subscriber, { kind: 'queue', source: 'sns' });
fromLambda(subscriber, options);
expectTypeOf(options.source).toEqualTypeOf<'sns' | undefined>();

// Options typed without a source are the default source's: an inline handler gets its event,
// and a handler written for another source does not compile with them.
const sqsOptions: FromLambdaOptions<'queue'> = { kind: 'queue', name: 'orders' };
fromLambda(async (event) => void event.Records[0]?.body, sqsOptions);
const kinesisOptions: FromLambdaOptions<'stream'> = { kind: 'stream', name: 'clicks' };
fromLambda(async (event) => void event.Records[0]?.kinesis.data, kinesisOptions);
const s3Options: FromLambdaOptions<'storage'> = { kind: 'storage', bucket: 'b' };
fromLambda(async (event) => void event.Records[0]?.s3.object.key, s3Options);
const httpOptions: FromLambdaOptions<'http'> = { kind: 'http' };
fromLambda(async (event) => ({ statusCode: 200, body: event.rawPath }), httpOptions);
// @ts-expect-error: an SNS handler with options for the default (SQS) source
fromLambda(subscriber, sqsOptions);
// @ts-expect-error: options typed without a source are the default source's
const _restOptions: FromLambdaOptions<'http'> = { kind: 'http', source: 'apigw-v1' };
