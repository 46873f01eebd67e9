/**
 * `fromLambda(handler, { kind })`: an existing Lambda handler (async or callback style) as a
 * portable function. Through `toLambda` the AWS event reaches it unchanged (HTTP, schedules and
 * EventBridge events whole; batches one record at a time as a one-record event of the original
 * type, or a one-record array behind EventBridge Pipes, so Skyport's batch semantics decide what
 * is retried). Anywhere else it gets a realistic AWS event synthesised from the portable one, of
 * the shape its `source` names (an SNS event for an SNS subscriber, a pipe's array of records for
 * a pipe target, ...), and its result is mapped back.
 */
import {
  type ChangeEvent,
  type CloudEvent,
  type Context,
  changes,
  decodeBase64,
  events,
  HttpError,
  type HttpRequest,
  type HttpResponseInit,
  http,
  type Kind,
  type Message,
  queue,
  type ScheduleTick,
  SkyportError,
  type SkyportFunction,
  type StorageEvent,
  type StreamRecord,
  schedule,
  setOwn,
  storage,
  stream,
} from '@skyport/core';
import type { Callback } from 'aws-lambda';
import { marshall } from './attribute-value.js';
import { LONGEST_INVOCATION_MS, lambdaContextFrom } from './context.js';
import { detectAwsEvent, detectAwsRecord } from './detect.js';
import { UNTYPED } from './http/body.js';
import { acceptedSources, pipedInvocation } from './to-lambda.js';
import type {
  AwsSource,
  FromLambdaDefaultSource,
  FromLambdaEvent,
  FromLambdaHandler,
  FromLambdaOptions,
  FromLambdaSource,
  FromLambdaSourceEvents,
  HttpEventSource,
  LambdaContext,
  LegacyHandler,
} from './types.js';
import { obj } from './util.js';

export type { FromLambdaOptions, HttpEventSource, LegacyHandler } from './types.js';

type QueueEventSource = FromLambdaSource<'queue'>;
type StreamEventSource = FromLambdaSource<'stream'>;
type ChangesEventSource = FromLambdaSource<'changes'>;
type StorageEventSource = FromLambdaSource<'storage'>;

/**
 * The `source` values of each kind that takes one, its default first: the shapes of event a
 * handler can be written for (see `FromLambdaSourceEvents`).
 */
const eventSources: { readonly [K in keyof FromLambdaSourceEvents]: readonly FromLambdaSource<K>[] } = {
  http: ['apigw-v2', 'apigw-v1', 'alb'],
  queue: ['sqs', 'sns', 'pipe'],
  stream: ['kinesis', 'dynamodb', 'pipe-kinesis', 'pipe-dynamodb'],
  changes: ['dynamodb', 'pipe'],
  storage: ['s3', 's3-eventbridge'],
};

/**
 * The event source a handler of `kind` was written for: `given`, or the kind's default. An events
 * function's `source` is its filter and a schedule function takes none: `undefined` for both.
 */
function writtenFor(kind: Kind, given: unknown): string | undefined {
  if (!Object.hasOwn(eventSources, kind)) return undefined;
  const allowed: readonly string[] = eventSources[kind as keyof FromLambdaSourceEvents];
  if (given === undefined) return allowed[0];
  if (typeof given !== 'string' || !allowed.includes(given)) {
    const got = typeof given === 'string' ? JSON.stringify(given) : given === null ? 'null' : typeof given;
    throw new SkyportError(
      'INVALID_DEFINITION',
      `fromLambda({ kind: '${kind}' }) source must be one of ${allowed.join(', ')}, got ${got}`,
      { adapter: 'aws', kind },
    );
  }
  return given;
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'string') return new Error(error);
  return new Error(`the Lambda handler failed: ${describeValue(error)}`, { cause: error });
}

/** A failure value as text, whatever it is: cyclic, a BigInt, with a throwing `toJSON` or `toString`. */
function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return typeof value;
    }
  }
}

/**
 * The parameter list of a function's source: the text between the first `(` and its matching
 * `)`, or the name before `=>` of `event => ...`; `undefined` when the source shows none.
 */
