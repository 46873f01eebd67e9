/**
 * The function builders: `http`, `queue`, `stream`, `storage`, `schedule`, `changes`, `events`.
 * Each takes the trigger's options (schemas included), grows its context type through `.use()`,
 * and ends with `.handle()`, which returns an inert portable function.
 */
import { parseCron } from './cron.js';
import { SkyportError } from './errors.js';
import { type AnyHandler, checkKind, PortableFunction } from './function.js';
import { type InferOut, isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';
import type {
  AcceptsKind,
  AnyMiddleware,
  ChangeEvent,
  ChangesOptions,
  CloudEvent,
  Context,
  EventsOptions,
  Handler,
  HeadersSchemaFor,
  HttpOptions,
  Kind,
  KindOptions,
  Message,
  Middleware,
  Overwrite,
  ParamsSchemaFor,
  PathParams,
  QuerySchemaFor,
  QueueOptions,
  ScheduleOptions,
  ScheduleTick,
  Simplify,
  SkyportFunction,
  StorageEvent,
  StorageOptions,
  StreamOptions,
  StreamRecord,
  TypedHttpRequest,
  TypedHttpResult,
} from './types.js';

/** Fails to type-check when the function's context lacks what a middleware needs. */
export type NeedsContext<TCtx, TNeeds> = [keyof TNeeds] extends [never]
  ? unknown // needs nothing: settled without looking at TCtx, which may still be generic
  : TCtx extends TNeeds
    ? unknown
    : { readonly 'this middleware needs context that earlier .use() calls do not add': TNeeds };

/**
 * Builds one function: add middleware with `.use()`, finish with `.handle()`.
 * `TCtx` grows by what each middleware adds; `TAdded` is that part alone, which the finished
 * function keeps (`SkyportFunction<K, TAdded>`) for the middleware added to it later.
 */
export interface FunctionBuilder<K extends Kind, TEvent, TCtx, TResult, TAdded extends object = {}> {
  /**
   * Wraps the handler in a middleware (outermost first, in call order). The context type gains
   * what the middleware adds; a middleware for other kinds of function does not compile.
   *
   * @example
   * http({ method: 'GET', path: '/me' }).use(jwtAuth({ issuer, audience, jwksUrl })).handle((req, ctx) => ctx.auth.subject);
   */
  use<MK extends Kind, TAdd extends object, TNeeds extends object>(
    mw: Middleware<MK, TAdd, TNeeds> & AcceptsKind<K> & NeedsContext<TCtx, TNeeds>,
  ): FunctionBuilder<K, TEvent, Simplify<Overwrite<TCtx, TAdd>>, TResult, Simplify<Overwrite<TAdded, TAdd>>>;
  /**
   * Sets the handler and returns the finished function. The function keeps what the middleware
   * added to the context, so a middleware added to it later with `.use()` that needs it compiles
   * (`requireScopes()` after a `jwtAuth()` added when it was built).
   *
   * @example
   * export const hello = http({ method: 'GET', path: '/hello' }).handle(() => ({ hello: 'world' }));
   */
  handle(handler: Handler<TEvent, TCtx, TResult>): SkyportFunction<K, TAdded>;
}

class Builder<K extends Kind> {
  readonly #kind: K;
  readonly #options: KindOptions[K];
  readonly #middleware: readonly AnyMiddleware[];

  constructor(kind: K, options: KindOptions[K], middleware: readonly AnyMiddleware[] = []) {
    this.#kind = kind;
    this.#options = options;
    this.#middleware = middleware;
  }

  use(mw: AnyMiddleware): Builder<K> {
    checkKind(this.#kind, mw);
    return new Builder(this.#kind, this.#options, [...this.#middleware, mw]);
  }

  handle(handler: AnyHandler): SkyportFunction<K> {
    if (typeof handler !== 'function') {
      throw new SkyportError('INVALID_DEFINITION', `.handle() needs a function, got ${typeof handler}`, {
        kind: this.#kind,
      });
    }
    return new PortableFunction(this.#kind, this.#options, this.#middleware, handler);
  }
}

/** The options of each kind that hold a schema. */
const schemaKeys: Readonly<Record<Kind, readonly string[]>> = {
  http: ['body', 'query', 'params', 'headers', 'response'],
  queue: ['body'],
  stream: ['body'],
  storage: [],
  schedule: [],
  changes: ['item'],
  events: ['data'],
};

function builder<K extends Kind, TEvent, TResult>(kind: K, options: KindOptions[K]) {
  // Checked when the function is defined: a JSON Schema object or a validator of another kind
  // would otherwise fail every invocation.
  for (const key of schemaKeys[kind]) {
    const schema = (options as Record<string, unknown>)[key];
    if (schema !== undefined && !isStandardSchema(schema)) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `${kind}() "${key}" must be a Standard Schema (zod, valibot, arktype, ...), got ${schema === null ? 'null' : typeof schema} without "~standard".validate`,
        { kind },
      );
    }
  }
  return new Builder(kind, options) as unknown as FunctionBuilder<K, TEvent, Context, TResult>;
}

function requireString(kind: Kind, options: object, key: string): void {
  const value = (options as Record<string, unknown>)[key];
  if (typeof value !== 'string' || value === '') {
    throw new SkyportError('INVALID_DEFINITION', `${kind}() needs a non-empty "${key}"`, { kind });
  }
}

/** Whether `value` is a usable message concurrency: a whole number >= 1, or `Infinity`. */
function isConcurrency(value: unknown): value is number {
  return typeof value === 'number' && value >= 1 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
}

/** Whether `value` is a usable body limit: a whole number of bytes >= 0, or `Infinity` (no limit). */
function isBodyLimit(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
}

/** A value as an error message shows it: strings quoted, other non-numbers by their type. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}

/**
 * A schema whose input has the parameters of path `P` (any schema when `P` is only `string`):
 * what `http()` takes as `params` when the schema's type is a type parameter of your own.
 *
 * @example
 * const ok: PathParamsSchema<'/items/:id'> = z.object({ id: z.string() });
 */
export type PathParamsSchema<P extends string> = string extends P
  ? StandardSchemaV1 | undefined
  : StandardSchemaV1<{ readonly [K in keyof PathParams<P>]: unknown }, unknown> | undefined;

/** The keys `T` requires (an index signature requires none). */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/** The keys the input of schema `S` requires that path `P` never binds. */
type UnboundKeys<S, P extends string> = [S] extends [StandardSchemaV1<infer Input, unknown>]
  ? Exclude<RequiredKeys<Input>, keyof PathParams<P>>
  : never;

/**
 * Refuses a params schema that requires a key path `P` never binds (every request would be a
 * 422), naming the keys; passes any other. A schema whose type is a type parameter of your own
 * passes: the check stays open for it (written with `[S]`, not a bare `S`, so that the compiler
 * can tell the refusal does not apply), and only its constraint is checked, by
 * `PathParamsSchema`, for the parameters of the path.
 */
type ParamsOfPathOnly<S, P extends string> = [[UnboundKeys<S, P>] extends [never] ? 'ok' : never] extends [never]
  ? { readonly 'a params schema may require only parameters of the path, not': UnboundKeys<S, P> }
  : unknown;

/** A schema option: any Standard Schema, or none. */
type Schema = StandardSchemaV1 | undefined;

/**
 * What `http()` takes: its options (`HttpOptions`), with the literal path, and the params schema
 * checked as `TParamsOption` says (against the parameters of the path). Name it to type a value
 * passed on to `http()`, or a helper that builds one.
 *
 * @example
 * const definition: HttpDefinition<undefined, undefined, undefined, undefined, undefined, '/health', undefined> = {
 *   method: 'GET',
 *   path: '/health',
 * };
 */
export type HttpDefinition<
  TBody extends Schema,
  TQuery extends Schema,
  TParams extends Schema,
  THeaders extends Schema,
  TResponse extends Schema,
  TPath extends string,
  TParamsOption,
> = HttpOptions<TBody, TQuery, TParams, THeaders, TResponse> & {
  readonly path?: TPath;
  readonly params?: TParamsOption;
  readonly headers?: HeadersSchemaFor<THeaders>;
  readonly query?: QuerySchemaFor<TQuery>;
};

/**
 * What `http()` returns for its schemas and path: a `FunctionBuilder` of http functions whose
 * request is typed by the schemas (`req.body`, `req.query`, `req.params`, `req.headers`) and the
 * path, and whose handler's result by the response schema.
 *
 * @example
 * const health: HttpBuilder<undefined, undefined, undefined, undefined, undefined, '/health'> = http({ path: '/health' });
 */
export type HttpBuilder<TBody, TQuery, TParams, THeaders, TResponse, TPath extends string> = FunctionBuilder<
  'http',
  TypedHttpRequest<TBody, TQuery, TParams, THeaders, TPath>,
  Context,
  TypedHttpResult<TResponse>
>;

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * An HTTP function. Schemas (any Standard Schema v1) validate the body, query, path params and
 * headers before the handler runs (422 listing every failing path) and type `req`.
 *
 * @example
 * export const getUser = http({ method: 'GET', path: '/users/:id', params: z.object({ id: z.string() }) })
 *   .handle(async (req) => {
 *     const user = users.get(req.params.id);
 *     if (!user) throw new NotFound(`no user ${req.params.id}`);
 *     return user;
 *   });
 */
export function http<
  TBody extends StandardSchemaV1 | undefined = undefined,
  TQuery extends StandardSchemaV1 | undefined = undefined,
  TParams extends StandardSchemaV1 | undefined = undefined,
  THeaders extends StandardSchemaV1 | undefined = undefined,
  TResponse extends StandardSchemaV1 | undefined = undefined,
  TPath extends string = string,
>(
  options?: HttpDefinition<TBody, TQuery, TParams, THeaders, TResponse, TPath, ParamsSchemaFor<TParams, TPath>>,
): HttpBuilder<TBody, TQuery, TParams, THeaders, TResponse, TPath>;
/**
 * `http()` for a params schema whose type is a type parameter of your own (a helper generic in
 * its schema): the schema's constraint must take the parameters of the path.
 *
 * @example
 * const byId = <S extends StandardSchemaV1<{ id: string }, { id: string }>>(params: S) =>
 *   http({ method: 'GET', path: '/items/:id', params });
 */
export function http<
  TBody extends StandardSchemaV1 | undefined = undefined,
  TQuery extends StandardSchemaV1 | undefined = undefined,
  TParams extends StandardSchemaV1<Readonly<Record<string, string>>> | undefined = undefined,
  THeaders extends StandardSchemaV1 | undefined = undefined,
  TResponse extends StandardSchemaV1 | undefined = undefined,
  TPath extends string = string,
>(
  options?: HttpDefinition<
    TBody,
    TQuery,
    TParams,
    THeaders,
    TResponse,
    TPath,
    TParams & PathParamsSchema<TPath> & ParamsOfPathOnly<TParams, TPath>
  >,
): HttpBuilder<TBody, TQuery, TParams, THeaders, TResponse, TPath>;
export function http(
  options: HttpOptions<
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined,
    StandardSchemaV1 | undefined
  > = {},
): FunctionBuilder<'http', TypedHttpRequest<undefined, undefined, undefined, undefined>, Context, unknown> {
  const list =
    options.method === undefined ? [] : typeof options.method === 'string' ? [options.method] : options.method;
  // An empty list (from configuration) would answer every request 405: a function that never runs.
  if (Array.isArray(options.method) && options.method.length === 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'http() method is an empty list: name a method, or leave it out for any',
      {
        kind: 'http',
      },
    );
  }
  for (const method of list) {
    if (!methods.has(method))
      throw new SkyportError('INVALID_DEFINITION', `http() method "${method}" is not supported`, { kind: 'http' });
  }
  if (options.path !== undefined && !options.path.startsWith('/')) {
    throw new SkyportError('INVALID_DEFINITION', `http() path must start with "/", got "${options.path}"`, {
      kind: 'http',
    });
  }
  // A NaN (an unset environment variable through Number()) would turn the limit off without a word.
  if (options.bodyLimit !== undefined && !isBodyLimit(options.bodyLimit)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `http() bodyLimit must be a whole number of bytes, 0 or more (or Infinity for no limit), got ${shown(options.bodyLimit)}`,
      { kind: 'http' },
    );
  }
  if (options.stream !== undefined && typeof options.stream !== 'boolean') {
    throw new SkyportError('INVALID_DEFINITION', `http() stream must be true or false, got ${shown(options.stream)}`, {
      kind: 'http',
    });
  }
  return builder('http', options as KindOptions['http']);
}

