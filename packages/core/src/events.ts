/**
 * Constructors of the portable non-HTTP events. Adapters describe what the platform delivered;
 * message and record bodies are decoded and JSON-parsed only when read.
 */
import { fromUtf8, utf8 } from './bytes.js';
import { SkyportError } from './errors.js';
import { setOwn } from './own.js';
import type {
  ChangeEvent,
  ChangeOp,
  CloudEvent,
  Logger,
  Message,
  ScheduleTick,
  StorageEvent,
  StorageEventType,
  StreamRecord,
} from './types.js';

/**
 * A date from what platforms send: a `Date`, epoch milliseconds, or an ISO string; `fallback`
 * (now) when it is missing or invalid.
 *
 * @example
 * toDate('2026-01-01T00:00:00Z').getTime(); // 1767225600000
 */
export function toDate(value: Date | number | string | undefined | null, fallback = new Date()): Date {
  return dateOf(value) ?? fallback;
}

/** The date `value` names, or `undefined` when it is missing or not a date. */
function dateOf(value: Date | number | string | undefined | null): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A payload as JSON when it parses, else its text. A bare integer beyond
 * `Number.MAX_SAFE_INTEGER` (an id sent as the whole body) stays text, since as a number it
 * would silently become another integer.
 */
function parseLoose(text: string): unknown {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  // JSON allows whitespace around a value (a body written with a trailing newline).
  const bare = text.trim();
  if (bare === 'true' || bare === 'false' || bare === 'null' || (bare !== '' && !Number.isNaN(Number(bare)))) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return text;
    }
    return typeof value === 'number' && !Number.isSafeInteger(value) && /^\s*-?\d+\s*$/.test(text) ? text : value;
  }
  return text;
}

const unparsed = Symbol('unparsed');

/** A payload as platforms deliver it: raw text/bytes, or a value the host already parsed. */
export interface PayloadInit {
  /** The raw payload. */
  readonly data?: string | Uint8Array | null | undefined;
  /** The payload already parsed by the host (Azure queue JSON, Event Hubs bodies). */
  readonly body?: unknown | undefined;
}

/**
 * The text without a leading byte order mark: no part of the text, as UTF-8 decoding of bytes
 * drops it, so a payload delivered as a string reads as the same payload delivered as bytes.
 */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Lazy payload: raw bytes/text and a body parsed on first read. */
class Payload {
  /** The payload as the platform gave it as a string (a leading byte order mark kept). */
  #given: string | undefined;
  /** The text the body is parsed from (without a byte order mark). */
  #text: string | undefined;
  #bytes: Uint8Array | undefined;
  #body: unknown = unparsed;
  /** The payload this one copies, whose raw text is this one's too. */
  #origin: Payload | undefined;

  constructor(init: PayloadInit) {
    if (init.data === undefined || init.data === null) {
      if ('body' in init && init.body !== undefined) {
        if (typeof init.body === 'string') {
          this.#given = init.body;
          // A host parses what is JSON, and JSON.parse fails on a leading byte order mark: that
          // text is parsed here without it, as the bytes would be.
          if (init.body.charCodeAt(0) !== 0xfeff) this.#body = init.body;
        } else {
          this.#body = init.body;
          if (init.body instanceof Uint8Array) this.#bytes = init.body;
        }
      } else {
        this.#text = '';
      }
    } else if (typeof init.data === 'string') this.#given = init.data;
    else this.#bytes = init.data;
  }

