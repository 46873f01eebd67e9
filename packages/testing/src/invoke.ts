/**
 * `invoke()`: runs a portable function in-process, exactly as an adapter would (same request
 * parsing, middleware, validation, error rendering and batch semantics), with a fake context.
 */
import {
  abortContext,
  type BatchFailure,
  type BatchMode,
  type Cloud,
  type Context,
  checkOptions,
  decodeText,
  type EventOf,
  type HttpRequestInit,
  type HttpResponse,
  type Kind,
  respond,
  runBatch,
  runHttp,
  SkyportError,
  type SkyportFunction,
  shownValue,
} from '@skyport/core';
import { type FakeContextOptions, fakeContext } from './context.js';
import { type HttpRequestOptions, httpRequest } from './factories.js';
import { eventNames, eventOf } from './fields.js';

/** Options of `invoke()`: the fake context, plus a principal and the batch mode. */
export interface InvokeOptions extends Omit<FakeContextOptions, 'kind' | 'extra'> {
  /**
   * Puts a principal on `ctx.auth` before middleware run, for code that reads `ctx.auth` with
   * no auth middleware in front of it. `jwtAuth()`, `apiKeyAuth()` and `cloudPrincipal()`
   * ignore it and verify the request: to test a function that has one, send real credentials
   * (for `jwtAuth()`, a token signed with `jose`).
   */
  readonly auth?: unknown | undefined;
  /** Other context to preset, as if middleware had added it. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The batch mode (default: what the function implies: `ordered` for streams and change feeds;
   * for a queue function, `fifo` with `fifo: true`, `independent` with `fifo: false`, and without
   * `fifo`, `fifo` when a message has a `groupId`, else `independent`).
   */
  readonly mode?: BatchMode | undefined;
  /**
   * Take the answer of an `http({ stream: true })` function as a streaming runtime does: its
   * content as it is produced, in `stream` (`body` and `text` are then undefined), to read chunk
   * by chunk or to cancel as a client that leaves (which also aborts `ctx.signal`). Without it,
   * the content is read whole.
   */
  readonly stream?: boolean | undefined;
}

/** The response of an http invocation, with the body decoded for assertions. */
export interface InvokeHttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  /** Parsed JSON for JSON (and problem+json) responses, a string for text, bytes otherwise. */
  readonly body: unknown;
  /**
   * The body as text (`undefined` when there is none): bytes are decoded in the `charset` the
   * content type names (any WHATWG Encoding Standard label, such as `iso-8859-1` or
   * `shift_jis`), and as UTF-8 when it names none or one no decoder knows.
   */
  readonly text: string | undefined;
  /** The normalised response the adapter would have written. */
  readonly response: HttpResponse;
  /** The content as it is produced, with `{ stream: true }`, of an answer streamed by its function. */
  readonly stream?: ReadableStream<Uint8Array> | undefined;
}

/** The outcome of a message / event invocation. */
export interface InvokeBatchResult {
  /** True when every event succeeded. */
  readonly ok: boolean;
  /** The events that would be retried, in order. */
  readonly failures: readonly BatchFailure[];
}

/**
 * What an http function takes: request options or a request init, and nothing with the fields
 * of a message or stream record (whose `body` alone would otherwise pass for request options).
 *
 * @example
 * const input: InvokeHttpInput = { method: 'POST', path: '/orders', body: { sku: 'a' } };
 * await invoke(createOrder, input);
 */
export type InvokeHttpInput = (HttpRequestInit | HttpRequestOptions) & {
  readonly attributes?: never;
  readonly attempt?: never;
  readonly publishedAt?: never;
  readonly sequence?: never;
  readonly partitionKey?: never;
  readonly source?: never;
};

/**
 * Refuses a function of one kind where a function of any kind is expected: `unknown` when `K`
 * is more than one kind, so that the overload for functions of any kind does not take input of
 * another kind for a function whose kind is known.
 */
