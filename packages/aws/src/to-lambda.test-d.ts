/**
 * Type-level tests: `toLambda()` returns a handler type `@skyport/aws` exports by name for every
 * kind (`LambdaKindHandler<K>`, `LambdaQueueHandler` for a queue), so the declarations emitted
 * for `export const handler = toLambda(fn)` name it rather than `@types/aws-lambda`; and that
 * handler still fits the `@types/aws-lambda` handler types of each source its kind accepts.
 */

import type { SkyportFunction } from '@skyport/core';
import type {
  ALBHandler,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  DynamoDBStreamHandler,
  EventBridgeHandler,
  KinesisStreamHandler,
  LambdaFunctionURLHandler,
  S3Handler,
  ScheduledHandler,
  SNSEvent,
  SNSHandler,
  SQSBatchResponse,
  SQSEvent,
  SQSHandler,
} from 'aws-lambda';
import { expectTypeOf } from 'vitest';
import {
  type AwsEvents,
  type AwsResults,
  type LambdaContext,
  type LambdaHandler,
  type LambdaHttpResult,
  type LambdaKindHandler,
  type LambdaQueueHandler,
  toLambda,
} from './index.js';

declare const api: SkyportFunction<'http'>;
declare const worker: SkyportFunction<'queue'>;
declare const clicks: SkyportFunction<'stream'>;
declare const audit: SkyportFunction<'changes'>;
declare const uploads: SkyportFunction<'storage'>;
declare const nightly: SkyportFunction<'schedule'>;
declare const signups: SkyportFunction<'events'>;
declare const any: SkyportFunction;

// Every kind's handler is a named interface.
expectTypeOf(toLambda(api)).toEqualTypeOf<LambdaKindHandler<'http'>>();
expectTypeOf(toLambda(api, { stream: true })).toEqualTypeOf<LambdaKindHandler<'http'>>();
expectTypeOf(toLambda(worker)).toEqualTypeOf<LambdaQueueHandler>();
expectTypeOf(toLambda(clicks)).toEqualTypeOf<LambdaKindHandler<'stream'>>();
expectTypeOf(toLambda(audit)).toEqualTypeOf<LambdaKindHandler<'changes'>>();
expectTypeOf(toLambda(uploads)).toEqualTypeOf<LambdaKindHandler<'storage'>>();
expectTypeOf(toLambda(nightly)).toEqualTypeOf<LambdaKindHandler<'schedule'>>();
expectTypeOf(toLambda(signups)).toEqualTypeOf<LambdaKindHandler<'events'>>();
expectTypeOf(toLambda(any)).toEqualTypeOf<LambdaKindHandler>();

// `LambdaHandler<K>` stays the public name of what toLambda returns.
expectTypeOf<LambdaHandler<'http'>>().toEqualTypeOf<LambdaKindHandler<'http'>>();
expectTypeOf<LambdaHandler<'queue'>>().toEqualTypeOf<LambdaQueueHandler>();
expectTypeOf<LambdaHandler>().toEqualTypeOf<LambdaKindHandler>();
export const typed: LambdaHandler<'http'> = toLambda(api);

// Each takes its kind's events and answers its kind's result; a queue handler answers SNS with nothing.
expectTypeOf(toLambda(api)).parameters.toEqualTypeOf<[AwsEvents['http'], LambdaContext]>();
expectTypeOf(toLambda(api)).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
expectTypeOf(toLambda(clicks)).returns.resolves.toEqualTypeOf<AwsResults['stream']>();
declare const context: LambdaContext;
declare const snsEvent: SNSEvent;
declare const sqsEvent: SQSEvent;
expectTypeOf(toLambda(worker)(snsEvent, context)).resolves.toEqualTypeOf<undefined>();
expectTypeOf(toLambda(worker)(sqsEvent, context)).resolves.toEqualTypeOf<SQSBatchResponse | undefined>();

// The handler fits the @types/aws-lambda handler types of the sources its kind accepts.
export const rest: APIGatewayProxyHandler = toLambda(api);
export const httpApi: APIGatewayProxyHandlerV2 = toLambda(api);
export const url: LambdaFunctionURLHandler = toLambda(api);
export const loadBalancer: ALBHandler = toLambda(api);
export const fromSqs: SQSHandler = toLambda(worker);
export const fromSns: SNSHandler = toLambda(worker);
export const fromKinesis: KinesisStreamHandler = toLambda(clicks);
export const fromStream: DynamoDBStreamHandler = toLambda(clicks);
export const fromTable: DynamoDBStreamHandler = toLambda(audit);
export const fromS3: S3Handler = toLambda(uploads);
export const fromRule: ScheduledHandler = toLambda(nightly);
export const fromBus: EventBridgeHandler<string, unknown, void> = toLambda(signups);
// @ts-expect-error: a queue function's handler answers no HTTP event
export const wrong: APIGatewayProxyHandler = toLambda(worker);
