/**
 * The function builders: `http`, `queue`, `stream`, `storage`, `schedule`, `changes`, `events`.
 * Each takes the trigger's options (schemas included), grows its context type through `.use()`,
 * and ends with `.handle()`, which returns an inert portable function.
 */
import { parseCron } from './cron.js';
import { SkyportError } from './errors.js';
import { type AnyHandler, checkKind, PortableFunction } from './function.js';
import { checkOptions } from './options.js';
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

/** The options every kind takes. */
const baseNames = ['description', 'aws', 'azure', 'gcp'] as const;

/** The option names of each kind: every key its options type has, and no other. */
const optionNames = {
  http: ['method', 'path', 'body', 'query', 'params', 'headers', 'response', 'bodyLimit', 'stream', ...baseNames],
  queue: ['name', 'body', 'fifo', 'concurrency', ...baseNames],
  stream: ['name', 'body', ...baseNames],
  storage: ['bucket', 'on', 'prefix', 'suffix', ...baseNames],
  schedule: ['cron', 'timezone', 'name', ...baseNames],
  changes: ['collection', 'item', ...baseNames],
  events: ['type', 'source', 'data', ...baseNames],
} as const satisfies { readonly [K in Kind]: readonly (keyof KindOptions[K])[] };

/** The keys of an options type left out of its list: none, or this fails to type-check. */
type Unlisted = { [K in Kind]: Exclude<keyof KindOptions[K], (typeof optionNames)[K][number]> }[Kind];
const everyOptionListed: [Unlisted] extends [never] ? true : { readonly 'options not listed': Unlisted } = true;
void everyOptionListed;

const clouds = { aws: 'AWS', azure: 'Azure', gcp: 'GCP' } as const;

/**
 * Checked first when a function is defined: from plain JavaScript, a misspelt option (`schema`
 * for `body`, `methods`, `timeZone`) or one of the wrong type would be dropped or misread without
 * a word, and the function would run for events it was meant to skip.
 */
function checkDefinition(kind: Kind, options: unknown): void {
  checkOptions(`${kind}()`, options, optionNames[kind], { kind });
  const given = (options ?? {}) as Record<string, unknown>;
  const description = given.description;
  if (description !== undefined && typeof description !== 'string') {
    throw new SkyportError('INVALID_DEFINITION', `${kind}() description must be a string, got ${shown(description)}`, {
      kind,
    });
  }
  for (const [key, cloud] of Object.entries(clouds)) {
    const settings = given[key];
    if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `${kind}() ${key} must be an object of ${cloud} settings, got ${shown(settings)}`,
        { kind },
      );
    }
  }
}

function requireString(kind: Kind, options: object | undefined, key: string): void {
  const value = (options as Record<string, unknown> | undefined)?.[key];
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
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return 'a RegExp';
  return value === null ? 'null' : typeof value;
}

/** Whether `value`, if given, is a string. */
function stringOrAbsent(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/**
 * The path written with `:name` parameters for one that names them in braces (`/users/{id}`,
 * API Gateway's and Azure's syntax, `{proxy+}` for the rest of the path), which Skyport reads as
 * literal text: `undefined` when it names none that way.
 */
function withColonParams(path: string): string | undefined {
  const braces = /\{([^/{}]*)\}/g;
  if (!braces.test(path)) return undefined;
  return path.replace(braces, (_, name: string) => (/[+*]/.test(name) ? '*' : `:${name}`));
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

/**
 * The keys `T` requires (an index signature requires none). Its declared keys are read apart from
 * an index signature (a loose object schema's `{ id: string; [k: string]: string }`), whose value
 * indexing the mapped type would give in their place.
 */
type RequiredKeys<T> = {
  [K in keyof T as {} extends Record<K, unknown> ? never : K]-?: {} extends Pick<T, K> ? never : K;
} extends infer M
  ? M[keyof M]
  : never;

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
  readonly path?: TPath | undefined;
  readonly params?: TParamsOption | undefined;
  readonly headers?: HeadersSchemaFor<THeaders> | undefined;
  readonly query?: QuerySchemaFor<TQuery> | undefined;
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
  if (typeof options === 'string') {
    // `http('/users')`, as routers take a path: the path goes in the options.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `http() takes an options object, not a path: write http({ path: ${JSON.stringify(options)} })`,
      { kind: 'http' },
    );
  }
  checkDefinition('http', options);
  const method: unknown = options.method;
  if (method !== undefined && typeof method !== 'string' && !Array.isArray(method)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `http() method must be a method name such as "GET", or a list of them, got ${shown(method)}`,
      { kind: 'http' },
    );
  }
  const list: readonly unknown[] = method === undefined ? [] : Array.isArray(method) ? method : [method];
  // An empty list (from configuration) would answer every request 405: a function that never runs.
  if (Array.isArray(method) && method.length === 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'http() method is an empty list: name a method, or leave it out for any',
      {
        kind: 'http',
      },
    );
  }
  for (const one of list) {
    if (typeof one !== 'string' || !methods.has(one))
      throw new SkyportError('INVALID_DEFINITION', `http() method ${shown(one)} is not supported`, { kind: 'http' });
  }
  const path: unknown = options.path;
  if (!stringOrAbsent(path)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `http() path must be a string such as "/users/:id", got ${shown(path)}`,
      { kind: 'http' },
    );
  }
  if (typeof path === 'string' && !path.startsWith('/')) {
    throw new SkyportError('INVALID_DEFINITION', `http() path must start with "/", got "${path}"`, {
      kind: 'http',
    });
  }
  const colons = typeof path === 'string' ? withColonParams(path) : undefined;
  if (colons !== undefined) {
    // Read as literal text, `{id}` matches only a request for `/users/{id}` itself, and binds nothing.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `http() path ${JSON.stringify(path)} names parameters in braces, which bind nothing here: write ${JSON.stringify(colons)}`,
      { kind: 'http' },
    );
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
  checkDefinition('queue', options);
  requireString('queue', options, 'name');
  if (options.fifo !== undefined && typeof options.fifo !== 'boolean') {
    throw new SkyportError('INVALID_DEFINITION', `queue() fifo must be true or false, got ${shown(options.fifo)}`, {
      kind: 'queue',
    });
  }
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
  checkDefinition('stream', options);
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
  checkDefinition('storage', options);
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
  // A list or a RegExp is not read as one: every upload would be acknowledged unseen, or fail.
  for (const key of ['prefix', 'suffix'] as const) {
    const filter: unknown = options[key];
    if (!stringOrAbsent(filter)) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `storage() ${key} must be one string (keys ${key === 'prefix' ? 'starting' : 'ending'} with it run the handler), got ${shown(filter)}`,
        { kind: 'storage' },
      );
    }
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
  checkDefinition('schedule', options);
  requireString('schedule', options, 'cron');
  // Checked when the function is defined: Azure would otherwise register a timer its host refuses to start.
  parseCron(options.cron);
  const timezone: unknown = options.timezone;
  if (timezone !== undefined && (typeof timezone !== 'string' || !isTimeZone(timezone))) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `schedule() timezone must be an IANA time zone such as "Europe/Paris", got ${typeof timezone === 'string' ? `"${timezone}"` : shown(timezone)}`,
      { kind: 'schedule' },
    );
  }
  const name: unknown = options.name;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new SkyportError('INVALID_DEFINITION', `schedule() name must be a non-empty string, got ${shown(name)}`, {
      kind: 'schedule',
    });
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
  checkDefinition('changes', options);
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
  checkDefinition('events', options);
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
