import { type StorageEvent, storage } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { fixture, fromRpcMetadata, invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';

function recorder(options: { bucket: string; prefix?: string }) {
  const seen: StorageEvent[] = [];
  const fn = storage(options).handle((event) => {
    seen.push(event);
  });
  return { fn, seen };
}

describe('toAzure: blob trigger', () => {
  it('v4 metadata in the fixture is what the library makes of the host metadata', () => {
    const rpc = fixture<Record<string, Record<string, unknown>>>(
      'blob/azure-functions-nodejs-library__blobTrigger.trigger-metadata.rpc.json',
    );
    expect(fromRpcMetadata(rpc)).toEqual(
      fixture('blob/azure-functions-nodejs-library__blobTrigger.trigger-metadata.v4.json'),
    );
  });

  it('maps a new blob (fixture) to a created storage event', async () => {
    // Prepare
    const metadata = fixture<Record<string, unknown>>(
      'blob/azure-functions-nodejs-library__blobTrigger.trigger-metadata.v4.json',
    );
    const { fn, seen } = recorder({ bucket: 'helloworldcontainer' });
    const content = Buffer.from('0123456789abcdef');

    // Act
    await toAzure(fn)(content, invocation({ triggerMetadata: metadata }).context);

    // Assert
    expect(seen).toEqual([
      {
        type: 'created',
        bucket: 'helloworldcontainer',
        key: 'hello-at-2022-08-25T05-06-38Z',
        size: 16,
        etag: '0x8DA8657981E929A',
        contentType: 'application/octet-stream',
        time: new Date('2022-08-25T05:06:39Z'),
        raw: { blob: content, metadata },
      },
    ]);
  });

  it('falls back to the blob URI and skips keys outside the prefix', async () => {
    // Prepare
    const { fn, seen } = recorder({ bucket: 'uploads', prefix: 'in/' });
    const at = (name: string) =>
      invocation({
        triggerMetadata: { uri: `https://acct.blob.core.windows.net/uploads/${name}` },
        options: { trigger: { type: 'blobTrigger', name: 'blob', path: 'uploads/{name}' } },
      }).context;

    // Act
    await toAzure(fn)(Buffer.from('x'), at('in/a%20b.txt'));
    await toAzure(fn)(Buffer.from('x'), at('out/c.txt'));

    // Assert
    expect(seen.map((e) => [e.bucket, e.key, e.size])).toEqual([['uploads', 'in/a b.txt', 1]]);
  });

  it('refuses blob metadata without a path', async () => {
    const { fn } = recorder({ bucket: 'b' });
    const context = invocation({
      triggerMetadata: {},
      options: { trigger: { type: 'blobTrigger', name: 'b' } },
    }).context;
    await expect(toAzure(fn)(Buffer.from('x'), context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      kind: 'storage',
      shape: 'blobTrigger',
    });
    await expect(toAzure(fn)(Buffer.from('x'), invocation().context)).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
  });
});
