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
