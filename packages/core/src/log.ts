/**
 * The built-in logger every context starts with: JSON lines, one per call, to the log
 * destination (stdout unless replaced), in the shape the host's log tooling reads (Lambda's JSON
 * log format on AWS, Cloud Logging's structured fields on GCP, as `logger()` writes them). The
 * `logger()` middleware swaps in pino; both write through `getLogDestination()`, which is how
 * `collectLogs()` in `@skyport/testing` sees them.
 */

import { setOwn } from './own.js';
import type { Cloud, LogFn, Logger } from './types.js';

/** Where log lines go: anything with `write(line)`. */
export interface LogDestination {
  write(line: string): void;
}

const stdout: LogDestination = { write: (line) => process.stdout.write(line) };
let destination: LogDestination = stdout;

/**
 * Sends every Skyport log line to `dest` until the returned function is called.
 *
 * @example
 * const lines: string[] = [];
 * const restore = setLogDestination({ write: (line) => lines.push(line) });
 * try { await invoke(fn, event); } finally { restore(); }
 */
export function setLogDestination(dest: LogDestination): () => void {
  const previous = destination;
  destination = dest;
  return () => {
    destination = previous;
  };
}

/**
 * The current log destination.
 *
 * @example
 * getLogDestination().write('{"msg":"hello"}\n');
 */
export function getLogDestination(): LogDestination {
  return destination;
}

/** Log levels and their pino numbers. */
export const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A log level name. */
export type LevelName = keyof typeof levels;

/**
 * The log level the environment asks for: `LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL` (which Lambda
 * sets from the function's application log level, and then drops lines below it). `silent`
 * turns logging off.
 *
 * @example
 * createJsonLogger({}, envLevel());
 */
export function envLevel(): string | undefined {
  return process.env.LOG_LEVEL || process.env.AWS_LAMBDA_LOG_LEVEL || undefined;
}

function thresholdOf(level: string | undefined): number {
  const name = level?.toLowerCase() ?? 'info';
  // `silent` (pino's name for no output at all) writes nothing.
  if (name === 'silent') return Number.POSITIVE_INFINITY;
  // Own level names only: `constructor` or `toString` from the environment is no level.
  return Object.hasOwn(levels, name) ? levels[name as LevelName] : levels.info;
}

/**
 * Whether `value` is an error: an `Error` of this realm, or one made in another (a `vm` context's;
 * under Jest, every error Node's built-ins make, a failed `fetch()`'s), which `instanceof` does
 * not recognise. Both loggers tell an error so. Never throws: a revoked Proxy, or one whose traps
 * throw, is no error. Not part of the supported API.
 *
 * @example
 * isError(vm.runInNewContext('new TypeError("fetch failed")')); // true
 *
 * @internal
 */
