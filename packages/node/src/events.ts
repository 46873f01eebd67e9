/**
 * Portable events as JSON: what `POST /_skyport/<name>` and `skyport invoke --cloud node` accept.
 * The JSON mirrors the portable event fields (the same shape `JSON.stringify` gives for an event
 * built by `@skyport/testing`), with defaults for everything a local caller would rather not type.
 */

import { randomUUID } from 'node:crypto';
import {
  type BatchItem,
  type ChangeOp,
  cloudEventExtensions,
  createChangeEvent,
  createCloudEvent,
  createMessage,
  createScheduleTick,
  createStorageEvent,
  createStreamRecord,
  type EventOf,
  type HttpRequestInit,
  type Kind,
  type KindOptions,
  SkyportError,
  type SkyportFunction,
  setOwn,
} from '@skyport/core';
import type { AnyFunction } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short description of a value's shape, for error messages.
 *
 * @example
 * shapeOf([1]); // 'array'
 */
export function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) {
    const keys = Object.keys(value).slice(0, 6);
    return `object {${keys.join(', ')}${Object.keys(value).length > keys.length ? ', ...' : ''}}`;
  }
  return typeof value;
}

function invalid(kind: Kind, message: string, value: unknown, cause?: unknown): SkyportError {
  return new SkyportError('INVALID_EVENT', `node: ${message} (${kind} function, got ${shapeOf(value)})`, {
    adapter: 'node',
    kind,
    shape: shapeOf(value),
    cause,
  });
}

/**
 * `JSON.stringify(value)` of a field of a posted event, or an `INVALID_EVENT` naming the field
 * when it cannot be written: JSON nested deeper than the call stack reaches (valid JSON, which
 * `JSON.parse` reads), or, from a caller in JavaScript, a cycle or a BigInt.
 */
function toJson(kind: Kind, field: string, value: unknown, event: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    const why =
      error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
    throw invalid(kind, `"${field}" cannot be sent as JSON: ${why}`, event, error);
  }
}

/**
 * The fields of one posted event, read with their types checked: a field that is absent (or
 * `null`) gets its default, one of the wrong type is an `INVALID_EVENT` naming it, rather than
 * silently replaced by the default (a mistyped `scheduledTime` must not run as "now").
 */
class Fields {
  readonly #kind: Kind;
  readonly #value: Json;

  constructor(kind: Kind, value: Json) {
    this.#kind = kind;
    this.#value = value;
  }