function parameterList(source: string): string | undefined {
  const bare = /^(?:async\s+)?([\w$]+)\s*=>/.exec(source);
  if (bare) return bare[1];
  const open = source.indexOf('(');
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    }
  }
  return undefined;
}

/** The parameters of a list, split at its top-level commas (destructuring and defaults kept whole). */
function parameters(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(list.slice(start).trim());
  return out.filter((param) => param !== '');
}

/**
 * What of the call a handler can reach: `'callback'` when it declares three parameters or more
 * (`length` stops counting at the first default: `(event, context, callback = noop)` has length
 * 2, `(event = {}, context)` length 0), or a rest parameter, or it is a function (not an arrow)
 * that indexes `arguments`; `'context'` when it declares two; `'none'` otherwise. Read once, when
 * the handler is wrapped. A function whose source shows no parameters (bound, native) is judged
 * by its `length`, which binding keeps.
 */
type Reach = 'none' | 'context' | 'callback';

function reachOf(handler: (...args: never[]) => unknown): Reach {
  const byLength: Reach = handler.length >= 3 ? 'callback' : handler.length === 2 ? 'context' : 'none';
  let source: string;
  try {
    source = Function.prototype.toString.call(handler);
  } catch {
    return byLength;
  }
  const list = source.includes('[native code]') ? undefined : parameterList(source);
  if (list === undefined) return byLength;
  const params = parameters(list);
  const arrow = /^(?:async\s*)?(?:\(|[\w$]+\s*=>)/.test(source);
  if (params.length >= 3 || params.some((param) => param.startsWith('...'))) return 'callback';
  if (!arrow) {
    // `arguments` passed on whole (`inner.apply(this, arguments)`, `[...arguments]`) or indexed
    // past the context (`arguments[2]`, an index computed at run time) reaches the callback;
    // `arguments[1]`, as transpilers write a defaulted second parameter, the context only.
    let context = false;
    // Strings and comments may say `arguments` too.
    const code = source.replace(
      /'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
      '""',
    );
    const uses = /(?<![\w$])(?<!(?<!\.\.)\.)arguments(?![\w$])(\s*\[\s*([01])\s*\]|\s*\.\s*length\b)?/g;
    for (const use of code.matchAll(uses)) {
      if (use[1] === undefined) return 'callback';
      if (use[2] === '1') context = true;
    }
    if (context) return 'context';
  }
  return params.length === 2 || byLength === 'context' ? 'context' : byLength;
}

/**
 * The context the handler gets: `context` with `succeed`, `fail` and `done` completing this
 * call (on Lambda the real ones would report the whole invocation, past Skyport, and a batch
 * record on its own must not), every other property as it is, accessors included, so setting
 * `callbackWaitsForEmptyEventLoop` still reaches the runtime.
 */
function completable(context: LambdaContext, done: (error: unknown, result?: unknown) => void): LambdaContext {
  const slot = (value: unknown): PropertyDescriptor => ({
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  const properties: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(context);
  properties.done = slot(done);
  properties.succeed = slot((result: unknown) => done(null, result));
  // The runtime fails with the message 'handled' when `fail` gets no error.
  properties.fail = slot((error: unknown) => done(error ?? 'handled'));
  return Object.create(Object.getPrototypeOf(context) as object | null, properties) as LambdaContext;
}

/**
 * Calls a handler the way the Lambda Node.js runtime does: a returned promise (any thenable),
 * the callback and `context.succeed` / `fail` / `done` each complete the call, the first one
 * wins. A handler that returns anything else is waited on until it calls back; the runtime
 * would also answer `null` once the event loop empties, which a process that serves other
 * requests cannot see. So only a handler that can reach neither the callback nor the context
 * (see `reachOf`) is done when it returns, with what it returned (as on Node.js 24). So is a
 * handler that reaches the context only and returns data (see `isPlainResult`) under a runtime
 * whose Lambda context has no `done` (Node.js 24, Lambda Managed Instances), which takes what
 * the handler returns and passes no callback, and off Lambda (the context is synthesised, not
 * `ctx.raw`), where no runtime stands behind it and a synchronous
 * `(event, context) => ({ statusCode: 200 })` would otherwise wait for a callback that never
 * comes. A handler that declares the callback is always waited on for it, whatever it returns
 * (`https.get(url, ...)` returns its request); so is one that returns nothing, which may complete
 * through its context later (`(event, context) => { proxy(server, event, context) }`). A wait
 * ends at the invocation's deadline (`ctx`'s) at the latest, with a `TIMEOUT` error, so a
 * handler that never completes fails its event (retried) rather than holding it for good.
 */
function call(
  handler: LegacyHandler<unknown>,
  event: unknown,
  context: LambdaContext,
  reach: Reach,
  ctx: Context,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (error: unknown, result?: unknown) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (error !== undefined && error !== null) reject(toError(error));
      else resolve(result);
    };
    try {
      const out = (handler as (e: unknown, c: LambdaContext, cb: Callback<unknown>) => unknown)(
        event,
        completable(context, done),
        done,
      );
      const then = (out as { then?: unknown } | null | undefined)?.then;
      if (typeof then === 'function') {
        then.call(
          out,
          (value: unknown) => done(null, value),
          (error: unknown) => done(error ?? new Error('the Lambda handler rejected')),
        );
      } else if (
        reach === 'none' ||
        (reach === 'context' && (context !== ctx.raw || typeof context.done !== 'function') && isPlainResult(out))
      ) {
        done(null, out);
      } else if (!settled) timer = deadline(ctx, done);
    } catch (error) {
      done(error ?? new Error('the Lambda handler threw'));
    }
  });
}

