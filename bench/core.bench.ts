/**
 * Core overhead: a validated JSON POST through `invoke()`-equivalent core machinery
 * (`createContext` + `runHttp`: parse, validate, handler, normalise) against a raw async function
 * doing the same `JSON.parse` + schema parse + `JSON.stringify`, in the same process.
 * Target: <= 1.15x. Also the 422 path against a raw 422.
 */
import { createContext, http, runHttp } from '@skyport/core';
import { z } from 'zod';
import { measure, report } from './harness.js';

const Order = z.object({ sku: z.string(), qty: z.number().int().positive(), note: z.string().optional() });
const body = JSON.stringify({ sku: 'book-123', qty: 2, note: 'gift wrap' });
const bad = JSON.stringify({ sku: 'book-123', qty: -1 });
const headers = { 'content-type': 'application/json', host: 'api.example', 'user-agent': 'bench' };

async function raw(text: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { statusCode: 400, body: '{"title":"Bad Request"}' };
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

const fn = http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
  status: 201,
  body: { id: 'o1', ...req.body },
}));

let n = 0;
function skyport(text: string) {
  const ctx = createContext({ cloud: 'node', kind: 'http', requestId: `r${n++}`, functionName: 'orders' });
  return runHttp(fn, { method: 'POST', path: '/orders', headers, headersNormalized: true, body: text }, ctx);
}

const ok = await measure([
  { name: 'raw JSON.parse + zod + stringify', fn: () => raw(body) },
  { name: 'skyport core validated POST', fn: () => skyport(body) },
]);
report(ok, { 'skyport core validated POST': 1.15 });
console.log('');
const invalid = await measure([
  { name: 'raw 422', fn: () => raw(bad) },
  { name: 'skyport core 422', fn: () => skyport(bad) },
]);
report(invalid, { 'skyport core 422': 1.5 });
