/**
 * Request and response bodies of the HTTP sources, and paths the platform decoded. Lambda flags binary bodies with
 * `isBase64Encoded`; the flag is trusted only when the body really is base64 (an HTTP API
 * payload 1.0 event can say `true` with `body: null`, and hand-made events say `true` for text).
 */
import {
  type Context,
  createJsonLogger,
  decodeBase64,
  encodeBase64,
  type HttpResponse,
  InternalServerError,
  problemResponse,
  type SkyportError,
} from '@skyport/core';

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

/**
 * A path the platform decoded (HTTP API `rawPath`, payload 1.0 `path`) made a path as sent
 * again, as core reads it: `%`, `#` and `?` are escaped, so that a request for `/files/100%25` is the
 * path `/files/100%` rather than a malformed escape, and `/a%2520b` is not decoded twice. What
 * the platform decoded before it (an encoded `/`) cannot be told apart and stays as it came.
 *
 * @example
 * encodeDecodedPath('/files/100%'); // '/files/100%25'
 */
export function encodeDecodedPath(path: string): string {
  return path.includes('%') || path.includes('#') || path.includes('?')
    ? path.replace(/[%#?]/g, encodeURIComponent)
    : path;
}

/**
 * The 500 that stands for an answer the platform would refuse (`error` says why), the refusal
 * logged through `ctx` (the adapter's own logger without one), with `ctx`'s request id.
 *
 * @example
 * return toAlb(refusedAnswer(new SkyportError('HANDLER_FAILED', 'aws: too many cookies'), ctx), false);
 */
export function refusedAnswer(error: SkyportError, ctx: Pick<Context, 'log' | 'requestId'> | undefined): HttpResponse {
  const problem = new InternalServerError(undefined, { cause: error });
  try {
    (ctx?.log ?? createJsonLogger({ adapter: 'aws' })).error({ err: error }, `${problem.status} ${problem.title}`);
  } catch {
    // A logger that throws must not change what the client gets.
  }
  return problemResponse(problem, ctx?.requestId);
}