/**
 * Whether a value a two-parameter handler returned reads as its result: a plain object (a proxy
 * result, `{ batchItemFailures }`), an array or a string, not what a call it made last happened
 * to return (a timer, a request, `stream.write()`'s boolean, `push()`'s number, `null`), which
 * says nothing of the work it started.
 */
function isPlainResult(value: unknown): boolean {
  if (typeof value === 'string' || Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Fails a call still waited on when the invocation's time is up. */
function deadline(ctx: Context, done: (error: unknown) => void): ReturnType<typeof setTimeout> | undefined {
  let left: number;
  try {
    left = Number(ctx.remainingTimeMs());
  } catch {
    return undefined;
  }
  // No deadline (a local run, a server without one): the 15 minutes the handler's context
  // reports, Lambda's longest, on a timer that does not keep the process alive on its own.
  const unbounded = !Number.isFinite(left);
  if (unbounded) left = LONGEST_INVOCATION_MS;
  const timer = setTimeout(
    () =>
      done(
        new SkyportError(
          'TIMEOUT',
          'aws: the Lambda handler neither returned a promise nor completed (callback, context.succeed, fail or done) before the deadline',
          { adapter: 'aws' },
        ),
      ),
    Math.min(Math.max(0, left), 2_147_483_647),
  );
  if (unbounded) timer.unref();
  return timer;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The status of a proxy result: an integer 100-599, or such a number as a string of three digits
 * (API Gateway takes `statusCode: '400'`). Anything else is what API Gateway answers for a
 * proxy result it cannot use ("Malformed Lambda proxy response"), a 502.
 */
function statusOf(value: unknown): number {
  const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) return status;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new HttpError(502, `the Lambda handler returned the statusCode ${shown}, which is not an HTTP status`, {
    code: 'BAD_LAMBDA_RESULT',
  });
}

/**
 * The body of a proxy result with a status: a string, or none (`undefined`, `null`). Any other
 * value (an object, a number) is what API Gateway (REST and HTTP API, whichever payload version),
 * Function URLs and load balancers refuse as a malformed result; it is a 502, as a bad
 * `statusCode` is, not an empty body.
 */
function bodyOf(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  const shown = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  throw new HttpError(502, `the Lambda handler returned ${shown} as the body, which must be a string`, {
    code: 'BAD_LAMBDA_RESULT',
  });
}

/**
 * A result without `statusCode` as HTTP API payload 2.0 reads it: status 200, content type
 * `application/json`, and the result as the body, a string as it is and anything else as JSON
 * (`null` for nothing, as the runtime serialises it).
 */
function inferredResponse(result: unknown): HttpResponseInit {
  const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
  return { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body };
}

/**
 * Maps what a Lambda HTTP handler returned (REST, HTTP API or ALB result) back to a response.
 * A value without `statusCode` is the body of a 200 JSON response, as HTTP API payload 2.0
 * takes it, or, with `payload2` false (the event came from a REST API, HTTP API payload 1.0 or
 * a load balancer), a 502 as those answer; a `statusCode` that is not an HTTP status (a number,
 * or a string of three digits) is a 502, and so is a body that is not a string (JSON text must be
 * given serialised once a `statusCode` is given, on every platform). A body without a content type gets `untypedAs` when
 * given: off Lambda the type the platform would have sent (see `platformType`); on Lambda
 * `UNTYPED`, an empty one, which keeps core from adding its default and which `toLambda` leaves
 * out, so the platform applies its own default as it did for the handler alone.
 *
 * @example
 * httpResultToResponse({ statusCode: 201, body: 'made' }); // { status: 201, headers: {}, cookies: [], body: 'made' }
 * httpResultToResponse({ statusCode: 400, body: '{}' }, 'application/json').headers; // { 'content-type': 'application/json' }
 */
export function httpResultToResponse(
  result: unknown,
  untypedAs: string | undefined = undefined,
  payload2 = true,
): HttpResponseInit {
  const r = obj(result);
  // A `statusCode: null` is no status either (JSON keeps it where `undefined` disappears).
  if (r?.statusCode === undefined || r.statusCode === null) {
    if (payload2) return inferredResponse(result);
    // A REST API, payload 1.0 or a load balancer takes a result without one as malformed.
    throw new HttpError(502, 'the Lambda handler returned no statusCode', { code: 'BAD_LAMBDA_RESULT' });
  }
  const status = statusOf(r.statusCode);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (key === 'set-cookie') cookies.push(value);
    // Own keys only, and `__proto__` defined rather than assigned: a header named `constructor`
    // or `__proto__` is a header like any other.
    else setOwn(headers, key, Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value);
  };
  const multi = obj(r.multiValueHeaders);
  if (multi) {
    for (const name of Object.keys(multi)) {
      const values = multi[name];
      if (Array.isArray(values))
        for (const v of values) if (headerText(v) !== undefined) add(name, headerText(v) as string);
    }
  }
  const single = obj(r.headers);
  if (single) {
    for (const name of Object.keys(single)) {
      const text = headerText(single[name]);
      if (text === undefined) continue;
      if (multi && Object.keys(multi).some((m) => m.toLowerCase() === name.toLowerCase())) continue;
      add(name, text);
    }
  }
  if (Array.isArray(r.cookies)) for (const c of r.cookies) if (typeof c === 'string') cookies.push(c);
  const text = bodyOf(r.body);
  let body: string | Uint8Array | undefined = text === '' ? undefined : text;
  if (text && r.isBase64Encoded === true) body = decodeBase64(text) ?? text;
  if (untypedAs !== undefined && body !== undefined) headers['content-type'] ??= untypedAs;
  const response: HttpResponseInit = { status, headers, cookies, body };
  return response;
}

/** Throws when a one-record invocation reported its record in `batchItemFailures`. */
function checkBatchResult(result: unknown, id: string): void {
  const failures = obj(result)?.batchItemFailures;
  // Lambda fails the whole batch on a batch response it cannot read: so does this.
  if (failures !== undefined && failures !== null && !Array.isArray(failures)) {
    throw new SkyportError(
      'HANDLER_FAILED',
      `the Lambda handler returned a batchItemFailures that is not a list, so record ${id} failed`,
      { adapter: 'aws' },
    );
  }
  if (Array.isArray(failures) && failures.length > 0) {
    throw new SkyportError('HANDLER_FAILED', `the Lambda handler reported record ${id} in batchItemFailures`, {
      adapter: 'aws',
    });
  }
}

/**
 * The raw record when it came from one of `sources`, as a one-record event: of the original type
 * (`{ Records: [record] }`), or, in an invocation by EventBridge Pipes, a one-record array as the
 * pipe sends its batch.
 */
function passThrough(raw: unknown, sources: readonly AwsSource[], ctx: Context): unknown {
  if (!sources.includes(detectAwsRecord(raw))) return undefined;
  return pipedInvocation(ctx) ? [raw] : { Records: [raw] };
}

const httpSources: readonly AwsSource[] = ['apigw-v1', 'apigw-v2', 'function-url', 'alb'];

/**
 * The content type each platform sends with a body the Lambda result gave none: API Gateway
 * (REST and HTTP API) and Function URLs `application/json`, a load balancer
 * `application/octet-stream`. Off Lambda a wrapped handler's untyped body gets the one of the
 * source it was written for, not core's `text/plain` default.
 */
const platformType: Readonly<Record<HttpEventSource, string>> = {
  'apigw-v2': 'application/json',
  'apigw-v1': 'application/json',
  alb: 'application/octet-stream',
};

type Synthesize = typeof import('./synthesize.js');
let synthesize: Promise<Synthesize> | undefined;

/** The event synthesisers, loaded the first time a handler runs off Lambda (never on it). */
function synthesizers(): Promise<Synthesize> {
  synthesize ??= import('./synthesize.js');
  return synthesize;
}

type SynthesizeSources = typeof import('./synthesize-sources.js');
let synthesizeSources: Promise<SynthesizeSources> | undefined;

/** The events of each batch and storage source, loaded as `synthesizers()` is. */
function sourceSynthesizers(): Promise<SynthesizeSources> {
  synthesizeSources ??= import('./synthesize-sources.js');
  return synthesizeSources;
}

/** The mark `awslambda.streamifyResponse()` puts on a response streaming handler. */
const STREAMING_HANDLER = Symbol.for('aws.lambda.runtime.handler.streaming');

/** The function kinds, as `fromLambda()` takes them. */
const kinds = Object.keys(acceptedSources) as readonly Kind[];

/**
 * Refuses options that are no object or name no function kind: `{ kind: 'htpp' }` would otherwise
 * wrap the handler as an events function. The other names are checked by the kind's builder.
 */
function checkFromLambdaOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    throw new SkyportError(
      'INVALID_DEFINITION',
      `fromLambda() needs options with a kind ({ kind: 'http' }), got ${got}`,
      {
        adapter: 'aws',
      },
    );
  }
  const kind: unknown = (options as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !kinds.includes(kind as Kind)) {
    const got = typeof kind === 'string' ? JSON.stringify(kind) : kind === undefined ? 'none' : typeof kind;
    throw new SkyportError('INVALID_DEFINITION', `fromLambda() kind must be one of ${kinds.join(', ')}, got ${got}`, {
      adapter: 'aws',
    });
  }
}

