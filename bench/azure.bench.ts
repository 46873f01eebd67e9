/**
 * Azure adapter overhead, in one process with the real `@azure/functions` classes: a validated
 * JSON POST handed to a raw v4 `app.http` handler (`await request.json()` + zod + an
 * `HttpResponseInit`, the baseline) and to `toAzure()`; its 422 path; and a Storage Queue message
 * (already parsed by the host) handed to a raw handler (zod) and to `toAzure()`. Each case builds
 * its own `HttpRequest` (the host does that for both). Packages are imported by name, so this
 * measures the built `dist` (`npm run build`).
 */
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import { toAzure } from '@skyport/azure';
import { http, queue } from '@skyport/core';
import { z } from 'zod';
import { measure, report } from './harness.js';

// Node's ESM loader sees only some names of this CommonJS package; the classes sit on the default export.
const { HttpRequest, InvocationContext } = azureFunctions;

const Order = z.object({ sku: z.string(), qty: z.number().int().positive(), note: z.string().optional() });
const good = JSON.stringify({ sku: 'book-123', qty: 2, note: 'gift wrap' });
const bad = JSON.stringify({ sku: 'book-123', qty: -1 });

const request = (body: string) =>
  new HttpRequest({
    method: 'POST',
    url: 'https://orders.azurewebsites.net/api/orders',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'bench',
      'x-forwarded-for': '203.0.113.10:50000',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    body: { string: body },
  });

const context = new InvocationContext({
  invocationId: 'c0ffee00-0000-4000-8000-000000000000',
  functionName: 'createOrder',
  logHandler: () => undefined,
  options: { trigger: { type: 'httpTrigger', name: 'request', route: 'orders' } },
});

async function rawHttp(req: InstanceType<typeof HttpRequest>): Promise<HttpResponseInit> {
  const parsed = Order.safeParse(await req.json());
  if (!parsed.success) {
    return {
      status: 422,
      jsonBody: {
        status: 422,
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    };
  }
  return { status: 201, jsonBody: { id: 'ord_1', ...parsed.data } };
}

const createOrder = toAzure(
  http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
    status: 201,
    body: { id: 'ord_1', ...req.body },
  })),
);

const queueContext = new InvocationContext({
  invocationId: 'c0ffee00-0000-4000-8000-000000000001',
  functionName: 'fulfilOrder',
  logHandler: () => undefined,
  triggerMetadata: { id: 'm-1', dequeueCount: 1, insertionTime: '2026-01-01T00:00:00+00:00' },
  options: { trigger: { type: 'queueTrigger', name: 'message', queueName: 'orders' } },
});
const message = JSON.parse(good) as unknown;

let sink = 0;
async function rawQueue(entry: unknown): Promise<void> {
  sink += Order.parse(entry).qty;
}
const fulfil = toAzure(
  queue({ name: 'orders', body: Order }).handle((msg) => {
    sink += msg.body.qty;
  }),
);

console.log('validated JSON POST (app.http handler, HttpRequest built per call)');
report(
  await measure([
    { name: 'raw handler', fn: () => rawHttp(request(good)) },
    { name: 'skyport toAzure', fn: () => createOrder(request(good), context) },
  ]),
);
console.log('\n422 path');
report(
  await measure([
    { name: 'raw handler 422', fn: () => rawHttp(request(bad)) },
    { name: 'skyport toAzure 422', fn: () => createOrder(request(bad), context) },
  ]),
);
console.log('\nStorage Queue message (app.storageQueue handler)');
report(
  await measure([
    { name: 'raw handler', fn: () => rawQueue(message) },
    { name: 'skyport toAzure', fn: () => fulfil(message, queueContext) },
  ]),
);
if (sink < 0) console.log(sink);
