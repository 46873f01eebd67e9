/**
 * The error model: `HttpError` and its named subclasses render as RFC 9457 problem details;
 * `SkyportError` reports events and definitions Skyport cannot handle (an unknown event shape,
 * a kind mismatch, a bad definition). `toHttpError()` normalises anything thrown.
 */
import { setOwn } from './own.js';
import type { Context, HttpRequest } from './types.js';

/** One failing field of a validation error. */
export interface ValidationIssue {
  /** Where the value sits: `body.items.0.name`, `query.page`, `params.id`. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** Options shared by every `HttpError`. */
export interface HttpErrorOptions {
  /** The problem type URI (default `about:blank`). */
  readonly type?: string | undefined;
  /** A short summary (default: the status phrase). */
  readonly title?: string | undefined;
  /** Whether `detail` may be shown to clients (default: status below 500). */
  readonly expose?: boolean | undefined;
  /**
   * RFC 9457 `instance`: a URI reference naming this occurrence of the problem (`/orders/7`,
   * `urn:uuid:…`). Sent, as `detail` is, only when `expose`.
   */
  readonly instance?: string | undefined;
  /** Headers to add to the response (`WWW-Authenticate`, `Allow`, `Retry-After`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Failing fields, rendered as `errors`. */
  readonly errors?: readonly ValidationIssue[] | undefined;
  /** A stable code a client or test can match. */
  readonly code?: string | undefined;
  /**
   * RFC 9457 extension members: more about the problem, as top-level members of the body
   * (`{ balance: 30, accounts: ['/account/1'] }`). Sent only when `expose`; they never replace a
   * member Skyport writes (`type`, `title`, `status`, `detail`, `instance`, `requestId`, `code`,
   * `errors`): `instance` is given as the option of that name.
   */
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  /** The underlying error. */
  readonly cause?: unknown | undefined;
}

/** The reason phrases of the IANA HTTP status code registry (RFC 9110 and the RFCs it lists). */
const phrases: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

/** The RFC 9110 names of the status classes, for a code the registry does not list. */
const classes = ['Informational', 'Successful', 'Redirection', 'Client Error', 'Server Error'] as const;

/**
 * The reason phrase of an HTTP status code, as the IANA registry gives it; for a code it does not
 * list (`306`, `418`, `499`), the name of its class (`Redirection`, `Client Error`).
 *
 * @example
 * statusText(404); // 'Not Found'
 * statusText(499); // 'Client Error'
 */
export function statusText(status: number): string {
  return phrases[status] ?? classes[Math.floor(status / 100) - 1] ?? 'Unknown Status';
}

/**
 * The brand of `HttpError` and `SkyportError`, on their prototypes: a registered symbol, so every
 * copy of `@skyport/core` (a function module bundled with its own, a runtime loading another)
 * names it alike and tells an error of any copy by it where `instanceof` sees only its own
 * classes. Its value names the class; `v1` is the shape of the fields read from such an error,
 * which a later shape gets a key of its own for.
 */
const errorBrand: unique symbol = Symbol.for('skyport.error.v1');

/** The classes an error of another copy is branded as. */
type Branded = 'HttpError' | 'SkyportError';

/**
 * An error that becomes an HTTP response: RFC 9457 `application/problem+json` with `type`,
 * `title`, `status`, `detail`, `instance` and `requestId`. `detail` and `instance` are shown
 * only when `expose` is true (the default below 500).
 *
 * @example
 * throw new HttpError(409, 'order already shipped', { code: 'ORDER_SHIPPED', instance: `/orders/${id}` });
 */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The problem type URI. */
  readonly type: string;
  /** The short summary. */
  readonly title: string;
  /** The human-readable explanation (sent only when `expose`). */
  readonly detail: string | undefined;
  /** The URI reference of this occurrence of the problem (sent only when `expose`). */
  readonly instance: string | undefined;
  /** Whether `detail` is sent to the client. */
  readonly expose: boolean;
  /** Headers added to the response. */
  readonly headers: Readonly<Record<string, string>>;
  /** Failing fields, for validation errors. */
  readonly errors: readonly ValidationIssue[] | undefined;
  /** A stable code a client or test can match. */
  readonly code: string | undefined;
  /** RFC 9457 extension members of the problem body (sent only when `expose`). */
  readonly extensions: Readonly<Record<string, unknown>> | undefined;

