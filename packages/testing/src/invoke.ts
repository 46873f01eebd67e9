/**
 * `invoke()`: runs a portable function in-process, exactly as an adapter would (same request
 * parsing, middleware, validation, error rendering and batch semantics), with a fake context.
 */
import {
  type BatchFailure,
  type BatchMode,
  type EventOf,
  type HttpRequestInit,
  type HttpResponse,
  type Kind,
  runBatch,
  runHttp,
  SkyportError,
  type SkyportFunction,
} from '@skyport/core';
import { type FakeContextOptions, fakeContext } from './context.js';
import { type HttpRequestOptions, httpRequest } from './factories.js';

/** Options of `invoke()`: the fake context, plus a principal and the batch mode. */
export interface InvokeOptions extends Omit<FakeContextOptions, 'kind' | 'extra'> {
  /** Sets `ctx.auth`, as an auth middleware would have. */
  readonly auth?: unknown | undefined;
  /** Other context to preset, as if middleware had added it. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
  /** The batch mode (default: what the function kind implies). */
  readonly mode?: BatchMode | undefined;
}

/** The response of an http invocation, with the body decoded for assertions. */
export interface InvokeHttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  /** Parsed JSON for JSON (and problem+json) responses, a string for text, bytes otherwise. */
  readonly body: unknown;
  /** The body as text (`undefined` when there is none). */
  readonly text: string | undefined;
  /** The normalised response the adapter would have written. */
  readonly response: HttpResponse;
}

/** The outcome of a message / event invocation. */
export interface InvokeBatchResult {
  /** True when every event succeeded. */
  readonly ok: boolean;
  /** The events that would be retried, in order. */
  readonly failures: readonly BatchFailure[];
}

function isInit(request: HttpRequestInit | HttpRequestOptions): request is HttpRequestInit {
  const body = request.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  return (
    typeof request.method === 'string' &&
    typeof request.path === 'string' &&
    plainBody &&
    !('cookies' in request && !Array.isArray(request.cookies) && request.cookies !== undefined)
  );
}

function decode(response: HttpResponse): Pick<InvokeHttpResult, 'body' | 'text'> {
  const body = response.body;
  if (body === undefined) return { body: undefined, text: undefined };
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const type = response.headers['content-type'] ?? '';
  if (/[/+]json\b/i.test(type)) {
    try {
      return { body: JSON.parse(text), text };
    } catch {
      return { body: text, text };
    }
  }
  if (typeof body === 'string' || /^text\//i.test(type)) return { body: text, text };
  return { body, text };
}

function idOf(kind: Kind, event: unknown, index: number): string {
  const e = event as Record<string, unknown>;
  if (kind === 'storage') return String(e.key);
  if (kind === 'schedule') return String(e.name);
  if (kind === 'changes') return JSON.stringify(e.key);
  if (kind === 'stream') return String(e.sequence);
  return typeof e.id === 'string' ? e.id : String(index);
}

/**
 * Runs a function in-process. An http function takes a request and resolves to its response;
 * any other takes one event or an array (a batch, with the batch semantics of its kind) and
 * resolves to `{ ok, failures }`.
 *
 * @example
 * const res = await invoke(getUser, httpRequest({ path: '/users/42' }));
 * expect(res.status).toBe(200);
 *
 * const out = await invoke(ship, [message({ body: good }), message({ body: bad })]);
 * expect(out.failures.map((f) => f.id)).toEqual([out.failures[0]?.id]);
 */
export function invoke(
  fn: SkyportFunction<'http'>,
  request: HttpRequestInit | HttpRequestOptions,
  options?: InvokeOptions,
): Promise<InvokeHttpResult>;
export function invoke<K extends Exclude<Kind, 'http'>>(
  fn: SkyportFunction<K>,
  event: EventOf<K> | readonly EventOf<K>[],
  options?: InvokeOptions,
): Promise<InvokeBatchResult>;
export async function invoke(
  fn: SkyportFunction<'http'> | SkyportFunction<Exclude<Kind, 'http'>>,
  input: unknown,
  options: InvokeOptions = {},
): Promise<InvokeHttpResult | InvokeBatchResult> {
  const extra = options.auth === undefined ? options.extra : { ...options.extra, auth: options.auth };
  const ctx = fakeContext({ ...options, kind: fn.kind, extra });
  if (fn.kind === 'http') {
    if (Array.isArray(input)) {
      // Read as request options, an array would run `GET /` once and pass a test it should fail.
      throw new SkyportError(
        'INVALID_EVENT',
        'invoke(): an http function takes one request, not an array (arrays are batches of messages or records)',
        { kind: 'http' },
      );
    }
    const request = input as HttpRequestInit | HttpRequestOptions;
    const init = isInit(request) ? request : httpRequest(request);
    const response = await runHttp(fn as SkyportFunction<'http'>, init, ctx);
    return {
      status: response.status,
      headers: response.headers,
      cookies: response.cookies,
      ...decode(response),
      response,
    };
  }
  const events = Array.isArray(input) ? input : [input];
  const items = events.map((event, index) => ({
    id: idOf(fn.kind, event, index),
    event: event as EventOf<Kind>,
    groupId: (event as { groupId?: string }).groupId,
  }));
  const result = await runBatch(
    fn as SkyportFunction,
    items,
    ctx,
    options.mode === undefined ? {} : { mode: options.mode },
  );
  return { ok: result.ok, failures: result.failures };
}
