/**
 * Portable event factories with sensible defaults, so a test states only what matters to it.
 */
import {
  type ChangeEvent,
  type ChangeEventInit,
  type CloudEvent,
  type CloudEventInit,
  createChangeEvent,
  createCloudEvent,
  createMessage,
  createScheduleTick,
  createStorageEvent,
  createStreamRecord,
  type HttpRequestInit,
  type Message,
  type ScheduleTick,
  type StorageEvent,
  type StorageEventInit,
  type StreamRecord,
} from '@skyport/core';
import { epochOf } from './clock.js';

let counter = 0;

/**
 * `time` as given when it is a time (or not given); a `TypeError` naming the field for one that
 * is none (`'nope'`, `new Date(NaN)`), which the event would otherwise silently replace by now.
 */
function timeOf<T extends Date | string | number | undefined>(time: T, what: string): T {
  if (time !== undefined) epochOf(time, what);
  return time;
}

/** A delivery count given, checked: a whole number of at least 1, as every platform counts. */
function attemptOf(attempt: number | undefined): number | undefined {
  if (attempt === undefined || (Number.isInteger(attempt) && attempt >= 1)) return attempt;
  throw new TypeError(`message() attempt is not a delivery count (a whole number from 1): ${String(attempt)}`);
}
/**
 * A fresh id with `prefix`, unique in the process (`event-7`), as the factories give one.
 *
 * @example
 * nextId('msg'); // 'msg-12'
 */
export const nextId = (prefix: string): string => `${prefix}-${++counter}`;

/** What a test says about a request. */
export interface HttpRequestOptions {
  /** Default `GET`. */
  readonly method?: string | undefined;
  /** The path; a query string in it is split off (and `query` added after it). Default `/`. */
  readonly path?: string | undefined;
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** Query parameters, added after those of a query string in `path`. */
  readonly query?: Readonly<Record<string, string | readonly string[]>> | string | undefined;
  /**
   * A string or a `Uint8Array` (a `Buffer` too) as it is, with no content type added;
   * `URLSearchParams` as a urlencoded form, as `fetch` sends it; an `ArrayBuffer` or another
   * typed array as bytes (`application/octet-stream` unless a content type is set); any other
   * object or array as JSON (`application/json` unless set).
   */
  readonly body?: unknown | undefined;
  /** Request cookies. */
  readonly cookies?: Readonly<Record<string, string>> | undefined;
  readonly ip?: string | undefined;
}

/**
 * Bodies `fetch` reads asynchronously, which a synchronous factory cannot, by the tag each carries.
 * Their classes are read from the globals only for a body with such a tag: reading `FormData`
 * loads Node's fetch implementation (some 20 ms), which a test that never sends one should not pay.
 */
const asyncBodies: Readonly<Record<string, 'Blob' | 'FormData' | 'ReadableStream'>> = {
  Blob: 'Blob',
  File: 'Blob',
  FormData: 'FormData',
  ReadableStream: 'ReadableStream',
};

/** The name of the class of `fetch` bodies read asynchronously that `body` is, if it is one. */
function asyncBodyOf(body: object): string | undefined {
  const tag: unknown = (body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  const name = typeof tag === 'string' && Object.hasOwn(asyncBodies, tag) ? asyncBodies[tag] : undefined;
  if (name === undefined) return undefined;
  const type: unknown = globalThis[name];
  return typeof type === 'function' && body instanceof type ? name : undefined;
}

function bodyOf(body: unknown, headers: Record<string, string | readonly string[]>): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    headers['content-type'] ??= 'application/octet-stream';
    return body instanceof ArrayBuffer
      ? new Uint8Array(body)
      : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
  const name = typeof body === 'object' ? asyncBodyOf(body) : undefined;
  if (name !== undefined) {
    throw new TypeError(
      `httpRequest(): a ${name} body can only be read asynchronously; read it first and pass the bytes ` +
        "and content type (`const r = new Response(body)`, then `body: new Uint8Array(await r.arrayBuffer())`, `headers: { 'content-type': r.headers.get('content-type') }`)",
    );
  }
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(body);
}

function queryOf(path: string, query: HttpRequestOptions['query']): HttpRequestInit['query'] {
  // `null` and `undefined` values come from plain JavaScript: no parameter, as `invoke()` reads them.
  if (query === undefined || (query as unknown) === null) return path;
  if (path === '') return query;
  const added =
    typeof query === 'string'
      ? query.replace(/^\?/, '')
      : new URLSearchParams(
          Object.entries(query).flatMap(([name, value]) =>
            (typeof value === 'string' ? [value] : ((value as readonly string[] | null | undefined) ?? [])).map(
              (one): [string, string] => [name, one],
            ),
          ),
        ).toString();
  return added === '' ? path : `${path}&${added}`;
}

/**
 * A portable HTTP request for `invoke()`.
 *
 * @example
 * await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', body: { sku: 'a', qty: 1 } }));
 */
export function httpRequest(options: HttpRequestOptions = {}): HttpRequestInit {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = bodyOf(options.body, headers);
  if (options.cookies) {
    const added = Object.entries(options.cookies).map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
    // A `cookie` header given too keeps its cookies, first, as a browser would send them.
    const given = headers.cookie;
    headers.cookie = [...(given === undefined ? [] : typeof given === 'string' ? [given] : given), ...added].join('; ');
  }
  const raw = options.path ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? options.query : queryOf(raw.slice(q + 1), options.query);
  return { method: options.method ?? 'GET', path, headers, query, body, ip: options.ip ?? '127.0.0.1' };
}

