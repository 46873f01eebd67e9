/**
 * docs/gcp.md, "Failures and retries": the answer of each outcome with the `http` and the
 * `cloudevent` signature, and the framework behaviours that apply before any Skyport code runs,
 * over HTTP on the real Functions Framework.
 */
import { events, HttpError, type Message, NotFound, queue, ServiceUnavailable } from '@skyport/core';
import { register } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Running, send, start } from './serve.js';

/** A queue function whose message body says how it ends. */
const orders = queue({ name: 'orders', body: z.object({ outcome: z.string() }) }).handle((msg: Message) => {
  const { outcome } = msg.body as { outcome: string };
  if (outcome === 'plain') throw new Error('the database is down');
  if (outcome === 'not-found') throw new NotFound('no order ord_404');
  if (outcome === 'redirect') throw new HttpError(302, 'moved');
  if (outcome === 'unavailable') throw new ServiceUnavailable('the warehouse is down');
});
let ranFiltered = 0;
const shipped = events({ type: 'com.example.order.shipped' }).handle(() => {
  ranFiltered++;
});

let http: Running;
let cloudevent: Running;
beforeAll(async () => {
  register({ gcpFailuresHttp: orders }, { signature: 'http' });
  register({ gcpFailuresEvent: orders }, { signature: 'cloudevent' });
  register({ gcpFailuresFilterHttp: shipped }, { signature: 'http' });
  register({ gcpFailuresFilterEvent: shipped }, { signature: 'cloudevent' });
  http = await start('gcpFailuresHttp');
  cloudevent = await start('gcpFailuresEvent');
});
afterAll(async () => {
  await http.close();
  await cloudevent.close();
});

const publish = (data: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: JSON.stringify(gcp.pubsubCloudEvent({ data })),
});

/** A Pub/Sub CloudEvent whose message data is not base64. */
const malformed = () => {
  const event = gcp.pubsubCloudEvent();
  const data = event.data as { message: Record<string, unknown> };
  return {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ ...event, data: { ...data, message: { ...data.message, data: 'not base64!' } } }),
  };
};

describe('outcomes', () => {
  it.each([
    ['the handler succeeded', 204, 204, publish({ outcome: 'ok' })],
    ['a plain error', 500, 500, publish({ outcome: 'plain' })],
    ['NotFound', 500, 500, publish({ outcome: 'not-found' })],
    ['ServiceUnavailable', 503, 500, publish({ outcome: 'unavailable' })],
    ['an HttpError below 400', 500, 500, publish({ outcome: 'redirect' })],
    ['a payload failing its schema', 500, 500, publish({ wrong: true })],
    ['a malformed event', 500, 500, malformed()],
  ])('%s: %i with the http signature, %i with cloudevent', async (_name, viaHttp, viaEvent, request) => {
    const [a, b] = [await send(http.url, request), await send(cloudevent.url, request)];
    expect([a.status, b.status]).toEqual([viaHttp, viaEvent]);
    if (viaHttp >= 400) {
      expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(a.json).toMatchObject({ status: viaHttp });
    }
  });

  it("a NotFound keeps its detail in the 500's problem (http)", async () => {
    const res = await send(http.url, publish({ outcome: 'not-found' }));
    expect(res.json).toMatchObject({ status: 500, title: 'Internal Server Error', detail: 'no order ord_404' });
  });

  it('a definition filter that skips the event: 204 with both signatures, the handler not run', async () => {
    const filters = [await start('gcpFailuresFilterHttp'), await start('gcpFailuresFilterEvent')];
    try {
      const placed = JSON.stringify(gcp.cloudEvent({ type: 'com.example.order.placed', data: {} }));
      const request = { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: placed };
      const statuses = [];
      for (const server of filters) statuses.push((await send(server.url, request)).status);
      expect(statuses).toEqual([204, 204]);
      expect(ranFiltered).toBe(0);
    } finally {
      for (const server of filters) await server.close();
    }
  });

  it('a plain error answers a generic title, never its message (http)', async () => {
    const res = await send(http.url, publish({ outcome: 'plain' }));
    expect(res.json).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(res.text).not.toContain('database');
  });

  it('a schema failure lists the failing paths (http)', async () => {
    const res = await send(http.url, publish({ wrong: true }));
    expect(res.json).toMatchObject({ status: 500, code: 'VALIDATION' });
    expect((res.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['body.outcome']);
  });

  it.each([
    ['INVALID_EVENT', { 'content-type': 'application/cloudevents+json' }, '{"specversion":"1.0","type":"t"}'],
    ['KIND_MISMATCH', { 'content-type': 'application/cloudevents+json' }, JSON.stringify(gcp.storageCloudEvent())],
  ])(
    'a %s event answers 500 with that code (http), 500 with its message outside production (cloudevent)',
    async (code, headers, body) => {
      const a = await send(http.url, { method: 'POST', headers, body });
      expect(a).toMatchObject({ status: 500, json: { status: 500, code } });
      const b = await send(cloudevent.url, { method: 'POST', headers, body });
      expect(b.status).toBe(500);
      expect(b.text).toMatch(/^gcp: /);
    },
  );

  it('a request that is no event answers 400 UNKNOWN_EVENT, a GET 405 (http)', async () => {
    const text = await send(http.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text).toMatchObject({ status: 400, json: { status: 400, code: 'UNKNOWN_EVENT' } });
    const json = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    });
    expect(json).toMatchObject({ status: 400, json: { code: 'UNKNOWN_EVENT' } });
    expect((await send(http.url, { method: 'GET' })).status).toBe(405);
  });

  it('hides the message of a 500 in production (cloudevent)', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const res = await send(cloudevent.url, publish({ outcome: 'plain' }));
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('database');
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});

describe('before any Skyport code runs', () => {
  it('a malformed JSON body is answered 400 by the framework', async () => {
    const res = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message":',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).not.toMatch(/problem\+json/);
  });

  it('the legacy-event conversion of the cloudevent signature answers 500 for { "context": "" }', async () => {
    const res = await send(cloudevent.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{ "context": "" }',
    });
    expect(res.status).toBe(500);
  });
});
