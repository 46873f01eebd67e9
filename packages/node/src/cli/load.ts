/**
 * Loading the user's module: resolving the path, TypeScript through tsx (the CLI re-runs itself
 * under tsx's loader when needed, so the module and the CLI share one copy of every package),
 * and picking the Skyport functions out of its exports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kind, SkyportFunction } from '@skyport/core';
import { isSkyportFunction } from '../serve.js';
import type { FunctionMap } from '../types.js';
import { UsageError } from './usage.js';

const tsPattern = /\.(?:[cm]?ts|tsx)$/;

/**
 * Whether a module path needs a TypeScript loader.
 *
 * @example
 * isTypeScript('src/functions.ts'); // true
 */
export function isTypeScript(path: string): boolean {
  return tsPattern.test(path);
}

/** Whether tsx's loader is active in this process. */
export function tsxActive(): boolean {
  return process.env.SKYPORT_TSX === '1' || tsxInFlags();
}

/** Whether this process was started with tsx's loader (in its flags or `NODE_OPTIONS`). */
export function tsxInFlags(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /(?:^|[\s=/\\])tsx(?:[\s/\\]|$)|tsx\/dist|tsx\/esm/.test(flags);
}

/**
 * The URL of tsx's loader, from the project in the working directory or next to this CLI.
 *
 * @example
 * spawn(process.execPath, ['--import', tsxLoader(), 'app.ts']);
 */
export function tsxLoader(): string {
  for (const base of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx')).href;
    } catch {
      // not installed here; try the next place
    }
  }
  throw new UsageError('loading a TypeScript module needs tsx: npm i -D tsx (or point skyport at compiled .js)');
}

/**
 * The environment of a process that runs this CLI again with TypeScript loaded: the CLI
 * registers tsx's loader itself on start (see `registerTypeScript`), before it loads the module.
 *
 * @example
 * spawn(process.execPath, [script, 'serve', 'app.ts'], { env: { ...process.env, ...typeScriptEnv() } });
 */
export function typeScriptEnv(): Record<string, string> {
  return { SKYPORT_TSX: '1', SKYPORT_TSX_LOADER: process.env.SKYPORT_TSX_LOADER || tsxLoader() };
}

/** A CommonJS loader for one file extension (`Module._extensions`). */
type ExtensionLoader = (this: unknown, module: unknown, filename: string) => unknown;

/**
 * Registers tsx's loader (`loader`, a URL) in this process, keeping Node's own loading of `.js`
 * files that are ES modules by their package (`"type": "module"`). tsx would compile such a file
 * to CommonJS when a CommonJS module requires it: a CommonJS TypeScript module (a project without
 * `"type": "module"`) requiring `@skyport/core` would get a second copy of it, whose functions
 * this CLI's copy cannot run. Node 20.19 requires an ES module itself, sharing the one the CLI
 * imported.
 *
 * @example
 * await registerTypeScript(process.env.SKYPORT_TSX_LOADER);
 */
export async function registerTypeScript(loader: string): Promise<void> {
  const extensions = (Module as unknown as { _extensions: Record<string, ExtensionLoader | undefined> })._extensions;
  const native = extensions['.js'];
  await import(loader);
  const compiling = extensions['.js'];
  if (native === undefined || compiling === undefined || compiling === native) return;
  extensions['.js'] = function (this: unknown, module: unknown, filename: string) {
    return esModuleScope(filename) ? native.call(this, module, filename) : compiling.call(this, module, filename);
  };
}

/** Whether the nearest `package.json` above each folder says `"type": "module"`, by folder. */
const moduleScopes = new Map<string, boolean>();

/** Whether `filename` is a `.js` file of a package whose `package.json` says `"type": "module"`. */
function esModuleScope(filename: string): boolean {
  return filename.endsWith('.js') && moduleScope(dirname(filename));
}

/**
 * Whether Node loads the file at `path` as CommonJS: a `.cjs` / `.cts` file, or a `.js` / `.ts`
 * file of a package whose `package.json` does not say `"type": "module"` (tsx follows Node).
 */
