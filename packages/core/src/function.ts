/**
 * The runtime behind every portable function: the inert definition (kind, options, middleware,
 * handler) and the dispatch that runs middleware, validation and the handler for one event.
 */
import { composeSteps, isThenable } from './compose.js';
import type { ContextHandover } from './context.js';
import {
  answered,
  InternalServerError,
  MethodNotAllowed,
  PayloadTooLarge,
  quietly,
  SkyportError,
  UnprocessableEntity,
  type ValidationIssue,
} from './errors.js';
import { isPayloadEvent } from './events.js';
import { Failure } from './failure.js';
import {
  DEFAULT_BODY_LIMIT,
  deferredFailure,
  type HttpRequestInit,
  isRequestImpl,
  ownAnswer,
  type RequestImpl,
} from './http/request.js';
import {
  checkResponse as checkAnswer,
  isHttpResponse,
  isPlainRecord,
  isResponseInit,
  isSentBody,
  normalizeResponse,
  passesAsIs,
  withCheckedCoding,
} from './http/response.js';
import { isAsyncIterable } from './http/stream.js';
import { allowHeader, allowsMethod, methodsOf } from './methods.js';
import { setOwn } from './own.js';
import { compilePath, type PathPattern } from './path.js';
import { answerHanded } from './run.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type {
  AnyMiddleware,
  ChangeEvent,
  CloudEvent,
  Context,
  EventOf,
  HttpResponse,
  Kind,
  KindOptions,
  MiddlewareResult,
  SkyportFunction,
  StorageEvent,
} from './types.js';
import { checkSchema, leftOut, MAX_ISSUES, toIssues, validate, validationError } from './validate.js';

/**
 * The key of the method by which a function answers a request that another copy of
 * `@skyport/core` hands it (`respond()` of a runtime that loads one copy, for a function module
 * bundled with another). A registered symbol, so every copy names it alike; `v1` is the shape of
 * what it takes, `HandedRequest`, which a later shape gets a key of its own for.
 */
export const respondHanded: unique symbol = Symbol.for('skyport.respond.v1');

/** What a copy of core hands a function of another copy with a request: plain data only. */
export interface HandedRequest {
  /** What the request was made from. */
  readonly request: HttpRequestInit;
  /** What the context is made from. */
  readonly context: ContextHandover;
  /** Whether the runtime sends a stream as it is produced (`respond()`'s `streaming`). */
  readonly streaming: boolean;
  /** The signal of the runtime's context: when it aborts (a client that left), so does the function's. */
  readonly signal: AbortSignal | undefined;
}

/** One step of a pipeline: synchronous when it can be, a promise when it must. */
export type Step<TEvent, TResult> = (event: TEvent, ctx: Context) => TResult | Failure | Promise<TResult>;

/**
 * Runs an http function for a request made by `createHttpRequest()` through its fastest path:
 * the unchecked pipeline of Skyport's own functions, `dispatch` otherwise. May throw
 * synchronously or return a `Failure`.
 */
export function stepHttp(
  fn: SkyportFunction<'http'>,
  req: RequestImpl,
  ctx: Context,
): HttpResponse | Failure | Promise<HttpResponse> {
  return fn instanceof PortableFunction ? fn.stepHttp(req, ctx) : fn.dispatch(req, ctx);
}

/** A handler as stored at run time. */
export type AnyHandler = (event: never, ctx: never) => unknown;

/**
 * Normalises what a middleware returned into an `HttpResponse`; with `streamed` (a function
 * defined with `stream: true`) a body produced over time is left a stream.
 */
export function toResponse(value: unknown, streamed = false): HttpResponse | Promise<HttpResponse> {
  return isHttpResponse(value) ? value : normalizeResponse(value, streamed);
}

/**
 * A response a middleware answered with, checked and brought to the shape it is sent in (see
 * `checkResponse`); a stream it carries is cancelled when no platform could send the answer.
 *
 * @example
 * const sendable = sendableAnswer({ status: 200, headers: { 'Set-Cookie': 'a=1' }, cookies: [], body: 'ok' });
 * sendable.cookies; // ['a=1']
 */
