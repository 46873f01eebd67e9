/**
 * `invokeLambda()`: runs a portable function exactly as Lambda would, from a raw AWS event, with
 * a realistic Lambda context and the `toLambda` options a deployment would use. Used by the CLI
 * (`skyport invoke --cloud aws`), by the Node server for raw AWS events, and by tests.
 */
import { checkOptions, type Kind, SkyportError, type SkyportFunction } from '@skyport/core';
import { createLambdaContext } from './context.js';
import { toLambda } from './to-lambda.js';
import type { AwsResults, LambdaContext, LambdaHandler, ToLambdaOptions } from './types.js';

/**
 * What `invokeLambda()` takes besides the function and the event: the `toLambda()` options the
 * function is deployed with, and the Lambda context of the invocation.
 *
 * @example
 * const options: InvokeLambdaOptions = {
 *   reportBatchItemFailures: false,
 *   context: createLambdaContext({ timeoutMs: 3000 }),
 * };
 * await invokeLambda(fulfilOrder, aws.sqs([{ body: { orderId: 'ord_1' } }]), options);
 */
export interface InvokeLambdaOptions extends ToLambdaOptions {
  /**
   * The Lambda context the handler gets, handed over as it is (default: `createLambdaContext()`,
   * named after `functionName` when that is given).
   */
  readonly context?: LambdaContext | undefined;
}

/** The names of `InvokeLambdaOptions`. */
const optionNames = [
  'reportBatchItemFailures',
  'unwrapSns',
  'functionName',
  'stream',
  'integrationTimeoutMs',
  'context',
] as const satisfies readonly (keyof InvokeLambdaOptions)[];

/**
 * Properties only a Lambda context has: `invokeLambda(fn, event, context)`, the form that took a
 * context alone, is told from options by them. `functionName` is on both and tells nothing.
 */
const contextNames = [
  'awsRequestId',
  'getRemainingTimeInMillis',
  'invokedFunctionArn',
  'functionVersion',
  'memoryLimitInMB',
  'logGroupName',
  'logStreamName',
  'callbackWaitsForEmptyEventLoop',
  'identity',
  'clientContext',
  'xRayTraceId',
  'tenantId',
  'succeed',
  'fail',
  'done',
];

const defaultHandlers = new WeakMap<SkyportFunction, LambdaHandler>();
const configuredHandlers = new WeakMap<SkyportFunction, Map<string, LambdaHandler>>();

function isLambdaContext(value: object): value is LambdaContext {
  return contextNames.some((name) => name in value);
}

/**
 * The Lambda context and the `toLambda()` options of `given`: a Lambda context alone, options, or
 * nothing. A Lambda context with options beside it is refused rather than running without them.
 */
function readArgument(given: InvokeLambdaOptions | LambdaContext | undefined): {
  context: LambdaContext | undefined;
  options: ToLambdaOptions | undefined;
} {
  if (typeof given === 'object' && given !== null && !Array.isArray(given) && isLambdaContext(given)) {
    const stray = Object.keys(given).filter(
      (key) => key !== 'functionName' && optionNames.some((name) => name === key),
    );
    if (stray.length > 0) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `aws: invokeLambda() got a Lambda context with ${stray.map((key) => JSON.stringify(key)).join(', ')} beside it: pass { context, ...options }`,
        { adapter: 'aws' },
      );
    }
    return { context: given, options: undefined };
  }
  // `null`, as a test may pass for "no context", is nothing given.
  if (given === undefined || given === null) return { context: undefined, options: undefined };
  checkOptions('aws: invokeLambda()', given, optionNames, { adapter: 'aws' });
  const { context, ...options } = given as InvokeLambdaOptions;
  return { context, options: Object.keys(options).length === 0 ? undefined : options };
}

/** The `toLambda()` handler of `fn` with `options`, made once per function and set of options. */
function handlerOf(fn: SkyportFunction, options: ToLambdaOptions | undefined): LambdaHandler {
  if (options === undefined) {
    let handler = defaultHandlers.get(fn);
    if (handler === undefined) {
      handler = toLambda(fn);
      defaultHandlers.set(fn, handler);
    }
    return handler;
  }
  const { reportBatchItemFailures, unwrapSns, functionName, stream, integrationTimeoutMs } = options;
  // Only values of the types toLambda() takes are keys: any other (NaN, a BigInt, a function, a
  // cycle) goes to toLambda() every time, which refuses it, whatever call came before.
  const flags = [reportBatchItemFailures, unwrapSns, stream];
  if (
    !flags.every((flag) => flag === undefined || typeof flag === 'boolean') ||
    (functionName !== undefined && typeof functionName !== 'string') ||
    (integrationTimeoutMs !== undefined && !(typeof integrationTimeoutMs === 'number' && integrationTimeoutMs > 0))
  ) {
    return toLambda(fn, options);
  }
  const key = JSON.stringify([reportBatchItemFailures, unwrapSns, functionName, stream, integrationTimeoutMs]);
  let made = configuredHandlers.get(fn);
  if (made === undefined) {
    made = new Map();
    configuredHandlers.set(fn, made);
  }
  let handler = made.get(key);
  if (handler === undefined) {
    handler = toLambda(fn, options);
    made.set(key, handler);
  }
  return handler;
}

/**
 * Runs `fn` through `toLambda(fn, options)` for one raw AWS event and returns the Lambda result.
 *
 * The third argument takes the `toLambda()` options the function is deployed with
 * (`reportBatchItemFailures`, `unwrapSns`, `functionName`, `stream`, `integrationTimeoutMs`) and the Lambda `context` of
 * the invocation (default `createLambdaContext()`, named after `functionName` when given). A
 * Lambda context passed on its own, as `invokeLambda(fn, event, context)`, is still taken as the
 * context; it is told from options by a property only a Lambda context has (`awsRequestId`,
 * `getRemainingTimeInMillis`, ...). An unknown option name, a value `toLambda()` refuses, or a
 * Lambda context with options beside it rejects with `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * const result = await invokeLambda(createOrder, apiGatewayV2Event);
 * result.statusCode; // 201
 *
 * // As deployed without ReportBatchItemFailures: a failed message fails the whole invocation.
 * await invokeLambda(fulfilOrder, sqsEvent, { reportBatchItemFailures: false }); // rejects
 *
 * await invokeLambda(createOrder, apiGatewayV2Event, { context: createLambdaContext({ timeoutMs: 3000 }) });
 */
export function invokeLambda<K extends Kind>(
  fn: SkyportFunction<K>,
  event: unknown,
  options?: InvokeLambdaOptions | LambdaContext,
): Promise<AwsResults[K]> {
  let handler: LambdaHandler;
  let lambda: LambdaContext;
  try {
    const { context, options: toLambdaOptions } = readArgument(options);
    handler = handlerOf(fn as unknown as SkyportFunction, toLambdaOptions);
    const functionName = toLambdaOptions?.functionName;
    lambda = context ?? createLambdaContext(functionName === undefined ? {} : { functionName });
  } catch (error) {
    return Promise.reject(error);
  }
  return (handler as unknown as (event: unknown, context: LambdaContext) => Promise<AwsResults[K]>)(event, lambda);
}
