/**
 * Public types of Skyport core: the portable events handlers see, the invocation context,
 * responses, middleware and function definitions. Cloud adapters map onto these; nothing here
 * knows about any one cloud.
 */
import type { InferIn, InferOut, StandardSchemaV1 } from './standard-schema.js';

/** Where a function runs. */
export type Cloud = 'aws' | 'azure' | 'gcp' | 'node';

/** The trigger kinds a portable function can have. */
export type Kind = 'http' | 'queue' | 'stream' | 'storage' | 'schedule' | 'changes' | 'events';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The log methods shared by pino and Skyport's built-in logger. */
export interface LogFn {
  (msg: string, ...args: unknown[]): void;
  (obj: object, msg?: string, ...args: unknown[]): void;
}

/**
 * A logger bound to one invocation, with pino's log methods (`trace` to `fatal`, taking pino's
 * arguments) and `child()`. With `logger()` it is a pino child, typed `LevelledLogger` after
 * that middleware (`isLevelEnabled()`, `level`); code written against this interface runs with
 * either.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose every line carries `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * `ctx.log` after the `logger()` middleware: a pino child, which also tells its level, so that a
 * handler can skip building what a line would carry when the line is not written.
 *
 * @example
 * http({ path: '/orders' })
 *   .use(logger())
 *   .handle((req, ctx) => {
 *     if (ctx.log.isLevelEnabled('debug')) ctx.log.debug({ headers: req.headers }, 'request');
 *   });
 */
export interface LevelledLogger extends Logger {
  /** The lowest level written (`trace` to `fatal`), or `silent`. */
  level: string;
  /** Whether a line at `level` (`trace` to `fatal`) is written. */
  isLevelEnabled(level: string): boolean;
  /** A logger whose every line carries `bindings`, with the same level. */
  child(bindings: Record<string, unknown>): LevelledLogger;
}

/**
 * Trace propagation headers the platform supplied for an invocation, with lower-cased names:
 * `traceparent`/`tracestate` (W3C), `x-amzn-trace-id` (AWS X-Ray), `x-cloud-trace-context` (GCP).
 */
export type TraceCarrier = Readonly<Record<string, string>>;

/** What every handler receives next to its event. */
export interface Context {
  /** The platform this invocation runs on. */
  readonly cloud: Cloud;
  /** The trigger kind of the function being invoked. */
  readonly kind: Kind;
  /** The platform's id for this invocation (Lambda `awsRequestId`, Azure `invocationId`, ...). */
  readonly requestId: string;
  /** The deployed name of the function. */
  readonly functionName: string;
  /** Whether this is the first invocation in this process. */
  readonly coldStart: boolean;
  /** When the platform stops this invocation, in epoch milliseconds, if known. */
  readonly deadline: number | undefined;
  /** Milliseconds left before `deadline` (`Infinity` when there is no deadline). */
  remainingTimeMs(): number;
  /** Aborts shortly before the deadline, or when a `timeout()` middleware gives up. */
  readonly signal: AbortSignal;
  /** A logger bound to this invocation. */
  log: Logger;
  /** Trace propagation headers supplied by the platform. */
  readonly trace: TraceCarrier;
  /** The cloud region, when the platform tells it. */
  readonly region: string | undefined;
  /** The native context of the platform (the Lambda context, Azure `InvocationContext`, ...). */
  readonly raw: unknown;
}

// ---------------------------------------------------------------------------------------------
// Portable events
// ---------------------------------------------------------------------------------------------

/** The header map of a request: lower-cased names, repeated values joined with `, `. */
export type HeaderMap = Readonly<Record<string, string>>;

/** An HTTP request, the same on every cloud. */
export interface HttpRequest<
  TBody = unknown,
  TQuery = Readonly<Record<string, string>>,
  TParams = Readonly<Record<string, string>>,
  THeaders = HeaderMap,
> {
  /** Upper-case method. */
  readonly method: string;
  /** The decoded path, without the query string. */
  readonly path: string;
  /** The full URL as the client sent it, as far as the platform tells. */
  readonly url: string;
  /** Headers with lower-cased names; repeated values joined with `, ` (cookies with `; `). */
  readonly headers: THeaders;
  /** One header, looked up case-insensitively. */
  header(name: string): string | undefined;
  /** The first value of each query parameter (typed when a `query` schema is given). */
  readonly query: TQuery;
  /** Every query parameter value. */
  readonly queryAll: URLSearchParams;
  /** Path parameters (typed when a `params` schema is given). */
  readonly params: TParams;
  /** Request cookies by name. */
  readonly cookies: Readonly<Record<string, string>>;
  /**
   * The parsed body: JSON for `application/json` and `+json`, fields for urlencoded forms, a
   * string for `text/*`, bytes otherwise; `undefined` when empty. Parsed on first read unless a
   * `body` schema is declared, in which case it is validated before the handler runs.
   */
  readonly body: TBody;
  /** The exact bytes of the body, for webhook signatures. */
  readonly rawBody: Uint8Array;
  /** The client address, when the platform tells it. */
  readonly ip: string | undefined;
  /** The route pattern that matched (`/users/:id`), when routed. */
  readonly route: string | undefined;
  /** The untouched cloud event. */
  readonly raw: unknown;
  /** A WHATWG `Request` for this request, built only when called. */
  toWebRequest(): Request;
}

