/**
 * The `skyport` command line: parses arguments with `node:util` `parseArgs`, runs a command and
 * returns its exit code (0 ok, 1 the invocation failed, 2 bad arguments, an event file included:
 * one that is not JSON or not an event the function takes, or a package the command needs that is
 * not installed: nothing ran).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SkyportError, setLogDestination, skyportErrorOf } from '@skyport/core';
import { AdapterUnavailableError, eventCodes } from '../raw.js';
import { checkServeOptions, serveWith } from '../serve.js';
import { gracefulShutdown } from '../shutdown.js';
import type { ServeHandle, ServeOptions } from '../types.js';
import { dev } from './dev.js';
import { eventSources, sampleEvent } from './events.js';
import { clouds, type InvokeCloud, invokeOnce } from './invoke.js';
import {
  errorLocation,
  functionsOf,
  importModule,
  isTypeScript,
  modulePath,
  pickFunction,
  tsxActive,
  typeScriptEnv,
} from './load.js';
import { help, UsageError } from './usage.js';

/** Where the CLI writes; replaceable for tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** `process.stdout`'s own `write` while `stdoutToStderr()` sends what else is written there to stderr. */
let stdoutWrite: typeof process.stdout.write | undefined;

const stdio: CliIo = {
  out: (text) => (stdoutWrite ?? process.stdout.write).call(process.stdout, text),
  err: (text) => process.stderr.write(text),
};

/**
 * Sends what the module and its functions write to stdout (`console.log`, `console.info`, ...,
 * which write through `process.stdout.write`, and that itself) to stderr, until the function
 * returned is called; the CLI's own output (`stdio.out`) still goes to stdout.
 */
function stdoutToStderr(): () => void {
  // Sent there already, until the process exits.
  if (stdoutWrite !== undefined) return () => {};
  const stdout = process.stdout;
  const own = Object.getOwnPropertyDescriptor(stdout, 'write');
  const write = stdout.write;
  const toStderr = (...args: unknown[]): boolean =>
    (process.stderr.write as (...written: unknown[]) => boolean).apply(process.stderr, args);
  stdoutWrite = write;
  stdout.write = toStderr as typeof stdout.write;
  return () => {
    if (own === undefined) Reflect.deleteProperty(stdout, 'write');
    else Object.defineProperty(stdout, 'write', own);
    if (stdoutWrite === write) stdoutWrite = undefined;
  };
}

/**
 * Sends what is written to stdout to stderr from now until the process exits, the CLI's own
 * output aside. `skyport invoke` needs it past the result: what the function started (a timer, a
 * logger flushing late) can still print while a large result is being written out.
 *
 * @example
 * if (command === 'invoke') stdoutToStderrUntilExit();
 */
export function stdoutToStderrUntilExit(): void {
  stdoutToStderr();
}

/**
 * Resolves once what was written to stdout and stderr before has been handed to the system;
 * stdout's own `write` is used, past `stdoutToStderrUntilExit()`.
 *
 * @example
 * await outputFlushed();
 * process.exit(code);
 */
export function outputFlushed(): Promise<void> {
  const flushed = (stream: NodeJS.WriteStream, write: typeof stream.write) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed || stream.writableEnded) resolve();
      else (write as (chunk: string, done: () => void) => boolean).call(stream, '', () => resolve());
    });
  return Promise.all([
    flushed(process.stdout, stdoutWrite ?? process.stdout.write),
    flushed(process.stderr, process.stderr.write),
  ]).then(() => undefined);
}

/** How soon after a first signal another is the same one delivered twice, not a second Ctrl+C. */
const SAME_SIGNAL_MS = 250;

/** The largest delay of a Node timer (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;
/**
 * What the grace of the telemetry flush (counted from the signal) adds to `--shutdown-timeout`:
 * the margin `gracefulShutdown()`'s default 9 500 ms keeps over `serve()`'s 8 000, past the up to
 * 1 s cut requests take to wind up.
 */
const FLUSH_MARGIN_MS = 1500;
/** How long a `skyport dev` reload lets in-flight requests run before cutting them. */
const DEV_SHUTDOWN_MS = 2000;

