/**
 * Graceful shutdown for containers: on SIGTERM (what Cloud Run, Knative, Kubernetes and
 * `docker stop` send) stop accepting connections, let in-flight requests finish, then exit 0.
 */
import type { GracefulShutdownOptions, ServeHandle } from './types.js';

/**
 * Closes `server` gracefully on the given signals (default SIGTERM and SIGINT), then exits with
 * code 0. A second signal while draining exits at once with code 1, unless it comes within
 * `repeatWindowMs` of the first: then it is the same signal delivered twice (the terminal's and a
 * parent's) and is ignored. Returns a function that removes the handlers.
 *
 * @example
 * const server = await serve(functions);
 * gracefulShutdown(server);
 */
export function gracefulShutdown(
  server: Pick<ServeHandle, 'close' | 'inflight'>,
  options: GracefulShutdownOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const repeatWindowMs = options.repeatWindowMs ?? 0;
  let draining = false;
  let first = 0;
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
    server.close().then(
      () => {
        print('skyport: stopped');
        if (options.exit ?? true) process.exit(0);
      },
      (error: unknown) => {
        print(`skyport: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        if (options.exit ?? true) process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