  #get(field: string): unknown {
    const item = this.#value[field];
    return item === null ? undefined : item;
  }

  #wrong(field: string, expected: string): SkyportError {
    return invalid(this.#kind, `"${field}" must be ${expected}`, this.#value);
  }

  string(field: string): string | undefined {
    const item = this.#get(field);
    if (item === undefined || typeof item === 'string') return item;
    throw this.#wrong(field, 'a string');
  }

  boolean(field: string): boolean | undefined {
    const item = this.#get(field);
    if (item === undefined || typeof item === 'boolean') return item;
    throw this.#wrong(field, 'true or false');
  }

  object(field: string): Json | undefined {
    const item = this.#get(field);
    if (item === undefined || isObject(item)) return item;
    throw this.#wrong(field, 'a JSON object');
  }

  /** An ISO 8601 time or epoch milliseconds, as `new Date()` reads them. */
  time(field: string): string | number | undefined {
    const item = this.#get(field);
    if (item === undefined) return undefined;
    if ((typeof item === 'string' || typeof item === 'number') && !Number.isNaN(new Date(item).getTime())) return item;
    throw this.#wrong(field, 'an ISO 8601 time or epoch milliseconds');
  }

  /** A whole number of at least `min`. */
  integer(field: string, min: number): number | undefined {
    const item = this.#get(field);
    if (item === undefined || (typeof item === 'number' && Number.isInteger(item) && item >= min)) return item;
    throw this.#wrong(field, `an integer of at least ${min}`);
  }

  /** A byte count: a non-negative integer, or one as a decimal string (as S3 and GCS send it). */
  size(field: string): number | string | undefined {
    const item = this.#get(field);
    if (item === undefined || (typeof item === 'string' && /^\d+$/.test(item))) return item;
    if (typeof item === 'number' && Number.isInteger(item) && item >= 0) return item;
    throw this.#wrong(field, 'a non-negative integer');
  }

  /** String values by name; numbers and booleans are sent as their text, as message attributes are. */
  strings(field: string): Record<string, string> {
    const out: Record<string, string> = {};
    const item = this.object(field);
    if (item === undefined) return out;
    for (const [key, entry] of Object.entries(item)) {
      if (typeof entry === 'string') setOwn(out, key, entry);
      else if (typeof entry === 'number' || typeof entry === 'boolean') setOwn(out, key, String(entry));
      else throw this.#wrong(`${field}.${key}`, 'a string');
    }
    return out;
  }

  /** A query map: a string per name, or a list of them for a repeated name (numbers and booleans as text). */
  query(field: string): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const item = this.object(field);
    if (item === undefined) return out;
    for (const [key, entry] of Object.entries(item)) setOwn(out, key, this.#texts(`${field}.${key}`, entry));
    return out;
  }

  /**
   * Headers by lower-case name: a string (numbers and booleans as text), or a list of them for a
   * header sent more than once, joined as Node joins repeated header lines (`, `, `; ` for
   * `Cookie`), so `serve()` and the GCP adapter see the same value; names differing only in case
   * are one header. An empty list is no header.
   */
  headers(field: string): Record<string, string> {
    const out: Record<string, string> = {};
    const item = this.object(field);
    if (item === undefined) return out;
    for (const [key, entry] of Object.entries(item)) {
      const name = key.toLowerCase();
      const values: string[] = Object.hasOwn(out, name) ? [out[name] as string] : [];
      values.push(...[this.#texts(`${field}.${key}`, entry)].flat());
      if (values.length > 0) setOwn(out, name, values.join(name === 'cookie' ? '; ' : ', '));
    }
    return out;
  }

  #texts(field: string, entry: unknown): string | string[] {
    const list = Array.isArray(entry) ? (entry as unknown[]).map(text) : undefined;
    const one = list === undefined ? text(entry) : undefined;
    if (list?.every((value) => value !== undefined)) return list as string[];
    if (one !== undefined) return one;
    throw this.#wrong(field, 'a string or a list of strings');
  }
}

/** A query or attribute value as text: strings as they are, numbers and booleans as their text. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** The body of a posted event as it travels: a string stays, anything else is sent as JSON. */
function payload(kind: Kind, event: Json): string {
  const value = event.body;
  if (value === undefined) return '';
  return typeof value === 'string' ? value : toJson(kind, 'body', value, event);
}

const ops: readonly ChangeOp[] = ['insert', 'update', 'delete'];

let lastSequence = 0;

/**
 * The default sequence number of a stream record: the current time in ms, moved on by one when
 * an earlier record took it, so the records of a batch (which report failures by id) never share
 * one and keep their order.
 */
function nextSequence(): string {
  lastSequence = Math.max(Date.now(), lastSequence + 1);
  return String(lastSequence);
}

const messageFields: ReadonlySet<string> = new Set([
  'body',
  'id',
  'attributes',
  'attempt',
  'publishedAt',
  'source',
  'groupId',
  'orderingKey',
]);
const recordFields: ReadonlySet<string> = new Set(['body', 'sequence', 'id', 'partitionKey', 'publishedAt', 'source']);
// `raw` too: `JSON.stringify` of a tick, storage or change event built with one keeps it.
const tickFields: ReadonlySet<string> = new Set(['scheduledTime', 'isPastDue', 'name', 'raw']);
const storageFields: ReadonlySet<string> = new Set([
  'type',
  'bucket',
  'key',
  'size',
  'etag',
  'contentType',
  'time',
  'raw',
]);
const changeFields: ReadonlySet<string> = new Set(['op', 'collection', 'key', 'before', 'after', 'time', 'raw']);

