/**
 * `collectLogs()`: captures the lines Skyport logs (built-in logger and `logger()` middleware),
 * each collector those of its own test.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { getLogDestination, type LogDestination, setLogDestination } from '@skyport/core';

/** One captured log line, parsed. */
export type LogLine = Record<string, unknown>;

/** Captured logs. */
export interface LogCollector {
  /** Every line so far, parsed from JSON (a non-JSON line is kept as `{ msg }`). */
  readonly lines: LogLine[];
  /** Every line so far, as written. */
  readonly text: () => string;
  /**
   * The lines whose message includes `text` (`msg`, or `message` in the AWS and GCP formats of
   * `logger()`), or that match a predicate.
   */
  find(match: string | ((line: LogLine) => boolean)): LogLine[];
  /**
   * Stops capturing. Once every collector is stopped, lines go where they went before the first
   * one started; a stopped collector never receives a line again, whatever the order of calls.
   */
  restore(): void;
}

/** A running collector. */
interface Capture {
  live: boolean;
  write(chunk: string): void;
}

/** The collector started in the current async flow (a test and what it awaits or invokes). */
const scope = new AsyncLocalStorage<Capture>();
/** The collectors not yet stopped, oldest first. */
const live: Capture[] = [];
/** The destination before the first collector started, and how to put it back. */
let installed: { readonly previous: LogDestination; readonly release: () => void } | undefined;

/**
 * The one process-wide destination while any collector runs: a line goes to the collector of
 * the flow that wrote it, else to the newest running collector, else where lines went before.
 */
const router: LogDestination = {
  write(chunk: string) {
    const own = scope.getStore();
    const target = own?.live ? own : (live.at(-1) ?? installed?.previous);
    target?.write(chunk);
  },
};

function start(capture: Capture): void {
  if (installed === undefined) {
    const previous = getLogDestination();
    installed = { previous, release: setLogDestination(router) };
  }
  live.push(capture);
  // For the rest of this flow: what the test awaits and invokes after this call writes here,
  // and a concurrent test's flow keeps its own collector.
  scope.enterWith(capture);
}

function stop(capture: Capture): void {
  if (!capture.live) return;
  capture.live = false;
  live.splice(live.indexOf(capture), 1);
  if (live.length > 0 || installed === undefined) return;
  // Replaced meanwhile by someone else: leave theirs in place; the router, if they put it
  // back, forwards to the previous destination.
  if (getLogDestination() === router) installed.release();
  installed = undefined;
}

/**
 * Starts capturing log lines until `restore()` is called. A collector receives the lines
 * written in the async flow that started it (the test, and everything it awaits and invokes
 * afterwards), so tests run with `it.concurrent` each see their own lines when each collects;
 * a line written outside any collecting flow (a hook, a timer started before) goes to the newest
 * collector still running. Collectors may be restored in any order.
 *
 * @example
 * const logs = collectLogs();
 * try {
 *   await invoke(fn, httpRequest());
 *   expect(logs.find('500 Internal Server Error')).toHaveLength(1);
 * } finally {
 *   logs.restore();
 * }
 */
export function collectLogs(): LogCollector {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  let pending = '';
  const capture: Capture = {
    live: true,
    write(chunk: string) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') {
          raw.push(line);
          try {
            lines.push(JSON.parse(line) as LogLine);
          } catch {
            lines.push({ msg: line });
          }
        }
        newline = pending.indexOf('\n');
      }
    },
  };
  start(capture);
  return {
    lines,
    text: () => raw.join('\n'),
    find: (match) =>
      lines.filter((line) =>
        typeof match === 'string' ? String(line.msg ?? line.message ?? '').includes(match) : match(line),
      ),
    restore: () => stop(capture),
  };
}
