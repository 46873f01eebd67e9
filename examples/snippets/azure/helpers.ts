/**
 * Helpers for the docs/azure.md checks: a recording `app` (what `register()` would call) and
 * real `InvocationContext`s whose log calls are kept, as the Functions host would receive them.
 */
import { InvocationContext, type InvocationContextInit } from '@azure/functions';
import type { AzureApp, AzureAppMethod } from '@skyport/azure';

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

/** The options of a recorded call without its handler. */
export function withoutHandler(call: Call | undefined): Record<string, unknown> {
  const { handler: _handler, ...rest } = call?.options ?? {};
  return rest;
}

/** A log call as the host receives it: its level and the line, parsed when it is JSON. */
export interface Logged {
  readonly level: string;
  readonly line: Record<string, unknown>;
}

/** A real `InvocationContext` whose log calls are recorded. */
export function invocation(init: InvocationContextInit = {}): { context: InvocationContext; logs: Logged[] } {
  const logs: Logged[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'fn',
    ...init,
    logHandler: (level, ...args) => {
      const text = String(args[0]);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      logs.push({ level, line });
    },
  });
  return { context, logs };
}