export function sendableAnswer(response: HttpResponse): HttpResponse {
  // Lower-case names only: no `Vary` under two spellings.
  if (passesAsIs(response)) return response;
  const headers = withJoinedVary(response.headers);
  try {
    return checkAnswer(headers === response.headers ? response : { ...response, headers });
  } catch (error) {
    // Its stream is never read.
    if (response.stream !== undefined && !response.stream.locked) response.stream.cancel().catch(ignore);
    throw error;
  }
}

/**
 * `headers` with the values of `Vary` given under several spellings (a middleware that spreads
 * `Vary` in over the handler's `vary`) joined under one name, where another header given again in
 * another case replaces the earlier one: each value names what the answer varies by, and a cache
 * that lost one would hand a variant to a client it does not suit.
 */
function withJoinedVary(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  let spellings = 0;
  for (const name in headers) {
    if (name.length === 4 && name.toLowerCase() === 'vary' && headers[name] != null) spellings++;
  }
  if (spellings < 2) return headers as Record<string, string>;
  const joined: unknown[] = [];
  const rest: Record<string, unknown> = {};
  for (const name in headers) {
    const value = headers[name];
    if (name.length !== 4 || name.toLowerCase() !== 'vary') setOwn(rest, name, value);
    else if (value != null) joined.push(Array.isArray(value) ? value.join(', ') : String(value));
  }
  rest.vary = joined.join(', ');
  return rest as Record<string, string>;
}

/** A header name with an upper-case letter. */
const UPPER = /[A-Z]/;

/**
 * Whether a response is in the shape it is sent in: headers a plain record of lower-case names
 * and text values without `set-cookie`, cookies as text, a body of text or bytes. What a handler
 * answers with always is; one a middleware edited may not be.
 */
function inSentShape(response: HttpResponse): boolean {
  if (!isSentBody(response.body) || !isPlainRecord(response.headers)) return false;
  const headers: Readonly<Record<string, unknown>> = response.headers;
  for (const name in headers) {
    if (typeof headers[name] !== 'string' || name === 'set-cookie' || UPPER.test(name)) return false;
  }
  const cookies: readonly unknown[] = response.cookies;
  for (let i = 0; i < cookies.length; i++) if (typeof cookies[i] !== 'string') return false;
  return true;
}

/**
 * What one middleware answered with, as the middleware around it sees it from `next()`: the
 * response that will be sent. An inner middleware that set `Set-Cookie` or `Content-Type` on the
 * handler's response would otherwise leave an outer one reading `cookies` without that cookie
 * (a cache that stores answers without cookies would replay it to everyone), or two types.
 */
function toLayerResponse(value: unknown, streamed: boolean): HttpResponse | Promise<HttpResponse> {
  if (!isHttpResponse(value)) return normalizeResponse(value, streamed);
  return inSentShape(value) ? value : sendableAnswer(value);
}

/** `toLayerResponse` for a function without `stream: true`. */
const toLayerAnswer = (value: unknown): HttpResponse | Promise<HttpResponse> => toLayerResponse(value, false);

/** `toLayerResponse` for a function defined with `stream: true`. */
const toStreamedLayerAnswer = (value: unknown): HttpResponse | Promise<HttpResponse> => toLayerResponse(value, true);

/** `normalizeResponse` for a function defined with `stream: true`. */
const normalizeStreamed = (value: unknown): HttpResponse | Promise<HttpResponse> => normalizeResponse(value, true);

const production = () => process.env.NODE_ENV === 'production';

const ignore = () => {};

type Part = 'params' | 'query' | 'headers' | 'body';

function partValue(req: RequestImpl, part: Part): unknown {
  if (part === 'body') return req.schemaBody();
  if (part === 'headers') return req.rawHeaders;
  return part === 'query' ? req.query : req.params;
}

/**
 * Validates the request parts the definition has schemas for (collecting the issues of every
 * part before failing once), then runs the handler and normalises its result.
 */
