/**
 * HTTP on Azure: the v4 `HttpRequest` (WHATWG `Headers`, `URLSearchParams` query, route `params`,
 * a single-use body stream) becomes the portable request, and the portable response becomes an
 * `HttpResponseInit` with Azure cookie objects. Paths lose the `routePrefix` (`/api`); a router,
 * registered on a catch-all route, sees the path its catch-all parameter captured. The content of
 * an `http({ stream: true })` function's streamed answer is handed to the library as a stream: it
 * sends it as it comes with `app.setup({ enableHttpStream: true })`, and reads it whole otherwise.
 */
import type { Cookie as AzureCookie, HttpRequest as AzureHttpRequest } from '@azure/functions';
import {
  BadRequest,
  bodyLimitOf,
  type Context,
  concatBytes,
  endContext,
  type HttpMethod,
  type HttpRequestInit,
  type HttpResponse,
  type Logger,
  PayloadTooLarge,
  parseSetCookie,
  problemResponse,
  respond,
  SkyportError,
  type SkyportFunction,
  setOwn,
  toHttpError,
} from '@skyport/core';
import { asRecord } from './metadata.js';
import type { AzureHttpResponse } from './types.js';

/**
 * The route a router is registered with when none is given: everything under the route prefix.
 *
 * @example
 * app.http('api', { route: ROUTER_ROUTE, handler: toAzure(api) });
 */
export const ROUTER_ROUTE = '{*path}';

/**
 * The route of the root path `/`. An empty route would not do: the host gives a function with no
 * route its name as route (`/api/<name>`). An optional parameter matches the empty path, and its
 * constraint applies only when a value is present (ASP.NET Core `OptionalRouteConstraint`), where
 * `maxlength(0)` refuses every segment: only `/api` and `/api/` match. The parameter is no route
 * value of the function.
 *
 * @example
 * toAzureRoute('/'); // ROOT_ROUTE
 */
export const ROOT_ROUTE = '{root:maxlength(0)?}';

/** The parameter of `ROOT_ROUTE`. */
const ROOT_PARAM = 'root';

/**
 * The Azure route template of a portable path: `/orders/:id` -> `orders/{id}`, a trailing `*`
 * -> `{*rest}` (`{*rest2}`, ... when the path names a parameter `rest`: the host refuses a route
 * that names one parameter twice, without regard to case), `/` -> `ROOT_ROUTE`.
 *
 * @example
 * toAzureRoute('/orders/:id'); // 'orders/{id}'
 */
