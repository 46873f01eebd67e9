/**
 * The workload every benchmark shares: a validated JSON POST of an order, the hand-written
 * baseline that does the same work without Skyport, and the same request through core.
 */
import { createContext, type HttpFunction, runHttp } from '@skyport/core';
import { z } from 'zod';

/** The order schema, built once. */
export const Order = z.object({ sku: z.string(), qty: z.number().int().positive(), note: z.string().optional() });

/** A valid body. */
export const body = JSON.stringify({ sku: 'book-123', qty: 2, note: 'gift wrap' });

/** A body that fails the schema (422). */
export const bad = JSON.stringify({ sku: 'book-123', qty: -1 });

/** The request headers, lower-case as HTTP API v2 and node deliver them. */
export const headers = { 'content-type': 'application/json', host: 'api.example', 'user-agent': 'bench' };

/** What a careful hand-written handler does: parse, validate once-built schema, answer 201 / 400 / 422. */
export function handleOrder(text: string | undefined): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    return { statusCode: 400, headers: { 'content-type': 'application/problem+json' }, body: '{"status":400}' };
  }
  const result = Order.safeParse(parsed);
  if (!result.success) {
    return {
      statusCode: 422,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({
        title: 'Unprocessable Content',
        status: 422,
        errors: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      }),
    };
  }
  return {
    statusCode: 201,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'o1', ...result.data }),
  };
}

/** The invocation id, a string the platform hands the adapter (the raw handler gets none). */
const requestId = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';

/** The same POST through core: a fresh context and request, `runHttp`, the normalised response. */
export function postThroughCore(fn: HttpFunction, text: string) {
  const ctx = createContext({ cloud: 'node', kind: 'http', requestId, functionName: 'orders' });
  return runHttp(fn, { method: 'POST', path: '/orders', headers, headersNormalized: true, body: text }, ctx);
}