export function isError(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false;
  try {
    // The tag of an object made by an error constructor, of whatever realm.
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

/**
 * What a line writes of an error: its type, message, stack, `code` and `errors` (an
 * `AggregateError`'s; a list holding errors at most 20 of them), then its enumerable fields (an
 * SDK error's `statusCode` and `$metadata`), inherited ones too, none replacing one already
 * written (an HTTP problem's own `type` does not replace the error's). `logger()` writes the same
 * (see `writtenErr`). The fields are left as they are, serialised in turn as the line is written:
 * credential keys in them are redacted, an error in them is written as an error, and a way back
 * to the error ends in `[Circular]`. Its `cause` is written whatever it is: an error cause is
 * left an error, so a chain of causes that leads back to an error on it ends in `[Circular]`; a
 * web `Response` as `responseSummary` has it; any other (a plain object, a string) is written as
 * the value it is, as `logger()` writes it.
 */
function serialiseError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  const issues = (error as { errors?: unknown }).errors;
  if (Array.isArray(issues)) out.errors = listedErrors(issues);
  const cause = error.cause;
  if (cause !== undefined) out.cause = responseSummary(cause) ?? cause;
  const fields = error as unknown as Record<string, unknown>;
  for (const key in fields) {
    if (out[key] !== undefined || domConstant(error, key)) continue;
    try {
      out[key] = errorField(fields[key]);
    } catch {
      // A getter that throws: the rest of the error is still written.
      out[key] = '[Unserialisable]';
    }
  }
  return out;
}

/** How deep `errorField` follows plain objects and lists into a field. */
const errorFieldDepth = 8;

/** How many errors a list in an error writes; a batch of thousands would make the line too long to ship. */
const shownErrors = 20;

/**
 * A list of an error's (its `errors`, a field such as Powertools' `recordErrors`) as a line
 * writes it: when it holds an error, its first 20 items and then `[n more]`; else as it is.
 */
function listedErrors(list: readonly unknown[]): readonly unknown[] {
  if (list.length <= shownErrors || !list.some(isError)) return list;
  return [...list.slice(0, shownErrors), `[${list.length - shownErrors} more]`];
}

/**
 * A field of a logged error as data: strings, numbers, plain objects, lists, dates and errors as
 * they are (a list holding errors cut to its first 20), any other object (a class instance) as
 * its type name in brackets. An HTTP client's error carries the request it made (a
 * `ClientRequest`, also under `response.request`) whose fields hold the raw header text,
 * credentials and all, where no key names them: it is written `"[ClientRequest]"`. Redaction by
 * key name still applies to what is written. Exported for `logger()`; not part of the supported
 * API.
 *
 * @example
 * errorField({ status: 401, request: new ClientRequest(url) }); // { status: 401, request: '[ClientRequest]' }
 *
 * @internal
 */
export function errorField(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || isError(value) || value instanceof Date) return value;
  if (depth >= errorFieldDepth) return '[Too deep]';
  if (Array.isArray(value)) return listedErrors(value).map((item: unknown) => errorField(item, depth + 1));
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `[${typeof name === 'string' && name !== '' ? name : 'object'}]`;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    setOwn(copy, key, errorField((value as Record<string, unknown>)[key], depth + 1));
  return copy;
}

/**
 * Whether `key` is one of the constants every `DOMException` inherits (`INDEX_SIZE_ERR`...):
 * enumerable, so a copy of an error's fields would write all twenty-five of them for a
 * `TimeoutError` or an `AbortError`.
 */
function domConstant(error: Error, key: string): boolean {
  return error instanceof DOMException && !Object.hasOwn(error, key) && /^[A-Z][A-Z_]*$/.test(key);
}

/**
 * What a line writes of a web `Response` logged as an error (`err`) or an error's `cause`, as a
 * handler that throws an upstream answer as it came (`throw await fetch(url)`) logs it: its type,
 * status, status text and URL, the body left unread. `JSON.stringify` writes `{}` for one.
 * `logger()` writes it alike. Anything else (an object with a `status`, a getter that throws): `undefined`.
 * Exported for `logger()`; not part of the supported API.
 *
 * @example
 * responseSummary(await fetch(url)); // { type: 'Response', status: 502, statusText: 'Bad Gateway', url }
 *
 * @internal
 */
export function responseSummary(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || isError(value)) return undefined;
  try {
    // Told by its tag, so a value that is none never loads the fetch implementation.
    if ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== 'Response') return undefined;
    const { status, statusText, url } = value as Response;
    return typeof status === 'number' ? { type: 'Response', status, statusText, url } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the pipeline's failure lines (`logFailure`) write as `err` for a thrown value JSON would
 * drop: `undefined`, a symbol or a function as `{ type, message }`, the message being the symbol
 * as text or the function's name (`anonymous` for none, or one that cannot be read), so the line
 * says what failed. `undefined` for any other value. Never throws. Only a thrown value is written
 * so: an `err` a handler logs itself that is `undefined` (`{ err: result.error }` on success) is
 * left out of the line, as JSON leaves it out.
 */