/** A point-to-point or pub/sub message (SQS, SNS, Storage Queue, Service Bus, Pub/Sub). */
export interface Message<TBody = unknown> {
  /** The platform's message id. */
  readonly id: string;
  /** The body: JSON-parsed when it parses, else a string (typed when a `body` schema is given). */
  readonly body: TBody;
  /** The exact bytes of the body. */
  readonly rawBody: Uint8Array;
  /** Message attributes / application properties as strings. */
  readonly attributes: Readonly<Record<string, string>>;
  /** 1-based delivery count. */
  readonly attempt: number;
  /** When the message was published or enqueued. */
  readonly publishedAt: Date;
  /** The queue, topic or subscription the message came from. */
  readonly source: string;
  /** The FIFO group (SQS `MessageGroupId`, Service Bus session), where the source has one. */
  readonly groupId?: string | undefined;
  /** The ordering key (Pub/Sub), where the source has one. */
  readonly orderingKey?: string | undefined;
  /** The untouched cloud record. */
  readonly raw: unknown;
}

/** One record of an ordered stream (Kinesis, DynamoDB Streams raw, Event Hubs). */
export interface StreamRecord<TBody = unknown> {
  /** A unique id of the record (the sequence number where there is no other). */
  readonly id: string;
  /** The position of the record in its partition. */
  readonly sequence: string;
  /** The partition key. */
  readonly partitionKey: string;
  /** The body: JSON-parsed when it parses, else a string (typed when a `body` schema is given). */
  readonly body: TBody;
  /** The exact bytes of the record. */
  readonly rawBody: Uint8Array;
  /** When the record was written. */
  readonly publishedAt: Date;
  /** The stream the record came from. */
  readonly source: string;
  /** The untouched cloud record. */
  readonly raw: unknown;
}

/** What happened to an object. */
export type StorageEventType = 'created' | 'deleted';

/** An object created or deleted in a bucket (S3, Blob Storage, Cloud Storage). */
export interface StorageEvent {
  /** What happened. */
  readonly type: StorageEventType;
  /** The bucket or container. */
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** Size in bytes, when known (not on deletes). */
  readonly size: number | undefined;
  /** The entity tag, without quotes, when known. */
  readonly etag: string | undefined;
  /** The content type, when known. */
  readonly contentType: string | undefined;
  /** When it happened. */
  readonly time: Date;
  /** The untouched cloud record. */
  readonly raw: unknown;
}

/** A tick of a cron schedule. */
export interface ScheduleTick {
  /** When the tick was due. */
  readonly scheduledTime: Date;
  /** Whether the tick runs later than it was due (Azure `isPastDue`). */
  readonly isPastDue: boolean;
  /** The schedule (rule / timer / job) name. */
  readonly name: string;
  /** The untouched cloud event. */
  readonly raw: unknown;
}

/** The operation a change event records. */
export type ChangeOp = 'insert' | 'update' | 'delete';

/** A change to a database document (DynamoDB Streams, Cosmos DB change feed, Firestore). */
export interface ChangeEvent<TItem = Record<string, unknown>> {
  /** The operation. */
  readonly op: ChangeOp;
  /** The table, container or collection. */
  readonly collection: string;
  /** The key of the changed item, as the platform gives it. */
  readonly key: Readonly<Record<string, unknown>>;
  /** The item before the change, when the platform sends it. */
  readonly before: TItem | undefined;
  /** The item after the change (absent on delete). */
  readonly after: TItem | undefined;
  /** When the change happened. */
  readonly time: Date;
  /** The untouched cloud record. */
  readonly raw: unknown;
}

/** A CloudEvents 1.0 event. */
export interface CloudEvent<TData = unknown> {
  /** The event id. */
  readonly id: string;
  /** The event source URI. */
  readonly source: string;
  /** The event type. */
  readonly type: string;
  /** The CloudEvents spec version (`1.0`). */
  readonly specversion: string;
  /** The subject, if any. */
  readonly subject: string | undefined;
  /** When it happened. */
  readonly time: Date | undefined;
  /** The content type of `data`. */
  readonly datacontenttype: string | undefined;
  /** The payload (typed when a `data` schema is given). */
  readonly data: TData;
  /** Extension attributes. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The untouched cloud event. */
  readonly raw: unknown;
}