type OfAnyKind<K extends Kind, All extends Kind = K> = K extends unknown
  ? [All] extends [K]
    ? { readonly 'a function of one kind takes its own kind of input': K }
    : unknown
  : never;

function isInit(request: HttpRequestInit | HttpRequestOptions): request is HttpRequestInit {
  const body = request.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  return (
    typeof request.method === 'string' &&
    typeof request.path === 'string' &&
    plainBody &&
    !('cookies' in request && !Array.isArray(request.cookies) && request.cookies !== undefined)
  );
}

/**
 * A plain request init as `httpRequest()` makes the same options into a request, so
 * `{ method, path }` and `httpRequest({ method, path })` are the same request: the client address
 * `127.0.0.1` when it has none, and the query string of `path` followed by `query`
 * (`/orders?status=pending` with `{ b: '2' }` is `status=pending&b=2`), which would otherwise
 * replace it.
 */
function plainRequest(init: HttpRequestInit): HttpRequestInit {
  if (Object.getPrototypeOf(init) !== Object.prototype) return init;
  const q = init.path.indexOf('?');
  const merged = q < 0 || init.query === undefined || init.query === null ? {} : queryAfter(init.path, q, init.query);
  return { ...init, ...merged, ip: init.ip ?? '127.0.0.1' };
}

/** The path without its query string (`q` is where it starts), and that query followed by `query`. */
function queryAfter(
  path: string,
  q: number,
  query: NonNullable<HttpRequestInit['query']>,
): Pick<HttpRequestInit, 'path' | 'query'> {
  const inPath = path.slice(q + 1);
  // A query string is added as it is written (its encoding kept), as `httpRequest()` adds one.
  const added = typeof query === 'string' ? query.replace(/^\?/, '') : paramsOf(query).toString();
  return { path: path.slice(0, q), query: inPath === '' ? added : added === '' ? inPath : `${inPath}&${added}` };
}

/** A query map or params as params; a name whose value is `undefined` or `null` is left out. */
function paramsOf(query: Exclude<NonNullable<HttpRequestInit['query']>, string>): URLSearchParams {
  if (query instanceof URLSearchParams) return query;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of typeof value === 'string' ? [value] : (value ?? [])) params.append(name, one);
  }
  return params;
}

/** The kind whose event `value` plainly is, by the fields only that kind's event has. */
function kindOf(value: object): Kind | undefined {
  const has = (...keys: string[]) => keys.every((key) => key in value);
  if (has('sequence', 'partitionKey')) return 'stream';
  if (has('attributes', 'attempt') || has('rawBody', 'publishedAt')) return 'queue';
  if (has('scheduledTime')) return 'schedule';
  if (has('op', 'collection')) return 'changes';
  if (has('specversion')) return 'events';
  if (has('bucket', 'key', 'type')) return 'storage';
  const { method, path } = value as { method?: unknown; path?: unknown };
  if (typeof method === 'string' && typeof path === 'string') return 'http';
  return undefined;
}

function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  const kind = kindOf(value);
  return kind === undefined ? 'an object' : eventNames[kind];
}

/** Every option `invoke()` takes; the record makes the list follow `InvokeOptions`. */
const invokeOptionNames = Object.keys({
  cloud: true,
  requestId: true,
  functionName: true,
  coldStart: true,
  now: true,
  deadline: true,
  deadlineInMs: true,
  trace: true,
  region: true,
  log: true,
  raw: true,
  auth: true,
  extra: true,
  mode: true,
  stream: true,
} satisfies Record<keyof InvokeOptions, true>);

const clouds = ['aws', 'azure', 'gcp', 'node'] as const satisfies readonly Cloud[];
const batchModes = ['independent', 'ordered', 'fifo'] as const satisfies readonly BatchMode[];

/**
 * Refuses options `invoke()` does not take, as the adapters refuse theirs: from plain JavaScript,
 * a misspelt name (`clod`) or a value no option has (`cloud: 'gcloud'`, `mode: 'FIFO'`,
 * `stream: 'true'`) would otherwise run the function as it would never run, and pass or fail a
 * test for the wrong reason.
 */