/**
 * A queue or topic consumer. The handler sees one message; the adapter owns the batch and
 * reports exactly the messages that failed (a body failing its schema fails that message).
 *
 * @example
 * export const ship = queue({ name: 'orders', body: Order }).handle(async (msg) => shipOrder(msg.body));
 */
export function queue<TBody extends StandardSchemaV1 | undefined = undefined>(
  options: QueueOptions<TBody>,
): FunctionBuilder<'queue', Message<InferOut<TBody, unknown>>, Context, unknown> {
  requireString('queue', options, 'name');
  if (options.concurrency !== undefined && !isConcurrency(options.concurrency)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `queue() concurrency must be a whole number of at least 1 (or Infinity), got ${String(options.concurrency)}`,
      { kind: 'queue' },
    );
  }
  return builder('queue', options as KindOptions['queue']);
}

/**
 * An ordered stream consumer. Records of a batch run one at a time, in order; the first failure
 * stops the batch and it and every later record are retried.
 *
 * @example
 * export const clicks = stream({ name: 'clicks', body: Click }).handle(async (record) => count(record.body));
 */
export function stream<TBody extends StandardSchemaV1 | undefined = undefined>(
  options: StreamOptions<TBody>,
): FunctionBuilder<'stream', StreamRecord<InferOut<TBody, unknown>>, Context, unknown> {
  requireString('stream', options, 'name');
  return builder('stream', options as KindOptions['stream']);
}

