/**
 * Test helpers: load the Azure fixtures, turn host-side RPC trigger metadata into what v4
 * handlers see (as the library's `fromRpcTriggerMetadata` does: camelCased keys, JSON members
 * parsed, strings parsed when they are JSON), build real `InvocationContext`s that record logs,
 * and an `app` that records what `register()` calls.
 */
import { readFileSync } from 'node:fs';
import { InvocationContext, type InvocationContextInit } from '@azure/functions';
import type { AzureApp, AzureAppMethod } from '../src/types.js';

const root = new URL('./fixtures/', import.meta.url);

/** A fixture file parsed as JSON. */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function camel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camel);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key.charAt(0).toLowerCase() + key.slice(1)] = camel(item);
  return out;
}

/** One RPC typed datum (Node `{ json | string | int }` or Python `{ type, value }`) as v4 sees it. */
function typed(datum: Record<string, unknown>): unknown {
  if (typeof datum.json === 'string') return JSON.parse(datum.json);
  if (typeof datum.string === 'string') return tryJson(datum.string);
  if (datum.int !== undefined) return Number(datum.int);
  if (datum.type === 'json') return JSON.parse(String(datum.value));
  if (datum.type === 'string') return tryJson(String(datum.value));
  if (datum.type === 'int') return Number(datum.value);
  return undefined;
}

/** Host RPC trigger metadata -> `context.triggerMetadata` of the v4 library. */
export function fromRpcMetadata(rpc: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, datum] of Object.entries(rpc)) out[key.charAt(0).toLowerCase() + key.slice(1)] = camel(typed(datum));
  return out;
}

/** A logged call: the level and the JSON line. */
export interface Logged {
  readonly level: string;
  readonly line: Record<string, unknown>;
}

/** A real `InvocationContext` whose log calls are recorded as parsed JSON lines. */
export function invocation(init: InvocationContextInit = {}): { context: InvocationContext; logs: Logged[] } {
  const logs: Logged[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'fn',
    ...init,
    logHandler: (level, ...args) => {
      const text = String(args[0]);
      logs.push({ level, line: tryJson(text) as Record<string, unknown> });
    },
  });
  return { context, logs };
}

/** One recorded `app.*` call. */
export interface Call {
  readonly method: AzureAppMethod;
  readonly name: string;
  readonly options: Record<string, unknown>;
}

/** An `app` that records its calls instead of registering with a worker. */
export function recordingApp(): { app: AzureApp; calls: Call[] } {
  const calls: Call[] = [];
  const record = (method: AzureAppMethod) => (name: string, options: object) => {
    calls.push({ method, name, options: options as Record<string, unknown> });
  };
  const app: AzureApp = {
    http: record('http'),
    storageQueue: record('storageQueue'),
    serviceBusQueue: record('serviceBusQueue'),
    serviceBusTopic: record('serviceBusTopic'),
    eventHub: record('eventHub'),
    storageBlob: record('storageBlob'),
    eventGrid: record('eventGrid'),
    timer: record('timer'),
    cosmosDB: record('cosmosDB'),
  };
  return { app, calls };
}
