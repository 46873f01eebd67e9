/**
 * The Cosmos DB change feed as portable change events. In the default latest-version mode the
 * host sends the changed documents only, with no way to tell a create from a replace: each becomes
 * an `update` with `after` set. In `AllVersionsAndDeletes` mode each item is
 * `{ current, previous, metadata: { operationType } }` and maps to insert / update / delete.
 * Which of the two an item is comes from the declared `changeFeedMode` when the caller knows it,
 * else from the one field that tells them apart on real data: a document always has a string `id`
 * at the top level, a change item never does. An item that fits neither is `INVALID_EVENT`.
 */
import { type BatchItem, type ChangeEvent, type ChangeOp, createChangeEvent, type Kind } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asNumber, asRecord, asString } from './metadata.js';

const SHAPE = 'cosmosDBTrigger';

// A Map, not an object literal: `operationType: 'constructor'` must not find Object's prototype.
const ops: ReadonlyMap<string, ChangeOp> = new Map([
  ['create', 'insert'],
  ['replace', 'update'],
  ['delete', 'delete'],
]);

type Mode = 'latest' | 'all';

/** A document id as Cosmos DB requires one: a non-empty string. */
function idOf(value: Record<string, unknown> | undefined): string | undefined {
  const id = value?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The portable op of an all-versions item, or `undefined` when `metadata.operationType` is none of ours. */
function opOf(metadata: Record<string, unknown> | undefined): ChangeOp | undefined {
  const type = metadata?.operationType;
  return typeof type === 'string' ? ops.get(type.toLowerCase()) : undefined;
}

/** The mode named by a `changeFeedMode` value, or `undefined` when it names none. */
function declaredMode(mode: string | undefined): Mode | undefined {
  // `Incremental` and `FullFidelity` are the names the two modes had in the Cosmos DB SDK
  // previews; a configuration written then still means the same mode.
  switch (mode?.toLowerCase()) {
    case 'latestversion':
    case 'incremental':
      return 'latest';
    case 'allversionsanddeletes':
    case 'fullfidelity':
      return 'all';
    default:
      return undefined;
  }
}

function seconds(value: unknown): number | undefined {
  const n = asNumber(value);
  return n === undefined ? undefined : n * 1000;
}

/**
 * A document's own fields: the properties Cosmos DB adds to every document (`_rid`, `_self`,
 * `_etag`, `_attachments`, `_ts`, `_lsn`) are left out, so `after` and `before` hold what the
 * application wrote, as a Firestore or DynamoDB change gives it, and one strict schema fits every
 * cloud. They stay in `raw`.
 */
function ownFields(document: Record<string, unknown>): Record<string, unknown>;
function ownFields(document: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
function ownFields(document: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (document === undefined) return undefined;
  // Rest, not a copy loop: a parsed `__proto__` field stays a plain field.
  const { _rid, _self, _etag, _attachments, _ts, _lsn, ...fields } = document;
  return fields;
}

/** A latest-version item: the document itself, keyed by its `id`. */
function documentEvent(record: Record<string, unknown>, collection: string, refuse: (problem: string) => Error) {
  const id = idOf(record);
  if (id === undefined) throw refuse('has no string "id", so it is no Cosmos DB document');
  return createChangeEvent({
    op: 'update',
    collection,
    key: { id },
    before: undefined,
    after: ownFields(record),
    time: seconds(record._ts),
    raw: record,
  });
}

/**
 * An all-versions-and-deletes item: `{ current, previous, metadata }`, keyed by the document's `id`
 * whatever the operation.
 */
function changeItemEvent(record: Record<string, unknown>, collection: string, refuse: (problem: string) => Error) {
  const metadata = asRecord(record.metadata);
  const op = opOf(metadata);
  if (metadata === undefined || op === undefined) {
    throw refuse('has no metadata.operationType of "create", "replace" or "delete"');
  }
  const previous = asRecord(record.previous);
  // A delete's `current` is absent, null or `{}`: the deleted document is only in `previous`
  // (when the container keeps previous images) and its id in `metadata.id`.
  const current = op === 'delete' ? undefined : asRecord(record.current);
  if (op !== 'delete' && current === undefined) throw refuse(`is a ${op} without a "current" document`);
  const id = idOf(current) ?? idOf(previous) ?? asString(metadata.id);
  if (id === undefined) throw refuse('names no document id in current, previous or metadata.id');
  return createChangeEvent({
    op,
    collection,
    // `{ id }` on every operation, as in latest-version mode: `metadata.partitionKey` comes with
    // deletes only, so a key that took it in would name one document two ways. The partition key
    // value is a field of `before` / `after`, and of a delete's `raw.metadata.partitionKey`.
    key: { id },
    before: ownFields(previous),
    after: ownFields(current),
    time: seconds(metadata.crts) ?? seconds(current?._ts),
    raw: record,
  });
}

/**
 * The change events of one Cosmos DB invocation. `mode` is the trigger's `changeFeedMode`
 * (`LatestVersion` or `AllVersionsAndDeletes`) when it is known: every item must then have that
 * mode's shape. Without it each item is read by its shape: a top-level string `id` makes it a
 * document, otherwise it must be an all-versions change item. An item that is neither throws
 * `INVALID_EVENT`, so the invocation fails rather than acknowledging a change it could not read.
 *
 * @example
 * cosmosItems([{ id: '1', name: 'a', _ts: 1650036720 }], 'orders', 'changes');
 * cosmosItems([{ current: {}, previous: { id: '1' }, metadata: { operationType: 'delete', crts: 1650036721 } }],
 *   'orders', 'changes', 'AllVersionsAndDeletes');
 */
export function cosmosItems(trigger: unknown, collection: string, kind: Kind, mode?: string): BatchItem<ChangeEvent>[] {
  const declared = declaredMode(mode);
  // Array.from fills holes of a sparse array, which map() would skip.
  const documents: unknown[] = Array.isArray(trigger) ? Array.from(trigger) : [trigger];
  return documents.map((item, index) => {
    const refuse = (problem: string) => invalidEvent(kind, SHAPE, `change feed item ${index} ${problem}`);
    const record = asRecord(item);
    if (!record) throw refuse('is not an object');
    // Not `'current' in record`: a document may well have fields named `current` and `metadata`,
    // but only a document has a top-level `id` (Cosmos DB refuses one without it), and an
    // all-versions change item never has one.
    const itemMode = declared ?? (idOf(record) !== undefined ? 'latest' : 'all');
    const event =
      itemMode === 'latest' ? documentEvent(record, collection, refuse) : changeItemEvent(record, collection, refuse);
    return { id: String(event.key.id), event };
  });
}