function thrownValue(value: unknown): { type: string; message: string } | undefined {
  if (value === undefined) return { type: 'undefined', message: 'undefined' };
  // `String()` of a symbol never reads a `toString` its prototype may have been given.
  if (typeof value === 'symbol') return { type: 'symbol', message: String(value) };
  if (typeof value !== 'function') return undefined;
  let name: unknown;
  try {
    name = value.name;
  } catch {
    // A Proxy whose `get` throws: still a function that was thrown.
  }
  return { type: 'function', message: typeof name === 'string' && name !== '' ? name : 'anonymous' };
}

/**
 * What a line writes as `err` for an object of a class that is no error (`throw new Custom()`,
 * `log.error({ err: new Map() })`), which JSON writes without its type: its type name, then its
 * own enumerable fields (none replacing the type). Anything else (an error, a plain object, a
 * list, a string, an object with its own `toJSON`) is itself. Both loggers write it so.
 */
function typedValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isError(value)) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const out: Record<string, unknown> = { type: typeof name === 'string' && name !== '' ? name : 'object' };
  for (const key of Object.keys(value)) {
    if (key !== 'type') setOwn(out, key, (value as Record<string, unknown>)[key]);
  }
  return out;
}

/**
 * What the built-in logger writes of `value` as a line's `err`, as JSON data: an error as
 * `serialiseError` has it (the errors in it, in its fields, its `errors` and its `cause`, written
 * as errors in turn), credential keys redacted; `"[Unserialisable]"` for one that cannot be
 * written. `logger()` writes an error's fields from it, so both loggers write them alike.
 * Exported for `logger()`; not part of the supported API.
 *
 * @example
 * writtenErr(new AggregateError([new Error('shard 1 down')], 'all shards down'));
 * // { type: 'AggregateError', message: 'all shards down', stack: '...',
 * //   errors: [{ type: 'Error', message: 'shard 1 down', stack: '...' }] }
 *
 * @internal
 */
export function writtenErr(value: unknown): unknown {
  const text = serialised({ err: value }, true);
  return text === undefined ? '[Unserialisable]' : (JSON.parse(text) as { err?: unknown }).err;
}

/**
 * Header names whose values are credentials. Both the built-in logger and `logger()` write
 * `[Redacted]` for a key with one of these names (in any case, at any depth), and for a
 * `cookies` key too (see `credentialKeys`). A custom API key header is added with
 * `logger({ redact })`. Query strings are not redacted: a key sent in one (Azure's `?code=`)
 * is written as it is wherever `req.query` or `req.url` is logged.
 *
 * @example
 * const isCredential = (name: string) => credentialHeaders.includes(name.toLowerCase());
 */
export const credentialHeaders: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-amz-security-token',
  // What the platforms' own sign-in features put on the request: an ALB's OIDC action (the
  // access token, and the signed claims), the caller's token that API Gateway / ESPv2 and
  // Cloud Run's IAM check move aside, IAP's assertion.
  'x-amzn-oidc-accesstoken',
  'x-amzn-oidc-data',
  'x-forwarded-authorization',
  'x-serverless-authorization',
  'x-goog-iap-jwt-assertion',
  // The keys a platform checks before the function runs: Azure Functions' function or host key
  // (`authLevel: 'function' | 'admin'`; an admin key is the app's master key), and API
  // Management's subscription key, which it passes on to the function it fronts.
  'x-functions-key',
  'ocp-apim-subscription-key',
];

/**
 * Header name prefixes whose every header holds a credential, in lower case: Azure App Service
 * authentication's token store (`X-MS-TOKEN-AAD-ACCESS-TOKEN`, `X-MS-TOKEN-GOOGLE-REFRESH-TOKEN`,
 * one set per sign-in provider). Both loggers write `[Redacted]` for a key that lower-cases to a
 * name starting with one of these, as they do for the `credentialKeys`.
 *
 * @example
 * const isToken = (name: string) => credentialPrefixes.some((p) => name.toLowerCase().startsWith(p));
 */
