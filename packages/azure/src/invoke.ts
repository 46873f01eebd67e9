/**
 * `invokeAzure(fn, input)`: runs a portable function through its Azure handler with the real
 * `@azure/functions` classes, from a JSON description of the invocation. It backs
 * `skyport invoke --cloud azure` and cross-cloud tests. `@azure/functions` is loaded only here,
 * on first use, so importing the adapter stays cheap.
 */

import { format } from 'node:util';
import type { HttpRequest as AzureHttpRequest, InvocationContext as AzureInvocationContext } from '@azure/functions';
import { checkOptions, getLogDestination, type Kind, SkyportError, type SkyportFunction, setOwn } from '@skyport/core';
import { toAzure } from './handler.js';
import { catchAllOf, hostDecode, ROUTER_ROUTE } from './http.js';
import { asRecord } from './metadata.js';
import { checkAdapterOptions, readSettings } from './settings.js';
import type {
  AnyFunction,
  AzureHttpInput,
  AzureHttpResponse,
  AzureTriggerInput,
  InvokeAzureOptions,
  ToAzureOptions,
} from './types.js';

/**
 * Where an invocation's `context` lines go without a `logHandler`: core's log destination, one line
 * each (the JSON line Skyport hands `context.info` as it is), so `collectLogs()` of
 * `@skyport/testing` captures them as it does on every other cloud, and stdout otherwise.
 */
const toLogDestination = (_level: string, ...args: unknown[]): void => {
  getLogDestination().write(`${format(...args)}\n`);
};

interface AzureClasses {
  readonly HttpRequest: typeof AzureHttpRequest;
  readonly InvocationContext: typeof AzureInvocationContext;
}

let classes: AzureClasses | Promise<AzureClasses> | undefined;

/** The classes of a loaded `@azure/functions` module, checked. */
function classesOf(loaded: unknown): AzureClasses {
  // Node's ESM loader exposes only some names of this CommonJS package; the rest sit on `default`.
  const named = asRecord(loaded);
  const module = typeof named?.InvocationContext === 'function' ? named : asRecord(named?.default);
  if (typeof module?.InvocationContext !== 'function' || typeof module.HttpRequest !== 'function') {
    throw new SkyportError('INVALID_DEFINITION', 'azure: @azure/functions does not export HttpRequest', {
      adapter: 'azure',
    });
  }
  return module as unknown as AzureClasses;
}

/**
 * `@azure/functions`, loaded on the first invocation. Synchronously where Node can `require` it
 * from here, so that invocation starts its handler at once, as every later one does: a test that
 * advances fake timers right after calling `invokeAzure()` would otherwise move the clock while
 * the package loads, before `timeout()` set its timer. A bundle with no such `require` (no
 * `import.meta.url`, or a build machine's) imports it.
 */
function loadClasses(): AzureClasses | Promise<AzureClasses> {
  if (classes !== undefined) return classes;
  let required: unknown;
  try {
    const builtin = process.getBuiltinModule?.('node:module');
    required = builtin?.createRequire(import.meta.url)('@azure/functions');
  } catch {
    // Not resolvable from here: imported below.
  }
  classes = required !== undefined ? classesOf(required) : import('@azure/functions').then(classesOf);
  return classes;
}

function invalidInput(kind: Kind, problem: string): SkyportError {
  return new SkyportError('INVALID_EVENT', `azure: invokeAzure() ${problem}`, { adapter: 'azure', kind });
}

function stripPrefix(pathname: string, prefix: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  if (clean !== '' && pathname.startsWith(`/${clean}/`)) return pathname.slice(clean.length + 1);
  return clean !== '' && pathname === `/${clean}` ? '/' : pathname;
}

function utf8Bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * `JSON.stringify(body)`, or an `INVALID_EVENT` naming `"body"` when it cannot be written: JSON
 * nested deeper than the call stack reaches (valid JSON, which `JSON.parse` reads), or, from a
 * caller in JavaScript, a cycle or a BigInt.
 */
