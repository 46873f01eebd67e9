/**
 * Public types of `@skyport/aws`: the event sources it recognises, the Lambda event and result
 * types each function kind accepts and returns, and the options of `toLambda` / `fromLambda`.
 */
import type { Kind } from '@skyport/core';
import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
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
 * An HTTP result in any of the shapes the HTTP sources expect.
 *
 * @example
 * const result: LambdaHttpResult = { statusCode: 204, body: '' };
 */
export type LambdaHttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult;

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
 * The Lambda handler `toLambda()` returns for a function of kind `K`.
 *
 * @example
 * export const handler: LambdaHandler<'http'> = toLambda(getOrder);
 */
export type LambdaHandler<K extends Kind = Kind> = (
  event: AwsEvents[K],
  context: LambdaContext,
) => Promise<AwsResults[K]>;

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
