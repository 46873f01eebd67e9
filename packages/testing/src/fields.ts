/**
 * Events given as their fields: the event a plain object describes (one a test wrote by hand, or
 * the JSON `skyport events node` prints, read back with `JSON.parse`), built as `serve()` builds
 * a posted one, with its times as dates and the defaults the function's definition gives.
 */
import {
  type ChangeOp,
  createChangeEvent,
  createCloudEvent,
  createScheduleTick,
  createStorageEvent,
  type Kind,
  type KindOptions,
  type SkyportFunction,
  type StorageEventType,
} from '@skyport/core';
import { epochOf } from './clock.js';
import { type MessageOptions, message, nextId, type StreamRecordOptions, streamRecord } from './factories.js';

/**
 * What each kind's function takes, as messages name it.
 *
 * @example
 * `a queue function takes ${eventNames.queue}`; // 'a queue function takes a message'
 */
export const eventNames: Readonly<Record<Kind, string>> = {
  http: 'a request',
  queue: 'a message',
  stream: 'a stream record',
  storage: 'a storage event',
  schedule: 'a schedule tick',
  changes: 'a change event',
  events: 'a CloudEvent',
};

/** What a field must be: a test of its value, and the words for what it expects. */
interface FieldRule {
  readonly is: (value: unknown) => boolean;
  readonly expected: string;
}

const anything: FieldRule = { is: () => true, expected: 'anything' };
const text: FieldRule = { is: (value) => typeof value === 'string', expected: 'a string' };
/** A time's type: whether it is one (`'nope'`, an invalid `Date`) is checked as the event is built. */
const time: FieldRule = {
  is: (value) => value instanceof Date || typeof value === 'string' || typeof value === 'number',
  expected: 'a time (a Date, an ISO 8601 string or epoch milliseconds)',
};
const strings: FieldRule = {
  is: (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string'),
  expected: 'an object of strings',
};

/** The fields each kind's event can be given as, in the order messages name them. */
const rules: Readonly<Record<Exclude<Kind, 'http'>, Readonly<Record<string, FieldRule>>>> = {
  queue: {
    body: anything,
    id: text,
    attributes: strings,
    attempt: anything,
    publishedAt: anything,
    source: text,
    groupId: text,
    orderingKey: text,
  },
  stream: { body: anything, id: text, sequence: text, partitionKey: text, publishedAt: anything, source: text },
  storage: {
    type: anything,
    bucket: anything,
    key: anything,
    size: anything,
    etag: anything,
    contentType: anything,
    time,
    raw: anything,
  },
  schedule: { scheduledTime: time, isPastDue: anything, name: anything, raw: anything },
  changes: {
    op: anything,
    collection: anything,
    key: anything,
    before: anything,
    after: anything,
    time,
    raw: anything,
  },
  events: {
    id: anything,
    source: anything,
    type: anything,
    specversion: anything,
    subject: anything,
    time,
    datacontenttype: anything,
    data: anything,
    extensions: anything,
    raw: anything,
  },
};

/** `time` checked to be one, as the factories check theirs: a `TypeError` naming `field` if not. */
function timeOf(value: Date | string | number | undefined, field: string): Date | string | number | undefined {
  if (value !== undefined) epochOf(value, field);
  return value;
}

/**
 * The event of `fn`'s kind that `value` describes. A field no such event has, or one of the wrong
 * type, throws what `refuse` makes of the problem, as does a time that is none (`'nope'`); a time
 * given as an ISO 8601 string or epoch milliseconds (as JSON carries it) is a `Date`. A message
 * or record is built as `message()` / `streamRecord()` build one, with the function's queue or
 * stream as its source; another kind's event as `serve()` builds it. A message or record with its
 * bytes (`rawBody`: one a factory or an adapter built) is taken as it is.
 *
 * @example
 * const tick = eventOf(nightly, { scheduledTime: '2026-01-01T03:00:00Z' }, 'test-function', refuse);
 */
export function eventOf(
  fn: SkyportFunction,
  value: object,
  functionName: string,
  refuse: (problem: string) => Error,
): unknown {
  const kind = fn.kind;
  if (kind === 'http' || ((kind === 'queue' || kind === 'stream') && 'rawBody' in value)) return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw refuse(
      `it must be a plain object, not a ${(prototype as { constructor?: { name?: string } }).constructor?.name ?? 'class instance'}`,
    );
  }
  const fields = rules[kind];
  const given = value as Readonly<Record<string, unknown>>;
  for (const [key, item] of Object.entries(given)) {
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (rule === undefined) {
      throw refuse(`"${key}" is no field of ${eventNames[kind]} (its fields: ${Object.keys(fields).join(', ')})`);
    }
    if (item !== undefined && !rule.is(item)) throw refuse(`"${key}" must be ${rule.expected}`);
  }
  try {
    return build(fn, given, functionName);
  } catch (error) {
    // A factory's own checks (a time that is none, an attempt of 0), as the input's fault.
    throw error instanceof TypeError ? refuse(error.message.replace(/^\w+\(\) /, '')) : error;
  }
}

/** The event of `fn`'s kind with the fields `given`, each of the type its rule checked. */
function build(fn: SkyportFunction, given: Readonly<Record<string, unknown>>, functionName: string): unknown {
  const g = given;
  const str = (key: string) => g[key] as string | undefined;
  const object = (key: string) => g[key] as Record<string, unknown> | undefined;
  const at = (key: string) => timeOf(g[key] as Date | string | number | undefined, key);
  switch (fn.kind) {
    case 'queue':
      return message({ ...(g as MessageOptions), source: str('source') ?? (fn.options as KindOptions['queue']).name });
    case 'stream':
      // As `serve()` reads a posted record: an id given and no sequence is its sequence too.
      return streamRecord({
        ...(g as StreamRecordOptions),
        sequence: str('sequence') ?? str('id'),
        source: str('source') ?? (fn.options as KindOptions['stream']).name,
      });
    case 'storage':
      return createStorageEvent({
        type: (g.type as StorageEventType | undefined) ?? 'created',
        bucket: str('bucket') ?? (fn.options as KindOptions['storage']).bucket,
        key: g.key as string,
        size: g.size as number | string | undefined,
        etag: str('etag'),
        contentType: str('contentType'),
        time: at('time'),
        raw: g.raw,
      });
    case 'schedule':
      return createScheduleTick({
        scheduledTime: at('scheduledTime'),
        isPastDue: g.isPastDue as boolean | undefined,
        name: str('name') ?? (fn.options as KindOptions['schedule']).name ?? functionName,
        raw: g.raw,
      });
    case 'changes':
      return createChangeEvent({
        op: g.op as ChangeOp,
        collection: str('collection') ?? (fn.options as KindOptions['changes']).collection,
        key: g.key as Record<string, unknown>,
        before: object('before'),
        after: object('after'),
        time: at('time'),
        raw: g.raw,
      });
    case 'events':
      return createCloudEvent({
        id: str('id') ?? nextId('event'),
        source: g.source as string,
        type: g.type as string,
        specversion: str('specversion'),
        subject: str('subject'),
        time: at('time'),
        datacontenttype: str('datacontenttype'),
        data: g.data,
        extensions: object('extensions'),
        raw: g.raw,
      });
    default:
      return given;
  }
}