function checkInvokeOptions(options: unknown, kind: Kind): void {
  // What type-checks as InvokeOptions is taken: a FakeContextOptions object (its `kind`, when it
  // is the function's), and keys set to `undefined`, as optional ones are spread in tests.
  const given =
    typeof options === 'object' && options !== null && !Array.isArray(options)
      ? Object.fromEntries(
          Object.entries(options).filter(([key, value]) => value !== undefined && !(key === 'kind' && value === kind)),
        )
      : options;
  checkOptions('invoke()', given, invokeOptionNames);
  const { cloud, mode, stream } = (options ?? {}) as Readonly<Record<string, unknown>>;
  const refuse = (problem: string) => new SkyportError('INVALID_DEFINITION', `invoke(): ${problem}`);
  if (cloud !== undefined && !(clouds as readonly unknown[]).includes(cloud)) {
    throw refuse(`cloud must be one of ${clouds.join(', ')}, got ${shownValue(cloud)}`);
  }
  if (mode !== undefined && !(batchModes as readonly unknown[]).includes(mode)) {
    throw refuse(`mode must be one of ${batchModes.join(', ')}, got ${shownValue(mode)}`);
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    throw refuse(`stream must be true or false, got ${shownValue(stream)}`);
  }
}

/**
 * Refuses what is no portable function, as `toLambda()` does: a definition whose `.handle()` was
 * left out, `undefined` (an import misspelt) or anything else would otherwise fail with a
 * `TypeError` from deep inside, or be read as a function of no kind.
 */
function checkFunction(fn: unknown): void {
  const candidate =
    (typeof fn === 'object' && fn !== null) || typeof fn === 'function'
      ? (fn as Readonly<Record<string, unknown>>)
      : undefined;
  const kind = candidate?.kind;
  const options = candidate?.options;
  if (
    typeof kind === 'string' &&
    Object.hasOwn(eventNames, kind) &&
    typeof candidate?.dispatch === 'function' &&
    typeof options === 'object' &&
    options !== null &&
    Array.isArray(candidate?.middleware)
  ) {
    return;
  }
  const problem =
    typeof candidate?.handle === 'function'
      ? 'a definition without .handle(handler), which is not a Skyport function yet: finish it with .handle()'
      : typeof fn === 'function'
        ? 'a plain function, which is not a Skyport function: define one with http(), queue() or another builder and its .handle(handler)'
        : `${shapeOf(fn)}, which is not a Skyport function`;
  throw new SkyportError('INVALID_DEFINITION', `invoke() needs a Skyport function, got ${problem}`);
}

/**
 * Refuses what `fn` cannot take: nothing, a primitive, or another kind's event, which would
 * otherwise run the handler with fields missing and pass or fail a test for the wrong reason.
 */
function check(kind: Kind, value: unknown, index?: number): void {
  const event = typeof value === 'object' && value !== null && !Array.isArray(value);
  const other = event ? kindOf(value) : undefined;
  if (event && (other === undefined || other === kind)) return;
  const what = index === undefined ? '' : ` at index ${index}`;
  // As the adapters do: another kind's event is a mismatch, anything else no event at all.
  throw new SkyportError(
    other === undefined ? 'INVALID_EVENT' : 'KIND_MISMATCH',
    `invoke(): ${kind === 'http' || kind === 'events' ? 'an' : 'a'} ${kind} function takes ${eventNames[kind]}, got ${shapeOf(value)}${what}`,
    { kind, shape: shapeOf(value) },
  );
}

