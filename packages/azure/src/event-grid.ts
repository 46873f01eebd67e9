/**
 * Event Grid events, in the Event Grid schema (`eventType`, `eventTime`, `topic`, `dataVersion`)
 * or the CloudEvents 1.0 schema (`type`, `time`, `source`, `specversion`). Blob storage events
 * (`Microsoft.Storage.BlobCreated` / `BlobDeleted`) become storage events; the account's other
 * events (`BlobTierChanged`, `BlobRenamed`, ...) have no portable meaning, and a storage function
 * acknowledges them without running its handler, as S3 notifications of other types are. Any
 * event becomes a portable CloudEvent for `events` functions. The trigger passes one event; an
 * array (a webhook body, a sample file) is taken as a batch.
 */
import {
  type BatchItem,
  type CloudEvent,
  cloudEventExtensions,
  createCloudEvent,
  createStorageEvent,
  decodeBase64,
  type Kind,
  type Logger,
  logIgnoredStorageEvent,
  SkyportError,
  type StorageEvent,
  type StorageEventType,
} from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asNumber, asRecord, asString, asTime } from './metadata.js';

interface GridFields {
  readonly id: string | undefined;
  readonly type: string | undefined;
  readonly source: string | undefined;
  readonly subject: string | undefined;
  readonly time: Date | undefined;
  readonly data: unknown;
}

function fieldsOf(event: Record<string, unknown>): GridFields {
  const cloud = typeof event.specversion === 'string';
  return {
    id: asString(event.id),
    type: asString(cloud ? event.type : event.eventType),
    source: asString(cloud ? event.source : event.topic),
    subject: asString(event.subject),
    time: asTime(cloud ? event.time : event.eventTime),
    data: event.data,
  };
}

function eventsOf(trigger: unknown, kind: Kind): Record<string, unknown>[] {
  const list: unknown[] = Array.isArray(trigger) ? Array.from(trigger) : [trigger];
  return list.map((item) => {
    const event = asRecord(item);
    if (!event) throw invalidEvent(kind, 'eventGridTrigger', 'an Event Grid event must be an object');
    return event;
  });
}

// Event Grid-schema subjects start with `/`; Microsoft's CloudEvents-schema samples leave it out.
const blobSubject = /^\/?blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

export { IGNORED_STORAGE_EVENT } from '@skyport/core';

const storageTypePrefix = 'Microsoft.Storage.';

function storageTypeOf(eventType: string): StorageEventType | undefined {
  if (eventType === 'Microsoft.Storage.BlobCreated') return 'created';
  if (eventType === 'Microsoft.Storage.BlobDeleted') return 'deleted';
  return undefined;
}

/**
 * The storage events of an Event Grid invocation carrying blob events. Other events of a storage
 * account (`Microsoft.Storage.BlobTierChanged`, `BlobRenamed`, `DirectoryCreated`, ...) give no
 * item, so they are acknowledged without running the handler, each with one `warn` line on `log`
 * naming its type. An event from anything but a storage account is `UNKNOWN_EVENT`; one without
 * a type, or a blob event whose subject names no blob, is `INVALID_EVENT`.
 *
 * @example
 * eventGridStorageItems(event, 'storage', ctx.log); // [{ id: 'new-file.txt', event: { type: 'created', ... } }]
 */
export function eventGridStorageItems(trigger: unknown, kind: Kind, log?: Logger): BatchItem<StorageEvent>[] {
  const items: BatchItem<StorageEvent>[] = [];
  for (const raw of eventsOf(trigger, kind)) {
    const fields = fieldsOf(raw);
    if (fields.type === undefined) throw invalidEvent(kind, 'eventGridTrigger', 'an Event Grid event has no type');
    const type = storageTypeOf(fields.type);
    if (type === undefined) {
      if (!fields.type.startsWith(storageTypePrefix)) {
        throw new SkyportError(
          'UNKNOWN_EVENT',
          `azure: Event Grid event type "${fields.type}" is not a blob created/deleted event (storage function)`,
          { adapter: 'azure', kind, shape: 'eventGridTrigger' },
        );
      }
      if (log !== undefined) logIgnoredStorageEvent(log, fields.type);
      continue;
    }
    const match = blobSubject.exec(fields.subject ?? '');
    if (!match) throw invalidEvent(kind, 'eventGridTrigger', `blob event subject "${fields.subject}" names no blob`);
    const data = asRecord(fields.data);
    const event = createStorageEvent({
      type,
      bucket: match[1] as string,
      key: match[2] as string,
      size: type === 'created' ? asNumber(data?.contentLength) : undefined,
      etag: asString(data?.eTag),
      contentType: asString(data?.contentType),
      time: fields.time,
      raw,
    });
    items.push({ id: fields.id ?? event.key, event });
  }
  return items;
}

/**
 * The CloudEvents of an Event Grid invocation (either schema). Binary data (`data_base64`)
 * becomes bytes (`Uint8Array`); data_base64 that is not base64 is `INVALID_EVENT`.
 *
 * @example
 * eventGridCloudItems(event, 'events'); // [{ id, event: { id, source: topic, type: eventType, ... } }]
 */
export function eventGridCloudItems(trigger: unknown, kind: Kind): BatchItem<CloudEvent>[] {
  return eventsOf(trigger, kind).map((raw) => {
    const fields = fieldsOf(raw);
    const cloud = typeof raw.specversion === 'string';
    // An extension named `__proto__` stays an own key rather than becoming the map's prototype.
    const extensions: Record<string, unknown> = cloud ? cloudEventExtensions(raw) : {};
    let data = fields.data;
    if (cloud) {
      // The CloudEvents JSON format carries binary data as `data_base64` in place of `data`.
      if (data === undefined && raw.data_base64 !== undefined) {
        const bytes = typeof raw.data_base64 === 'string' ? decodeBase64(raw.data_base64) : undefined;
        if (bytes === undefined) throw invalidEvent(kind, 'eventGridTrigger', 'data_base64 is not base64');
        data = bytes;
      }
    } else {
      if (raw.dataVersion !== undefined) extensions.dataversion = raw.dataVersion;
      if (raw.metadataVersion !== undefined) extensions.metadataversion = raw.metadataVersion;
    }
    let event: CloudEvent;
    try {
      event = createCloudEvent({
        id: fields.id ?? '',
        source: fields.source ?? '',
        type: fields.type ?? '',
        specversion: cloud ? String(raw.specversion) : '1.0',
        subject: fields.subject,
        time: fields.time,
        datacontenttype: asString(raw.datacontenttype) ?? (cloud ? undefined : 'application/json'),
        data,
        extensions,
        raw,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw invalidEvent(kind, 'eventGridTrigger', detail);
    }
    return { id: event.id, event };
  });
}
