/**
 * API Gateway HTTP API (payload format 2.0) and Lambda Function URLs. Header names arrive lower
 * case with repeated values comma-joined; true multi-value queries are only in `rawQueryString`;
 * cookies come as a `cookies[]` array and go back the same way.
 */
import { fitForUrl, type HttpRequestInit, type HttpResponse } from '@skyport/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isFunctionUrl } from '../detect.js';
import { type Obj, obj, str } from '../util.js';
import { encodeDecodedPath, headersOut, requestBody, responseBody } from './body.js';

/**
 * The header names found lower case in the last events, by position. Real events list the same
 * names in the same order from one invocation to the next (the same API, the same clients), and
 * names parsed from JSON are internalised strings, so comparing with these is a pointer check
 * where scanning each name's characters costs as much as the rest of the mapping.
 */
const checkedNames: string[] = [];
const rememberedNames = 64;

/** Whether a header name has no upper-case ASCII and nothing outside ASCII (which `toLowerCase` would have to map). */
function lowerCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if ((code >= 65 && code <= 90) || code > 127) return false;
  }
  return true;
}

/**
 * Whether the headers can be used as they are: every name lower case and every value a string.
 * HTTP API and Function URLs send them so; events written by hand (tests, replays) often use
 * `Content-Type`, anywhere in the map, and those are normalised by core.
 */
function normalized(headers: Obj): boolean {
  let i = 0;
  for (const name in headers) {
    if (typeof headers[name] !== 'string') return false;
    if (name !== checkedNames[i]) {
      if (!lowerCase(name)) return false;
      if (i < rememberedNames) checkedNames[i] = name;
    }
    i++;
  }
  return true;
}

/**
 * The path as the client sent it, from the `rawPath` the event `given`. A Function URL gives it
 * so; an HTTP API gives it decoded (`/files/100%25` arrives as `/files/100%`), so its `%`, `#`
 * and `?` are escaped again.
 */
function sentPath(given: unknown, event: Obj, rc: Obj): string {
  const rawPath = str(given) || '/';
  if (!needsEscape(rawPath)) return rawPath;
  return isFunctionUrl(event, rc) ? rawPath : encodeDecodedPath(rawPath);
}

/** Whether a path has a `%`, `#` or `?`: one pass over its characters, for the short paths of every request. */
function needsEscape(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 37 || code === 35 || code === 63) return true;
  }
  return false;
}

/**
 * The URL of an API Gateway request, as core builds `req.url` when it builds one: in a path the
 * platform decoded (`/t/café x`), and in the query, only what cannot stand in a URL is
 * percent-encoded (a space, non-ASCII text, `"#<>`, and in the path also `?{}`, a backquote and
 * a backslash); what is already fit, escapes included, stays exactly as it came.
 *
 * @example
 * requestUrl('api.example.com', '/dev/t/café x', 'sig=a%2Bb&flag'); // 'https://api.example.com/dev/t/caf%C3%A9%20x?sig=a%2Bb&flag'
 */
export function requestUrl(host: string, path: string, query: string | undefined): string {
  return `https://${host}${fitForUrl(path, 'path')}${query ? `?${fitForUrl(query, 'query')}` : ''}`;
}

/**
 * An HTTP API 2.0 / Function URL event as a request init: what every request needs, and the
 * strings a wrapped handler could replace on the event (path, stage, query, client address), are
 * taken up front; the path without its stage (a route with parameters reads it, a static one
 * does not), cookies, path parameters (both kept by core once read) and the URL when asked for,
 * so an invocation allocates and copies less. The getters never throw, whatever the event.
 */
class HttpApiInit implements HttpRequestInit {
  readonly method: string;
  readonly headers: HttpRequestInit['headers'];
  readonly body: string | Uint8Array | undefined;
  readonly query: string | undefined;
  readonly ip: string | undefined;
  readonly raw: Obj;
  /** `rawPath` as the event brought it. */
  readonly #rawPath: unknown;
  /** The stage as the event brought it. */
  readonly #stage: unknown;
  /** The path without a named stage, once read. */
  #path: string | undefined;

  constructor(event: Obj) {
    const rc = obj(event.requestContext) as Obj;
    const http = obj(rc.http) as Obj;
    this.method = str(http.method) ?? str(rc.httpMethod) ?? 'GET';
    this.headers = obj(event.headers) as HttpRequestInit['headers'];
    this.body = requestBody(event.body, event.isBase64Encoded);
    this.query = str(event.rawQueryString);
    this.ip = str(http.sourceIp);
    this.raw = event;
    this.#rawPath = event.rawPath;
    this.#stage = rc.stage;
    this.#path = undefined;
  }

  /** The path as sent, without the stage prefix of a named stage (routes are matched without it). */
  get path(): string {
    this.#path ??= this.#withoutStage();
    return this.#path;
  }

  #withoutStage(): string {
    const rawPath = this.#sentPath();
    const stage = str(this.#stage);
    if (stage !== undefined && stage !== '$default' && rawPath.startsWith(`/${stage}`)) {
      const rest = rawPath.slice(stage.length + 1);
      if (rest === '' || rest[0] === '/') return rest || '/';
    }
    return rawPath;
  }

  /** The path as the client sent it (see `sentPath`). */
  #sentPath(): string {
    return sentPath(this.#rawPath, this.raw, obj(this.raw.requestContext) ?? {});
  }

  /** Checked when core first reads the headers (once), so a request that never does skips it. */
  get headersNormalized(): boolean {
    const headers = this.headers;
    return headers !== undefined && normalized(headers as Obj);
  }

  /**
   * HTTP APIs and Function URLs deliver header names lower case, so a string under
   * `content-type` is the content type, read without checking every other name; a hand-made
   * event with `Content-Type` (or a list) leaves it to core's normalised headers.
   */
  get contentType(): string | undefined {
    const value = this.headers?.['content-type'];
    return typeof value === 'string' ? value : undefined;
  }

  /** Function URLs send the cookies twice (header and array); HTTP APIs only in the array. */
  get cookies(): string[] | undefined {
    const cookies = this.raw.cookies;
    return Array.isArray(cookies) && this.headers?.cookie === undefined
      ? cookies.filter((c): c is string => typeof c === 'string')
      : undefined;
  }

  /** Core builds the URL from `host`; only a stripped stage or a missing host needs it here. */
  get url(): string | undefined {
    const domain = str(obj(this.raw.requestContext)?.domainName);
    const rawPath = this.#sentPath();
    if (domain === undefined || (this.path === rawPath && this.headers?.host !== undefined)) return undefined;
    return requestUrl(domain, rawPath, this.query);
  }

  get params(): HttpRequestInit['params'] {
    return obj(this.raw.pathParameters) as HttpRequestInit['params'];
  }
}

/**
 * Maps an HTTP API 2.0 / Function URL event to a request. The stage prefix of a named stage is
 * removed from the path (routes are matched without it); `url` keeps what the client sent.
 *
 * @example
 * const init = fromApiGatewayV2(event);
 */
export function fromApiGatewayV2(event: Obj): HttpRequestInit {
  return new HttpApiInit(event);
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
    headers: headersOut(response.headers),
    body: other === undefined ? (text as string) : other.body,
    isBase64Encoded: other?.isBase64Encoded === true,
  };
  if (response.cookies.length > 0) result.cookies = response.cookies;
  return result;
}
