/**
 * The Cosmos DB change feed as portable change events. In the default latest-version mode the
 * host sends the changed documents only, with no way to tell a create from a replace: each becomes
 * an `update` with `after` set. In `AllVersionsAndDeletes` mode each item is
 * `{ current, previous, metadata: { operationType } }` and maps to insert / update / delete.
 */
import { type BatchItem, type ChangeEvent, type ChangeOp, createChangeEvent, type Kind } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asNumber, asRecord, asString } from './metadata.js';

const ops: Readonly<Record<string, ChangeOp>> = { create: 'insert', replace: 'update', delete: 'delete' };

function keyOf(document: Record<string, unknown> | undefined, metadata: Record<string, unknown> | undefined) {
  const key: Record<string, unknown> = {};
  const id = asString(document?.id) ?? asString(metadata?.id);
  if (id !== undefined) key.id = id;
  const partitionKey = asRecord(metadata?.partitionKey);
  if (partitionKey) Object.assign(key, partitionKey);
  return key;
}

function seconds(value: unknown): number | undefined {
  const n = asNumber(value);
  return n === undefined ? undefined : n * 1000;
}

/**
 * The change events of one Cosmos DB invocation.
 *
 * @example
 * cosmosItems([{ id: '1', name: 'a', _ts: 1650036720 }], 'orders', 'changes');
 */
export function cosmosItems(trigger: unknown, collection: string, kind: Kind): BatchItem<ChangeEvent>[] {
  // Array.from fills holes of a sparse array, which map() would skip.
  const documents: unknown[] = Array.isArray(trigger) ? Array.from(trigger) : [trigger];
  return documents.map((item, index) => {
    const record = asRecord(item);
    if (!record) throw invalidEvent(kind, 'cosmosDBTrigger', `change feed item ${index} is not an object`);
    const metadata = asRecord(record.metadata);
    const fullFidelity = 'current' in record && metadata !== undefined;
    let event: ChangeEvent;
    if (fullFidelity) {
      const current = asRecord(record.current);
      const previous = asRecord(record.previous);
      const op = ops[(asString(metadata.operationType) ?? '').toLowerCase()] ?? 'update';
      event = createChangeEvent({
        op,
        collection,
        key: keyOf(current ?? previous, metadata),
        before: previous,
        after: op === 'delete' ? undefined : current,
        time: seconds(metadata.crts) ?? seconds(current?._ts),
        raw: item,
      });
    } else {
      event = createChangeEvent({
        op: 'update',
        collection,
        key: keyOf(record, undefined),
        before: undefined,
        after: record,
        time: seconds(record._ts),
        raw: item,
      });
    }
    const id = asString(event.key.id) ?? String(index);
    return { id, event };
  });
}