export const credentialPrefixes: readonly string[] = ['x-ms-token-'];

/**
 * Object keys whose values are credentials, in lower case: the `credentialHeaders`; `cookies`,
 * which holds them parsed or split (a request's cookies by name, the API Gateway v2 event's
 * `cookies` array, a response's `Set-Cookie` values); and the fields of AWS events that repeat a
 * credential header's value: `apiKey` (the caller's API key in a REST API event's
 * `requestContext.identity`), `authorizationToken` (a Lambda TOKEN authorizer's event) and
 * `identitySource` (the identity sources' values, the `Authorization` header most often, in a
 * REQUEST or HTTP API authorizer's event). Both
 * loggers write `[Redacted]` for a key that lower-cases to one of these, wherever it sits in what
 * a line serialises.
 *
 * @example
 * const secret = credentialKeys.includes(key.toLowerCase());
 */
export const credentialKeys: readonly string[] = [
  ...credentialHeaders,
  'cookies',
  'apikey',
  'authorizationtoken',
  'identitysource',
];

const credentialKeySet = new Set(credentialKeys);

/**
 * Whether `key` names a credential: it lower-cases to one of the `credentialKeys`, or to a name
 * starting with one of the `credentialPrefixes`.
 *
 * @example
 * isCredentialKey('X-MS-TOKEN-AAD-ACCESS-TOKEN'); // true
 */
export function isCredentialKey(key: string): boolean {
  const name = key.toLowerCase();
  return credentialKeySet.has(name) || credentialPrefixes.some((prefix) => name.startsWith(prefix));
}

/** Keys of flat name/value header lists: Node's `IncomingMessage.rawHeaders` and `rawTrailers`. */
const headerLists = new Set(['rawHeaders', 'rawTrailers']);

/** A flat name/value header list with the value after each credential name redacted. */
function redactHeaderList(list: readonly unknown[]): unknown[] {
  return list.map((item, i) => {
    const name = i % 2 === 1 ? list[i - 1] : undefined;
    return typeof name === 'string' && isCredentialKey(name) ? '[Redacted]' : item;
  });
}

/**
 * Whether `item` is a `[name, value]` pair naming a credential: an entry of the lists
 * `[...headers]` of a fetch `Headers`, `Object.entries(headers)` or `[...map]` give.
 */
function isCredentialPair(item: unknown): item is readonly [string, unknown] {
  if (!Array.isArray(item) || item.length !== 2) return false;
  const name: unknown = item[0];
  return typeof name === 'string' && isCredentialKey(name);
}

/**
 * JSON for a log line that never throws: errors become objects, BigInts strings, and a value
 * that leads back to an object it lies within (a cycle) `"[Circular]"`; an object met twice
 * elsewhere (a shared address) is written each time. Unless `redact` is false, every `credentialKeys` key, at any depth (in a
 * merged object, a child's bindings or an interpolated argument alike), becomes `"[Redacted]"`,
 * and so does the value after a credential name in Node's flat `rawHeaders` / `rawTrailers` lists
 * and the value of a `[name, value]` pair in a list (`[...headers]`) whose name is a credential's.
 * A log call must not turn a handled failure into a crash: a line too deep for `JSON.stringify`,
 * or of more than 100 000 objects (a graph with shared parts and cycles, whose shared parts
 * would be written exponentially many times), is replaced whole by an `unserialisable log line`
 * notice.
 *
 * @example
 * safeJson({ headers: { Authorization: 'Bearer t' }, n: 1n }); // '{"headers":{"Authorization":"[Redacted]"},"n":"1"}'
 */
export function safeJson(value: unknown, redact = true): string {
  const failure: { error?: unknown } = {};
  return serialised(value, redact, failure) ?? unserialisable(failure.error);
}

