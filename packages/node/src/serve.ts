/**
 * `serve()`: portable functions on `node:http`, for local development and for self-hosting in a
 * container (Cloud Run, Knative, any VM). Http functions answer on their routes only; every
 * other function takes a POST of its portable event (or a batch, or a raw AWS/GCP event) at
 * `/_skyport/<name>`, a route that is on unless `eventRoutes: false` and is not authenticated; an
 * event it refuses there (too large, not JSON, not an event) is answered with a problem and logged.
 * The request body limit is enforced while the body streams in, slow clients are cut off by the
 * request and headers timeouts, and `close()` drains in-flight requests before the server stops:
 * an answer counts until it is all written, and connections that carry none are closed at once.
 * An `http({ stream: true })` function's content produced over time is sent as it comes.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  abortContext,
  BadRequest,
  bodyTypeOf,
  type Context,
  type ContextInit,
  checkOptions,
  compilePath,
  createContext,
  DEFAULT_BODY_LIMIT,
  HttpError,
  type HttpRequestInit,
  type HttpResponse,
  type Kind,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  pipeStream,
  problemResponse,
  respond,
  runBatch,
  SkyportError,
  type SkyportFunction,
  skyportErrorOf,
  type TraceCarrier,
  toHttpError,
} from '@skyport/core';
import { collectBody, hasBody, readBody } from './body.js';
import { portableBatch } from './events.js';
import { batchJson, errorToJson } from './failures.js';
import { AdapterUnavailableError, detectRaw, eventCodes, loadInvoker, rawStatus } from './raw.js';
import { type RouteMatch, type RouteTable, routeTable } from './routes.js';
import type { AnyFunction, FunctionMap, NamedFunction, RouteInfo, ServeHandle, ServeOptions } from './types.js';
import { absoluteTarget, isHostField, requestOrigin, unmapIPv4 } from './url.js';

const EVENT_PREFIX = '/_skyport/';

/** The default keep-alive timeout: above the 60 s idle timeout of AWS ALB and nginx. */
const DEFAULT_KEEP_ALIVE_MS = 65_000;

/**
 * How long `close()` waits, at least, for requests still running once no connection is left: those
 * whose connections it cut at the end of the grace wind up in this time. One whose client left
 * earlier has what is left of the grace, if that is longer.
 */
const WIND_UP_MS = 1000;

/**
 * How long `close()` waits, at most, for a request whose headers are still arriving when it is
 * called (or the headers timeout, if shorter): one that comes in within it is answered, with
 * `connection: close`; a client that stalls (or trickles its headers in on purpose) is cut then,
 * rather than holding `close()` for the whole `shutdownTimeoutMs`.
 */
const ARRIVAL_MS = 1000;

/**
 * The default wait for in-flight requests on `close()`: inside the 10 s Cloud Run allows between
 * SIGTERM and SIGKILL, with time left to flush logs and traces.
 */
const DEFAULT_SHUTDOWN_MS = 8_000;

/** The largest delay of a Node timer (a longer one fires after 1 ms): `close()` waits on one. */
const MAX_TIMER_MS = 2_147_483_647;

/** Every option `serve()` takes: a name not here is refused, not ignored. */
const SERVE_OPTIONS = Object.keys({
  port: true,
  host: true,
  bodyLimit: true,
  timeoutMs: true,
  shutdownTimeoutMs: true,
  keepAliveTimeoutMs: true,
  requestTimeoutMs: true,
  headersTimeoutMs: true,
  eventRoutes: true,
  trustProxy: true,
  announce: true,
  print: true,
} satisfies Record<keyof ServeOptions, true>);
const kinds: ReadonlySet<string> = new Set(['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events']);

/**
 * What `serve()` keeps of one client connection, made once on `connection` (not per request).
 * A request is in flight from its arrival until its handler is done and its answer is all
 * written (the response's `close`), or its connection is gone: node takes an answer for done
 * once `end()` is called, with most of a large body still buffered for a slow client.
 */
class Connection {
  readonly socket: TrackedSocket;
  /** Requests whose handler is not done and whose answer is not all written. */
  running = 0;
  /** Requests whose handler is done and whose answer is still being written. */
  writing = 0;
  /** An answer on it closes it: requests that follow are not run (RFC 9112 §9.6). */
  last = false;
  /** Closed: its requests' answers are over. */
  gone = false;

  /**
   * `socket.bytesRead` when it last had no answer pending (0 when it connected): bytes read past
   * it are a request arriving, unless they are the body of the last request answered.
   */
  settledAt = 0;
  /** The last request answered, while its body is still arriving (answered before it was all read). */
  body: IncomingMessage | undefined;

  constructor(socket: TrackedSocket) {
    this.socket = socket;
  }

  /** Whether no answer is pending on it. */
  get idle(): boolean {
    return this.running + this.writing === 0;
  }

  /**
   * Whether closing it loses nothing: no answer is pending, and no request is arriving, whose
   * `request` event comes once its headers are all in. A request is arriving when the connection
   * has read bytes since its last answer was all written (or since it connected: one that has sent
   * no byte never sent a request), other than the rest of that answer's request body, which is no
   * request. Counted by `socket.bytesRead`, at no cost per request, on every version of Node (a
   * socket 'data' listener would know as well, but takes the parsing off node's native path). The
   * count goes by what was read before the last answer was all written: a request pipelined behind
   * that answer whose first bytes came before it is taken for read already, and is cut.
   */
  get closable(): boolean {
    if (this.running + this.writing > 0) return false;
    return this.socket.bytesRead === this.settledAt || this.body !== undefined;
  }

  /**
   * Marks the end of what it has read once its last answer, to `req`, is all written: bytes read
   * past it are the next request. A body still arriving is that request's own, until its end.
   */
  settle(req: IncomingMessage): void {
    this.settledAt = this.socket.bytesRead;
    if (req.complete) {
      this.body = undefined;
      return;
    }
    if (this.body === req) return;
    this.body = req;
    req.once('end', () => {
      if (this.body !== req) return;
      this.body = undefined;
      this.settledAt = this.socket.bytesRead;
    });
  }
}

const kConnection = Symbol('skyport.connection');
const kHandled = Symbol('skyport.handled');
const kContext = Symbol('skyport.context');
const kCut = Symbol('skyport.cut');

/** A socket `serve()` tracks. */
interface TrackedSocket extends Socket {
  [kConnection]?: Connection;
}

/**
 * A response `serve()` tracks: whether its handler is done, the http function's context, and
 * whether its request's body was left unread past the body limit (the answer closes the connection).
 */
