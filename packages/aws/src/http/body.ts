/**
 * Request and response bodies of the HTTP sources. Lambda flags binary bodies with
 * `isBase64Encoded`; the flag is trusted only when the body really is base64 (an HTTP API
 * payload 1.0 event can say `true` with `body: null`, and hand-made events say `true` for text).
 */
import { decodeBase64, encodeBase64, type HttpResponse } from '@skyport/core';

/**
 * The request body of an HTTP event: text, bytes, or nothing.
 *
 * @example
 * requestBody('aGk=', true); // Uint8Array of 'hi'
 */
export function requestBody(body: unknown, isBase64Encoded: unknown): string | Uint8Array | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  if (isBase64Encoded === true) return decodeBase64(body) ?? body;
  return body;
}

/**
 * The response body as Lambda wants it: text, or base64 with the flag set.
 *
 * @example
 * responseBody({ status: 200, headers: {}, cookies: [], body: new Uint8Array([1]) }); // { body: 'AQ==', isBase64Encoded: true }
 */
export function responseBody(response: HttpResponse): { body: string; isBase64Encoded: boolean } {
  const body = response.body;
  if (body === undefined) return { body: '', isBase64Encoded: false };
  if (typeof body === 'string') return { body, isBase64Encoded: false };
  return { body: encodeBase64(body), isBase64Encoded: true };
}

/**
 * The content type `fromLambda` gives a legacy result that set none, so that core adds no
 * default on its way back to Lambda; `headersOut` leaves it out.
 *
 * @example
 * headers['content-type'] ??= UNTYPED;
 */
export const UNTYPED = '';

/**
 * The response headers as Lambda gets them: an empty content type (see `UNTYPED`) left out, so
 * API Gateway or ALB applies its own default. The headers themselves in every other case.
 *
 * @example
 * headersOut({ 'content-type': '', 'x-a': '1' }); // { 'x-a': '1' }
 */
export function headersOut(headers: Record<string, string>): Record<string, string> {
  if (headers['content-type'] !== UNTYPED) return headers;
  const { 'content-type': _, ...rest } = headers;
  return rest;
}
