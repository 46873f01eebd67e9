/**
 * `toLambda(fn)`: the Lambda entry point of a portable function. It detects the event source,
 * checks that the function kind accepts it, maps it with that source's processor, runs core
 * (`respond`, `runBatch`, `runEvent`) and maps the outcome back to what Lambda expects. The HTTP
 * sources are mapped here; every other source lives in `event-sources.ts`, which is imported
 * only when a non-HTTP function is wrapped, so loading the package for an API costs less.
 */
import {
  batchOf,
  type Context,
  checkOptions,
  type HttpRequestInit,
  type HttpResponse,
  type Kind,
  respond,
  SkyportError,
  type SkyportFunction,
  shownValue,
} from '@skyport/core';
import { contextFor } from './context.js';
import { detectAwsEvent, isHttpApi, pipesBatch } from './detect.js';
import { dynamodbChanges, dynamodbStream } from './dynamodb.js';
import type { EntryMappers, EventRunner, EventSourceSettings } from './event-sources.js';
import { fromAlb, isMultiValueAlb, toAlb } from './http/alb.js';
import { fromApiGatewayV1, toApiGatewayV1 } from './http/apigw-v1.js';
import { fromApiGatewayV2, toApiGatewayV2 } from './http/apigw-v2.js';
import { ALB_RESULT_LIMIT, LAMBDA_RESULT_LIMIT, withinLimit } from './http/size.js';
import {
  type AwsLambdaStreaming,
  functionUrlPrelude,
  type LambdaResponseStream,
  lambdaStreaming,
  restApiPrelude,
  sendStreamed,
} from './http/stream.js';
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

/**
 * The Skyport contexts of the batches EventBridge Pipes sent. The Lambda context says nothing of
 * an invocation's source: invocations running at once may share one (tests hand one to several).
 */
const pipedBatches = new WeakSet<Context>();

/**
 * Whether `ctx` (a batch's context or the context of one of its messages) belongs to an
 * invocation by EventBridge Pipes, which sent its batch as a bare array of its source's records
 * (see `pipesBatch`): `fromLambda` hands its handler a record the way the pipe did, in an array.
 *
 * @example
 * pipedInvocation(ctx); // true for the messages of a pipe's batch
 */
export function pipedInvocation(ctx: Context): boolean {
  if (pipedBatches.has(ctx)) return true;
  const batch = batchOf(ctx);
  return batch !== undefined && pipedBatches.has(batch);
}

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

/** What a streaming handler accepts, as its refusals say. */
const streamedSources =
  'function-url (InvokeMode RESPONSE_STREAM) and apigw-v1 from a REST API (responseTransferMode STREAM)';

/**
 * Refuses an event a streaming handler cannot answer: HTTP APIs (either payload format) and ALBs
 * read a buffered result only, and any other event is no HTTP request.
 */
function rejectStreamedEvent(source: AwsSource, event: unknown, httpApi: boolean): never {
  if (source === 'unknown' || source === 'apigw-authorizer') {
    const what =
      source === 'unknown' ? `an event it does not recognise (${describe(event)})` : 'an API Gateway authorizer event';
    throw awsError(
      'UNKNOWN_EVENT',
      `toLambda(http function, { stream: true }) got ${what}; a streaming handler accepts ${streamedSources}`,
      'http',
      source,
    );
  }
  const what = httpApi ? 'an HTTP API (payload format 1.0)' : `the ${source}`;
  const buffered =
    httpApi || source === 'apigw-v2' || source === 'alb'
      ? '; HTTP APIs and ALBs take buffered results only: serve them with toLambda(fn) without stream'
      : '';
  throw awsError(
    'KIND_MISMATCH',
    `a streaming handler (toLambda(http function, { stream: true })) cannot answer ${what} event; it accepts ${streamedSources}${buffered}`,
    'http',
    source,
  );
}

/**
 * The streaming handler of an http function, for the Lambda runtime's `awslambda` global: the
 * request is mapped as for a buffered result, and the answer is sent through the response stream,
 * its content as it is produced. A failure of that content is logged and rejects the handler,
 * which the runtime reports in the response's trailers.
 */
