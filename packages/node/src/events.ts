/**
 * Portable events as JSON: what `POST /_skyport/<name>` and `skyport invoke --cloud node` accept.
 * The JSON mirrors the portable event fields (the same shape `JSON.stringify` gives for an event
 * built by `@skyport/testing`), with defaults for everything a local caller would rather not type.
 */

import { randomUUID } from 'node:crypto';
import {
  type BatchItem,
  type ChangeOp,
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

function invalid(kind: Kind, message: string, value: unknown): SkyportError {
  return new SkyportError('INVALID_EVENT', `node: ${message} (${kind} function, got ${shapeOf(value)})`, {
    adapter: 'node',
    kind,
    shape: shapeOf(value),
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function time(value: unknown): Date | string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') out[key] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') out[key] = String(item);
  }
  return out;
}

/** A body as it travels: strings and bytes stay, anything else is sent as JSON. */
function payload(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const ops: readonly ChangeOp[] = ['insert', 'update', 'delete'];

function toEvent(fn: SkyportFunction<Kind>, name: string, value: unknown): EventOf<Kind> {
  const kind = fn.kind;
  if (value === undefined && kind === 'schedule') value = {};
  if (!isObject(value)) throw invalid(kind, 'an event must be a JSON object', value);
  switch (kind) {
    case 'queue': {
      const options = fn.options as KindOptions['queue'];
      return createMessage({
        id: str(value.id) ?? randomUUID(),
        data: payload(value.body),
        attributes: strings(value.attributes),
        attempt: typeof value.attempt === 'number' ? value.attempt : 1,
        publishedAt: time(value.publishedAt) ?? new Date(),
        source: str(value.source) ?? options.name,
        groupId: str(value.groupId),
        orderingKey: str(value.orderingKey),
        raw: value,
      });
    }
    case 'stream': {
      const options = fn.options as KindOptions['stream'];
      const sequence = str(value.sequence) ?? str(value.id) ?? String(Date.now());
      return createStreamRecord({
        id: str(value.id) ?? sequence,
        sequence,
        partitionKey: str(value.partitionKey) ?? 'default',
        data: payload(value.body),
        publishedAt: time(value.publishedAt) ?? new Date(),
        source: str(value.source) ?? options.name,
        raw: value,
      });
    }
    case 'storage': {
      const options = fn.options as KindOptions['storage'];
      const type = value.type ?? 'created';
      if (type !== 'created' && type !== 'deleted') throw invalid(kind, '"type" must be "created" or "deleted"', value);
      const key = str(value.key);
      if (key === undefined || key === '') throw invalid(kind, 'a storage event needs a string "key"', value);
      const size = value.size;
      return createStorageEvent({
        type,
        bucket: str(value.bucket) ?? options.bucket,
        key,
        size: typeof size === 'number' || typeof size === 'string' ? size : undefined,
        etag: str(value.etag),
        contentType: str(value.contentType),
        time: time(value.time) ?? new Date(),
        raw: value,
      });
    }
    case 'schedule': {
      const options = fn.options as KindOptions['schedule'];
      return createScheduleTick({
        scheduledTime: time(value.scheduledTime) ?? new Date(),
        isPastDue: value.isPastDue === true,
        name: str(value.name) ?? options.name ?? name,
        raw: value,
      });
    }
    case 'changes': {
      const options = fn.options as KindOptions['changes'];
      const op = ops.find((candidate) => candidate === value.op);
      if (op === undefined) throw invalid(kind, '"op" must be "insert", "update" or "delete"', value);
      return createChangeEvent({
        op,
        collection: str(value.collection) ?? options.collection,
        key: isObject(value.key) ? value.key : {},
        before: isObject(value.before) ? value.before : undefined,
        after: isObject(value.after) ? value.after : undefined,
        time: time(value.time) ?? new Date(),
        raw: value,
      });
    }
    case 'events':
      return createCloudEvent({
        id: str(value.id) ?? randomUUID(),
        source: str(value.source) ?? '',
        type: str(value.type) ?? '',
        specversion: str(value.specversion),
        subject: str(value.subject),
        time: time(value.time),
        datacontenttype: str(value.datacontenttype),
        data: value.data,
        extensions: isObject(value.extensions) ? value.extensions : {},
        raw: value,
      });
    default:
      throw invalid(kind, `a ${kind} function takes an HTTP request, not a posted event`, value);
  }
}

function idOf(kind: Kind, event: EventOf<Kind>): string {
  switch (kind) {
    case 'storage':
      return (event as EventOf<'storage'>).key;
    case 'schedule':
      return (event as EventOf<'schedule'>).name;
    case 'changes':
      return JSON.stringify((event as EventOf<'changes'>).key);
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
    return { id: idOf(fn.kind, event), event, groupId: (event as { groupId?: string }).groupId };
  });
}

/**
 * A portable HTTP request from JSON: `{ method, path, headers, query, body }` where `path` may
 * carry a query string and an object `body` is sent as JSON.
 *
 * @example
 * httpInit({ method: 'POST', path: '/orders', body: { customer: 'a@b.example', lines: [] } });
 */
export function httpInit(value: unknown): HttpRequestInit {
  if (!isObject(value)) throw invalid('http', 'an HTTP request must be a JSON object', value);
  const headers: Record<string, string> = {};
  for (const [key, item] of Object.entries(strings(value.headers))) headers[key.toLowerCase()] = item;
  const rawBody = value.body;
  let body: string | undefined;
  if (rawBody === undefined || rawBody === null) body = undefined;
  else if (typeof rawBody === 'string') body = rawBody;
  else {
    body = JSON.stringify(rawBody);
    headers['content-type'] ??= 'application/json';
  }
  const target = str(value.path) ?? '/';
  const q = target.indexOf('?');
  const query = value.query;
  return {
    method: str(value.method) ?? 'GET',
    path: q < 0 ? target : target.slice(0, q),
    query:
      typeof query === 'string' || isObject(query)
        ? typeof query === 'string'
          ? query
          : strings(query)
        : q < 0
          ? undefined
          : target.slice(q + 1),
    headers,
    body,
    ip: str(value.ip) ?? '127.0.0.1',
    raw: value,
  };
}
