/**
 * `toLambda(fn)`: the Lambda entry point of a portable function. It detects the event source,
 * checks that the function kind accepts it, maps it with that source's processor, runs core
 * (`runHttp`, `runBatch`, `runEvent`) and maps the outcome back to what Lambda expects.
 */
import {
  type BatchItem,
  type BatchResult,
  endContext,
  type Kind,
  runBatch,
  runEvent,
  runHttp,
  type SkyportFunction,
} from '@skyport/core';
import { contextFor } from './context.js';
import { detectAwsEvent } from './detect.js';
import { dynamodbChanges, dynamodbStream } from './dynamodb.js';
import { cloudEventFromEventBridge, scheduleTickFromEventBridge } from './eventbridge.js';
import { fromAlb, isMultiValueAlb, toAlb } from './http/alb.js';
import { fromApiGatewayV1, toApiGatewayV1 } from './http/apigw-v1.js';
import { fromApiGatewayV2, toApiGatewayV2 } from './http/apigw-v2.js';
import { kinesisRecords } from './kinesis.js';
import { guarded, mapRecords, type RecordMapper } from './records.js';
import { s3FromEventBridge, s3Records } from './s3.js';
import { snsRecords } from './sns.js';
import { sqsRecords } from './sqs.js';
import type { AwsSource, LambdaContext, LambdaHandler, ToLambdaOptions } from './types.js';
import { awsError, guard, type Obj, obj } from './util.js';

/**
 * The event sources each function kind accepts.
 *
 * @example
 * acceptedSources.queue; // ['sqs', 'sns']
 */
export const acceptedSources: Readonly<Record<Kind, readonly AwsSource[]>> = {
  http: ['apigw-v2', 'function-url', 'apigw-v1', 'alb'],
  queue: ['sqs', 'sns'],
  stream: ['kinesis', 'dynamodb'],
  changes: ['dynamodb'],
  storage: ['s3', 's3-eventbridge'],
  schedule: ['scheduled'],
  events: ['eventbridge', 'scheduled', 's3-eventbridge'],
};

function describe(event: unknown): string {
  const o = obj(event);
  if (!o) return event === null ? 'null' : Array.isArray(event) ? 'an array' : `a ${typeof event}`;
  const keys = Object.keys(o).slice(0, 6);
  return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
}

function rejectEvent(kind: Kind, source: AwsSource, event: unknown): never {
  const accepts = acceptedSources[kind].join(', ');
  if (source === 'unknown' || source === 'apigw-authorizer') {
    const what =
      source === 'unknown' ? `an event it does not recognise (${describe(event)})` : 'an API Gateway authorizer event';
    throw awsError(
      'UNKNOWN_EVENT',
      `toLambda(${kind} function) got ${what}; ${kind} functions accept ${accepts}`,
      kind,
      source,
    );
  }
  throw awsError(
    'KIND_MISMATCH',
    `the ${kind} function cannot handle the ${source} event; ${kind} functions accept ${accepts}`,
    kind,
    source,
  );
}

function isEmptyObject(event: unknown): boolean {
  const o = obj(event);
  return o !== undefined && Object.keys(o).length === 0;
}

function batchResponse(result: BatchResult) {
  return { batchItemFailures: result.failures.map((failure) => ({ itemIdentifier: failure.id })) };
}

/** Throws the error of the first failed message (async sources retry the whole invocation). */
function throwFirstFailure(result: BatchResult): void {
  const first = result.failures[0];
  if (first !== undefined) throw first.error;
}

/**
 * Turns a portable function into a Lambda handler for every event source its kind accepts
 * (see `acceptedSources`). HTTP never throws: errors become problem+json responses. Batches
 * answer `batchItemFailures` naming exactly the messages to retry. An event the function
 * cannot take throws a `SkyportError` naming the function kind and the detected source.
 *
 * @example
 * import { toLambda } from '@skyport/aws';
 * import { createOrder, fulfilOrder } from './functions.js';
 * export const api = toLambda(createOrder);
 * export const worker = toLambda(fulfilOrder); // SQS with ReportBatchItemFailures
 */