function streamingHandler(
  http: SkyportFunction<'http'>,
  runtime: AwsLambdaStreaming,
  fallbackName: string | undefined,
): unknown {
  const kind: Kind = 'http';
  return runtime.streamifyResponse(
    async (event: unknown, responseStream: LambdaResponseStream, lambda: LambdaContext): Promise<void> => {
      const source = detectAwsEvent(event);
      const e = event as Obj;
      // An HTTP API sends payload format 1.0 in the REST shape, with `version: '1.0'`.
      const httpApi = source === 'apigw-v1' && e.version === '1.0';
      let init: HttpRequestInit;
      if (source === 'function-url') init = httpApiInit(kind, e);
      else if (source === 'apigw-v1' && !httpApi) init = guard(kind, source, () => fromApiGatewayV1(e));
      else return rejectStreamedEvent(source, event, httpApi);
      const ctx = contextFor(kind, lambda, fallbackName);
      const response = await respond(http, init, ctx, true);
      const prelude = source === 'apigw-v1' ? restApiPrelude(response) : functionUrlPrelude(response);
      try {
        await sendStreamed(runtime, responseStream, response, prelude);
      } catch (error) {
        ctx.log.error({ err: error }, 'the streamed answer failed: the response was cut off');
        throw error;
      }
    },
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

/** The names `toLambda()` takes, each a key of `ToLambdaOptions`. */
const toLambdaOptionNames = [
  'reportBatchItemFailures',
  'unwrapSns',
  'functionName',
  'stream',
  'integrationTimeoutMs',
] as const satisfies readonly (keyof ToLambdaOptions)[];

/**
 * Refuses what is no portable function: a builder whose `.handle()` was left out (or anything
 * else) would otherwise fail later with a TypeError from deep inside.
 */
function checkFunction(fn: unknown): void {
  const candidate = obj(fn) ?? (typeof fn === 'function' ? (fn as unknown as Obj) : undefined);
  const kind = candidate?.kind;
  if (
    candidate !== undefined &&
    typeof kind === 'string' &&
    Object.hasOwn(acceptedSources, kind) &&
    typeof candidate.dispatch === 'function' &&
    obj(candidate.options) !== undefined &&
    Array.isArray(candidate.middleware)
  ) {
    return;
  }
  let problem: string;
  if (candidate !== undefined && typeof candidate.handle === 'function') {
    problem = 'a definition without .handle(handler), which is not a Skyport function yet: finish it with .handle()';
  } else if (typeof fn === 'function') {
    problem =
      'a plain function, which is not a Skyport function: wrap a Lambda handler with fromLambda(handler, { kind })';
  } else {
    problem = `${fn === undefined ? 'undefined' : describe(fn)}, which is not a Skyport function`;
  }
  throw new SkyportError('INVALID_DEFINITION', `aws: toLambda() needs a Skyport function, got ${problem}`, {
    adapter: 'aws',
  });
}

/**
 * Checked when the handler is made: from plain JavaScript or configuration, a misspelt option
 * (`reportBatchItemFailure: false`) or a string (`'false'`) would leave `batchItemFailures` on,
 * which Lambda ignores without `ReportBatchItemFailures` on the mapping, deleting failed messages.
 * The function's own `aws` settings are checked alike.
 */
function checkToLambdaOptions(kind: Kind, options: unknown, settings: unknown): void {
  const context = { adapter: 'aws', kind };
  checkOptions('aws: toLambda()', options, toLambdaOptionNames, context);
  checkOptions(`aws: ${kind}() aws settings`, settings, ['unwrapSns'], context);
  const given = (options ?? {}) as Record<string, unknown>;
  const booleans: [string, unknown][] = [
    ['reportBatchItemFailures', given.reportBatchItemFailures],
    ['unwrapSns', given.unwrapSns],
    ['stream', given.stream],
    ['aws.unwrapSns of the function', (settings as Record<string, unknown> | undefined)?.unwrapSns],
  ];
  for (const [name, value] of booleans) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `aws: toLambda() ${name} must be true or false, got ${shownValue(value)}`,
        context,
      );
    }
  }
  const functionName = given.functionName;
  if (functionName !== undefined && (typeof functionName !== 'string' || functionName === '')) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `aws: toLambda() functionName must be a non-empty string, got ${shownValue(functionName)}`,
      context,
    );
  }
  const timeout = given.integrationTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `aws: toLambda() integrationTimeoutMs must be a number of milliseconds above 0 (the API Gateway integration timeout, such as 29000), got ${shownValue(timeout)}`,
      context,
    );
  }
}

/**
 * Turns a portable function into a Lambda handler for every event source its kind accepts
 * (see `acceptedSources`). HTTP never throws: errors become problem+json responses. Batches
 * answer `batchItemFailures` naming exactly the messages to retry. An event the function
 * cannot take throws a `SkyportError` naming the function kind and the detected source. The
 * handler fits the `@types/aws-lambda` handler type of each source its kind accepts
 * (`APIGatewayProxyHandler`, `APIGatewayProxyHandlerV2`, `ALBHandler`, `SQSHandler`,
 * `SNSHandler`, ...): see `LambdaHandler`.
 *
 * With `{ stream: true }`, in the Lambda runtime, an http function's handler is a streaming one
 * (`awslambda.streamifyResponse`, called with the response stream) for a Function URL with
 * `InvokeMode: RESPONSE_STREAM` or a REST API with `responseTransferMode: STREAM`; elsewhere it
 * is the buffered handler.
 *
 * The options are checked when the handler is made: an unknown name (`reportBatchItemFailure`),
 * a `reportBatchItemFailures`, `unwrapSns` or `stream` that is not a boolean, a `functionName`
 * that is not a string, an unknown name in the function's `aws` settings, or anything but a
 * Skyport function (a definition without `.handle()`) throws `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * import { toLambda } from '@skyport/aws';
 * import { createOrder, fulfilOrder, orderEvents } from './functions.js';
 * export const api = toLambda(createOrder);
 * export const worker = toLambda(fulfilOrder); // SQS with ReportBatchItemFailures
 * export const events = toLambda(orderEvents, { stream: true }); // http({ stream: true }) behind a streaming Function URL
 */