  constructor(status: number, detail?: string, options: HttpErrorOptions = {}) {
    super(
      detail ?? options.title ?? statusText(status),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'HttpError';
    this.status = status;
    this.type = options.type ?? 'about:blank';
    this.title = options.title ?? statusText(status);
    this.detail = detail;
    this.instance = options.instance;
    this.expose = options.expose ?? status < 500;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
    this.code = options.code;
    this.extensions = options.extensions;
  }

  static {
    Object.defineProperty(HttpError.prototype, errorBrand, { value: 'HttpError' satisfies Branded });
  }
}

/**
 * Runs `make` with stack capture off. For errors about bad client input, where a stack trace
 * says nothing and costs more than the request.
 *
 * @example
 * throw quietly(() => new NotFound(`no route for ${path}`));
 */
export function quietly<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * 400: the request is malformed (for example unparseable JSON).
 * @example throw new BadRequest('cursor is not valid');
 */
export class BadRequest extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(400, detail, options);
    this.name = 'BadRequest';
  }
}

/**
 * 401: credentials are missing or invalid.
 * @example throw new Unauthorized('token expired', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
 */
export class Unauthorized extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(401, detail, options);
    this.name = 'Unauthorized';
  }
}

/**
 * 403: the caller is known but not allowed.
 * @example throw new Forbidden('needs orders:write');
 */
export class Forbidden extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(403, detail, options);
    this.name = 'Forbidden';
  }
}

/**
 * 404: nothing here.
 * @example throw new NotFound(`no order ${id}`);
 */
export class NotFound extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(404, detail, options);
    this.name = 'NotFound';
  }
}

/**
 * 405: the path exists, the method does not; set the `allow` header.
 * @example throw new MethodNotAllowed(undefined, { headers: { allow: 'GET, HEAD' } });
 */
export class MethodNotAllowed extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(405, detail, options);
    this.name = 'MethodNotAllowed';
  }
}

/**
 * 409: the request conflicts with current state.
 * @example throw new Conflict('email already registered');
 */
export class Conflict extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(409, detail, options);
    this.name = 'Conflict';
  }
}

/**
 * 413: the body is larger than the function accepts.
 * @example throw new PayloadTooLarge('body exceeds 1048576 bytes');
 */
export class PayloadTooLarge extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(413, detail, options);
    this.name = 'PayloadTooLarge';
  }
}

/**
 * 415: the body's content type is not one the function accepts.
 * @example throw new UnsupportedMediaType('expected application/json');
 */
export class UnsupportedMediaType extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(415, detail, options);
    this.name = 'UnsupportedMediaType';
  }
}

/**
 * 422: the input is well-formed but invalid; `errors` lists every failing path.
 * @example throw new UnprocessableEntity('invalid order', { errors: [{ path: 'body.qty', message: 'must be positive' }] });
 */
export class UnprocessableEntity extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(422, detail, options);
    this.name = 'UnprocessableEntity';
  }
}

/**
 * 429: slow down.
 * @example throw new TooManyRequests(undefined, { headers: { 'retry-after': '30' } });
 */
export class TooManyRequests extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(429, detail, options);
    this.name = 'TooManyRequests';
  }
}

/**
 * 500: something broke; the detail is never sent.
 * @example throw new InternalServerError('ledger out of balance');
 */
export class InternalServerError extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(500, detail, options);
    this.name = 'InternalServerError';
  }
}

/**
 * 503: a dependency is unavailable.
 * @example throw new ServiceUnavailable('payments provider down', { headers: { 'retry-after': '5' } });
 */
export class ServiceUnavailable extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(503, detail, options);
    this.name = 'ServiceUnavailable';
  }
}

/**
 * 504: the function ran out of time.
 * @example throw new GatewayTimeout();
 */
