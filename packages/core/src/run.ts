/**
 * What adapters call: `runHttp` turns a request into a response (it never throws: errors become
 * problem+json), `runEvent` runs one non-HTTP event (it throws when the handler fails, so the
 * platform retries), and `runBatch` (in `batch.ts`) runs a batch with its failure semantics.
 */
import { reportFailure } from './batch.js';
import { utf8Length } from './bytes.js';
import { abortContext, contextEnded, endContext, handOverContext, takeOverContext } from './context.js';
import {
  abortedByClient,
  answered,
  errorAnswerHeaders,
  InternalServerError,
  NotFound,
  quietly,
  SkyportError,
  started,
  toHttpError,
} from './errors.js';
import { Failure } from './failure.js';
import {
  dropProduced,
  type HandedRequest,
  PortableFunction,
  respondHanded,
  sendableAnswer,
  stepHttp,
  takeProduced,
  toResponse,
} from './function.js';
import {
  copyRequest,
  createHttpRequest,
  DEFAULT_BODY_LIMIT,
  deferredFailure,
  type HttpRequestInit,
  isRequestImpl,
  ownAnswer,
  type RequestImpl,
  requestInitOf,
} from './http/request.js';
import { bufferResponse, problemResponse, withCheckedCoding } from './http/response.js';
import { untilSettled } from './http/stream.js';
import { logFailure } from './log.js';
import { compilePath, type PathPattern } from './path.js';
import type { Context, EventOf, HttpRequest, HttpResponse, Kind, SkyportFunction } from './types.js';

interface Binding {
  readonly pattern: PathPattern | undefined;
}

const bindings = new WeakMap<SkyportFunction<'http'>, Binding>();

function bindingOf(fn: SkyportFunction<'http'>): Binding {
  let binding = bindings.get(fn);
  if (binding === undefined) {
    const path = fn.options.path;
    binding = { pattern: path === undefined ? undefined : compilePath(path) };
    bindings.set(fn, binding);
  }
  return binding;
}

/** Binds the path parameters of a single (unrouted) function. */
function bind(pattern: PathPattern | undefined, req: RequestImpl): void {
  if (pattern === undefined) return;
  // The route is the request's only once it matched: a 404 for a path it does not match (or a
  // 400 for one that cannot be decoded) is no request of that route, on a span or a metric.
  if (pattern.isStatic) {
    req.route = pattern.pattern;
    return;
  }
  // Parameters come from the path, so a malformed one is a 400 here (reading `path` decodes it).
  void req.path;
  // The platform routed the request already: the path may carry a prefix before the route (a
  // stage, a base path, Azure's `/api`), or the parameters may be the platform's own.
  const path = req.rawPath;
  const params = pattern.match(path);
  if (params !== undefined) {
    req.route = pattern.pattern;
    req.setParams(params);
    return;
  }
  // What the platform bound is kept as it is: its route may name things otherwise (a catch-all
  // `{*rest}` or `{proxy+}` for `*`) or match without regard to case (Azure).
  const given = req.params;
  if (!pattern.names.some((name) => (name === '*' ? Object.keys(given).length === 0 : given[name] === undefined))) {
    req.route = pattern.pattern;
    return;
  }
  const tail = matchTail(pattern, path);
  if (tail !== undefined) {
    req.route = pattern.pattern;
    req.setParams({ ...given, ...tail });
  } else {
    // A platform that sends every path to the function (a Function URL, the Functions Framework,
    // a proxy resource) sent one the route does not match: the handler would get no parameters.
    throw quietly(() => new NotFound(`no route for ${req.method} ${req.path}`));
  }
}

/**
 * `bind` for a function with middleware: a path it cannot bind (404) or decode (400) is raised
 * inside the pipeline, so the answer carries what `cors()` and the like add to every answer.
 */
function bindInPipeline(pattern: PathPattern | undefined, req: RequestImpl): void {
  try {
    bind(pattern, req);
  } catch (error) {
    // Kept on the request for as long as it lives: a middleware may call `next()` after the
    // request was answered (past `timeout()`), and the handler must not run then either.
    req[deferredFailure] = new Failure(error);
  }
}

/** The parameters of the pattern matched against the end of `path`, after whole segments. */
function matchTail(pattern: PathPattern, path: string): Record<string, string> | undefined {
  for (let slash = path.indexOf('/', 1); slash > 0; slash = path.indexOf('/', slash + 1)) {
    const params = pattern.match(path.slice(slash));
    if (params !== undefined) return params;
  }
  return undefined;
}

