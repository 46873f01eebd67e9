/** `logger()`: a pino child per invocation, formatted for the host, with a summary line. */
import { type LogFn, type Logger as PinoLogger, type LoggerOptions as PinoOptions, pino } from 'pino';
import { batchOf } from '../context.js';
import { abortedByClient, SkyportError, toHttpError } from '../errors.js';
import { problemResponse } from '../http/response.js';
import {
  cloudLoggingSeverity,
  credentialKeys,
  credentialPrefixes,
  envLevel,
  errorField,
  getLogDestination,
  isCredentialKey,
  isError,
  type LevelName,
  type LineShape,
  levels,
  ownFieldRedactions,
  responseSummary,
  withoutOwnFields,
  writtenErr,
} from '../log.js';
import { createMiddleware } from '../middleware/create.js';
import { observedPath } from '../observed-path.js';
import { checkOptions, shownValue } from '../options.js';
import { setOwn } from '../own.js';
import { correlationOf, findParent, parsedParentOf, traceIdsOf } from '../tracing/propagation.js';
import type {
  Cloud,
  Context,
  HttpRequest,
  HttpResponse,
  Kind,
  LevelledLogger,
  Middleware,
  MiddlewareResult,
} from '../types.js';

/** The line format: one per host, or `auto` to follow `ctx.cloud`. */
export type LogFormat = 'auto' | 'aws' | 'gcp' | 'azure' | 'json';

/** Options of `logger()`. */
export interface LoggerOptions {
  /**
   * The lowest level written, or `silent` for none (default `LOG_LEVEL`, else Lambda's
   * `AWS_LAMBDA_LOG_LEVEL`, else `info`).
   */
  readonly level?: LevelName | 'silent' | undefined;
  /** The line format (default `auto`: by `ctx.cloud`; `json` on Node). */
  readonly format?: LogFormat | undefined;
  /** More pino redaction paths (`body.password`, `*.token`, `user.card["cvv"]`). */
  readonly redact?: readonly string[] | undefined;
  /**
   * The GCP project for `logging.googleapis.com/trace` (default `GOOGLE_CLOUD_PROJECT` /
   * `GCLOUD_PROJECT`; an empty value, option or variable, is none).
   */
  readonly gcpProject?: string | undefined;
  /** Log one summary line per invocation (default true). */
  readonly summary?: boolean | undefined;
  /** Fields on every line (`service`, `version`). */
  readonly base?: Readonly<Record<string, unknown>> | undefined;
}

/** The structural part of an Azure `InvocationContext` this middleware writes to. */
interface AzureLogSink {
  trace?: ((...args: unknown[]) => void) | undefined;
  debug?: ((...args: unknown[]) => void) | undefined;
  info: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
  error: (...args: unknown[]) => void;
}

/**
 * Keys that hold credentials: the credential header names and `cookies`. `logger()` writes
 * `[Redacted]` for each, and for a key starting with `x-ms-token-` (the headers of Azure App
 * Service authentication's token store), in any case, wherever it appears in what a line serialises: the logged
 * object, a child's bindings, `%j` / `%o` / `%O` arguments and an object given as the message.
 * So it does for the value after such a name in a flat `rawHeaders` / `rawTrailers` list, and for
 * the value of a `[name, value]` pair naming one in a list (`[...headers]` of a fetch `Headers`).
 * Objects nested deeper than 100 levels are written as `[Too deep]`, never unscrubbed.
 *
 * @example
 * const isCredential = (key: string) => defaultRedactions.includes(key.toLowerCase());
 */
export const defaultRedactions: readonly string[] = credentialKeys;

const secretKeys = new Set(defaultRedactions);
// Lower-casing keeps the length of any key that becomes an ASCII name (only U+0130 changes
// length, into a non-ASCII pair), so a key of another length needs no lookup at all: most
// logged keys are looked at once per line.
const secretLengths = defaultRedactions.reduce((mask, key) => mask | (1 << key.length), 0);

function isSecretKey(key: string): boolean {
  if (key.length <= 31 && ((secretLengths >>> key.length) & 1) === 1) {
    if (secretKeys.has(key) || secretKeys.has(key.toLowerCase())) return true;
  }
  // A name under a credential prefix (Azure's `x-ms-token-…` token store headers), lower-cased
  // only for a key whose first letter is the prefix's in either case (the prefixes start with a
  // letter no other character lower-cases to).
  const first = key.charCodeAt(0) | 0x20;
  for (const prefix of credentialPrefixes) {
    if (first === prefix.charCodeAt(0) && key.length >= prefix.length) {
      if (key.slice(0, prefix.length).toLowerCase() === prefix) return true;
    }
  }
  return false;
}

const censor = '[Redacted]';

/** Keys of flat name/value header lists: Node's `IncomingMessage.rawHeaders` and `rawTrailers`. */
const headerLists = new Set(['rawHeaders', 'rawTrailers']);

/** Whether `index` of a header list holds the value of a credential header. */
function followsCredential(list: readonly unknown[], index: number): boolean {
  if (index % 2 !== 1) return false;
  const name = list[index - 1];
  return typeof name === 'string' && isSecretKey(name);
}

/** A header list with the value after each credential name redacted; itself when none is there. */
function redactHeaderList(list: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 1; i < list.length; i += 2) {
    if (followsCredential(list, i)) {
      out ??= [...list];
      out[i] = censor;
    }
  }
  return out ?? list;
}

/**
 * Whether `item` of a list is a `[name, value]` pair naming a credential: an entry of the lists
 * `[...headers]` of a fetch `Headers`, `Object.entries(headers)` or `[...map]` give. Only an item
 * of a list is a pair: a two-name list alone (`vary: ['Cookie', 'Accept']`) is written as it is.
 */
