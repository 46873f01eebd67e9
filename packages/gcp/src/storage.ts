/**
 * Cloud Storage object events (`google.cloud.storage.object.v1.finalized` / `deleted`) as
 * portable storage events. Numeric fields such as `size` arrive as strings. The other object
 * events (`archived`, `metadataUpdated`) have no portable meaning: a storage function
 * acknowledges them without running its handler, as S3 notifications of other types are.
 */
import { createStorageEvent, type StorageEvent, type StorageEventType } from '@skyport/core';
import { jsonData, type ParsedCloudEvent } from './cloudevent.js';
import { gcpError, str } from './errors.js';

/** The CloudEvent type prefix of Cloud Storage object events. */
export const STORAGE_PREFIX = 'google.cloud.storage.object.v1.';

export { IGNORED_STORAGE_EVENT, logIgnoredStorageEvent } from '@skyport/core';

function typeOf(action: string): StorageEventType | undefined {
  if (action === 'finalized') return 'created';
  if (action === 'deleted') return 'deleted';
  // `archived` is not a deletion: in a bucket with object versioning, overwriting an object sends
  // `archived` and then `finalized`, and deleting it sends `archived` alone (Google sends no
  // `deleted` when the live version becomes noncurrent).
  return undefined;
}

/**
 * The portable storage event of a Cloud Storage CloudEvent, or `undefined` for an object event
 * with no portable meaning (`archived`, `metadataUpdated`), which is acknowledged without running
 * the handler. A `finalized` or `deleted` event naming no bucket or object is `INVALID_EVENT`.
 *
 * @example
 * storageEventOf(event, 'storage')?.key; // 'folder/Test.cs'
 * storageEventOf({ ...event, type: 'google.cloud.storage.object.v1.archived' }, 'storage'); // undefined
 */
export function storageEventOf(event: ParsedCloudEvent, kind: string): StorageEvent | undefined {
  const type = typeOf(event.type.slice(STORAGE_PREFIX.length));
  if (type === undefined) return undefined;
  const data = jsonData(event, kind, 'Cloud Storage event');
  const bucket = str(data.bucket) ?? event.source.match(/\/buckets\/([^/]+)$/)?.[1];
  const key = str(data.name) ?? event.subject?.replace(/^objects\//, '');
  if (bucket === undefined || key === undefined) {
    throw gcpError('INVALID_EVENT', kind, event.type, 'the Cloud Storage event names no bucket or object');
  }
  const size = typeof data.size === 'string' || typeof data.size === 'number' ? data.size : undefined;
  return createStorageEvent({
    type,
    bucket,
    key,
    // Not on a deletion, as on every cloud: Cloud Storage sends the size of the object that was deleted.
    size: type === 'deleted' ? undefined : size,
    etag: str(data.etag),
    contentType: str(data.contentType),
    time: event.time ?? str(type === 'deleted' ? data.timeDeleted : data.updated),
    raw: event.raw,
  });
}
