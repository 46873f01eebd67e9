/** `collectLogs()`: captures every line Skyport logs (built-in logger and `logger()` middleware). */
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

/** The collectors not yet stopped, oldest first. */
const live: Capture[] = [];
/** The destination before the router took over, and how to put the router's predecessor back. */
let installed: { readonly previous: LogDestination; readonly release: () => void } | undefined;

/**
 * The one process-wide destination while any collector runs: a line goes to the newest
 * collector still running, else where lines went before the first one started.
 */
const router: LogDestination = {
  write(chunk: string) {
    (live.at(-1) ?? installed?.previous)?.write(chunk);
  },
};

function start(capture: Capture): void {
  // The router is installed on top of whatever destination is current (another may have been
  // set since the router last was).
  if (getLogDestination() !== router) {
    installed = { previous: getLogDestination(), release: setLogDestination(router) };
  }
  live.push(capture);
}

function stop(capture: Capture): void {
  if (!capture.live) return;
  capture.live = false;
  live.splice(live.indexOf(capture), 1);
  if (live.length > 0 || installed === undefined) return;
  // Replaced meanwhile by someone else: theirs stays in place; when they put the router back, it
  // forwards to the destination from before.
  if (getLogDestination() !== router) return;
  installed.release();
  installed = undefined;
}

/**
 * Starts capturing log lines until `restore()` is called. Every line goes to the newest
 * collector still running, so one collector per test (in the test, or in `beforeEach` with
 * `restore()` in `afterEach`) sees that test's lines; the destination is process-wide, so tests
 * running concurrently (`it.concurrent`) share it and should not each collect. Collectors may be
 * restored in any order.
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