export function toAzureRoute(path: string): string {
  const segments = path.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  if (segments.length === 1 && segments[0] === '') return ROOT_ROUTE;
  const names = new Set(segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1).toLowerCase()));
  let rest = 'rest';
  for (let n = 2; names.has(rest); n++) rest = `rest${n}`;
  return segments
    .map((segment) => (segment === '*' ? `{*${rest}}` : segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
}

/**
 * The methods Azure must route to a function: its own (HEAD with GET), every method for routers.
 * With `options`, OPTIONS too, so that the function answers CORS preflights (`cors()`) and
 * plain OPTIONS requests (204 with `Allow`) for its route: the host answers a method no function
 * registered with 404, before any function runs.
 *
 * @example
 * azureMethods(http({ method: 'GET' }).handle(() => 'ok')); // ['GET', 'HEAD']
 * azureMethods(http({ method: 'GET' }).handle(() => 'ok'), true); // ['GET', 'HEAD', 'OPTIONS']
 */
export function azureMethods(fn: SkyportFunction<'http'>, options = false): HttpMethod[] {
  const all: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  const method = fn.options.method;
  // A router answers 404/405/OPTIONS itself, so it must see every method.
  if (fn.routes || method === undefined) return all;
  const own = new Set<HttpMethod>(typeof method === 'string' ? [method] : method);
  if (own.has('GET')) own.add('HEAD');
  if (options) own.add('OPTIONS');
  return all.filter((m) => own.has(m));
}

/**
 * The name of the catch-all parameter of a route template (`{*path}` -> `path`).
 *
 * @example
 * catchAllOf('shop/{*path}'); // 'path'
 */
export function catchAllOf(route: string | undefined): string | undefined {
  return route === undefined ? undefined : /\{\*([A-Za-z0-9_]+)\}/.exec(route)?.[1];
}

/** The path under the route prefix, which the host matches without regard to case (`/API/orders` is `/orders`). */
function stripPrefix(pathname: string, prefix: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  if (clean === '') return pathname;
  const head = `/${clean}`.toLowerCase();
  const lower = pathname.toLowerCase();
  if (lower === head) return '/';
  return lower.startsWith(`${head}/`) ? pathname.slice(head.length) : pathname;
}

/**
 * Decodes percent-escapes as the Functions host (Kestrel) decodes a request path before routing:
 * every escape but `%2F`, so an encoded slash stays inside its segment; a run of escapes that is
 * not UTF-8 is kept as sent. Route values (`request.params`) are slices of that decoded path.
 *
 * @example
 * hostDecode('files/a%2520b/c%2Fd'); // 'files/a%20b/c%2Fd'
 */
export function hostDecode(path: string): string {
  return path.replace(/(?:%(?!2[Ff])[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** A decoded route value as a percent-encoded path that core decodes back to it (`%2F` stays a `/` inside its segment). */
function encodeRouteValue(value: string): string {
  return value.replace(/%(?!2F)|[?#]/gi, (c) => (c === '%' ? '%25' : c === '?' ? '%3F' : '%23'));
}

/**
 * The portable path of a router's catch-all value, percent-encoded so core decodes it exactly once.
 * The value is already decoded, and the host rebuilds `request.url` from its decoded path keeping
 * every `%XX` in it (`/api/a%2520b` arrives as `/api/a%20b` with the value `a%20b`). So the tail of
 * the URL path is used when it decodes to the value, and the value re-encoded otherwise.
 */
function catchAllPath(urlPath: string, value: string): string {
  const segments = urlPath.split('/');
  const count = value.split('/').length;
  if (segments.length > count) {
    const tail = segments.slice(-count).join('/');
    if (hostDecode(tail) === value) return `/${tail}`;
  }
  return `/${encodeRouteValue(value)}`;
}

/**
 * The portable path of a function on its own route, percent-encoded so core decodes it exactly
 * once. The host decodes the path before routing and its route values (`request.params`) are
 * slices of that decoded path, while `request.url` may be the path as sent or as the host rebuilt
 * it (`/api/files/a%2520b` arrives as `/api/files/a%20b` with `{ name: 'a%20b' }`). A segment is
 * kept when it decodes to a route value, or is no route value at all (a literal); one that decodes
 * to a route value only once that value is decoded too is the host's rebuilt form of it, and
 * becomes the value re-encoded. A catch-all value (`{*rest}`, with `/` in it) is the end of the path.
 */
function routedPath(path: string, params: Record<string, string>): string {
  const values = Object.values(params);
  if (values.length === 0) return path;
  let segments = path.split('/');
  let tail = '';
  const rest = values.find((value) => value.includes('/'));
  const count = rest?.split('/').length ?? 0;
  if (rest !== undefined && segments.length > count) {
    tail = catchAllPath(path, rest);
    segments = segments.slice(0, -count);
  }
  const single = values.filter((value) => !value.includes('/'));
  const head = segments.map((segment) => {
    const decoded = hostDecode(segment);
    if (!segment.includes('%') || single.includes(decoded)) return segment;
    const value = single.find((v) => v.includes('%') && hostDecode(v) === decoded);
    return value === undefined ? segment : encodeRouteValue(value);
  });
  return head.join('/') + tail;
}

function clientIp(headers: Record<string, string>): string | undefined {
  const first = (headers['x-forwarded-for'] ?? headers['client-ip'])?.split(',')[0]?.trim();
  if (!first) return undefined;
  // Azure front ends append the client port: "203.0.113.7:52814", "[2001:db8::1]:443".
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(first);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(first);
  return v4 ? v4[1] : first;
}

/** What the HTTP mapping needs to know besides the request. */
export interface HttpMapping {
  /** `host.json` `extensions.http.routePrefix`. */
  readonly routePrefix: string;
  /** For a router: the catch-all parameter whose value is the portable path. */
  readonly catchAll: string | undefined;
  /** For a function whose path ends in `*`: the route's catch-all parameter, whose value is `params['*']`. */
  readonly wildcard?: string | undefined;
}

/**
 * Reads an Azure request into the portable request init. The body stream is read once, here, and
 * no further than `bodyLimit` bytes: past it, reading the request's body is a 413
 * (`BODY_TOO_LARGE`) inside the function's middleware, and the rest of it is never read (with
 * HTTP streams enabled it is still arriving from the client).
 *
 * @example
 * const init = await fromAzureRequest(request, { routePrefix: 'api', catchAll: undefined });
 */
export async function fromAzureRequest(
  request: AzureHttpRequest,
  mapping: HttpMapping,
  bodyLimit = Number.POSITIVE_INFINITY,
): Promise<HttpRequestInit> {
  // Own keys, `__proto__` defined rather than assigned: a header or route value named
  // `__proto__` or `constructor` is one like any other.
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    setOwn(headers, name, value);
  });
  const params: Record<string, string> = {};
  const given = asRecord(request.params);
  if (given) {
    for (const key of Object.keys(given)) {
      const value = given[key];
      if (typeof value === 'string') setOwn(params, key, value);
    }
  }

  let path = '/';
  let url = request.url;
  // The URL carries every value of a repeated query key; `request.query` only what the host mapped.
  let query = new URLSearchParams();
  try {
    const parsed = new URL(request.url);
    url = parsed.href;
    path = parsed.pathname;
    query = parsed.searchParams;
  } catch {
    // An unparseable URL keeps the defaults; the host never sends one.
  }
  // The names seen so far, gathered once: `has` on the list would scan it for every name.
  let known: Set<string> | undefined;
  request.query?.forEach((value, key) => {
    known ??= new Set(query.keys());
    if (known.has(key)) return;
    known.add(key);
    query.append(key, value);
  });
  if (mapping.catchAll !== undefined && Object.hasOwn(params, mapping.catchAll)) {
    path = catchAllPath(path, params[mapping.catchAll] ?? '');
    delete params[mapping.catchAll];
  } else {
    path = routedPath(stripPrefix(path, mapping.routePrefix), params);
  }
  // The portable name of a catch-all is `*`, whatever the route named it.
  const wildcard = mapping.wildcard;
  if (wildcard !== undefined && wildcard !== '*' && typeof params[wildcard] === 'string') {
    params['*'] = params[wildcard];
    delete params[wildcard];
  }
  // `ROOT_ROUTE`'s parameter, when the host passes it: no route value of the root path.
  if (path === '/') delete params[ROOT_PARAM];

  const method = request.method.toUpperCase();
  if (request.bodyUsed) {
    throw new SkyportError('INVALID_EVENT', 'azure: the request body stream was already read before the handler', {
      adapter: 'azure',
      kind: 'http',
      shape: 'httpTrigger',
    });
  }
  const body = method !== 'GET' && method !== 'HEAD' ? await readBody(request.body, bodyLimit) : undefined;
  const init: HttpRequestInit = {
    method,
    path,
    url,
    headers,
    headersNormalized: true,
    query,
    params,
    body: body === TOO_LARGE ? undefined : body,
    ip: clientIp(headers),
    raw: request,
  };
  if (body !== TOO_LARGE) return init;
  // A body past the limit is never read whole: reading it, in a middleware or for the function's
  // own limit, is the 413, raised inside the function's middleware (`cors()` headers, logging).
  return Object.defineProperty(init, 'body', {
    get: () => {
      throw new PayloadTooLarge(`the request body is larger than ${bodyLimit} bytes`, { code: 'BODY_TOO_LARGE' });
    },
    enumerable: true,
  });
}

/** What `readBody` gives for a body past the limit. */
const TOO_LARGE: unique symbol = Symbol('too large');

/**
 * The bytes of a request body, read chunk by chunk and given up past `limit` bytes (`TOO_LARGE`),
 * the rest of the body never read.
 */
async function readBody(
  stream: ReadableStream<unknown> | null,
  limit: number,
): Promise<Uint8Array | undefined | typeof TOO_LARGE> {
  if (stream === null) return undefined;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const chunk = next.value as Uint8Array;
      length += chunk.byteLength;
      if (length > limit) {
        reader.cancel().catch(() => {});
        return TOO_LARGE;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw new BadRequest('the request body could not be read', { code: 'BODY_UNREADABLE', cause: error });
  }
  return length === 0 ? undefined : concatBytes(chunks);
}

function toAzureCookie(header: string): AzureCookie {
  const { partitioned: _partitioned, ...cookie } = parseSetCookie(header);
  return cookie;
}

/**
 * The `HttpResponseInit` of a portable response: lower-case headers, `Set-Cookie` values as Azure
 * cookie objects, the body as text or bytes (never re-encoded), or content in `stream` as the
 * body stream (the response then has no `content-length`).
 *
 * @example
 * toAzureResponse({ status: 201, headers: { 'content-type': 'application/json' }, cookies: [], body: '{"id":1}' });
 * // { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":1}' }
 */
export function toAzureResponse(response: HttpResponse): AzureHttpResponse {
  const init: AzureHttpResponse = { status: response.status, headers: { ...response.headers } };
  if (response.cookies.length > 0) init.cookies = response.cookies.map(toAzureCookie);
  if (response.body !== undefined) init.body = response.body;
  else if (response.stream !== undefined) init.body = response.stream;
  return init;
}

/**
 * `stream` as the library reads it, a chunk per read (nothing read ahead): a failure of its
 * producer is logged with the invocation id, then fails the read, so the library fails the
 * invocation (the answer already begun is never completed). Cancelling the stream cancels
 * `stream`, so its producer stops.
 */
function loggedStream(stream: ReadableStream<Uint8Array>, log: Logger): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await reader.read().catch((error: unknown) => {
          logFailure(log, error);
          throw error;
        });
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function logFailure(log: Logger, error: unknown): void {
  try {
    log.error({ err: error }, 'the streamed response failed before its end');
  } catch {
    // A logger that throws must not change what the client gets.
  }
}

/**
 * Runs an http function for one Azure request. Never throws: an unreadable body is a 400 and
 * everything else follows core's error rendering. The streamed answer of an
 * `http({ stream: true })` function keeps its content a stream, in `body`.
 *
 * @example
 * const response = await handleHttp(fn, request, ctx, { routePrefix: 'api', catchAll: undefined });
 */
export async function handleHttp(
  fn: SkyportFunction<'http'>,
  request: AzureHttpRequest,
  ctx: Context,
  mapping: HttpMapping,
): Promise<AzureHttpResponse> {
  let init: HttpRequestInit;
  try {
    init = await fromAzureRequest(request, mapping, bodyLimitOf(fn));
  } catch (error) {
    endContext(ctx);
    // A body the client sent badly is its fault (400); anything else is ours (500, detail hidden).
    return toAzureResponse(problemResponse(toHttpError(error), ctx.requestId));
  }
  const response = await respond(fn, init, ctx, true);
  if (response.stream === undefined) return toAzureResponse(response);
  return toAzureResponse({ ...response, stream: loggedStream(response.stream, ctx.log) });
}
