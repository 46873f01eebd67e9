/**
 * The GCP factories through the real Functions Framework: a binary-mode event built by
 * `binaryMode()` is posted with `fetch`, as its documentation says, and the handler sees the
 * event the factory described.
 */
import * as functions from '@google-cloud/functions-framework';
import { type CloudEvent, events } from '@skyport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RegisteredServer, serveRegistered } from '../../../gcp/src/__fixtures__/server.js';
import { register } from '../../../gcp/src/register.js';
import { binaryMode, cloudEvent } from './gcp.js';

const seen: CloudEvent[] = [];
const anything = events().handle((event: CloudEvent) => {
  seen.push(event);
});

const servers = new Map<string, RegisteredServer>();
const url = (name: string) => (servers.get(name) as RegisteredServer).url;

beforeAll(async () => {
  const names = [
    ...register({ factoryHttp: anything }, { functions, signature: 'http' }),
    ...register({ factoryCloudEvent: anything }, { functions, signature: 'cloudevent' }),
  ].map((r) => r.name);
  for (const name of names) servers.set(name, await serveRegistered(name));
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

beforeEach(() => {
  seen.length = 0;
});

describe('gcp.binaryMode() through the Functions Framework', () => {
  it('percent-encodes attribute values fetch could not send, and the adapter decodes them back', async () => {
    // Prepare
    const event = cloudEvent({
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/写真',
      subject: 'objects/写真/猫 "1".png',
      data: { name: '写真/猫 "1".png' },
      extensions: { note: '100% sure 😀' },
    });

    // Act
    const { headers, body } = binaryMode(event);
    const res = await fetch(url('factoryHttp'), { method: 'POST', headers, body });

    // Assert
    expect(headers['ce-subject']).toBe('objects/%E5%86%99%E7%9C%9F/%E7%8C%AB%20%221%22.png');
    expect(headers['ce-note']).toBe('100%25%20sure%20%F0%9F%98%80');
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({
      id: event.id,
      source: '//storage.googleapis.com/projects/_/buckets/写真',
      subject: 'objects/写真/猫 "1".png',
      data: { name: '写真/猫 "1".png' },
      extensions: { note: '100% sure 😀' },
    });
  });
});

describe('gcp.cloudEvent() with bytes through the Functions Framework', () => {
  it.each(['factoryHttp', 'factoryCloudEvent'])(
    '%s: the handler sees the same bytes in structured and binary mode',
    async (name) => {
      // Prepare
      const bytes = new Uint8Array([0, 1, 127, 128, 255, 0x7b]);
      const event = cloudEvent({ type: 'com.example.blob', data: bytes });
      const { headers, body } = binaryMode(event);

      // Act
      const asStructured = await fetch(url(name), {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(event),
      });
      const asBinary = await fetch(url(name), { method: 'POST', headers, body });

      // Assert
      expect([asStructured.status, asBinary.status]).toEqual([204, 204]);
      expect(event).toMatchObject({ datacontenttype: 'application/octet-stream', data_base64: 'AAF/gP97' });
      expect(event).not.toHaveProperty('data');
      for (const received of seen) {
        expect(received.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(received.data as Uint8Array)).toEqual(Array.from(bytes));
      }
      expect(seen).toHaveLength(2);
    },
  );
});