function isCredentialPair(item: unknown): item is readonly [string, unknown] {
  if (!Array.isArray(item) || item.length !== 2) return false;
  const name: unknown = item[0];
  return typeof name === 'string' && isCredentialKey(name);
}

/** A credential pair with its value redacted; itself when it already is. */
function redactPair(pair: readonly [string, unknown]): readonly unknown[] {
  return pair[1] === censor ? pair : [pair[0], censor];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  // One with its own `toJSON` is written as what that returns, so it is read through `viewOf`.
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

// Deeper than anything worth logging, yet shallow enough that the walk cannot exhaust the stack
// (a log call must not throw): what lies deeper is replaced, not written unscrubbed.
const maxDepth = 100;

/** What JSON output would show of a non-plain object: its `toJSON()`, or its own enumerable fields. */
function viewOf(value: object): unknown {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return toJSON.call(value);
  const view: Record<string, unknown> = {};
  const error = isError(value);
  if (error) {
    view.type = value.name;
    view.message = value.message;
    view.stack = value.stack;
    // Not enumerable (an `AggregateError`'s), but both loggers write them, with their fields.
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors)) view.errors = errors;
    // Not enumerable either: `serializeErr` writes a cause that is no error as it is.
    const cause = writtenCause(value.cause);
    if (cause !== undefined) view.cause = cause;
  }
  // pino's error serialiser copies inherited enumerable fields too; JSON.stringify own ones only.
  // An error's fields are written as data: a request it carries (a `ClientRequest`) by its type.
  if (error) {
    for (const key in value) view[key] = errorField((value as unknown as Record<string, unknown>)[key]);
  } else for (const key of Object.keys(value)) view[key] = (value as Record<string, unknown>)[key];
  return view;
}

/**
 * Replaces credential keys wherever they sit in what will be logged: plain objects, arrays,
 * errors (an HTTP client's error carries the request's `Authorization` header) and class
 * instances (a logged request carries the raw event and its headers). Objects without secrets
 * are not copied, so the common line costs a few key lookups, not pino's wildcard redaction.
 */
function scrubValue(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > maxDepth) return '[Too deep]';
  // The way back up a cycle leads to an original that may be the one being scrubbed: pino would
  // write it, secrets and all. The line is cloned instead (see `scrubbedClone`).
  if (seen.has(value)) throw cycle;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const next = isCredentialPair(item) ? redactPair(item) : scrubValue(item, depth + 1, seen);
        if (next !== item) {
          out ??= [...value];
          out[i] = next;
        }
      }
      return out ?? value;
    }
    if (!isPlainObject(value)) {
      let view: unknown;
      try {
        view = viewOf(value);
      } catch {
        return '[Unserialisable]';
      }
      if (typeof view !== 'object' || view === null) return value;
      const cleaned = scrubValue(view, depth, seen);
      // Keep the original (and its serialiser, such as pino's for errors) unless a secret was found.
      if (cleaned === view) return value;
      if (typeof cleaned === 'object' && cleaned !== null) originals.set(cleaned, value);
      return cleaned;
    }
    return scrub(value, depth, seen);
  } finally {
    seen.delete(value);
  }
}

/**
 * The object each scrubbed copy of an error or a class instance was made from: `serializeErr`
 * writes a logged `err` from the original, as the built-in logger does (its type, its errors),
 * redacting the same keys as it goes.
 */
const originals = new WeakMap<object, object>();

/** Thrown by `scrubValue` when the value leads back to itself. */
const cycle = Symbol('cycle');

/**
 * A copy of `value` with every credential key replaced and the same shape, shared parts and
 * cycles included (each object is copied once), for a value with a cycle: pino then meets the
 * cycle and falls back to its bounded serialiser, as it would for the original. Replacing each
 * way back with a marker instead would make an acyclic copy that serialises in full, down every
 * path, which for a graph with shared parts grows exponentially.
 */
function scrubbedClone(value: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (depth > maxDepth) return '[Too deep]';
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value)
      out.push(isCredentialPair(item) ? [item[0], censor] : scrubbedClone(item, depth + 1, copies));
    return out;
  }
  let source: unknown = value;
  if (!isPlainObject(value)) {
    try {
      source = viewOf(value);
    } catch {
      return '[Unserialisable]';
    }
    if (typeof source !== 'object' || source === null) return source;
  }
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  if (source !== value) originals.set(out, value);
  const record = source as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    out[key] = isSecretKey(key)
      ? censor
      : scrubbedClone(headerLists.has(key) && Array.isArray(item) ? redactHeaderList(item) : item, depth + 1, copies);
  }
  return out;
}

/** What a line writes in place of a value that cannot be read (a getter that throws). */
const unreadable = { logged: '[Unserialisable]' };

/**
 * `value` with credential keys replaced (itself when it holds none). Never throws: a cycle is
 * cloned, and a value that cannot be read is replaced, since a log call must not fail a request.
 */
function scrubLine(value: object): unknown {
  try {
    return isPlainObject(value) ? scrub(value, 0) : scrubValue(value, 0, new Set());
  } catch (error) {
    if (error !== cycle) return unreadable;
    try {
      return scrubbedClone(value, 0, new Map());
    } catch {
      return unreadable;
    }
  }
}

/** `seen` holds the objects on the path down to `value`, `value` included; made when first needed. */
function scrub(value: Record<string, unknown>, depth: number, seen?: Set<object>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const current = value[key];
    let next = current;
    if (isSecretKey(key)) next = censor;
    else if (typeof current === 'object' && current !== null) {
      seen ??= new Set<object>().add(value);
      const listed = headerLists.has(key) && Array.isArray(current) ? redactHeaderList(current) : current;
      next = scrubValue(listed, depth + 1, seen);
    }
    if (next !== current) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}