function httpInner(options: KindOptions['http'], handler: AnyHandler): Step<RequestImpl, HttpResponse> {
  const parts: [Part, StandardSchemaV1][] = [];
  if (options.params) parts.push(['params', options.params]);
  if (options.query) parts.push(['query', options.query]);
  if (options.headers) parts.push(['headers', options.headers]);
  if (options.body) parts.push(['body', options.body]);
  const response = options.response;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const run = handler as (req: RequestImpl, ctx: Context) => unknown;

  const normalize = options.stream === true ? normalizeStreamed : normalizeResponse;
  const checkThenNormalize = (result: unknown): HttpResponse | Promise<HttpResponse> => {
    const init = isResponseInit(result);
    const value = init ? result.body : result;
    if ((init ? result.status : 200) < 300 && value !== undefined && !isWebBody(value)) {
      const checked = checkResponse(response as StandardSchemaV1, value);
      if (checked instanceof Promise) return checked.then(() => normalize(result));
    }
    return normalize(result);
  };
  // Whether this is production is settled when the function is defined: an environment read
  // per response would cost about a microsecond.
  const finish: (result: unknown) => HttpResponse | Promise<HttpResponse> =
    response === undefined || production() ? normalize : checkThenNormalize;
  const streams = options.stream === true;
  const call = (req: RequestImpl, ctx: Context): HttpResponse | Failure | Promise<HttpResponse> => {
    const result = run(req, ctx);
    if (streams) return tracked(req, result, finish);
    if (result instanceof Promise) return result.then(finish);
    // A promise of another realm or library, or a lazy query builder, is awaited like a promise.
    if (isThenable(result)) return Promise.resolve(result).then(finish);
    return finish(result);
  };
  // `call` inside a promise chain, where a `Failure` becomes the rejection it stands for.
  const callInPromise = (req: RequestImpl, ctx: Context): HttpResponse | Promise<HttpResponse> => {
    const out = call(req, ctx);
    if (out instanceof Failure) throw out.error;
    return out;
  };

  const count = parts.length;
  const methods = methodsOf(options);
  const only = methods?.length === 1 ? methods[0] : undefined;
  const allow = allowHeader(methods ?? []);
  const bodySchema = count === 1 && options.body !== undefined ? options.body['~standard'] : undefined;

  const validateAll = (req: RequestImpl, ctx: Context): HttpResponse | Failure | Promise<HttpResponse> => {
    let issues: ValidationIssue[] | undefined;
    let failed: Part[] | undefined;
    let pending: Promise<void>[] | undefined;
    let total = 0;
    // Each part adds what room is left in the list; every part's count goes into the total.
    const fail = (part: Part, found: ReadonlyArray<StandardSchemaV1.Issue>) => {
      issues ??= [];
      if (issues.length < MAX_ISSUES) issues.push(...toIssues(part, found, MAX_ISSUES - issues.length));
      total += found.length;
      failed ??= [];
      failed.push(part);
    };
    try {
      for (let i = 0; i < count; i++) {
        const [part, schema] = parts[i] as [Part, StandardSchemaV1];
        const result = checkSchema(schema['~standard'], partValue(req, part));
        if (result instanceof Promise) {
          pending ??= [];
          pending.push(
            result.then((settled) => {
              if (settled.issues) fail(part, settled.issues);
              else req.setValidated(part, settled.value);
            }),
          );
        } else if (result.issues) fail(part, result.issues);
        else req.setValidated(part, result.value);
      }
    } catch (error) {
      // A later part failed at once (malformed JSON): the checks still running are abandoned,
      // and their failure (a lookup that is down) must not become an unhandled rejection.
      if (pending !== undefined) for (const check of pending) check.catch(ignore);
      throw error;
    }
    if (pending !== undefined) {
      return Promise.all(pending).then(() => {
        if (issues !== undefined) throw unprocessable(issues, failed ?? [], total);
        return callInPromise(req, ctx);
      });
    }
    if (issues !== undefined) return new Failure(unprocessable(issues, failed ?? [], total));
    return call(req, ctx);
  };

  // A body schema that answers with a promise (an async refinement).
  const validatedLater = (
    pending: Promise<StandardSchemaV1.Result<unknown>>,
    req: RequestImpl,
    ctx: Context,
  ): Promise<HttpResponse> =>
    pending.then((settled) => {
      if (settled.issues) throw unprocessable(toIssues('body', settled.issues), ['body'], settled.issues.length);
      req.setValidated('body', settled.value);
      return callInPromise(req, ctx);
    });

  // Synchronous until something is really asynchronous (an async schema or handler): every
  // avoided await is a measurable share of a small request. Kept small, with the rare branches
  // in their own functions, so that it is inlined into the adapter's handler.
  return (req, ctx) => {
    // A path the route could not bind: raised here, so it passes through the middleware.
    const deferred = req[deferredFailure];
    if (deferred !== undefined) return deferred;
    const method = req.method;
    if (method !== only && !allowsMethod(methods, method)) return refuse(method, allow);
    if (req.exceeds(limit)) return new Failure(tooLarge(limit));
    if (bodySchema === undefined) return count === 0 ? call(req, ctx) : validateAll(req, ctx);
    // The common case, a body schema alone, without the general loop.
    const result = checkSchema(bodySchema, req.schemaBody());
    if (result instanceof Promise) return validatedLater(result, req, ctx);
    if (result.issues) {
      return new Failure(unprocessable(toIssues('body', result.issues), ['body'], result.issues.length));
    }
    req.setValidated('body', result.value);
    return call(req, ctx);
  };
}