/**
 * Wraps an existing Lambda handler as a portable function of `kind`, so it can take Skyport
 * middleware (`.use(...)`), run under `invoke()` in tests, and be deployed by other adapters.
 * The handler completes as under the Lambda Node.js runtime: with the promise it returns, or
 * else the callback or `context.succeed` / `fail` / `done`, whichever comes first (these report
 * to Skyport, never straight to the runtime). A handler that returns something else is waited
 * on until it calls back, unless it cannot reach the callback or the context (one plain
 * parameter at most): then what it returned is its result. So is the object, array or string a
 * handler of two parameters returns off Lambda, or on Node.js 24 (see `call`).
 *
 * `source` says which event shape of its kind the handler was written for (see
 * `FromLambdaSourceEvents`: `'sns'` or `'pipe'` for a queue, `'dynamodb'` for a stream,
 * `'s3-eventbridge'` for storage, `'apigw-v1'` for http, ...; the kind's usual event by default).
 * Off Lambda the event synthesised for it is of that shape; on Lambda the event it is invoked
 * with passes through as it came, whatever `source` says. An events function's `source` is its
 * filter, as in `events()`.
 *
 * The handler's event is typed from `kind` and `source` (see `FromLambdaEvent`): an inline
 * handler gets that event, and a handler written for another event (a REST API handler wrapped
 * for HTTP API, the default `source`; an SNS handler without `source: 'sns'`; an SQS handler
 * wrapped as http) does not compile (see `FromLambdaHandler`), since off Lambda it would fail
 * every event.
 *
 * The options are checked when the function is defined: options that are no object, a `kind`
 * that names no function kind, a `source` the kind does not have, or a name or value the kind's
 * builder refuses (`queue()` for `kind: 'queue'`) throws `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * import { fromLambda, toLambda } from '@skyport/aws';
 * import { cors } from '@skyport/core';
 * import { handler as legacy } from './legacy.js';
 *
 * export const api = fromLambda(legacy, { kind: 'http' }).use(cors());
 * export const handler = toLambda(api); // legacy still sees the original API Gateway event
 * // An SNS subscriber: an SNS event on Lambda, and one made from each message elsewhere.
 * export const shipping = fromLambda(shipOrder, { kind: 'queue', name: 'orders', source: 'sns' });
 */
