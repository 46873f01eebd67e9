/**
 * `invokeLambda()`: runs a portable function exactly as Lambda would, from a raw AWS event, with
 * a realistic Lambda context. Used by the CLI (`skyport invoke --cloud aws`), by the Node server
 * for raw AWS events, and by tests.
 */
import type { Kind, SkyportFunction } from '@skyport/core';
import { createLambdaContext } from './context.js';
import { toLambda } from './to-lambda.js';
import type { AwsResults, LambdaContext, LambdaHandler } from './types.js';

const handlers = new WeakMap<SkyportFunction, LambdaHandler>();

/**
 * Runs `fn` through `toLambda` for one raw AWS event and returns the Lambda result.
 *
 * @example
 * const result = await invokeLambda(createOrder, apiGatewayV2Event);
 * result.statusCode; // 201
 */
export function invokeLambda<K extends Kind>(
  fn: SkyportFunction<K>,
  event: unknown,
  context: LambdaContext = createLambdaContext(),
): Promise<AwsResults[K]> {
  const key = fn as unknown as SkyportFunction;
  let handler = handlers.get(key);
  if (handler === undefined) {
    handler = toLambda(key);
    handlers.set(key, handler);
  }
  return (handler as unknown as (event: unknown, context: LambdaContext) => Promise<AwsResults[K]>)(event, context);
}
