/**
 * Core overhead: a validated JSON POST through core (`createContext` + `runHttp`: parse,
 * validate, handler, normalise) against a raw async function doing the same `JSON.parse` +
 * schema parse + `JSON.stringify`, in the same process. Target: <= 1.15x. Also the 422 path
 * against a raw 422 (target <= 1.5x).
 */
import { http } from '@skyport/core';
import { measure, report } from './harness.js';
import { bad, body, handleOrder, Order, postThroughCore } from './orders.js';

const raw = async (text: string) => handleOrder(text);
const fn = http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
  status: 201,
  body: { id: 'o1', ...req.body },
}));

const ok = await measure([
  { name: 'raw JSON.parse + zod + stringify', fn: () => raw(body) },
  { name: 'skyport core validated POST', fn: () => postThroughCore(fn, body) },
]);
report(ok, { 'skyport core validated POST': 1.15 });
console.log('');
const invalid = await measure([
  { name: 'raw 422', fn: () => raw(bad) },
  { name: 'skyport core 422', fn: () => postThroughCore(fn, bad) },
]);
report(invalid, { 'skyport core 422': 1.5 });
