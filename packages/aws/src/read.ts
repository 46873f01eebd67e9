/**
 * The readers of the event-source mappers that `toLambda` loads on first use (SQS, SNS, Kinesis,
 * EventBridge and the batch plumbing). They repeat the few lines of `util.ts` they need instead
 * of importing them: a helper shared with the package entry would make the bundler emit a third
 * module that every cold start, HTTP ones included, has to resolve and load.
 */
import { type Kind, SkyportError, type SkyportErrorCode, setOwn } from '@skyport/core';
import type { Obj } from './util.js';

export type { Obj };

/**
 * The value as an object, or `undefined` (arrays and `null` are not objects here).
 *
 * @example
 * obj({ a: 1 }); // { a: 1 }   obj([1]); // undefined
 */
export function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/**
 * The value when it is a string.
 *
 * @example
 * str(1); // undefined
 */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A string map of an event's names and values (message attributes): only string values are
 * kept, each as an own key, `__proto__` included (a plain object, as message attributes are on
 * every cloud and in the test kit).
 *
 * @example
 * stringMap({ a: '1', b: 2 }); // { a: '1' }
 */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const source = obj(value);
  if (source) {
    for (const key of Object.keys(source)) {
      const text = source[key];
      if (typeof text === 'string') setOwn(out, key, text);
    }
  }
  return out;
}

/**
 * The last segment of an ARN resource (`arn:aws:sqs:eu-west-1:1:orders` -> `orders`).
 *
 * @example
 * arnName('arn:aws:sqs:eu-west-1:1:orders'); // 'orders'
 */
export function arnName(arn: unknown): string {
  if (typeof arn !== 'string') return '';
  const colon = arn.lastIndexOf(':');
  const tail = colon < 0 ? arn : arn.slice(colon + 1);
  const slash = tail.lastIndexOf('/');
  return slash < 0 ? tail : tail.slice(slash + 1);
}

/**
 * An adapter error naming the adapter, the function kind and the detected shape.
 *
 * @example
 * throw awsError('INVALID_EVENT', 'record 0 of a sqs event has no id', 'queue', 'sqs');
 */
export function awsError(
  code: SkyportErrorCode,
  message: string,
  kind: Kind,
  shape: string,
  cause?: unknown,
): SkyportError {
  return new SkyportError(code, `aws: ${message}`, { adapter: 'aws', kind, shape, cause });
}

/**
 * Runs a mapper; anything but a `SkyportError` becomes `INVALID_EVENT` naming kind and shape.
 *
 * @example
 * const items = guard('queue', 'sqs', () => mapRecords(event, 'queue', 'sqs', mapper));
 */
export function guard<T>(kind: Kind, shape: string, map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof SkyportError) {
      // Core's own refusal gets the adapter and shape it came through, as in `util.ts`.
      throw error.adapter === undefined
        ? awsError(error.code, `${shape}: ${error.message}`, kind, shape, error)
        : error;
    }
    throw awsError('INVALID_EVENT', `a malformed ${shape} event reached a ${kind} function`, kind, shape, error);
  }
}