/** The event each function kind receives (before validation). */
export interface KindEvents {
  http: HttpRequest;
  queue: Message;
  stream: StreamRecord;
  storage: StorageEvent;
  schedule: ScheduleTick;
  changes: ChangeEvent;
  events: CloudEvent;
}

/** The event of a function kind. */
export type EventOf<K extends Kind> = KindEvents[K];

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** A cookie to set on a response. */
export interface Cookie {
  name: string;
  value: string;
  path?: string | undefined;
  domain?: string | undefined;
  /** Seconds. */
  maxAge?: number | undefined;
  expires?: Date | undefined;
  httpOnly?: boolean | undefined;
  secure?: boolean | undefined;
  sameSite?: 'Strict' | 'Lax' | 'None' | undefined;
  partitioned?: boolean | undefined;
}

/** A header value a handler may return. */
export type HeaderValue = string | number | readonly string[];

/** An explicit HTTP response a handler may return. */
export interface HttpResponseInit<TBody = unknown> {
  status: number;
  /**
   * Header values by name (any case), or a web `Headers` or a `Map` of them, as code written for
   * `fetch` builds them. A `set-cookie` header is sent as cookies.
   */
  headers?: Readonly<Record<string, HeaderValue | undefined>> | Headers | ReadonlyMap<string, HeaderValue> | undefined;
  /** `Set-Cookie` values, as strings or cookie objects: a list, or one alone. */
  cookies?: readonly (string | Cookie)[] | string | Cookie | undefined;
  /**
   * An object (JSON), a string, bytes, a web body (`Response`, a `ReadableStream` of strings or
   * bytes, `Blob`, `FormData`, `URLSearchParams`) or an async iterable of strings or bytes (an
   * async generator, a Node.js `Readable`), or nothing. Web bodies and iterables are never checked by a
   * `response` schema; they are read whole, unless the function is defined with `stream: true`
   * (then a `Response`, a `ReadableStream` or an iterable is sent as it is produced; a `Blob` or
   * form data, in memory already, is sent whole).
   */
  body?: TBody | string | Uint8Array | WebBody | undefined;
}

/**
 * A body whose content the platform reads: a web body, or an async iterable of strings or bytes
 * (an async generator, a Node.js `Readable`). A `ReadableStream` too yields strings or bytes (one
 * of objects would fail every request with a 500). A `Response`, a `ReadableStream` or an iterable is
 * sent as it is produced by a function defined with `stream: true` where the runtime can; the
 * rest, and everything elsewhere, is read whole.
 */
export type WebBody =
  | Response
  | ReadableStream<string | Uint8Array>
  | Blob
  | FormData
  | URLSearchParams
  | AsyncIterable<string | Uint8Array>;

/**
 * What an http handler may return: a value (200 JSON), `undefined` (204), a string, bytes,
 * a web `Response`, or `{ status, headers, cookies, body }`.
 */
export type HttpResult<TBody = unknown> =
  | TBody
  | HttpResponseInit<TBody>
  | string
  | Uint8Array
  | Response
  | ReadableStream<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing answers 204
  | void;

/** A normalised HTTP response: what adapters write back to the platform. */
export interface HttpResponse {
  /** Status code. */
  readonly status: number;
  /** Headers with lower-cased names; `set-cookie` lives in `cookies`. */
  readonly headers: Record<string, string>;
  /** Serialised `Set-Cookie` values. */
  readonly cookies: string[];
  /** Text, bytes, or nothing (also when the content is in `stream`). */
  readonly body: string | Uint8Array | undefined;
  /**
   * The content as it is produced, for a function defined with `stream: true` that answered
   * with a stream (`body` is then `undefined`). Only adapters that pass `streaming` to `respond`
   * receive it; for the others (and `runHttp`) core reads it whole into `body`.
   */
  readonly stream?: ReadableStream<Uint8Array> | undefined;
}

// ---------------------------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------------------------

/**
 * What `next()` resolves to, and what a middleware's `handle` may answer with: the response for
 * a middleware of http functions only; for one that also runs on other kinds, `unknown` (there
 * it is whatever the handler returned, a string or nothing for a queue message), so it must be
 * narrowed with `isHttpResponse()` before it is read as a response.
 *
 * @example
 * const res = await next(); // in a createMiddleware() for every kind
 * if (isHttpResponse(res)) res.headers['server-timing'] = 'app;dur=1';
 * return res;
 */
export type MiddlewareResult<K extends Kind> = [K] extends ['http'] ? HttpResponse : unknown;

