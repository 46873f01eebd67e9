/**
 * Public types of `@skyport/aws`: the event sources it recognises, the Lambda event and result
 * types each function kind accepts and returns, and the options of `toLambda` / `fromLambda`.
 */
import type { Kind, KindOptions } from '@skyport/core';
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  Callback,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  KinesisStreamRecordPayload,
  Context as LambdaContext,
  S3Event,
  S3ObjectCreatedNotificationEvent,
  S3ObjectDeletedNotificationEvent,
  ScheduledEvent,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

/**
 * The Lambda context (`@types/aws-lambda` `Context`).
 *
 * @example
 * const context: LambdaContext = createLambdaContext();
 */
export type { LambdaContext };

/**
 * The event sources `detectAwsEvent()` tells apart.
 *
 * @example
 * const source: AwsSource = detectAwsEvent(event);
 */
export type AwsSource =
  | 'apigw-v1'
  | 'apigw-v2'
  | 'function-url'
  | 'alb'
  | 'sqs'
  | 'sns'
  | 's3'
  | 's3-eventbridge'
  | 'eventbridge'
  | 'scheduled'
  | 'kinesis'
  | 'dynamodb'
  | 'apigw-authorizer'
  | 'unknown';

/**
 * What `toLambda` answers an HTTP event with: the REST API result for API Gateway REST (and HTTP
 * API payload 1.0), the payload 2.0 result for HTTP APIs and Function URLs, the ALB result (with
 * `statusDescription`, in the header mode of the request) for a load balancer. Every one has a
 * numeric `statusCode`, a `body` (`''` when there is none) and `isBase64Encoded`, so the type fits
 * each source's own result type (`APIGatewayProxyResult`, `APIGatewayProxyResultV2`,
 * `LambdaFunctionURLResult`, `ALBResult`).
 *
 * @example
 * const result: LambdaHttpResult = { statusCode: 204, headers: {}, body: '', isBase64Encoded: false };
 */