function commonJs(path: string): boolean {
  if (/\.c[jt]s$/.test(path)) return true;
  if (/\.m[jt]s$/.test(path)) return false;
  return !moduleScope(dirname(path));
}

/** Whether the nearest `package.json` at or above `folder` says `"type": "module"`. */
function moduleScope(folder: string): boolean {
  const visited: string[] = [];
  let dir = folder;
  let found: boolean | undefined;
  for (;;) {
    found = moduleScopes.get(dir);
    if (found !== undefined) break;
    visited.push(dir);
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      found = typeOf(manifest) === 'module';
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      found = false;
      break;
    }
    dir = parent;
  }
  for (const seen of visited) moduleScopes.set(seen, found);
  return found;
}

function typeOf(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a module argument to an absolute path, or fails with a usage error.
 *
 * @example
 * modulePath('examples/orders/src/functions.ts');
 */
export function modulePath(spec: string): string {
  const path = resolve(process.cwd(), spec);
  if (!existsSync(path)) throw new UsageError(`module not found: ${spec}`);
  // Node imports files only (no directory index): say so rather than fail inside import().
  if (statSync(path).isDirectory()) throw new UsageError(`${spec} is a directory: name the module file in it`);
  return path;
}

/**
 * Imports the module at `path` (absolute).
 *
 * @example
 * const mod = await importModule('/app/dist/functions.js');
 */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  let loaded: unknown;
  try {
    // On Node 20, tsx's loader cannot import a `.cts` module (Node's CommonJS translator fails
    // reading `exports` of the module it gets): its require hook, registered with it, loads one.
    // What it gets is the `module.exports` an import would give as `default`.
    loaded = /\.cts$/.test(path) ? { default: createRequire(import.meta.url)(path) } : await import(url);
  } catch (error) {
    throw located(error, url);
  }
  if (typeof loaded !== 'object' || loaded === null) return {};
  // A CommonJS module's namespace holds its `module.exports` as `default`, and of the names it
  // exports only those Node's static analysis found (none, for what tsx compiled): its exports
  // are that object's properties.
  const exports: unknown = (loaded as { default?: unknown }).default;
  if (commonJs(path) && typeof exports === 'object' && exports !== null && !isSkyportFunction(exports)) {
    return exports as Record<string, unknown>;
  }
  return loaded as Record<string, unknown>;
}

/**
 * Where a syntax error is: the block Node prints above an uncaught one (`file:line`, the line of
 * code, a caret), found at the head of its stack up to the first blank line; undefined when the
 * stack does not start with one. The line after the block may name the error otherwise than its
 * `name` does (tsx's `TransformError` is stacked as `Error: Transform failed…` on Node 22 and later).
 *
 * @example
 * errorLocation(error); // "file:///app/src/helper.mjs:2\nconst x = ;\n          ^"
 */
export function errorLocation(error: Error): string | undefined {
  const stack = error.stack ?? '';
  const end = stack.indexOf('\n\n');
  if (end <= 0) return undefined;
  const block = stack.slice(0, end);
  return /^\S+:\d+$/.test(block.split('\n', 1)[0] ?? '') ? block : undefined;
}

/**
 * `error`, its stack headed by the place of the syntax error when it is one the loader met in the
 * module or a file it imports. Node 20 keeps that place out of the error and prints it only when
 * the error goes uncaught, so the module is imported again in a child process where it does:
 * nothing in the module graph has run (a parse error stops the whole graph before it runs).
 */
