/**
 * The blob trigger as a portable `created` storage event. The host passes the blob content and
 * metadata: `blobTrigger` (`container/name`), `uri` and `properties` (length, ETag with its
 * quotes, content type, last modified). The blob trigger never fires for deletes.
 */
import { type BatchItem, createStorageEvent, type Kind, type StorageEvent } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asNumber, asRecord, asString, asTime } from './metadata.js';

function fromUri(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  try {
    // https://account.blob.core.windows.net/container/dir/name.txt
    return decodeURIComponent(new URL(uri).pathname.replace(/^\/+/, ''));
  } catch {
    return undefined;
  }
}

/**
 * The storage event of one blob trigger invocation.
 *
 * @example
 * blobItems(content, { blobTrigger: 'receipts/r/1.pdf', properties: { length: 10 } }, 'storage');
 */
export function blobItems(trigger: unknown, metadata: unknown, kind: Kind): BatchItem<StorageEvent>[] {
  const meta = asRecord(metadata);
  const path = asString(meta?.blobTrigger) ?? fromUri(asString(meta?.uri));
  const slash = path?.indexOf('/') ?? -1;
  if (path === undefined || slash <= 0 || slash === path.length - 1) {
    throw invalidEvent(kind, 'blobTrigger', 'blob trigger metadata has no "blobTrigger" path or "uri"');
  }
  const properties = asRecord(meta?.properties);
  const size =
    asNumber(properties?.length) ??
    asNumber(properties?.contentLength) ??
    (trigger instanceof Uint8Array ? trigger.byteLength : undefined);
  const event = createStorageEvent({
    type: 'created',
    bucket: path.slice(0, slash),
    key: path.slice(slash + 1),
    size,
    etag: asString(properties?.eTag) ?? asString(properties?.etag),
    contentType: asString(properties?.contentType),
    time: asTime(properties?.lastModified) ?? asTime(properties?.created),
    raw: { blob: trigger, metadata },
  });
  return [{ id: event.key, event }];
}