/**
 * pino's `logMethod` hook: scrubs what a line holds besides the merged object (which the `log`
 * formatter scrubs), that is the values interpolated into the message (`%j`, `%o`, `%O`) and an
 * object given as the message, which pino serialises whole. Values start at index 1: before
 * them is the merged object or the message.
 */
function scrubArguments(this: PinoLogger, args: Parameters<LogFn>, method: LogFn): void {
  const values = withForeignError(args);
  for (let i = 1; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'object' && value !== null) values[i] = scrubLine(value);
  }
  method.apply(this, values as Parameters<LogFn>);
}

/**
 * The arguments of `log.error(err)` for an error of another realm as pino reads them for one of
 * this realm: `[{ err }, message]`, the error's message unless one is given. pino tells an error
 * by `instanceof`, and would write one of another realm as an object of fields: no type, message
 * nor stack, and no message. Any other arguments are themselves.
 */
function withForeignError(args: unknown[]): unknown[] {
  const first = args[0];
  try {
    if (!isError(first) || first instanceof Error) return args;
    if (args.length > 1) return [{ err: first }, ...args.slice(1)];
    const message = (first as { message?: unknown }).message;
    return typeof message === 'string' ? [{ err: first }, message] : [{ err: first }];
  } catch {
    // A getter that throws: the line is written as pino writes it.
    return args;
  }
}

/**
 * The GCP `logMethod` hook: an error line whose object has an `err` with a stack also gets it as
 * `stack_trace`, the field Error Reporting reads, so thrown errors are grouped there without
 * any setup. Lines below `error` are left alone, and the logged object is not changed.
 */
function reportErrors(this: PinoLogger, args: Parameters<LogFn>, method: LogFn, level: number): void {
  const first: unknown = args[0];
  let out: unknown[] = args;
  if (level >= levels.error) {
    if (isError(first)) {
      // `log.error(err)`: the line pino would write (the error as `err`, its message as the
      // message unless one is given), with the stack.
      if (typeof first.stack === 'string') {
        out = [{ err: first, stack_trace: first.stack }, ...(args.length > 1 ? args.slice(1) : [first.message])];
      }
    } else if (isPlainObject(first) && !('stack_trace' in first)) {
      const stack = (first.err as { stack?: unknown } | null | undefined)?.stack;
      if (typeof stack === 'string') out = [{ ...first, stack_trace: stack }, ...args.slice(1)];
    }
  }
  scrubArguments.call(this, out as Parameters<LogFn>, method);
}

/**
 * Makes `child()` and `setBindings()` scrub the bindings, which pino serialises once, without
 * the `log` formatter. They are set on the root, so every logger made over it inherits them:
 * pino's children, nested children, and the invocation loggers made with `Object.create()`.
 */
function scrubBindingsOf(root: PinoLogger, shape: LineShape): PinoLogger {
  const child = root.child;
  const setBindings = root.setBindings;
  // Bound fields named as the line's level or time are renamed too (see `withoutOwnFields`).
  const own = (bindings: object) => withoutOwnFields(scrubLine(bindings) as Record<string, unknown>, shape, false);
  root.child = function scrubbedChild(this: PinoLogger, bindings, options) {
    return child.call(this, own(bindings) as typeof bindings, options);
  } as PinoLogger['child'];
  root.setBindings = function scrubbedSetBindings(this: PinoLogger, bindings) {
    setBindings.call(this, own(bindings) as typeof bindings);
  };
  return root;
}

function isAzureSink(raw: unknown): raw is AzureLogSink {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return typeof r.info === 'function' && typeof r.warn === 'function' && typeof r.error === 'function';
}

/**
 * The first `"level"` of a line: pino writes the level first, so the first one is the line's own.
 * Parsing the whole line would take the last one, which a logged object could supply to send the
 * line to the invocation's context at another level.
 */
function lineLevel(line: string): string | undefined {
  return /"level":"([a-z]+)"/.exec(line)?.[1];
}

/**
 * Writes a line to core's destination. Never throws, as the built-in logger's writes: a
 * destination that fails (a closed pipe, a test's sink that throws) loses the line, never the
 * invocation, and a log call in a handler does not fail it.
 */
function writeOut(line: string): void {
  try {
    getLogDestination().write(line);
  } catch {
    // Nowhere left to say so.
  }
}

// Documented by pino for libraries that adjust a logger's state: the stream a logger writes to,
// which its children (`ctx.log.child()`) inherit.
const streamSym = pino.symbols.streamSym;

/**
 * Where an Azure invocation's lines go: its `InvocationContext`'s log methods while the
 * invocation lasts, core's destination once it has ended (`release()`). Each invocation's logger
 * writes to its own, never found by an id: two invocations the host or a test gives the same
 * `invocationId` each write to their own context, and a logged `requestId` routes nothing.
 */
class AzureRoute {
  sink: AzureLogSink | undefined;

  constructor(sink: AzureLogSink) {
    this.sink = sink;
  }

  write(line: string): void {
    const sink = this.sink;
    if (sink === undefined) {
      writeOut(line);
      return;
    }
    const level = lineLevel(line) ?? 'info';
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    try {
      if (level === 'trace') (sink.trace ?? sink.debug ?? sink.info).call(sink, text);
      else if (level === 'debug') (sink.debug ?? sink.info).call(sink, text);
      else if (level === 'warn') sink.warn.call(sink, text);
      else if (level === 'error' || level === 'fatal') sink.error.call(sink, text);
      else sink.info.call(sink, text);
    } catch {
      // A context whose log methods fail loses the line, not the invocation.
    }
  }