/** The `INVALID_EVENT` of an event given as its fields (at `index` of a batch) with `problem`. */
function refusal(kind: Kind, value: unknown, index: number | undefined, problem: string): SkyportError {
  const what = index === undefined ? '' : ` at index ${index}`;
  return new SkyportError('INVALID_EVENT', `invoke(): ${eventNames[kind]} given as fields${what}: ${problem}`, {
    kind,
    shape: shapeOf(value),
  });
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * Bytes as text in the charset the content type names (`text/plain; charset=iso-8859-1`), with
 * the labels of the WHATWG Encoding Standard, as a browser reads a response; UTF-8 when it names
 * none, or one no decoder knows (as core reads a request body).
 */
function textOf(bytes: Uint8Array, contentType: string): string {
  return decodeText(bytes, CHARSET.exec(contentType)?.[1]);
}

function decode(response: HttpResponse): Pick<InvokeHttpResult, 'body' | 'text'> {
  const body = response.body;
  if (body === undefined) return { body: undefined, text: undefined };
  const type = response.headers['content-type'] ?? '';
  const text = typeof body === 'string' ? body : textOf(body, type);
  if (/[/+]json\b/i.test(type)) {
    try {
      return { body: JSON.parse(text), text };
    } catch {
      return { body: text, text };
    }
  }
  if (typeof body === 'string' || /^text\//i.test(type)) return { body: text, text };
  return { body, text };
}

/**
 * A streamed answer's content as a test reads it: cancelling it is a client that leaves, as on
 * `serve()` and Cloud Run, so `ctx.signal` aborts too.
 */
function leaving(stream: ReadableStream<Uint8Array>, ctx: Context): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        abortContext(ctx, new DOMException('the client closed the connection', 'AbortError'));
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The id a failure of `event` is reported under, as the adapters report it: a storage event's key,
 * a tick's name, a change's key as JSON, a record's sequence number, else the event's id; the
 * event's place in the batch when it has none (a message with its bytes built by hand), never
 * `"undefined"`.
 */
function idOf(kind: Kind, event: unknown, index: number): string {
  const e = event as Record<string, unknown>;
  const id =
    kind === 'storage'
      ? e.key
      : kind === 'schedule'
        ? e.name
        : kind === 'changes'
          ? JSON.stringify(e.key)
          : kind === 'stream'
            ? (e.sequence ?? e.id)
            : e.id;
  return typeof id === 'string' ? id : String(index);
}

/**
 * The batch mode: the one asked for; for a queue function defined with `fifo`, what it says, as
 * the adapters run it (`fifo: false` is a standard queue, whose messages fail independently even
 * when they carry a `groupId`, a fair queue's tenant); else the one core implies, where a
 * `groupId` on any message runs the batch as FIFO groups, the side that never loses a message.
 */
function modeOf(fn: SkyportFunction, mode: BatchMode | undefined): BatchMode | undefined {
  if (mode !== undefined || fn.kind !== 'queue') return mode;
  const fifo = (fn.options as { fifo?: unknown }).fifo;
  return fifo === true ? 'fifo' : fifo === false ? 'independent' : undefined;
}

/**
 * Runs a function in-process. An http function takes a request and resolves to its response;
 * any other takes one event or an array (a batch, with the batch semantics of its kind) and
 * resolves to `{ ok, failures }`. Input the function cannot take (another kind's event, nothing)
 * is refused with a `SkyportError` before the handler runs. An event given as its fields (`{ body }`,
 * which plain JavaScript can pass, or the JSON `skyport events node` prints, parsed) is built as
 * `serve()` builds a posted one: a time as an ISO 8601 string or epoch ms is a `Date`, and a
 * message or stream record is built as `message()` / `streamRecord()` build one, with the
 * function's queue or stream as its source. A field such an event has not, one it needs and has
 * no default for (a storage event's `key`, a change's `op` and `key`, a CloudEvent's `source` and
 * `type`), one of the wrong type, or a time that is none, is `INVALID_EVENT` naming the field. The event passed is never changed: a `body`
 * schema's validated value goes to a copy of the message or record.
 *
 * As the adapters' entry points do, it refuses with `SkyportError('INVALID_DEFINITION')` anything
 * but a Skyport function (a definition without `.handle()`, `undefined`), an option it does not
 * take (naming the one most likely meant), and a `cloud`, `mode` or `stream` of a value no such
 * option has, naming the values it takes.
 *
 * @example
 * const res = await invoke(getUser, httpRequest({ path: '/users/42' }));
 * expect(res.status).toBe(200);
 *
 * const out = await invoke(ship, [message({ body: good }), message({ body: bad })]);
 * expect(out.failures.map((f) => f.id)).toEqual([out.failures[0]?.id]);
 */
export function invoke(
  fn: SkyportFunction<'http'>,
  request: InvokeHttpInput,
  options?: InvokeOptions,
): Promise<InvokeHttpResult>;
export function invoke<K extends Exclude<Kind, 'http'>>(
  fn: SkyportFunction<K>,
  event: EventOf<K> | readonly EventOf<K>[],
  options?: InvokeOptions,
): Promise<InvokeBatchResult>;
/**
 * `invoke()` for a function whose kind is not known where it is called (a `SkyportFunction`
 * without a type argument, an `AnyFunction`, one of a record of functions): it takes the input
 * of any kind and resolves to either result; narrow by `fn.kind` for the result of one kind. The
 * input is checked against the function's kind when it runs, as with the other overloads. A
 * function of one kind takes only its own kind's input.
 *
 * @example
 * for (const fn of Object.values(functions) as SkyportFunction[]) {
 *   const out = await invoke(fn, fn.kind === 'http' ? { method: 'GET', path: '/' } : message({ body: {} }));
 *   expect('status' in out ? out.status : out.ok).toBeTruthy();
 * }
 */
export function invoke<F extends SkyportFunction>(
  fn: F & OfAnyKind<F['kind']>,
  input: InvokeHttpInput | EventOf<Kind> | readonly EventOf<Kind>[],
  options?: InvokeOptions,
): Promise<InvokeHttpResult | InvokeBatchResult>;
export async function invoke(
  fn: SkyportFunction,
  input: unknown,
  options: InvokeOptions = {},
): Promise<InvokeHttpResult | InvokeBatchResult> {
  checkFunction(fn);
  checkInvokeOptions(options, fn.kind);
  const extra = options.auth === undefined ? options.extra : { ...options.extra, auth: options.auth };
  const ctx = fakeContext({ ...options, kind: fn.kind, extra });
  if (fn.kind === 'http') {
    if (Array.isArray(input)) {
      // Read as request options, an array would run `GET /` once and pass a test it should fail.
      throw new SkyportError(
        'INVALID_EVENT',
        'invoke(): an http function takes one request, not an array (arrays are batches of messages or records)',
        { kind: 'http' },
      );
    }
    check('http', input);
    const request = input as HttpRequestInit | HttpRequestOptions;
    const init = isInit(request) ? plainRequest(request) : httpRequest(request);
    const response =
      options.stream === true
        ? await respond(fn as SkyportFunction<'http'>, init, ctx, true)
        : await runHttp(fn as SkyportFunction<'http'>, init, ctx);
    if (response.stream === undefined) {
      return {
        status: response.status,
        headers: response.headers,
        cookies: response.cookies,
        ...decode(response),
        response,
      };
    }
    const stream = leaving(response.stream, ctx);
    return {
      status: response.status,
      headers: response.headers,
      cookies: response.cookies,
      ...decode(response),
      response: { ...response, stream },
      stream,
    };
  }
  // A hole of a sparse array (`[, ,]`) is an `undefined` event, refused as one: `map` skips holes.
  const given: unknown[] = Array.isArray(input) ? Array.from(input as unknown[]) : [input];
  const events = given.map((event, index) => {
    const at = Array.isArray(input) ? index : undefined;
    check(fn.kind, event, at);
    return eventOf(fn, event as object, ctx.functionName, (problem) => refusal(fn.kind, event, at, problem));
  });
  const items = events.map((event, index) => ({
    id: idOf(fn.kind, event, index),
    event: event as EventOf<Kind>,
    groupId: (event as { groupId?: string }).groupId,
  }));
  const mode = modeOf(fn, options.mode);
  const result = await runBatch(fn as SkyportFunction, items, ctx, mode === undefined ? {} : { mode });
  return { ok: result.ok, failures: result.failures };
}