/**
 * Refuses a field an event of the kind does not have. Most fields have a default (`{}` is an empty
 * message, or a tick now), so an event of another shape, or one with a misspelled `body` or
 * `scheduledTime`, would otherwise run as an empty message or a tick now and be acknowledged.
 * CloudEvents are not checked: attributes beside the known ones are extensions, and `source` and
 * `type` must be there.
 */
function onlyKnown(kind: Kind, value: Json, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw invalid(kind, `a ${kind} event has no field "${key}" (its fields: ${[...known].join(', ')})`, value);
    }
  }
}

function toEvent(fn: SkyportFunction<Kind>, name: string, value: unknown): EventOf<Kind> {
  const kind = fn.kind;
  if (value === undefined && kind === 'schedule') value = {};
  if (!isObject(value)) throw invalid(kind, 'an event must be a JSON object', value);
  const field = new Fields(kind, value);
  switch (kind) {
    case 'queue': {
      const options = fn.options as KindOptions['queue'];
      onlyKnown(kind, value, messageFields);
      return createMessage({
        id: field.string('id') ?? randomUUID(),
        data: payload(kind, value),
        attributes: field.strings('attributes'),
        attempt: field.integer('attempt', 1) ?? 1,
        publishedAt: field.time('publishedAt') ?? new Date(),
        source: field.string('source') ?? options.name,
        groupId: field.string('groupId'),
        orderingKey: field.string('orderingKey'),
        raw: value,
      });
    }
    case 'stream': {
      const options = fn.options as KindOptions['stream'];
      onlyKnown(kind, value, recordFields);
      const id = field.string('id');
      const sequence = field.string('sequence') ?? id ?? nextSequence();
      return createStreamRecord({
        id: id ?? sequence,
        sequence,
        partitionKey: field.string('partitionKey') ?? 'default',
        data: payload(kind, value),
        publishedAt: field.time('publishedAt') ?? new Date(),
        source: field.string('source') ?? options.name,
        raw: value,
      });
    }
    case 'storage': {
      const options = fn.options as KindOptions['storage'];
      onlyKnown(kind, value, storageFields);
      const type = field.string('type') ?? 'created';
      if (type !== 'created' && type !== 'deleted') throw invalid(kind, '"type" must be "created" or "deleted"', value);
      const key = field.string('key');
      if (key === undefined || key === '') throw invalid(kind, 'a storage event needs a string "key"', value);
      return createStorageEvent({
        type,
        bucket: field.string('bucket') ?? options.bucket,
        key,
        size: field.size('size'),
        etag: field.string('etag'),
        contentType: field.string('contentType'),
        time: field.time('time') ?? new Date(),
        raw: value,
      });
    }
    case 'schedule': {
      const options = fn.options as KindOptions['schedule'];
      onlyKnown(kind, value, tickFields);
      return createScheduleTick({
        scheduledTime: field.time('scheduledTime') ?? new Date(),
        isPastDue: field.boolean('isPastDue') ?? false,
        name: field.string('name') ?? options.name ?? name,
        raw: value,
      });
    }
    case 'changes': {
      const options = fn.options as KindOptions['changes'];
      onlyKnown(kind, value, changeFields);
      const op = ops.find((candidate) => candidate === value.op);
      if (op === undefined) throw invalid(kind, '"op" must be "insert", "update" or "delete"', value);
      return createChangeEvent({
        op,
        collection: field.string('collection') ?? options.collection,
        key: field.object('key') ?? {},
        before: field.object('before'),
        after: field.object('after'),
        time: field.time('time') ?? new Date(),
        raw: value,
      });
    }
    case 'events':
      return createCloudEvent({
        id: field.string('id') ?? randomUUID(),
        source: field.string('source') ?? '',
        type: field.string('type') ?? '',
        specversion: field.string('specversion'),
        subject: field.string('subject'),
        time: field.time('time'),
        datacontenttype: field.string('datacontenttype'),
        data: value.data,
        extensions: cloudEventExtensions(value, true),
        raw: value,
      });
    default:
      throw invalid(kind, `a ${kind} function takes an HTTP request, not a posted event`, value);
  }
}

