/**
 * Raw cloud events posted to a local server or given to the CLI: recognising their shape and
 * loading the adapter package that runs them. Adapters are optional: they are imported only
 * when a raw event of their cloud arrives, and a missing one gets a message saying what to install.
 */
import { format } from 'node:util';
import type { RawCloud, RawInvokeOptions, RawInvoker } from './types.js';

/** A recognised raw cloud event. */
export interface RawShape {
  /** The cloud whose adapter runs it. */
  readonly cloud: RawCloud;
  /** What was recognised, for messages (`SQS Records`, `EventBridge`, `Pub/Sub push`). */
  readonly shape: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordsSource(records: unknown[]): string {
  const first = records[0];
  if (!isObject(first)) return 'Records';
  const source = first.eventSource ?? first.EventSource;
  return typeof source === 'string' ? `${source} Records` : 'Records';
}

/**
 * Recognises a raw AWS event (`Records[]`, EventBridge `detail-type`, API Gateway / ALB /
 * Function URL `requestContext`) or a GCP one (a structured CloudEvent of a `google.*` type, a
 * binary-mode CloudEvent given by `ce-*` headers, a Pub/Sub push envelope). Anything else is
 * taken as a portable event.
 *
 * @example
 * detectRaw({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }); // { cloud: 'aws', shape: 'aws:sqs Records' }
 */
export function detectRaw(value: unknown, headers: Readonly<Record<string, unknown>> = {}): RawShape | undefined {
  if (typeof headers['ce-specversion'] === 'string') return { cloud: 'gcp', shape: 'CloudEvent (binary mode)' };
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.Records)) return { cloud: 'aws', shape: recordsSource(value.Records) };
  if (typeof value['detail-type'] === 'string') return { cloud: 'aws', shape: 'EventBridge' };
  if (isObject(value.requestContext)) return { cloud: 'aws', shape: 'HTTP (requestContext)' };
  if (typeof value.specversion === 'string' && typeof value.type === 'string' && value.type.startsWith('google.')) {
    return { cloud: 'gcp', shape: `CloudEvent ${value.type}` };
  }
  if (isObject(value.message) && typeof value.subscription === 'string') return { cloud: 'gcp', shape: 'Pub/Sub push' };
  return undefined;
}

/**
 * The codes of errors that say an event does not fit the function: thrown before it runs, so the
 * caller is at fault (HTTP 400, CLI exit 2). Any other error is the function's own failure.
 */
export const eventCodes: ReadonlySet<string> = new Set(['INVALID_EVENT', 'UNKNOWN_EVENT', 'KIND_MISMATCH']);

/** The adapter package and export that run raw events of each cloud. */
export const invokers: Readonly<Record<RawCloud, { readonly pkg: string; readonly name: string }>> = {
  aws: { pkg: '@skyport/aws', name: 'invokeLambda' },
  azure: { pkg: '@skyport/azure', name: 'invokeAzure' },
  gcp: { pkg: '@skyport/gcp', name: 'invokeGcp' },
};

/**
 * An adapter package that is not installed, or lacks the export Skyport needs.
 *
 * @example
 * if (error instanceof AdapterUnavailableError) console.error(`npm install ${error.pkg}`);
 */
export class AdapterUnavailableError extends Error {
  /** The package. */
  readonly pkg: string;

  constructor(pkg: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AdapterUnavailableError';
    this.pkg = pkg;
  }
}

function isModuleNotFound(error: unknown, pkg: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && error.message.includes(pkg);
}

/**
 * Imports a package by name, or explains that it is missing. The specifier is a variable on
 * purpose: packages that are not installed must not break type checking or bundling.
 *
 * @example
 * const testing = await importOptional('@skyport/testing', 'sample events');
 */
export async function importOptional(pkg: string, purpose: string): Promise<Json> {
  try {
    const loaded: unknown = await import(pkg);
    return isObject(loaded) ? loaded : {};
  } catch (error) {
    if (isModuleNotFound(error, pkg)) {
      throw new AdapterUnavailableError(pkg, `${purpose} need ${pkg}, which is not installed (npm i ${pkg})`, error);
    }
    throw error;
  }
}

const loaded = new Map<RawCloud, Promise<RawInvoker>>();

type Invoke = (fn: unknown, event: unknown, options?: unknown) => unknown;

/**
 * The third argument of each adapter's invoker for `options`: a Lambda context named after the
 * function (`createLambdaContext`), Azure's `functionName` and `logHandler`, GCP's `name`.
 */
function adapterOptions(cloud: RawCloud, mod: Json, options: RawInvokeOptions): unknown {
  const { name, log } = options;
  switch (cloud) {
    case 'aws': {
      const create = mod.createLambdaContext;
      return name !== undefined && typeof create === 'function'
        ? (create as (init: { functionName: string }) => unknown)({ functionName: name })
        : undefined;
    }
    case 'azure':
      return {
        ...(name === undefined ? {} : { functionName: name }),
        ...(log === undefined ? {} : { logHandler: (_level: string, ...args: unknown[]) => log(format(...args)) }),
      };
    case 'gcp':
      return name === undefined ? undefined : { name };
  }
}

