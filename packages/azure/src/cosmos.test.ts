import { type ChangeEvent, changes } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture, invocation } from '../test/helpers.js';
import type { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';

const cosmos = {
  options: { trigger: { type: 'cosmosDBTrigger', name: 'documents', databaseName: 'shop', containerName: 'orders' } },
};

function recorder(fail: (change: ChangeEvent) => boolean = () => false) {
  const seen: ChangeEvent[] = [];
  const fn = changes({ collection: 'orders' }).handle((change) => {
    seen.push(change);
    if (fail(change)) throw new Error(`cannot apply ${String(change.key.id)}`);
  });
  return { fn, seen };
}

describe('toAzure: Cosmos DB change feed', () => {
  it('maps latest-version documents (fixtures) to update changes with the document after, without its system fields', async () => {
    // Prepare
    const documents = fixture<Record<string, unknown>[]>(
      'cosmosdb/azure-functions-python-library__documents-multiple.json',
    );
    const single = fixture<Record<string, unknown>>(
      'cosmosdb/azure-functions-python-library__document-internal-fields.json',
    );
    const { fn, seen } = recorder();

    // Act
    await toAzure(fn)(documents, invocation(cosmos).context);
    await toAzure(fn)([single], invocation(cosmos).context);

    // Assert
    expect(seen.map((c) => [c.op, c.collection, c.key, c.before, c.after])).toEqual([
      ['update', 'orders', { id: '1' }, undefined, { id: '1', name: 'awesome_name' }],
      ['update', 'orders', { id: '2' }, undefined, { id: '2', name: 'bossy_name' }],
      // The fields Cosmos DB adds to every document are left out; the event's raw has them.
      ['update', 'orders', { id: '1' }, undefined, { id: '1', name: null }],
    ]);
    expect(seen[2]?.raw).toBe(single);
    expect(seen[2]?.time).toEqual(new Date(1650036720 * 1000));
  });

  it('maps all-versions-and-deletes items to insert, update and delete', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const items = [
      { current: { id: 'a', n: 1 }, metadata: { operationType: 'create', crts: 1700000000, lsn: 1 } },
      {
        current: { id: 'a', n: 2 },
        previous: { id: 'a', n: 1 },
        metadata: { operationType: 'replace', crts: 1700000001, lsn: 2 },
      },
      {
        current: null,
        previous: { id: 'a', n: 2 },
        metadata: { operationType: 'delete', crts: 1700000002, id: 'a', partitionKey: { tenant: 't1' } },
      },
    ];

    // Act
    await toAzure(fn)(items, invocation(cosmos).context);

    // Assert
    expect(seen.map((c) => [c.op, c.key, c.before, c.after, c.time.getTime()])).toEqual([
      ['insert', { id: 'a' }, undefined, { id: 'a', n: 1 }, 1700000000000],
      ['update', { id: 'a' }, { id: 'a', n: 1 }, { id: 'a', n: 2 }, 1700000001000],
      ['delete', { id: 'a' }, { id: 'a', n: 2 }, undefined, 1700000002000],
    ]);
  });

  it('keys every operation of a document the same way, though only a delete names its partition key', async () => {
    // Prepare: Cosmos DB fills metadata.id and metadata.partitionKey for deletes only
    const { fn, seen } = recorder();
    const items = [
      { current: { id: 'o1', tenant: 'acme', total: 5 }, metadata: { operationType: 'create', crts: 1700000000 } },
      {
        current: { id: 'o1', tenant: 'acme', total: 6 },
        previous: { id: 'o1', tenant: 'acme', total: 5 },
        metadata: { operationType: 'replace', crts: 1700000010 },
      },
      {
        current: {},
        previous: { id: 'o1', tenant: 'acme', total: 6 },
        metadata: { operationType: 'delete', crts: 1700000020, id: 'o1', partitionKey: { tenant: 'acme' } },
      },
    ];

    // Act
    await toAzure(fn)(items, invocation(cosmos).context);

    // Assert: one key for the document; the partition key stays where the platform gives it
    expect(seen.map((c) => [c.op, c.key])).toEqual([
      ['insert', { id: 'o1' }],
      ['update', { id: 'o1' }],
      ['delete', { id: 'o1' }],
    ]);
    expect(seen[2]?.raw).toMatchObject({ metadata: { partitionKey: { tenant: 'acme' } } });
  });

  it("passes a strict schema of the application's fields, as the same function does on other clouds", async () => {
    // Prepare: a schema that allows no other fields, and items as the host sends them
    const Order = z.object({ id: z.string(), status: z.string() }).strict();
    const seen: unknown[] = [];
    const fn = changes({ collection: 'orders', item: Order }).handle((change) => {
      seen.push([change.before, change.after]);
    });
    const system = { _rid: 'r', _self: 'dbs/x/docs/y/', _etag: '"e"', _attachments: 'attachments/', _ts: 1700000000 };
    const items = [
      { id: 'o1', status: 'paid', ...system },
      {
        current: { id: 'o1', status: 'shipped', ...system, _lsn: 9 },
        previous: { id: 'o1', status: 'paid', ...system },
        metadata: { operationType: 'replace', crts: 1700000001, lsn: 9 },
      },
    ];

    // Act
    await toAzure(fn)([items[0]], invocation(cosmos).context);
    await toAzure(fn)([items[1]], invocation(cosmos).context);

    // Assert
    expect(seen).toEqual([
      [undefined, { id: 'o1', status: 'paid' }],
      [
        { id: 'o1', status: 'paid' },
        { id: 'o1', status: 'shipped' },
      ],
    ]);
  });

  it('applies changes in order and stops at the first failure', async () => {
    // Prepare
    const { fn, seen } = recorder((change) => change.key.id === '2');
    const docs = [{ id: '1' }, { id: '2' }, { id: '3' }];

    // Act
    const error = (await toAzure(fn)(docs, invocation(cosmos).context).catch((e: unknown) => e)) as BatchFailedError;

    // Assert
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['2', false],
      ['3', true],
    ]);
    expect(seen.map((c) => c.key.id)).toEqual(['1', '2']);
    // One handler failed: the document not run after it is counted apart.
    expect(error.message).toBe(
      'azure: 1 of 3 changes item(s) of a cosmosDBTrigger invocation failed and 1 after it were not run (first: 2)',
    );
  });

  it('refuses change feed items that are not documents', async () => {
    const { fn } = recorder();
    await expect(toAzure(fn)([{ id: '1' }, 42], invocation(cosmos).context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      kind: 'changes',
      shape: 'cosmosDBTrigger',
    });
  });
});
