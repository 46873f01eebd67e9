/**
 * The same deliveries through the real Functions Framework under both signatures: what the
 * framework does for a `cloudevent` function, the `http` signature does itself, so the portable
 * event is the same either way.
 */
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type CloudEvent, events, type Message, queue } from '@skyport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { register } from './register.js';

const seen: unknown[] = [];

const anything = events().handle((event: CloudEvent) => {
  seen.push(event);
});
const orders = queue({ name: 'orders' }).handle((msg: Message) => {
  seen.push(msg);
});

const signatures = ['cloudevent', 'http'] as const;
type Signature = (typeof signatures)[number];
const servers = new Map<string, { url: string; close(): Promise<void> }>();
const url = (name: string, signature: Signature) => (servers.get(`${name}-${signature}`) as { url: string }).url;

beforeAll(async () => {
  for (const signature of signatures) {
    const names = register(
      {
        [`anything-${signature}`]: anything,
        [`orders-${signature}`]: orders,
      },
      { functions, signature },
    ).map((r) => r.name);
    for (const name of names) {
      const server = getTestServer(name);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      servers.set(name, {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      });
    }
  }
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

beforeEach(() => {
  seen.length = 0;
});

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('Pub/Sub delivery attempts', () => {
  const message = {
    data: btoa('{"orderId":"o1"}'),
    messageId: 'm1',
    publishTime: '2024-01-01T00:00:00Z',
    attributes: { googclient_deliveryattempt: '7' },
  };

  it.each(signatures)('takes no attempt from a publisher attribute (%s signature)', async (signature) => {
    const push = { message, subscription: 'projects/p/subscriptions/s' };
    const res = await fetch(url('orders', signature), json(push));
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'm1', attempt: 1, attributes: { googclient_deliveryattempt: '7' } });
  });

  it('takes the attempt from the push envelope, not from the attribute', async () => {
    const push = { message, subscription: 'projects/p/subscriptions/s', deliveryAttempt: 3 };
    expect((await fetch(url('orders', 'http'), json(push))).status).toBe(204);
    expect(seen[0]).toMatchObject({ attempt: 3 });
  });

  it('takes no attempt from the attribute of an Eventarc messagePublished event', async () => {
    const res = await fetch(url('orders', 'cloudevent'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-id': 'e1',
        'ce-source': '//pubsub.googleapis.com/projects/p/topics/orders',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-specversion': '1.0',
      },
      body: JSON.stringify({ message, subscription: 'projects/p/subscriptions/eventarc-s' }),
    });
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'm1', attempt: 1 });
  });
});
