import { aws, httpRequest, invoke } from '@skyport/testing';
import type {
  ALBEvent,
  ALBHandler,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyHandlerV2WithJWTAuthorizer,
  APIGatewayProxyResult,
  Callback,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
  EventBridgeEvent,
  EventBridgeHandler,
  KinesisStreamEvent,
  KinesisStreamHandler,
  LambdaFunctionURLHandler,
  S3Event,
  S3Handler,
  ScheduledEvent,
  ScheduledHandler,
  SNSHandler,
  SQSBatchResponse,
  SQSEvent,
  SQSHandler,
  SQSRecord,
} from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromLambda } from './from-lambda.js';
import { toLambda } from './to-lambda.js';
import type {
  FromLambdaEvent,
  FromLambdaHandler,
  HttpEventSource,
  LambdaHttpResult,
  PipedKinesisRecord,
} from './types.js';

// Handlers typed as existing code types them.
const v2: APIGatewayProxyHandlerV2 = async (event) => ({ statusCode: 200, body: event.rawPath });
const v1: APIGatewayProxyHandler = async (event) => ({ statusCode: 200, body: event.path });
const alb: ALBHandler = async (event) => ({ statusCode: 200, body: event.path });
const functionUrl: LambdaFunctionURLHandler = async (event) => event.rawPath;
const jwt: APIGatewayProxyHandlerV2WithJWTAuthorizer = async (event) => event.requestContext.authorizer.jwt.claims;
const sqs: SQSHandler = async (event) => ({
  batchItemFailures: event.Records.filter((record) => record.body === '').map((r) => ({ itemIdentifier: r.messageId })),
});
const sns: SNSHandler = async (event) => void event.Records[0]?.Sns.Message;
const kinesis: KinesisStreamHandler = async (event) => void event.Records[0]?.kinesis.data;
const dynamodb: DynamoDBStreamHandler = async (event) => void event.Records[0]?.dynamodb;
const s3: S3Handler = async (event) => void event.Records[0]?.s3.object.key;
const scheduled: ScheduledHandler = async (event) => void event.time;
const placed: EventBridgeHandler<'OrderPlaced', { id: string }, void> = async (event) => void event.detail.id;