export function toLambda<K extends Kind>(fn: SkyportFunction<K>, options: ToLambdaOptions = {}): LambdaHandler<K> {
  const kind: Kind = fn.kind;
  const report = options.reportBatchItemFailures ?? true;
  const unwrapSns = options.unwrapSns ?? fn.options.aws?.unwrapSns === true;
  const sqs = sqsRecords(unwrapSns);
  const safe = guarded(fn) as unknown as SkyportFunction;
  const anyFn = fn as unknown as SkyportFunction;
  const fallbackName = options.functionName;

  const batch = async <E>(
    event: Obj,
    source: AwsSource,
    mapper: RecordMapper<E>,
    lambda: LambdaContext,
    reportable: boolean,
  ) => {
    const items = guard(kind, source, () => mapRecords(event, kind, source, mapper));
    const ctx = contextFor(kind, lambda, fallbackName);
    let result: BatchResult;
    try {
      result = await runBatch(safe, items as BatchItem<never>[], ctx);
    } finally {
      endContext(ctx);
    }
    if (reportable && report) return batchResponse(result);
    throwFirstFailure(result);
    return reportable ? batchResponse(result) : undefined;
  };

  const single = async (lambda: LambdaContext, event: () => unknown, source: AwsSource) => {
    const portable = guard(kind, source, event);
    await runEvent(anyFn, portable as never, contextFor(kind, lambda, fallbackName));
    return undefined;
  };

  const scheduleName = (lambda: LambdaContext): string => {
    const name = (fn.options as { name?: unknown }).name ?? fallbackName ?? obj(lambda)?.functionName;
    return typeof name === 'string' ? name : 'schedule';
  };

  // HTTP answers through one promise chain (no extra async frame): it is the hot path.
  const httpHandler = (event: unknown, lambda: LambdaContext): Promise<unknown> => {
    try {
      const source = detectAwsEvent(event);
      const e = event as Obj;
      const http = fn as unknown as SkyportFunction<'http'>;
      if (source === 'apigw-v2' || source === 'function-url') {
        const init = guard(kind, source, () => fromApiGatewayV2(e));
        return runHttp(http, init, contextFor(kind, lambda, fallbackName)).then(toApiGatewayV2);
      }
      if (source === 'apigw-v1') {
        const init = guard(kind, source, () => fromApiGatewayV1(e));
        return runHttp(http, init, contextFor(kind, lambda, fallbackName)).then(toApiGatewayV1);
      }
      if (source === 'alb') {
        const init = guard(kind, source, () => fromAlb(e));
        const multi = isMultiValueAlb(e);
        return runHttp(http, init, contextFor(kind, lambda, fallbackName)).then((res) => toAlb(res, multi));
      }
      return rejectEvent(kind, source, event);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const handler = async (event: unknown, lambda: LambdaContext): Promise<unknown> => {
    const source = detectAwsEvent(event);
    const e = event as Obj;
    if (!acceptedSources[kind].includes(source)) {
      // EventBridge Scheduler sends the target input as is; with none configured that is `{}`.
      if (kind === 'schedule' && isEmptyObject(event)) {
        return single(lambda, () => scheduleTickFromEventBridge({}, scheduleName(lambda)), source);
      }
      return rejectEvent(kind, source, event);
    }
    switch (source) {
      case 'sqs':
        return batch(e, source, sqs, lambda, true);
      case 'sns':
        return batch(e, source, snsRecords, lambda, false);
      case 'kinesis':
        return batch(e, source, kinesisRecords, lambda, true);
      case 'dynamodb':
        if (kind === 'changes') return batch(e, source, dynamodbChanges, lambda, true);
        return batch(e, source, dynamodbStream, lambda, true);
      case 's3':
        return batch(e, source, s3Records, lambda, false);
      case 's3-eventbridge':
        if (kind === 'storage') return single(lambda, () => s3FromEventBridge(e), source);
        return single(lambda, () => cloudEventFromEventBridge(e), source);
      case 'scheduled':
        if (kind === 'schedule')
          return single(lambda, () => scheduleTickFromEventBridge(e, scheduleName(lambda)), source);
        return single(lambda, () => cloudEventFromEventBridge(e), source);
      default:
        return single(lambda, () => cloudEventFromEventBridge(e), source);
    }
  };
  return (kind === 'http' ? httpHandler : handler) as unknown as LambdaHandler<K>;
}