/** The notice that replaces a value `JSON.stringify` cannot write (too deep, a getter that throws). */
function unserialisable(reason: unknown): string {
  let text: string;
  try {
    text = String(reason);
  } catch {
    text = 'unknown';
  }
  return JSON.stringify({ msg: 'unserialisable log line', reason: text });
}

/** How many objects a line writes at most: one of more is far past what a host ships as one line. */
const maxObjects = 100_000;

/** `safeJson`, or `undefined` (with the error in `failure.error`) when the value cannot be written. */
function serialised(value: unknown, redact: boolean, failure?: { error?: unknown }): string | undefined {
  // The path from the top down to the object being written (JSON.stringify goes depth first):
  // what each one is written as, and what it was made from (an error, a header list).
  const written: object[] = [];
  const sources: object[] = [];
  const onPath = new Set<unknown>();
  let objects = 0;
  try {
    return JSON.stringify(value, function replace(this: unknown, key: string, raw: unknown) {
      let item = raw;
      if (redact && key !== '') {
        if (isCredentialKey(key)) return '[Redacted]';
        if (headerLists.has(key) && Array.isArray(raw)) item = redactHeaderList(raw);
        else if (Array.isArray(this) && isCredentialPair(raw)) item = [raw[0], '[Redacted]'];
      }
      if (isError(item)) item = serialiseError(item);
      // The logged error (`this` is the line itself, the first object written).
      else if (key === 'err' && this === written[0]) item = responseSummary(item) ?? typedValue(item);
      if (typeof item === 'bigint') return item.toString();
      if (typeof item === 'object' && item !== null) {
        // `this` is the object whose member this is: the path ends there (nothing, at the top).
        const depth = written.lastIndexOf(this as object) + 1;
        for (let i = depth; i < sources.length; i++) onPath.delete(sources[i]);
        written.length = depth;
        sources.length = depth;
        if (onPath.has(raw)) return '[Circular]';
        // A graph whose shared parts lead back up (each written in full wherever it is met) would
        // take exponentially long: no line of this many objects is shipped anyway.
        if (++objects > maxObjects) throw new RangeError(`more than ${maxObjects} objects to write`);
        written.push(item);
        sources.push(raw as object);
        onPath.add(raw);
      }
      return item;
    });
  } catch (error) {
    if (failure !== undefined) failure.error = error;
    return undefined;
  }
}

/**
 * A log line whose fields cannot be written: its level, time, bindings (the invocation's ids) and
 * message are kept, so a line about a failure is still found and filtered by level; what could not
 * be written is named instead.
 */
function unserialisableLine(
  head: Record<string, unknown>,
  bindings: Record<string, unknown>,
  messageKey: string,
  message: string | undefined,
  error: unknown,
): string {
  let reason: string;
  try {
    reason = String(error);
  } catch {
    reason = 'unknown';
  }
  const line: Record<string, unknown> = { ...head, ...bindings, logged: '[Unserialisable]', reason };
  if (message !== undefined) line[messageKey] = message;
  const bound = serialised(line, true);
  if (bound !== undefined) return bound;
  const bare: Record<string, unknown> = { ...head, logged: '[Unserialisable]', reason };
  if (message !== undefined) bare[messageKey] = message;
  return JSON.stringify(bare);
}

/** Where a logger sends each serialised line (without the newline), with its level. */
export type LogSink = (line: string, level: LevelName) => void;

/** Writes a line to the destination. */
const toDestination: LogSink = (line) => destination.write(`${line}\n`);

/**
 * The shape of a line: `json` (`level` as pino names it, `time` in epoch ms, `msg`), `aws`
 * (Lambda's JSON log format: upper-case `level`, ISO `timestamp`, `message`), `gcp` (Cloud
 * Logging's `severity`, ISO `time`, `message`, and `stack_trace` on error lines).
 */
export type LineShape = 'json' | 'aws' | 'gcp';

