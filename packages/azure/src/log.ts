/**
 * `ctx.log` on Azure: a pino-compatible logger whose lines go to the `InvocationContext` log
 * methods (`trace`, `debug`, `info`, `warn`, `error`), so the host tags them with the invocation
 * and Application Insights correlates them. Each line is one JSON object, as on the other clouds.
 */
import { createJsonLogger, type LogFn, type Logger } from '@skyport/core';

/** The log methods of an `InvocationContext`. */
export interface InvocationLog {
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
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

/**
 * The logger every context gets: the real one is built on first use, since most invocations of
 * a healthy function never log.
 */
class LazyInvocationLogger implements Logger {
  readonly #target: InvocationLog;
  readonly #bindings: Record<string, unknown>;
  readonly #level: string | undefined;
  #real: Logger | undefined;

  constructor(target: InvocationLog, bindings: Record<string, unknown>, level: string | undefined) {
    this.#target = target;
    this.#bindings = bindings;
    this.#level = level;
  }

  #logger(): Logger {
    const target = this.#target;
    // The level is read when something first logs: most invocations never do.
    this.#real ??= createJsonLogger(this.#bindings, this.#level ?? process.env.LOG_LEVEL, (line, level) => {
      if (level === 'fatal') target.error(line);
      else target[level](line);
    });
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
  level?: string,
): Logger {
  return new LazyInvocationLogger(target, bindings, level);
}
