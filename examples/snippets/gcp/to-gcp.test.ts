/** What docs/gcp.md says about `toGcp()`, checked on the real Functions Framework. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type GcpCloudEventHandler, type GcpHttpHandler, toGcp } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { store } from '../../orders/src/store.js';
import { api, fulfilOrder } from './src/functions.js';
import './to-gcp.js';

const servers: Server[] = [];
const urls: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ['api', 'fulfilOrderPush', 'fulfilOrder']) {
    const server = getTestServer(name);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
});
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (body: unknown, type = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': type },
  body: JSON.stringify(body),
});

describe('toGcp() handlers registered with the Functions Framework', () => {
  it('serves the API and fulfils orders from push envelopes and CloudEvents', async () => {
    // Act
    const created = await fetch(
      `${urls.api}/orders`,
      json({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] }),
    );
    const pushed = await fetch(`${urls.fulfilOrderPush}`, json(gcp.pubsubPush({ data: { orderId: 'ord_1' } })));
    const published = await fetch(
      `${urls.fulfilOrder}`,
      json(gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' }, topic: 'orders' }), 'application/cloudevents+json'),
    );

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/orders/ord_1');
    expect(pushed.status).toBe(204);
    expect((await store().get('ord_1'))?.status).toBe('fulfilled');
    expect(published.status).toBe(204);
  });

  it('answers a failed message 500 with either signature, so it is redelivered', async () => {
    const pushed = await fetch(`${urls.fulfilOrderPush}`, json(gcp.pubsubPush({ data: { orderId: 'ord_404' } })));
    const published = await fetch(
      `${urls.fulfilOrder}`,
      json(gcp.pubsubCloudEvent({ data: { orderId: 'ord_404' } }), 'application/cloudevents+json'),
    );
    expect(pushed.status).toBe(500);
    expect(pushed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await pushed.json()).toMatchObject({ status: 500, detail: 'no order ord_404' });
    expect(published.status).toBe(500);
  });
});

describe('toGcp() types', () => {
  it('gives the handler of the signature, or the union of both without one', () => {
    expectTypeOf(toGcp(api)).toEqualTypeOf<GcpHttpHandler>();
    expectTypeOf(toGcp(fulfilOrder, { signature: 'cloudevent' })).toEqualTypeOf<GcpCloudEventHandler>();
    expectTypeOf(toGcp(fulfilOrder)).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
  });

  it('refuses the cloudevent signature for an http function, at compile time and at run time', () => {
    // @ts-expect-error an http function has no cloudevent handler
    expect(() => toGcp(api, { signature: 'cloudevent' })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
  });
});