export class GatewayTimeout extends HttpError {
  constructor(detail?: string, options?: HttpErrorOptions) {
    super(504, detail, options);
    this.name = 'GatewayTimeout';
  }
}

/** Codes of `SkyportError`. */
export type SkyportErrorCode =
  | 'UNKNOWN_EVENT'
  | 'KIND_MISMATCH'
  | 'INVALID_EVENT'
  | 'INVALID_DEFINITION'
  | 'VALIDATION'
  | 'TIMEOUT'
  | 'HANDLER_FAILED';

/** Options of `SkyportError`. */
export interface SkyportErrorOptions {
  /** The adapter that raised it (`aws`, `azure`, `gcp`, `node`). */
  readonly adapter?: string | undefined;
  /** The function kind involved. */
  readonly kind?: string | undefined;
  /** The event shape that was detected. */
  readonly shape?: string | undefined;
  /** Failing fields, for `VALIDATION`. */
  readonly errors?: readonly ValidationIssue[] | undefined;
  /** How many issues there were, for `VALIDATION`, when `errors` lists only the first ones. */
  readonly errorCount?: number | undefined;
  /** The underlying error. */
  readonly cause?: unknown | undefined;
}

/**
 * An error about an event or definition Skyport cannot handle: an unknown event shape, an event
 * of a kind the function does not accept, a message body that fails its schema. Carries a `code`.
 *
 * @example
 * throw new SkyportError('UNKNOWN_EVENT', 'aws: unrecognised event for a queue function', { adapter: 'aws', kind: 'queue' });
 */
export class SkyportError extends Error {
  /** What went wrong, for matching. */
  readonly code: SkyportErrorCode;
  /** The adapter that raised it. */
  readonly adapter: string | undefined;
  /** The function kind involved. */
  readonly kind: string | undefined;
  /** The event shape that was detected. */
  readonly shape: string | undefined;
  /** Failing fields, for `VALIDATION`. */
  readonly errors: readonly ValidationIssue[] | undefined;
  /** How many issues there were, for `VALIDATION`, when `errors` lists only the first ones. */
  readonly errorCount: number | undefined;

  constructor(code: SkyportErrorCode, message: string, options: SkyportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkyportError';
    this.code = code;
    this.adapter = options.adapter;
    this.kind = options.kind;
    this.shape = options.shape;
    this.errors = options.errors;
    this.errorCount = options.errorCount;
  }

  static {
    Object.defineProperty(SkyportError.prototype, errorBrand, { value: 'SkyportError' satisfies Branded });
  }
}

/**
 * Normalises anything thrown into an `HttpError`: an `HttpError` stays as it is, a
 * `SkyportError` with validation issues becomes 422, a `TIMEOUT` one or a `TimeoutError` (the
 * reason of `ctx.signal` and of `AbortSignal.timeout()`) 504, and so does an `AbortError` caused
 * by one (what Node's own calls given the signal reject with: `setTimeout` of
 * `node:timers/promises`, `events.once`, `stream.pipeline`), an `http-errors` error (middy's
 * `createError`) its own status, anything else (a value that throws when read, a revoked Proxy,
 * included) a 500 that hides its message (the original is kept as `cause`). It never throws.
 *
 * Given the request being answered, the result also carries the headers middleware inside asked
 * for on that request's error answer (`cors()` lets errors pass as thrown and asks for its
 * headers): middleware outside `cors()` that turns errors into responses itself passes `req`.
 * Without it, no such headers are added.
 *
 * @example
 * const error = toHttpError(caught);
 * logger.error({ err: caught }, error.title);
 * // In middleware outside cors(), answering an error itself:
 * const failure = toHttpError(caught, req);
 * return { status: failure.status, headers: { ...failure.headers }, body: failure.title };
 */
export function toHttpError(error: unknown, req?: HttpRequest): HttpError {
  const base = httpErrorOf(error);
  // A request made by hand has no such field: nothing was asked for on it.
  const asked = (req as Partial<ErrorAnswerState> | undefined)?.[errorAnswerHeaders];
  if (asked === undefined) return base;
  try {
    return withAsked(base, asked);
  } catch {
    // An `HttpError` that throws when its fields are copied (a Proxy of one).
    return withAsked(new InternalServerError(undefined, { cause: error }), asked);
  }
}

