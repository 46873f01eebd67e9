/** `collectLogs()`: captures every line Skyport logs (built-in logger and `logger()` middleware). */
import { setLogDestination } from '@skyport/core';

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
  /** Stops capturing and restores the previous destination. */
  restore(): void;
}

/**
 * Starts capturing log lines until `restore()` is called.
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
  const restore = setLogDestination({
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
  });
  return {
    lines,
    text: () => raw.join('\n'),
    find: (match) =>
      lines.filter((line) =>
        typeof match === 'string' ? String(line.msg ?? line.message ?? '').includes(match) : match(line),
      ),
    restore,
  };
}
