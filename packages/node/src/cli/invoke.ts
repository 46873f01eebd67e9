/**
 * `skyport invoke`: one function, one event file, the result as JSON. `--cloud node` runs core
 * directly on a portable event; the other clouds hand the raw event to their adapter package.
 */
import { randomUUID } from 'node:crypto';
import { createContext, type HttpResponse, type Kind, runBatch, runHttp, type SkyportFunction } from '@skyport/core';
import { httpInit, portableBatch } from '../events.js';
import { batchJson } from '../failures.js';
import { loadInvoker, printedText, reportsFailure } from '../raw.js';
import type { AnyFunction, RawCloud } from '../types.js';

/** What an invocation printed and whether it failed. */
export interface InvokeOutcome {
  /** The result, as JSON-able data. */
  readonly result: unknown;
  /** Whether the invocation failed (exit code 1). */
  readonly failed: boolean;
}

/** The clouds `invoke` accepts. */
export const clouds = ['node', 'aws', 'azure', 'gcp'] as const;

/** One of `clouds`. */
export type InvokeCloud = (typeof clouds)[number];

function responseJson(response: HttpResponse): Record<string, unknown> {
  const type = response.headers['content-type'] ?? '';
  const raw = response.body;
  let body: unknown = raw;
  const text = raw instanceof Uint8Array ? printedText(raw, type, response.headers['content-encoding']) : undefined;
  if (raw instanceof Uint8Array) body = text ?? Buffer.from(raw).toString('base64');
  if (typeof body === 'string' && /[/+]json/i.test(type)) {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON after all: printed as text
    }
  }
  const isBase64 = raw instanceof Uint8Array && text === undefined;
  return {
    status: response.status,
    headers: response.headers,
    cookies: response.cookies,
    body,
    ...(isBase64 ? { isBase64Encoded: true } : {}),
  };
}

/** Options of `invokeOnce()`. */
export interface InvokeOnceOptions {
  /**
   * Where the function's log lines go on a cloud whose host collects them (Azure); the others
   * write through core's log destination.
   */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * Runs `fn` once with `event` on `cloud` and returns what to print. `name` is the function's
 * name on every cloud (`ctx.functionName`).
 *
 * @example
 * const { result, failed } = await invokeOnce(fulfilOrder, 'fulfilOrder', { body: { orderId: 'ord_1' } }, 'node');
 */
export async function invokeOnce(
  definition: AnyFunction | SkyportFunction<Kind>,
  name: string,
  event: unknown,
  cloud: InvokeCloud,
  options: InvokeOnceOptions = {},
): Promise<InvokeOutcome> {
  const fn = definition as SkyportFunction<Kind>;
  if (cloud !== 'node') {
    const run = await loadInvoker(cloud as RawCloud);
    const result = await run(fn, event, { name, ...(options.log === undefined ? {} : { log: options.log }) });
    return { result: result ?? { ok: true }, failed: reportsFailure(result, fn.kind) };
  }
  const ctx = createContext({ cloud: 'node', kind: fn.kind, requestId: randomUUID(), functionName: name });
  if (fn.kind === 'http') {
    const response = await runHttp(fn as SkyportFunction<'http'>, httpInit(event), ctx);
    return { result: responseJson(response), failed: response.status >= 500 };
  }
  const result = await runBatch(fn, portableBatch(fn, name, event), ctx);
  return { result: batchJson(result, true), failed: !result.ok };
}
