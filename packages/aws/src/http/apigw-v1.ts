/**
 * API Gateway REST APIs, and HTTP APIs with payload format 1.0 (the same shape). Both header
 * maps arrive; `multiValueHeaders` keeps every value where `headers` keeps only the last, so it
 * wins. Missing maps are `null`. `path` excludes the stage but includes a custom domain's base
 * path mapping; `requestContext.path` includes both.
 */
import type { HttpRequestInit, HttpResponse } from '@skyport/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type Obj, obj, str } from '../util.js';
import { requestUrl } from './apigw-v2.js';
import { encodeDecodedPath, headersOut, requestBody, responseBody } from './body.js';

/**
 * Maps a REST (or payload 1.0) event to a request. The query keeps every value of a repeated
 * key; `url` is built from the stage-qualified `requestContext.path`.
 *
 * @example
 * const init = fromApiGatewayV1(event);
 */
export function fromApiGatewayV1(event: Obj): HttpRequestInit {
  const rc = obj(event.requestContext) ?? {};
  const headers = filled(event.multiValueHeaders) ?? obj(event.headers);
  const query = filled(event.multiValueQueryStringParameters) ?? obj(event.queryStringParameters);
  // HTTP API payload 1.0 (`version: '1.0'`) sends the path decoded, and with the stage of a
  // named stage in front (`/dev/orders/7`), which the REST API leaves out; the REST API sends
  // the path as it was sent.
  const httpApi = event.version === '1.0';
  const sent = httpApi ? encodeDecodedPath(str(event.path) || '/') : str(event.path) || '/';
  const path = apiPath(
    httpApi ? withoutStage(sent, str(rc.stage)) : sent,
    str(event.resource),
    obj(event.pathParameters),
  );
  const given = str(rc.path);
  const fullPath = httpApi ? (given === undefined ? sent : encodeDecodedPath(given)) : given;
  return {
    method: str(event.httpMethod) ?? 'GET',
    path,
    query: query as HttpRequestInit['query'],
    headers: headers as HttpRequestInit['headers'],
    body: requestBody(event.body, event.isBase64Encoded),
    ip: str(obj(rc.identity)?.sourceIp),
    // Only a stage-qualified path needs a URL of its own (core builds the others from `host`);
    // made when asked for, query included.
    get url(): string | undefined {
      if (fullPath === undefined || fullPath === path) {
        // An event without `Host` (made by hand, a console's test event) still names its domain.
        const domain = hostOf(headers) === undefined ? str(rc.domainName) : undefined;
        return domain === undefined ? undefined : requestUrl(domain, path, searchOf(query));
      }
      const host = str(rc.domainName) ?? hostOf(headers);
      if (host === undefined) return undefined;
      return requestUrl(host, fullPath, searchOf(query));
    },
    params: obj(event.pathParameters) as HttpRequestInit['params'],
    raw: event,
  };
}

/**
 * The path without the `/<stage>` an HTTP API puts in front of it for a named stage, as the
 * payload 2.0 mapper removes it; the `$default` stage has none.
 */
function withoutStage(path: string, stage: string | undefined): string {
  if (stage === undefined || stage === '$default' || !path.startsWith(`/${stage}`)) return path;
  const rest = path.slice(stage.length + 1);
  return rest === '' ? '/' : rest[0] === '/' ? rest : path;
}

/** A path segment decoded, or `undefined` when it is not valid percent-encoding. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The request path within the API. Through a custom domain with a base path mapping, `path`
 * starts with the mapping's base path (`/shop/orders/7` for the resource `/orders/{id}`), which
 * routes know nothing of. The resource is matched against the end of the path, right to left:
 * its literal segments must be the path's, and each `{param}` (or greedy `{param+}`) must span
 * exactly the segments of its `pathParameters` value. Only then are the segments before it
 * taken as the base path and dropped; when anything does not match, the path stays as sent, so
 * a request never reaches a route other than the one API Gateway matched.
 */
function apiPath(path: string, resource: string | undefined, params: Obj | undefined): string {
  if (resource === undefined || !resource.startsWith('/')) return path;
  const template = resource.split('/').filter((segment) => segment !== '');
  const segments = path.split('/').slice(1);
  const trailing = segments.length > 1 && segments.at(-1) === '';
  if (trailing) segments.pop();
  // Each segment is decoded once, when first compared: a greedy parameter is matched against
  // the segments before it one by one, never by decoding the same segments again.
  const decodedSegments: (string | undefined)[] = [];
  const segment = (i: number): string | undefined => {
    if (!(i in decodedSegments)) decodedSegments[i] = decoded(segments[i] as string);
    return decodedSegments[i];
  };
  let end = segments.length;
  for (let t = template.length - 1; t >= 0; t--) {
    const part = template[t] as string;
    const name = part.startsWith('{') && part.endsWith('}') ? part.slice(1, part.endsWith('+}') ? -2 : -1) : undefined;
    if (name === undefined) {
      if (end === 0 || segment(end - 1) !== part) return path;
      end--;
      continue;
    }
    const value = str(params?.[name]);
    if (value === undefined) return path;
    const span = spanOf(value, end, segment);
    if (span === undefined) return path;
    end -= span;
  }
  if (end === 0) return path;
  return `/${segments.slice(end).join('/')}${trailing ? '/' : ''}`;
}

/**
 * How many of the segments before `end` a parameter's value spans: the fewest that, decoded and
 * joined with `/`, are the value (one per `/` in it at most, fewer where a `/` arrived encoded
 * within a segment), or `undefined` when none do. A segment that does not decode fails every
 * span holding it. Each added segment makes the candidate longer, so only the one span whose
 * length is the value's is compared.
 */
function spanOf(value: string, end: number, segment: (i: number) => string | undefined): number | undefined {
  let length = -1;
  for (let span = 1; span <= end; span++) {
    const last = segment(end - span);
    if (last === undefined) return undefined;
    length += last.length + 1;
    if (length > value.length) return undefined;
    if (length < value.length) continue;
    const parts: string[] = [];
    for (let i = end - span; i < end; i++) parts.push(segment(i) as string);
    return parts.join('/') === value ? span : undefined;
  }
  return undefined;
}

/** The query string of a REST event's (decoded) query map, encoded as core encodes `req.url`'s. */
function searchOf(query: Obj | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (typeof value === 'string') params.append(key, value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') params.append(key, item);
  }
  return params.toString();
}

/** A map with at least one key (test tools send `multiValueHeaders: {}` next to `headers`). */
function filled(value: unknown): Obj | undefined {
  const map = obj(value);
  if (map) for (const _ in map) return map;
  return undefined;
}

function hostOf(headers: Obj | undefined): string | undefined {
  if (!headers) return undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== 'host') continue;
    const value = headers[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? str(value[0]) : undefined;
  }
  return undefined;
}

/**
 * The REST result: `Set-Cookie` values in `multiValueHeaders`, base64 for bytes.
 *
 * @example
 * toApiGatewayV1({ status: 200, headers: {}, cookies: ['a=1'], body: 'ok' });
 */
export function toApiGatewayV1(response: HttpResponse): APIGatewayProxyResult {
  const { body, isBase64Encoded } = responseBody(response);
  const result: APIGatewayProxyResult = {
    statusCode: response.status,
    headers: headersOut(response.headers),
    body,
    isBase64Encoded,
  };
  if (response.cookies.length > 0) result.multiValueHeaders = { 'set-cookie': response.cookies };
  return result;
}