export function fromLambda<
  K extends Kind,
  TSource extends FromLambdaSource<K> = FromLambdaDefaultSource<K>,
  TEvent = FromLambdaEvent<K, TSource>,
>(handler: FromLambdaHandler<K, TSource, TEvent>, options: FromLambdaOptions<K, TSource>): SkyportFunction<K> {
  checkFromLambdaOptions(options);
  if (typeof handler !== 'function') {
    throw new SkyportError('INVALID_DEFINITION', `fromLambda() needs a handler function, got ${typeof handler}`, {
      adapter: 'aws',
      kind: options.kind,
    });
  }
  // `awslambda.streamifyResponse()` marks a handler that writes to a response stream instead of
  // returning a result: called as a buffered handler, it fails every invocation.
  if ((handler as unknown as Record<symbol, unknown>)[STREAMING_HANDLER] !== undefined) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'fromLambda() cannot wrap a response streaming handler (awslambda.streamifyResponse): it writes to a stream instead of returning a result; port it to http({ stream: true }) with toLambda(fn, { stream: true })',
      { adapter: 'aws', kind: options.kind },
    );
  }
  const legacy = handler as unknown as LegacyHandler<unknown>;
  const { kind, ...given } = options as { kind: Kind } & Record<string, unknown>;
  // `source` says which event the handler was written for (an events function's `source` is its
  // filter, and stays in its options, as a schedule's goes to its builder, which refuses it).
  const { source, ...sourceless } = given;
  const written = writtenFor(kind, source);
  const rest = written === undefined ? given : sourceless;
  const reach = reachOf(legacy);
  const invoke = (event: unknown, ctx: Context, xRay?: string) =>
    call(legacy, event, lambdaContextFrom(ctx, xRay), reach, ctx);
  try {
    return wrap(kind, legacy, reach, invoke, written, rest) as unknown as SkyportFunction<K>;
  } catch (error) {
    // The builder's refusal of an option (`queue(): unknown option "nmae"`) names the call made.
    if (error instanceof SkyportError && error.code === 'INVALID_DEFINITION') {
      throw new SkyportError('INVALID_DEFINITION', `fromLambda({ kind: '${kind}' }): ${error.message}`, {
        adapter: 'aws',
        kind,
        cause: error,
      });
    }
    throw error;
  }
}

