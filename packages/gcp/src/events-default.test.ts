/**
 * The default signature of `events` functions on the real Functions Framework: a binary-mode
 * CloudEvent reaches the function whatever its data's content type, decoded as the docs say
 * (JSON parsed, `text/*` as a string, anything else as bytes), with its `datacontenttype`.
 */
import * as functions from '@google-cloud/functions-framework';
import { type CloudEvent, events } from '@skyport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RegisteredServer, serveRegistered } from './__fixtures__/server.js';
import { register } from './register.js';

const seen: CloudEvent[] = [];
const anything = events().handle((event: CloudEvent) => {
  seen.push(event);
});

let byDefault: RegisteredServer;
let forced: RegisteredServer;
let registered: ReturnType<typeof register>;

beforeAll(async () => {
  registered = register({ eventsByDefault: anything }, { functions });
  register({ eventsForcedCloudEvent: anything }, { functions, signature: 'cloudevent' });
  byDefault = await serveRegistered('eventsByDefault');
  forced = await serveRegistered('eventsForcedCloudEvent');
});

afterAll(async () => {
  await byDefault.close();
  await forced.close();
});

beforeEach(() => {
  seen.length = 0;
});

/** A binary-mode CloudEvent whose data has the given content type. */
const binary = (contentType: string, body: string) => ({
  method: 'POST',
  headers: {
    'content-type': contentType,
    'ce-id': 'evt-1',
    'ce-source': '//example.com/shop',
    'ce-type': 'com.example.order.exported',
    'ce-specversion': '1.0',
  },
  body,
});

describe('events functions by default', () => {
  it('are registered with the http signature', () => {
    expect(registered).toEqual([{ name: 'eventsByDefault', kind: 'events', signature: 'http' }]);
  });

  it.each([
    ['text/plain', 'order ord_1 exported', 'order ord_1 exported'],
    ['text/plain; charset=utf-8', 'für', 'für'],
    ['text/csv', 'id,total\nord_1,25\n', 'id,total\nord_1,25\n'],
    ['application/json', '{"orderId":"ord_1"}', { orderId: 'ord_1' }],
    ['application/x-www-form-urlencoded', 'a=1&b=2', new TextEncoder().encode('a=1&b=2')],
    ['application/octet-stream', 'raw', new TextEncoder().encode('raw')],
  ])('take a binary-mode event with %s data as the docs say', async (contentType, body, data) => {
    // Act
    const res = await fetch(byDefault.url, binary(contentType, body));

    // Assert
    expect(res.status).toBe(204);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.datacontenttype).toBe(contentType);
    expect(seen[0]?.data).toEqual(data);
  });
});

describe('events functions forced onto the cloudevent signature', () => {
  it("never run for text/plain data: the framework's legacy-event check throws on the string body (500)", async () => {
    const res = await fetch(forced.url, binary('text/plain', 'order ord_1 exported'));
    expect(res.status).toBe(500);
    expect(seen).toHaveLength(0);
  });

  it('get text/csv data as bytes without a datacontenttype', async () => {
    const res = await fetch(forced.url, binary('text/csv', 'id\nord_1\n'));
    expect(res.status).toBe(204);
    expect(seen[0]?.datacontenttype).toBeUndefined();
    expect(seen[0]?.data).toEqual(new TextEncoder().encode('id\nord_1\n'));
  });
});
