/** Running functions through the GCP mapping with `invokeGcp()`, as docs/gcp.md shows. */
import { events, http } from '@skyport/core';
import { invokeGcp } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { expect, it } from 'vitest';
import { api, fulfilOrder, nightlyReport } from './src/functions.js';

it('places an order, fulfils it from Pub/Sub and runs the nightly report', async () => {
  const lines = [{ sku: 'book', qty: 2, unitPrice: 12.5 }];
  const created = await invokeGcp(api, {
    method: 'POST',
    path: '/orders',
    body: { customer: 'ada@example.com', lines },
  });
  expect(created).toMatchObject({
    status: 201,
    headers: { location: '/orders/ord_1', 'content-type': 'application/json' },
    cookies: [],
    body: { id: 'ord_1', status: 'pending', total: 25 },
  });

  const published = await invokeGcp(fulfilOrder, gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' }, topic: 'orders' }));
  const pushed = await invokeGcp(fulfilOrder, gcp.pubsubPush({ data: { orderId: 'ord_1' }, deliveryAttempt: 2 }));
  const tick = await invokeGcp(nightlyReport, {
    method: 'POST',
    headers: gcp.schedulerHttpHeaders({ jobName: 'nightly' }),
  });
  expect([published.status, pushed.status, tick.status]).toEqual([204, 204, 204]);

  const read = await invokeGcp(api, { path: '/orders/ord_1' });
  expect(read.body).toMatchObject({ id: 'ord_1', status: 'fulfilled' });

  const unknown = await invokeGcp(fulfilOrder, gcp.pubsubPush({ data: { orderId: 'ord_404' } }));
  expect(unknown).toMatchObject({ status: 500, body: { status: 500, detail: 'no order ord_404' } });
});

it('takes a legacy background event, sent as application/json', async () => {
  const order = { customer: 'grace@example.com', lines: [{ sku: 'pen', qty: 1, unitPrice: 2 }] };
  const { body: created } = await invokeGcp(api, { method: 'POST', path: '/orders', body: order });
  const orderId = (created as { id: string }).id;
  const data = Buffer.from(JSON.stringify({ orderId })).toString('base64');
  const legacy = {
    context: {
      eventId: 'e-1',
      timestamp: '2026-01-01T00:00:00.000Z',
      eventType: 'google.pubsub.topic.publish',
      resource: { service: 'pubsub.googleapis.com', name: 'projects/demo/topics/orders' },
    },
    data: { '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage', data },
  };
  expect(await invokeGcp(fulfilOrder, legacy)).toMatchObject({ status: 204 });
  expect((await invokeGcp(api, { path: `/orders/${orderId}` })).body).toMatchObject({ status: 'fulfilled' });
});

it('answers 400 with a problem code for a request that is no event', async () => {
  const res = await invokeGcp(fulfilOrder, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
  expect(res).toMatchObject({ status: 400, body: { code: 'UNKNOWN_EVENT' } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
});

it('sends an object with specversion and type as a structured CloudEvent', async () => {
  const seen: unknown[] = [];
  const shipped = events({ type: 'com.example.order.shipped' }).handle(async (event) => {
    seen.push(event.data);
  });
  const res = await invokeGcp(shipped, gcp.cloudEvent({ type: 'com.example.order.shipped', data: { id: 'ord_1' } }));
  expect(res.status).toBe(204);
  expect(seen).toEqual([{ id: 'ord_1' }]);
});

it('decodes the answer: JSON parsed, text/* as a string, anything else as bytes', async () => {
  const text = http({ method: 'GET', path: '/' }).handle(async () => 'plain words');
  const bytes = http({ method: 'GET', path: '/' }).handle(async () => new Uint8Array([1, 2, 3]));
  expect((await invokeGcp(text, { path: '/' })).body).toBe('plain words');
  expect((await invokeGcp(bytes, { path: '/' })).body).toEqual(new Uint8Array([1, 2, 3]));
});
