import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, store, useStore } from '../src/store.js';
import './index.js';

const servers: Server[] = [];

async function start(name: string): Promise<string> {
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A structured Pub/Sub CloudEvent, as Eventarc delivers a message published to `orders`. */
function published(body: unknown, messageId: string) {
  return {
    specversion: '1.0',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/demo/topics/orders',
    id: messageId,
    time: '2026-01-01T00:00:00Z',
    datacontenttype: 'application/json',
    data: {
      subscription: 'projects/demo/subscriptions/orders-fulfil',
      message: {
        messageId,
        publishTime: '2026-01-01T00:00:00Z',
        data: Buffer.from(JSON.stringify(body)).toString('base64'),
      },
    },
  };
}

const cloudEvent = (event: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: JSON.stringify(event),
});

describe('orders example on the Functions Framework', () => {
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of ['api', 'fulfilOrder', 'receiptUploaded', 'nightlyReport']) urls[name] = await start(name);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => useStore(createMemoryStore(() => new Date('2026-01-01T00:00:00Z'))));

  it('places an order over HTTP, then fulfils it from a Pub/Sub CloudEvent', async () => {
    // Act
    const created = await fetch(`${urls.api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
      body: JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] }),
    });
    const fulfilled = await fetch(urls.fulfilOrder as string, cloudEvent(published({ orderId: 'ord_1' }, 'm-1')));

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/orders/ord_1');
    expect(await created.json()).toMatchObject({ id: 'ord_1', total: 25, status: 'pending' });
    expect(fulfilled.status).toBe(204);
    expect((await store().get('ord_1'))?.status).toBe('fulfilled');
    const read = await fetch(`${urls.api}/orders/ord_1`);
    expect(await read.json()).toMatchObject({ id: 'ord_1', status: 'fulfilled' });
  });

  it('answers 500 for a message naming no order, so Pub/Sub redelivers it', async () => {
    const res = await fetch(urls.fulfilOrder as string, cloudEvent(published({ orderId: 'ord_404' }, 'm-2')));
    expect(res.status).toBe(500);
  });

  it('attaches a receipt from a Cloud Storage event and runs the nightly report from Cloud Scheduler', async () => {
    await store().create({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] });
    const receipt = await fetch(
      urls.receiptUploaded as string,
      cloudEvent({
        specversion: '1.0',
        type: 'google.cloud.storage.object.v1.finalized',
        source: '//storage.googleapis.com/projects/_/buckets/receipts',
        subject: 'objects/receipts/ord_1.pdf',
        id: 'obj-1',
        time: '2026-01-01T00:00:00Z',
        datacontenttype: 'application/json',
        data: { bucket: 'receipts', name: 'receipts/ord_1.pdf', size: '1024', contentType: 'application/pdf' },
      }),
    );
    expect(receipt.status).toBe(204);
    expect((await store().get('ord_1'))?.receipt).toBe('receipts/ord_1.pdf');

    const tick = await fetch(urls.nightlyReport as string, {
      method: 'POST',
      headers: { 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'nightly-report' },
    });
    expect(tick.status).toBe(204);
  });
});