export function toLambda<K extends Kind>(fn: SkyportFunction<K>, options: ToLambdaOptions = {}): LambdaHandler<K> {
  checkFunction(fn);
  const kind: Kind = fn.kind;
  checkToLambdaOptions(kind, options, fn.options.aws);
  const fallbackName = options.functionName;
  const integrationTimeoutMs = options.integrationTimeoutMs;
  if (options.stream === true && kind !== 'http') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `aws: toLambda(${kind} function, { stream: true }): only an http function answers with a stream`,
      { adapter: 'aws', kind },
    );
  }

  if (kind === 'http') {
    const http = fn as unknown as SkyportFunction<'http'>;
    if (options.stream === true) {
      // In the Lambda runtime only: elsewhere (tests, `invokeLambda`, the CLI) the handler is the
      // buffered one, and core reads content produced over time whole.
      const runtime = lambdaStreaming();
      if (runtime !== undefined) return streamingHandler(http, runtime, fallbackName) as LambdaHandler<K>;
    }
    // Maps a response known synchronously without a promise step of its own; an answer the
    // platform would refuse for its size is a logged 500.
    const answer = <T extends { readonly body?: string | undefined }>(
      out: HttpResponse | Promise<HttpResponse>,
      map: (res: HttpResponse) => T,
      limit: number | undefined,
      ctx: Context,
    ): Promise<T> => {
      if (limit === undefined) return out instanceof Promise ? out.then(map) : Promise.resolve(map(out));
      return out instanceof Promise
        ? out.then((res) => withinLimit(res, map, limit, ctx))
        : Promise.resolve(withinLimit(out, map, limit, ctx));
    };
    // A streaming handler off Lambda (tests, `invokeLambda`, the CLI) answers whole what the
    // runtime would stream, past the buffered limit.
    const apiLimit = options.stream === true ? undefined : LAMBDA_RESULT_LIMIT;
    // Nor to the gateway's 29 s: a streamed REST integration runs as long as the function (as the
    // streaming handler on Lambda has it).
    const gatewayTimed = options.stream !== true;
    // The REST API (and payload 1.0) and ALB shapes, and anything else, apart from the hot path.
    const otherHttp = (event: unknown, lambda: LambdaContext): Promise<unknown> => {
      const e = event as Obj;
      const source = detectAwsEvent(event);
      if (source === 'apigw-v1') {
        const init = guard(kind, source, () => fromApiGatewayV1(e));
        const ctx = contextFor(kind, lambda, fallbackName, gatewayTimed ? e : undefined, integrationTimeoutMs);
        return answer(respond(http, init, ctx), toApiGatewayV1, apiLimit, ctx);
      }
      if (source === 'alb') {
        const init = guard(kind, source, () => fromAlb(e));
        const multi = isMultiValueAlb(e);
        const ctx = contextFor(kind, lambda, fallbackName);
        return answer(respond(http, init, ctx), (res) => toAlb(res, multi, ctx), ALB_RESULT_LIMIT, ctx);
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
        const ctx = contextFor(kind, lambda, fallbackName, gatewayTimed ? event : undefined, integrationTimeoutMs);
        return answer(respond(http, init, ctx), toApiGatewayV2, apiLimit, ctx);
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
  // A batch from EventBridge Pipes runs with contexts of its own, marked as piped.
  const pipedSettings: EventSourceSettings = {
    ...settings,
    context: (lambda) => {
      const ctx = contextFor(kind, lambda, fallbackName);
      pipedBatches.add(ctx);
      return ctx;
    },
  };
  // Starts loading the event sources now, while the handler module initialises, so the first
  // invocation does not wait for it; a failure to load surfaces on that invocation.
  let runners: { readonly direct: EventRunner; readonly piped: EventRunner } | undefined;
  const ready = import('./event-sources.js').then((sources) => {
    runners = {
      direct: sources.eventRunner(fn as unknown as SkyportFunction, settings),
      piped: sources.eventRunner(fn as unknown as SkyportFunction, pipedSettings),
    };
    return runners;
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
    const run = runners ?? (await ready);
    if (piped === undefined) return run.direct(input as Obj, source, lambda, false);
    return run.piped(input as Obj, source, lambda, true);
  };
  return handler as unknown as LambdaHandler<K>;
}
