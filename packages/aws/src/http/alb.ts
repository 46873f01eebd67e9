/**
 * Application Load Balancer targets. A target group sends either single-value `headers` /
 * `queryStringParameters` or, with multi-value headers on, only the `multiValue*` pair; the answer
 * must use the same mode. ALB does not decode query strings, and wants a `statusDescription`.
 */
import { type Context, type HttpRequestInit, type HttpResponse, SkyportError, statusText } from '@skyport/core';
import type { ALBResult } from 'aws-lambda';
import { type Obj, obj, str } from '../util.js';
import { headersOut, refusedAnswer, requestBody, responseBody } from './body.js';

/**
 * Whether an ALB event came from a target group with multi-value headers on.
 *
 * @example
 * isMultiValueAlb({ multiValueHeaders: {} }); // true
 */
export function isMultiValueAlb(event: Obj): boolean {
  return obj(event.multiValueHeaders) !== undefined || obj(event.multiValueQueryStringParameters) !== undefined;
}

/** The raw (still percent-encoded) ALB query as a query string. */
function queryString(query: Obj | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (typeof value === 'string') parts.push(`${key}=${value}`);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') parts.push(`${key}=${item}`);
  }
  return parts.join('&');
}

/**
 * The address ALB saw: the last entry of `x-forwarded-for`. In its default `append` mode ALB adds
 * the peer's address after whatever the client sent, so earlier entries are the client's to choose.
 */
function clientIp(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value[value.length - 1] : undefined;
  if (typeof text !== 'string') return undefined;
  const last = text.slice(text.lastIndexOf(',') + 1).trim();
  return last || undefined;
}

/**
 * Maps an ALB event to a request. Query keys and values are percent-decoded here because ALB
 * passes them as the client sent them.
 *
 * @example
 * const init = fromAlb(event);
 */
export function fromAlb(event: Obj): HttpRequestInit {
  const multi = isMultiValueAlb(event);
  const headers = obj(multi ? event.multiValueHeaders : event.headers);
  return {
    method: str(event.httpMethod) ?? 'GET',
    path: str(event.path) || '/',
    query: queryString(obj(multi ? event.multiValueQueryStringParameters : event.queryStringParameters)),
    headers: headers as HttpRequestInit['headers'],
    body: requestBody(event.body, event.isBase64Encoded),
    ip: clientIp(headers?.['x-forwarded-for']),
    raw: event,
  };
}

/**
 * The `n`th spelling of `set-cookie` with a different letter case. A single-value ALB response
 * cannot repeat a header name, but clients treat names case-insensitively, so each cookie gets
 * its own spelling: there are `SINGLE_VALUE_COOKIES` of them.
 */
function setCookieName(n: number): string {
  const base = 'set-cookie';
  let out = '';
  let bit = 0;
  for (const char of base) {
    if (char === '-') {
      out += char;
      continue;
    }
    out += (n >> bit) & 1 ? char.toUpperCase() : char;
    bit++;
  }
  return out;
}

/** The cookies a single-value ALB response can carry: one per letter case of the 9 letters of `set-cookie`. */
const SINGLE_VALUE_COOKIES = 2 ** 9;

/**
 * The answer when a single-value response has more cookies than it can carry: a 500, as core
 * answers a response no platform can send, with the refusal logged (through `ctx` when given).
 * Dropping or overwriting cookies would answer as if they had been set.
 */
function tooManyCookies(count: number, ctx: Pick<Context, 'log' | 'requestId'> | undefined): ALBResult {
  const error = new SkyportError(
    'HANDLER_FAILED',
    `aws: the response sets ${count} cookies, and a load balancer target group without multi-value headers carries ${SINGLE_VALUE_COOKIES} at most (one per letter case of set-cookie); turn multi-value headers on, or set fewer cookies`,
    { adapter: 'aws', kind: 'http', shape: 'alb' },
  );
  return toAlb(refusedAnswer(error, ctx), false);
}

/**
 * The ALB result, in the header mode of the request, with `statusDescription` (`200 OK`). In
 * single-value mode each cookie goes out under its own spelling of `set-cookie`; a response with
 * more cookies than there are spellings (512) is answered with a logged 500 instead. `ctx` gives
 * that log line and the problem its request id.
 *
 * @example
 * toAlb({ status: 404, headers: {}, cookies: [], body: undefined }, false).statusDescription; // '404 Not Found'
 */
export function toAlb(
  response: HttpResponse,
  multiValue: boolean,
  ctx?: Pick<Context, 'log' | 'requestId'>,
): ALBResult {
  if (!multiValue && response.cookies.length > SINGLE_VALUE_COOKIES)
    return tooManyCookies(response.cookies.length, ctx);
  const { body, isBase64Encoded } = responseBody(response);
  const statusDescription = `${response.status} ${statusText(response.status)}`;
  let headers = headersOut(response.headers);
  if (multiValue) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const key of Object.keys(headers)) multiValueHeaders[key] = [headers[key] as string];
    if (response.cookies.length > 0) multiValueHeaders['set-cookie'] = response.cookies;
    return { statusCode: response.status, statusDescription, multiValueHeaders, body, isBase64Encoded };
  }
  if (response.cookies.length > 0) {
    headers = { ...headers };
    response.cookies.forEach((cookie, i) => {
      headers[setCookieName(i)] = cookie;
    });
  }
  return { statusCode: response.status, statusDescription, headers, body, isBase64Encoded };
}