  get text(): string {
    if (this.#text === undefined) {
      this.#text =
        this.#given !== undefined
          ? withoutBom(this.#given)
          : this.#bytes !== undefined
            ? fromUtf8(this.#bytes)
            : this.#origin !== undefined
              ? this.#origin.text
              : (JSON.stringify(this.#body) ?? '');
    }
    return this.#text;
  }

  get bytes(): Uint8Array {
    this.#bytes ??= utf8(this.#given ?? this.text);
    return this.#bytes;
  }

  get body(): unknown {
    if (this.#body === unparsed) this.#body = parseLoose(this.text);
    return this.#body;
  }

  /** This payload with `body` as its body and the same raw text and bytes. */
  withBody(body: unknown): Payload {
    const copy = new Payload({});
    copy.#given = this.#given;
    copy.#text = this.#text;
    copy.#bytes = this.#bytes;
    copy.#body = body;
    // A body the host parsed has no raw text yet: it is the original's, made when first read.
    if (this.#given === undefined && this.#text === undefined && this.#bytes === undefined) copy.#origin = this;
    return copy;
  }
}

/** An event carrying a payload: a lazily decoded body and its exact bytes. */
abstract class PayloadEvent {
  readonly #payload: Payload;

  constructor(init: PayloadInit, payload?: Payload) {
    this.#payload = payload ?? new Payload(init);
  }

  get body(): unknown {
    return this.#payload.body;
  }

  get rawBody(): Uint8Array {
    return this.#payload.bytes;
  }

  /**
   * A copy of this event whose body is its validated value, with the same fields and raw bytes.
   * The event itself is left as it was, so the same event can be run again.
   */
  withBody(value: unknown): PayloadEvent {
    return this.copy(this.#payload.withBody(value));
  }

  /** The same event around another payload. */
  protected abstract copy(payload: Payload): PayloadEvent;
}

/** What an adapter knows about a message. */
export interface MessageInit extends PayloadInit {
  readonly id: string;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  readonly attempt?: number | undefined;
  readonly publishedAt?: Date | number | string | undefined;
  readonly source: string;
  readonly groupId?: string | undefined;
  readonly orderingKey?: string | undefined;
  readonly raw?: unknown | undefined;
}

class MessageImpl extends PayloadEvent implements Message {
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly attempt: number;
  readonly publishedAt: Date;
  readonly source: string;
  readonly groupId: string | undefined;
  readonly orderingKey: string | undefined;
  readonly raw: unknown;

  constructor(init: MessageInit, payload?: Payload) {
    super(init, payload);
    this.id = init.id;
    this.attributes = init.attributes ?? {};
    this.attempt =
      init.attempt !== undefined && init.attempt >= 1 && Number.isFinite(init.attempt) ? Math.floor(init.attempt) : 1;
    this.publishedAt = toDate(init.publishedAt);
    this.source = init.source;
    this.groupId = init.groupId;
    this.orderingKey = init.orderingKey;
    this.raw = init.raw;
  }

  protected copy(payload: Payload): MessageImpl {
    return new MessageImpl(this, payload);
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      body: this.body,
      attributes: this.attributes,
      attempt: this.attempt,
      publishedAt: this.publishedAt,
      source: this.source,
      groupId: this.groupId,
      orderingKey: this.orderingKey,
    };
  }
}

/**
 * A portable message.
 *
 * @example
 * createMessage({ id: record.messageId, data: record.body, source: 'orders', attempt: 1 });
 */
export function createMessage(init: MessageInit): Message {
  return new MessageImpl(init);
}

/** What an adapter knows about a stream record. */
export interface StreamRecordInit extends PayloadInit {
  readonly id?: string | undefined;
  readonly sequence: string;
  readonly partitionKey: string;
  readonly publishedAt?: Date | number | string | undefined;
  readonly source: string;
  readonly raw?: unknown | undefined;
}

class StreamRecordImpl extends PayloadEvent implements StreamRecord {
  readonly id: string;
  readonly sequence: string;
  readonly partitionKey: string;
  readonly publishedAt: Date;
  readonly source: string;
  readonly raw: unknown;

  constructor(init: StreamRecordInit, payload?: Payload) {
    super(init, payload);
    this.id = init.id ?? init.sequence;
    this.sequence = init.sequence;
    this.partitionKey = init.partitionKey;
    this.publishedAt = toDate(init.publishedAt);
    this.source = init.source;
    this.raw = init.raw;
  }

  protected copy(payload: Payload): StreamRecordImpl {
    return new StreamRecordImpl(this, payload);
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      sequence: this.sequence,
      partitionKey: this.partitionKey,
      body: this.body,
      publishedAt: this.publishedAt,
      source: this.source,
    };
  }
}

/**
 * A portable stream record.
 *
 * @example
 * createStreamRecord({ sequence: r.kinesis.sequenceNumber, partitionKey: r.kinesis.partitionKey, data: bytes, source: 'clicks' });
 */
export function createStreamRecord(init: StreamRecordInit): StreamRecord {
  return new StreamRecordImpl(init);
}

/** Whether a message or record can be copied with its validated body (`withBody`). */
export function isPayloadEvent(event: unknown): event is { withBody(value: unknown): unknown } {
  return event instanceof PayloadEvent;
}

/** What an adapter knows about a storage event. */
export interface StorageEventInit {
  readonly type: StorageEventType;
  readonly bucket: string;
  readonly key: string;
  readonly size?: number | string | null | undefined;
  readonly etag?: string | null | undefined;
  readonly contentType?: string | null | undefined;
  readonly time?: Date | number | string | undefined;
  readonly raw?: unknown | undefined;
}

/**
 * The message of the `warn` line an adapter writes, next to the platform's `eventType`, when it
 * acknowledges a storage notification of a type a storage function takes no event for (an S3
 * restore, a Cloud Storage `archived`, an Event Grid `BlobTierChanged`) without running the handler.
 *
 * @example
 * logs.find(IGNORED_STORAGE_EVENT); // the lines of the skipped notifications
 */
export const IGNORED_STORAGE_EVENT =
  'a storage event that is neither a creation nor a deletion was acknowledged without running the handler';

/**
 * Writes the `warn` line of a storage notification acknowledged without running the handler
 * (see `IGNORED_STORAGE_EVENT`), naming its type as the platform gave it.
 *
 * @example
 * if (object === undefined) logIgnoredStorageEvent(ctx.log, record.eventName);
 */
export function logIgnoredStorageEvent(log: Logger, eventType: unknown): void {
  log.warn({ eventType }, IGNORED_STORAGE_EVENT);
}

/**
 * A portable storage event. Sizes given as strings (GCS) become numbers; quotes around an etag
 * (Azure) are removed.
 *
 * @example
 * createStorageEvent({ type: 'created', bucket: 'uploads', key: 'a b.png', size: '1024' });
 */
export function createStorageEvent(init: StorageEventInit): StorageEvent {
  const size = init.size === undefined || init.size === null || init.size === '' ? undefined : Number(init.size);
  return {
    type: init.type,
    bucket: init.bucket,
    key: init.key,
    size: size !== undefined && Number.isFinite(size) ? size : undefined,
    etag: init.etag ? init.etag.replace(/^"(.*)"$/, '$1') : undefined,
    contentType: init.contentType ?? undefined,
    time: toDate(init.time),
    raw: init.raw,
  };
}

/** What an adapter knows about a schedule tick. */
export interface ScheduleTickInit {
  readonly scheduledTime?: Date | number | string | undefined;
  readonly isPastDue?: boolean | undefined;
  readonly name: string;
  readonly raw?: unknown | undefined;
}

/**
 * A portable schedule tick.
 *
 * @example
 * createScheduleTick({ scheduledTime: event.time, name: 'nightly' });
 */
export function createScheduleTick(init: ScheduleTickInit): ScheduleTick {
  return {
    scheduledTime: toDate(init.scheduledTime),
    isPastDue: init.isPastDue ?? false,
    name: init.name,
    raw: init.raw,
  };
}

/** What an adapter knows about a change event. */
export interface ChangeEventInit {
  readonly op: ChangeOp;
  readonly collection: string;
  readonly key: Readonly<Record<string, unknown>>;
  readonly before?: Record<string, unknown> | undefined;
  readonly after?: Record<string, unknown> | undefined;
  readonly time?: Date | number | string | undefined;
  readonly raw?: unknown | undefined;
}

/**
 * A portable change event.
 *
 * @example
 * createChangeEvent({ op: 'insert', collection: 'orders', key: { id: '1' }, after: { id: '1', total: 5 } });
 */
export function createChangeEvent(init: ChangeEventInit): ChangeEvent {
  return {
    op: init.op,
    collection: init.collection,
    key: init.key,
    before: init.before,
    after: init.after,
    time: toDate(init.time),
    raw: init.raw,
  };
}

/** What an adapter knows about a CloudEvent. */
export interface CloudEventInit {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion?: string | undefined;
  readonly subject?: string | undefined;
  readonly time?: Date | number | string | undefined;
  readonly datacontenttype?: string | undefined;
  readonly data?: unknown | undefined;
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  readonly raw?: unknown | undefined;
}

/** The attributes the CloudEvents spec gives a meaning, as they stand in its JSON form. */
const cloudEventAttributes: ReadonlySet<string> = new Set([
  'id',
  'source',
  'type',
  'specversion',
  'subject',
  'time',
  'datacontenttype',
  'data',
  'data_base64',
]);

/**
 * The extensions of a CloudEvent in its JSON form (structured mode): every attribute beside the
 * spec's own, as `traceparent`, `dataschema` or Eventarc's, each an own key (`__proto__` too).
 * With `portable`, `value` is a portable CloudEvent written as JSON (what `skyport events` prints
 * and `serve()` takes): the members of its `extensions` object come first, and neither
 * `extensions` nor `raw` is an attribute.
 *
 * @example
 * cloudEventExtensions({ id: '1', source: '/s', type: 't', traceparent: '00-...' }); // { traceparent: '00-...' }
 */
export function cloudEventExtensions(
  value: Readonly<Record<string, unknown>>,
  portable = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = portable ? value.extensions : undefined;
  if (typeof given === 'object' && given !== null) {
    for (const key of Object.keys(given)) setOwn(out, key, (given as Record<string, unknown>)[key]);
  }
  for (const key of Object.keys(value)) {
    if (cloudEventAttributes.has(key) || (portable && (key === 'extensions' || key === 'raw'))) continue;
    setOwn(out, key, value[key]);
  }
  return out;
}

/**
 * A portable CloudEvent. `id`, `source` and `type` are required by the CloudEvents spec.
 *
 * @example
 * createCloudEvent({ id: e.id, source: e.source, type: e['detail-type'], data: e.detail });
 */
export function createCloudEvent(init: CloudEventInit): CloudEvent {
  for (const attribute of ['id', 'source', 'type'] as const) {
    if (typeof init[attribute] !== 'string' || init[attribute] === '') {
      throw new SkyportError('INVALID_EVENT', `a CloudEvent needs a non-empty string "${attribute}"`, {
        kind: 'events',
      });
    }
  }
  return {
    id: init.id,
    source: init.source,
    type: init.type,
    specversion: init.specversion ?? '1.0',
    subject: init.subject,
    // Optional: a time that is not one is none, rather than the time it was read (which would
    // pass for when it happened).
    time: dateOf(init.time),
    datacontenttype: init.datacontenttype,
    data: init.data,
    extensions: init.extensions ?? {},
    raw: init.raw,
  };
}