function httpErrorOf(error: unknown): HttpError {
  try {
    return readHttpError(error);
  } catch {
    // A value that throws when read (a lazily loaded error's getter, a revoked Proxy) is a
    // failure of the code that threw it: a 500 that hides it, the original kept as `cause`.
    return new InternalServerError(undefined, { cause: error });
  }
}

function readHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) {
    // A redirect or an error status; anything else (`HttpError(200)`, `HttpError(1000)`) is a
    // mistake of the code that threw it, answered as one.
    const status = error.status;
    return Number.isInteger(status) && status >= 300 && status <= 599
      ? error
      : new InternalServerError(undefined, { cause: error });
  }
  // An error of another copy of core (a bundled function module's, or the runtime's thrown
  // inside a bundled function's pipeline): read by its fields, as the copy that made it would.
  const other = error instanceof SkyportError ? undefined : errorBrandOf(error);
  if (other === 'HttpError') return httpErrorOfOtherCopy(error as object);
  const skyport: SkyportFields | undefined =
    error instanceof SkyportError ? error : other === 'SkyportError' ? skyportFieldsOf(error) : undefined;
  if (skyport?.code === 'VALIDATION') {
    const { message, errors, errorCount } = skyport;
    return quietly(
      () =>
        new UnprocessableEntity(message, {
          errors,
          code: 'VALIDATION',
          cause: error,
          extensions: errorCount === undefined ? undefined : { errorCount },
        }),
    );
  }
  // `ctx.signal`'s reason as the deadline nears, which `fetch` and other signal-aware calls
  // reject with, and `AbortSignal.timeout()`'s: something the answer waited on timed out.
  if (skyport?.code === 'TIMEOUT' || isTimeoutReason(error) || abortedByTimeout(error)) {
    return new GatewayTimeout(undefined, { cause: error });
  }
  const made = fromHttpErrors(error);
  if (made !== undefined) return made;
  return new InternalServerError(undefined, { cause: error });
}

/** How many `cause` links below an `AbortError` are looked at for the deadline or hang-up it stands for. */
const causeDepth = 4;

/** A deadline's reason: a `TimeoutError` (`ctx.signal`'s, `AbortSignal.timeout()`'s) or a `TIMEOUT` `SkyportError` of any copy. */
function isTimeoutReason(value: unknown): boolean {
  if (value instanceof DOMException) return value.name === 'TimeoutError';
  if (value instanceof SkyportError) return value.code === 'TIMEOUT';
  return errorBrandOf(value) === 'SkyportError' && (value as { code?: unknown }).code === 'TIMEOUT';
}

/**
 * Whether `error` is an `AbortError` a deadline caused: Node's own signal-aware calls
 * (`node:timers/promises`, `events.once`, `stream.pipeline`, `fs` given `{ signal }`) reject with
 * an `AbortError` of their own (`code: 'ABORT_ERR'`) that holds the signal's reason as `cause`,
 * where `fetch` rejects with the reason itself.
 */
