import { type ChangeEvent, changes } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { cosmosItems } from './cosmos.js';
import { toAzure } from './handler.js';

// Which change feed mode an item is in: a latest-version document always has a top-level string
// `id`, an all-versions-and-deletes item never has one, whatever other fields either carries.

const cosmos = {
  options: { trigger: { type: 'cosmosDBTrigger', name: 'documents', databaseName: 'bank', containerName: 'accounts' } },
};

function recorder() {
  const seen: ChangeEvent[] = [];
  const fn = changes({ collection: 'accounts' }).handle((change) => {
    seen.push(change);
  });
  return { fn, seen };
}

const summary = (c: ChangeEvent) => [c.op, c.key, c.before, c.after];

describe('toAzure: Cosmos DB change feed mode', () => {
  it('reads a document with fields named current and metadata as a latest-version document', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const document = {
      id: 'acct-1',
      owner: 'ada',
      current: { balance: 5 },
      metadata: { createdBy: 'ada' },
      _rid: 'rid1',
      _etag: '"0000"',
      _ts: 1700000000,
      _lsn: 7,
    };

    // Act
    await toAzure(fn)([document], invocation(cosmos).context);

    // Assert
    const { _rid, _etag, _ts, _lsn, ...written } = document;
    expect(seen.map(summary)).toEqual([['update', { id: 'acct-1' }, undefined, written]]);
    expect(seen[0]?.time).toEqual(new Date(1700000000 * 1000));
  });

  it('reads a document whose metadata.operationType is "delete" as a document, not a delete', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const document = {
      id: 'acct-2',
      current: { balance: 0 },
      previous: { balance: 5 },
      metadata: { operationType: 'delete', crts: 1 },
      _ts: 1700000001,
    };

    // Act
    await toAzure(fn)([document], invocation(cosmos).context);

    // Assert
    const { _ts, ...written } = document;
    expect(seen.map(summary)).toEqual([['update', { id: 'acct-2' }, undefined, written]]);
  });

  it('maps all-versions create, replace and delete items (delete with current absent or {})', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const partitionKey = { owner: 'ada' };
    const items = [
      { current: { id: 'a', n: 1 }, metadata: { operationType: 'create', lsn: 1, crts: 1700000000 } },
      {
        current: { id: 'a', n: 2 },
        previous: { id: 'a', n: 1 },
        metadata: { operationType: 'replace', lsn: 2, crts: 1700000001, previousImageLSN: 1 },
      },
      {
        previous: { id: 'a', n: 2 },
        metadata: { operationType: 'delete', lsn: 3, crts: 1700000002, id: 'a', partitionKey },
      },
      {
        current: {},
        metadata: { operationType: 'delete', lsn: 4, crts: 1700000003, id: 'b', partitionKey, timeToLiveExpired: true },
      },
    ];

    // Act
    await toAzure(fn)(items, invocation(cosmos).context);

    // Assert
    expect(seen.map((c) => [...summary(c), c.time.getTime()])).toEqual([
      ['insert', { id: 'a' }, undefined, { id: 'a', n: 1 }, 1700000000000],
      ['update', { id: 'a' }, { id: 'a', n: 1 }, { id: 'a', n: 2 }, 1700000001000],
      ['delete', { id: 'a' }, { id: 'a', n: 2 }, undefined, 1700000002000],
      ['delete', { id: 'b' }, undefined, undefined, 1700000003000],
    ]);
  });

  it.each([
    ['a document without an id', { owner: 'ada', _ts: 1700000000 }],
    ['an id that is not a string', { id: 7, owner: 'ada' }],
    ['an unknown operationType', { current: { id: 'a' }, metadata: { operationType: 'upsert', crts: 1 } }],
    [
      'an operationType named after an Object method',
      { current: { id: 'a' }, metadata: { operationType: 'constructor' } },
    ],
    ['a create without current', { current: null, metadata: { operationType: 'create', crts: 1 } }],
    ['a delete that names no id', { current: {}, metadata: { operationType: 'delete', crts: 1 } }],
  ])('refuses %s with INVALID_EVENT and runs nothing', async (_, bad) => {
    // Prepare
    const { fn, seen } = recorder();

    // Act
    const outcome = toAzure(fn)([{ id: 'ok' }, bad], invocation(cosmos).context);

    // Assert
    await expect(outcome).rejects.toMatchObject({ code: 'INVALID_EVENT', kind: 'changes', shape: 'cosmosDBTrigger' });
    expect(seen).toEqual([]);
  });
});

describe('cosmosItems: a declared change feed mode', () => {
  it('AllVersionsAndDeletes: every item must be a change item', () => {
    // Prepare
    const item = { current: { id: 'a' }, metadata: { operationType: 'create', crts: 1 } };

    // Act
    const mapped = cosmosItems([item], 'accounts', 'changes', 'AllVersionsAndDeletes');

    // Assert
    expect(mapped.map((i) => [i.id, i.event.op])).toEqual([['a', 'insert']]);
    expect(() => cosmosItems([{ id: 'a' }], 'accounts', 'changes', 'AllVersionsAndDeletes')).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT' }),
    );
  });

  it('LatestVersion: every item is a document, and one without an id is refused', () => {
    // Prepare
    const document = { id: 'a', current: { id: 'b' }, metadata: { operationType: 'create' } };

    // Act
    const mapped = cosmosItems([document], 'accounts', 'changes', 'LatestVersion');

    // Assert
    expect(mapped.map((i) => [i.id, i.event.op, i.event.after])).toEqual([['a', 'update', document]]);
    expect(() =>
      cosmosItems(
        [{ current: { id: 'a' }, metadata: { operationType: 'create' } }],
        'accounts',
        'changes',
        'LatestVersion',
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });
});

describe('toAzure: the change feed mode the trigger was registered with', () => {
  it('reads changeFeedMode from the trigger options the host passes, so every item must have its shape', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const allVersions = {
      options: { trigger: { ...cosmos.options.trigger, changeFeedMode: 'AllVersionsAndDeletes' } },
    };
    const change = { current: { id: 'a', n: 1 }, metadata: { operationType: 'create', lsn: 1, crts: 1700000000 } };

    // Act
    await toAzure(fn)([change], invocation(allVersions).context);
    const refused = toAzure(fn)([{ id: 'b', n: 2 }], invocation(allVersions).context);

    // Assert
    expect(seen.map(summary)).toEqual([['insert', { id: 'a' }, undefined, { id: 'a', n: 1 }]]);
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(seen).toHaveLength(1);
  });

  it('reads changeFeedMode from azure.options when the host passes no trigger options', async () => {
    // Prepare
    const seen: ChangeEvent[] = [];
    const fn = changes({
      collection: 'accounts',
      azure: { database: 'bank', options: { changeFeedMode: 'LatestVersion' } },
    }).handle((change) => {
      seen.push(change);
    });
    const change = { current: { id: 'a' }, metadata: { operationType: 'create' } };

    // Act
    const refused = toAzure(fn)([change], invocation({}).context);

    // Assert
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(seen).toEqual([]);
  });
});
