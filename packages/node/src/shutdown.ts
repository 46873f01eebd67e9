/**
 * Graceful shutdown for containers: on SIGTERM (what Cloud Run, Knative, Kubernetes and
 * `docker stop` send) stop accepting connections, let in-flight requests finish, run the
 * `beforeExit` hook, then exit 0.
 */
import { SkyportError } from '@skyport/core';
import type { GracefulShutdownOptions, ServeHandle } from './types.js';

/** The default time `beforeExit` has, from the signal: Cloud Run kills at 10 s. */
const DEFAULT_GRACE_MS = 9_500;

/** The largest delay of a Node timer (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The grace: a whole number of milliseconds, at least 0. */
function graceOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_GRACE_MS;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `gracefulShutdown(): graceMs must be an integer of at least 0, got ${value}`,
      {
        adapter: 'node',
      },
    );
  }
  return value;
}

/**
 * Closes `server` gracefully on the given signals (default SIGTERM and SIGINT), runs
 * `beforeExit`, then exits with code 0. The hook has until `graceMs` (default 9 500) after the
 * signal; one that fails or overruns is reported and the process exits anyway. A second signal while draining exits at once with code 1, unless it
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
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const repeatWindowMs = options.repeatWindowMs ?? 0;
  const graceMs = graceOf(options.graceMs);
  let draining = false;
  let first = 0;

  /** Runs the hook until the grace is over; resolves either way. */
  const windUp = (): Promise<void> => {
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
    };
    const left = Math.min(MAX_TIMER_MS, Math.max(0, graceMs - (Date.now() - first)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Kept referenced: the process stays up for the hook even if nothing else holds it.
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        over = true;
        print(`skyport: beforeExit still running ${graceMs} ms after the signal, exiting`);
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
    // The exit code tells whether the server stopped cleanly; what the hook did is
    // printed, not a failure of the service.
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
