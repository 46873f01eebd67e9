/**
 * Graceful shutdown for containers: on SIGTERM (what Cloud Run, Knative, Kubernetes and
 * `docker stop` send) stop accepting connections, let in-flight requests finish, flush telemetry,
 * then exit 0.
 */
import { constants } from 'node:os';
import { checkOptions, SkyportError } from '@skyport/core';
import type { GracefulShutdownOptions, ServeHandle } from './types.js';

/** The default time `beforeExit` and the telemetry flush have, from the signal: Cloud Run kills at 10 s. */
const DEFAULT_GRACE_MS = 9_500;

/** The largest delay of a Node timer (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what was registered with it: the tracer
 * provider (a proxy whose delegate is the SDK's) and the meter provider. Read here rather than
 * through the API, which `@skyport/node` does not depend on and which a process without an SDK
 * need not load.
 */
const apiGlobals = Symbol.for('opentelemetry.js.api.1');

/**
 * Where `@opentelemetry/api-logs` keeps the registered logger provider: a getter taking the
 * version of that API's global (1).
 */
const logsGlobal = Symbol.for('io.opentelemetry.js.api.logs');

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | null | undefined)?.forceFlush === 'function';
}

/** The OpenTelemetry providers registered in this process that can be flushed; none without an SDK. */
function registeredProviders(): Flushable[] {
  const global = globalThis as unknown as Record<symbol, unknown>;
  const providers: unknown[] = [];
  const api = global[apiGlobals] as { readonly trace?: unknown; readonly metrics?: unknown } | undefined;
  if (api !== undefined && api !== null) {
    const proxy = api.trace as { getDelegate?: () => unknown } | undefined;
    providers.push(typeof proxy?.getDelegate === 'function' ? proxy.getDelegate() : proxy, api.metrics);
  }
  const logs = global[logsGlobal];
  if (typeof logs === 'function') providers.push(logs(1));
  return [...new Set(providers.filter(isFlushable))];
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every option `gracefulShutdown()` takes: a name not here is refused, not ignored. */
const SHUTDOWN_OPTIONS = Object.keys({
  signals: true,
  exit: true,
  print: true,
  repeatWindowMs: true,
  beforeExit: true,
  graceMs: true,
} satisfies Record<keyof GracefulShutdownOptions, true>);

function refuse(message: string): never {
  throw new SkyportError('INVALID_DEFINITION', `gracefulShutdown(): ${message}`, { adapter: 'node' });
}

/** How a refusal shows a value it was given: a string quoted, so `"250"` is not read as 250. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** A duration option: a whole number of milliseconds, at least 0, else `fallback` when not given. */
function millisecondsOf(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    refuse(`${name} must be an integer of at least 0, got ${shown(value)}`);
  }
  return value as number;
}

/**
 * The signals to handle: names Node knows. A misspelt one (`SIGTREM`), or one string where the
 * list was meant, would be listened for and never come, and the server be killed undrained.
 */
/**
 * Signal names of other platforms that Node.js takes a listener for everywhere (one that never
 * fires where the signal does not exist): `SIGBREAK` (Ctrl+Break on Windows), `SIGINFO`, `SIGLOST`,
 * so a list written for both Windows and Linux works on each.
 */
const otherPlatforms: ReadonlySet<string> = new Set([
  'SIGBREAK',
  'SIGINFO',
  'SIGLOST',
  'SIGPWR',
  'SIGSTKFLT',
  'SIGUNUSED',
]);

function signalsOf(value: unknown): readonly NodeJS.Signals[] {
  if (value === undefined) return ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(value)) refuse(`signals must be an array of signal names, got ${shown(value)}`);
  for (const signal of value as unknown[]) {
    if (typeof signal !== 'string' || !(Object.hasOwn(constants.signals, signal) || otherPlatforms.has(signal))) {
      refuse(`signals: ${shown(signal)} is not a signal name (SIGTERM, SIGINT...)`);
    }
  }
  return value as NodeJS.Signals[];
}

