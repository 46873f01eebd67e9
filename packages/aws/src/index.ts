/**
 * Skyport for AWS Lambda: `toLambda(fn)` turns a portable function into a Lambda handler for
 * API Gateway (REST and HTTP API), Function URLs, ALB, SQS, SNS, S3, EventBridge, Kinesis and
 * DynamoDB Streams; `fromLambda(handler, { kind })` wraps an existing Lambda handler as a
 * portable function; `invokeLambda()` runs a function from a raw AWS event;
 * `eventBridgeCron(fn)` gives a schedule function's EventBridge schedule expression.
 */
export type { AttributeValue } from './attribute-value.js';
export { marshall, marshallValue, unmarshall, unmarshallValue } from './attribute-value.js';
export type { LambdaContextInit } from './context.js';
export { contextFor, createLambdaContext } from './context.js';
export { eventBridgeCron } from './cron.js';
export { detectAwsEvent } from './detect.js';
export type { FromLambdaOptions, HttpEventSource, LegacyHandler } from './from-lambda.js';
export { fromLambda } from './from-lambda.js';
export type { InvokeLambdaOptions } from './invoke.js';
export { invokeLambda } from './invoke.js';
export { decodeS3Key } from './s3.js';
export { acceptedSources, toLambda } from './to-lambda.js';
export type * from './types.js';