const serveOptions = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'body-limit': { type: 'string' },
  'request-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' },
  timeout: { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'no-event-routes': { type: 'boolean' },
  'event-routes': { type: 'boolean' },
  'trust-proxy': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The serve options given as flags (checked: a bad value is a usage error, exit 2). */
function serveFlags(values: {
  port?: string | undefined;
  host?: string | undefined;
  'body-limit'?: string | undefined;
  'request-timeout'?: string | undefined;
  'headers-timeout'?: string | undefined;
  timeout?: string | undefined;
  'keep-alive-timeout'?: string | undefined;
  'shutdown-timeout'?: string | undefined;
  'no-event-routes'?: boolean | undefined;
  'event-routes'?: boolean | undefined;
  'trust-proxy'?: string | undefined;
}): ServeOptions {
  if (values['no-event-routes'] === true && values['event-routes'] === true) {
    throw new UsageError('--event-routes and --no-event-routes contradict each other: give one');
  }
  return {
    port: port(values.port),
    host: values.host,
    bodyLimit: integer(values['body-limit'], '--body-limit'),
    requestTimeoutMs: integer(values['request-timeout'], '--request-timeout'),
    headersTimeoutMs: integer(values['headers-timeout'], '--headers-timeout'),
    // A deadline of 0 would time every request out at once: there is no "0 turns it off" here.
    timeoutMs: integer(values.timeout, '--timeout', Number.MAX_SAFE_INTEGER, 1),
    // Both run on Node timers, which fire at once past their largest delay.
    keepAliveTimeoutMs: integer(values['keep-alive-timeout'], '--keep-alive-timeout', MAX_TIMER_MS),
    shutdownTimeoutMs: integer(values['shutdown-timeout'], '--shutdown-timeout', MAX_TIMER_MS),
    eventRoutes: values['no-event-routes'] === true ? false : values['event-routes'] === true ? true : undefined,
    trustProxy: integer(values['trust-proxy'], '--trust-proxy'),
  };
}

type Options = NonNullable<ParseArgsConfig['options']>;

function parse<const T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function integer(
  value: string | undefined,
  flag: string,
  max = Number.MAX_SAFE_INTEGER,
  min: 0 | 1 = 0,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? '' : ` (${min}-${max})`;
    throw new UsageError(
      `${flag} must be a ${min === 0 ? 'non-negative' : 'positive'} integer${range}, got "${value}"`,
    );
  }
  return n;
}

/** A `--port`: checked here, so a bad one is a usage error (exit 2), not a failed listen. */
function port(value: string | undefined): number | undefined {
  return integer(value, '--port', 65535);
}

/** The version of this package, from its `package.json` (next to `dist/` and to `src/`). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === '@skyport/node' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look one folder up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function one(positionals: readonly string[], what: string, command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `missing ${what}`
        : `"skyport ${command}" takes one ${what}, got: ${positionals.join(' ')}`,
    );
  }
  return positionals[0] as string;
}

/**
 * Re-runs this command under tsx's loader, so a TypeScript module shares the CLI's packages.
 * SIGTERM / SIGINT are passed on, so `skyport serve app.ts` still drains and exits cleanly.
 */
function underTsx(argv: readonly string[]): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) throw new UsageError('cannot find the skyport script to re-run under tsx');
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, ...typeScriptEnv() },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      if (code !== null || signal === null) {
        resolve(code ?? 1);
        return;
      }
      // Killed by another signal than the ones passed on (SIGKILL from the OOM killer): say so,
      // and exit as a shell reports a process that signal killed.
      if (signal !== 'SIGINT' && signal !== 'SIGTERM') {
        process.stderr.write(`skyport: the ${argv[0]} process was killed by ${signal}\n`);
      }
      resolve(128 + (constants.signals[signal] ?? 15));
    });
  });
}

/**
 * `error` as a usage error (exit 2) when it is options `serve()` refuses (a headers timeout above
 * the request timeout, a `PORT` that is no port): bad arguments.
 */
function asUsageError(error: unknown): unknown {
  return error instanceof SkyportError && error.code === 'INVALID_DEFINITION' ? new UsageError(error.message) : error;
}

