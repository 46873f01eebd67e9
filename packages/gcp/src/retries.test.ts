/**
 * What an event function with the `http` signature answers when a delivery fails, on the real
 * Functions Framework: a status every push sender retries (Eventarc Advanced retries only 408,
 * 409, 429, 500, 502, 503 and 504), with a problem body whose `status` is the answer's and which
 * keeps the code and detail the error shows. A request that is no event at all answers 400, a
 * GET 405, and an http function its own status.
 */
import {
  Conflict,
  events,
  HttpError,
  http,
  type Message,
  NotFound,
  queue,
  ServiceUnavailable,
  setLogDestination,
  TooManyRequests,
} from '@skyport/core';
import { gcp } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';

/** A queue function whose message body says how it ends. */
const orders = queue({ name: 'orders', body: z.object({ outcome: z.string() }) }).handle(async (msg: Message, ctx) => {
  const { outcome } = msg.body as { outcome: string };
  if (outcome === 'plain') throw new Error('the database password is hunter2');
  if (outcome === 'not-found') throw new NotFound('no order ord_404', { code: 'ORDER_MISSING' });
  if (outcome === 'conflict') throw new Conflict('order ord_1 is locked');
  if (outcome === 'instance') throw new Conflict('order ord_2 is locked', { instance: '/orders/ord_2' });
  if (outcome === 'busy') throw new TooManyRequests('slow down', { headers: { 'retry-after': '30' } });
  if (outcome === 'unavailable') throw new ServiceUnavailable('the warehouse is down');
  if (outcome === 'own-type') {
    throw new HttpError(404, 'ord_9 is out of stock', {
      type: 'https://example.com/out-of-stock',
      title: 'Out of stock',
    });
  }
  if (outcome === 'redirect') throw new HttpError(302, 'moved');
  if (outcome === 'slow') {
    // Waits for ctx.signal, which aborts shortly before the declared timeout (at once for a short one).
    await new Promise((_resolve, reject) => {
      const { signal } = ctx;
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
});
const api = http({ method: 'POST', path: '/' }).handle(() => {
  throw new NotFound('no order ord_404');
});
const anything = events().handle(() => {
  throw new NotFound('no such order');
});

let restoreLogs: () => void = () => undefined;
let ordersUrl: string;
let slowUrl: string;
beforeAll(async () => {
  restoreLogs = setLogDestination({ write: () => undefined });
  ordersUrl = `http://127.0.0.1:${await listen(toGcp(orders, { signature: 'http' }))}`;
  slowUrl = `http://127.0.0.1:${await listen(toGcp(orders, { signature: 'http', timeoutSeconds: 0.3 }))}`;
});
afterAll(async () => {
  await closeAll();
  restoreLogs();
});

const structured = (event: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: JSON.stringify(event),
});
const publish = (data: unknown) => structured(gcp.pubsubCloudEvent({ data }));

async function send(url: string, init: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    text,
    problem: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
  };
}

describe('a failed delivery to an event function (http signature)', () => {
  it.each([
    ['a NotFound', 'not-found', { detail: 'no order ord_404', code: 'ORDER_MISSING', title: 'Internal Server Error' }],
    ['a Conflict', 'conflict', { detail: 'order ord_1 is locked' }],
    ['a Conflict naming its instance', 'instance', { detail: 'order ord_2 is locked', instance: '/orders/ord_2' }],
    ['a TooManyRequests', 'busy', { detail: 'slow down' }],
    [
      'an error of its own problem type',
      'own-type',
      { type: 'https://example.com/out-of-stock', title: 'Out of stock' },
    ],
  ])('answers 500 for %s, keeping what the error shows', async (_name, outcome, shown) => {
    // Act
    const res = await send(ordersUrl, publish({ outcome }));

    // Assert
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.problem).toMatchObject({ status: 500, requestId: expect.any(String), ...shown });
  });

  it('keeps the headers of the error (Retry-After)', async () => {
    const res = await send(ordersUrl, publish({ outcome: 'busy' }));
    expect(res.headers['retry-after']).toBe('30');
  });

  it('answers 500 for a body failing its schema, with every failing path', async () => {
    const res = await send(ordersUrl, publish({ wrong: true }));
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ status: 500, code: 'VALIDATION' });
    const errors = (res.problem?.errors ?? []) as { path: string }[];
    expect(errors.map((e) => e.path)).toEqual(['body.outcome']);
  });

  it('keeps a 503 the handler threw', async () => {
    const res = await send(ordersUrl, publish({ outcome: 'unavailable' }));
    expect(res.status).toBe(503);
    expect(res.problem).toMatchObject({ status: 503, title: 'Service Unavailable' });
  });

  it('answers a plain error and a thrown redirect 500 with a generic title, never the message', async () => {
    for (const outcome of ['plain', 'redirect']) {
      const res = await send(ordersUrl, publish({ outcome }));
      expect(res.status).toBe(500);
      expect(res.problem).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: expect.any(String),
      });
    }
  });

  it('answers 504 when the invocation times out', async () => {
    const res = await send(slowUrl, publish({ outcome: 'slow' }));
    expect(res.status).toBe(504);
    expect(res.problem).toMatchObject({ status: 504, title: 'Gateway Timeout' });
  });

  it('answers 500 for a malformed event, naming the problem', async () => {
    const event = gcp.pubsubCloudEvent();
    const data = event.data as { message: Record<string, unknown> };
    const malformed = { ...event, data: { ...data, message: { ...data.message, data: 'not base64!' } } };
    const res = await send(ordersUrl, structured(malformed));
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ status: 500, code: 'INVALID_EVENT', detail: expect.stringMatching(/^gcp: /) });
  });

  it('answers 500 for an event of another source (a trigger wired to the wrong function)', async () => {
    const res = await send(ordersUrl, structured(gcp.storageCloudEvent()));
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ status: 500, code: 'KIND_MISMATCH' });
    expect(res.problem?.detail).toContain('a queue function cannot take');
  });

  it('answers an events function the same way', async () => {
    const port = await listen(toGcp(anything));
    const res = await send(`http://127.0.0.1:${port}`, structured(gcp.cloudEvent({ type: 'com.example.x' })));
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ status: 500, detail: 'no such order' });
  });
});

describe('a request that is no event', () => {
  it.each([
    ['a text body', { 'content-type': 'text/plain' }, 'hello'],
    ['JSON of no known shape', { 'content-type': 'application/json' }, '{"hello":"world"}'],
    ['an empty body', { 'content-type': 'application/json' }, ''],
    ['a body without a content type that is not JSON', {}, new TextEncoder().encode('hello')],
  ])('answers 400 UNKNOWN_EVENT for %s', async (_name, headers, body) => {
    const res = await send(ordersUrl, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(res.problem).toMatchObject({ status: 400, code: 'UNKNOWN_EVENT' });
  });

  it('answers a GET 405 with Allow: POST', async () => {
    const res = await send(ordersUrl, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.problem).toMatchObject({ status: 405 });
  });
});

describe('an http function', () => {
  it('answers with the status of its error', async () => {
    const port = await listen(toGcp(api));
    const res = await send(`http://127.0.0.1:${port}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(404);
    expect(res.problem).toMatchObject({ status: 404, detail: 'no order ord_404' });
  });
});
