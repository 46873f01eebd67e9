/**
 * The one way this adapter reports an event it cannot map: a `SkyportError` naming the adapter,
 * the function kind and the detected shape (SPEC section 5), never a TypeError from a mapper.
 */
import { SkyportError, type SkyportErrorCode } from '@skyport/core';

/**
 * A `SkyportError` raised by the GCP adapter.
 *
 * @example
 * throw gcpError('KIND_MISMATCH', 'queue', 'storage CloudEvent', 'a queue function got a Cloud Storage event');
 */
export function gcpError(code: SkyportErrorCode, kind: string, shape: string, message: string): SkyportError {
  return new SkyportError(code, `gcp: ${message} (function kind: ${kind}, detected shape: ${shape})`, {
    adapter: 'gcp',
    kind,
    shape,
  });
}

/** A plain object (not an array, not bytes). */
export function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A non-empty string, or `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