function abortedByTimeout(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'AbortError') return false;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < causeDepth && cause !== undefined && cause !== null; depth++) {
    if (isTimeoutReason(cause)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Whether `error` is the abort of an invocation whose client left: `ctx.signal` aborted with an
 * `AbortError`, the reason `serve()`, the Functions Framework adapter and `invoke()` give it when
 * the connection closes before the answer is sent (a deadline aborts it with a `TimeoutError` or
 * a `TIMEOUT` `SkyportError`, answered 504), and `error` is that reason, as `fetch` rejects with
 * it, or an `AbortError` with the reason among its causes, as Node's own signal-aware calls
 * (`setTimeout` of `node:timers/promises`, `events.once`, `stream.pipeline`) reject. An error the
 * handler made of its own after the client left is not. The run helpers log no failure for it,
 * and `logger()` and `tracing()` record it as cancelled. Never throws. Exported for Skyport's own
 * middleware; not part of the supported API.
 *
 * @example
 * if (!abortedByClient(error, ctx)) logFailure(ctx.log, error, '500 Internal Server Error');
 *
 * @internal
 */
export function abortedByClient(error: unknown, ctx: Context): boolean {
  try {
    // Told by its name first: the signal is read only for an abort. A revoked Proxy throws even
    // on `instanceof`.
    if (!(error instanceof Error) || error.name !== 'AbortError') return false;
    const signal = ctx.signal;
    if (signal?.aborted !== true) return false;
    const reason: unknown = signal.reason;
    if (!(reason instanceof Error) || reason.name !== 'AbortError') return false;
    let current: unknown = error;
    for (let depth = 0; depth <= causeDepth && current !== undefined && current !== null; depth++) {
      if (current === reason) return true;
      current = (current as { cause?: unknown }).cause;
    }
  } catch {
    // A context or an error whose reads throw: taken for a failure, which is logged.
  }
  return false;
}

/** The class an error of any copy of core is branded as (see `errorBrand`), if it is one. */
/**
 * The class an error of any copy of `@skyport/core` is branded as (`'HttpError'` or
 * `'SkyportError'`), or `undefined` for any other value. Never throws: a revoked Proxy, or a
 * brand getter that throws, is no error of core's.
 *
 * @internal For Skyport's adapters; not part of the supported API.
 *
 * @example
 * if (errorBrandOf(caught) === 'HttpError') return toHttpError(caught);
 */
export function errorBrandOf(error: unknown): Branded | undefined {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return undefined;
  try {
    const brand = (error as { [errorBrand]?: unknown })[errorBrand];
    return brand === 'HttpError' || brand === 'SkyportError' ? brand : undefined;
  } catch {
    return undefined;
  }
}

/** What a `SkyportError` of any copy of `@skyport/core` says, as `skyportErrorOf()` reads it. */
export interface SkyportErrorFields {
  /** Its `name` (`SkyportError`). */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Its code (`VALIDATION`, `INVALID_EVENT`, ...). */
  readonly code: string;
  /** Its failing fields, for `VALIDATION`: those with a text `path` and `message`. */
  readonly errors: readonly ValidationIssue[] | undefined;
}

/**
 * `error` read as a `SkyportError` when it is one of any copy of `@skyport/core`: this one's, or
 * the copy a function module was bundled with, whose errors `instanceof SkyportError` does not
 * know. A field of the wrong type is left out (an issue without a text `path` and `message`) or
 * defaulted; one without a text `code` is no such error. Never throws.
 *
 * @example
 * const refused = skyportErrorOf(caught);
 * if (refused?.code === 'VALIDATION') console.log(refused.errors);
 */
export function skyportErrorOf(error: unknown): SkyportErrorFields | undefined {
  if (errorBrandOf(error) !== 'SkyportError') return undefined;
  try {
    const { name, message, code, errors } = error as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
      errors?: unknown;
    };
    if (typeof code !== 'string') return undefined;
    return {
      name: typeof name === 'string' ? name : 'SkyportError',
      message: typeof message === 'string' ? message : '',
      code,
      errors: issuesOf(errors),
    };
  } catch {
    return undefined;
  }
}

/**
 * An `HttpError` of another copy of core as one of this copy: each field it renders with, read
 * as that copy's class holds it, and its name, stack and `cause`. A field of the wrong type
 * (an object that only carries the brand) is left to its default; a status that is not a
 * redirect or an error one makes it a 500, as for an `HttpError` of this copy.
 */
function httpErrorOfOtherCopy(error: object): HttpError {
  const other = error as { readonly [K in keyof HttpError]?: unknown };
  const status = other.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 300 || status > 599) {
    return new InternalServerError(undefined, { cause: error });
  }
  const copy = quietly(
    () =>
      new HttpError(status, textOf(other.detail), {
        type: textOf(other.type),
        title: textOf(other.title),
        expose: typeof other.expose === 'boolean' ? other.expose : undefined,
        instance: textOf(other.instance),
        headers: headersOf(other.headers),
        errors: issuesOf(other.errors),
        code: textOf(other.code),
        extensions: membersOf(other.extensions),
        cause: other.cause,
      }),
  );
  const { name, stack } = other;
  if (typeof name === 'string') copy.name = name;
  if (typeof stack === 'string') copy.stack = stack;
  return copy;
}

