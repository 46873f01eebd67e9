/**
 * `toGcp()`: a portable function as a raw Functions Framework handler. http functions and event
 * functions registered with the `http` signature get `(req, res)`; event functions with the
 * `cloudevent` signature get `(cloudEvent)`. Success answers 2xx; a failed event answers 500,
 * 502, 503 or 504 (or rejects, which the framework answers with 500), which Pub/Sub push and
 * Eventarc, standard and Advanced, all retry.
 */
import {
  abortContext,
  BadRequest,
  bodyLimitOf,
  type Context,
  checkOptions,
  endContext,
  HttpError,
  type HttpResponse,
  InternalServerError,
  type Kind,
  MethodNotAllowed,
  problemResponse,
  respond,
  runEvent,
  type ScheduleOptions,
  SkyportError,
  type SkyportFunction,
  toHttpError,
} from '@skyport/core';
import {
  type GcpSettings,
  gcpContext,
  gcpOptionNames,
  gcpOptionProblem,
  type InvocationInfo,
  requestIdOf,
  settingsOf,
} from './context.js';
import { type Delivery, deliveryId, detectHttp, detectObject, toPortable } from './event.js';
import {
  canStream,
  normalizeHeaders,
  rawBodyOf,
  readBody,
  requestInit,
  type StreamingResponse,
  withRepeats,
  writeResponse,
  writeStream,
} from './http.js';
import { isSchedulerRequest } from './scheduler.js';
import { logIgnoredStorageEvent } from './storage.js';
import type {
  AnyEventFunction,
  AnySkyportFunction,
  GcpCloudEventHandler,
  GcpHttpHandler,
  GcpOptions,
  GcpRequest,
  GcpResponse,
} from './types.js';

const noContent: HttpResponse = { status: 204, headers: {}, cookies: [], body: undefined };

/**
 * The statuses a failed delivery keeps: every push sender retries them. Pub/Sub push retries any
 * answer but a 2xx (and 102), while Eventarc Advanced retries only 408, 409, 429, 500, 502, 503
 * and 504 and drops the event after any other, so a 404 or 422 would lose it there.
 */
const retried: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * `error` as the 500 a failed delivery answers: its detail, code, validation errors, extensions
 * and headers when it may show them, under the title of a 500 unless its problem type is one of
 * its own (an `about:blank` title is the status text, RFC 9457).
 */
function retriable(error: HttpError, cause: unknown): HttpError {
  const own = error.type !== 'about:blank';
  return new HttpError(500, error.detail, {
    type: error.type,
    title: own ? error.title : undefined,
    expose: error.expose,
    headers: error.headers,
    errors: error.errors,
    code: error.code,
    extensions: error.extensions,
    instance: error.instance,
    cause,
  });
}

/**
 * The answer to an event function's request that did not succeed. A request that is no event at
 * all (`UNKNOWN_EVENT`: an empty or text body, JSON that is neither a CloudEvent, a push envelope
 * nor a legacy event) answers 400: no Google source sends one, so it comes from a person or a
 * misconfigured client, which the 400 tells. Any other failure is the failure of an event, which
 * must be retried and then dead-lettered, never dropped: a failed handler, a body failing its
 * schema (`VALIDATION`), a malformed event (`INVALID_EVENT`), an event of another source
 * (`KIND_MISMATCH`, a trigger wired to the wrong function), and a timeout (504). It answers with
 * its own status when that is a 500, 502, 503 or 504, else 500, keeping the code and the detail
 * the error shows (a thrown `NotFound`'s detail; a plain error's message stays hidden).
 */
function failure(error: unknown, requestId: string): HttpResponse {
  try {
    return failureOf(error, requestId);
  } catch {
    // A value whose reads throw (a revoked Proxy, an error with a throwing getter): the plain 500,
    // rather than a rejection the framework would answer with a text 500 of its own.
    return problemResponse(new InternalServerError(undefined, { cause: error }), requestId);
  }
}

