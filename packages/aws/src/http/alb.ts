/**
 * Application Load Balancer targets. A target group sends either single-value `headers` /
 * `queryStringParameters` or, with multi-value headers on, only the `multiValue*` pair; the answer
 * must use the same mode. ALB does not decode query strings, and wants a `statusDescription`.
 */
import { type HttpRequestInit, type HttpResponse, statusText } from '@skyport/core';
import type { ALBResult } from 'aws-lambda';
import { type Obj, obj, str } from '../util.js';
import { headersOut, requestBody, responseBody } from './body.js';

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
 * its own spelling.
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

/**
 * The ALB result, in the header mode of the request, with `statusDescription` (`200 OK`).
 *
 * @example
 * toAlb({ status: 404, headers: {}, cookies: [], body: undefined }, false).statusDescription; // '404 Not Found'
 */
export function toAlb(response: HttpResponse, multiValue: boolean): ALBResult {
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
