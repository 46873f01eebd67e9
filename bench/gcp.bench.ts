/**
 * GCP adapter overhead, in one process and without a server (the Functions Framework's Express
 * stack costs the same with or without Skyport): a validated JSON POST handed to a raw
 * `functions.http` handler (`JSON.parse(req.rawBody)` + zod + `res.end(JSON.stringify(...))`, the
 * baseline) and to `toGcp()`; the 422 path of both; and a Pub/Sub CloudEvent handed to a raw
 * `functions.cloudEvent` handler (base64 decode + `JSON.parse` + zod) and to `toGcp()`.
 * Packages are imported by name, so this measures the built `dist` (`npm run build`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { http, queue } from '@skyport/core';
import { type GcpRequest, type GcpResponse, toGcp } from '@skyport/gcp';
import { z } from 'zod';
import { measure, report } from './harness.js';

const Order = z.object({ sku: z.string(), qty: z.number().int().positive(), note: z.string().optional() });
const good = Buffer.from(JSON.stringify({ sku: 'book-123', qty: 2, note: 'gift wrap' }));
const bad = Buffer.from(JSON.stringify({ sku: 'book-123', qty: -1 }));

const headers: IncomingHttpHeaders = {
  host: 'orders-abc123-ew.a.run.app',
  'content-type': 'application/json',
  'content-length': String(good.length),
  'user-agent': 'bench',
  'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
  'function-execution-id': 'abc123',
  'x-forwarded-for': '203.0.113.10',
  'x-forwarded-proto': 'https',
};

const request = (rawBody: Buffer): GcpRequest => ({
  method: 'POST',
  url: '/orders',
  originalUrl: '/orders',
  headers,
  rawBody,
  body: JSON.parse(rawBody.toString()),
  ip: '203.0.113.10',
  executionId: 'abc123',
});

function response(): GcpResponse {
  return {
    statusCode: 200,
    setHeader: () => undefined,
    end: () => undefined,
  };
}

async function rawHttp(req: GcpRequest, res: GcpResponse): Promise<void> {
  const parsed = Order.safeParse(JSON.parse(Buffer.from(req.rawBody as Uint8Array).toString('utf8')));
  res.setHeader('content-type', 'application/json');
  if (!parsed.success) {
    res.statusCode = 422;
    res.end(
      JSON.stringify({
        status: 422,
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      }),
    );
    return;
  }
  res.statusCode = 201;
  res.end(JSON.stringify({ id: 'ord_1', ...parsed.data }));
}

const createOrder = toGcp(
  http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
    status: 201,
    body: { id: 'ord_1', ...req.body },
  })),
);

const event = {
  specversion: '1.0',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  source: '//pubsub.googleapis.com/projects/p/topics/orders',
  id: '3103425958877813',
  time: '2021-02-05T04:06:14.109Z',
  datacontenttype: 'application/json',
  data: {
    subscription: 'projects/p/subscriptions/s',
    message: { data: good.toString('base64'), messageId: '3103425958877813', publishTime: '2021-02-05T04:06:14.109Z' },
  },
};

let sink = 0;
async function rawCloudEvent(cloudEvent: typeof event): Promise<void> {
  const order = Order.parse(JSON.parse(Buffer.from(cloudEvent.data.message.data, 'base64').toString('utf8')));
  sink += order.qty;
}
const fulfil = toGcp(
  queue({ name: 'orders', body: Order }).handle((msg) => {
    sink += msg.body.qty;
  }),
  { signature: 'cloudevent' },
);

console.log('validated JSON POST (functions.http handler)');
report(
  await measure([
    { name: 'raw handler', fn: () => rawHttp(request(good), response()) },
    { name: 'skyport toGcp', fn: () => createOrder(request(good), response()) },
  ]),
);
console.log('\n422 path');
report(
  await measure([
    { name: 'raw handler 422', fn: () => rawHttp(request(bad), response()) },
    { name: 'skyport toGcp 422', fn: () => createOrder(request(bad), response()) },
  ]),
);
console.log('\nPub/Sub CloudEvent (functions.cloudEvent handler)');
report(
  await measure([
    { name: 'raw handler', fn: () => rawCloudEvent(event) },
    { name: 'skyport toGcp', fn: () => fulfil(event) },
  ]),
);
if (sink < 0) console.log(sink);