/** Refuses an option given (not `undefined`) with a value of another type than `type`. */
function ofType(name: string, value: unknown, type: 'boolean' | 'function', what: string): void {
  if (value !== undefined && typeof value !== type) refuse(`${name} must be ${what}, got ${shown(value)}`);
}

/**
 * Closes `server` gracefully on the given signals (default SIGTERM and SIGINT), runs
 * `beforeExit` and flushes the OpenTelemetry providers registered in this process (spans and
 * metrics still in the SDK's buffers), then exits with code 0. The hook and the flush have until
 * `graceMs` (default 9 500) after the signal; one that fails or overruns is reported and the
 * process exits anyway. A second signal while draining exits at once with code 1, unless it
 * comes within `repeatWindowMs` of the first: then it is the same signal delivered twice (the
 * terminal's and a parent's) and is ignored. Returns a function that removes the handlers.
 *
 * @example
 * const server = await serve(functions);
 * gracefulShutdown(server, { beforeExit: () => pool.end() });
 */
export function gracefulShutdown(
  server: Pick<ServeHandle, 'close' | 'inflight'>,
  options: GracefulShutdownOptions = {},
): () => void {
  checkOptions('gracefulShutdown()', options, SHUTDOWN_OPTIONS, { adapter: 'node' });
  const signals = signalsOf(options.signals);
  ofType('exit', options.exit, 'boolean', 'true or false');
  ofType('print', options.print, 'function', 'a function');
  ofType('beforeExit', options.beforeExit, 'function', 'a function');
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const repeatWindowMs = millisecondsOf('repeatWindowMs', options.repeatWindowMs, 0);
  const graceMs = millisecondsOf('graceMs', options.graceMs, DEFAULT_GRACE_MS);
  let draining = false;
  let first = 0;

  /** Runs the hook, then flushes telemetry, until the grace is over; resolves either way. */
  const windUp = (): Promise<void> => {
    let stage = 'beforeExit';
    let over = false;
    const report = (line: string) => {
      if (!over) print(line);
    };
    const run = async () => {
      if (options.beforeExit !== undefined) {
        try {
          await options.beforeExit();
        } catch (error) {
          report(`skyport: beforeExit failed: ${reason(error)}`);
        }
      }
      // Only what an SDK registered is flushed, and nothing is loaded for it.
      stage = 'telemetry flush';
      try {
        const providers = registeredProviders();
        const results = await Promise.allSettled(providers.map(async (provider) => provider.forceFlush()));
        for (const result of results) {
          if (result.status === 'rejected') report(`skyport: telemetry flush failed: ${reason(result.reason)}`);
        }
      } catch (error) {
        report(`skyport: telemetry flush failed: ${reason(error)}`);
      }
    };
    const left = Math.min(MAX_TIMER_MS, Math.max(0, graceMs - (Date.now() - first)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Kept referenced: the process stays up for the hook even if nothing else holds it.
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        over = true;
        print(`skyport: ${stage} still running ${graceMs} ms after the signal, exiting`);
        resolve();
      }, left);
    });
    return Promise.race([run(), deadline]).finally(() => clearTimeout(timer));
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      // One Ctrl+C reaches every process of the terminal's group: this one, and a parent that
      // passes it on (`skyport serve app.ts` under tsx, `skyport dev`). What arrives within the
      // window is the same keypress, not a second one.
      if (Date.now() - first < repeatWindowMs) return;
      print(`skyport: ${signal} again, exiting now`);
      process.exit(1);
    }
    draining = true;
    first = Date.now();
    const count = server.inflight;
    print(`skyport: ${signal} received, finishing ${count} in-flight request${count === 1 ? '' : 's'}`);
    // The exit code tells whether the server stopped cleanly; what the hook or the flush did is
    // printed, not a failure of the service (a collector out of reach must not fail a stop).
    const finish = (code: number) =>
      windUp().then(() => {
        if (options.exit ?? true) process.exit(code);
      });
    server.close().then(
      () => {
        print('skyport: stopped');
        return finish(0);
      },
      (error: unknown) => {
        print(`skyport: shutdown failed: ${reason(error)}`);
        return finish(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