/** What the HTTP answer to a `SkyportError` is made of. */
interface SkyportFields {
  readonly code: unknown;
  readonly message: string | undefined;
  readonly errors: readonly ValidationIssue[] | undefined;
  readonly errorCount: number | undefined;
}

/** The fields of a `SkyportError` of another copy of core that its HTTP answer is made of. */
function skyportFieldsOf(error: unknown): SkyportFields {
  const other = error as { readonly [K in keyof SkyportError]?: unknown };
  const count = other.errorCount;
  return {
    code: other.code,
    message: textOf(other.message),
    errors: issuesOf(other.errors),
    errorCount: typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined,
  };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Headers of another copy's error: the string values (a number, as `Retry-After: 120` is given, as text). */
function headersOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'string' || (typeof field === 'number' && Number.isFinite(field))) {
      setOwn(headers, name, String(field));
    }
  }
  return headers;
}

/** Validation issues of another copy's error: those with a text path and message. */
function issuesOf(value: unknown): ValidationIssue[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const issues: ValidationIssue[] = [];
  for (const issue of value as unknown[]) {
    const { path, message } = (issue ?? {}) as { path?: unknown; message?: unknown };
    if (typeof path === 'string' && typeof message === 'string') issues.push({ path, message });
  }
  return issues;
}

/** Extension members of another copy's error: its own enumerable members, when it is an object. */
function membersOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const members: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) setOwn(members, key, member);
  return members;
}

/**
 * An error made by `http-errors` (middy's `createError`, Express, Koa), as `HttpError`: its
 * status, its message when it may be shown (`expose`), and its `headers`. Told by the `expose`
 * flag it always carries next to a 4xx or 5xx `statusCode`, so an error some other library gave
 * a status of its own stays a 500.
 */
function fromHttpErrors(error: unknown): HttpError | undefined {
  if (!(error instanceof Error)) return undefined;
  const made = error as Error & { statusCode?: unknown; status?: unknown; expose?: unknown; headers?: unknown };
  const status = made.statusCode ?? made.status;
  if (typeof made.expose !== 'boolean' || typeof status !== 'number' || !Number.isInteger(status)) return undefined;
  if (status < 400 || status > 599) return undefined;
  const headers: Record<string, string> = {};
  if (typeof made.headers === 'object' && made.headers !== null) {
    for (const [name, value] of Object.entries(made.headers)) {
      // `Retry-After: 120` is given as a number as often as a string.
      if (typeof value === 'string' || typeof value === 'number') setOwn(headers, name, String(value));
    }
  }
  return new HttpError(status, made.message, { expose: made.expose, headers, cause: error });
}

/** An RFC 9457 problem details object as Skyport renders it. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string | undefined;
  readonly instance?: string | undefined;
  readonly requestId?: string | undefined;
  readonly code?: string | undefined;
  readonly errors?: readonly ValidationIssue[] | undefined;
  /** Extension members (`HttpErrorOptions.extensions`). */
  readonly [extension: string]: unknown;
}

/** The members an extension never replaces. */
const reserved: ReadonlySet<string> = new Set([
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'requestId',
  'code',
  'errors',
]);

/**
 * The problem details body of an error, hiding what must not be exposed.
 *
 * @example
 * problemDetails(new NotFound('no order 7'), 'req-1');
 * // { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no order 7', requestId: 'req-1' }
 */
export function problemDetails(error: HttpError, requestId: string | undefined): ProblemDetails {
  const problem: { -readonly [K in keyof ProblemDetails]: ProblemDetails[K] } = {
    type: error.type,
    title: error.title,
    status: error.status,
  };
  if (error.expose && error.detail !== undefined) problem.detail = error.detail;
  if (error.expose && error.instance !== undefined) problem.instance = error.instance;
  if (requestId !== undefined) problem.requestId = requestId;
  if (error.expose && error.code !== undefined) problem.code = error.code;
  if (error.expose && error.errors !== undefined) problem.errors = error.errors;
  if (error.expose && error.extensions !== undefined) {
    for (const key of Object.keys(error.extensions)) {
      if (!reserved.has(key)) setOwn(problem as Record<string, unknown>, key, error.extensions[key]);
    }
  }
  return problem;
}

