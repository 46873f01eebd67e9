/**
 * `toGcp()`: a portable function as a raw Functions Framework handler. http functions and event
 * functions registered with the `http` signature get `(req, res)`; event functions with the
 * `cloudevent` signature get `(cloudEvent)`. Success answers 2xx; a failed event answers
 * non-2xx (or rejects, which the framework answers with 500) so Pub/Sub and Eventarc retry.
 */
import {
  abortContext,
  BadRequest,
  bodyLimitOf,
  type Context,
  endContext,
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
import { type GcpSettings, gcpContext, requestIdOf, settingsOf } from './context.js';
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

/** Malformed or foreign events answer 400; a body failing its schema 422; a failed handler its error status (500 by default). */
function failure(error: unknown, requestId: string): HttpResponse {
  if (error instanceof SkyportError && ['UNKNOWN_EVENT', 'INVALID_EVENT', 'KIND_MISMATCH'].includes(error.code)) {
    return problemResponse(new BadRequest(error.message, { code: error.code, cause: error }), requestId);
  }
  const httpError = toHttpError(error);
  // An error of a status below 400 (a redirect) must still be retried: never acknowledge a
  // failure. It is answered as the 500 it becomes, so the problem's status is the answer's.
  if (httpError.status >= 400) return problemResponse(httpError, requestId);
  return problemResponse(new InternalServerError(undefined, { cause: error }), requestId);
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

async function runDelivery(
  fn: SkyportFunction,
  settings: GcpSettings,
  delivery: Delivery,
  info: { headers?: Record<string, string>; executionId?: string | undefined; raw: unknown },
  req?: GcpRequest,
  res?: GcpResponse,
): Promise<void> {
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
    return;
  }
  if (req !== undefined) linkAbort(req, res, ctx);
  await runEvent(fn, event, ctx);
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
    try {
      const body = await readBody(req);
      if (req.method.toUpperCase() !== 'POST' && !(fn.kind === 'schedule' && isSchedulerRequest(headers))) {
        throw new MethodNotAllowed(`${fn.kind} functions take events by POST`, { headers: { allow: 'POST' } });
      }
      const delivery = detectHttp(headers, body, fn.kind, req);
      eventId = deliveryId(delivery);
      await runDelivery(fn, settings, delivery, { headers, executionId: req.executionId, raw: req }, req, res);
    } catch (error) {
      response = failure(error, requestIdOf({ headers, eventId, executionId: req.executionId, raw: req }));
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
    await runDelivery(fn, settings, detectObject(cloudEvent, fn.kind), { raw: cloudEvent });
  };
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
 *   Scheduler HTTP requests; answers 204 on success, 400 for a malformed or foreign event, 422
 *   for a body failing its schema, the handler's error status (500 by default) when it fails.
 * - other kinds with the `cloudevent` signature (the default for `queue`, `stream`, `storage`
 *   and `changes`): `(cloudEvent)` for `functions.cloudEvent`; resolves on success (the
 *   framework answers 204) and rejects on any failure (the framework answers 500).
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