interface TrackedResponse extends ServerResponse {
  [kHandled]?: true;
  [kContext]?: Context;
  [kCut]?: true;
}

function connectionOf(res: ServerResponse): Connection | undefined {
  return (res.req.socket as TrackedSocket | null)?.[kConnection];
}

/**
 * Whether a value is a Skyport function (what the builders and `router()` return).
 *
 * @example
 * isSkyportFunction(http({ path: '/' }).handle(() => 'hi')); // true
 */
export function isSkyportFunction(value: unknown): value is AnyFunction {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SkyportFunction<Kind>>;
  return (
    typeof candidate.kind === 'string' &&
    kinds.has(candidate.kind) &&
    typeof candidate.dispatch === 'function' &&
    typeof candidate.options === 'object' &&
    Array.isArray(candidate.middleware)
  );
}

function named(functions: FunctionMap | AnyFunction): NamedFunction[] {
  const single: unknown = functions;
  if (isSkyportFunction(single)) return [{ name: 'default', fn: single }];
  const out: NamedFunction[] = [];
  for (const [name, value] of Object.entries(functions)) {
    const fn: unknown = value;
    if (!isSkyportFunction(fn)) {
      throw new SkyportError('INVALID_DEFINITION', `serve(): "${name}" is not a Skyport function`, { adapter: 'node' });
    }
    out.push({ name, fn });
  }
  return out;
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function traceOf(req: IncomingMessage): Record<string, string> | undefined {
  const h = req.headers;
  if (h.traceparent === undefined && h['x-cloud-trace-context'] === undefined && h['x-amzn-trace-id'] === undefined) {
    return undefined;
  }
  const trace: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate', 'x-cloud-trace-context', 'x-amzn-trace-id']) {
    const value = header(h[name]);
    if (value !== undefined) trace[name] = value;
  }
  return trace;
}

/**
 * Request ids for requests that come without `x-request-id`: UUID-shaped, 74 random bits fixed
 * per process followed by a 48-bit counter. Unique within the process and, by the random part,
 * across processes; several times cheaper than a random UUID per request.
 */
const idPrefix = randomUUID().slice(0, 24);
const idZeros = '000000000000';
let idCounter = 0;

function nextRequestId(): string {
  idCounter = idCounter === 0xffff_ffff_ffff ? 1 : idCounter + 1;
  const hex = idCounter.toString(16);
  return idPrefix + idZeros.slice(hex.length) + hex;
}

/**
 * The context init of one request. Node builds `req.headers` from the raw header list the first
 * time it is read, so the request id and the trace headers are looked up only when asked for
 * (a GET whose handler reads no header never builds it); `raw` (`{ req, res }`) likewise.
 */
class NodeContextInit implements ContextInit {
  readonly kind: Kind;
  readonly functionName: string;
  readonly deadline: number | undefined;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  #requestId: string | undefined;
  #raw: { readonly req: IncomingMessage; readonly res: ServerResponse } | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, name: string, kind: Kind, deadline: number | undefined) {
    this.kind = kind;
    this.functionName = name;
    this.deadline = deadline;
    this.#req = req;
    this.#res = res;
  }

  // Constant, so on the prototype rather than written into every init.
  get cloud(): 'node' {
    return 'node';
  }

  get requestId(): string {
    this.#requestId ??= header(this.#req.headers['x-request-id']) ?? nextRequestId();
    return this.#requestId;
  }

  get trace(): TraceCarrier | undefined {
    return traceOf(this.#req);
  }

  get raw(): { readonly req: IncomingMessage; readonly res: ServerResponse } {
    this.#raw ??= { req: this.#req, res: this.#res };
    return this.#raw;
  }
}

/**
 * The init of serve's own context on an event route, made only to name the request in a
 * refusal's or a failure's log line: the function's context (or, for a raw event, the one the
 * adapter makes) is the invocation's, the process's first (cold) or not. This one says it is warm,
 * leaving the process's state alone.
 */
class LogContextInit extends NodeContextInit {
  get coldStart(): boolean {
    return false;
  }
}

function jsonResponse(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, cookies: [], body: JSON.stringify(value) };
}

/** The default startup announcement: one line with the URL, then the routes. */
function announce(url: string, routes: readonly RouteInfo[], print: (line: string) => void): void {
  const functions = new Set(routes.map((route) => route.function)).size;
  print(`skyport: serving ${functions} function${functions === 1 ? '' : 's'} at ${url}`);
  const width = Math.max(...routes.map((route) => route.path.length), 0);
  for (const route of routes) {
    const methods = route.methods.join(',').padEnd(7);
    const what = route.kind === 'http' ? route.function : `${route.function} (${route.kind} event as JSON)`;
    print(`  ${methods} ${route.path.padEnd(width)}  ${what}`);
  }
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The charset parameter of a content type, as core reads it. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * A body for the portable request: valid UTF-8 of a textual type in UTF-8 (or no charset) as a string (Node decodes it
 * natively, and it encodes back to the same bytes for `rawBody`), anything else as the bytes.
 * Decoding replaces invalid sequences with U+FFFD, so only a text that contains one needs the
 * full validity check.
 */
function textual(req: IncomingMessage, bytes: Buffer): string | Uint8Array {
  const type = req.headers['content-type'];
  // The common type is recognised without parsing it.
  if (type !== 'application/json') {
    if (bodyTypeOf(type) === 'binary') return bytes;
    // Text in another charset (`charset=utf-16le`) is left to core, which decodes it in that one.
    const charset = type === undefined ? undefined : CHARSET.exec(type)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return bytes;
  }
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') && !isUtf8(bytes) ? bytes : text;
}

const noRoute: RouteMatch = { status: 404 };

/**
 * Where a path that is not valid percent-encoding goes: to the one http function served when such
 * a path may be its own (a router, a function with parameters or a `*`, or one without a path), so
 * that core raises the 400 (`BAD_PATH`) inside its pipeline, with what its middleware adds
 * (`cors()`, logging), as on every cloud. A static path never is such a path. Where several
 * functions share the path space, no one of them is the function the request was meant for.
 */
function malformedPathOwner(http: readonly NamedFunction[]): { readonly found: NamedFunction } | undefined {
  const only = http.length === 1 ? http[0] : undefined;
  if (only === undefined) return undefined;
  const fn = only.fn as SkyportFunction<'http'>;
  const path = fn.routes === undefined ? fn.options.path : undefined;
  return path !== undefined && compilePath(path).isStatic ? undefined : { found: only };
}

/**
 * A request init whose body was over the limit and left unread: reading it (core's own limit
 * check, before the handler; a middleware) is the 413, raised inside the function's pipeline so
 * the answer carries what its middleware adds, as on Azure.
 */
function withBodyTooLarge(init: HttpRequestInit, refused: HttpError): HttpRequestInit {
  return Object.defineProperty(init, 'body', {
    get: () => {
      throw new PayloadTooLarge(refused.message, { code: 'BODY_TOO_LARGE' });
    },
    enumerable: true,
  });
}

/** The last `Host` found valid: most requests repeat it, and comparing is cheaper than checking. */
let validHost = '';

/**
 * Why a request is refused before anything runs, where node's parser lets it through (RFC 9112):
 * more than one `Host`, or one that is not a host (§3.2); an HTTP/1.0 request with
 * `Transfer-Encoding`, whose framing a 1.0 hop on the way may not have known (§6.1).
 */
function refusal(req: IncomingMessage): HttpError | undefined {
  // The raw list: `req.headers` keeps the first `Host` alone, and node builds it on first read.
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
      if (host !== undefined) return new BadRequest('the request has more than one Host header', { code: 'BAD_HOST' });
      host = raw[i + 1] as string;
    }
  }
  if (host !== undefined && host !== validHost) {
    if (!isHostField(host)) return new BadRequest('the Host header is not a host and port', { code: 'BAD_HOST' });
    validHost = host;
  }
  if (req.httpVersionMinor === 0 && req.headers['transfer-encoding'] !== undefined) {
    return new BadRequest('an HTTP/1.0 request cannot use Transfer-Encoding', { code: 'BAD_FRAMING' });
  }
  return undefined;
}