/**
 * The stream each request's handler answered with, for a function defined with `stream: true`,
 * until the answer is settled: a stream the answer does not carry (a middleware replaced it, or
 * failed after `next()`; the handler finished after `timeout()` answered) is cancelled, so its
 * producer stops and an upstream connection it reads is released.
 */
const produced = new WeakMap<RequestImpl, ReadableStream<Uint8Array>>();

/** `finish` for a handler of a `stream: true` function: the stream it answered with is tracked. */
function tracked(
  req: RequestImpl,
  result: unknown,
  finish: (result: unknown) => HttpResponse | Promise<HttpResponse>,
): HttpResponse | Promise<HttpResponse> {
  const track = (response: HttpResponse): HttpResponse | Promise<HttpResponse> => {
    const stream = response.stream;
    if (stream === undefined) return response;
    // Answered already (past `timeout()`): nothing will send it.
    if (req[answered]) {
      stream.cancel().catch(ignore);
      return response;
    }
    produced.set(req, stream);
    // A content coding label is checked against the first bytes here, inside the middleware, so
    // `timeout()` bounds that wait too; a HEAD answer never starts the producer.
    if (req.method === 'HEAD') return response;
    return withCheckedCoding(response, (rest) => produced.set(req, rest));
  };
  const settle = (value: unknown) => {
    const out = finish(value);
    return out instanceof Promise ? out.then(track) : track(out);
  };
  if (result instanceof Promise || isThenable(result)) return Promise.resolve(result).then(settle);
  return settle(result);
}

/**
 * Cancels the stream the handler of `req` answered with unless it is `kept` (the stream the
 * answer carries): called once the answer is settled.
 *
 * @example
 * dropProduced(req, response.stream);
 */
export function dropProduced(req: RequestImpl, kept: ReadableStream<Uint8Array> | undefined): void {
  const stream = produced.get(req);
  if (stream === undefined) return;
  produced.delete(req);
  if (stream !== kept) stream.cancel().catch(ignore);
}

/**
 * The stream the handler of `req` answered with, when the answer carries another one (`kept`), no
 * longer tracked: the caller releases it once that answer is sent.
 *
 * @example
 * const replaced = takeProduced(req, response.stream);
 */
export function takeProduced(
  req: RequestImpl,
  kept: ReadableStream<Uint8Array> | undefined,
): ReadableStream<Uint8Array> | undefined {
  const stream = produced.get(req);
  if (stream === undefined) return undefined;
  produced.delete(req);
  return stream === kept ? undefined : stream;
}