/**
 * A copy of an `HttpError` with extra response headers (for middleware that must decorate error
 * responses, such as CORS).
 *
 * @example
 * throw withHeaders(toHttpError(error), { 'access-control-allow-origin': '*' });
 */
export function withHeaders(error: HttpError, headers: Readonly<Record<string, string>>): HttpError {
  // A header given again in another case (`Vary` and `vary`) is replaced, not sent twice.
  const added = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.headers))
    if (!added.has(name.toLowerCase())) setOwn(kept, name, value);
  const copy = new HttpError(error.status, error.detail, {
    type: error.type,
    title: error.title,
    expose: error.expose,
    instance: error.instance,
    headers: { ...kept, ...headers },
    errors: error.errors,
    code: error.code,
    extensions: error.extensions,
    cause: error.cause ?? error,
  });
  copy.name = error.name;
  return copy;
}

/** Whether a request was answered (see `ErrorAnswerState`). */
export const answered: unique symbol = Symbol('skyport.answered');
/** Whether a run of a request began (see `ErrorAnswerState`). */
export const started: unique symbol = Symbol('skyport.started');
/** The headers asked for on a request's error answer (see `ErrorAnswerState`). */
export const errorAnswerHeaders: unique symbol = Symbol('skyport.errorAnswerHeaders');

/**
 * What a request keeps about its error answer (the runtime request class has these fields), so
 * nothing of one request outlives it or reaches another's answer. Keyed by symbols, so they stay
 * out of `Object.keys(req)`, `JSON.stringify(req)` and logged requests.
 */
export interface ErrorAnswerState {
  /** Set once the request is answered: headers asked for afterwards are ignored. */
  [answered]: boolean;
  /**
   * Set when a `respond()` run of the request began: a request run again (by a handler, on its
   * own request) runs as a copy, so no run's state reaches another's.
   */
  [started]: boolean;
  /** The headers middleware asked for on the request's error answer (`addErrorAnswerHeaders`). */
  [errorAnswerHeaders]: Readonly<Record<string, string>> | undefined;
}

/**
 * Asks for `headers` on `req`'s error answer, for middleware such as `cors()` that lets an error
 * leave for the outside as thrown, so middleware outside can still catch and map it. Whatever
 * error the request ends in is answered with them, and `toHttpError(error, req)` adds them.
 * They belong to `req` alone: the same error object thrown for another request carries none.
 * Once `req` is answered (a `timeout()` 504 before the handler threw), nothing is added.
 *
 * @example
 * addErrorAnswerHeaders(req, { 'access-control-allow-origin': origin, vary: 'Origin' });
 */
export function addErrorAnswerHeaders(req: ErrorAnswerState, headers: Readonly<Record<string, string>>): void {
  if (req[answered]) return;
  const asked = req[errorAnswerHeaders];
  req[errorAnswerHeaders] = asked === undefined ? headers : { ...asked, ...headers };
}

/** `error` with `headers` added, `Vary` fields merged with its own. */
function withAsked(error: HttpError, headers: Readonly<Record<string, string>>): HttpError {
  const vary = headers.vary;
  if (vary === undefined) return withHeaders(error, headers);
  return withHeaders(error, { ...headers, vary: mergeVary(headerOf(error.headers, 'vary'), vary) });
}

/** A header's value whatever the case of its name. */
function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The fields of `own` and then those of `added` it does not list (`*` stands for all). */
function mergeVary(own: string | undefined, added: string): string {
  if (!own) return added;
  const fields = own.split(',').map((field) => field.trim().toLowerCase());
  if (fields.includes('*')) return own;
  const extra = added.split(',').filter((field) => !fields.includes(field.trim().toLowerCase()));
  return extra.length === 0 ? own : `${own}, ${extra.map((field) => field.trim()).join(', ')}`;
}
