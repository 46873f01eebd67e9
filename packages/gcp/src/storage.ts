/**
 * Cloud Storage object events (`google.cloud.storage.object.v1.finalized` / `deleted`) as
 * portable storage events. Numeric fields such as `size` arrive as strings.
 */
import { createStorageEvent, type StorageEvent } from '@skyport/core';
import { jsonData, type ParsedCloudEvent } from './cloudevent.js';
import { gcpError, str } from './errors.js';

/** The CloudEvent type prefix of Cloud Storage object events. */
export const STORAGE_PREFIX = 'google.cloud.storage.object.v1.';

/**
 * The portable storage event of a Cloud Storage CloudEvent. Other object events
 * (`archived`, `metadataUpdated`) have no portable meaning and raise `UNKNOWN_EVENT`.
 *
 * @example
 * toStorageEvent(event, 'storage').key; // 'folder/Test.cs'
 */
export function toStorageEvent(event: ParsedCloudEvent, kind: string): StorageEvent {
  const action = event.type.slice(STORAGE_PREFIX.length);
  const type = action === 'finalized' ? 'created' : action === 'deleted' ? 'deleted' : undefined;
  if (type === undefined) {
    throw gcpError(
      'UNKNOWN_EVENT',
      kind,
      event.type,
      `Cloud Storage "${action}" events are neither created nor deleted`,
    );
  }
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
    size: type === 'deleted' && size === undefined ? undefined : size,
    etag: str(data.etag),
    contentType: str(data.contentType),
    time: event.time ?? str(type === 'deleted' ? data.timeDeleted : data.updated),
    raw: event.raw,
  });
}