/** The answer to a method the definition does not allow: 204 with `Allow` for OPTIONS, else 405. */
function refuse(method: string, allow: string): HttpResponse | Failure {
  if (method === 'OPTIONS') return { status: 204, headers: { allow }, cookies: [], body: undefined };
  return new Failure(quietly(() => new MethodNotAllowed(`${method} is not allowed here`, { headers: { allow } })));
}

/**
 * Whether a body is one the web `Response` constructor reads (a `Response`, a `ReadableStream`,
 * a `Blob`, `FormData`, `URLSearchParams`) or an async iterable: its content is not known until
 * it is read, so the response schema does not check it, wherever it is returned. Plain data has
 * neither a `Symbol.toStringTag` nor a `Symbol.asyncIterator` and is answered without looking up
 * a web class.
 */
function isWebBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isAsyncIterable(value)) return true;
  if ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === undefined) return false;
  return (
    value instanceof Response ||
    value instanceof ReadableStream ||
    value instanceof Blob ||
    value instanceof FormData ||
    value instanceof URLSearchParams
  );
}

/** Validates a response body; a mismatch is the function's bug, so a 500 (the issues are logged). */
function checkResponse(schema: StandardSchemaV1, value: unknown): unknown {
  const broken = (error: unknown) =>
    new InternalServerError('the response does not match its schema', { cause: error });
  try {
    const checked = validate(schema, value, 'response');
    return checked instanceof Promise
      ? checked.catch((error: unknown) => {
          throw broken(error);
        })
      : checked;
  } catch (error) {
    throw broken(error);
  }
}

/**
 * The 422 of a request that failed its schemas (`parts` in the order they were checked), listing
 * the first of its `total` issues; when some were left out, `errorCount` says how many there were.
 */
function unprocessable(issues: ValidationIssue[], parts: readonly Part[], total: number): UnprocessableEntity {
  const detail = `invalid request ${parts.join(', ')}${leftOut(issues.length, total)}`;
  const extensions = total > issues.length ? { errorCount: total } : undefined;
  return quietly(() => new UnprocessableEntity(detail, { errors: issues, code: 'VALIDATION', extensions }));
}

/** The 413 of a request over the body limit. */
function tooLarge(limit: number): PayloadTooLarge {
  return quietly(
    () => new PayloadTooLarge(`the request body is larger than ${limit} bytes`, { code: 'BODY_TOO_LARGE' }),
  );
}

/** A filter of a storage or events definition. */
type Filter = 'on' | 'prefix' | 'suffix' | 'type' | 'source';

/**
 * The filter of the definition that refuses a non-http event (storage `on`/`prefix`/`suffix`,
 * events `type`/`source`), `undefined` when the event passes them all.
 */
function refusedBy(kind: Kind, options: KindOptions[Kind], event: unknown): Filter | undefined {
  if (kind === 'storage') {
    const o = options as KindOptions['storage'];
    const e = event as StorageEvent;
    if (o.on && !o.on.includes(e.type)) return 'on';
    if (o.prefix && !e.key.startsWith(o.prefix)) return 'prefix';
    if (o.suffix && !e.key.endsWith(o.suffix)) return 'suffix';
  } else if (kind === 'events') {
    const o = options as KindOptions['events'];
    const e = event as CloudEvent;
    if (o.type !== undefined && !(typeof o.type === 'string' ? o.type === e.type : o.type.includes(e.type))) {
      return 'type';
    }
    if (o.source !== undefined && o.source !== e.source) return 'source';
  }
  return undefined;
}

/**
 * Writes the `warn` line of an event a filter of the definition refused, acknowledged without
 * running the handler: the event (storage type, bucket and key; CloudEvent type and source), the
 * filter and what it takes.
 */