describe('fromLambda types', () => {
  it('types an inline handler with the event its kind and source give it', () => {
    fromLambda(
      async (event) => {
        expectTypeOf(event).toEqualTypeOf<APIGatewayProxyEventV2>();
        return event.rawPath;
      },
      { kind: 'http' },
    );
    fromLambda(
      (event, context, callback) => {
        expectTypeOf(event).toEqualTypeOf<APIGatewayProxyEvent>();
        expectTypeOf(context).toEqualTypeOf<Context>();
        callback(null, { statusCode: 200, body: event.httpMethod });
      },
      { kind: 'http', source: 'apigw-v1' },
    );
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<ALBEvent>(), { kind: 'http', source: 'alb' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<SQSEvent>(), { kind: 'queue', name: 'orders' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<KinesisStreamEvent>(), { kind: 'stream' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<DynamoDBStreamEvent>(), { kind: 'changes' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<S3Event>(), { kind: 'storage' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<ScheduledEvent>(), { kind: 'schedule' });
    fromLambda(async (event) => expectTypeOf(event).toEqualTypeOf<EventBridgeEvent<string, unknown>>(), {
      kind: 'events',
      source: 'shop.orders',
    });
    fromLambda(async (event) => event.Records.length, { kind: 'queue' });
  });

  it('types the event of a source known only as one of several as any of their events', () => {
    const source = 'alb' as HttpEventSource;
    fromLambda(
      async (event) => expectTypeOf(event).toEqualTypeOf<APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent>(),
      { kind: 'http', source },
    );
    expectTypeOf<FromLambdaEvent<'http', 'apigw-v1'>>().toEqualTypeOf<APIGatewayProxyEvent>();
  });

  it('takes the @types/aws-lambda handlers of the events each kind gets', () => {
    expectTypeOf(fromLambda(v2, { kind: 'http' }).kind).toEqualTypeOf<'http'>();
    fromLambda(functionUrl, { kind: 'http', method: 'GET' });
    fromLambda(v1, { kind: 'http', source: 'apigw-v1' });
    fromLambda(alb, { kind: 'http', source: 'alb' });
    // Narrower events: an HTTP API route with a JWT authorizer, one EventBridge detail type.
    fromLambda(jwt, { kind: 'http' });
    fromLambda(placed, { kind: 'events', source: 'shop' });
    fromLambda(sqs, { kind: 'queue', name: 'orders' });
    // The other sources of a kind, each named: SNS, DynamoDB Streams, a pipe's records.
    fromLambda(sns, { kind: 'queue', source: 'sns' });
    fromLambda(async (_event: SQSRecord[]) => undefined, { kind: 'queue', source: 'pipe' });
    fromLambda(kinesis, { kind: 'stream' });
    fromLambda(dynamodb, { kind: 'stream', source: 'dynamodb' });
    fromLambda(async (_event: PipedKinesisRecord[]) => undefined, { kind: 'stream', source: 'pipe-kinesis' });
    fromLambda(dynamodb, { kind: 'changes' });
    fromLambda(async (_event: DynamoDBRecord[]) => undefined, { kind: 'changes', source: 'pipe' });
    fromLambda(s3, { kind: 'storage', bucket: 'uploads' });
    fromLambda(scheduled, { kind: 'schedule' });
    fromLambda(async (_event: { tenant?: string }) => undefined, { kind: 'schedule' });
    fromLambda(scheduled, { kind: 'events' });
    // Handlers of any event, callback style.
    fromLambda((_event: unknown, _context: Context, callback: Callback<APIGatewayProxyResult>) => callback(null), {
      kind: 'http',
    });
    fromLambda((...args: unknown[]) => args.length, { kind: 'queue' });
    fromLambda(() => undefined, { kind: 'storage' });
  });

  it('refuses a handler written for another event', () => {
    // @ts-expect-error: a REST API handler gets a REST API event, not the HTTP API one synthesised by default
    fromLambda(v1, { kind: 'http' });
    // @ts-expect-error: an HTTP API handler is not a REST API one
    fromLambda(v2, { kind: 'http', source: 'apigw-v1' });
    // @ts-expect-error: nor a load balancer one
    fromLambda(v2, { kind: 'http', source: 'alb' });
    // @ts-expect-error: an SQS handler gets no HTTP event
    fromLambda(sqs, { kind: 'http' });
    // @ts-expect-error: an HTTP handler gets no SQS event
    fromLambda(v2, { kind: 'queue' });
    // @ts-expect-error: a Kinesis handler is no queue handler
    fromLambda(kinesis, { kind: 'queue' });
    // @ts-expect-error: a Kinesis handler gets no DynamoDB change
    fromLambda(kinesis, { kind: 'changes' });
    // @ts-expect-error: an SQS handler gets no S3 event
    fromLambda(sqs, { kind: 'storage' });
    // @ts-expect-error: an S3 handler gets no scheduled event
    fromLambda(s3, { kind: 'schedule' });
    // @ts-expect-error: an SQS handler gets no EventBridge event
    fromLambda(sqs, { kind: 'events' });
    // @ts-expect-error: an inline handler reads its event as the one it gets
    fromLambda(async (event) => event.httpMethod, { kind: 'http' });
  });

  it('names the handler type of a kind and source', () => {
    const worker: FromLambdaHandler<'queue'> = async (event) => void event.Records[0]?.body;
    const rest: FromLambdaHandler<'http', 'apigw-v1'> = async (event) => ({ statusCode: 200, body: event.path });
    expectTypeOf(fromLambda(worker, { kind: 'queue' }).kind).toEqualTypeOf<'queue'>();
    expectTypeOf(fromLambda(rest, { kind: 'http', source: 'apigw-v1' }).kind).toEqualTypeOf<'http'>();
  });

  it('gives a REST API handler the REST API event it was written for', async () => {
    // Prepare
    const rest = async (event: APIGatewayProxyEvent) => ({
      statusCode: 200,
      body: `${event.httpMethod} ${event.path}`,
    });
    // Act
    const res = await invoke(
      fromLambda(rest, { kind: 'http', source: 'apigw-v1' }),
      httpRequest({ method: 'GET', path: '/x' }),
    );
    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toBe('GET /x');
  });
});

describe('toLambda types', () => {
  const api = fromLambda(async () => ({ statusCode: 204 }), { kind: 'http' });
  const worker = fromLambda(sqs, { kind: 'queue' });

  it('gives an http function a handler of every HTTP source, answering each with a body', async () => {
    // Prepare
    const rest: APIGatewayProxyHandler = toLambda(api);
    const loadBalancer: ALBHandler = toLambda(api);
    const httpApi: APIGatewayProxyHandlerV2 = toLambda(api);
    const url: LambdaFunctionURLHandler = toLambda(api);
    expectTypeOf(toLambda(api)).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
    expectTypeOf(rest).not.toBeNever();
    expectTypeOf(loadBalancer).not.toBeNever();
    expectTypeOf(httpApi).not.toBeNever();
    expectTypeOf(url).not.toBeNever();
    // Act
    const handler = toLambda(api);
    const results = await Promise.all(
      [aws.apiGatewayV1(), aws.alb(), aws.alb({ multiValue: true }), aws.apiGatewayV2(), aws.functionUrl()].map(
        (event) => handler(event, aws.lambdaContext()),
      ),
    );
    // Assert: what the type says of every result
    for (const result of results) {
      expect(result).toMatchObject({ statusCode: 204, body: '', isBase64Encoded: false });
    }
  });

  it('gives a queue function a handler of SQS and of SNS, answering SNS with nothing', async () => {
    // Prepare
    const fromSqs: SQSHandler = toLambda(worker);
    const fromSns: SNSHandler = toLambda(worker);
    expectTypeOf(fromSqs).not.toBeNever();
    expectTypeOf(fromSns).not.toBeNever();
    // @ts-expect-error: a queue function's handler answers no HTTP event
    const wrong: APIGatewayProxyHandler = toLambda(worker);
    expectTypeOf(wrong).not.toBeNever();
    // Act
    const snsAnswer = toLambda(worker)(aws.sns(), aws.lambdaContext());
    const sqsAnswer = toLambda(worker)(aws.sqs(), aws.lambdaContext());
    // Assert
    expectTypeOf(snsAnswer).resolves.toEqualTypeOf<undefined>();
    expectTypeOf(sqsAnswer).resolves.toEqualTypeOf<SQSBatchResponse | undefined>();
    expect(await snsAnswer).toBeUndefined();
    expect(await sqsAnswer).toEqual({ batchItemFailures: [] });
  });
});