/**
 * Whether a line of `shape` writes a field named `key` itself: its level and its time, which the
 * platform reads (Lambda takes an ERROR line whose `level` or `timestamp` is not its own for
 * INFO, and drops it once a log level filter applies; Cloud Logging reads `severity`, `time` and
 * `timestamp`), and, for a logged object, the invocation's `requestId`. A `message` (`msg`) field
 * of a logged object stays: without a message argument it is the line's message.
 */
function ownField(key: string, shape: LineShape, logged: boolean): boolean {
  if (logged && key === 'requestId') return true;
  if (shape === 'gcp') return key === 'severity' || key === 'time' || key === 'timestamp';
  if (shape === 'aws') return key === 'level' || key === 'timestamp';
  return key === 'level' || key === 'time';
}

/**
 * `fields` with each field a line of `shape` writes itself renamed with a leading `_`
 * (`timestamp` is `_timestamp`; `__timestamp` when `_timestamp` is taken), so a logged record's
 * own `level` or `timestamp` never replaces or repeats the line's: `fields` itself when it has
 * none. `logged` is true for the object of a log call, whose `requestId` is renamed too (a
 * child's bindings may set it: the invocation's own are bound that way).
 *
 * @example
 * withoutOwnFields({ id: 'o-1', timestamp: 1733612345000 }, 'aws', true); // { id: 'o-1', _timestamp: 1733612345000 }
 */
export function withoutOwnFields(
  fields: Record<string, unknown>,
  shape: LineShape,
  logged: boolean,
): Record<string, unknown> {
  for (const key in fields) {
    if (ownField(key, shape, logged) && Object.hasOwn(fields, key)) return renamedFields(fields, shape, logged);
  }
  return fields;
}

/** `withoutOwnFields` for fields that hold one of the line's own: a copy made in one pass. */
function renamedFields(fields: Record<string, unknown>, shape: LineShape, logged: boolean): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    let name = key;
    if (ownField(key, shape, logged)) {
      name = `_${key}`;
      while (Object.hasOwn(fields, name)) name = `_${name}`;
    }
    setOwn(renamed, name, fields[key]);
  }
  return renamed;
}

/**
 * The redaction paths to give pino for `paths`: with each path under a field a logged object's
 * own `level`, `time` or `timestamp` (or `severity`, `requestId`) is renamed from, the same path
 * under its new name too, so a field configured to be redacted stays redacted (pino redacts the
 * line as it is written, renamed).
 *
 * @example
 * ownFieldRedactions(['card', 'timestamp'], 'aws'); // ['card', 'timestamp', '_timestamp']
 */