/** `failure()` for a thrown value that can be read; it throws when reading the value does. */
function failureOf(error: unknown, requestId: string): HttpResponse {
  if (error instanceof SkyportError && error.code === 'UNKNOWN_EVENT') {
    return problemResponse(new BadRequest(error.message, { code: error.code, cause: error }), requestId);
  }
  if (error instanceof SkyportError && (error.code === 'INVALID_EVENT' || error.code === 'KIND_MISMATCH')) {
    return problemResponse(
      new InternalServerError(error.message, { code: error.code, expose: true, cause: error }),
      requestId,
    );
  }
  const httpError = toHttpError(error);
  if (retried.has(httpError.status)) return problemResponse(httpError, requestId);
  // A thrown redirect (an error status below 400) tells nothing about the failure: a plain 500.
  if (httpError.status < 400) return problemResponse(new InternalServerError(undefined, { cause: error }), requestId);
  return problemResponse(retriable(httpError, error), requestId);
}

function eventName(fn: SkyportFunction, settings: GcpSettings): string {
  return fn.kind === 'schedule' ? ((fn.options as ScheduleOptions).name ?? settings.name) : settings.name;
}

/**
 * Aborts `ctx.signal` when the framework's request timeout (`CLOUD_RUN_TIMEOUT_SECONDS`) runs out,
 * or when the client leaves: the response's connection closes before the response was finished.
 * The framework's own abort controller is not followed: it aborts with `'request closed'` when
 * the request stream closes, which also happens while the client waits for its answer, and that
 * abort then keeps its timeout from firing. A fake response without `once` (a hand-made request
 * in a test) falls back to the controller's `'timeout'`.
 */
/** The reason of an abort by the framework's timeout: a `TimeoutError`, which answers 504. */
const timedOut = () => new DOMException("the Functions Framework's request timeout ran out", 'TimeoutError');