  /** Ends the routing: nothing is kept of the invocation's context. */
  release(): void {
    this.sink = undefined;
  }
}

/**
 * Releases an invocation's routing a macrotask later: `runHttp` / `runEvent` and the adapters
 * log a failure through `ctx.log` once it has reached them, and that line belongs to the
 * invocation too.
 */
function releaseSoon(route: AzureRoute): void {
  setImmediate(() => route.release());
}

/** How a streamed answer settled: read to its end, failed, cancelled (the client left), or dropped unread. */
type StreamEnd = 'sent' | 'cancelled' | 'abandoned' | { readonly error: unknown };

/**
 * Streamed answers dropped unread and never cancelled (a middleware further out answered with
 * something else and left the stream be): settled once nothing can read them any more.
 */
const abandonedStreams = new FinalizationRegistry<() => void>((end) => end());

/**
 * `source` passed on chunk by chunk, calling `ended` once with how it settled: an invocation
 * whose answer is streamed lasts until the answer is sent, and its producer and the adapter still
 * log meanwhile. `ended` runs before the stream closes or fails and before a cancel reaches the
 * producer, so the summary line comes before the adapter's own lines about the end. The source is
 * locked only when first read, so the run helpers can still cancel a handler's stream that a
 * middleware further out replaced.
 */
function settledWith(source: ReadableStream<Uint8Array>, ended: (end: StreamEnd) => void): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let pending: typeof ended | undefined = ended;
  const token = {};
  const end = (how: StreamEnd): void => {
    const run = pending;
    if (run === undefined) return;
    pending = undefined;
    abandonedStreams.unregister(token);
    try {
      run(how);
    } catch {
      // A log line that cannot be written must not change how the answer ends.
    }
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= source.getReader();
        let next: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
        try {
          next = await reader.read();
        } catch (error) {
          end({ error });
          throw error;
        }
        if (next.done) {
          end('sent');
          controller.close();
        } else controller.enqueue(next.value);
      },
      cancel(reason) {
        end('cancelled');
        return reader === undefined ? source.cancel(reason) : reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  abandonedStreams.register(stream, () => end('abandoned'), token);
  return stream;
}

function pinoFor(format: Exclude<LogFormat, 'auto'>, options: LoggerOptions, level: LevelName | 'silent'): PinoLogger {
  // A logged record's own `level`, `time` or `timestamp` (or `severity`, `requestId`) is written
  // renamed (`_timestamp`): the line's own must be the one the platform reads, and the only one.
  // A redaction path under such a field applies to it renamed too.
  const shape: LineShape = format === 'aws' || format === 'gcp' ? format : 'json';
  const redact = options.redact?.length ? ownFieldRedactions(options.redact, shape) : undefined;
  const common: PinoOptions = {
    level,
    base: options.base === undefined ? null : { ...options.base },
    serializers: { err: serializeErr },
    // Configured paths use pino's redaction; the credential keys use the cheaper `scrub()`.
    redact: redact ? { paths: redact, censor } : undefined,
    hooks: { logMethod: scrubArguments },
  };
  const log = (object: Record<string, unknown>) =>
    withoutOwnFields(scrubLine(object) as Record<string, unknown>, shape, true);
  // pino writes through core's destination on every line, so `setLogDestination()` /
  // `collectLogs()` see the output wherever they were installed.
  const stream = { write: writeOut };
  if (format === 'aws') {
    // Lambda's JSON log format: upper-case `level` (what log-level filtering reads), ISO `timestamp`, `message`.
    const aws: PinoOptions = {
      ...common,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }), log },
    };
    return scrubBindingsOf(pino(aws, stream), shape);
  }
  if (format === 'gcp') {
    // Cloud Logging's structured logging special fields. A redacted error stack or message stays
    // redacted in `stack_trace`, the copy of the stack error lines carry.
    const redactsErrors = options.redact?.some((path) => /^(?:err|\*)(?:[.[]|$)/.test(path)) === true;
    const gcp: PinoOptions = {
      ...common,
      redact: redactsErrors ? { paths: [...(redact ?? []), 'stack_trace'], censor } : common.redact,
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ severity: cloudLoggingSeverity[label as LevelName] ?? 'DEFAULT' }), log },
      hooks: { logMethod: reportErrors },
    };
    return scrubBindingsOf(pino(gcp, stream), shape);
  }
  const json: PinoOptions = { ...common, formatters: { level: (label) => ({ level: label }), log } };
  // On Azure, each invocation's logger writes to its own `AzureRoute`; lines of none go here.
  return scrubBindingsOf(pino(json, stream), shape);
}

/** A per-function child: `functionName` and `cloud` bound once. */
interface FunctionLogger {
  readonly format: Exclude<LogFormat, 'auto'>;
  readonly cloud: Cloud;
  readonly name: string;
  readonly log: PinoLogger;
  /** Its serialised bindings, which each invocation's bindings extend. */
  readonly chindings: string;
}

// Documented by pino for libraries that adjust a logger's state; `chindings` holds a logger's
// serialised bindings, which every line it writes starts with.
const chindingsSym = pino.symbols.chindingsSym;

function chindingsOf(log: PinoLogger): string {
  const value = (log as unknown as Record<symbol, unknown>)[chindingsSym];
  return typeof value === 'string' ? value : '';
}

function formatOf(option: LogFormat, cloud: Cloud): Exclude<LogFormat, 'auto'> {
  if (option !== 'auto') return option;
  return cloud === 'node' ? 'json' : cloud;
}