/**
 * Calls the rest of the onion, adding `TAdd` to the context. A middleware that declares nothing
 * to add cannot pass anything (`next({ tenant })` there is a type error, not context lost to the
 * types: declare it, `createMiddleware<'http', { tenant: string }>(...)`).
 */
export type Next<K extends Kind, TAdd extends object> = [keyof TAdd] extends [never]
  ? // Nothing (or `{}`): any field is refused with a message that names the fix.
    (add?: {
      readonly [name: string]: {
        readonly 'declare what this middleware adds to pass it to next(): createMiddleware<K, { name: Type }>(...)': never;
      };
    }) => Promise<MiddlewareResult<K>>
  : {} extends TAdd
    ? (add?: TAdd) => Promise<MiddlewareResult<K>>
    : (add: TAdd) => Promise<MiddlewareResult<K>>;

declare const kindBrand: unique symbol;

/**
 * An onion middleware for functions of kinds `K`. It may add `TAdd` to the context (passed to
 * `next`), needs `TNeeds` from earlier middleware, may short-circuit by not calling `next`, and
 * may map errors by catching what `next` throws.
 */
export interface Middleware<K extends Kind = Kind, TAdd extends object = {}, TNeeds extends object = {}> {
  /** A name for logs and errors. */
  readonly name: string;
  /** The kinds this middleware accepts; `undefined` means every kind. */
  readonly kinds: readonly Kind[] | undefined;
  /** Runs the middleware. */
  handle(event: EventOf<K>, ctx: Context & TNeeds, next: Next<K, TAdd>): Promise<MiddlewareResult<K>>;
  /**
   * Asked before `handle` on every invocation: `true` means this middleware has nothing to wrap
   * this time, and the chain goes on without calling `handle` (and without the promise step a
   * layer costs). It may prepare the context first, for fields it computes when read.
   */
  readonly bypass?: ((event: EventOf<K>, ctx: Context & TNeeds) => boolean) | undefined;
  /** Type-level only: makes kind-restricted middleware reject functions of other kinds. */
  readonly [kindBrand]?: (kind: K) => void;
}

/** Type-level only: a middleware that accepts functions of kind `K`. */
export type AcceptsKind<K extends Kind> = { readonly [kindBrand]?: (kind: K) => void };

/**
 * A middleware of any kind, as stored by functions and taken by `compose()`: every `Middleware`
 * fits it, whatever kinds it accepts, what it adds to the context and what it needs, so a list
 * of shared middleware can be kept typed. Not knowing which event, context and `next` a given
 * one takes, it cannot be called as it is: `handle` and `bypass` take `never` (the type every
 * parameter accepts), and a value of this type goes back into a builder's `.use()` only once it
 * is known what it is.
 *
 * @example
 * const shared: AnyMiddleware[] = [logger(), cors(), jwtAuth({ secret, issuer, audience })];
 * const names = shared.map((mw) => mw.name); // ['logger', 'cors', 'jwtAuth']
 */
export interface AnyMiddleware {
  /** A name for logs and errors. */
  readonly name: string;
  /** The kinds this middleware accepts; `undefined` means every kind. */
  readonly kinds: readonly Kind[] | undefined;
  /**
   * Runs the middleware. Its parameters are `never` so that every middleware's `handle` fits
   * (a parameter of type `never` accepts any parameter type), as a property so the fit does not
   * rest on the looser checking of methods.
   */
  readonly handle: (event: never, ctx: never, next: never) => Promise<unknown>;
  /** Asked before `handle` on every invocation; see `Middleware.bypass`. */
  readonly bypass?: ((event: never, ctx: never) => boolean) | undefined;
}

/** `TBase` with the keys of `TAdd` replaced. */
export type Overwrite<TBase, TAdd> = Omit<TBase, keyof TAdd> & TAdd;

/** Flattens an intersection for readable hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

// ---------------------------------------------------------------------------------------------
// Function definitions
// ---------------------------------------------------------------------------------------------

/** Settings for one cloud; each adapter documents the keys it reads. */
export type PlatformOptions = Readonly<Record<string, unknown>>;

/** Options every function kind accepts. */
export interface BaseOptions {
  /** A description of the function, kept on `fn.options` for your own tooling (Skyport itself does not read it). */
  readonly description?: string | undefined;
  /** AWS-only settings, read by `@skyport/aws`. */
  readonly aws?: PlatformOptions | undefined;
  /** Azure-only settings (`connection`, `trigger`, `authLevel`, ...), read by `@skyport/azure`. */
  readonly azure?: PlatformOptions | undefined;
  /** GCP-only settings, read by `@skyport/gcp`. */
  readonly gcp?: PlatformOptions | undefined;
}

