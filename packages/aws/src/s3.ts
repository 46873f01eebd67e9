/**
 * Amazon S3 event notifications, direct and through EventBridge. Direct notifications
 * URL-encode the key with `+` for spaces; EventBridge sends it as is. Deletes carry no size or
 * eTag. Notification types other than created / removed (restore, tagging, ACL, replication)
 * are acknowledged without running the handler, as a storage function has no event for them.
 */
import { createStorageEvent, type StorageEvent, type StorageEventType } from '@skyport/core';
import type { RecordMapper } from './records.js';
import { awsError, type Obj, obj, str } from './util.js';

/**
 * Decodes an S3 notification key (`a+b%2Fc` -> `a b/c`); an invalid escape keeps the text.
 *
 * @example
 * decodeS3Key('My+Photos%2F2024.png'); // 'My Photos/2024.png'
 */
export function decodeS3Key(key: string): string {
  const spaced = key.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function typeOf(eventName: string): StorageEventType | undefined {
  if (eventName.startsWith('ObjectCreated:')) return 'created';
  if (eventName.startsWith('ObjectRemoved:') || eventName.startsWith('LifecycleExpiration:Delete')) return 'deleted';
  return undefined;
}

/**
 * How S3 notification records become storage events.
 *
 * @example
 * const items = mapRecords(event, 'storage', 's3', s3Records);
 */
export const s3Records: RecordMapper<StorageEvent> = {
  id: (record) => {
    const s3 = obj(record.s3);
    const key = str(obj(s3?.object)?.key);
    return key === undefined ? undefined : `${str(obj(s3?.bucket)?.name) ?? ''}/${key}`;
  },
  map: (record) => {
    const eventName = record.eventName;
    // Other notification types (restores, replication...) are skipped; a record that names none
    // is no S3 notification, and fails rather than being skipped as one.
    if (typeof eventName !== 'string' || eventName === '') {
      throw awsError('INVALID_EVENT', 'an S3 record has no eventName', 'storage', 's3');
    }
    const type = typeOf(eventName);
    if (type === undefined) return undefined;
    const s3 = obj(record.s3) ?? {};
    const object = obj(s3.object) ?? {};
    return createStorageEvent({
      type,
      bucket: str(obj(s3.bucket)?.name) ?? '',
      key: decodeS3Key(str(object.key) ?? ''),
      size: typeof object.size === 'number' ? object.size : undefined,
      etag: str(object.eTag),
      time: str(record.eventTime),
      raw: record,
    });
  },
};

/**
 * Maps an S3 event delivered by EventBridge (`Object Created` / `Object Deleted`); any other
 * (`Object Restore Completed`, `Object Tags Added`, ...) is `undefined`, skipped as a direct
 * notification of another type is.
 *
 * @example
 * const object = s3FromEventBridge(event);
 */
export function s3FromEventBridge(event: Obj): StorageEvent | undefined {
  const detailType = event['detail-type'];
  if (detailType !== 'Object Created' && detailType !== 'Object Deleted') return undefined;
  const detail = obj(event.detail);
  const object = obj(detail?.object);
  const bucket = str(obj(detail?.bucket)?.name);
  const key = str(object?.key);
  if (bucket === undefined || key === undefined) {
    throw awsError(
      'INVALID_EVENT',
      'an S3 EventBridge event has no detail.bucket.name / detail.object.key',
      'storage',
      's3-eventbridge',
    );
  }
  return createStorageEvent({
    type: detailType === 'Object Deleted' ? 'deleted' : 'created',
    bucket,
    key,
    size: typeof object?.size === 'number' ? object.size : undefined,
    etag: str(object?.etag),
    time: str(event.time),
    raw: event,
  });
}
