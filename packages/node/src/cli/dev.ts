/**
 * `skyport dev`: runs `skyport serve` in a child process and restarts it when a watched file
 * changes. A child process (rather than re-importing) guarantees a clean module graph on every
 * reload, and the old server has drained and released the port before the new one starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type FSWatcher, statSync, watch } from 'node:fs';
import { relative } from 'node:path';
import { isTypeScript, tsxInFlags, typeScriptEnv } from './load.js';

/** What `dev` needs to know. */
export interface DevOptions {
  /** The module, as an absolute path. */
  readonly module: string;
  /** Folders to watch (recursively). */
  readonly watch: readonly string[];
  /** Flags passed on to `serve`. */
  readonly serveArgs: readonly string[];
  /** The CLI script to run the child with. */
  readonly script: string;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const ignored = /(?:^|[/\\])(?:node_modules|\.git|dist|coverage)(?:[/\\]|$)/;

/**
 * The files whose change restarts the server: source and configuration. Not what the server or an
 * editor writes next to them (a log file, a SQLite journal, `.functions.ts.swp`). `dev` reads no
 * `.env`: the server's environment is the one `dev` was started with.
 */
const watched = /\.(?:[cm]?[jt]s|[jt]sx|json)$/;

/**
 * Serves `module` and restarts on changes until SIGINT/SIGTERM; resolves to the exit code.
 *
 * @example
 * process.exitCode = await dev({ module, watch: [dirname(module)], serveArgs: ['--port', '3000'], script });
 */
export function dev(options: DevOptions): Promise<number> {
  // TypeScript: each server registers tsx itself, unless it runs with it already (from the flags).
  const env =
    isTypeScript(options.module) && !tsxInFlags()
      ? { ...process.env, ...typeScriptEnv() }
      : { ...process.env, SKYPORT_TSX: '' };
  const args = [...process.execArgv, options.script, 'serve', options.module, ...options.serveArgs];
  let child: ChildProcess | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopping = false;
  const watchers: FSWatcher[] = [];
  let restart: (file: string) => void = () => {};

  const start = () => {
    const current = spawn(process.execPath, args, { stdio: 'inherit', env });
    child = current;
    current.on('exit', (code, signal) => {
      if (child === current) child = undefined;
      // A server dev stopped itself (to restart, or to exit) is no news; any other end is.
      if (stopping || current.killed) return;
      if (signal !== null) {
        process.stderr.write(`skyport dev: the server was killed by ${signal}; waiting for a change\n`);
      } else if (code !== 0) {
        process.stderr.write(`skyport dev: the server exited with code ${code}; waiting for a change\n`);
      }
    });
  };

  const stopChild = (): Promise<void> =>
    new Promise((resolve) => {
      const current = child;
      if (current === undefined || current.exitCode !== null) {
        resolve();
        return;
      }
      current.once('exit', () => resolve());
      // Once: a second SIGTERM while it drains would make it exit at once, cutting requests.
      if (!current.killed) current.kill('SIGTERM');
    });

  const unwatch = () => {
    for (const watcher of watchers.splice(0)) watcher.close();
  };

  /**
   * Watches the folders anew. Called again on every restart: an editor that saves by writing a
   * new file and renaming it over the old one (as `sed -i` does) replaces the file node watched,
   * and Node's recursive watcher on Linux would not see the next change to that file.
   */
  const arm = () => {
    unwatch();
    for (const dir of options.watch) {
      const inside = relative(process.cwd(), dir);
      const shown = inside.startsWith('..') ? dir : inside || '.';
      let watcher: FSWatcher;
      try {
        // Whether it is there, asked first: Node 24 watches a missing folder without a word (a
        // watcher that never fires), where Node 20 and 22 throw this same ENOENT.
        statSync(dir);
        watcher = watch(dir, { recursive: true }, (_event, filename) => {
          const name = filename?.toString() ?? '';
          if (name === '' || ignored.test(name) || !watched.test(name)) return;
          restart(relative(process.cwd(), `${dir}/${name}`));
        });
      } catch (error) {
        // Gone since it was last watched: the others still are, and it is tried again on the
        // next restart.
        process.stderr.write(`skyport dev: cannot watch ${shown} (${reason(error)}); watching the rest\n`);
        continue;
      }
      // A folder removed while watched ends its watcher with an error, which must not end dev.
      watcher.on('error', (error) => {
        watcher.close();
        process.stderr.write(`skyport dev: stopped watching ${shown} (${reason(error)}); watching the rest\n`);
      });
      watchers.push(watcher);
    }
  };

  return new Promise((resolve) => {
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      unwatch();
      await stopChild();
      resolve(code);
    };

    // One restart at a time: two would each start a server once the old one is gone, the second
    // failing on the port, and dev would lose track of the one left running. A change during a
    // restart (the old server draining) is remembered and restarts once more after it.
    let restarting = false;
    let changed: string | undefined;
    const reload = async (file: string) => {
      restarting = true;
      try {
        process.stderr.write(`skyport dev: ${file} changed, restarting\n`);
        arm();
        await stopChild();
        if (!stopping) start();
      } catch (error) {
        // Never leave the server running, holding its port, behind a dev that is gone.
        process.stderr.write(`skyport dev: restart failed: ${reason(error)}\n`);
        await stop(1);
      } finally {
        restarting = false;
      }
      if (changed !== undefined && !stopping) restart(changed);
    };

    restart = (file: string) => {
      if (restarting) {
        changed = file;
        return;
      }
      changed = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        void reload(file);
      }, 100);
    };

    // Whatever ends this process, even an error nothing caught, the server goes with it.
    process.once('exit', () => child?.kill('SIGTERM'));
    arm();
    process.once('SIGINT', () => stop(0));
    process.once('SIGTERM', () => stop(0));
    start();
  });
}