function logRefused(kind: Kind, options: KindOptions[Kind], event: unknown, filter: Filter, ctx: Context): void {
  const expected = (options as Partial<Record<Filter, unknown>>)[filter];
  if (kind === 'storage') {
    const e = event as StorageEvent;
    ctx.log.warn(
      { filter, expected, type: e.type, bucket: e.bucket, key: e.key },
      `a storage event refused by the "${filter}" filter was acknowledged without running the handler`,
    );
  } else {
    const e = event as CloudEvent;
    ctx.log.warn(
      { filter, expected, type: e.type, source: e.source },
      `a CloudEvent refused by the "${filter}" filter was acknowledged without running the handler`,
    );
  }
}

/** Validates the body of a message or stream record: synchronously when the schema is. */
function validatePayload(options: KindOptions['queue'], event: unknown): unknown {
  const schema = options.body;
  if (schema === undefined) return event;
  const value = validate(schema, (event as { body: unknown }).body, 'body');
  return value instanceof Promise ? value.then((checked) => withBody(event, checked)) : withBody(event, value);
}

function withBody(event: unknown, value: unknown): unknown {
  // The handler gets a copy with the validated body: the event handed in stays as it was.
  if (isPayloadEvent(event)) return event.withBody(value);
  // An event built by hand (a test, another runtime) is copied rather than passed unvalidated.
  return { ...(event as object), body: value };
}

/** Validates the payload of a change or CloudEvent against the definition's schema. */
async function validateEvent(kind: Kind, options: KindOptions[Kind], event: unknown): Promise<unknown> {
  if (kind === 'changes') {
    const schema = (options as KindOptions['changes']).item;
    if (schema === undefined) return event;
    const change = event as ChangeEvent;
    // No image (`null` from a hand-made event, as `undefined` from the adapters) is nothing to
    // validate. Both images are checked, so a failure lists the issues of each, as an http
    // request's lists those of every part.
    const props = schema['~standard'];
    // Each check started in a promise, so a validator that throws on one image cannot leave the
    // other's rejection unhandled.
    const check = async (image: unknown) => (image == null ? undefined : checkSchema(props, image));
    const [before, after] = await Promise.all([check(change.before), check(change.after)]);
    if (before?.issues || after?.issues) {
      const found = [...toIssues('before', before?.issues ?? [])];
      found.push(...toIssues('after', after?.issues ?? [], MAX_ISSUES - found.length));
      throw validationError(found, (before?.issues?.length ?? 0) + (after?.issues?.length ?? 0));
    }
    return { ...change, before: before?.value, after: after?.value };
  }
  if (kind === 'events') {
    const schema = (options as KindOptions['events']).data;
    if (schema === undefined) return event;
    const cloudEvent = event as CloudEvent;
    return { ...cloudEvent, data: await validate(schema, cloudEvent.data, 'data') };
  }
  return event;
}

/** The runtime class behind `SkyportFunction`. */
export class PortableFunction<K extends Kind> implements SkyportFunction<K> {
  readonly kind: K;
  readonly options: KindOptions[K];
  readonly middleware: readonly AnyMiddleware[];
  readonly routes: readonly SkyportFunction<'http'>[] | undefined;
  readonly handler: AnyHandler;
  /** The compiled `path` of a single http function (not a router), for binding its parameters. */
  readonly pattern: PathPattern | undefined;
  /**
   * Whether a body produced over time is left a stream (`http({ stream: true })`, or a router
   * with such a route), so its outer middleware's answers are normalised alike.
   */
  readonly streamed: boolean;
  /**
   * Whether the function's own pipeline answers with a normalised, checked response and no stream
   * (an http function without middleware, routes or `stream: true`): settled here, once, so a
   * request does not ask again.
   */
  readonly direct: boolean;
  /**
   * Whether the function is one `direct` but for middleware that may each bypass an invocation
   * (`tracing()` with no SDK registered): when all of them do, its own pipeline answers alone.
   */
  readonly bypassable: boolean;
  readonly #step: Step<EventOf<K>, MiddlewareResult<K>>;
  /** The function's own pipeline, without its middleware (a single http function's). */
  #inner: Step<RequestImpl, HttpResponse> | undefined;
  /** The http chain whose outermost result is not yet normalised (for `runHttp`, which does it). */
  #loose: Step<RequestImpl, unknown> | undefined;