/** What a test says about a message. */
export interface MessageOptions {
  /** Any value: objects are sent as JSON, strings and bytes as they are. */
  readonly body?: unknown | undefined;
  readonly id?: string | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** The delivery count, a whole number from 1 (default 1); another number is a `TypeError`. */
  readonly attempt?: number | undefined;
  /** Default now; a value that is no time (`'nope'`) is a `TypeError`. */
  readonly publishedAt?: Date | string | number | undefined;
  readonly source?: string | undefined;
  readonly groupId?: string | undefined;
  readonly orderingKey?: string | undefined;
}

function dataOf(body: unknown): string | Uint8Array {
  if (body === undefined) return '';
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}

/**
 * A portable message.
 *
 * @example
 * await invoke(ship, [message({ body: { orderId: '1' } }), message({ body: { orderId: '2' } })]);
 */
export function message(options: MessageOptions = {}): Message {
  return createMessage({
    id: options.id ?? nextId('msg'),
    data: dataOf(options.body),
    attributes: options.attributes,
    attempt: attemptOf(options.attempt),
    publishedAt: timeOf(options.publishedAt, 'message() publishedAt') ?? new Date(),
    source: options.source ?? 'test-queue',
    groupId: options.groupId,
    orderingKey: options.orderingKey,
    raw: undefined,
  });
}

/** What a test says about a stream record. */
export interface StreamRecordOptions {
  readonly body?: unknown | undefined;
  /** The record's id (default: its sequence number, as on every platform). */
  readonly id?: string | undefined;
  readonly sequence?: string | undefined;
  readonly partitionKey?: string | undefined;
  readonly publishedAt?: Date | string | number | undefined;
  readonly source?: string | undefined;
}

/**
 * A portable stream record.
 *
 * @example
 * await invoke(clicks, [streamRecord({ body: { page: '/' } })]);
 */
export function streamRecord(options: StreamRecordOptions = {}): StreamRecord {
  const sequence = options.sequence ?? String(++counter).padStart(20, '0');
  return createStreamRecord({
    id: options.id,
    sequence,
    partitionKey: options.partitionKey ?? 'partition-1',
    data: dataOf(options.body),
    publishedAt: timeOf(options.publishedAt, 'streamRecord() publishedAt') ?? new Date(),
    source: options.source ?? 'test-stream',
  });
}

/**
 * A portable storage event (an object created in `test-bucket` unless told otherwise).
 *
 * @example
 * await invoke(onUpload, storageEvent({ key: 'photos/cat.png', size: 1024 }));
 */
export function storageEvent(options: Partial<StorageEventInit> = {}): StorageEvent {
  return createStorageEvent({
    type: options.type ?? 'created',
    bucket: options.bucket ?? 'test-bucket',
    key: options.key ?? 'test-object',
    size: options.size ?? (options.type === 'deleted' ? undefined : 0),
    etag: options.etag,
    contentType: options.contentType,
    time: timeOf(options.time, 'storageEvent() time'),
    raw: options.raw,
  });
}

/**
 * A portable schedule tick; a `scheduledTime` that is no time (`'nope'`) is a `TypeError`.
 *
 * @example
 * await invoke(nightly, scheduleTick({ scheduledTime: '2026-01-01T03:00:00Z' }));
 */
export function scheduleTick(
  options: {
    scheduledTime?: Date | string | number | undefined;
    isPastDue?: boolean | undefined;
    name?: string | undefined;
  } = {},
): ScheduleTick {
  return createScheduleTick({
    scheduledTime: timeOf(options.scheduledTime, 'scheduleTick() scheduledTime') ?? new Date(),
    isPastDue: options.isPastDue,
    name: options.name ?? 'test-schedule',
  });
}

/**
 * A portable change event (an insert into `test-collection` unless told otherwise).
 *
 * @example
 * await invoke(audit, changeEvent({ op: 'update', before: { qty: 1 }, after: { qty: 2 } }));
 */
export function changeEvent(options: Partial<ChangeEventInit> = {}): ChangeEvent {
  return createChangeEvent({
    op: options.op ?? 'insert',
    collection: options.collection ?? 'test-collection',
    key: options.key ?? { id: nextId('item') },
    before: options.before,
    after: options.after ?? (options.op === 'delete' ? undefined : {}),
    time: timeOf(options.time, 'changeEvent() time'),
    raw: options.raw,
  });
}

/**
 * A portable CloudEvent.
 *
 * @example
 * await invoke(onSignup, cloudEvent({ type: 'user.created', data: { id: 'u1' } }));
 */
export function cloudEvent(options: Partial<CloudEventInit> = {}): CloudEvent {
  return createCloudEvent({
    id: options.id ?? nextId('event'),
    source: options.source ?? 'test://source',
    type: options.type ?? 'test.event',
    specversion: options.specversion,
    subject: options.subject,
    time: timeOf(options.time, 'cloudEvent() time') ?? new Date(),
    datacontenttype: options.datacontenttype ?? 'application/json',
    data: options.data,
    extensions: options.extensions,
    raw: options.raw,
  });
}