async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, serveOptions);
  if (values.help) {
    io.out(`${help.serve}\n`);
    return 0;
  }
  const path = modulePath(one(positionals, 'module', 'serve'));
  const flags = serveFlags(values);
  if (isTypeScript(path) && !tsxActive()) return underTsx(['serve', ...args]);
  const functions = functionsOf(await importModule(path));
  if (Object.keys(functions).length === 0) throw new UsageError(`${positionals[0]} exports no Skyport functions`);
  let server: ServeHandle;
  try {
    server = await serveWith(
      functions,
      { ...flags, print: (line) => io.out(`${line}\n`) },
      { bodyLimit: '--body-limit', eventRoutesOff: '--no-event-routes', eventRoutesOn: '--event-routes' },
    );
  } catch (error) {
    throw asUsageError(error);
  }
  // Run from a terminal, under a parent that passes signals on (`skyport serve app.ts` under tsx,
  // `skyport dev`), one Ctrl+C arrives twice, from the terminal and from the parent, at once.
  // A longer drain than the default (Kubernetes' 30 s) leaves the telemetry flush the same margin.
  const graceMs = flags.shutdownTimeoutMs === undefined ? undefined : flags.shutdownTimeoutMs + FLUSH_MARGIN_MS;
  gracefulShutdown(server, { repeatWindowMs: SAME_SIGNAL_MS, graceMs });
  return new Promise<number>(() => {
    // Runs until a signal: gracefulShutdown exits the process.
  });
}

async function devCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    ...serveOptions,
    watch: { type: 'string', short: 'w', multiple: true },
  });
  if (values.help) {
    io.out(`${help.dev}\n`);
    return 0;
  }
  const path = modulePath(one(positionals, 'module', 'dev'));
  // Here, not only in the server: one that refuses its options would exit 2 on every restart, and
  // dev would wait for a change that cannot help.
  try {
    checkServeOptions(serveFlags(values));
  } catch (error) {
    throw asUsageError(error);
  }
  const script = process.argv[1];
  if (script === undefined) throw new UsageError('cannot find the skyport script');
  const serveArgs: string[] = [];
  if (values.port !== undefined) serveArgs.push('--port', values.port);
  if (values.host !== undefined) serveArgs.push('--host', values.host);
  if (values['body-limit'] !== undefined) serveArgs.push('--body-limit', values['body-limit']);
  if (values['request-timeout'] !== undefined) serveArgs.push('--request-timeout', values['request-timeout']);
  if (values['headers-timeout'] !== undefined) serveArgs.push('--headers-timeout', values['headers-timeout']);
  if (values.timeout !== undefined) serveArgs.push('--timeout', values.timeout);
  if (values['keep-alive-timeout'] !== undefined) serveArgs.push('--keep-alive-timeout', values['keep-alive-timeout']);
  // A reload waits for the old server to drain: a browser tab holding a server-sent events
  // stream open would hold every reload for the whole production grace.
  serveArgs.push('--shutdown-timeout', values['shutdown-timeout'] ?? String(DEV_SHUTDOWN_MS));
  if (values['no-event-routes'] === true) serveArgs.push('--no-event-routes');
  if (values['event-routes'] === true) serveArgs.push('--event-routes');
  if (values['trust-proxy'] !== undefined) serveArgs.push('--trust-proxy', values['trust-proxy']);
  // --watch adds folders: the module's own is always watched.
  const watchDirs = new Set([dirname(path)]);
  for (const dir of values.watch ?? []) {
    const folder = resolve(process.cwd(), dir);
    if (!isDirectory(folder)) throw new UsageError(`--watch ${dir} is not a folder`);
    watchDirs.add(folder);
  }
  return dev({ module: path, watch: [...watchDirs], serveArgs, script });
}