function isLevelName(value: unknown): value is LevelName {
  return typeof value === 'string' && Object.hasOwn(levels, value);
}

const formats: readonly string[] = ['auto', 'aws', 'gcp', 'azure', 'json'] satisfies readonly LogFormat[];

function invalid(message: string, cause?: unknown): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `logger() ${message}`, { cause });
}

/** A level option, checked: pino would otherwise refuse it on every invocation, not here. */
function levelOf(option: LevelName | 'silent' | undefined): LevelName | 'silent' {
  // Read as the environment variables are: in any case (Lambda's `AWS_LAMBDA_LOG_LEVEL` is upper
  // case), an empty value (an unset variable passed on) as none.
  if (option !== undefined && (option as string) !== '') {
    const name = typeof option === 'string' ? option.toLowerCase() : option;
    if (name === 'silent' || isLevelName(name)) return name;
    throw invalid(`level must be one of ${Object.keys(levels).join(', ')} or silent, got ${JSON.stringify(option)}`);
  }
  const env = envLevel()?.toLowerCase();
  if (env === 'silent') return env;
  return isLevelName(env) ? env : 'info';
}

/** A format option, checked: an unknown one would otherwise write Node lines on every host. */
function formatOptionOf(option: LogFormat | undefined): LogFormat {
  if (option === undefined) return 'auto';
  if (formats.includes(option)) return option;
  throw invalid(`format must be one of ${formats.join(', ')}, got ${JSON.stringify(option)}`);
}

/** The names `logger()` takes, each a key of `LoggerOptions`. */
const loggerOptionNames = [
  'level',
  'format',
  'redact',
  'gcpProject',
  'summary',
  'base',
] as const satisfies readonly (keyof LoggerOptions)[];

/**
 * Refuses an unknown name (`redactPaths`, `redaction`: the secrets they meant to hide would be
 * written) and a `summary`, `gcpProject` or `base` of the wrong type.
 */
function checkLoggerOptions(options: unknown): void {
  checkOptions('logger()', options, loggerOptionNames);
  const { summary, gcpProject, base } = (options ?? {}) as Record<string, unknown>;
  if (summary !== undefined && typeof summary !== 'boolean') {
    throw invalid(`summary must be true or false, got ${shownValue(summary)}`);
  }
  if (gcpProject !== undefined && typeof gcpProject !== 'string') {
    throw invalid(`gcpProject must be a string, got ${shownValue(gcpProject)}`);
  }
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) {
    throw invalid(`base must be an object of fields, got ${shownValue(base)}`);
  }
}

/**
 * Redaction paths, checked by pino now: it refuses a path it cannot parse only when a logger is
 * made, which is on the first invocation of each format, and that would fail every invocation.
 */