/**
 * What core needs to know about a node request. The URL is only built when a handler reads
 * `req.url`; node's `req.headers` already has lower-case names and one string per name except
 * `set-cookie` (an array), so it is handed over as it is unless a client sent that header.
 */
class NodeRequestInit implements HttpRequestInit {
  readonly method: string;
  readonly path: string;
  readonly query: string | undefined;
  readonly body: string | Uint8Array | undefined;
  readonly raw: IncomingMessage;
  readonly #target: string;
  readonly #trustProxy: number;
  readonly #origin: string | undefined;

  constructor(
    req: IncomingMessage,
    method: string,
    path: string,
    query: string | undefined,
    body: string | Uint8Array | undefined,
    target: string,
    trustProxy: number,
    origin: string | undefined,
  ) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.body = body;
    this.raw = req;
    this.#target = target;
    this.#trustProxy = trustProxy;
    this.#origin = origin;
  }

  // Read by core only when something needs a header (node builds `req.headers` on first read).
  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }

  get headersNormalized(): boolean {
    return this.raw.headers['set-cookie'] === undefined;
  }

  /**
   * The socket's peer, or with `trustProxy` hops the address the furthest trusted proxy saw:
   * each proxy appends its peer to `X-Forwarded-For`, so it is the `trustProxy`-th entry from the
   * right (the leftmost when there are fewer).
   */
  get ip(): string | undefined {
    const remote = this.raw.socket.remoteAddress;
    // A dual-stack socket (the default, listening on every interface) reports IPv4 peers mapped.
    const peer = remote === undefined ? undefined : unmapIPv4(remote);
    const forwarded = this.#trustProxy > 0 ? this.raw.headers['x-forwarded-for'] : undefined;
    if (typeof forwarded !== 'string') return peer;
    const entries = forwarded
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const entry = entries[entries.length - this.#trustProxy] ?? entries[0];
    return entry === undefined ? peer : unmapIPv4(entry);
  }

  /** The target's own origin when it came in absolute form (RFC 9112 §3.2.2: it wins over `Host`). */
  get url(): string {
    return (this.#origin ?? requestOrigin(this.raw)) + this.#target;
  }
}

/** The number of proxies to trust for the client address: a whole number, 0 by default. */
function trustedProxies(options: ServeOptions): number {
  const trustProxy = options.trustProxy ?? 0;
  if (!Number.isSafeInteger(trustProxy) || trustProxy < 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `serve(): trustProxy must be a whole number of proxies (0 or more), got ${shown(trustProxy)}`,
      { adapter: 'node' },
    );
  }
  return trustProxy;
}

function keepAliveTimeout(options: ServeOptions): number {
  return milliseconds('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS);
}

/** The port to listen on: the option, else `PORT`, else 3000. */
function listenPort(options: ServeOptions): number {
  // `PORT` as the platform sets it: decimal digits (`0x1f90` or ` ` is no port); empty is unset.
  const envPort = process.env.PORT?.trim();
  if (options.port === undefined && envPort && !/^\d+$/.test(envPort)) {
    throw new SkyportError('INVALID_DEFINITION', `serve(): PORT must be a port number 0-65535, got "${envPort}"`, {
      adapter: 'node',
    });
  }
  const port = options.port ?? (envPort ? Number(envPort) : 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SkyportError('INVALID_DEFINITION', `serve(): port must be an integer 0-65535, got ${shown(port)}`, {
      adapter: 'node',
    });
  }
  return port;
}

/**
 * Refuses what `serve()` would refuse of `options`, with the same `INVALID_DEFINITION` error,
 * without serving anything: the `PORT` it falls back to included. (`skyport dev` checks its
 * options so before it starts a server.)
 *
 * @example
 * checkServeOptions({ requestTimeoutMs: 1000, headersTimeoutMs: 5000 }); // throws
 */
export function checkServeOptions(options: ServeOptions): void {
  checkOptions('serve()', options, SERVE_OPTIONS, { adapter: 'node' });
  trustedProxies(options);
  byteLimit(options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  serverOptions(options);
  keepAliveTimeout(options);
  listenPort(options);
  // `0` would time every request out at once: a deadline is at least 1 ms away, or not given.
  if (options.timeoutMs !== undefined) milliseconds('timeoutMs', options.timeoutMs, 1);
  shutdownTimeout(options);
  ofType('host', options.host, 'string', 'a string');
  // A string `'false'` would leave the unauthenticated event routes on, and silence the warning.
  ofType('eventRoutes', options.eventRoutes, 'boolean', 'true or false');
  ofType('announce', options.announce, 'boolean', 'true or false');
  ofType('print', options.print, 'function', 'a function');
}

/** How a refusal shows a value it was given: a string quoted, so `"5000"` is not read as 5000. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** Refuses an option given (not `undefined`) with a value of another type than `type`. */
function ofType(name: string, value: unknown, type: 'string' | 'boolean' | 'function', what: string): void {
  if (value !== undefined && typeof value !== type) {
    throw new SkyportError('INVALID_DEFINITION', `serve(): ${name} must be ${what}, got ${shown(value)}`, {
      adapter: 'node',
    });
  }
}

/**
 * A timeout option: a whole number of milliseconds from `min` (`0` for none where that is what it
 * means) to `max`. A string, `NaN` or a negative number is refused, not turned into a deadline
 * or a timer that fires at once.
 */
function milliseconds(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new SkyportError('INVALID_DEFINITION', `serve(): ${name} must be an integer ${range}, got ${shown(value)}`, {
      adapter: 'node',
    });
  }
  return value as number;
}

/** How long `close()` waits for in-flight requests: a Node timer, so at most its largest delay. */
function shutdownTimeout(options: ServeOptions): number {
  return milliseconds('shutdownTimeoutMs', options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_MS, 0, MAX_TIMER_MS);
}

/**
 * The body limit: a whole number of bytes, or `Infinity` for none (as core's `http({ bodyLimit })`).
 * Anything else is refused: `NaN` (a limit read from an unset environment variable) would
 * otherwise turn the limit off, since no size compares above it.
 */
function byteLimit(value: unknown): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) >= 0)) {
    return value as number;
  }
  throw new SkyportError(
    'INVALID_DEFINITION',
    `serve(): bodyLimit must be a whole number of bytes (0 or more) or Infinity, got ${shown(value)}`,
    { adapter: 'node' },
  );
}

