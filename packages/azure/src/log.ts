/**
 * `ctx.log` on Azure: a pino-compatible logger whose lines go to the `InvocationContext` log
 * methods (`trace`, `debug`, `info`, `warn`, `error`), so the host tags them with the invocation
 * and Application Insights correlates them. Each line is one JSON object, as on the other clouds.
 */
import type { LogFn, Logger } from '@skyport/core';

/** The log methods of an `InvocationContext`. */
export interface InvocationLog {
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof levels;

function serialiseError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause instanceof Error) out.cause = serialiseError(error.cause);
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return serialiseError(value);
  return typeof value === 'bigint' ? value.toString() : value;
}

function format(msg: string, args: unknown[]): string {
  if (args.length === 0) return msg;
  let i = 0;
  return msg.replace(/%[sdjoO%]/g, (token) => {
    if (token === '%%') return '%';
    if (i >= args.length) return token;
    const arg = args[i++];
    return typeof arg === 'string' ? arg : (safeJson(arg) ?? String(arg));
  });
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, replacer);
  } catch {
    return undefined;
  }
}

/**
 * Whether an object has the `InvocationContext` log methods.
 *
 * @example
 * hasInvocationLog(new InvocationContext()); // true
 */
export function hasInvocationLog(value: unknown): value is InvocationLog {
  const candidate = value as Partial<InvocationLog> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.info === 'function' &&
    typeof candidate.warn === 'function' &&
    typeof candidate.error === 'function' &&
    typeof candidate.debug === 'function' &&
    typeof candidate.trace === 'function'
  );
}

class InvocationLogger implements Logger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;
  readonly #target: InvocationLog;
  readonly #bindings: Record<string, unknown>;
  readonly #threshold: number;

  constructor(target: InvocationLog, bindings: Record<string, unknown>, threshold: number) {
    this.#target = target;
    this.#bindings = bindings;
    this.#threshold = threshold;
    this.trace = this.#method('trace', 'trace');
    this.debug = this.#method('debug', 'debug');
    this.info = this.#method('info', 'info');
    this.warn = this.#method('warn', 'warn');
    this.error = this.#method('error', 'error');
    this.fatal = this.#method('fatal', 'error');
  }

  #method(level: Level, sink: keyof InvocationLog): LogFn {
    if (levels[level] < this.#threshold) return () => {};
    return ((first: unknown, ...rest: unknown[]) => {
      const line: Record<string, unknown> = { level, time: Date.now(), ...this.#bindings };
      if (typeof first === 'string') line.msg = format(first, rest);
      else if (first instanceof Error) {
        line.err = first;
        line.msg = typeof rest[0] === 'string' ? format(rest[0], rest.slice(1)) : first.message;
      } else {
        if (typeof first === 'object' && first !== null) Object.assign(line, first);
        if (typeof rest[0] === 'string') line.msg = format(rest[0], rest.slice(1));
      }
      this.#target[sink](safeJson(line) ?? String(line.msg ?? ''));
    }) as LogFn;
  }

  child(bindings: Record<string, unknown>): Logger {
    return new InvocationLogger(this.#target, { ...this.#bindings, ...bindings }, this.#threshold);
  }
}

/**
 * The logger every context gets: the real one is built on first use, since most invocations of
 * a healthy function never log.
 */
class LazyInvocationLogger implements Logger {
  readonly #target: InvocationLog;
  readonly #bindings: Record<string, unknown>;
  readonly #threshold: number;
  #real: Logger | undefined;

  constructor(target: InvocationLog, bindings: Record<string, unknown>, threshold: number) {
    this.#target = target;
    this.#bindings = bindings;
    this.#threshold = threshold;
  }

  #logger(): Logger {
    this.#real ??= new InvocationLogger(this.#target, this.#bindings, this.#threshold);
    return this.#real;
  }

  get trace(): LogFn {
    return this.#logger().trace;
  }
  get debug(): LogFn {
    return this.#logger().debug;
  }
  get info(): LogFn {
    return this.#logger().info;
  }
  get warn(): LogFn {
    return this.#logger().warn;
  }
  get error(): LogFn {
    return this.#logger().error;
  }
  get fatal(): LogFn {
    return this.#logger().fatal;
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.#logger().child(bindings);
  }
}

/**
 * A logger writing JSON lines to an `InvocationContext`, with the level from `LOG_LEVEL`
 * (default `info`); the host's `logging.logLevel` filters again.
 *
 * @example
 * const log = createInvocationLogger(context, { requestId: context.invocationId });
 * log.info({ orderId }, 'order created'); // context.info('{"level":"info",...,"msg":"order created"}')
 */
export function createInvocationLogger(
  target: InvocationLog,
  bindings: Record<string, unknown> = {},
  level = process.env.LOG_LEVEL,
): Logger {
  const threshold = levels[(level?.toLowerCase() ?? 'info') as Level] ?? levels.info;
  return new LazyInvocationLogger(target, bindings, threshold);
}