function checkRedact(option: readonly string[] | undefined): void {
  if (option === undefined) return;
  // A lone string would be spread into one-letter paths.
  if (!Array.isArray(option) || !option.every((path) => typeof path === 'string')) {
    throw invalid('redact must be a list of paths');
  }
  if (option.length === 0) return;
  const blank = option.find((path) => path.trim() === '');
  if (blank !== undefined) throw invalid(`redact path ${JSON.stringify(blank)} is empty`);
  try {
    pino({ redact: { paths: [...option], censor } }, { write: () => {} });
  } catch (error) {
    throw invalid(`redact: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/** `JSON.stringify(value)` for a string, without its cost for the common short ASCII id or route. */
function jsonString(value: string): string {
  if (value.length > 64) return JSON.stringify(value);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // What JSON escapes: control characters, quote, backslash and (lone) surrogates.
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** The id of a message of a batch, which its summary line names; else `undefined`. */
function messageIdOf(event: unknown, ctx: Context): string | undefined {
  if (ctx.kind === 'http' || batchOf(ctx) === undefined) return undefined;
  const id = typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Whether the trace of the ids `tracing()` put on the context was sampled: the trace flags of
 * the context's span (the invocation span with an SDK, the caller's parent without one) when it
 * belongs to that trace, else false. A span made by hand that cannot say is taken as unsampled.
 */
function spanSampled(ctx: Context, traceId: string): boolean {
  try {
    const span = (ctx as { span?: unknown }).span as { spanContext?: unknown } | null | undefined;
    if (typeof span !== 'object' || span === null || typeof span.spanContext !== 'function') return false;
    const context = span.spanContext() as { traceId?: unknown; traceFlags?: unknown } | null | undefined;
    const flags = context?.traceFlags;
    // The sampled flag is bit 0 of the W3C trace flags.
    return context?.traceId === traceId && typeof flags === 'number' && (flags & 1) === 1;
  } catch {
    return false;
  }
}

/**
 * Whether the trace of `ids` was sampled, for `logging.googleapis.com/trace_sampled`: the flag of
 * the caller's parent (W3C `traceparent` flags, `X-Cloud-Trace-Context` `o=1`, X-Ray `Sampled=1`),
 * or of the span `tracing()` put on the context (`fromContext`). The ids of an unsampled X-Ray
 * header, kept for correlation only, are unsampled.
 */
function sampledOf(ctx: Context, ids: { readonly traceId: string }, fromContext: boolean): boolean {
  if (fromContext) return spanSampled(ctx, ids.traceId);
  return (ids as { readonly sampled?: unknown }).sampled === true;
}

/**
 * The per-invocation part of pino's serialised bindings (`,"requestId":"r1","coldStart":false,…`):
 * the same keys, order and JSON of each value as `child(bindingsFor(…))` writes.
 */
function chindingsFor(
  event: unknown,
  ctx: Context,
  format: Exclude<LogFormat, 'auto'>,
  project: string | undefined,
): string {
  let out = `,"requestId":${jsonString(ctx.requestId)},"coldStart":${ctx.coldStart ? 'true' : 'false'}`;
  // `tracing()` without an SDK parsed the caller's parent: its ids are the parsers' output too.
  const parsed = parsedParentOf(ctx);
  const fromContext = parsed === undefined ? traceIdsOf(ctx) : undefined;
  const ids = parsed ?? fromContext ?? findParent(event, ctx) ?? correlationOf(event, ctx);
  if (ids === undefined) return out;
  // The header parsers return lower-case hex only; ids another middleware put on the context are escaped.
  const traceId = fromContext === undefined ? `"${ids.traceId}"` : jsonString(ids.traceId);
  const spanId =
    ids.spanId === undefined ? undefined : fromContext === undefined ? `"${ids.spanId}"` : jsonString(ids.spanId);
  if (format === 'gcp' && project !== undefined) {
    const trace = jsonString(`projects/${project}/traces/${ids.traceId}`);
    out += `,"logging.googleapis.com/trace":${trace}`;
    if (spanId !== undefined) out += `,"logging.googleapis.com/spanId":${spanId}`;
    const sampled = sampledOf(ctx, ids, fromContext !== undefined);
    return `${out},"logging.googleapis.com/trace_sampled":${sampled ? 'true' : 'false'}`;
  }
  out += `,"traceId":${traceId}`;
  if (spanId !== undefined) out += `,"spanId":${spanId}`;
  // X-Ray's own notation, which the CloudWatch and X-Ray consoles link on.
  if (format === 'aws') out += `,"xrayTraceId":${jsonString(`1-${ids.traceId.slice(0, 8)}-${ids.traceId.slice(8)}`)}`;
  return out;
}

function bindingsFor(
  event: unknown,
  ctx: Context,
  format: Exclude<LogFormat, 'auto'>,
  project: string | undefined,
): Record<string, unknown> {
  const bindings: Record<string, unknown> = { requestId: ctx.requestId, coldStart: ctx.coldStart };
  const parsed = parsedParentOf(ctx);
  const fromContext = parsed === undefined ? traceIdsOf(ctx) : undefined;
  const ids = parsed ?? fromContext ?? findParent(event, ctx) ?? correlationOf(event, ctx);
  if (ids === undefined) return bindings;
  if (format === 'gcp' && project !== undefined) {
    bindings['logging.googleapis.com/trace'] = `projects/${project}/traces/${ids.traceId}`;
    if (ids.spanId !== undefined) bindings['logging.googleapis.com/spanId'] = ids.spanId;
    bindings['logging.googleapis.com/trace_sampled'] = sampledOf(ctx, ids, fromContext !== undefined);
    return bindings;
  }
  bindings.traceId = ids.traceId;
  if (ids.spanId !== undefined) bindings.spanId = ids.spanId;
  if (format === 'aws') bindings.xrayTraceId = `1-${ids.traceId.slice(0, 8)}-${ids.traceId.slice(8)}`;
  return bindings;
}

/**
 * The `cause` of an error that a line writes as a field, as it is: one that is no error (a plain
 * object, a string), which pino's serialiser leaves out. An error cause is left to pino, which
 * writes its message and stack into the error's; a function (a VError cause) has no JSON.
 */
function writtenCause(cause: unknown): unknown {
  return isError(cause) || typeof cause === 'function' ? undefined : (responseSummary(cause) ?? cause);
}

/**
 * What `logger()` writes as `err`: what the built-in logger writes (see `writtenErr`), so the
 * errors in an error (in a field, deeper, in its `errors`: an `AggregateError`'s) are written as
 * errors with their type, message, stack and fields, a list of errors (Powertools'
 * `FullBatchFailureError.recordErrors`) at most 20 of them, a cause that is no error
 * (`new Error('query failed', { cause: { code: 'ECONNREFUSED' } })`) as `cause`, a web `Response`
 * as `responseSummary` has it, and an object of a class with its type name. An error of another
 * realm is written as one of this realm. A symbol or a function is left out, as JSON leaves it
 * out (the pipeline's failure lines write a thrown one as `{ type, message }` themselves, see
 * `logFailure`). A logged error's own `type`, `message` and `stack` are pino's: its class name,
 * and an error cause added to the message and stack (`caused by: ...`), which is then not
 * written as `cause`.
 */
function serializeErr(value: unknown): unknown {
  try {
    // A copy the line was scrubbed into: `writtenErr` redacts the original as the built-in does.
    const logged = (typeof value === 'object' && value !== null && originals.get(value)) || value;
    return isError(logged) ? errorOf(logged) : writtenErr(logged);
  } catch {
    // A log call must not fail a request (a getter that throws as it is read).
    return '[Unserialisable]';
  }
}

/** An error as `serializeErr` writes it: pino's type, message and stack, then the built-in's fields. */
function errorOf(error: Error): Record<string, unknown> {
  const written = writtenErr(error);
  const fields = typeof written === 'object' && written !== null ? (written as Record<string, unknown>) : {};
  let head: Record<string, unknown> = fields;
  try {
    head = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  } catch {
    // A frozen error, which pino's serialiser tags as it goes: the built-in's type, message and stack.
  }
  const out: Record<string, unknown> = { type: head.type, message: head.message, stack: head.stack };
  // pino writes an error cause into the message and stack.
  const skipped = isError(error.cause) ? 'cause' : undefined;
  for (const key of Object.keys(fields)) {
    if (key !== 'type' && key !== 'message' && key !== 'stack' && key !== skipped) setOwn(out, key, fields[key]);
  }
  return out;
}

/**
 * The status a thrown error is answered with: its own, or 500 when a header of its cannot be
 * sent (see `problemResponse`) or it cannot be read.
 */
function answeredStatus(error: unknown): number {
  try {
    const answer = toHttpError(error);
    if (answer.status !== 500) problemResponse(answer, undefined);
    return answer.status;
  } catch {
    return 500;
  }
}

/**
 * The summary line: outcome, status (http) and duration (from `started` to `ended`); `coldStart`
 * is already bound on every line. `failed` makes it an error line (whether the invocation failed,
 * not what with: `throw undefined` and `Promise.reject()` fail too), `error` names its type, and
 * `cancelled` marks an answer the client left before its end or before it was sent. With
 * `serialised`, its fields are serialised here and bound to `log` for the one line (pino writes
 * bindings where it would write a logged object's fields), which skips pino's generic object walk.
 */
function summarise(
  log: PinoLogger,
  http: HttpRequest | undefined,
  messageId: string | undefined,
  started: number,
  ended: number,
  status: number | undefined,
  failed: boolean,
  error: unknown,
  serialised: boolean,
  cancelled = false,
): void {
  const outcome = failed ? 'error' : status !== undefined && status >= 400 ? 'client-error' : 'success';
  // Never below 0: a test that fakes the timers while an invocation runs restarts the clock.
  const durationMs = Math.max(0, Math.round((ended - started) * 1000) / 1000);
  const route = http === undefined ? undefined : (http.route ?? observedPath(http));
  const errorType = failed && isError(error) ? error.name : undefined;
  if (
    serialised &&
    (http === undefined || (typeof http.method === 'string' && typeof route === 'string')) &&
    (errorType === undefined || typeof errorType === 'string')
  ) {
    let fields = `,"outcome":"${outcome}","durationMs":${durationMs}`;
    if (http !== undefined) {
      fields += `,"method":${jsonString(http.method)},"route":${jsonString(route as string)}`;
      if (status !== undefined) fields += `,"status":${Number.isFinite(status) ? status : 'null'}`;
    }
    if (messageId !== undefined) fields += `,"messageId":${jsonString(messageId)}`;
    if (errorType !== undefined) fields += `,"errorType":${jsonString(errorType)}`;
    if (cancelled) fields += ',"cancelled":true';
    // Bound for this one line only: pino serialises synchronously. (A logger made over `log`
    // instead would turn every invocation's logger into a prototype, which V8 makes costly.)
    const state = log as unknown as Record<symbol, string>;
    const bindings = chindingsOf(log);
    state[chindingsSym] = bindings + fields;
    try {
      if (failed) log.error('invocation failed');
      else log.info('invocation completed');
    } finally {
      state[chindingsSym] = bindings;
    }
    return;
  }
  const line: Record<string, unknown> = { outcome, durationMs };
  if (http !== undefined) {
    line.method = http.method;
    line.route = route;
    line.status = status;
  }
  if (messageId !== undefined) line.messageId = messageId;
  if (errorType !== undefined) line.errorType = errorType;
  if (cancelled) line.cancelled = true;
  if (failed) log.error(line, 'invocation failed');
  else log.info(line, 'invocation completed');
}

/** The content stream of an http answer, when it has one. */
function streamOf(result: unknown): ReadableStream<Uint8Array> | undefined {
  const stream = typeof result === 'object' && result !== null ? (result as HttpResponse).stream : undefined;
  return stream instanceof ReadableStream ? stream : undefined;
}

function isHttpRequest(kind: Kind, event: unknown): event is HttpRequest {
  return kind === 'http' && typeof event === 'object' && event !== null && 'method' in event;
}

/**
 * Replaces `ctx.log` with a pino child bound to `requestId`, `functionName`, `cloud`,
 * `coldStart` and the trace id, and logs one summary line per invocation (`outcome`, `status`
 * for http, `durationMs`, `coldStart`). A streamed answer (`http({ stream: true })`) is
 * summarised when its stream settles: after the last chunk, at `error` when its producer fails,
 * and with its head's outcome and `cancelled: true` when the client leaves. A handler that rejects
 * with the abort `ctx.signal` gets when the client leaves before any answer is summarised
 * likewise, at `info` with `cancelled: true`, and with no `status`, none being sent. Lines are
 * written for the host: Lambda JSON (`level` upper-case, `requestId`), Cloud Logging (`severity`,
 * `message`, `logging.googleapis.com/trace`), Azure (through the `InvocationContext` log
 * methods), plain JSON lines on Node. Put it after
 * `tracing()` so lines carry the invocation span's ids; without it the caller's trace id is used.
 * Options are checked here: an unknown option name (`redactPaths` for `redact`), an unknown
 * `level` or `format`, a value of the wrong type, or a `redact` path pino cannot parse, throws
 * `SkyportError('INVALID_DEFINITION')` when the function is defined.
 *
 * @example
 * export const createOrder = http({ method: 'POST', path: '/orders', body: Order })
 *   .use(logger({ level: 'debug', redact: ['body.card'] }))
 *   .handle(async (req, ctx) => {
 *     ctx.log.info({ sku: req.body.sku }, 'creating order');
 *     return { status: 201, body: await orders.create(req.body) };
 *   });
 */
export function logger(options: LoggerOptions = {}): Middleware<Kind, { log: LevelledLogger }> {
  checkLoggerOptions(options);
  const roots = new Map<Exclude<LogFormat, 'auto'>, PinoLogger>();
  const level = levelOf(options.level);
  const formatOption = formatOptionOf(options.format);
  checkRedact(options.redact);
  const summary = options.summary ?? true;
  // An empty value (a variable passed on unset) names no project: `projects//traces/…` links nothing.
  const project = options.gcpProject || process.env.GOOGLE_CLOUD_PROJECT || process.env.GCLOUD_PROJECT || undefined;
  // Configured redaction paths may match a bound key: those invocations go through pino's own
  // `child()`, which applies them; otherwise the bindings are serialised here.
  const pinoChildren = options.redact !== undefined && options.redact.length > 0;
  const rootFor = (format: Exclude<LogFormat, 'auto'>): PinoLogger => {
    let root = roots.get(format);
    if (root === undefined) {
      root = pinoFor(format, options, level);
      roots.set(format, root);
    }
    return root;
  };
  // `functionName` and `cloud` are the same for every invocation of a function: serialised once
  // into a per-function child, so each invocation only binds what changes. The last one used is
  // kept aside: a function instance almost always serves one function.
  const functions = new Map<string, FunctionLogger>();
  let last: FunctionLogger | undefined;
  const functionLogger = (format: Exclude<LogFormat, 'auto'>, ctx: Context): FunctionLogger => {
    if (last !== undefined && last.format === format && last.cloud === ctx.cloud && last.name === ctx.functionName) {
      return last;
    }
    const key = `${format} ${ctx.cloud} ${ctx.functionName}`;
    let entry = functions.get(key);
    if (entry === undefined) {
      const log = rootFor(format).child({ functionName: ctx.functionName, cloud: ctx.cloud });
      entry = { format, cloud: ctx.cloud, name: ctx.functionName, log, chindings: chindingsOf(log) };
      functions.set(key, entry);
    }
    last = entry;
    return entry;
  };
  /**
   * The invocation's logger. What pino's `child()` does for a child without options (a new
   * object over its parent holding the serialised bindings), without its generic per-key
   * serialisation: that cost a pino child per invocation a noticeable share of a small handler.
   */
  const invocationLogger = (event: unknown, ctx: Context, format: Exclude<LogFormat, 'auto'>): PinoLogger => {
    const fn = functionLogger(format, ctx);
    if (pinoChildren) return fn.log.child(bindingsFor(event, ctx, format, project));
    const child = Object.create(fn.log) as PinoLogger;
    (child as unknown as Record<symbol, string>)[chindingsSym] =
      fn.chindings + chindingsFor(event, ctx, format, project);
    return child;
  };

  const observe = async (
    event: unknown,
    ctx: Context,
    next: () => Promise<MiddlewareResult<Kind>>,
    child: PinoLogger,
    azure: AzureRoute | undefined,
  ): Promise<MiddlewareResult<Kind>> => {
    const started = summary ? performance.now() : 0;
    const http = summary && isHttpRequest(ctx.kind, event) ? event : undefined;
    const messageId = summary && http === undefined ? messageIdOf(event, ctx) : undefined;
    let streamed = false;
    try {
      const result = await next();
      const status = http && (result as HttpResponse).status;
      const failed = status !== undefined && status >= 500;
      const stream = ctx.kind === 'http' ? streamOf(result) : undefined;
      // A streamed answer's invocation lasts until its content is sent: its summary is written
      // then, unless it is a HEAD answer, whose stream is never read.
      const later = stream !== undefined && http !== undefined && http.method !== 'HEAD';
      if (summary && !later) {
        summarise(child, http, messageId, started, performance.now(), status, failed, undefined, !pinoChildren);
      }
      if (stream === undefined || (!later && azure === undefined)) return result;
      streamed = true;
      const head = performance.now();
      const settled = settledWith(stream, (end) => {
        if (later) {
          // Dropped unread, the answer ended with its head, as a HEAD answer does. A client
          // that leaves is no failure of the function: the head's outcome stands.
          const threw = typeof end === 'object';
          summarise(
            child,
            http,
            undefined,
            started,
            end === 'abandoned' ? head : performance.now(),
            status,
            failed || threw,
            threw ? end.error : undefined,
            !pinoChildren,
            end === 'cancelled',
          );
        }
        if (azure !== undefined) releaseSoon(azure);
      });
      return { ...(result as HttpResponse), stream: settled };
    } catch (error) {
      if (summary && http !== undefined && abortedByClient(error, ctx)) {
        // The client left before the answer, which no one receives (no status is sent): no failure
        // of the function, as for a streamed answer the client leaves.
        summarise(child, http, messageId, started, performance.now(), undefined, false, undefined, !pinoChildren, true);
      } else if (summary) {
        const status = http && answeredStatus(error);
        // Whether the handler threw, not what: `throw undefined` and `Promise.reject()` fail too.
        const failed = status === undefined || status >= 500;
        summarise(child, http, messageId, started, performance.now(), status, failed, error, !pinoChildren);
      }
      throw error;
    } finally {
      if (azure !== undefined && !streamed) releaseSoon(azure);
    }
  };

  return createMiddleware<Kind, { log: LevelledLogger }>({
    name: 'logger',
    handle(event, ctx, next) {
      // `log` is added by replacing `ctx.log` below, not through `next()`.
      const proceed = next as unknown as () => Promise<MiddlewareResult<Kind>>;
      const format = formatOf(formatOption, ctx.cloud);
      const child = invocationLogger(event, ctx, format);
      const azure = format === 'azure' && isAzureSink(ctx.raw) ? new AzureRoute(ctx.raw) : undefined;
      // The invocation's own stream, which children made of `ctx.log` inherit.
      if (azure !== undefined) (child as unknown as Record<symbol, unknown>)[streamSym] = azure;
      ctx.log = child;
      // Nothing to do after the handler: no async frame of our own.
      if (!summary && azure === undefined) return proceed();
      return observe(event, ctx, proceed, child, azure);
    },
  });
}