/**
 * The slow-client timeouts of the server. The headers timeout defaults as in Node (60 s, or the
 * request timeout when that is lower) except that turning the request timeout off leaves it on,
 * where Node would turn it off too. Node enforces both on a timer that runs every 30 s, so a
 * 2-second timeout could run 30 s late: the timer runs at half the shortest timeout instead (30 s
 * with the defaults, as in Node).
 */
function serverOptions(options: ServeOptions): ServerOptions {
  const requestTimeout = milliseconds('requestTimeoutMs', options.requestTimeoutMs ?? 300_000);
  const headersTimeout = milliseconds(
    'headersTimeoutMs',
    options.headersTimeoutMs ?? (requestTimeout === 0 ? 60_000 : Math.min(60_000, requestTimeout)),
  );
  if (requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `serve(): headersTimeoutMs (${headersTimeout}) must not be above requestTimeoutMs (${requestTimeout})`,
      { adapter: 'node' },
    );
  }
  const shortest = Math.min(requestTimeout || 300_000, headersTimeout || 300_000);
  const connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(shortest / 2)));
  // A repeated header node would keep the first of (`Authorization`, `User-Agent`...) is joined
  // with `, `, as API Gateway and Azure join it: two credentials are then one malformed value
  // everywhere, never the first alone on one platform.
  return { requestTimeout, headersTimeout, connectionsCheckingInterval, joinDuplicateHeaders: true };
}

/**
 * A function's answer to a method no route takes (its 405, or 204 to an OPTIONS request) with the
 * path's `Allow` (every function's methods on it) in place of its own, as `router()` gives it:
 * served alone, the function knows only its own. An answer without `Allow` (a `cors()` preflight,
 * a middleware's 401) is left as it is.
 */
function withAllow(out: HttpResponse | Promise<HttpResponse>, allow: string): HttpResponse | Promise<HttpResponse> {
  if (out instanceof Promise) return out.then((response) => withAllow(response, allow));
  return out.headers.allow === undefined ? out : { ...out, headers: { ...out.headers, allow } };
}

/**
 * Serves portable functions on `node:http` and resolves once listening.
 *
 * @example
 * import { serve, gracefulShutdown } from '@skyport/node';
 * import { functions } from './functions.js';
 *
 * const server = await serve(functions); // on $PORT, else 3000
 * gracefulShutdown(server); // SIGTERM / SIGINT: finish in-flight requests, then exit 0
 */
export function serve(functions: FunctionMap | AnyFunction, options: ServeOptions = {}): Promise<ServeHandle> {
  return serveWith(functions, options, {
    bodyLimit: 'bodyLimit',
    eventRoutesOff: 'eventRoutes: false',
    eventRoutesOn: 'eventRoutes: true',
  });
}

/** How what `serve()` prints and logs names its options: in code, or as the flags of the `skyport` CLI. */
export interface OptionNames {
  /** The body limit (`bodyLimit`), named in the line logged for an event refused for its size. */
  readonly bodyLimit: string;
  /** Turns the event routes off (`eventRoutes: false`). */
  readonly eventRoutesOff: string;
  /** Keeps them on, on purpose (`eventRoutes: true`). */
  readonly eventRoutesOn: string;
}

/**
 * `serve()`, with what it prints naming the options by `names`: `skyport serve` names its flags.
 *
 * @example
 * await serveWith(functions, options, {
 *   bodyLimit: '--body-limit',
 *   eventRoutesOff: '--no-event-routes',
 *   eventRoutesOn: '--event-routes',
 * });
 */