/**
 * The function that runs one raw event of `cloud` through its adapter: `invokeLambda` from
 * `@skyport/aws`, `invokeAzure` from `@skyport/azure`, `invokeGcp` from `@skyport/gcp`.
 *
 * @example
 * const run = await loadInvoker('aws');
 * const result = await run(fulfilOrder, sqsEvent, { name: 'fulfilOrder' }); // { batchItemFailures: [] }
 */
export function loadInvoker(cloud: RawCloud): Promise<RawInvoker> {
  let pending = loaded.get(cloud);
  if (pending === undefined) {
    const { pkg, name } = invokers[cloud];
    pending = importOptional(pkg, `raw ${cloud.toUpperCase()} events`).then((mod) => {
      const invoke = mod[name];
      if (typeof invoke !== 'function') {
        throw new AdapterUnavailableError(
          pkg,
          `${pkg} does not export ${name}(); update it to run raw ${cloud} events`,
        );
      }
      return (fn: unknown, event: unknown, options?: RawInvokeOptions) => {
        const extra = options === undefined ? undefined : adapterOptions(cloud, mod, options);
        return Promise.resolve(
          extra === undefined ? (invoke as Invoke)(fn, event) : (invoke as Invoke)(fn, event, extra),
        ).then(printable);
      };
    });
    pending.catch(() => loaded.delete(cloud));
    loaded.set(cloud, pending);
  }
  return pending;
}

/** Media types printed as text (the rest as base64). */
const TEXTUAL = /^text\/|[/+]json|[/+]xml\b|javascript|urlencoded|ndjson/i;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A byte body as the text to print, on every `--cloud` alike: when its type is textual, it has no
 * content coding, its charset is UTF-8 (or none) and its bytes are UTF-8 exactly. `undefined`
 * otherwise: the body is printed as base64 (`isBase64Encoded: true`), which keeps every byte.
 *
 * @example
 * printedText(new Uint8Array([104, 105]), 'application/x-ndjson', undefined); // 'hi'
 */
export function printedText(
  bytes: Uint8Array,
  contentType: string,
  contentEncoding: string | undefined,
): string | undefined {
  if (!TEXTUAL.test(contentType)) return undefined;
  const coding = contentEncoding?.trim().toLowerCase();
  if (coding !== undefined && coding !== '' && coding !== 'identity') return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A header of a result's headers (a plain object or web `Headers`), any case. */
function headerOf(headers: unknown, wanted: string): string | undefined {
  if (headers instanceof Headers) return headers.get(wanted) ?? undefined;
  if (!isObject(headers)) return undefined;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (name.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * A raw invocation's result as JSON can show it: a body the platform would read (an Azure
 * `HttpResponseInit` streaming its content, or holding bytes) is read whole and given as text
 * when its content type is textual, else as base64 with `isBase64Encoded: true`, as `--cloud node`
 * prints bytes. A stream that fails rejects, as the invocation would have failed on the platform.
 *
 * @example
 * await printable({ status: 200, headers: { 'content-type': 'text/plain' }, body: new Uint8Array([104, 105]) }); // body 'hi'
 */
export async function printable(result: unknown): Promise<unknown> {
  if (!isObject(result)) return result;
  const body = result.body;
  let bytes: Uint8Array;
  if (body instanceof ReadableStream) bytes = new Uint8Array(await new Response(body).arrayBuffer());
  else if (body instanceof Uint8Array) bytes = body;
  else return result;
  const text = printedText(
    bytes,
    headerOf(result.headers, 'content-type') ?? '',
    headerOf(result.headers, 'content-encoding'),
  );
  if (text !== undefined) return { ...result, body: text };
  return { ...result, body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true };
}

/**
 * Whether the result of a raw invocation reports a failure: a non-empty `batchItemFailures`
 * (AWS), `ok: false`, or an error status (`statusCode` / `status`): 4xx and 5xx for event
 * functions (GCP answers 500 or 504 when a message is not processed, 400 for a body that is no
 * event), 5xx for http functions,
 * whose 4xx answers are ordinary responses.
 *
 * @example
 * reportsFailure({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, 'queue'); // true
 * reportsFailure({ status: 422 }, 'queue'); // true
 * reportsFailure({ statusCode: 404 }, 'http'); // false
 */
export function reportsFailure(result: unknown, kind: string): boolean {
  if (!isObject(result)) return false;
  const failures = result.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0) return true;
  if (result.ok === false) return true;
  const status = result.statusCode ?? result.status;
  return typeof status === 'number' && status >= (kind === 'http' ? 500 : 400);
}

/**
 * The HTTP status `serve()` answers a raw event with: 200 when it succeeded, else the error
 * status the adapter reported (or 500), so a push subscription or retrying caller sees a failure.
 *
 * @example
 * rawStatus({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, 'queue'); // 500
 */
export function rawStatus(result: unknown, kind: string): number {
  if (!reportsFailure(result, kind)) return 200;
  const status = isObject(result) ? (result.statusCode ?? result.status) : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
