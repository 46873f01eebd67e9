/**
 * Middleware overhead, in one process against baselines:
 * 1. A validated JSON POST through core (`createContext` + `runHttp`) with `logger()` writing one
 *    line, against a raw handler (JSON.parse + zod + stringify) that makes a pino child bound to
 *    the same fields and writes one line. Both write to a null destination. Target <= 1.1x
 *    (with the summary line off, so both write one line; the default, with the summary line,
 *    is printed too).
 * 2. The same core POST with `tracing()` and no OpenTelemetry SDK registered, against it without.
 *    Target <= 1.05x. Rows with a no-op middleware and a hand-made pino child in the handler show
 *    how much of each ratio is the middleware chain itself rather than the middleware's work.
 * 3. No target, measured after the others: what reading the trace costs without an SDK, where
 *    `tracing()` parses the caller's `traceparent` only when `ctx.traceId` (or `ctx.span`) is
 *    read, by the handler or by `logger()` after it.
 */
import { createContext, createMiddleware, http, runHttp, setLogDestination } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { pino } from 'pino';
import { z } from 'zod';
import { measure, report } from './harness.js';

const Order = z.object({ sku: z.string(), qty: z.number().int().positive(), note: z.string().optional() });
const body = JSON.stringify({ sku: 'book-123', qty: 2, note: 'gift wrap' });
const headers = {
  'content-type': 'application/json',
  host: 'api.example',
  'user-agent': 'bench',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

const nullDestination = { write: (_line: string) => {} };
setLogDestination(nullDestination);
const rawRoot = pino({ level: 'info', base: null }, nullDestination);

let n = 0;
async function raw(text: string) {
  const log = rawRoot.child({ requestId: `r${n++}`, functionName: 'orders', cloud: 'node', coldStart: false });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { statusCode: 400, body: '{"title":"Bad Request"}' };
  }
  const result = Order.safeParse(parsed);
  if (!result.success) return { statusCode: 422, body: '{"title":"Unprocessable Content"}' };
  log.info({ sku: result.data.sku }, 'order accepted');
  return {
    statusCode: 201,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'o1', ...result.data }),
  };
}

const handler = (req: { body: z.infer<typeof Order> }) => ({ status: 201, body: { id: 'o1', ...req.body } });
const plain = http({ method: 'POST', path: '/orders', body: Order }).handle(handler);
const traced = http({ method: 'POST', path: '/orders', body: Order }).use(tracing()).handle(handler);
const logged = (summary: boolean) =>
  http({ method: 'POST', path: '/orders', body: Order })
    .use(logger({ summary }))
    .handle((req, ctx) => {
      ctx.log.info({ sku: req.body.sku }, 'order accepted');
      return handler(req);
    });
const loggedOneLine = logged(false);
const noop = createMiddleware({ name: 'noop', handle: (_event, _ctx, next) => next() });
const chained = http({ method: 'POST', path: '/orders', body: Order }).use(noop).handle(handler);
const handMade = http({ method: 'POST', path: '/orders', body: Order })
  .use(noop)
  .handle((req, ctx) => {
    rawRoot
      .child({ requestId: ctx.requestId, functionName: ctx.functionName, cloud: ctx.cloud, coldStart: ctx.coldStart })
      .info({ sku: req.body.sku }, 'order accepted');
    return handler(req);
  });
const loggedWithSummary = logged(true);

function skyport(fn: typeof plain) {
  const ctx = createContext({ cloud: 'node', kind: 'http', requestId: `r${n++}`, functionName: 'orders' });
  return runHttp(fn, { method: 'POST', path: '/orders', headers, headersNormalized: true, body }, ctx);
}

const logging = await measure([
  { name: 'raw handler + pino child + 1 line', fn: () => raw(body) },
  { name: 'core POST + no-op mw + pino child + 1 line', fn: () => skyport(handMade) },
  { name: 'core POST + logger() 1 line', fn: () => skyport(loggedOneLine) },
  { name: 'core POST + logger() 1 line + summary', fn: () => skyport(loggedWithSummary) },
]);
report(logging, { 'core POST + logger() 1 line': 1.1 });
console.log('');
const tracingResults = await measure([
  { name: 'core POST', fn: () => skyport(plain) },
  { name: 'core POST + no-op middleware', fn: () => skyport(chained) },
  { name: 'core POST + tracing() (no SDK)', fn: () => skyport(traced) },
]);
report(tracingResults, { 'core POST + tracing() (no SDK)': 1.05 });
console.log('');
// The id a handler would pass on to an outgoing call.
let traceSeen: string | undefined;
const readsTrace = http({ method: 'POST', path: '/orders', body: Order })
  .use(tracing())
  .handle((req, ctx) => {
    traceSeen = ctx.traceId;
    return handler(req);
  });
const tracedLogged = http({ method: 'POST', path: '/orders', body: Order })
  .use(tracing())
  .use(logger({ summary: false }))
  .handle((req, ctx) => {
    ctx.log.info({ sku: req.body.sku }, 'order accepted');
    return handler(req);
  });
const readResults = await measure([
  { name: 'core POST', fn: () => skyport(plain) },
  { name: 'core POST + tracing() (no SDK), ctx.traceId read', fn: () => skyport(readsTrace) },
  { name: 'core POST + logger() 1 line', fn: () => skyport(loggedOneLine) },
  { name: 'core POST + tracing() (no SDK) + logger() 1 line', fn: () => skyport(tracedLogged) },
]);
report(readResults);
if (traceSeen === undefined) throw new Error('tracing() lost the caller trace');