/** An HTTP method. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** Options of `http()`. */
export interface HttpOptions<
  TBody extends StandardSchemaV1 | undefined = undefined,
  TQuery extends StandardSchemaV1 | undefined = undefined,
  TParams extends StandardSchemaV1 | undefined = undefined,
  THeaders extends StandardSchemaV1 | undefined = undefined,
  TResponse extends StandardSchemaV1 | undefined = undefined,
> extends BaseOptions {
  /** The method (or methods) this function answers; every method when absent. */
  readonly method?: HttpMethod | readonly HttpMethod[] | undefined;
  /** The path, with `:name` segments and an optional trailing `*`; `/` when absent. */
  readonly path?: string | undefined;
  /** Schema of the JSON (or urlencoded form) body. */
  readonly body?: TBody | undefined;
  /** Schema of the query (first value per key). */
  readonly query?: TQuery | undefined;
  /** Schema of the path parameters. */
  readonly params?: TParams | undefined;
  /** Schema of the headers (lower-cased names). */
  readonly headers?: THeaders | undefined;
  /** Schema of the response body, checked unless `NODE_ENV` is `production`. */
  readonly response?: TResponse | undefined;
  /**
   * Largest accepted body in whole bytes (default 6 MB); larger bodies get 413. `0` takes no
   * body, `Infinity` any; anything else is `INVALID_DEFINITION`.
   */
  readonly bodyLimit?: number | undefined;
  /**
   * Send a body produced over time (a `ReadableStream`, an async generator or other async
   * iterable, a `Response` such as one from `fetch()`) as it is produced, where the runtime
   * can: `serve()`, the Functions Framework, Azure with HTTP streams enabled, Lambda with
   * `toLambda(fn, { stream: true })`. Elsewhere it is read whole, as without this option.
   * Middleware then see such an answer with its content in `stream`, not `body`.
   */
  readonly stream?: boolean | undefined;
}

/** Options of `queue()`. */
export interface QueueOptions<TBody extends StandardSchemaV1 | undefined = undefined> extends BaseOptions {
  /** The queue or topic name. */
  readonly name: string;
  /** Schema of the message body. */
  readonly body?: TBody | undefined;
  /** A FIFO / session queue: a failed message fails the rest of its group in the batch. */
  readonly fifo?: boolean | undefined;
  /** How many messages of a batch run at once (standard queues only; default 1). */
  readonly concurrency?: number | undefined;
}

/** Options of `stream()`. */
export interface StreamOptions<TBody extends StandardSchemaV1 | undefined = undefined> extends BaseOptions {
  /** The stream or event hub name. */
  readonly name: string;
  /** Schema of the record body. */
  readonly body?: TBody | undefined;
}

/** Options of `storage()`. */
export interface StorageOptions extends BaseOptions {
  /** The bucket or container. */
  readonly bucket: string;
  /** Which events run the handler (default both); others are acknowledged unseen. */
  readonly on?: readonly StorageEventType[] | undefined;
  /** Only keys starting with this run the handler. */
  readonly prefix?: string | undefined;
  /** Only keys ending with this run the handler. */
  readonly suffix?: string | undefined;
}

/** Options of `schedule()`. */
export interface ScheduleOptions extends BaseOptions {
  /** Standard 5-field cron (`minute hour day-of-month month day-of-week`), UTC unless `timezone`. */
  readonly cron: string;
  /** An IANA time zone for the cron, where the platform supports one. */
  readonly timezone?: string | undefined;
  /** The schedule name (defaults to the function name). */
  readonly name?: string | undefined;
}

/** Options of `changes()`. */
export interface ChangesOptions<TItem extends StandardSchemaV1 | undefined = undefined> extends BaseOptions {
  /** The table, container or collection. */
  readonly collection: string;
  /** Schema of `before` / `after`. */
  readonly item?: TItem | undefined;
}

/** Options of `events()`. */
export interface EventsOptions<TData extends StandardSchemaV1 | undefined = undefined> extends BaseOptions {
  /** Only these event types run the handler; others are acknowledged unseen. */
  readonly type?: string | readonly string[] | undefined;
  /** Only events from this source run the handler. */
  readonly source?: string | undefined;
  /** Schema of `data`. */
  readonly data?: TData | undefined;
}

/** The options of each kind, as stored on a function. */
export interface KindOptions {
  http: HttpOptions<
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined
  >;
  queue: QueueOptions<StandardSchemaV1 | undefined>;
  stream: StreamOptions<StandardSchemaV1 | undefined>;
  storage: StorageOptions;
  schedule: ScheduleOptions;
  changes: ChangesOptions<StandardSchemaV1 | undefined>;
  events: EventsOptions<StandardSchemaV1 | undefined>;
}

