/**
 * docs/gcp.md, "invokeGcp()": how each kind of input is sent, and how the answer's body is decoded.
 */
import { http } from '@skyport/core';
import { invokeGcp } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

/** Answers the method, content type and exact body it received. */
const echo = http({ path: '/*' }).handle((req) => ({
  method: req.method,
  path: req.path,
  query: [...req.queryAll],
  type: req.header('content-type') ?? null,
  body: new TextDecoder().decode(req.rawBody),
}));

describe('invokeGcp() inputs', () => {
  it.each([
    ['a string body, as it is', { method: 'PUT', path: '/a', body: 'a=1' }, { method: 'PUT', type: null, body: 'a=1' }],
    ['bytes, as they are', { method: 'POST', body: new Uint8Array([104, 105]) }, { type: null, body: 'hi' }],
    [
      'any other body, as JSON',
      { path: '/', body: { a: 1 } },
      { method: 'POST', type: 'application/json', body: '{"a":1}' },
    ],
    [
      'a JSON body with its own content type',
      { body: [1], headers: { 'Content-Type': 'application/vnd.api+json' } },
      { type: 'application/vnd.api+json', body: '[1]' },
    ],
    [
      'no body, as a GET',
      { path: '/x', query: { tag: ['a', 'b'] } },
      {
        method: 'GET',
        path: '/x',
        query: [
          ['tag', 'a'],
          ['tag', 'b'],
        ],
      },
    ],
  ])('sends %s', async (_name, input, expected) => {
    expect((await invokeGcp(echo, input)).body).toMatchObject(expected);
  });

  it.each([
    [
      'a structured CloudEvent as application/cloudevents+json',
      gcp.cloudEvent({ type: 't' }),
      'application/cloudevents+json',
    ],
    ['a push envelope as application/json', gcp.pubsubPush(), 'application/json'],
    [
      'a legacy event as application/json',
      {
        context: { eventId: '1', eventType: 'google.pubsub.topic.publish', resource: 'projects/p/topics/t' },
        data: {},
      },
      'application/json',
    ],
  ])('sends %s, by POST to /', async (_name, input, type) => {
    expect((await invokeGcp(echo, input)).body).toMatchObject({
      method: 'POST',
      path: '/',
      type,
      body: JSON.stringify(input),
    });
  });
});

describe('invokeGcp() answers', () => {
  it.each([
    ['parsed JSON for JSON answers', () => ({ a: 1 }), { a: 1 }],
    ['a string for text/*', () => 'words', 'words'],
    ['bytes otherwise', () => new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  ])('decode the body: %s', async (_name, answer, body) => {
    const fn = http({ path: '/*' }).handle(answer);
    expect(await invokeGcp(fn, { path: '/' })).toMatchObject({ status: 200, cookies: [], body });
  });

  it('resolve to { status, headers, cookies, body }', async () => {
    const fn = http({ path: '/*' }).handle(() => ({
      status: 201,
      cookies: ['a=1'],
      headers: { 'X-Id': '7' },
      body: 'made',
    }));
    const res = await invokeGcp(fn, { method: 'POST', path: '/' });
    expect(Object.keys(res).sort()).toEqual(['body', 'cookies', 'headers', 'status']);
    expect(res).toMatchObject({ status: 201, cookies: ['a=1'], headers: { 'x-id': '7' }, body: 'made' });
  });
});

describe('@skyport/testing gcp factories', () => {
  it('include the ones the page lists, as plain JSON', () => {
    for (const name of [
      'pubsubCloudEvent',
      'pubsubPush',
      'storageCloudEvent',
      'firestoreCloudEvent',
      'toFirestoreValue',
      'schedulerHttpHeaders',
      'cloudEvent',
      'binaryMode',
    ]) {
      expect(typeof (gcp as Record<string, unknown>)[name]).toBe('function');
    }
    const event = gcp.firestoreCloudEvent({ document: 'orders/ord_1', value: { n: 1 } });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(gcp.toFirestoreValue({ qty: 2 })).toEqual({ mapValue: { fields: { qty: { integerValue: '2' } } } });
  });

  it('binaryMode(event) gives the { headers, body } of the binary-mode request', () => {
    const { headers, body } = gcp.binaryMode(gcp.cloudEvent({ type: 't', id: '1', source: '//s', data: { a: 1 } }));
    expect(headers).toMatchObject({
      'ce-id': '1',
      'ce-type': 't',
      'ce-source': '//s',
      'content-type': 'application/json',
    });
    expect(body).toBe('{"a":1}');
  });
});