function bodyJson(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    const why =
      error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
    throw invalidInput('http', `cannot send "body" as JSON: ${why}`);
  }
}

/** A body already in the library's init form (`{ string }` or `{ bytes }`), as `azure.httpRequest()` builds it. */
function rpcBody(body: unknown): { string?: string; bytes?: Uint8Array } | undefined {
  const record = asRecord(body);
  const keys = record === undefined ? [] : Object.keys(record);
  if (record === undefined || keys.length !== 1) return undefined;
  if (typeof record.string === 'string') return { string: record.string };
  const bytes = record.bytes;
  if (bytes instanceof Uint8Array) return { bytes };
  if (Array.isArray(bytes) && bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    return { bytes: new Uint8Array(bytes as number[]) };
  }
  return undefined;
}

/** A header or query value read from JSON: text (numbers and booleans as text) or a list of it. */
function texts(value: unknown, what: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
    throw invalidInput('http', `needs ${what} as a string or a list of strings`);
  }
  return list.map(String);
}

/**
 * The query `query` adds to the URL: a string as it is (without `?`), or a map whose lists repeat
 * a name, after the query string of `path`, as `invokeGcp()` and `skyport invoke --cloud node`
 * read the same request. Beside a `url`, whose query the Functions host mirrors in the map
 * (`azure.httpRequest()` of `@skyport/testing` builds both), only the names the URL lacks
 * (`inUrl`) are added.
 */
function extraQuery(query: unknown, inUrl: URLSearchParams | undefined): string {
  if (typeof query === 'string' && inUrl === undefined) return query.replace(/^\?/, '');
  const pairs: [string, string][] =
    typeof query === 'string'
      ? [...new URLSearchParams(query)]
      : Object.entries(asRecord(query) ?? {}).flatMap(([key, value]) =>
          texts(value, `the query parameter ${key}`).map((item): [string, string] => [key, item]),
        );
  return new URLSearchParams(inUrl === undefined ? pairs : pairs.filter(([key]) => !inUrl.has(key))).toString();
}

/**
 * Headers as the Functions host hands them to the worker: one string per lower-case name, the
 * values of a repeated header joined with a bare `,` (ASP.NET Core's `StringValues.ToString()`,
 * which the host sends over gRPC; the worker's `HttpRequest` takes one string per name), cookies
 * with `; `, as Kestrel merges `Cookie` lines. An empty list is no header.
 */
function hostHeaders(given: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    const name = key.toLowerCase();
    const values = [
      ...(Object.hasOwn(headers, name) ? [headers[name] as string] : []),
      ...texts(value, `the header ${key}`),
    ];
    if (values.length > 0) setOwn(headers, name, values.join(name === 'cookie' ? '; ' : ','));
  }
  return headers;
}