function located(error: unknown, url: string): unknown {
  if (error instanceof Error && error.name === 'TransformError') return withTransformLocation(error);
  if (!(error instanceof SyntaxError) || errorLocation(error) !== undefined) return error;
  // A SyntaxError thrown by running code (JSON.parse) has its place in the stack already.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  if (frames.some((line) => !line.includes('node:internal/'))) return error;
  const flags = process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
  const again = spawnSync(
    process.execPath,
    [...flags, '--input-type=module', '--eval', `await import(${JSON.stringify(url)})`],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
    },
  );
  const printed = again.stderr ?? '';
  const end = printed.indexOf('\n\n');
  const block = end > 0 ? printed.slice(0, end) : '';
  if (!/^\S+:\d+$/.test(block.split('\n', 1)[0] ?? '')) return error;
  error.stack = `${block}\n\n${error.stack ?? `${error.name}: ${error.message}`}`;
  return error;
}

/**
 * A TypeScript syntax error (tsx's `TransformError`: `file:line:column: ERROR: ...` in its
 * message) with the block Node prints for a JavaScript one at the head of its stack: the file and
 * line, the line of code and a caret under the column.
 */
function withTransformLocation(error: Error): Error {
  const found = /^(\/.+|[A-Za-z]:\\.+):(\d+):(\d+): ERROR: /m.exec(error.message);
  if (found === null) return error;
  const [, file = '', line = '', column = ''] = found;
  let code: string | undefined;
  try {
    code = readFileSync(file, 'utf8').split(/\r?\n/)[Number(line) - 1];
  } catch {
    return error;
  }
  if (code === undefined) return error;
  const caret = `${' '.repeat(Math.min(Number(column), code.length))}^`;
  error.stack = `${pathToFileURL(file).href}:${line}\n${code}\n${caret}\n\n${error.stack ?? `${error.name}: ${error.message}`}`;
  return error;
}

function asMap(value: unknown): FunctionMap | undefined {
  if (typeof value !== 'object' || value === null || isSkyportFunction(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length === 0 || !entries.every(([, fn]) => isSkyportFunction(fn))) return undefined;
  return value as FunctionMap;
}

/**
 * The functions a module serves: its `functions` (or default) export when that is a record of
 * Skyport functions; otherwise every exported Skyport function, leaving out http functions that
 * an exported router already routes. A function exported twice (by name and as `default`) is
 * served once, under its name; a default export exported under no name is served as `main`.
 *
 * @example
 * functionsOf(await importModule(path)); // { api, fulfilOrder, receiptUploaded, nightlyReport }
 */
export function functionsOf(mod: Readonly<Record<string, unknown>>): FunctionMap {
  const declared = asMap(mod.functions) ?? asMap(mod.default);
  if (declared) return declared;
  const exported = Object.entries(mod)
    .filter((entry): entry is [string, SkyportFunction<Kind>] => isSkyportFunction(entry[1]))
    // Named exports first: a namespace lists its names sorted, `default` among them.
    .sort(([a], [b]) => Number(a === 'default') - Number(b === 'default'));
  const routed = new Set<unknown>(exported.flatMap(([, fn]) => fn.routes ?? []));
  const seen = new Set<unknown>();
  const out: Record<string, SkyportFunction<Kind>> = {};
  for (const [name, fn] of exported) {
    if (routed.has(fn) || seen.has(fn)) continue;
    seen.add(fn);
    out[name === 'default' ? 'main' : name] = fn;
  }
  return out as FunctionMap;
}

/**
 * One function of a module by export name (or by its name in the module's `functions` record).
 *
 * @example
 * pickFunction(mod, 'fulfilOrder', 'functions.ts');
 */
export function pickFunction(
  mod: Readonly<Record<string, unknown>>,
  name: string,
  label: string,
): SkyportFunction<Kind> {
  const direct = mod[name];
  if (isSkyportFunction(direct)) return direct;
  const viaRecord: unknown = functionsOf(mod)[name];
  if (isSkyportFunction(viaRecord)) return viaRecord;
  const available = Object.entries(mod)
    .filter(([, value]) => isSkyportFunction(value))
    .map(([key]) => key);
  throw new UsageError(
    `${label} has no Skyport function "${name}"; it exports: ${available.length > 0 ? available.join(', ') : 'none'}`,
  );
}