function linkAbort(req: GcpRequest, res: GcpResponse | undefined, ctx: Context): void {
  if (res?.once !== undefined) {
    res.once('timeout', () => abortContext(ctx, timedOut()));
    res.once('close', () => {
      if (res.writableFinished === false) {
        // An `AbortError`, unlike the timeout's: an http function that rejects with it (or with an
        // abort it caused) is logged as no failure, the client being gone (`abortedByClient`).
        abortContext(ctx, new DOMException('the client closed the connection', 'AbortError'));
      }
    });
    return;
  }
  const signal = req.abortController?.signal;
  if (signal === undefined) return;
  const onAbort = () => {
    if (signal.reason === 'timeout') abortContext(ctx, timedOut());
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
}

/**
 * Readies one delivery: its portable event, its context and the abort of `ctx.signal` by the
 * framework's timeout or a client that left. What it throws (`KIND_MISMATCH`, `INVALID_EVENT`: an
 * event the function cannot take) is thrown before any context is made, and nothing logged it.
 * Returns what runs the handler, whose failure `runEvent` logs; `undefined` for an event
 * acknowledged without running it (logged here).
 */
function startDelivery(
  fn: SkyportFunction,
  settings: GcpSettings,
  delivery: Delivery,
  info: { headers?: Record<string, string>; executionId?: string | undefined; raw: unknown },
  req?: GcpRequest,
  res?: GcpResponse,
): (() => Promise<unknown>) | undefined {
  const event = toPortable(fn.kind, delivery, eventName(fn, settings));
  // A literal rather than a spread of `info`: a spread object takes a slow path on every call.
  const ctx = gcpContext(fn.kind, settings, {
    headers: info.headers,
    executionId: info.executionId,
    raw: info.raw,
    eventId: deliveryId(delivery),
    extensions: delivery.shape === 'cloudevent' ? delivery.event.extensions : undefined,
  });
  if (event === undefined) {
    // An event the function has no portable meaning for (a Cloud Storage `archived` object):
    // acknowledged, since retrying it could never run the handler.
    if (delivery.shape === 'cloudevent') logIgnoredStorageEvent(ctx.log, delivery.event.type);
    endContext(ctx);
    return undefined;
  }
  if (req !== undefined) linkAbort(req, res, ctx);
  return () => runEvent(fn, event, ctx);
}

/**
 * The answer to a delivery refused before its handler ran (a request that is no event, an event
 * of another source or a malformed one, a body that could not be read), logged through the
 * context's logger with the request id the answer shows, as a failed handler is: at `error` level
 * for the failure of an event (5xx, retried), at `warn` for a request that is no event (400).
 */
function refusal(fn: SkyportFunction, settings: GcpSettings, error: unknown, info: InvocationInfo): HttpResponse {
  const ctx = gcpContext(fn.kind, settings, info);
  const response = failure(error, ctx.requestId);
  try {
    if (response.status >= 500) {
      ctx.log.error({ err: error, status: response.status }, `${fn.kind} function failed before its handler ran`);
    } else {
      ctx.log.warn({ err: error, status: response.status }, `${fn.kind} function refused a request that is no event`);
    }
  } catch {
    // A broken logger must not turn a handled failure into a crash.
  } finally {
    endContext(ctx);
  }
  return response;
}

/**
 * Sends content produced over time as it comes. The handler's promise settles only when the
 * stream has ended, so the response stays open (and the instance's CPU allocated) until then.
 * A stream that fails once its status was sent cannot be answered with a 500 any more: the
 * connection is cut and the failure logged with the request id. It is not rethrown, which would
 * only have the framework print it again, without the request id.
 */
function sendStream(
  res: StreamingResponse,
  response: HttpResponse,
  stream: ReadableStream<Uint8Array>,
  ctx: Context,
): Promise<void> {
  return writeStream(res, response, stream).then(
    () => undefined,
    (error: unknown) => {
      try {
        ctx.log.error({ err: error, status: response.status }, 'the streamed answer failed after it began');
      } catch {
        // A broken logger must not turn a handled failure into a crash.
      }
    },
  );
}

/** Writes an answer; one with a `stream` (only given for a response that can take it) as it is produced. */
function send(res: GcpResponse, response: HttpResponse, ctx: Context): Promise<void> | undefined {
  if (response.stream !== undefined && canStream(res)) return sendStream(res, response, response.stream, ctx);
  writeResponse(res, response);
  return undefined;
}

function httpFunctionHandler(fn: SkyportFunction<'http'>, settings: GcpSettings): GcpHttpHandler {
  const limit = bodyLimitOf(fn);
  const run = (req: GcpRequest, res: GcpResponse, body: Uint8Array): Promise<void> => {
    const headers = withRepeats(req.rawHeaders, normalizeHeaders(req.headers));
    const ctx = gcpContext('http', settings, { headers, executionId: req.executionId, raw: req });
    linkAbort(req, res, ctx);
    // The framework's response takes chunks as they come; a hand-made one (`invokeGcp`) gets
    // content produced over time read whole.
    const streaming = canStream(res);
    const out = respond(fn, requestInit(req, body, headers), ctx, streaming);
    if (out instanceof Promise) return out.then((response) => send(res, response, ctx));
    return send(res, out, ctx) ?? Promise.resolve();
  };
  // The framework keeps the body bytes of every request it parsed: those are answered without
  // waiting for anything the function itself does not wait for.
  return (req, res) => {
    try {
      const body = rawBodyOf(req);
      // A body the framework left unparsed (no content type) is read up to the function's limit:
      // past it, the rest is discarded as it comes, and core answers 413.
      return body === undefined ? readBody(req, limit).then((read) => run(req, res, read)) : run(req, res, body);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function eventHttpHandler(fn: SkyportFunction, settings: GcpSettings): GcpHttpHandler {
  return async (req: GcpRequest, res) => {
    const headers = withRepeats(req.rawHeaders, normalizeHeaders(req.headers));
    let response: HttpResponse = noContent;
    let eventId: string | undefined;
    // Once the handler runs, `runEvent` logs its failure; a failure before, nothing has.
    let running = false;
    try {
      const body = await readBody(req);
      if (req.method.toUpperCase() !== 'POST' && !(fn.kind === 'schedule' && isSchedulerRequest(headers))) {
        // No event: a request of another method is refused as such, never retried.
        const refused = new MethodNotAllowed(`${fn.kind} functions take events by POST`, {
          headers: { allow: 'POST' },
        });
        response = problemResponse(refused, requestIdOf({ headers, executionId: req.executionId, raw: req }));
      } else {
        const delivery = detectHttp(headers, body, fn.kind, req);
        eventId = deliveryId(delivery);
        const run = startDelivery(
          fn,
          settings,
          delivery,
          { headers, executionId: req.executionId, raw: req },
          req,
          res,
        );
        if (run !== undefined) {
          running = true;
          await run();
        }
      }
    } catch (error) {
      const info = { headers, eventId, executionId: req.executionId, raw: req };
      response = running ? failure(error, requestIdOf(info)) : refusal(fn, settings, error, info);
    }
    writeResponse(res, response);
  };
}

/**
 * Takes the event as the framework hands it over. Its `ce-*` values are not percent-decoded: the
 * framework does not say in which mode an event came, and a legacy event it converted, or a
 * structured one, holds values that were never percent-encoded.
 */
function cloudEventHandler(fn: SkyportFunction, settings: GcpSettings): GcpCloudEventHandler {
  return async (cloudEvent) => {
    try {
      await startDelivery(fn, settings, detectObject(cloudEvent, fn.kind), { raw: cloudEvent })?.();
    } catch (error) {
      throw readableFailure(error, fn.kind);
    }
  };
}

/**
 * What a cloudevent handler rejects with: the failure itself when the framework can read it as it
 * does (`err.stack || err` logged, `err.message || err` sent as text), else a `SkyportError` with
 * code `HANDLER_FAILED` and the value as its cause. On a value whose reads throw (a revoked Proxy,
 * an error whose `message` getter throws, an object without a prototype, which has no text) or
 * that has no text to add to a string (a symbol, an error whose `message` is one), the
 * framework would throw while answering and never answer; on a falsy one, it would answer 204.
 */
function readableFailure(error: unknown, kind: Kind): unknown {
  try {
    if (error) {
      const { stack, message } = error as { stack?: unknown; message?: unknown };
      // As the framework makes text (`+ ''`), which throws for a symbol where `String()` does not.
      void `${stack || error}`;
      void `${message || error}`;
      return error;
    }
  } catch {
    // Unreadable: replaced below.
  }
  return new SkyportError('HANDLER_FAILED', `the ${kind} function failed with a value that cannot be read`, {
    adapter: 'gcp',
    kind,
    cause: error,
  });
}

/**
 * `unknown` when `K` is more than one kind; for a function of one kind, a type it cannot have,
 * so that the overload for functions of any kind does not take options meant for another kind.
 */
type OfAnyKind<K extends Kind, All extends Kind = K> = K extends unknown
  ? [All] extends [K]
    ? { readonly 'a function of one kind takes the options of its kind': K }
    : unknown
  : never;

/**
 * The raw Functions Framework handler of a portable function.
 *
 * - http functions: `(req, res)` for `functions.http`, built from `req.rawBody`.
 * - other kinds with the `http` signature (the default for `schedule` and `events`): `(req, res)`
 *   taking binary and structured CloudEvents, Pub/Sub push envelopes, legacy events and Cloud
 *   Scheduler HTTP requests; answers 204 on success, and a failed event (a failed handler, a body
 *   failing its schema, a malformed or foreign event) with a status every push sender retries:
 *   the error's own when it is 500, 502, 503 or 504, else 500, with a problem body keeping the
 *   error's code and detail. A request that is no event at all answers 400, a GET 405.
 * - other kinds with the `cloudevent` signature (the default for `queue`, `stream`, `storage`
 *   and `changes`): `(cloudEvent)` for `functions.cloudEvent`; resolves on success (the
 *   framework answers 204) and rejects on any failure (the framework answers 500); a thrown
 *   value the framework cannot read (a revoked Proxy) as a `SkyportError` with code `HANDLER_FAILED`.
 *
 * The options, and the function's own `gcp: { ... }` settings, are checked when the handler is
 * made: a name `GcpOptions` does not have (`timeoutSecond`) or a value of the wrong type
 * (`signature: 'cloudEvent'`, `timeoutSeconds: '60'`) throws `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * import * as functions from '@google-cloud/functions-framework';
 * functions.http('api', toGcp(api));
 * functions.cloudEvent('fulfilOrder', toGcp(fulfilOrder, { signature: 'cloudevent' }));
 */
export function toGcp(
  fn: SkyportFunction<'http'>,
  options?: GcpOptions & { readonly signature?: 'http' },
): GcpHttpHandler;
export function toGcp(fn: AnySkyportFunction, options: GcpOptions & { readonly signature: 'http' }): GcpHttpHandler;
export function toGcp(
  fn: AnyEventFunction,
  options: GcpOptions & { readonly signature: 'cloudevent' },
): GcpCloudEventHandler;
export function toGcp(fn: AnyEventFunction, options?: GcpOptions): GcpHttpHandler | GcpCloudEventHandler;
/**
 * `toGcp()` for a function whose kind is not known where it is called (a `SkyportFunction`
 * without a type argument, an `AnySkyportFunction`, one of a record of functions): either
 * handler, by its kind and `signature`. An http function given `signature: 'cloudevent'` is
 * refused when called, as the other overloads refuse it when compiled.
 *
 * @example
 * const all: Record<string, SkyportFunction> = { api, fulfilOrder };
 * const handlers = Object.entries(all).map(([name, fn]) => ({ name, kind: fn.kind, handler: toGcp(fn, { name }) }));
 */
export function toGcp<F extends SkyportFunction>(
  fn: F & OfAnyKind<F['kind']>,
  options?: GcpOptions,
): GcpHttpHandler | GcpCloudEventHandler;
export function toGcp(fn: AnySkyportFunction, options: GcpOptions = {}): GcpHttpHandler | GcpCloudEventHandler {
  if (typeof fn !== 'object' || fn === null || typeof fn.dispatch !== 'function' || typeof fn.kind !== 'string') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'gcp: toGcp() needs a portable function (built with http(), queue(), ...)',
      {
        adapter: 'gcp',
      },
    );
  }
  checkToGcpOptions(options);
  if (fn.kind === 'http' && options.signature === 'cloudevent') {
    throw new SkyportError('INVALID_DEFINITION', 'gcp: an http function cannot use the cloudevent signature', {
      adapter: 'gcp',
      kind: 'http',
    });
  }
  const settings = settingsOf(fn, options);
  if (fn.kind === 'http') return httpFunctionHandler(fn, settings);
  const event = fn as SkyportFunction;
  return settings.signature === 'http' ? eventHttpHandler(event, settings) : cloudEventHandler(event, settings);
}

/** Whether `value` has the two registration functions of the Functions Framework. */
function isFramework(value: unknown): boolean {
  const framework = value as Partial<Record<string, unknown>> | null | undefined;
  return typeof framework?.http === 'function' && typeof framework.cloudEvent === 'function';
}

/**
 * Refuses options of `toGcp()` with a name `GcpOptions` does not have or a value of the wrong
 * type: a signature or timeout misspelt would leave the default in place without a word.
 */
function checkToGcpOptions(options: unknown): void {
  let given = options;
  // `register()` hands its own options on, the Functions Framework it registers with among them.
  if (typeof options === 'object' && options !== null && Object.hasOwn(options, 'functions')) {
    const { functions, ...rest } = options as Readonly<Record<string, unknown>>;
    if (isFramework(functions)) given = rest;
  }
  checkOptions('gcp: toGcp()', given, gcpOptionNames, { adapter: 'gcp' });
  const problem = gcpOptionProblem((given ?? {}) as Readonly<Record<string, unknown>>);
  if (problem !== undefined) {
    throw new SkyportError('INVALID_DEFINITION', `gcp: toGcp() ${problem}`, { adapter: 'gcp' });
  }
}