/** A handler: one event in, a result out. */
export type Handler<TEvent, TCtx, TResult> = (event: TEvent, ctx: TCtx) => TResult | Promise<TResult>;

/** The parameter one segment of a pattern binds: a segment that starts with `:` (`10:30` binds none). */
type SegmentParam<S extends string> = S extends `:${infer Name}` ? { [K in Name]: string } : {};

/** The parameters of the segments of a pattern; only a bare `*` as the last segment binds `*`. */
type SegmentsParams<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? SegmentParam<Head> & SegmentsParams<Tail>
  : P extends '*'
    ? { '*': string }
    : SegmentParam<P>;

/** The parameters of a route pattern, as `compilePath` binds them (one trailing slash is ignored). */
type ParamsOf<P extends string> = SegmentsParams<P extends `${infer Body}/` ? Body : P>;

/**
 * The path parameters of a route pattern: `PathParams<'/users/:id/files/*'>` is
 * `{ id: string; '*': string }`. A pattern only known as `string` gives a string map.
 */
export type PathParams<P extends string> = string extends P
  ? Readonly<Record<string, string>>
  : Readonly<Simplify<ParamsOf<P>>>;

/**
 * `T` without its index signatures: the keys it declares, with their modifiers. A schema that
 * also takes keys it does not name (`z.looseObject()`, `.catchall()`, valibot's `looseObject()`,
 * arktype's `'[string]'`) has an input type whose `keyof` is `string`, which hides its declared
 * keys from a map over `keyof`; they are checked on this type instead.
 */
type Declared<T> = { [K in keyof T as {} extends Record<K, unknown> ? never : K]: T[K] };

/** The keys of `T`'s index signatures (`string`, or a pattern such as `` `x-${string}` ``), if any. */
type IndexKeys<T> = Exclude<keyof T, keyof Declared<T>>;

/** The string keys among `K` (`string` for the `string | number` of a string index signature), else `K`. */
type StringKeysFirst<K> = [K & string] extends [never] ? K : K & string;

/** Whether a value of type `V` can never be a string (a value of `unknown` or `any` may be anything). */
type TakesNoString<V> = unknown extends V
  ? false
  : [V] extends [never] // no such key (the index of `z.object({})`)
    ? false
    : [Extract<V, string>] extends [never]
      ? true
      : false;

/**
 * The keys of `Input` that never take a string: the declared keys that do not, else the index
 * signature's key (`string`) when the values of the keys it does not name take none.
 */
type NonStringKeys<Input> = [NonStringDeclaredKeys<Input>] extends [never]
  ? TakesNoString<Input[IndexKeys<Input>]> extends true
    ? StringKeysFirst<IndexKeys<Input>>
    : never
  : NonStringDeclaredKeys<Input>;

/** The keys `Input` declares that never take a string. */
type NonStringDeclaredKeys<Input> = {
  [K in keyof Declared<Input>]-?: TakesNoString<Declared<Input>[K]> extends true ? K : never;
}[keyof Declared<Input>];

/** The names `Input` declares with an upper-case letter (no request header has one). */
type CapitalisedNames<Input> = Exclude<keyof Declared<Input> & string, Lowercase<keyof Declared<Input> & string>>;

/** Schema `S` when every key of its input takes a string, else a type naming the keys that do not. */
type StringValuedHeaders<S, Input> = [NonStringKeys<Input>] extends [never]
  ? S | undefined
  : { readonly 'header values are strings: a headers schema must take one for': NonStringKeys<Input> };

/**
 * A headers schema, checked for the header names it reads and the values it takes: the request's
 * names are lower case and its values strings, so a schema of `'X-Tenant'`, or of
 * `'x-count': z.number()`, would fail every request that has the header with a 422. Resolves to
 * the schema when every name it takes is lower case and every value may be a string (or anything:
 * `z.coerce.number()`), else to a type naming the names that are not, or the keys that take no
 * string. A schema that also takes names it does not declare (`z.looseObject()`, `.catchall()`)
 * is checked for the names it declares, and for the values it takes for the others.
 */
export type HeadersSchemaFor<S> =
  S extends StandardSchemaV1<infer Input, unknown>
    ? [CapitalisedNames<Input>] extends [never]
      ? StringValuedHeaders<S, Input>
      : { readonly 'header names in a headers schema must be lower case': CapitalisedNames<Input> }
    : S;

/**
 * A query schema, checked for the values it takes: the query gives the first value of each key,
 * a string, so a schema of `page: z.number()` (or a list) would fail every request that has the
 * key with a 422. Resolves to the schema when every key may take a string (or anything:
 * `z.coerce.number()`), else to a type naming the keys that take no string. A schema that also
 * takes keys it does not declare (`z.looseObject()`, `.catchall()`) is checked for the keys it
 * declares, and for the values it takes for the others.
 */