/**
 * Runs an http function for one request and returns the normalised response. Never throws:
 * an error becomes RFC 9457 problem+json (500s are logged in full and say nothing more).
 *
 * @example
 * const response = await runHttp(fn, { method: 'GET', path: '/users/1', headers }, ctx);
 */
export function runHttp(
  fn: SkyportFunction<'http'>,
  request: HttpRequestInit | HttpRequest,
  ctx: Context,
): Promise<HttpResponse> {
  const out = respond(fn, request, ctx);
  return out instanceof Promise ? out : Promise.resolve(out);
}

/**
 * `runHttp` for adapters: the response itself when nothing on the way was asynchronous (a
 * synchronous handler, schemas and middleware that pass `next()` through), a promise otherwise,
 * so an adapter that maps the response adds no promise step of its own. Never throws or rejects.
 *
 * An adapter that can send content as it is produced passes `streaming`: the answer of a
 * function defined with `stream: true` may then carry its content in `stream` (to be sent, or
 * cancelled if it cannot be). Without it, such content is read whole into `body`.
 *
 * @example
 * const out = respond(fn, init, ctx);
 * return out instanceof Promise ? out.then(toLambdaResult) : Promise.resolve(toLambdaResult(out));
 */
export function respond(
  fn: SkyportFunction<'http'>,
  request: HttpRequestInit | HttpRequest,
  ctx: Context,
  streaming = false,
): HttpResponse | Promise<HttpResponse> {
  // Kept small, with the rare paths in their own functions, so that it is inlined into the
  // adapter's handler.
  let req: RequestImpl | undefined;
  try {
    if (fn.kind !== 'http') throw notHttp(fn);
    req = isRequestImpl(request) ? again(request) : begin(createHttpRequest(request as HttpRequestInit) as RequestImpl);
    // The common function, without middleware, routes or streams: its own pipeline answers with
    // a normalised and checked response, on the shortest path.
    if (!(fn instanceof PortableFunction && fn.direct)) return respondOther(fn, req, ctx, streaming);
    bind(fn.pattern, req);
    const out = fn.stepHttp(req, ctx);
    if (out instanceof Failure) return fail(out.error, ctx, req.method, req);
    if (out instanceof Promise) return later(req, out, ctx, true, streaming ? STREAMING : 0);
    return done(req, out, ctx);
  } catch (error) {
    return fail(error, ctx, request?.method, req);
  }
}

/** `respond` for a function with middleware, routes or streams, or one Skyport did not make. */
function respondOther(
  fn: SkyportFunction<'http'>,
  req: RequestImpl,
  ctx: Context,
  streaming: boolean,
): HttpResponse | Promise<HttpResponse> {
  // Skyport's own functions leave the outermost middleware's result to `answer`, which
  // normalises it in the same promise step.
  const own = fn instanceof PortableFunction;
  if (!own && typeof (fn as Partial<Handing>)[respondHanded] === 'function') return handOver(fn, req, ctx, streaming);
  let bound = false;
  if (own && fn.bypassable) {
    // Middleware that all step aside for this invocation: the function's own pipeline answers,
    // as a function without middleware's does.
    bindInPipeline(fn.pattern, req);
    bound = true;
    const alone = fn.stepIfBypassed(req, ctx);
    if (alone instanceof Failure) return fail(alone.error, ctx, req.method, req);
    if (alone instanceof Promise) return later(req, alone, ctx, true, streaming ? STREAMING : 0);
    if (alone !== undefined) return done(req, alone, ctx);
  }
  if (!fn.routes && !bound) {
    if (own && fn.middleware.length > 0) bindInPipeline(fn.pattern, req);
    else bind(own ? fn.pattern : bindingOf(fn).pattern, req);
  }
  const out = own ? fn.stepHttpLoose(req, ctx) : stepHttp(fn, req, ctx);
  if (out instanceof Failure) return fail(out.error, ctx, req.method, req);
  // Without middleware (or routes, whose functions may have some) a function's own pipeline
  // has normalised and checked the response already; so it has when every middleware passed its
  // synchronous answer on (none could reach it before a promise settled).
  const checked = own && ((fn.middleware.length === 0 && fn.routes === undefined) || out === req[ownAnswer]);
  if (out instanceof Promise) return later(req, out, ctx, checked, modeOf(fn, streaming));
  if (checked) return settle(req, out as HttpResponse, ctx, modeOf(fn, streaming));
  return answer(req, out, ctx, false, modeOf(fn, streaming));
}