/** The portable function of `kind` around a wrapped handler; `rest` holds its builder's options. */
function wrap(
  kind: Kind,
  legacy: LegacyHandler<unknown>,
  reach: Reach,
  invoke: (event: unknown, ctx: Context, xRay?: string) => Promise<unknown>,
  written: unknown,
  rest: Record<string, unknown>,
): SkyportFunction {
  let fn: SkyportFunction;
  switch (kind) {
    case 'http':
      fn = http(rest).handle(async (req: HttpRequest, ctx: Context) => {
        const source = detectAwsEvent(req.raw);
        const onLambda = httpSources.includes(source);
        let event: unknown = req.raw;
        if (!onLambda) {
          const made = await synthesizers();
          event =
            written === 'apigw-v1'
              ? made.apiGatewayV1FromRequest(req, ctx)
              : written === 'alb'
                ? made.albFromRequest(req, ctx)
                : made.apiGatewayV2FromRequest(req, ctx, rest.method === undefined);
        }
        const payload2 = onLambda ? source === 'apigw-v2' || source === 'function-url' : written === 'apigw-v2';
        const xRay = onLambda ? undefined : req.header('x-amzn-trace-id');
        const untypedAs = onLambda ? UNTYPED : platformType[written as HttpEventSource];
        return httpResultToResponse(await invoke(event, ctx, xRay), untypedAs, payload2);
      }) as SkyportFunction;
      break;
    case 'queue':
      fn = queue({ name: 'lambda', ...rest }).handle(async (msg: Message, ctx: Context) => {
        const event =
          passThrough(msg.raw, ['sqs', 'sns'], ctx) ??
          (await sourceSynthesizers()).queueSourceEvent(written as QueueEventSource, msg, ctx);
        const result = await invoke(event, ctx);
        // SNS reads no result (it invokes asynchronously): only an error fails a notification.
        if (detectAwsEvent(event) !== 'sns') checkBatchResult(result, msg.id);
      }) as SkyportFunction;
      break;
    case 'stream':
      fn = stream({ name: 'lambda', ...rest }).handle(async (rec: StreamRecord, ctx: Context) => {
        const event =
          passThrough(rec.raw, ['kinesis', 'dynamodb'], ctx) ??
          (await sourceSynthesizers()).streamSourceEvent(written as StreamEventSource, rec, ctx, marshall);
        checkBatchResult(await invoke(event, ctx), rec.sequence);
      }) as SkyportFunction;
      break;
    case 'changes':
      fn = changes({ collection: 'lambda', ...rest }).handle(async (change: ChangeEvent, ctx: Context) => {
        const event =
          passThrough(change.raw, ['dynamodb'], ctx) ??
          (await sourceSynthesizers()).changesSourceEvent(written as ChangesEventSource, change, ctx, marshall);
        checkBatchResult(await invoke(event, ctx), JSON.stringify(change.key));
      }) as SkyportFunction;
      break;
    case 'storage':
      fn = storage({ bucket: '*', ...rest }).handle(async (object: StorageEvent, ctx: Context) => {
        const whole = detectAwsEvent(object.raw) === 's3-eventbridge' ? object.raw : undefined;
        const recorded = whole ?? passThrough(object.raw, ['s3'], ctx);
        const event =
          recorded ?? (await sourceSynthesizers()).storageSourceEvent(written as StorageEventSource, object, ctx);
        await invoke(event, ctx);
      }) as SkyportFunction;
      break;
    case 'schedule':
      fn = schedule({ cron: '0 0 * * *', ...rest }).handle(async (tick: ScheduleTick, ctx: Context) => {
        // On Lambda the tick holds what Lambda was invoked with: a scheduled event, or the input
        // an EventBridge Scheduler target was configured with, which the handler gets as it is.
        const lambda = lambdaContextFrom(ctx);
        const onLambda = ctx.cloud === 'aws' && lambda === ctx.raw && obj(tick.raw) !== undefined;
        const event =
          onLambda || detectAwsEvent(tick.raw) === 'scheduled'
            ? tick.raw
            : (await synthesizers()).scheduledEventFromTick(tick, ctx);
        await call(legacy, event, lambda, reach, ctx);
      }) as SkyportFunction;
      break;
    default:
      fn = events(rest).handle(async (event: CloudEvent, ctx: Context) => {
        const source = detectAwsEvent(event.raw);
        const raw = source === 'eventbridge' || source === 'scheduled' || source === 's3-eventbridge';
        await invoke(raw ? event.raw : (await synthesizers()).eventBridgeFromCloudEvent(event, ctx), ctx);
      }) as SkyportFunction;
  }
  return fn;
}