export type QuerySchemaFor<S> =
  S extends StandardSchemaV1<infer Input, unknown>
    ? [NonStringKeys<Input>] extends [never]
      ? S | undefined
      : { readonly 'query values are strings: a query schema must take one for': NonStringKeys<Input> }
    : S;

/**
 * The parameters of path `P` that the input of schema `S` has no key for. A key the input marks
 * optional takes its parameter too (the path always binds it: `z.string().optional()`,
 * `.default()`, or a transformed key when `strictNullChecks` is off). An input with a string
 * index signature (`z.record(z.string(), ...)`) takes every parameter.
 */
type UntakenParams<S, P extends string> =
  S extends StandardSchemaV1<infer Input, unknown>
    ? string extends keyof Input // a map of any names: its values are checked by StringlessParams
      ? never
      : { [K in keyof ParamsOf<P>]: K extends keyof Input ? never : K }[keyof ParamsOf<P>]
    : never;

/** The keys `Input` requires (an index signature requires none). */
type RequiredKeys<Input> = {
  [K in keyof Declared<Input>]-?: {} extends Pick<Declared<Input>, K> ? never : K;
}[keyof Declared<Input>];

/** The keys the input of schema `S` requires that path `P` never binds (optional keys may be absent). */
type UnboundParams<S, P extends string> =
  S extends StandardSchemaV1<infer Input, unknown> ? Exclude<RequiredKeys<Input>, keyof ParamsOf<P>> : never;

/**
 * A params schema, checked for the parameters of the path: under `/books/:id` its input must
 * have an `id` (a schema of `bookId` would fail every request with a 422), and may require no
 * key the path does not bind (a required `orgId` would fail every request too; an optional one
 * is allowed). A schema of any names (`z.record(z.string(), ...)`) takes every parameter; one
 * that also takes keys it does not declare (`z.looseObject({ id })`) may still require only
 * parameters of the path.
 * Resolves to the schema when it takes every parameter and requires no other (any schema when
 * the path is only known as `string`), else to a type naming the ones it does not take, or the
 * keys the path does not bind. The check reads the schema's input type alone, not the schema
 * against a schema type, so that schemas whose types are deep (arktype) stay within the
 * compiler's limits.
 */
export type ParamsSchemaFor<S, P extends string> = [StringlessParams<S>] extends [never]
  ? string extends P
    ? S
    : [UntakenParams<S, P>] extends [never]
      ? [UnboundParams<S, P>] extends [never]
        ? S
        : { readonly 'a params schema may require only parameters of the path, not': UnboundParams<S, P> }
      : { readonly 'a params schema must take the parameters of the path': UntakenParams<S, P> }
  : { readonly 'path parameters are strings: a params schema must take one for': StringlessParams<S> };

/** The keys of the input of schema `S` that take no string (a path parameter always is one). */
type StringlessParams<S> = S extends StandardSchemaV1<infer Input, unknown> ? NonStringKeys<Input> : never;

/** The request an http handler sees for the given schemas and path. */
export type TypedHttpRequest<TBody, TQuery, TParams, THeaders, TPath extends string = string> = HttpRequest<
  InferOut<TBody, unknown>,
  InferOut<TQuery, Readonly<Record<string, string>>>,
  InferOut<TParams, PathParams<TPath>>,
  InferOut<THeaders, HeaderMap>
>;

/**
 * The statuses of redirects and errors: a response schema describes success, so an explicit
 * response with one of these may carry any body (`{ status: 404, body: { reason } }`); run time
 * checks only bodies below 300 too.
 */
export type UncheckedStatus =
  | 300
  | 301
  | 302
  | 303
  | 304
  | 307
  | 308
  | 400
  | 401
  | 402
  | 403
  | 404
  | 405
  | 406
  | 407
  | 408
  | 409
  | 410
  | 411
  | 412
  | 413
  | 414
  | 415
  | 416
  | 417
  | 418
  | 421
  | 422
  | 423
  | 424
  | 425
  | 426
  | 428
  | 429
  | 431
  | 451
  | 500
  | 501
  | 502
  | 503
  | 504
  | 505
  | 506
  | 507
  | 508
  | 510
  | 511;

/**
 * An explicit redirect or error response: an `HttpResponseInit` whose status is one of
 * `UncheckedStatus`. A handler under a `response` schema may return one with any body, so type a
 * helper that builds such answers with it: typed `HttpResponseInit`, its status is any `number`,
 * which may be a success's, and the handler's result is refused.
 *
 * @example
 * const notFound = (reason: string): ErrorResponseInit => ({ status: 404, body: { reason } });
 * http({ path: '/orders/:id', response: Order }).handle(async (req) => (await find(req.params.id)) ?? notFound('gone'));
 */
