/**
 * DynamoDB AttributeValues (`{ "N": "123" }`) to plain JavaScript and back. Numbers become
 * numbers only where that loses nothing (safe integers, at most 15 significant digits);
 * others stay strings. Sets become arrays, binary values `Uint8Array`.
 */
import { decodeBase64, encodeBase64, SkyportError, setOwn } from '@skyport/core';
import { type Obj, obj } from './util.js';

/**
 * A DynamoDB AttributeValue as JSON, one key naming its type (`{ S: 'a' }`, `{ N: '1' }`,
 * `{ L: [...] }`, `{ M: { ... } }`, `{ NULL: true }`): what `marshallValue()` returns, and the
 * values of the map `marshall()` returns.
 *
 * @example
 * const item: Record<string, AttributeValue> = marshall({ id: 'o-1', total: 12 });
 */
export type AttributeValue = Obj;

/** A number as DynamoDB writes one: decimal, with an optional exponent (`Number()` also reads hex, `0b`, spaces). */
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ZERO = 0x30;

/**
 * A number where the double holds the decimal exactly enough to give it back: a safe integer
 * written as one, or at most 15 significant digits. Otherwise the text (DynamoDB keeps 38 digits:
 * `12345678901234.99999` would become `12345678901235`).
 */
function number(text: string): number | string {
  if (!DECIMAL.test(text)) return text;
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return text;
  if (/^-?\d+$/.test(text)) return value;
  const digits = text.replace(/[eE].*$/, '').replace(/[^0-9]/g, '');
  // The significant digits lie between the leading and the trailing zeros, found by index: a
  // regular expression for the trailing ones (`/0+$/`) retries from every zero, which is
  // quadratic in a long run of zeros followed by another digit.
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === ZERO) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === ZERO) end--;
  return end - start <= 15 ? value : text;
}

/** An AttributeValue of the wrong shape: no DynamoDB stream sends one, so it is not guessed at. */
function malformedValue(type: string, expected: string): SkyportError {
  return new SkyportError('INVALID_EVENT', `aws: a DynamoDB ${type} AttributeValue must be ${expected}`, {
    adapter: 'aws',
    shape: 'dynamodb',
  });
}

function bytes(value: unknown, type: string): Uint8Array {
  // Base64 in a stream's JSON; bytes when the item was built in-process (the SDK's marshall).
  if (value instanceof Uint8Array) return value;
  const decoded = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (decoded === undefined) throw malformedValue(type, 'base64');
  return decoded;
}

function text(value: unknown, type: string): string {
  if (typeof value !== 'string') throw malformedValue(type, 'a string');
  return value;
}

function list(value: unknown, type: string): unknown[] {
  if (!Array.isArray(value)) throw malformedValue(type, 'a list');
  return value;
}

/**
 * One AttributeValue as a plain value. A value of the wrong shape (`{ S: 5 }`, `{ L: 'x' }`, `B`
 * that is not base64) throws `INVALID_EVENT`: a change event's record then fails rather than
 * running with a value no table holds.
 *
 * @example
 * unmarshallValue({ M: { n: { N: '4' }, tags: { SS: ['a'] } } }); // { n: 4, tags: ['a'] }
 */
export function unmarshallValue(value: unknown): unknown {
  const av = obj(value);
  if (!av) return undefined;
  if ('S' in av) return text(av.S, 'S');
  if ('N' in av) return number(text(av.N, 'N'));
  if ('BOOL' in av) {
    if (typeof av.BOOL !== 'boolean') throw malformedValue('BOOL', 'a boolean');
    return av.BOOL;
  }
  if ('NULL' in av) return null;
  if ('M' in av) {
    if (obj(av.M) === undefined) throw malformedValue('M', 'a map');
    return unmarshall(av.M);
  }
  if ('L' in av) return list(av.L, 'L').map(unmarshallValue);
  if ('SS' in av) return list(av.SS, 'SS').map((item) => text(item, 'SS'));
  if ('NS' in av) return list(av.NS, 'NS').map((item) => number(text(item, 'NS')));
  if ('B' in av) return bytes(av.B, 'B');
  if ('BS' in av) return list(av.BS, 'BS').map((item) => bytes(item, 'BS'));
  return undefined;
}

/**
 * An item (a map of AttributeValues) as a plain object. Every attribute is an own property,
 * `__proto__` included.
 *
 * @example
 * unmarshall({ id: { S: 'o-1' }, total: { N: '12.5' } }); // { id: 'o-1', total: 12.5 }
 */
export function unmarshall(item: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = obj(item);
  if (source) for (const key of Object.keys(source)) setOwn(out, key, unmarshallValue(source[key]));
  return out;
}

/**
 * A plain value as an AttributeValue (used to synthesise DynamoDB Streams records).
 *
 * @example
 * marshallValue([1, 'a']); // { L: [{ N: '1' }, { S: 'a' }] }
 */
export function marshallValue(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: encodeBase64(value) };
  if (value instanceof Date) return { S: value.toISOString() };
  if (Array.isArray(value)) return { L: value.map(marshallValue) };
  if (value instanceof Set) return { L: [...value].map(marshallValue) };
  return { M: marshall(value as Record<string, unknown>) };
}

/**
 * A plain object as a map of AttributeValues.
 *
 * @example
 * marshall({ id: 'o-1' }); // { id: { S: 'o-1' } }
 */
export function marshall(item: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key of Object.keys(item)) if (item[key] !== undefined) setOwn(out, key, marshallValue(item[key]));
  return out;
}
