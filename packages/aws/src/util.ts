/**
 * Small defensive readers for untrusted event objects, and the errors the adapter raises. Every
 * mapper reads through these (or their copies in `read.ts`, for the modules loaded on first use)
 * so a malformed event ends in a `SkyportError`, never a TypeError.
 */
import { type Kind, SkyportError, type SkyportErrorCode } from '@skyport/core';

/**
 * A plain object view of an unknown value.
 *
 * @example
 * const event: Obj = { Records: [] };
 */
export type Obj = Record<string, unknown>;

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
 * An adapter error naming the adapter, the function kind and the detected shape.
 *
 * @example
 * throw awsError('KIND_MISMATCH', 'the queue function cannot handle the s3 event', 'queue', 's3');
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
 * What a mapper's error becomes: an adapter's `SkyportError` as it is, core's with the adapter,
 * kind and shape added, anything else `INVALID_EVENT` naming kind and shape.
 *
 * @example
 * try { init = fromAlb(event); } catch (error) { throw malformed('http', 'alb', error); }
 */
export function malformed(kind: Kind, shape: string, error: unknown): SkyportError {
  // Core's own refusal (a CloudEvent without an id) gets the adapter and shape it came through.
  if (error instanceof SkyportError) {
    return error.adapter === undefined ? awsError(error.code, `${shape}: ${error.message}`, kind, shape, error) : error;
  }
  return awsError('INVALID_EVENT', `a malformed ${shape} event reached a ${kind} function`, kind, shape, error);
}

/**
 * Runs a mapper; anything but a `SkyportError` becomes `INVALID_EVENT` naming kind and shape.
 *
 * @example
 * const init = guard('http', 'alb', () => fromAlb(event));
 */
export function guard<T>(kind: Kind, shape: string, map: () => T): T {
  try {
    return map();
  } catch (error) {
    throw malformed(kind, shape, error);
  }
}
