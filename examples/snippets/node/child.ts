/** Runs a TypeScript entry file in a child process, as `node --import tsx <file>` would, for the tests here. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A running child: its output so far, and how to wait for it. */
export interface Child {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once `pattern` appears on stdout (or stderr). */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal that ended it). */
  exited(): Promise<number | NodeJS.Signals | null>;
}

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * Starts `node --import tsx <file>` (a path from the repository root) with `env` added, on a
 * free loopback port unless `env` says otherwise.
 *
 * @example
 * const child = run('examples/orders/node.ts');
 * const [, port] = await child.waitFor(/:(\d+)\n/);
 */
export function run(file: string, env: Readonly<Record<string, string>> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | NodeJS.Signals | null>((resolve) => {
    proc.on('close', (code, signal) => resolve(code ?? signal));
  });
  return {
    process: proc,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        const source = stream === 'stdout' ? proc.stdout : proc.stderr;
        const check = () => {
          const match = (stream === 'stdout' ? out : err).match(pattern);
          if (match) {
            source.off('data', check);
            resolve(match);
          }
        };
        source.on('data', check);
        void exit.then((code) => reject(new Error(`exited (${code}) before ${pattern}: ${out}${err}`)));
        check();
      }),
    exited: () => exit,
  };
}
