import { type CloudEvent, events, type Logger, type StorageEvent, storage } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture, invocation } from '../test/helpers.js';
import type { BatchFailedError } from './errors.js';
import { eventGridStorageItems, IGNORED_STORAGE_EVENT } from './event-grid.js';
import { toAzure } from './handler.js';

const grid = { options: { trigger: { type: 'eventGridTrigger', name: 'event' } } };
const first = (path: string) => (fixture<unknown[]>(path)[0] ?? {}) as Record<string, unknown>;
const created = first('eventgrid/azure-docs__blob-created.eventgrid-schema.json');
const deleted = first('eventgrid/azure-docs__blob-deleted.eventgrid-schema.json');
const createdCloud = first('eventgrid/azure-docs__blob-created.cloudevents-schema.json');

describe('toAzure: Event Grid blob events as storage', () => {
  it('maps BlobCreated and BlobDeleted in the Event Grid schema (fixtures)', async () => {
    // Prepare
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'test-container' }).handle((event) => {
      seen.push(event);
    });

    // Act
    await toAzure(fn)(created, invocation(grid).context);
    await toAzure(fn)(deleted, invocation(grid).context);

    // Assert
    expect(seen).toEqual([
      {
        type: 'created',
        bucket: 'test-container',
        key: 'new-file.txt',
        size: 524288,
        etag: '0x8D4BCC2E4835CD0',
        contentType: 'text/plain',
        time: new Date('2017-06-26T18:41:00.958Z'),
        raw: created,
      },
      {
        type: 'deleted',
        bucket: 'testcontainer',
        key: 'file-to-delete.txt',
        size: undefined,
        etag: undefined,
        contentType: 'text/plain',
        time: new Date('2017-11-07T20:09:22.567Z'),
        raw: deleted,
      },
    ]);
  });

  it('maps BlobCreated in the CloudEvents schema (fixture), detected without a declared trigger', async () => {
    // Prepare
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'test-container', on: ['created'] }).handle((event) => {
      seen.push(event);
    });

    // Act
    await toAzure(fn)(createdCloud, invocation().context);
    await toAzure(fn)(deleted, invocation().context);

    // Assert: the delete is acknowledged without running the handler (`on`)
    expect(seen.map((e) => [e.type, e.bucket, e.key, e.size, e.time.toISOString()])).toEqual([
      ['created', 'test-container', 'new-file.txt', 524288, '2017-06-26T18:41:00.958Z'],
    ]);
  });

  it("names the blob of a CloudEvents-schema subject without its leading slash, as in Microsoft's sample", async () => {
    // Prepare
    const seen: StorageEvent[] = [];
    const fn = storage({ bucket: 'c' }).handle((event) => {
      seen.push(event);
    });
    const sample = {
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobCreated',
      source: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a',
      id: '9aeb0fdf-c01e-0131-0922-9eb54906e209',
      time: '2019-11-18T15:13:39.4589254Z',
      subject: 'blobServices/default/containers/c/blobs/new-file.png',
      dataschema: '#',
      data: { api: 'PutBlockList', eTag: '0x8D76C39E4407333', contentType: 'image/png', contentLength: 30699 },
    };

    // Act
    await toAzure(fn)(sample, invocation(grid).context);

    // Assert
    expect(seen.map((e) => [e.type, e.bucket, e.key, e.size, e.contentType])).toEqual([
      ['created', 'c', 'new-file.png', 30699, 'image/png'],
    ]);
  });

  it('takes a whole webhook array as a batch and refuses events that are not blob events', async () => {
    // Prepare
    const fn = storage({ bucket: 'b' }).handle(() => undefined);
    const custom = { ...created, eventType: 'Contoso.Items.ItemReceived' };

    // Act + Assert
    await expect(
      toAzure(fn)(fixture('eventgrid/azure-docs__blob-created.eventgrid-schema.json'), invocation(grid).context),
    ).resolves.toBeUndefined();
    await expect(toAzure(fn)(custom, invocation(grid).context)).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT',
      kind: 'storage',
    });
  });
});

describe('toAzure: Event Grid storage account events that are neither created nor deleted', () => {
  const others = [
    'Microsoft.Storage.BlobTierChanged',
    'Microsoft.Storage.BlobRenamed',
    'Microsoft.Storage.DirectoryCreated',
  ];

  /** A logger that records its `warn` lines. */
  function recordingLog(): { log: Logger; warned: unknown[][] } {
    const warned: unknown[][] = [];
    const ignore = () => undefined;
    const log: Logger = {
      trace: ignore,
      debug: ignore,
      info: ignore,
      warn: (...args: unknown[]) => {
        warned.push(args);
      },
      error: ignore,
      fatal: ignore,
      child: () => log,
    };
    return { log, warned };
  }

  it.each(others)('acknowledges %s in either schema (fixtures) without running the handler', async (eventType) => {
    // Prepare
    const ran: StorageEvent[] = [];
    const fn = storage({ bucket: 'test-container' }).handle((event) => {
      ran.push(event);
    });
    const gridSchema = { ...created, eventType };
    const cloudSchema = { ...createdCloud, type: eventType };

    // Act
    const outcomes = [
      await toAzure(fn)(gridSchema, invocation(grid).context),
      await toAzure(fn)(cloudSchema, invocation(grid).context),
      await toAzure(fn)(cloudSchema, invocation().context),
    ];

    // Assert
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    expect(ran).toEqual([]);
  });

  it('runs the blob events of a batch and acknowledges the others in it', async () => {
    // Prepare
    const ran: string[] = [];
    const fn = storage({ bucket: 'test-container' }).handle((event) => {
      ran.push(`${event.type} ${event.key}`);
    });
    const batch = [{ ...created, eventType: 'Microsoft.Storage.BlobTierChanged' }, created, deleted];

    // Act
    await toAzure(fn)(batch, invocation(grid).context);

    // Assert
    expect(ran).toEqual(['created new-file.txt', 'deleted file-to-delete.txt']);
  });

  it('gives no item for them, and logs one warn line naming each type', () => {
    // Prepare
    const { log, warned } = recordingLog();
    const batch = [
      { ...created, eventType: 'Microsoft.Storage.BlobTierChanged' },
      { ...createdCloud, type: 'Microsoft.Storage.BlobRenamed' },
      created,
    ];

    // Act
    const items = eventGridStorageItems(batch, 'storage', log);

    // Assert
    expect(items.map((item) => item.event.key)).toEqual(['new-file.txt']);
    expect(warned).toEqual([
      [{ eventType: 'Microsoft.Storage.BlobTierChanged' }, IGNORED_STORAGE_EVENT],
      [{ eventType: 'Microsoft.Storage.BlobRenamed' }, IGNORED_STORAGE_EVENT],
    ]);
  });

  it('still refuses malformed events with a typed error', async () => {
    // Prepare
    const fn = storage({ bucket: 'b' }).handle(() => undefined);
    const { eventType: _type, ...untyped } = created;
    const { subject: _subject, ...unnamed } = created;

    // Act
    const outcomes = await Promise.all(
      [untyped, unnamed, { ...created, subject: '/blobServices/default/containers/c' }].map((event) =>
        toAzure(fn)(event, invocation(grid).context).catch((error: unknown) => error),
      ),
    );

    // Assert
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ code: 'INVALID_EVENT', kind: 'storage', shape: 'eventGridTrigger' });
    }
  });
});