function idOf(kind: Kind, event: EventOf<Kind>, value: unknown): string {
  switch (kind) {
    case 'storage':
      return (event as EventOf<'storage'>).key;
    case 'schedule':
      return (event as EventOf<'schedule'>).name;
    case 'changes':
      return toJson(kind, 'key', (event as EventOf<'changes'>).key, value);
    default:
      return (event as { id: string }).id;
  }
}

/**
 * Turns posted JSON (one portable event, or an array of them: a batch) into batch items for
 * `runBatch`. Throws a `SkyportError` (`INVALID_EVENT`) naming the problem; nothing runs then.
 *
 * @example
 * const items = portableBatch(fulfilOrder, 'fulfilOrder', [{ id: 'm1', body: { orderId: 'ord_1' } }]);
 */
export function portableBatch(
  definition: AnyFunction | SkyportFunction<Kind>,
  name: string,
  value: unknown,
): BatchItem<EventOf<Kind>>[] {
  const fn = definition as SkyportFunction<Kind>;
  const values = Array.isArray(value) ? value : [value];
  return values.map((item) => {
    const event = toEvent(fn, name, item);
    return { id: idOf(fn.kind, event, item), event, groupId: (event as { groupId?: string }).groupId };
  });
}

/**
 * The query of a posted request: the query string of its `path` (`inPath`, without `?`) followed
 * by its `query`, a query string or a map whose lists are repeated names, as `invokeAzure()` and
 * `invokeGcp()` read the same request (`/x?a=1` with `{ b: '3' }` is `a=1&b=3`).
 */
function queryOf(field: Fields, value: Json, inPath: string | undefined): HttpRequestInit['query'] {
  const given = value.query;
  if (given === undefined || given === null) return inPath;
  if (typeof given !== 'string' && !isObject(given)) {
    throw invalid('http', '"query" must be a string or a JSON object', value);
  }
  const map = typeof given === 'string' ? undefined : field.query('query');
  if (inPath === undefined) return map ?? (given as string);
  const more =
    map === undefined
      ? (given as string).replace(/^\?/, '')
      : new URLSearchParams(
          Object.entries(map).flatMap(([key, item]) => [item].flat().map((one): [string, string] => [key, one])),
        ).toString();
  return inPath === '' || more === '' ? `${inPath}${more}` : `${inPath}&${more}`;
}

/**
 * A portable HTTP request from JSON: `{ method, path, headers, query, body }` where `path` may
 * carry a query string (followed by `query`, a string or a map whose lists repeat a name), a
 * header may be a list (joined with `, `, `; ` for `Cookie`, as Node joins repeated lines) and
 * an object `body` is sent as JSON. `method` defaults to POST with a body and GET without one (as
 * curl's), and `path` to `/`, but one of them
 * must be there: an object with neither is some other event (a queue message sent to an http
 * function by mistake) and is refused rather than run as `GET /`. What cannot be read (a field of
 * the wrong type, a body nested too deeply to be sent as JSON) is a `SkyportError`
 * (`INVALID_EVENT`).
 *
 * @example
 * httpInit({ method: 'POST', path: '/orders', body: { customer: 'a@b.example', lines: [] } });
 */
export function httpInit(value: unknown): HttpRequestInit {
  if (!isObject(value)) throw invalid('http', 'an HTTP request must be a JSON object', value);
  const field = new Fields('http', value);
  const method = field.string('method');
  const target = field.string('path');
  if (method === undefined && target === undefined) {
    throw invalid('http', 'an HTTP request needs a "method" or a "path"', value);
  }
  const headers = field.headers('headers');
  const rawBody = value.body;
  let body: string | undefined;
  if (rawBody === undefined || rawBody === null) body = undefined;
  else if (typeof rawBody === 'string') body = rawBody;
  else {
    body = toJson('http', 'body', rawBody, value);
    headers['content-type'] ??= 'application/json';
  }
  const path = target ?? '/';
  const q = path.indexOf('?');
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    path: q < 0 ? path : path.slice(0, q),
    query: queryOf(field, value, q < 0 ? undefined : path.slice(q + 1)),
    headers,
    body,
    ip: field.string('ip') ?? '127.0.0.1',
    raw: value,
  };
}