export interface LambdaHttpResult {
  statusCode: number;
  /** ALB only: the status line, `404 Not Found`. */
  statusDescription?: string;
  /** Absent only for an ALB with multi-value headers turned on, which gets `multiValueHeaders`. */
  headers?: Record<string, string>;
  /** `Set-Cookie` of a REST API result; every header of a multi-value ALB result. */
  multiValueHeaders?: Record<string, string[]>;
  /** HTTP API payload 2.0 and Function URLs: the `Set-Cookie` values. */
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The batch response of SQS, Kinesis and DynamoDB Streams (needs `ReportBatchItemFailures`).
 *
 * @example
 * const result: LambdaBatchResult = { batchItemFailures: [{ itemIdentifier: 'm-2' }] };
 */
export type LambdaBatchResult = SQSBatchResponse | KinesisStreamBatchResponse | DynamoDBBatchResponse;

/**
 * A Kinesis record as EventBridge Pipes hands it to a Lambda target: the fields Lambda nests
 * under `kinesis` are the record's own.
 *
 * @example
 * const record: PipedKinesisRecord = { ...envelope, partitionKey: '1', sequenceNumber: '4959...', data: 'e30=', kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 1545084650.987 };
 */
export type PipedKinesisRecord = Omit<KinesisStreamRecord, 'kinesis'> & KinesisStreamRecordPayload;

/**
 * The AWS events a function of kind `K` accepts. The arrays are batches from EventBridge Pipes,
 * which sends a Lambda target its source's records as a bare array. A schedule function also
 * takes any other JSON object: the input an EventBridge Scheduler target was configured with.
 *
 * @example
 * type QueueEvent = AwsEvents['queue']; // SQSEvent | SNSEvent | SQSRecord[]
 */
export interface AwsEvents {
  http: APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;
  queue: SQSEvent | SNSEvent | SQSRecord[];
  stream: KinesisStreamEvent | DynamoDBStreamEvent | PipedKinesisRecord[] | DynamoDBRecord[];
  changes: DynamoDBStreamEvent | DynamoDBRecord[];
  storage: S3Event | EventBridgeEvent<'Object Created' | 'Object Deleted', unknown>;
  schedule: ScheduledEvent | Readonly<Record<string, unknown>>;
  events: EventBridgeEvent<string, unknown>;
}

/**
 * What the Lambda handler of a function of kind `K` returns (`undefined` for SNS, and for a
 * stream batch from EventBridge Pipes, whose failures fail the invocation).
 *
 * @example
 * type QueueResult = AwsResults['queue']; // SQSBatchResponse | undefined
 */
export interface AwsResults {
  http: LambdaHttpResult;
  queue: SQSBatchResponse | undefined;
  stream: KinesisStreamBatchResponse | DynamoDBBatchResponse | undefined;
  changes: DynamoDBBatchResponse | undefined;
  storage: undefined;
  schedule: undefined;
  events: undefined;
}

/**
 * The Lambda handler of a function of kind `K`: what `toLambda()` returns for every kind but
 * queue (see `LambdaHandler`). An interface of `@skyport/aws`, so the declarations TypeScript
 * emits for `export const handler = toLambda(fn)` name it, not the `@types/aws-lambda` events
 * in it, which a project with isolated installs (pnpm, npm `--install-strategy=linked`) cannot
 * reach.
 *
 * @example
 * export const handler: LambdaKindHandler<'http'> = toLambda(getOrder);
 */
export interface LambdaKindHandler<K extends Kind = Kind> {
  // biome-ignore lint/style/useShorthandFunctionType: an interface, so emitted declarations always name it
  (event: AwsEvents[K], context: LambdaContext): Promise<AwsResults[K]>;
}

/**
 * The Lambda handler of a queue function: it takes SQS (answering `batchItemFailures`) and
 * answers an SNS event with nothing (SNS invokes asynchronously and reads no result), so it is
 * both an `SQSHandler` and an `SNSHandler`.
 *
 * @example
 * export const worker: LambdaQueueHandler = toLambda(fulfilOrder);
 */
export interface LambdaQueueHandler extends LambdaKindHandler<'queue'> {
  (event: SNSEvent, context: LambdaContext): Promise<undefined>;
}

/**
 * The Lambda handler `toLambda()` returns for a function of kind `K`: a `LambdaQueueHandler` for
 * a queue function, which is also an `SNSHandler`, and a `LambdaKindHandler<K>` for any other.
 *
 * @example
 * export const handler: LambdaHandler<'http'> = toLambda(getOrder);
 */
export type LambdaHandler<K extends Kind = Kind> = [K] extends ['queue'] ? LambdaQueueHandler : LambdaKindHandler<K>;

/**
 * Options of `toLambda()`.
 *
 * @example
 * export const worker = toLambda(fulfilOrder, { reportBatchItemFailures: false });
 */
export interface ToLambdaOptions {
  /**
   * Return `batchItemFailures` for SQS, Kinesis and DynamoDB Streams (default true). The event
   * source mapping must have `FunctionResponseTypes: ["ReportBatchItemFailures"]`; without it
   * Lambda ignores the response and deletes every message, so set this to `false` there: the
   * invocation then fails as a whole when any message fails.
   */
  readonly reportBatchItemFailures?: boolean | undefined;
  /**
   * Unwrap SNS notifications delivered through an SQS subscription (without raw message
   * delivery): the message body becomes the SNS `Message` and its attributes the SNS ones.
   * Also read from the function's `aws.unwrapSns` option. Default false.
   */
  readonly unwrapSns?: boolean | undefined;
  /** The function name used when the Lambda context does not give one. */
  readonly functionName?: string | undefined;
  /**
   * For an http function behind API Gateway: how long the gateway waits for the function, in
   * milliseconds. `ctx.deadline` (so `timeout()` and `ctx.signal`) is the sooner of the Lambda
   * timeout and this long after the gateway received the request, since past it the client has
   * the gateway's 504 whatever the function does. Default 29000 for a REST API (set it when you
   * raised a Regional or private API's integration timeout) and 30000 for an HTTP API (its most).
   * Function URLs and load balancers have no such limit.
   */
  readonly integrationTimeoutMs?: number | undefined;
  /**
   * For an http function: answer through Lambda response streaming (a Function URL with
   * `InvokeMode: RESPONSE_STREAM`, or a REST API integration with `responseTransferMode: STREAM`).
   * The handler is then marked with `awslambda.streamifyResponse` and sends the status, headers
   * and cookies first, then the content of an `http({ stream: true })` function as it is
   * produced (any other answer whole, up to the streaming limit rather than 6 MB). HTTP APIs and
   * ALBs cannot stream: their events are refused. Where the Lambda runtime's `awslambda` global
   * is absent (tests, `invokeLambda`, the CLI) the handler is the buffered one. Other function
   * kinds refuse it with `INVALID_DEFINITION`. Default false.
   */
  readonly stream?: boolean | undefined;
}

/**
 * The HTTP events a handler wrapped with `fromLambda(handler, { kind: 'http', source })` can be
 * written for: `'apigw-v2'` HTTP API payload 2.0 (and Function URLs, whose events have the same
 * shape), `'apigw-v1'` a REST API proxy event (and HTTP API payload 1.0), `'alb'` a load
 * balancer event.
 *
 * @example
 * const source: HttpEventSource = 'apigw-v1';
 */
export type HttpEventSource = 'apigw-v2' | 'apigw-v1' | 'alb';

/**
 * The event an http handler wrapped by `fromLambda` gets for each `source`: off Lambda the event
 * synthesised for it, on Lambda the one its API sends.
 *
 * @example
 * type RestEvent = HttpSourceEvents['apigw-v1']; // APIGatewayProxyEvent
 */
export interface HttpSourceEvents {
  'apigw-v2': APIGatewayProxyEventV2;
  'apigw-v1': APIGatewayProxyEvent;
  alb: ALBEvent;
}

/**
 * The events a queue handler wrapped with `fromLambda(handler, { kind: 'queue', source })` can be
 * written for: `'sqs'` an SQS event (the default), `'sns'` an SNS event, `'pipe'` the bare array
 * of SQS records an EventBridge Pipe sends its Lambda target.
 *
 * @example
 * type SnsEvent = QueueSourceEvents['sns']; // SNSEvent
 */
export interface QueueSourceEvents {
  sqs: SQSEvent;
  sns: SNSEvent;
  pipe: SQSRecord[];
}

/**
 * The events a stream handler wrapped with `fromLambda(handler, { kind: 'stream', source })` can
 * be written for: `'kinesis'` a Kinesis event (the default), `'dynamodb'` a DynamoDB Streams
 * event, `'pipe-kinesis'` and `'pipe-dynamodb'` the bare arrays of records an EventBridge Pipe
 * sends its Lambda target from a Kinesis stream (flattened records) or a DynamoDB stream.
 *
 * @example
 * type Piped = StreamSourceEvents['pipe-kinesis']; // PipedKinesisRecord[]
 */
export interface StreamSourceEvents {
  kinesis: KinesisStreamEvent;
  dynamodb: DynamoDBStreamEvent;
  'pipe-kinesis': PipedKinesisRecord[];
  'pipe-dynamodb': DynamoDBRecord[];
}

/**
 * The events a changes handler wrapped with `fromLambda(handler, { kind: 'changes', source })`
 * can be written for: `'dynamodb'` a DynamoDB Streams event (the default), `'pipe'` the bare
 * array of DynamoDB Streams records an EventBridge Pipe sends its Lambda target.
 *
 * @example
 * type Piped = ChangesSourceEvents['pipe']; // DynamoDBRecord[]
 */
export interface ChangesSourceEvents {
  dynamodb: DynamoDBStreamEvent;
  pipe: DynamoDBRecord[];
}

/**
 * An S3 event delivered by EventBridge that a storage function takes: `Object Created` or
 * `Object Deleted`.
 *
 * @example
 * const handler = async (event: S3EventBridgeEvent) => event.detail.object.key;
 */
export type S3EventBridgeEvent = S3ObjectCreatedNotificationEvent | S3ObjectDeletedNotificationEvent;

/**
 * The events a storage handler wrapped with `fromLambda(handler, { kind: 'storage', source })`
 * can be written for: `'s3'` an S3 event notification (the default), `'s3-eventbridge'` an S3
 * event delivered by EventBridge.
 *
 * @example
 * type ViaEventBridge = StorageSourceEvents['s3-eventbridge']; // S3EventBridgeEvent
 */
export interface StorageSourceEvents {
  s3: S3Event;
  's3-eventbridge': S3EventBridgeEvent;
}

/**
 * The events a handler wrapped by `fromLambda` can be written for, by kind and `source`: off
 * Lambda the event synthesised for it is of that shape. Schedule and events functions take no
 * `source` of this kind (an events function's `source` is its filter).
 *
 * @example
 * type SnsEvent = FromLambdaSourceEvents['queue']['sns']; // SNSEvent
 */
export interface FromLambdaSourceEvents {
  http: HttpSourceEvents;
  queue: QueueSourceEvents;
  stream: StreamSourceEvents;
  changes: ChangesSourceEvents;
  storage: StorageSourceEvents;
}

/**
 * The `source` values `fromLambda` takes for kind `K` (none for schedule and events functions).
 *
 * @example
 * const source: FromLambdaSource<'queue'> = 'sns'; // 'sqs' | 'sns' | 'pipe'
 */
export type FromLambdaSource<K extends Kind = Kind> = K extends keyof FromLambdaSourceEvents
  ? keyof FromLambdaSourceEvents[K]
  : never;

/**
 * The `source` of each kind when `fromLambda` is given none.
 *
 * @example
 * type QueueDefault = FromLambdaDefaultSources['queue']; // 'sqs'
 */
export interface FromLambdaDefaultSources {
  http: 'apigw-v2';
  queue: 'sqs';
  stream: 'kinesis';
  changes: 'dynamodb';
  storage: 's3';
}

/**
 * The `source` of kind `K` when `fromLambda` is given none (see `FromLambdaDefaultSources`).
 *
 * @example
 * type StreamDefault = FromLambdaDefaultSource<'stream'>; // 'kinesis'
 */
export type FromLambdaDefaultSource<K extends Kind = Kind> = FromLambdaSource<K> &
  (K extends keyof FromLambdaDefaultSources ? FromLambdaDefaultSources[K] : never);

/**
 * The event a handler wrapped by `fromLambda` gets for each kind with its default `source`: off
 * Lambda the event synthesised for it, on Lambda the event of the kind's usual source (one record
 * at a time). The event of another `source` is in `FromLambdaSourceEvents`.
 *
 * @example
 * type QueueEvent = FromLambdaEvents['queue']; // SQSEvent
 */
export interface FromLambdaEvents {
  http: HttpSourceEvents[HttpEventSource];
  queue: SQSEvent;
  stream: KinesisStreamEvent;
  changes: DynamoDBStreamEvent;
  storage: S3Event;
  schedule: ScheduledEvent;
  events: EventBridgeEvent<string, unknown>;
}

/**
 * What else a handler wrapped by `fromLambda` can be typed for, beside the event of its kind and
 * `source`: for a schedule, the input an EventBridge Scheduler target was configured with, which
 * it gets as it is on Lambda. Every other event shape has its own `source` (see
 * `FromLambdaSourceEvents`), so that off Lambda the handler gets the event it was written for.
 *
 * @example
 * type SchedulerInput = FromLambdaOtherEvents['schedule']; // Readonly<Record<string, unknown>>
 */
export interface FromLambdaOtherEvents {
  http: never;
  queue: never;
  stream: never;
  changes: never;
  storage: never;
  schedule: Readonly<Record<string, unknown>>;
  events: never;
}

/**
 * The event a handler wrapped with `fromLambda(handler, { kind, source })` is typed with when it
 * declares none (see `FromLambdaSourceEvents` and `FromLambdaEvents`).
 *
 * @example
 * type RestEvent = FromLambdaEvent<'http', 'apigw-v1'>; // APIGatewayProxyEvent
 * type SnsEvent = FromLambdaEvent<'queue', 'sns'>; // SNSEvent
 */
export type FromLambdaEvent<
  K extends Kind,
  TSource extends FromLambdaSource<K> = FromLambdaDefaultSource<K>,
> = K extends keyof FromLambdaSourceEvents
  ? TSource extends keyof FromLambdaSourceEvents[K]
    ? FromLambdaSourceEvents[K][TSource]
    : never
  : FromLambdaEvents[K];

/**
 * A Lambda handler as written for the Node.js runtime: `async (event, context)`,
 * `(event, context, callback)`, or `(event, context)` calling `context.succeed`.
 *
 * @example
 * const legacy: LegacyHandler<SQSEvent, SQSBatchResponse> = async (event) => ({ batchItemFailures: [] });
 */
export type LegacyHandler<TEvent = never, TResult = unknown> = (
  event: TEvent,
  context: LambdaContext,
  callback: Callback<TResult>,
) => // biome-ignore lint/suspicious/noConfusingVoidType: callback-style handlers return nothing
void | TResult | Promise<TResult>;

/** `true` when some one of `TCandidates` is a `TEvent` (`boolean` when some are and some not). */
type SomeIs<TCandidates, TEvent> = TCandidates extends TEvent ? true : false;

/**
 * The handler `fromLambda` takes for `kind` and `source`, typed for an event `TEvent`: a handler
 * that takes the event of the kind and source (`FromLambdaEvent<K, TSource>`, or for a schedule
 * also `FromLambdaOtherEvents['schedule']`): `APIGatewayProxyHandlerV2` for HTTP API, `SQSHandler`
 * for a queue, `SNSHandler` for a queue with `source: 'sns'`, a handler of `unknown` or of a
 * union that includes the event; or one written for a narrower event (a JWT authorizer's HTTP API
 * event, an `EventBridgeHandler` of one detail type). A handler written for another event (a REST
 * API handler for HTTP API, an SNS handler for the default SQS source, an SQS handler for http)
 * is typed for `FromLambdaEvent<K, TSource>` instead, which it does not fit: off Lambda it would
 * get an event of another shape.
 *
 * @example
 * const worker: FromLambdaHandler<'queue'> = async (event) => void event.Records[0]?.body;
 * const subscriber: FromLambdaHandler<'queue', 'sns'> = async (event) => void event.Records[0]?.Sns.Message;
 */
export type FromLambdaHandler<
  K extends Kind,
  TSource extends FromLambdaSource<K> = FromLambdaDefaultSource<K>,
  TEvent = FromLambdaEvent<K, TSource>,
> =
  true extends SomeIs<FromLambdaEvent<K, TSource> | FromLambdaOtherEvents[K], TEvent>
    ? LegacyHandler<TEvent>
    : [TEvent] extends [FromLambdaEvent<K, TSource> | FromLambdaOtherEvents[K]]
      ? LegacyHandler<TEvent>
      : LegacyHandler<FromLambdaEvent<K, TSource>>;

/**
 * Options of `fromLambda`: the kind, plus that kind's definition options (defaults: queue and
 * stream `name: 'lambda'`, changes `collection: 'lambda'`, storage `bucket: '*'`, schedule
 * `cron: '0 0 * * *'`). An http, queue, stream, changes or storage handler also says which event
 * it was written for with `source` (see `FromLambdaSourceEvents`; defaults in
 * `FromLambdaDefaultSources`): off Lambda the event made for it is of that shape. An events
 * function's `source` is its filter (see `EventsOptions`); a schedule function takes none.
 *
 * Options typed without `TSource` are for the kind's default source, as `fromLambda` reads options
 * without a `source`: a handler given them is typed for that source's event, not for a union of
 * every source's. Name another source as the second type argument.
 *
 * @example
 * const options: FromLambdaOptions<'queue'> = { kind: 'queue', name: 'orders' };
 * const rest: FromLambdaOptions<'http', 'apigw-v1'> = { kind: 'http', source: 'apigw-v1' };
 * const subscriber: FromLambdaOptions<'queue', 'sns'> = { kind: 'queue', source: 'sns' };
 */
export type FromLambdaOptions<K extends Kind, TSource extends FromLambdaSource<K> = FromLambdaDefaultSource<K>> = {
  readonly kind: K;
  /** The event the handler was written for (see `FromLambdaSourceEvents`); an events function's filter. */
  readonly source?:
    | (K extends 'events' ? KindOptions['events']['source'] : K extends keyof FromLambdaSourceEvents ? TSource : never)
    | undefined;
} & Partial<KindOptions[K]>;