function httpRequestOf(
  lib: AzureClasses,
  fn: SkyportFunction<'http'>,
  input: AzureHttpInput,
  options: InvokeAzureOptions,
  route: string | undefined,
): AzureHttpRequest {
  // A built `HttpRequest` keeps its headers in a `Headers` and its body in a single-use stream:
  // read as an init, both would be lost and the function would run on an empty request.
  if (input instanceof lib.HttpRequest) {
    throw invalidInput(
      'http',
      'takes the init of a request ({ method, url, headers, query, params, body }), not an HttpRequest, whose headers and body it cannot read',
    );
  }
  const prefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const fromUrl = typeof input.url === 'string' && input.url !== '';
  const target = fromUrl
    ? (input.url as string)
    : typeof input.path === 'string' && input.path.startsWith('/')
      ? `${prefix === '' ? '' : `/${prefix}`}${input.path}`
      : undefined;
  if (target === undefined)
    throw invalidInput('http', 'needs an http input with a "url" (or a "path" starting with /)');
  // The types say what an input holds, but one read from a JSON file may hold anything: each
  // field is checked, so a wrong one is refused by name rather than failing inside the library.
  const method: unknown = input.method;
  if (method !== undefined && typeof method !== 'string') throw invalidInput('http', 'needs "method" as a string');
  const query: unknown = input.query;
  for (const field of ['headers', 'query', 'params'] as const) {
    const given: unknown = input[field];
    if (given === undefined || given === null || (field === 'query' && typeof given === 'string')) continue;
    if (asRecord(given) === undefined) {
      throw invalidInput('http', `needs "${field}" as ${field === 'query' ? 'a string or an object' : 'an object'}`);
    }
  }
  let url: URL;
  try {
    url = new URL(target, 'http://localhost:7071');
  } catch {
    throw invalidInput('http', `got a "url" that is not a URL or a path: ${target}`);
  }
  const search = extraQuery(query, fromUrl ? url.searchParams : undefined);
  if (search !== '') url.search = url.search.length > 1 ? `${url.search.slice(1)}&${search}` : search;
  const headers = hostHeaders(asRecord(input.headers) ?? {});
  const params: Record<string, string> = { ...input.params };
  const catchAll = fn.routes ? catchAllOf(route) : undefined;
  if (catchAll !== undefined && params[catchAll] === undefined) {
    // The host fills the catch-all parameter from the path under the route prefix.
    const staticPart = (route ?? '').split('{*')[0]?.replace(/\/+$/, '') ?? '';
    const below = stripPrefix(url.pathname, options.routePrefix ?? 'api');
    const rest = staticPart === '' ? below : stripPrefix(below, staticPart);
    params[catchAll] = hostDecode(rest.replace(/^\/+/, ''));
  }
  let body: { string?: string; bytes?: Uint8Array } | undefined;
  const typed = rpcBody(input.body);
  if (typeof input.bodyBase64 === 'string') body = { bytes: new Uint8Array(Buffer.from(input.bodyBase64, 'base64')) };
  else if (typed !== undefined) body = typed;
  // Bytes, as the Functions host delivers every body: a string init would make the library's
  // request invent `content-type: text/plain;charset=UTF-8`, which the host never does.
  else if (typeof input.body === 'string') body = { bytes: utf8Bytes(input.body) };
  else if (input.body !== undefined) {
    body = { bytes: utf8Bytes(bodyJson(input.body)) };
    headers['content-type'] ??= 'application/json';
  }
  try {
    return new lib.HttpRequest({
      method: (method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase(),
      url: url.href,
      headers,
      params,
      body,
    });
  } catch (error) {
    // What the library refuses (a header name or value HTTP does not allow) is the input's fault.
    throw invalidInput(
      'http',
      `got a request @azure/functions refuses: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The names of `InvokeAzureOptions` beyond those `toAzure()` takes. */
const contextNames = [
  'invocationId',
  'functionName',
  'traceContext',
  'logHandler',
] as const satisfies readonly (keyof Omit<InvokeAzureOptions, keyof ToAzureOptions>)[];

/** The names a `traceContext` of `@azure/functions` has. */
const traceNames = ['traceParent', 'traceState', 'attributes'] as const;

/**
 * Refuses options with a name `invokeAzure()` does not take, or a context field of the wrong type,
 * which the library would otherwise take as it is: an empty `functionName` becomes `unknown`, a
 * `traceContext` spelt `{ traceparent }` leaves the invocation unlinked, a `logHandler` that is no
 * function fails on the first line logged.
 */
function checkInvokeOptions(options: unknown): void {
  const where = 'azure: invokeAzure()';
  checkAdapterOptions(where, options, ['azure', ...contextNames]);
  const given = (options ?? {}) as Record<string, unknown>;
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `${where} ${problem}`, { adapter: 'azure' });
  for (const key of ['invocationId', 'functionName'] as const) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw refuse(`${key} must be a non-empty string, got ${value === '' ? 'an empty one' : typeOf(value)}`);
    }
  }
  if (given.logHandler !== undefined && typeof given.logHandler !== 'function') {
    throw refuse(`logHandler must be a function (level, ...args), got ${typeOf(given.logHandler)}`);
  }
  const trace = given.traceContext;
  if (trace === undefined) return;
  checkOptions(`${where} traceContext`, trace, traceNames, { adapter: 'azure' });
  const fields = trace as Record<string, unknown>;
  for (const key of ['traceParent', 'traceState'] as const) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string') {
      throw refuse(`traceContext.${key} must be a string, got ${typeOf(fields[key])}`);
    }
  }
  if (fields.attributes !== undefined && asRecord(fields.attributes) === undefined) {
    throw refuse(`traceContext.attributes must be an object, got ${typeOf(fields.attributes)}`);
  }
}

/** What a value of the wrong type is, never the value itself. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a${/^[aeiou]/.test(typeof value) ? 'n' : ''} ${typeof value}`;
}

/**
 * Runs `fn` as Azure would: HTTP input `{ method, url, headers, query, params, body }` becomes a
 * real `HttpRequest` and resolves to the `HttpResponseInit`; any other input
 * `{ trigger, triggerMetadata?, triggerType? }` runs with a real `InvocationContext` and resolves
 * to `undefined` once every message succeeded, or rejects with the `BatchFailedError` the host
 * would see. Options with a name `InvokeAzureOptions` does not have, or a value of the wrong
 * type, reject with `SkyportError('INVALID_DEFINITION')` before anything runs.
 *
 * @example
 * const res = await invokeAzure(api, { method: 'GET', url: '/api/orders/ord_1' });
 * await invokeAzure(fulfilOrder, { trigger: { orderId: 'ord_1' }, triggerMetadata: { dequeueCount: 1 } });
 */
export function invokeAzure(
  fn: SkyportFunction<'http'>,
  input: AzureHttpInput,
  options?: InvokeAzureOptions,
): Promise<AzureHttpResponse>;
export function invokeAzure<K extends Exclude<Kind, 'http'>>(
  fn: SkyportFunction<K>,
  input: AzureTriggerInput,
  options?: InvokeAzureOptions,
): Promise<undefined>;
export function invokeAzure(
  fn: AnyFunction | SkyportFunction,
  input: AzureHttpInput | AzureTriggerInput,
  options?: InvokeAzureOptions,
): Promise<AzureHttpResponse | undefined>;
export async function invokeAzure(
  target: AnyFunction | SkyportFunction,
  input: AzureHttpInput | AzureTriggerInput,
  options: InvokeAzureOptions = {},
): Promise<AzureHttpResponse | undefined> {
  const fn = target as SkyportFunction;
  checkInvokeOptions(options);
  const { functionTimeout, routePrefix, signalMarginMs, azure } = options;
  const handler = toAzure(fn, { functionTimeout, routePrefix, signalMarginMs, azure });
  const lib = await loadClasses();
  const record = asRecord(input);
  if (!record) throw invalidInput(fn.kind, 'needs an input object');
  const base = {
    invocationId: options.invocationId ?? crypto.randomUUID(),
    functionName: options.functionName ?? 'skyport',
    traceContext: options.traceContext,
    logHandler: options.logHandler ?? toLogDestination,
  };
  if (fn.kind === 'http') {
    const settings = readSettings(fn, options.azure, 'invokeAzure');
    const route = settings.route ?? (fn.routes ? ROUTER_ROUTE : undefined);
    const request = httpRequestOf(lib, fn as SkyportFunction<'http'>, input as AzureHttpInput, options, route);
    const context = new lib.InvocationContext({
      ...base,
      options: { trigger: { type: 'httpTrigger', name: 'request', route } },
    });
    return handler(request, context);
  }
  if (!('trigger' in record))
    throw invalidInput(fn.kind, 'needs { trigger, triggerMetadata? } for a non-http function');
  const triggerInput = input as AzureTriggerInput;
  const context = new lib.InvocationContext({
    ...base,
    triggerMetadata: triggerInput.triggerMetadata === undefined ? undefined : { ...triggerInput.triggerMetadata },
    options:
      triggerInput.triggerType === undefined
        ? undefined
        : { trigger: { type: triggerInput.triggerType, name: 'trigger' } },
  });
  await handler(triggerInput.trigger, context);
  return undefined;
}
