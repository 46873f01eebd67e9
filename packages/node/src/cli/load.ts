/**
 * Loading the user's module: resolving the path, TypeScript through tsx (the CLI re-runs itself
 * under tsx's loader when needed, so the module and the CLI share one copy of every package),
 * and picking the Skyport functions out of its exports.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
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
  if (process.env.SKYPORT_TSX === '1') return true;
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
  const loaded: unknown = await import(pathToFileURL(path).href);
  return typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>) : {};
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
 * an exported router already routes.
 *
 * @example
 * functionsOf(await importModule(path)); // { api, fulfilOrder, receiptUploaded, nightlyReport }
 */
export function functionsOf(mod: Readonly<Record<string, unknown>>): FunctionMap {
  const declared = asMap(mod.functions) ?? asMap(mod.default);
  if (declared) return declared;
  const exported = Object.entries(mod).filter((entry): entry is [string, SkyportFunction<Kind>] =>
    isSkyportFunction(entry[1]),
  );
  const routed = new Set<unknown>(exported.flatMap(([, fn]) => fn.routes ?? []));
  const out: Record<string, SkyportFunction<Kind>> = {};
  for (const [name, fn] of exported) if (!routed.has(fn)) out[name === 'default' ? 'main' : name] = fn;
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
