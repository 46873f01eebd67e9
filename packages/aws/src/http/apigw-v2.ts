/**
 * API Gateway HTTP API (payload format 2.0) and Lambda Function URLs. Header names arrive lower
 * case with repeated values comma-joined; true multi-value queries are only in `rawQueryString`;
 * cookies come as a `cookies[]` array and go back the same way.
 */
import type { HttpRequestInit, HttpResponse } from '@skyport/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type Obj, obj, str } from '../util.js';
import { requestBody, responseBody } from './body.js';

/**
 * Whether the headers can be used as they are. HTTP API and Function URLs send lower-case names
 * with string values; events written by hand (tests, replays) often use `Content-Type`. A full
 * scan costs as much as the rest of the mapping, so the first header decides: a hand-made
 * event is capitalised throughout, a platform one never is.
 */
function normalized(headers: Obj): boolean {
  for (const key in headers) {
    if (typeof headers[key] !== 'string') return false;
    // No upper-case ASCII and nothing outside ASCII (which `toLowerCase` would have to map).
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if ((code >= 65 && code <= 90) || code > 127) return false;
    }
    return true;
  }
  return true;
}

/**
 * Maps an HTTP API 2.0 / Function URL event to a request. The stage prefix of a named stage is
 * removed from the path (routes are matched without it); `url` keeps what the client sent.
 *
 * @example
 * const init = fromApiGatewayV2(event);
 */
export function fromApiGatewayV2(event: Obj): HttpRequestInit {
  const rc = obj(event.requestContext) as Obj;
  const httpContext = obj(rc.http) as Obj;
  const rawPath = str(event.rawPath) || '/';
  const stage = str(rc.stage);
  let path = rawPath;
  if (stage !== undefined && stage !== '$default' && rawPath.startsWith(`/${stage}`)) {
    const rest = rawPath.slice(stage.length + 1);
    if (rest === '' || rest[0] === '/') path = rest || '/';
  }
  const headers = obj(event.headers);
  const cookies = event.cookies;
  const query = str(event.rawQueryString);
  const domain = str(rc.domainName);
  return {
    method: str(httpContext.method) ?? str(rc.httpMethod) ?? 'GET',
    path,
    query,
    headers: headers as HttpRequestInit['headers'],
    headersNormalized: headers !== undefined && normalized(headers),
    // Function URLs send the cookies twice (header and array); HTTP APIs only in the array.
    cookies:
      Array.isArray(cookies) && headers?.cookie === undefined
        ? cookies.filter((c): c is string => typeof c === 'string')
        : undefined,
    body: requestBody(event.body, event.isBase64Encoded),
    ip: str(httpContext.sourceIp),
    // Core builds the URL lazily from `host`; only a stripped stage or a missing host needs it here.
    url:
      domain !== undefined && (path !== rawPath || headers?.host === undefined)
        ? `https://${domain}${rawPath}${query ? `?${query}` : ''}`
        : undefined,
    params: obj(event.pathParameters) as HttpRequestInit['params'],
    raw: event,
  };
}

/**
 * The HTTP API 2.0 / Function URL result: `cookies[]` for `Set-Cookie`, base64 for bytes.
 *
 * @example
 * toApiGatewayV2({ status: 201, headers: {}, cookies: [], body: '{}' });
 */
export function toApiGatewayV2(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  // A text body, the common case, without the intermediate object `responseBody` makes.
  const text = response.body;
  const other = typeof text === 'string' ? undefined : responseBody(response);
  const result: APIGatewayProxyStructuredResultV2 = {
    statusCode: response.status,
    headers: response.headers,
    body: other === undefined ? (text as string) : other.body,
    isBase64Encoded: other?.isBase64Encoded === true,
  };
  if (response.cookies.length > 0) result.cookies = response.cookies;
  return result;
}