describe('toAzure: Event Grid custom events as CloudEvents', () => {
  it('maps the Event Grid schema and the CloudEvents schema to the same CloudEvent', async () => {
    // Prepare
    const seen: CloudEvent[] = [];
    const fn = events().handle((event) => {
      seen.push(event);
    });

    // Act
    await toAzure(fn)(created, invocation(grid).context);
    await toAzure(fn)(createdCloud, invocation(grid).context);

    // Assert
    const common = {
      id: '831e1650-001e-001b-66ab-eeb76e069631',
      source:
        '/subscriptions/{subscription-id}/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/my-storage-account',
      type: 'Microsoft.Storage.BlobCreated',
      specversion: '1.0',
      subject: '/blobServices/default/containers/test-container/blobs/new-file.txt',
      time: new Date('2017-06-26T18:41:00.958Z'),
      data: created.data,
    };
    expect(seen[0]).toEqual({
      ...common,
      datacontenttype: 'application/json',
      extensions: { dataversion: '', metadataversion: '1' },
      raw: created,
    });
    expect(seen[1]).toEqual({ ...common, datacontenttype: undefined, extensions: {}, raw: createdCloud });
  });

  it('filters by type, validates data, and refuses events without an id', async () => {
    // Prepare
    const seen: string[] = [];
    const fn = events({ type: 'Contoso.Order.Placed', data: z.object({ orderId: z.string() }) }).handle((event) => {
      seen.push(event.data.orderId);
    });
    const order = (data: unknown, id = 'e-1') => ({
      id,
      topic: '/contoso',
      subject: 'orders',
      eventType: 'Contoso.Order.Placed',
      eventTime: '2026-01-01T00:00:00Z',
      data,
      dataVersion: '1',
      metadataVersion: '1',
    });

    // Act
    await toAzure(fn)(created, invocation(grid).context);
    await toAzure(fn)(order({ orderId: 'ord_1' }), invocation(grid).context);
    const invalid = (await toAzure(fn)(order({ orderId: 7 }), invocation(grid).context).catch(
      (e: unknown) => e,
    )) as BatchFailedError;

    // Assert
    expect(seen).toEqual(['ord_1']);
    expect(invalid.failures[0]?.error).toMatchObject({ code: 'VALIDATION' });
    await expect(toAzure(fn)(order({}, ''), invocation(grid).context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      kind: 'events',
    });
  });

  it('decodes data_base64 of a CloudEvent to bytes and refuses data_base64 that is not base64', async () => {
    // Prepare
    const seen: CloudEvent[] = [];
    const fn = events().handle((event) => {
      seen.push(event);
    });
    const binary = { specversion: '1.0', type: 'Contoso.Bin', source: '/contoso', id: '1', data_base64: 'aGVsbG8=' };

    // Act
    await toAzure(fn)(binary, invocation(grid).context);
    const bad = toAzure(fn)({ ...binary, data_base64: 'not base64!' }, invocation(grid).context);

    // Assert
    expect(seen[0]?.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(seen[0]?.data as Uint8Array).toString('utf8')).toBe('hello');
    expect(seen[0]?.extensions).toEqual({});
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_EVENT', kind: 'events', shape: 'eventGridTrigger' });
    await expect(bad).rejects.toThrow(/data_base64/);
  });

  it('keeps an extension named __proto__ as an own key, not as the prototype of the extensions', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary member of the event.
    const seen: CloudEvent[] = [];
    const fn = events().handle((event) => {
      seen.push(event);
    });
    const trigger: unknown = JSON.parse(
      '{"id":"1","source":"/contoso","type":"Contoso.Made","specversion":"1.0","__proto__":{"isAdmin":true}}',
    );

    // Act
    await toAzure(fn)(trigger, invocation(grid).context);

    // Assert
    const extensions = seen[0]?.extensions ?? {};
    expect(Object.keys(extensions)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(extensions, '__proto__')?.value).toEqual({ isAdmin: true });
    expect(Object.getPrototypeOf(extensions)).toBe(Object.prototype);
    expect((extensions as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });
});