export async function serveWith(
  functions: FunctionMap | AnyFunction,
  options: ServeOptions,
  names: OptionNames,
): Promise<ServeHandle> {
  checkServeOptions(options);
  const all = named(functions);
  const http = all.filter((entry) => entry.fn.kind === 'http');
  const eventRoutes = options.eventRoutes ?? true;
  const trustProxy = trustedProxies(options);
  const others = new Map(all.filter((entry) => entry.fn.kind !== 'http').map((entry) => [entry.name, entry]));
  const httpNames: ReadonlySet<string> = new Set(http.map((entry) => entry.name));
  const table: RouteTable | undefined = http.length > 0 ? routeTable(http) : undefined;
  const pathOwner = malformedPathOwner(http);
  const limit = byteLimit(options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  const timeoutMs = options.timeoutMs;
  const shutdownMs = shutdownTimeout(options);
  const expose = process.env.NODE_ENV !== 'production';
  let inflight = 0;
  let closing = false;

  const contextFor = (req: IncomingMessage, res: ServerResponse, name: string, kind: Kind): Context =>
    createContext(
      new NodeContextInit(req, res, name, kind, timeoutMs === undefined ? undefined : Date.now() + timeoutMs),
    );

  /**
   * Writes the head of an answer: its headers with the cookies, `connection: close` while closing
   * and `length`, all added to the answer's own header object for the call only (node serialises
   * the head at once) and taken out again, last added first. A middleware's answer may be an
   * object it keeps (a cache): one caller's cookie or length must not go out with the next answer.
   * Adding and removing the last properties is far cheaper than copying the headers per request.
   */
  const writeHead = (
    res: ServerResponse,
    status: number,
    headers: OutgoingHttpHeaders,
    cookies: readonly string[],
    length: number | undefined,
  ): void => {
    const cookie = cookies.length > 0 ? headers['set-cookie'] : false;
    if (cookie !== false) headers['set-cookie'] = cookies as string[];
    const close = (closing || (res as TrackedResponse)[kCut] === true) && headers.connection === undefined;
    if (close) headers.connection = 'close';
    // Core keeps a `connection` header only when it says `close`.
    if (headers.connection !== undefined) closesConnection(res);
    const given = length === undefined ? undefined : headers['content-length'];
    if (length !== undefined) headers['content-length'] = length;
    try {
      res.writeHead(status, headers);
    } finally {
      if (length !== undefined) {
        if (given === undefined) delete headers['content-length'];
        else headers['content-length'] = given;
      }
      if (close) delete headers.connection;
      if (cookie === undefined) delete headers['set-cookie'];
      else if (cookie !== false) headers['set-cookie'] = cookie;
    }
  };

  const write = (res: ServerResponse, response: HttpResponse): void => {
    const body = response.body;
    // A number, as node writes it: no string made here. An answer without content (a 201, a
    // redirect) says so, as the Functions Framework does; left alone, node would send it chunked.
    // Not where no content may follow (1xx, 204, 304), nor for a HEAD request, whose answer
    // carries the length of the GET's content when known.
    const length =
      body !== undefined
        ? typeof body === 'string'
          ? Buffer.byteLength(body)
          : body.byteLength
        : response.status >= 200 && response.status !== 204 && response.status !== 304 && res.req.method !== 'HEAD'
          ? 0
          : undefined;
    writeHead(res, response.status, response.headers, response.cookies, length);
    res.end(body);
  };

  // Problem details carry a request id as everywhere in Skyport: the context's once there is one,
  // else the client's `x-request-id` or a fresh id (error paths only: no cost to a normal request).
  const fail = (res: ServerResponse, req: IncomingMessage, error: unknown, requestId?: string, close = false): void => {
    const httpError = toHttpError(error);
    const id = requestId ?? header(req.headers['x-request-id']) ?? nextRequestId();
    const response = problemResponse(httpError, id);
    // A body refused for its size is not read any further: close the connection after answering.
    if (close || httpError.status === 413) response.headers.connection = 'close';
    write(res, response);
  };

  /**
   * Refuses an event posted to an event route, nothing having run, and logs why: `warn` for a
   * refusal of the request (4xx), `error` when serve cannot take it (a missing adapter, a failure
   * of its own). The answer goes to the sender only, and a sender that retries (a Pub/Sub push
   * subscription redelivers until the message's retention ends) is refused the same way each
   * time: without the line, the application would never see it. The line goes through the
   * logger of serve's other lines, with the request id of the answer; `ctx` is the request's
   * context when there is one already.
   */
  const refuseEvent = (
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    kind: Kind,
    error: unknown,
    ctx?: Context,
  ): void => {
    const httpError = toHttpError(error);
    const context = ctx ?? createContext(new LogContextInit(req, res, name, kind, undefined));
    const fields: Record<string, unknown> = { status: httpError.status, code: httpError.code, path: req.url };
    let why = httpError.message;
    if (httpError.status === 413) {
      const declared = header(req.headers['content-length']);
      const size = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
      fields.bodyLimit = limit;
      if (size !== undefined) fields.contentLength = size;
      why =
        `${size === undefined ? 'its body is' : `its body of ${size} bytes is`} over the body limit of ${limit} bytes: ` +
        `raise ${names.bodyLimit} to take it (a Pub/Sub push envelope is about 4/3 of its message, ` +
        'so 14 MB for a 10 MB message)';
    }
    const code = httpError.code === undefined ? '' : ` ${httpError.code}`;
    const msg = `refused an event posted for "${name}" (${httpError.status}${code}): ${why}`;
    try {
      if (httpError.status >= 500) context.log.error({ ...fields, err: error }, msg);
      else context.log.warn(fields, msg);
    } catch {
      // A broken logger must not keep the answer from going out.
    }
    fail(res, req, httpError, context.requestId);
  };

  /**
   * Runs the http function for a request whose body (if any) has been read, and ends the
   * handler's part of the request (`finished()`) exactly once, whatever happens. A function that
   * answers synchronously (no asynchronous handler, schema or middleware on the way) is written in
   * the same tick with no promise at all, as a bare `node:http` handler would; otherwise after one
   * `then`. A body over the limit (`tooLarge`), left unread, is the 413 of the function the
   * request goes to, raised in its pipeline when it reads the body; a request no function takes
   * gets that 413 from `serve()`. Either answer closes the connection.
   */
  const dispatchHttp = (
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    origin: string | undefined,
    bytes?: Buffer,
    tooLarge?: HttpError,
  ): void => {
    let out: HttpResponse | Promise<HttpResponse>;
    let ctx: Context;
    try {
      if (tooLarge !== undefined) {
        (res as TrackedResponse)[kCut] = true;
        closesConnection(res);
      }
      const body = bytes === undefined ? undefined : textual(req, bytes);
      // One pass for both characters that need work: cheaper than two searches of a short target.
      let q = -1;
      let encoded = false;
      for (let i = 0; i < target.length; i++) {
        const c = target.charCodeAt(i);
        if (c === 63 /* ? */) {
          q = i;
          break;
        }
        if (c === 37 /* % */) encoded = true;
      }
      const path = q < 0 ? target : target.slice(0, q);
      const method = req.method ?? 'GET';
      // Routes match the path as sent, decoding segment by segment as core's `router()` does, so an
      // encoded `/` (`%2F`) stays inside its segment: `/admin%2Fstats` is not `/admin/stats`. The
      // whole path is decoded only to refuse a malformed one: the function that owns it gets it as
      // sent, and core refuses it inside the function's pipeline.
      let route: RouteMatch | undefined;
      if (encoded) {
        try {
          decodeURIComponent(path);
        } catch {
          if (pathOwner === undefined) {
            fail(
              res,
              req,
              tooLarge ?? new BadRequest('the request path is not valid percent-encoding', { code: 'BAD_PATH' }),
            );
            finished(res);
            return;
          }
          route = pathOwner;
        }
      }
      route ??= table === undefined ? noRoute : table.match(method, path);
      // The path's `Allow`, for a refused method a function's own pipeline answers.
      let allow: string | undefined;
      if (!('found' in route)) {
        // A method no route takes may still belong to a function: the one function on the path
        // answers its 405 (or its CORS preflight) itself, with its middleware's headers.
        const owner =
          route.status === 405
            ? table?.refused(
                method,
                path,
                method === 'OPTIONS' ? header(req.headers['access-control-request-method']) : undefined,
              )
            : undefined;
        if (owner === undefined) {
          if (tooLarge !== undefined) fail(res, req, tooLarge);
          else if (route.status === 405 && method === 'OPTIONS') {
            write(res, { status: 204, headers: { allow: route.allow }, cookies: [], body: undefined });
          } else if (route.status === 405) {
            fail(
              res,
              req,
              new MethodNotAllowed(`${method} is not allowed on ${path}`, { headers: { allow: route.allow } }),
            );
          } else {
            // The path as sent: decoded, `/admin%2Fstats` would read as a route that is missing.
            fail(res, req, new NotFound(`no route for ${method} ${path}`));
          }
          finished(res);
          return;
        }
        allow = route.status === 405 ? route.allow : undefined;
        route = owner;
      }
      ctx = contextFor(req, res, route.found.name, 'http');
      // A client that leaves before the answer: work given `ctx.signal` can stop (`responseClosed`).
      (res as TrackedResponse)[kContext] = ctx;
      const init = new NodeRequestInit(
        req,
        method,
        path,
        q < 0 ? undefined : target.slice(q + 1),
        body,
        target,
        trustProxy,
        origin,
      );
      out = respond(
        route.found.fn as SkyportFunction<'http'>,
        tooLarge === undefined ? init : withBodyTooLarge(init, tooLarge),
        ctx,
        true,
      );
      if (allow !== undefined) out = withAllow(out, allow);
    } catch (error) {
      settleFailed(req, res, error);
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (response) => deliver(req, res, response, ctx),
        (error: unknown) => settleFailed(req, res, error),
      );
    } else deliver(req, res, out, ctx);
  };

  const handleHttp = (req: IncomingMessage, res: ServerResponse, target: string, origin: string | undefined): void => {
    // GETs and HEADs carry no body in practice: nothing to wait for, the function runs right away.
    if (!hasBody(req)) {
      dispatchHttp(req, res, target, origin);
      return;
    }
    collectBody(req, limit, (error, bytes) => {
      if (error === null) dispatchHttp(req, res, target, origin, bytes);
      // Over the limit: the rest of the body stays unread, and the function's pipeline answers.
      else if (error instanceof PayloadTooLarge) dispatchHttp(req, res, target, origin, undefined, error);
      else settleFailed(req, res, error);
    });
  };

  const handleEvent = async (req: IncomingMessage, res: ServerResponse, target: string): Promise<void> => {
    const q = target.indexOf('?');
    let name: string;
    try {
      name = decodeURIComponent((q < 0 ? target : target.slice(0, q)).slice(EVENT_PREFIX.length));
    } catch {
      const malformed = new BadRequest('the function name is not valid percent-encoding');
      // A delivery (a POST) is logged: its sender retries it; serve's own answer is an http one.
      if (req.method === 'POST') refuseEvent(req, res, target, 'http', malformed);
      else fail(res, req, malformed);
      return;
    }
    // Http functions are reached on their routes only: run from a posted raw HTTP event, they would
    // take whatever identity the event claims (`cloudPrincipal()` trusts the event's cloud).
    const entry = others.get(name);
    if (entry === undefined) {
      const names = [...others.keys()].join(', ') || 'none';
      const missing = httpNames.has(name)
        ? new NotFound(`"${name}" is an http function: call it on its routes (event functions: ${names})`, {
            code: 'HTTP_FUNCTION',
          })
        : new NotFound(`no function "${name}" here (event functions: ${names})`);
      // A delivery to a name no event function has (a push subscription to a renamed function) is
      // logged; serve's own answer is an http one, no function taking the request.
      if (req.method === 'POST') refuseEvent(req, res, name, 'http', missing);
      else fail(res, req, missing);
      return;
    }
    if (req.method !== 'POST') {
      fail(res, req, new MethodNotAllowed(`post the event to ${EVENT_PREFIX}${name}`, { headers: { allow: 'POST' } }));
      return;
    }
    let bytes: Buffer | undefined;
    try {
      bytes = hasBody(req) ? await readBody(req, limit) : undefined;
    } catch (error) {
      // Over the limit: refused. A client that left before its body ended gets no answer to log.
      if (error instanceof HttpError) refuseEvent(req, res, name, entry.fn.kind, error);
      else fail(res, req, error);
      return;
    }
    const text = bytes === undefined ? '' : bytes.toString('utf8');
    const binaryCloudEvent = typeof req.headers['ce-specversion'] === 'string';
    let value: unknown;
    if (text.trim() === '') value = undefined;
    else {
      try {
        // A byte order mark, as editors on Windows save a file (`curl --data-binary @event.json`),
        // is skipped as `skyport invoke` skips it.
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (error) {
        if (!binaryCloudEvent) {
          const malformed = new BadRequest('the event is not valid JSON', { code: 'MALFORMED_JSON', cause: error });
          refuseEvent(req, res, name, entry.fn.kind, malformed);
          return;
        }
        value = text;
      }
    }
    const raw = detectRaw(value, req.headers);
    if (raw !== undefined) {
      // A binary-mode CloudEvent's body is its data: the adapter gets the exact bytes, as from the
      // Functions Framework (decoded as text, bytes that are not UTF-8 would be replaced).
      const event = binaryCloudEvent ? binaryRequest(req, bytes ?? new Uint8Array(0)) : value;
      // The adapter makes the invocation's context, cold for the process's first: serve's own is
      // made only when a refusal or a failure needs it, and leaves the cold start alone.
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      const init = new LogContextInit(req, res, name, entry.fn.kind, deadline);
      try {
        const invoke = await loadInvoker(raw.cloud);
        const result = await invoke(entry.fn, event, { name });
        write(res, jsonResponse(rawStatus(result, entry.fn.kind), result === undefined ? { ok: true } : result));
      } catch (error) {
        if (error instanceof AdapterUnavailableError) {
          const missing = new HttpError(501, `${raw.shape}: ${error.message}`, {
            code: 'ADAPTER_MISSING',
            expose: true,
          });
          refuseEvent(req, res, name, entry.fn.kind, missing, createContext(init));
          return;
        }
        // A `SkyportError` of either copy of core: the module's own, when it was bundled with one.
        const refusal = skyportErrorOf(error);
        if (refusal !== undefined && eventCodes.has(refusal.code)) {
          // The event cannot be taken: nothing ran. Whatever the handler throws (an unbatched
          // event's failure, a timeout) is the function's failure, answered 500 below.
          const refused = new BadRequest(refusal.message, { code: refusal.code });
          refuseEvent(req, res, name, entry.fn.kind, refused, createContext(init));
        } else {
          createContext(init).log.error({ err: error }, `${entry.fn.kind} function failed on a raw ${raw.cloud} event`);
          write(res, jsonResponse(500, { ok: false, error: errorToJson(error, expose) }));
        }
      }
      return;
    }
    const ctx = contextFor(req, res, name, entry.fn.kind);
    let items: ReturnType<typeof portableBatch>;
    try {
      items = portableBatch(entry.fn, name, value);
    } catch (error) {
      // A `SkyportError` of either copy of core: the module's own, when it was bundled with one.
      const skyport = skyportErrorOf(error);
      const refused = skyport === undefined ? error : new BadRequest(skyport.message, { code: skyport.code });
      refuseEvent(req, res, name, entry.fn.kind, refused, ctx);
      return;
    }
    const result = await runBatch(entry.fn, items, ctx);
    write(res, jsonResponse(result.ok ? 200 : 500, batchJson(result, expose)));
  };

  /** Called once no request is in flight any more (see `close()`). */
  let idle: (() => void) | undefined;
  /**
   * Producers whose stream was cancelled (the client left, or `close()` cut it) and that have not
   * stopped yet. Counted, not kept: one waiting on something that never comes never stops, and
   * its cancellation, never settling, must not stay reachable for the life of the process.
   */
  let windingUpCount = 0;
  /** Called once no cancelled producer is left to stop (see `close()`). */
  let woundUp: (() => void) | undefined;
  const windingUp = (cancelled: Promise<void>): void => {
    windingUpCount++;
    const stopped = () => {
      windingUpCount--;
      if (windingUpCount === 0) woundUp?.();
    };
    void cancelled.then(stopped, stopped);
  };

  /** Every connection open now. */
  const connections = new Set<Connection>();
  /**
   * Whether `close()` has stopped waiting for requests still arriving: a connection with no
   * answer pending is closed then, whatever it is reading.
   */
  let arrivalOver = false;
  /** Whether closing a connection loses nothing now (see `Connection.closable` and `ARRIVAL_MS`). */
  const closable = (connection: Connection): boolean => (arrivalOver ? connection.idle : connection.closable);

  function track(socket: TrackedSocket): Connection {
    const connection = new Connection(socket);
    socket[kConnection] = connection;
    connections.add(connection);
    socket.once('close', () => {
      connections.delete(connection);
      connection.gone = true;
      // Answers still being written are over; handlers still running end their requests later.
      const written = connection.writing;
      connection.running = 0;
      connection.writing = 0;
      if (written > 0) release(written);
    });
    return connection;
  }

  /** Ends requests in flight; once none is left while closing, every connection is closed. */
  function release(count: number): void {
    inflight -= count;
    if (closing && inflight === 0) {
      // No answer is pending on any of them (those that never carried a request included); one
      // whose next request is arriving is kept (for `ARRIVAL_MS` at most), and that request
      // answered with `connection: close`.
      for (const connection of connections) if (closable(connection)) connection.socket.destroy();
      idle?.();
    }
  }

  /** Ends the handler's part of a request: it is over once its answer is written too. */
  function finished(res: ServerResponse): void {
    const connection = connectionOf(res);
    if (connection !== undefined && !connection.gone && !res.closed) {
      (res as TrackedResponse)[kHandled] = true;
      connection.running--;
      connection.writing++;
    } else release(1);
  }

  /**
   * A response's `close`: its answer is all written (node emits it after `finish`), or its
   * connection is gone. Shared by every request, which is why the request's state is on `this`.
   */
  function responseClosed(this: TrackedResponse): void {
    const ctx = this[kContext];
    if (ctx !== undefined && !this.writableFinished) {
      // An `AbortError`: an http function that rejects with it (or with an abort it caused) is
      // logged as no failure, the client being gone (`abortedByClient` in core's run helpers).
      abortContext(ctx, new DOMException('the client closed the connection', 'AbortError'));
    }
    const connection = connectionOf(this);
    // Gone: counted when the connection closed, or the handler, still running, ends the request.
    if (connection === undefined || connection.gone) return;
    const handled = this[kHandled] === true;
    if (handled) connection.writing--;
    else connection.running--;
    // Before `release()` looks at it: what it has read so far is no request arriving.
    if (connection.idle) connection.settle(this.req);
    if (handled) release(1);
    // Closing: a connection is closed as soon as it has no answer left to write.
    if (closing && closable(connection)) connection.socket.destroy();
  }

  /** An answer that closes its connection: requests that follow it on the connection are not run. */
  function closesConnection(res: ServerResponse): void {
    const connection = connectionOf(res);
    if (connection !== undefined) connection.last = true;
  }

  /**
   * Closes the connections without an answer pending (node's own would cut one still being
   * written) and without a request arriving (node's own would keep one that never sent a byte),
   * or, once `close()` has stopped waiting for requests arriving, all without an answer pending.
   */
  function closeIdle(): void {
    for (const connection of connections) if (closable(connection)) connection.socket.destroy();
  }

  /** Writes a function's response and ends the request (a streamed one once its stream ends). */
  function deliver(req: IncomingMessage, res: ServerResponse, response: HttpResponse, ctx: Context): void {
    if (response.stream !== undefined) {
      deliverStream(req, res, response, response.stream, ctx);
      return;
    }
    try {
      write(res, response);
    } catch (error) {
      recover(req, res, error);
    } finally {
      finished(res);
    }
  }

  /**
   * Writes the head of a streamed answer at once (no length: chunked on HTTP/1.1), then its
   * content as it is produced. The handler's part lasts until the stream ends, the client leaves
   * (the stream is cancelled, so its producer stops) or the stream fails: then the connection is
   * cut, so the client never takes the answer for complete, and the failure is logged. Neither
   * `timeoutMs` (which aborts `ctx.signal` near its deadline, streaming or not) nor the request
   * timeout cuts a stream; `close()` does once its grace is over.
   */
  function deliverStream(
    req: IncomingMessage,
    res: ServerResponse,
    response: HttpResponse,
    stream: ReadableStream<Uint8Array>,
    ctx: Context,
  ): void {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      finished(res);
    };
    try {
      writeHead(res, response.status, response.headers, response.cookies, undefined);
      // The head goes out before the first chunk: an event stream's client sees it open.
      res.flushHeaders();
    } catch (error) {
      stream.cancel(error).catch(() => {});
      settleFailed(req, res, error);
      return;
    }
    // A closed connection ends the request, even while the cancelling waits for a producer that
    // is not at a `yield` (it stops when it next yields).
    res.once('close', end);
    pipeStream(stream, res, windingUp).then(end, (error: unknown) => {
      try {
        ctx.log.error({ err: error }, 'the streamed answer failed: the connection was cut');
      } catch {
        // A broken logger must not leave the request in flight.
      }
      end();
    });
  }

  function recover(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (!res.headersSent) fail(res, req, error);
    else res.destroy(error instanceof Error ? error : undefined);
  }

  function settleFailed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    try {
      recover(req, res, error);
    } finally {
      finished(res);
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket as TrackedSocket;
    const connection = socket[kConnection] ?? track(socket);
    // RFC 9112 §9.6: no request is run after an answer that closes the connection, nor one
    // pipelined behind a request in flight once closing (that request's answer closes it).
    if (connection.last || (closing && !connection.idle)) {
      connection.last = true;
      return;
    }
    inflight++;
    connection.running++;
    res.on('close', responseClosed);
    const refused = refusal(req);
    if (refused !== undefined) {
      fail(res, req, refused, undefined, true);
      finished(res);
      return;
    }
    let target = req.url ?? '/';
    let origin: string | undefined;
    // An absolute-form target (`GET http://host/path`) is routed on its path and query.
    if (target.charCodeAt(0) !== 47 /* / */) {
      const absolute = absoluteTarget(target);
      if (absolute !== undefined) {
        target = absolute.target;
        origin = absolute.origin;
      }
    }
    if (eventRoutes && target.startsWith(EVENT_PREFIX)) {
      handleEvent(req, res, target).then(
        () => finished(res),
        (error: unknown) => settleFailed(req, res, error),
      );
    } else handleHttp(req, res, target, origin);
  };
  const server = createServer(serverOptions(options), onRequest);
  server.on('connection', track);
  // Node's own counts an answer done once `end()` is called, and `server.close()` calls it.
  server.closeIdleConnections = closeIdle;
  // Every header line counts (node keeps the first 2000 by default, dropping a `Content-Length`
  // or `X-Forwarded-For` past them); their size is bounded by node's 16 KB header limit.
  server.maxHeadersCount = 0;
  // `Expect: 100-continue`: a body its declared length puts over the limit is answered 413 at
  // once (RFC 9110 section 10.1.1), not invited with a 100 the client would start uploading on.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length']) > limit)) res.writeContinue();
    onRequest(req, res);
  });
  // Longer than the idle timeout of the load balancers in front of containers (AWS ALB 60 s,
  // nginx 60 s), so the balancer, not the server, closes an idle connection: a server closing
  // first races a request the balancer is sending on it, which the client then gets as a 502.
  server.keepAliveTimeout = keepAliveTimeout(options);
  const port = listenPort(options);
  // An empty host, given or in `HOST`, is no host: every interface, as when none is given.
  const host = options.host || process.env.HOST || undefined;
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  // The URL names the host listened on (from the option or `HOST`); every interface is `localhost`.
  const shownHost =
    host === undefined || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${address.port}`;
  const routes: RouteInfo[] = [
    ...(table?.info ?? []),
    ...(eventRoutes
      ? [...others.values()].map((entry) => ({
          methods: ['POST'],
          path: `${EVENT_PREFIX}${entry.name}`,
          function: entry.name,
          kind: entry.fn.kind,
        }))
      : []),
  ];
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (options.announce ?? true) announce(url, routes, print);
  // Left to their default in production, the unauthenticated event routes are said to be on: a
  // public service must turn them off, a private one (Pub/Sub push on Cloud Run) keeps them.
  if (options.eventRoutes === undefined && others.size > 0 && process.env.NODE_ENV === 'production') {
    print(
      'skyport: warning: POST /_skyport/<name> event routes are on and not authenticated (NODE_ENV=production): ' +
        `pass ${names.eventRoutesOff} for a public service, or ${names.eventRoutesOn} to keep them and silence this`,
    );
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    routes,
    get inflight() {
      return inflight;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        const began = Date.now();
        const timer = setTimeout(() => server.closeAllConnections(), shutdownMs);
        timer.unref();
        // A request still arriving has a short while, not the grace: a stalled client would hold
        // `close()` (and what `gracefulShutdown()` runs after it) for all of it.
        const arrival = setTimeout(
          () => {
            arrivalOver = true;
            closeIdle();
          },
          Math.min(ARRIVAL_MS, server.headersTimeout || ARRIVAL_MS),
        );
        arrival.unref();
        server.close((error) => {
          clearTimeout(timer);
          clearTimeout(arrival);
          if (error) {
            reject(error);
            return;
          }
          // No connection is left, but handlers may still run: those of clients that left (in
          // the grace or before it) have what is left of the grace to finish, as they would
          // with their client there. Requests whose connection was just cut (a stream still
          // open at the end of the grace) wind up over the next turns: their producers are
          // cancelled, their `finally` runs, before `close()` resolves and `gracefulShutdown()`
          // exits. A handler that never returns is not waited for beyond the grace, or a short
          // bound after it.
          const until = Date.now() + Math.max(WIND_UP_MS, shutdownMs - (Date.now() - began));
          const settle = () => {
            idle = undefined;
            clearTimeout(bound);
            // After this turn: a cut stream's cancel has begun by then. Its producer (an async
            // `finally` releasing a lease) is waited for within what is left of the bound.
            setImmediate(() => {
              const left = until - Date.now();
              if (windingUpCount === 0 || left <= 0) return resolve();
              const limit = setTimeout(() => {
                woundUp = undefined;
                resolve();
              }, left);
              woundUp = () => {
                woundUp = undefined;
                clearTimeout(limit);
                resolve();
              };
            });
          };
          // Kept referenced: the process stays up for the handlers, then `close()` resolves.
          const bound = setTimeout(settle, until - Date.now());
          if (inflight === 0) settle();
          else idle = settle;
        });
      });
      return closed;
    },
  };
}

/**
 * A binary-mode CloudEvent (`ce-*` headers, the body is `data`) as the HTTP request the GCP
 * adapter decodes, the way the Functions Framework receives it.
 */
function binaryRequest(req: IncomingMessage, body: Uint8Array): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if ((name.startsWith('ce-') || name === 'content-type') && typeof value === 'string') headers[name] = value;
  }
  return { method: 'POST', path: '/', headers, body };
}