/** A function of another copy of `@skyport/core`, which answers a request handed to it. */
interface Handing {
  [respondHanded](handed: HandedRequest): HttpResponse | Promise<HttpResponse>;
}

/**
 * `respond` for a function of another copy of `@skyport/core` (a function module bundled with its
 * own): the request goes to that copy as what it was made from, so the copy's own request,
 * context, pipeline and error answers run there. This context ends when the answer is settled,
 * a streamed one once it is sent.
 */
function handOver(
  fn: SkyportFunction<'http'>,
  req: RequestImpl,
  ctx: Context,
  streaming: boolean,
): HttpResponse | Promise<HttpResponse> {
  const out = (fn as unknown as Handing)[respondHanded]({
    request: requestInitOf(req),
    context: handOverContext(ctx),
    streaming,
    // A context run with again once it ended (a test's): nothing of this run is left to abort.
    signal: contextEnded(ctx) ? undefined : ctx.signal,
  });
  if (out instanceof Promise) {
    return out.then(
      (response) => handedBack(req, response, ctx),
      (error: unknown) => fail(error, ctx, req.method, req),
    );
  }
  return handedBack(req, out, ctx);
}

/** The answer of a function of another copy, once this invocation's part of it is over. */
function handedBack(req: RequestImpl, response: HttpResponse, ctx: Context): HttpResponse {
  close(req);
  const stream = response.stream;
  if (stream === undefined) {
    endContext(ctx);
    return response;
  }
  return { ...response, stream: untilSettled(stream, () => endContext(ctx)) };
}

/**
 * What a function of this copy answers to a request another copy handed over: a context and a
 * request of this copy made of what came, run by `respond`. Throws only for a handover it cannot
 * read, which the other copy's `respond` answers as its own failure.
 *
 * @example
 * const response = await answerHanded(fn, { request, context, streaming: false, signal: undefined });
 */