export interface ErrorResponseInit<TBody = unknown> extends HttpResponseInit<TBody> {
  /** A redirect or error status. */
  status: UncheckedStatus;
}

/**
 * What an http handler may return for a response schema: the schema's input as the body of a
 * success, or an explicit redirect or error response with any body. A string or bytes returned
 * as the whole result is a success body, so only where the schema admits one (`z.string()`); in
 * an explicit `{ status, body }` one is allowed whatever the status, since a status computed at
 * run time may be an error's (run time checks bodies below 300 against the schema).
 */
export type TypedHttpResult<TResponse> = unknown extends TResponse
  ? HttpResult
  :
      | InferIn<TResponse, unknown>
      | HttpResponseInit<InferIn<TResponse, unknown>>
      | ErrorResponseInit
      | Response
      | ReadableStream<string | Uint8Array>
      | Blob
      | FormData
      | URLSearchParams
      | AsyncIterable<string | Uint8Array>
      | undefined
      // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing answers 204
      | void;

/**
 * What `dispatch()` resolves to: the response for an http function, the handler's result for
 * the others (so `unknown` for a function whose kind is not known to be http). It only widens
 * as `K` does, so that a function of one kind is also a function of any kind.
 *
 * @example
 * const res: DispatchResult<'http'> = await api.dispatch(req, ctx); // an HttpResponse
 */
export type DispatchResult<K extends Kind> = [K] extends ['http'] ? HttpResponse : unknown;

/** Fails to type-check when context `TCtx` lacks what a middleware needs. */
type HasContext<TCtx, TNeeds> = [keyof TNeeds] extends [never]
  ? unknown
  : TCtx extends TNeeds
    ? unknown
    : { readonly 'this middleware needs context that earlier .use() calls do not add': TNeeds };

/**
 * A portable function: an inert value that adapters turn into a cloud entry point.
 * Build one with `http()`, `queue()`, `stream()`, `storage()`, `schedule()`, `changes()`,
 * `events()` or `router()`.
 *
 * `SkyportFunction` without a type argument is a function of any kind: every function built
 * fits it (`const all: SkyportFunction[] = [api, onOrder]`); narrow by `kind` with
 * `AnyFunction`. `TCtx` is what the middleware added to the finished function with `.use()`
 * add to the context, for the middleware added after them.
 *
 * @example
 * const functions = { api, onOrder } satisfies Record<string, SkyportFunction>;
 */
export interface SkyportFunction<K extends Kind = Kind, TCtx extends object = {}> {
  /** The trigger kind. */
  readonly kind: K;
  /** The definition options. */
  readonly options: KindOptions[K];
  /** The middleware, outermost first. */
  readonly middleware: readonly AnyMiddleware[];
  /** For a router: the http functions it routes to. */
  readonly routes: readonly SkyportFunction<'http'>[] | undefined;
  /**
   * A new function with `mw` added after this one's middleware, around the handler: as if the
   * chain had gone on with one more `.use()` before `.handle()`, so `mw` runs inside the
   * middleware already there (add `cors()` to a function with an auth middleware when you build
   * it, outside the auth, so its 401s carry the CORS headers). Used to add middleware to
   * functions you did not write (for example `fromLambda`). What `mw` adds to the context is
   * typed for the middleware added after it, as with the builders' `.use()`.
   *
   * @example
   * export const admin = router(listUsers, deleteUser).use(jwtAuth({ secret })).use(requireScopes('admin'));
   */
  use<MK extends Kind, TAdd extends object, TNeeds extends object = {}>(
    mw: Middleware<MK, TAdd, TNeeds> & AcceptsKind<K> & HasContext<Context & TCtx, TNeeds>,
  ): SkyportFunction<K, Simplify<Overwrite<TCtx, TAdd>>>;
  /**
   * Runs middleware, validation and handler for one event. Adapters call the helpers in
   * `run.ts` (`runHttp`, `runBatch`, `runEvent`) rather than this.
   * @internal
   */
  dispatch(event: EventOf<K>, ctx: Context): Promise<DispatchResult<K>>;
}

/**
 * A portable function of one of the kinds `K` (every kind by default), as a union with one
 * member per kind, so that checking `fn.kind` narrows `fn.options`. Every function built fits
 * it, like `SkyportFunction`.
 *
 * @example
 * function describe(fn: AnyFunction): string {
 *   return fn.kind === 'http' ? `${fn.options.method ?? '*'} ${fn.options.path ?? '/'}` : fn.kind;
 * }
 */
export type AnyFunction<K extends Kind = Kind> = { [P in K]: SkyportFunction<P> }[K];

/** An http function. */
export type HttpFunction = SkyportFunction<'http'>;
