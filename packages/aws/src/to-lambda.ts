/**
 * `toLambda(fn)`: the Lambda entry point of a portable function. It detects the event source,
 * checks that the function kind accepts it, maps it with that source's processor, runs core
 * (`respond`, `runBatch`, `runEvent`) and maps the outcome back to what Lambda expects. The HTTP
 * sources are mapped here; every other source lives in `event-sources.ts`, which is imported
 * only when a non-HTTP function is wrapped, so loading the package for an API costs less.
 */
import { type HttpRequestInit, type HttpResponse, type Kind, respond, type SkyportFunction } from '@skyport/core';
import { contextFor } from './context.js';
import { detectAwsEvent, isHttpApi, pipesBatch } from './detect.js';
import { dynamodbChanges, dynamodbStream } from './dynamodb.js';
import type { EntryMappers, EventRunner, EventSourceSettings } from './event-sources.js';
import { fromAlb, isMultiValueAlb, toAlb } from './http/alb.js';
import { fromApiGatewayV1, toApiGatewayV1 } from './http/apigw-v1.js';
import { fromApiGatewayV2, toApiGatewayV2 } from './http/apigw-v2.js';
import { s3FromEventBridge, s3Records } from './s3.js';
import type { AwsSource, LambdaContext, LambdaHandler, ToLambdaOptions } from './types.js';
import { awsError, guard, malformed, type Obj, obj } from './util.js';

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

const entryMappers: EntryMappers = { dynamodbChanges, dynamodbStream, s3Records, s3FromEventBridge };

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

/** The request of an HTTP API 2.0 / Function URL event; a malformed one is a `SkyportError`. */
function httpApiInit(kind: Kind, event: Obj): HttpRequestInit {
  try {
    return fromApiGatewayV2(event);
  } catch (error) {
    throw malformed(kind, detectAwsEvent(event), error);
  }
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
  const fallbackName = options.functionName;

  if (kind === 'http') {
    const http = fn as unknown as SkyportFunction<'http'>;
    // Maps a response known synchronously without a promise step of its own.
    const answer = <T>(out: HttpResponse | Promise<HttpResponse>, map: (res: HttpResponse) => T): Promise<T> =>
      out instanceof Promise ? out.then(map) : Promise.resolve(map(out));
    // The REST API (and payload 1.0) and ALB shapes, and anything else, apart from the hot path.
    const otherHttp = (event: unknown, lambda: LambdaContext): Promise<unknown> => {
      const e = event as Obj;
      const source = detectAwsEvent(event);
      if (source === 'apigw-v1') {
        const init = guard(kind, source, () => fromApiGatewayV1(e));
        return answer(respond(http, init, contextFor(kind, lambda, fallbackName)), toApiGatewayV1);
      }
      if (source === 'alb') {
        const init = guard(kind, source, () => fromAlb(e));
        const multi = isMultiValueAlb(e);
        return answer(respond(http, init, contextFor(kind, lambda, fallbackName)), (res) => toAlb(res, multi));
      }
      return rejectEvent(kind, source, event);
    };
    // One promise chain and no extra async frame: this is the hot path, kept small so that
    // core's pipeline is inlined into it.
    const httpHandler = (event: unknown, lambda: LambdaContext): Promise<unknown> => {
      try {
        // HTTP API 2.0 and Function URLs map alike, so the hot shape skips telling them apart
        // (`detectAwsEvent` tests the same properties first); only a malformed one needs its name.
        if (!isHttpApi(event)) return otherHttp(event, lambda);
        const init = httpApiInit(kind, event as Obj);
        return answer(respond(http, init, contextFor(kind, lambda, fallbackName)), toApiGatewayV2);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return httpHandler as unknown as LambdaHandler<K>;
  }

  const settings: EventSourceSettings = {
    reportBatchItemFailures: options.reportBatchItemFailures ?? true,
    unwrapSns: options.unwrapSns ?? fn.options.aws?.unwrapSns === true,
    functionName: fallbackName,
    context: (lambda) => contextFor(kind, lambda, fallbackName),
    mappers: entryMappers,
  };
  // Starts loading the event sources now, while the handler module initialises, so the first
  // invocation does not wait for it; a failure to load surfaces on that invocation.
  let run: EventRunner | undefined;
  const ready = import('./event-sources.js').then((sources) => {
    run = sources.eventRunner(fn as unknown as SkyportFunction, settings);
    return run;
  });
  ready.catch(() => undefined);

  const handler = async (event: unknown, lambda: LambdaContext): Promise<unknown> => {
    // EventBridge Pipes sends a batch as a bare array of its source's records.
    const piped = pipesBatch(event);
    const input = piped ?? event;
    const source = detectAwsEvent(input);
    // EventBridge Scheduler sends a target's input as it was configured (`{}` when none was),
    // so a schedule function takes any object that is no other source's event as its tick.
    const schedulerInput = kind === 'schedule' && source === 'unknown' && obj(event) !== undefined;
    if (!acceptedSources[kind].includes(source) && !schedulerInput) return rejectEvent(kind, source, event);
    return (run ?? (await ready))(input as Obj, source, lambda, piped !== undefined);
  };
  return handler as unknown as LambdaHandler<K>;
}