export function ownFieldRedactions(paths: readonly string[], shape: LineShape): string[] {
  const all = [...paths];
  for (const path of paths) {
    const first = /^[^.[]+/.exec(path)?.[0];
    if (first !== undefined && ownField(first, shape, true)) all.push(`_${path}`);
  }
  return all;
}

/**
 * Cloud Logging's severity of each level, as both the built-in logger and `logger()` write it on
 * Google Cloud.
 *
 * @example
 * cloudLoggingSeverity.warn; // 'WARNING'
 */
export const cloudLoggingSeverity: Readonly<Record<LevelName, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** The first fields of a line of `shape` at `level`: its level and its time. */
function headOf(shape: LineShape, level: LevelName): Record<string, unknown> {
  if (shape === 'aws') return { level: level.toUpperCase(), timestamp: new Date().toISOString() };
  if (shape === 'gcp') return { severity: cloudLoggingSeverity[level], time: new Date().toISOString() };
  return { level, time: Date.now() };
}

/** The stack of the error an error line logs (as `err`, or itself), for Error Reporting. */
function stackOf(first: unknown, line: Record<string, unknown>): string | undefined {
  try {
    const error = isError(first) ? first : line.err;
    const stack = typeof error === 'object' && error !== null ? (error as { stack?: unknown }).stack : undefined;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined;
  }
}

class JsonLogger implements Logger {
  readonly #bindings: Record<string, unknown>;
  readonly #threshold: number;
  readonly #sink: LogSink;
  readonly #shape: LineShape;
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;

  constructor(bindings: Record<string, unknown>, threshold: number, sink: LogSink, shape: LineShape) {
    this.#bindings = bindings;
    this.#threshold = threshold;
    this.#sink = sink;
    this.#shape = shape;
    this.trace = this.#method('trace');
    this.debug = this.#method('debug');
    this.info = this.#method('info');
    this.warn = this.#method('warn');
    this.error = this.#method('error');
    this.fatal = this.#method('fatal');
  }

  #method(level: LevelName): LogFn {
    if (levels[level] < this.#threshold) return () => {};
    const shape = this.#shape;
    const messageKey = shape === 'json' ? 'msg' : 'message';
    // Error Reporting groups a line's error by its stack in `stack_trace`, as `logger()` writes it.
    const reports = shape === 'gcp' && levels[level] >= levels.error;
    return ((first: unknown, ...rest: unknown[]) => {
      const line = Object.assign(headOf(shape, level), this.#bindings);
      let message: string | undefined;
      if (typeof first === 'string') {
        message = format(first, rest);
      } else if (isError(first)) {
        line.err = first;
        message = typeof rest[0] === 'string' ? format(rest[0], rest.slice(1)) : first.message;
      } else {
        try {
          Object.assign(line, withoutOwnFields(first as Record<string, unknown>, shape, true));
        } catch {
          // A getter that throws: the line says so rather than failing the request.
          line.logged = '[Unserialisable]';
        }
        if (typeof rest[0] === 'string') message = format(rest[0], rest.slice(1));
      }
      if (reports && !Object.hasOwn(line, 'stack_trace')) {
        const stack = stackOf(first, line);
        if (stack !== undefined) line.stack_trace = stack;
      }
      if (message !== undefined) line[messageKey] = message;
      const failure: { error?: unknown } = {};
      const text = serialised(line, true, failure);
      // Never throws: a sink that fails (a closed pipe, an Azure context or a test's sink that
      // throws) loses the line, not the invocation, and a log call in a handler never fails it.
      try {
        this.#sink(
          text ?? unserialisableLine(headOf(shape, level), this.#bindings, messageKey, message, failure.error),
          level,
        );
      } catch {
        // Nowhere left to say so.
      }
    }) as LogFn;
  }

  child(bindings: Record<string, unknown>): Logger {
    const own = withoutOwnFields(bindings, this.#shape, false);
    return new JsonLogger({ ...this.#bindings, ...own }, this.#threshold, this.#sink, this.#shape);
  }
}

function format(msg: string, args: unknown[]): string {
  if (args.length === 0) return msg;
  let i = 0;
  return msg.replace(/%[sdjoO%]/g, (token) => {
    if (token === '%%') return '%';
    if (i >= args.length) return token;
    const arg = args[i++];
    return typeof arg === 'string' ? arg : safeJson(arg);
  });
}

let root: Logger | undefined;

/** Options of `createJsonLogger()`: the cloud whose log format its lines take, and where they go. */
export interface JsonLoggerOptions {
  /**
   * The cloud whose format the lines take, as the built-in logger writes them on it: on `aws`,
   * Lambda's JSON log format (upper-case `level`, ISO `timestamp`, `message`); on `gcp`, Cloud
   * Logging's `severity`, ISO `time` and `message`, with an error line's stack in `stack_trace`;
   * on `node` and `azure` (the default), `level`, `time` in epoch ms and `msg`.
   */
  readonly cloud?: Cloud | undefined;
  /** Where each line goes (default: the log destination). */
  readonly sink?: LogSink | undefined;
}

/** The shape of the lines the built-in logger writes on `cloud`. */
function shapeFor(cloud: Cloud | undefined): LineShape {
  return cloud === 'aws' || cloud === 'gcp' ? cloud : 'json';
}

/**
 * The built-in JSON-lines logger, with level from `LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL` (default `info`). Lines go to the
 * log destination, or to a `sink` (an adapter routing them to the platform's own log methods),
 * in Node's format unless `{ cloud }` names another (`aws`, `gcp`): the format an invocation on
 * that cloud writes, for a logger given to one (`invoke(fn, event, { cloud: 'aws', log })`).
 * The third argument is the sink, or options with a `sink` and a `cloud`.
 * Credential keys (`credentialKeys`) are never written, at any depth: not in a logged object,
 * a child's bindings nor a `%j` / `%o` / `%O` argument.
 *
 * @example
 * createJsonLogger({ service: 'orders' }).info({ orderId }, 'order created');
 * createJsonLogger({}, 'debug', (line, level) => context[level === 'fatal' ? 'error' : level](line));
 * createJsonLogger({ requestId: 'r-1' }, 'debug', { cloud: 'aws' }); // {"level":"DEBUG","timestamp":...,"message":...}
 */
export function createJsonLogger(
  bindings: Record<string, unknown> = {},
  level = envLevel(),
  sinkOrOptions: LogSink | JsonLoggerOptions = toDestination,
): Logger {
  const options = typeof sinkOrOptions === 'function' ? { sink: sinkOrOptions } : sinkOrOptions;
  return new JsonLogger(bindings, thresholdOf(level), options.sink ?? toDestination, shapeFor(options.cloud));
}

/** The level of the process-wide loggers, read from the environment when one is first made. */
let rootThreshold: number | undefined;

function processThreshold(): number {
  rootThreshold ??= thresholdOf(envLevel());
  return rootThreshold;
}

/** The process-wide built-in logger, created on first use: plain JSON lines, whatever the host. */
export function rootLogger(): Logger {
  root ??= new JsonLogger({}, processThreshold(), toDestination, 'json');
  return root;
}

let awsRoot: Logger | undefined;
let gcpRoot: Logger | undefined;

/**
 * The process-wide built-in logger for invocations on `cloud`, created on first use: on AWS,
 * lines in Lambda's JSON log format (upper-case `level`, which Lambda's log-level filtering reads,
 * ISO `timestamp`, `message`); on GCP, Cloud Logging's `severity`, `message` and ISO `time`, with
 * an error line's stack in `stack_trace` for Error Reporting; elsewhere `rootLogger()`. The field
 * names are those `logger()` writes on the same host. Its level is the `rootLogger()`'s.
 *
 * @example
 * rootLoggerFor(ctx.cloud).child({ requestId: ctx.requestId }).error({ err }, 'failed');
 */
export function rootLoggerFor(cloud: Cloud): Logger {
  if (cloud === 'aws') {
    awsRoot ??= new JsonLogger({}, processThreshold(), toDestination, 'aws');
    return awsRoot;
  }
  if (cloud === 'gcp') {
    gcpRoot ??= new JsonLogger({}, processThreshold(), toDestination, 'gcp');
    return gcpRoot;
  }
  return rootLogger();
}

/**
 * Logs a failure without ever throwing: a broken logger or an unserialisable error must not
 * turn a failure that is being handled into a crash of the invocation. A thrown `undefined`,
 * symbol or function, which JSON would leave out of the line, is logged as `{ type, message }`
 * (`{ type: 'undefined', message: 'undefined' }`), by either logger.
 *
 * @example
 * logFailure(ctx.log, error, 'message m1 failed', { messageId: 'm1' });
 */
export function logFailure(log: Logger, error: unknown, msg: string, fields: Record<string, unknown> = {}): void {
  try {
    log.error({ ...fields, err: thrownValue(error) ?? error }, msg);
  } catch {
    // Nothing sensible is left to do: the caller's answer matters more than this line.
  }
}