async function invokeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    cloud: { type: 'string', short: 'c' },
    event: { type: 'string', short: 'e' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${help.invoke}\n`);
    return 0;
  }
  const target = one(positionals, 'target <module>#<export>', 'invoke');
  const hash = target.lastIndexOf('#');
  if (hash <= 0 || hash === target.length - 1) {
    throw new UsageError(
      `name the function: <module>#<export>, for example functions.ts#fulfilOrder (got "${target}")`,
    );
  }
  const cloud = values.cloud ?? 'node';
  if (!(clouds as readonly string[]).includes(cloud)) {
    throw new UsageError(`--cloud must be one of ${clouds.join(', ')}, got "${cloud}"`);
  }
  if (values.event === undefined) throw new UsageError('missing --event <file> (a JSON event; "-" reads stdin)');
  const path = modulePath(target.slice(0, hash));
  // Before the event is read: the child inherits stdin, which can be read only once.
  if (isTypeScript(path) && !tsxActive()) return underTsx(['invoke', ...args]);
  const source = values.event === '-' ? 'the event on stdin' : `the event file ${values.event}`;
  let text: string;
  try {
    text = readFileSync(values.event === '-' ? 0 : resolve(process.cwd(), values.event), 'utf8');
  } catch {
    throw new UsageError(`cannot read ${source}`);
  }
  let event: unknown;
  try {
    // A byte order mark, as editors on Windows save JSON, is not part of it.
    event = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    throw new UsageError(`${source} is not valid JSON`);
  }
  const name = target.slice(hash + 1);
  // stdout carries the result only: the logs and whatever the module prints go to stderr, so the
  // output stays parseable (`... 2>/dev/null | jq`).
  const log = (line: string) => io.err(line.endsWith('\n') ? line : `${line}\n`);
  const restoreStdout = stdoutToStderr();
  let restore: (() => void) | undefined;
  try {
    const fn = pickFunction(await importModule(path), name, target.slice(0, hash));
    restore = setLogDestination({ write: log });
    const { result, failed } = await invokeOnce(fn, name, event, cloud as InvokeCloud, { log });
    const refusal = fn.kind === 'http' ? undefined : refusedEvent(result);
    if (refusal !== undefined) throw new UsageError(`${source} is not an event ${name} takes: ${refusal}`);
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return failed ? 1 : 0;
  } catch (error) {
    // An event the function cannot take: nothing ran, so it is a bad argument like bad JSON. A
    // `SkyportError` of either copy of core: the module's own, when it was bundled with one.
    const refusal = skyportErrorOf(error);
    if (refusal !== undefined && eventCodes.has(refusal.code)) {
      throw new UsageError(`${source} is not an event ${name} takes: ${refusal.message}`);
    }
    throw error;
  } finally {
    restore?.();
    restoreStdout();
  }
}

/**
 * The detail of a problem an adapter answered for an event function instead of throwing (GCP
 * answers over HTTP, as the Functions Framework would: 400 for a body that is no event, 500 for an
 * event of the wrong kind or shape, so that the platform retries it) when its code says the event
 * does not fit the function: nothing ran, so it is a bad argument like a throw with that code.
 */
function refusedEvent(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { status, body } = result as { status?: unknown; body?: unknown };
  if ((status !== 400 && status !== 500) || typeof body !== 'object' || body === null) return undefined;
  const { code, detail } = body as { code?: unknown; detail?: unknown };
  if (typeof code !== 'string' || !eventCodes.has(code)) return undefined;
  return typeof detail === 'string' ? detail : code;
}

async function eventsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(`${help.events}\n`);
    return 0;
  }
  if (positionals.length === 0 || positionals.length > 2) {
    throw new UsageError('usage: skyport events <cloud> [kind | source]');
  }
  const cloud = positionals[0] as string;
  const source = positionals[1];
  if (source === undefined) {
    // Listing the sources is a use of its own: one per line on stdout, to read or to loop over.
    io.out(`${(await eventSources(cloud)).join('\n')}\n`);
    return 0;
  }
  const event = await sampleEvent(cloud, source);
  io.out(`${JSON.stringify(event, null, 2)}\n`);
  return 0;
}

const commands: Readonly<Record<string, (args: readonly string[], io: CliIo) => Promise<number>>> = {
  dev: devCommand,
  serve: serveCommand,
  invoke: invokeCommand,
  events: eventsCommand,
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = stdio): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    // Usage asked for by mistake: on stderr, so it cannot pass for output.
    io.err(`${help.main}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(`${help.main}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${version()}\n`);
    return 0;
  }
  const run = commands[command];
  try {
    if (run === undefined) throw new UsageError(`unknown command "${command}"`);
    return await run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`skyport: ${error.message}\nRun "skyport ${run ? `${command} ` : ''}--help" for usage.\n`);
      return 2;
    }
    if (error instanceof AdapterUnavailableError) {
      // Nothing ran: a setup to fix, as a bad argument is, not a failed invocation.
      io.err(`skyport: ${error.message}\n`);
      return 2;
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // A syntax error in the module or a file it imports: the file, the line, a caret under it.
    const where = error instanceof Error ? errorLocation(error) : undefined;
    io.err(
      `skyport: ${command} failed: ${detail}\n${where === undefined ? '' : `${where}\n`}${process.env.SKYPORT_DEBUG && error instanceof Error ? `${error.stack}\n` : ''}`,
    );
    return 1;
  }
}
