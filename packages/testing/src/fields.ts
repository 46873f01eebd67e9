/**
 * Events given as their fields: the event a plain object describes (one a test wrote by hand, or
 * the JSON `skyport events node` prints, read back with `JSON.parse`), built as `serve()` builds
 * a posted one, with its times as dates and the defaults the function's definition gives.
 */
import {
  type ChangeOp,
  cloudEventExtensions,
  createChangeEvent,
  createCloudEvent,
  createScheduleTick,
  createStorageEvent,
  type Kind,
  type KindOptions,
  type SkyportFunction,
  type StorageEventType,
  setOwn,
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

/**
 * What a field must be: a test of its value, the words for what it expects, whether the event
 * needs it (it has no default), and whether `null` is a value of it (`body: null` is the JSON
 * `null`) rather than no value, as `serve()` reads posted JSON.
 */
interface FieldRule {
  readonly is: (value: unknown) => boolean;
  readonly expected: string;
  readonly required?: boolean;
  readonly nullable?: boolean;
}

const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` can be written as JSON, as a change's key is to name it in failures. */
function writable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

const anything: FieldRule = { is: () => true, expected: 'anything' };
const anyValue: FieldRule = { ...anything, nullable: true };
const text: FieldRule = { is: (item) => typeof item === 'string', expected: 'a string' };
const name: FieldRule = { is: (item) => typeof item === 'string' && item !== '', expected: 'a non-empty string' };
const flag: FieldRule = { is: (item) => typeof item === 'boolean', expected: 'true or false' };
const object: FieldRule = { is: isObject, expected: 'an object' };
const strings: FieldRule = {
  is: (item) => isObject(item) && Object.values(item).every((one) => typeof one === 'string'),
  expected: 'an object of strings',
};
/** A time's type: whether it is one (`'nope'`, an invalid `Date`) is checked as the event is built. */
const time: FieldRule = {
  is: (item) => item instanceof Date || typeof item === 'string' || typeof item === 'number',
  expected: 'a time (a Date, an ISO 8601 string or epoch milliseconds)',
};
const size: FieldRule = {
  is: (item) =>
    (typeof item === 'number' && Number.isInteger(item) && item >= 0) ||
    (typeof item === 'string' && /^\d+$/.test(item)),
  expected: 'a non-negative integer, or one as a decimal string',
};
const oneOf = (...values: readonly string[]): FieldRule => {
  const quoted = values.map((one) => `"${one}"`);
  return {
    is: (item) => values.includes(item as string),
    expected: `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`,
  };
};
const required = (rule: FieldRule): FieldRule => ({ ...rule, required: true });

/**
 * The fields each kind's event can be given as, in the order messages name them. A field with a
 * default is optional (a storage event is `created` in the function's bucket, a tick is now and
 * named after its schedule); the id of each kind's failures is not (a storage event's `key`, a
 * change's `key`), nor what a filter or the CloudEvents spec needs (`op`, `source`, `type`).
 */
const rules: Readonly<Record<Exclude<Kind, 'http'>, Readonly<Record<string, FieldRule>>>> = {
  // The factory checks `attempt` and names what it must be.
  queue: {
    body: anyValue,
    id: text,
    attributes: strings,
    attempt: anything,
    publishedAt: time,
    source: text,
    groupId: text,
    orderingKey: text,
  },
  stream: { body: anyValue, id: text, sequence: text, partitionKey: text, publishedAt: time, source: text },
  storage: {
    type: oneOf('created', 'deleted'),
    bucket: text,
    key: required(name),
    size,
    etag: text,
    contentType: text,
    time,
    raw: anyValue,
  },
  schedule: { scheduledTime: time, isPastDue: flag, name, raw: anyValue },
  changes: {
    op: required(oneOf('insert', 'update', 'delete')),
    collection: text,
    key: required({ is: (item) => isObject(item) && writable(item), expected: 'an object JSON can write' }),
    before: object,
    after: object,
    time,
    raw: anyValue,
  },
  events: {
    id: name,
    source: required(name),
    type: required(name),
    specversion: text,
    subject: text,
    time,
    datacontenttype: text,
    data: anyValue,
    extensions: object,
    raw: anyValue,
  },
};

/** `time` checked to be one, as the factories check theirs: a `TypeError` naming `field` if not. */
function timeOf(value: Date | string | number | undefined, field: string): Date | string | number | undefined {
  if (value !== undefined) epochOf(value, field);
  return value;
}

/**
 * The event of `fn`'s kind that `value` describes. A field no such event has, one it needs and
 * has no default for, or one of the wrong type, throws what `refuse` makes of the problem, as
 * does a time that is none (`'nope'`); a field that is `null` (but a body or data) is left out; a time
 * given as an ISO 8601 string or epoch milliseconds (as JSON carries it) is a `Date`. A message
 * or record is built as `message()` / `streamRecord()` build one, with the function's queue or
 * stream as its source; another kind's event as `serve()` builds it. A message or record with its
 * bytes (`rawBody`: one a factory or an adapter built) is taken as it is. A CloudEvent's
 * attributes beside its own fields are extensions, as `serve()` takes them: not checked, and
 * kept in its `raw`, which is `value` unless that has a `raw` of its own.
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
  const given: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (rule === undefined) {
      // As `serve()` reads a posted CloudEvent: an attribute beside its own (`dataschema`,
      // `traceparent`) is an extension (see `extensionsOf`), not checked.
      if (kind === 'events') {
        setOwn(given, key, item);
        continue;
      }
      throw refuse(`"${key}" is no field of ${eventNames[kind]} (its fields: ${Object.keys(fields).join(', ')})`);
    }
    if (item === undefined || (item === null && rule.nullable !== true)) continue;
    if (!rule.is(item)) throw refuse(`"${key}" must be ${rule.expected}`);
    given[key] = item;
  }
  for (const [key, rule] of Object.entries(fields)) {
    if (rule.required === true && !Object.hasOwn(given, key))
      throw refuse(`"${key}" is missing: it must be ${rule.expected}`);
  }
  // A CloudEvent's `raw` is the event as given, as `serve()` keeps a posted one, unless it has one
  // of its own (a built event read back).
  if (kind === 'events' && !Object.hasOwn(value, 'raw')) given.raw = value;
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
        extensions: cloudEventExtensions(g, true),
        raw: g.raw,
      });
    default:
      return given;
  }
}