/**
 * An object created / deleted trigger.
 *
 * @example
 * export const onUpload = storage({ bucket: 'uploads', on: ['created'] }).handle((obj) => thumbnail(obj.bucket, obj.key));
 */
export function storage(options: StorageOptions): FunctionBuilder<'storage', StorageEvent, Context, unknown> {
  requireString('storage', options, 'bucket');
  // A filter that matches nothing would acknowledge every upload unseen: refused when defined.
  const on: unknown = options.on;
  if (
    on !== undefined &&
    !(Array.isArray(on) && on.length > 0 && on.every((type) => type === 'created' || type === 'deleted'))
  ) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `storage() "on" must list "created" and/or "deleted", got ${JSON.stringify(on)}`,
      { kind: 'storage' },
    );
  }
  return builder('storage', options as KindOptions['storage']);
}

/**
 * A cron schedule (standard 5 fields; adapters translate it, e.g. to Azure's NCRONTAB).
 *
 * @example
 * export const nightly = schedule({ cron: '0 3 * * *' }).handle((tick) => report(tick.scheduledTime));
 */
export function schedule(options: ScheduleOptions): FunctionBuilder<'schedule', ScheduleTick, Context, unknown> {
  requireString('schedule', options, 'cron');
  // Checked when the function is defined: Azure would otherwise register a timer its host refuses to start.
  parseCron(options.cron);
  if (options.timezone !== undefined && !isTimeZone(options.timezone)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `schedule() timezone must be an IANA time zone such as "Europe/Paris", got "${options.timezone}"`,
      { kind: 'schedule' },
    );
  }
  return builder('schedule', options as KindOptions['schedule']);
}