  constructor(
    kind: K,
    options: KindOptions[K],
    middleware: readonly AnyMiddleware[],
    handler: AnyHandler,
    routes?: readonly SkyportFunction<'http'>[],
  ) {
    this.kind = kind;
    this.options = options;
    this.middleware = middleware;
    this.handler = handler;
    this.routes = routes;
    const path = kind === 'http' && !routes ? (options as KindOptions['http']).path : undefined;
    this.pattern = path === undefined ? undefined : compilePath(path);
    this.streamed =
      kind === 'http' &&
      (routes === undefined
        ? (options as KindOptions['http']).stream === true
        : routes.some((route) => route.options.stream === true));
    this.direct = kind === 'http' && routes === undefined && middleware.length === 0 && !this.streamed;
    this.bypassable =
      kind === 'http' &&
      routes === undefined &&
      !this.streamed &&
      middleware.length > 0 &&
      middleware.every((mw) => typeof mw.bypass === 'function');
    this.#step = this.#build();
  }

  #build(): Step<EventOf<K>, MiddlewareResult<K>> {
    const { kind, options, middleware, handler } = this;
    if (kind === 'http') {
      const inner = this.routes
        ? (handler as unknown as Step<RequestImpl, HttpResponse>)
        : httpInner(options as KindOptions['http'], handler);
      if (!this.routes) this.#inner = inner;
      // Unchecked: `step` and `dispatch` check the request, the run helpers made it themselves.
      if (middleware.length === 0) {
        this.#loose = inner;
        return inner as unknown as Step<EventOf<K>, MiddlewareResult<K>>;
      }
      const wrap = this.streamed ? toStreamedLayerAnswer : toLayerAnswer;
      // A router's answer is its routes', whose middleware made it: never marked as its own.
      this.#loose = composeSteps(middleware, this.routes ? inner : markingOwn(inner), wrap, false);
      return composeSteps(middleware, inner, wrap) as unknown as Step<EventOf<K>, MiddlewareResult<K>>;
    }
    const run = handler as (event: unknown, ctx: Context) => unknown;
    // Synchronous until the schema or the handler is not: a message costs no promise step of
    // its own. (`dispatch` turns a synchronous throw into a rejection.)
    const inner: Step<unknown, unknown> =
      kind === 'queue' || kind === 'stream'
        ? (event, ctx) => {
            const valid = validatePayload(options as KindOptions['queue'], event);
            return valid instanceof Promise ? valid.then((checked) => run(checked, ctx)) : run(valid, ctx);
          }
        : kind === 'changes' || kind === 'events'
          ? async (event, ctx) => run(await validateEvent(kind, options, event), ctx)
          : (event, ctx) => run(event, ctx);
    const chain = composeSteps(middleware, inner);
    if (kind !== 'storage' && kind !== 'events') return chain as Step<EventOf<K>, MiddlewareResult<K>>;
    return ((event: unknown, ctx: Context) => {
      const filter = refusedBy(kind, options, event);
      if (filter === undefined) return chain(event, ctx);
      // Acknowledged, so the platform does not deliver it again; the line says why nothing ran.
      logRefused(kind, options, event, filter, ctx);
      return undefined;
    }) as Step<EventOf<K>, MiddlewareResult<K>>;
  }

  dispatch(event: EventOf<K>, ctx: Context): Promise<MiddlewareResult<K>> {
    try {
      const out = this.step(event, ctx);
      return out instanceof Failure ? Promise.reject(out.error) : Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like `dispatch`, but synchronous when nothing on the way is asynchronous; may throw, or
   * return a `Failure` for an error it found without throwing.
   */
  step(event: EventOf<K>, ctx: Context): MiddlewareResult<K> | Failure | Promise<MiddlewareResult<K>> {
    if (this.kind === 'http' && !isRequestImpl(event)) {
      throw new SkyportError(
        'INVALID_EVENT',
        'an http function needs a request made by createHttpRequest() of its own copy of @skyport/core: ' +
          'when the function and the code running it load two copies (two versions installed, see ' +
          '`npm ls @skyport/core`, a bundle, or a tsconfig path or bundler alias to its sources), run it with ' +
          'respond() or runHttp(), which hand the request to its copy, rather than with dispatch(); a runtime ' +
          'whose copy is too old to hand a request over needs one copy of the package for both',
      );
    }
    return this.#step(event, ctx);
  }

  /** `step` for a request made by `createHttpRequest()` (an http function only). */
  stepHttp(req: RequestImpl, ctx: Context): HttpResponse | Failure | Promise<HttpResponse> {
    return (this.#step as unknown as Step<RequestImpl, HttpResponse>)(req, ctx);
  }

  /**
   * For a `bypassable` function: the answer of its own pipeline (normalised and checked, as a
   * `direct` function's) when every middleware bypasses this invocation, asked in order as the
   * chain asks them; `undefined` when one does not, and the chain runs.
   */
  stepIfBypassed(req: RequestImpl, ctx: Context): HttpResponse | Failure | Promise<HttpResponse> | undefined {
    const layers = this.middleware as readonly { bypass?: ((event: unknown, ctx: Context) => boolean) | undefined }[];
    for (let i = 0; i < layers.length; i++) if (layers[i]?.bypass?.(req, ctx) !== true) return undefined;
    return (this.#inner as Step<RequestImpl, HttpResponse>)(req, ctx);
  }

  /**
   * `stepHttp` whose result the caller normalises with `toResponse`: what the outermost
   * middleware returned is passed on as it is.
   */
  stepHttpLoose(req: RequestImpl, ctx: Context): unknown {
    return (this.#loose as Step<RequestImpl, unknown>)(req, ctx);
  }

  /**
   * Answers a request another copy of core handed over, with this copy's own request, context,
   * pipeline and error answers.
   */
  [respondHanded](handed: HandedRequest): HttpResponse | Promise<HttpResponse> {
    return answerHanded(this as unknown as SkyportFunction<'http'>, handed);
  }

  use(mw: object): SkyportFunction<K> {
    const any = mw as unknown as AnyMiddleware;
    checkKind(this.kind, any);
    return new PortableFunction(this.kind, this.options, [...this.middleware, any], this.handler, this.routes);
  }
}

/**
 * `inner` marking on the request the answer it gives synchronously (see `ownAnswer`): what the
 * outermost middleware then answers with, when it is that very object, was passed through.
 */
function markingOwn(inner: Step<RequestImpl, HttpResponse>): Step<RequestImpl, HttpResponse> {
  return (req, ctx) => {
    const out = inner(req, ctx);
    if (!(out instanceof Promise) && !(out instanceof Failure)) req[ownAnswer] = out;
    return out;
  };
}

/** Rejects, at definition time, a middleware that does not accept the function's kind. */
export function checkKind(kind: Kind, mw: AnyMiddleware): void {
  // From plain JavaScript (or past a cast), anything may arrive: a bare `(event, ctx, next)`
  // function, as other frameworks take, would otherwise fail every invocation.
  const given = mw as unknown;
  if (typeof given !== 'object' || given === null || typeof (given as { handle?: unknown }).handle !== 'function') {
    const got =
      typeof given === 'function'
        ? 'a function: wrap it with createMiddleware({ name, handle: (event, ctx, next) => ... })'
        : given === null
          ? 'null'
          : `${typeof given} without a handle function`;
    throw new SkyportError('INVALID_DEFINITION', `.use() takes a middleware made by createMiddleware(), got ${got}`, {
      kind,
    });
  }
  if (mw.kinds !== undefined && (!Array.isArray(mw.kinds) || !mw.kinds.includes(kind))) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `middleware "${mw.name}" accepts ${Array.isArray(mw.kinds) ? mw.kinds.join(', ') : 'no list of'} functions, not ${kind}`,
      { kind },
    );
  }
}