export function answerHanded(fn: SkyportFunction<'http'>, handed: HandedRequest): HttpResponse | Promise<HttpResponse> {
  const ctx = takeOverContext(handed.context);
  const signal = handed.signal;
  const streaming = handed.streaming === true;
  if (signal === undefined) return respond(fn, handed.request, ctx, streaming);
  // A client that left, or a deadline the other copy's context reached first.
  if (signal.aborted) {
    abortContext(ctx, signal.reason);
    return respond(fn, handed.request, ctx, streaming);
  }
  const abort = () => abortContext(ctx, signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  // The other copy's context may outlive this run (a test runs many with one): nothing of it is
  // kept past the answer, a streamed one once it is sent.
  const unlink = () => signal.removeEventListener('abort', abort);
  const out = respond(fn, handed.request, ctx, streaming);
  if (out instanceof Promise) {
    return out.then(
      (response) => unlinkOnceSent(response, unlink),
      (error: unknown) => {
        unlink();
        throw error;
      },
    );
  }
  return unlinkOnceSent(out, unlink);
}

/** `response`, calling `unlink` once it is sent. */
function unlinkOnceSent(response: HttpResponse, unlink: () => void): HttpResponse {
  const stream = response.stream;
  if (stream === undefined) {
    unlink();
    return response;
  }
  return { ...response, stream: untilSettled(stream, unlink) };
}

/**
 * The largest body `fn` takes: its `bodyLimit` (6 MB when not given), or for a router the largest
 * of its routes' (each route still applies its own). An adapter that reads the body itself stops
 * reading past it.
 *
 * @example
 * const bytes = await readBody(req, bodyLimitOf(fn));
 */
export function bodyLimitOf(fn: SkyportFunction<'http'>): number {
  if (fn.routes === undefined) return fn.options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return fn.routes.reduce((largest, route) => Math.max(largest, bodyLimitOf(route)), 0);
}

/** A request made for this run. */
function begin(req: RequestImpl): RequestImpl {
  req[started] = true;
  return req;
}

/**
 * A request made by `createHttpRequest()` and handed in: run as it is when no run of it began
 * (what `fn.dispatch` asked for on it is forgotten), else as a copy. A handler that runs another
 * function on its own request, or a request run again while the work of its answered run goes on
 * (past `timeout()`), then leaves each run its own route, parameters, validated parts, deferred
 * failure and error answer headers.
 */
function again(req: RequestImpl): RequestImpl {
  if (req[started]) return begin(copyRequest(req));
  req[errorAnswerHeaders] = undefined;
  req[deferredFailure] = undefined;
  req[ownAnswer] = undefined;
  return begin(req);
}

/** Marks `req` answered: what middleware still running asks for on it has no effect. */
function close(req: RequestImpl): void {
  req[answered] = true;
  req[errorAnswerHeaders] = undefined;
}

function notHttp(fn: SkyportFunction<'http'>): SkyportError {
  return new SkyportError('KIND_MISMATCH', `runHttp() got a ${fn.kind} function`, { kind: fn.kind, shape: 'http' });
}

/** `mode` bit: the function leaves a body produced over time a stream (`stream: true`). */
const STREAMED = 1;
/** `mode` bit: the adapter sends a stream as it is produced. */
const STREAMING = 2;

/** `answer` once the chain's promise settles. */
function later(
  req: RequestImpl,
  out: Promise<unknown>,
  ctx: Context,
  checked: boolean,
  mode: number,
): Promise<HttpResponse> {
  return out.then(
    (response: unknown) => {
      try {
        return answer(req, response, ctx, checked, mode);
      } catch (error) {
        return fail(error, ctx, req.method, req);
      }
    },
    (error) => fail(error, ctx, req.method, req),
  );
}

/**
 * The response of what the pipeline gave: normalised, and, unless the function's own pipeline
 * `checked` it, its headers checked (a middleware may have answered with any object).
 */
function answer(
  req: RequestImpl,
  result: unknown,
  ctx: Context,
  checked: boolean,
  mode: number,
): HttpResponse | Promise<HttpResponse> {
  const response = toResponse(result, (mode & STREAMED) !== 0);
  if (response instanceof Promise) return later(req, response, ctx, false, mode);
  // A function's own answer carries a stream only when it is defined with `stream: true`.
  if (checked) return (mode & STREAMED) === 0 ? done(req, response, ctx) : settle(req, response, ctx, mode);
  // A middleware's answer no platform can send (its status, a header) throws.
  return settle(req, sendableAnswer(response), ctx, mode);
}

/**
 * How the outermost middleware's answer is normalised (`STREAMED`: the function leaves a body
 * produced over time a stream), and whether a stream may be sent on (`STREAMING`).
 */
function modeOf(fn: SkyportFunction<'http'>, streaming: boolean): number {
  return (fn instanceof PortableFunction && fn.streamed ? STREAMED : 0) | (streaming ? STREAMING : 0);
}

/** `done` for an answer that may carry a stream (a function with `stream: true`, or middleware). */
function settle(
  req: RequestImpl,
  response: HttpResponse,
  ctx: Context,
  mode: number,
): HttpResponse | Promise<HttpResponse> {
  if (response.stream !== undefined) return doneStreamed(req, response, ctx, mode);
  // A stream the handler answered with that a middleware replaced is never read.
  if ((mode & STREAMED) !== 0) dropProduced(req, undefined);
  return done(req, response, ctx);
}

/** The answer as it is handed to the adapter, once no stream is left in it. */
function done(req: RequestImpl, response: HttpResponse, ctx: Context): HttpResponse {
  endContext(ctx);
  close(req);
  if (req.method === 'HEAD') return headAnswer(response);
  // A length given without content describes the content of a HEAD or 304 answer only: sent
  // beside no content otherwise, the client would wait for bytes that never come.
  return response.body === undefined && response.status !== 304 ? withoutLength(response) : response;
}

/**
 * `done` for content in a stream: sent on as it is when the adapter can (without a length, which
 * only the platform can know), read whole when it cannot. A HEAD answer gets the headers alone,
 * and the stream is cancelled unread.
 */
function doneStreamed(
  req: RequestImpl,
  response: HttpResponse,
  ctx: Context,
  mode: number,
): HttpResponse | Promise<HttpResponse> {
  // The handler's stream when a middleware answered with another (which may read it, as a
  // transform does): released once that answer is sent, never before.
  const replaced = takeProduced(req, response.stream);
  const release = () => {
    if (replaced !== undefined && !replaced.locked) replaced.cancel().catch(ignore);
  };
  if (req.method === 'HEAD') {
    endContext(ctx);
    close(req);
    response.stream?.cancel().catch(ignore);
    release();
    const { stream: _, ...head } = response;
    return withoutLength(head);
  }
  if ((mode & STREAMING) !== 0) {
    close(req);
    const checked = withCheckedCoding(response);
    if (checked instanceof Promise) {
      return checked.then(
        (sent) => sendOn(sent, ctx, release),
        (error: unknown) => {
          response.stream?.cancel().catch(ignore);
          release();
          return fail(error, ctx, req.method, req);
        },
      );
    }
    return sendOn(checked, ctx, release);
  }
  return bufferResponse(response).then(
    (whole) => {
      release();
      return done(req, whole, ctx);
    },
    (error: unknown) => {
      release();
      return fail(error, ctx, req.method, req);
    },
  );
}

/**
 * A streamed answer handed to the adapter. The invocation lasts until it is sent: `ctx.signal`
 * still aborts at the deadline, so a producer that listens to it can end the stream in time.
 */
function sendOn(response: HttpResponse, ctx: Context, release: () => void): HttpResponse {
  const stream = untilSettled(response.stream as ReadableStream<Uint8Array>, () => {
    endContext(ctx);
    release();
  });
  return { ...withoutLength(response), stream };
}

const ignore = () => {};

/**
 * The answer to a HEAD request: the headers of the GET answer, with the length of the content a
 * GET would get (RFC 9110 section 9.3.2), and no content.
 */
function headAnswer(response: HttpResponse): HttpResponse {
  const body = response.body;
  if (body === undefined) return response;
  const length = typeof body === 'string' ? utf8Length(body) : body.byteLength;
  return { ...response, headers: { ...response.headers, 'content-length': String(length) }, body: undefined };
}

/** `response` without a `Content-Length` header, whatever the case of its name (a middleware's answer). */
function withoutLength(response: HttpResponse): HttpResponse {
  let headers: Record<string, string> | undefined;
  for (const name in response.headers) {
    if (name.length !== 14 || name.toLowerCase() !== 'content-length') continue;
    headers ??= { ...response.headers };
    delete headers[name];
  }
  return headers === undefined ? response : { ...response, headers };
}

/** The problem+json answer to an error (its headers alone for a HEAD request). */
function fail(error: unknown, ctx: Context, method: unknown, req?: RequestImpl): HttpResponse {
  endContext(ctx);
  // A stream the handler answered with before a middleware failed is never read.
  if (req !== undefined) dropProduced(req, undefined);
  // Only the headers asked for on this request: an error object may be thrown for many.
  let httpError = toHttpError(error, req);
  let response: HttpResponse;
  let failure = error;
  try {
    response = problemResponse(httpError, ctx.requestId);
  } catch (refusal) {
    // A header of the error's no platform can send: the refusal naming it is what is logged, as
    // for a response returned with it, the error as its cause. An error that throws as it is
    // rendered (a header or an extension member whose read throws) is logged as it is.
    if (refusal instanceof Error && refusal.cause === error) failure = refusal;
    httpError = toHttpError(new InternalServerError(undefined, { cause: failure }), req);
    response = problemResponse(httpError, ctx.requestId);
  }
  if (req !== undefined) close(req);
  // A client that left is no failure of the function: the answer cannot reach it anyway.
  if (httpError.status >= 500 && !abortedByClient(error, ctx)) {
    logFailure(ctx.log, failure, `${httpError.status} ${httpError.title}`);
  }
  return typeof method === 'string' && method.toUpperCase() === 'HEAD' ? headAnswer(response) : response;
}

/**
 * Runs a non-HTTP function for one event. Resolves when the handler succeeded (or the event was
 * filtered out by the definition); rejects with the handler's error otherwise, after logging it
 * (a falsy one, `throw undefined`, as a `SkyportError` with code `HANDLER_FAILED`; one that cannot
 * be read, a revoked Proxy or an error whose `stack` getter throws, as one with the value as its
 * `cause`).
 *
 * @example
 * await runEvent(fn, createScheduleTick({ name: 'nightly', scheduledTime: event.time }), ctx);
 */
export async function runEvent<K extends Kind>(
  fn: SkyportFunction<K>,
  event: EventOf<K>,
  ctx: Context,
): Promise<unknown> {
  try {
    return await fn.dispatch(event, ctx);
  } catch (thrown) {
    // A value that cannot be read (a revoked Proxy) is replaced: the Functions Framework reads
    // `err.stack`, and would throw on it and never answer.
    const error = reportFailure(ctx.log, thrown, fn.kind, `${fn.kind} function failed`);
    // A platform that tells failure from success by the rejection's truthiness (the Lambda
    // runtime, the Functions Framework) would take `throw undefined` for success.
    throw error || new SkyportError('HANDLER_FAILED', `the ${fn.kind} function failed with ${String(error)}`);
  } finally {
    endContext(ctx);
  }
}