/** Whether the runtime knows `zone` as a time zone (`Intl` refuses any other). */
function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A database change feed consumer (DynamoDB Streams, Cosmos DB, Firestore).
 *
 * @example
 * export const audit = changes({ collection: 'orders', item: Order }).handle((change) => log(change.op, change.after));
 */
export function changes<TItem extends StandardSchemaV1 | undefined = undefined>(
  options: ChangesOptions<TItem>,
): FunctionBuilder<'changes', ChangeEvent<InferOut<TItem, Record<string, unknown>>>, Context, unknown> {
  requireString('changes', options, 'collection');
  return builder('changes', options as KindOptions['changes']);
}

/**
 * A CloudEvents consumer (EventBridge, Event Grid, Eventarc).
 *
 * @example
 * export const onSignup = events({ type: 'user.created', data: User }).handle((event) => welcome(event.data));
 */
export function events<TData extends StandardSchemaV1 | undefined = undefined>(
  options: EventsOptions<TData> = {},
): FunctionBuilder<'events', CloudEvent<InferOut<TData, unknown>>, Context, unknown> {
  // A filter that matches nothing would acknowledge every event unseen, and one of another type
  // would fail every event: both refused when defined.
  const type: unknown = options.type;
  const types = Array.isArray(type) ? type : [type];
  if (type !== undefined && (types.length === 0 || !types.every((one) => typeof one === 'string' && one !== ''))) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `events() "type" must be a non-empty string or a non-empty list of them, got ${JSON.stringify(type)}`,
      { kind: 'events' },
    );
  }
  if (options.source !== undefined) requireString('events', options, 'source');
  return builder('events', options as KindOptions['events']);
}
