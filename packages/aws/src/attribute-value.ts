/**
 * DynamoDB AttributeValues (`{ "N": "123" }`) to plain JavaScript and back. Numbers become
 * numbers only where that loses nothing (safe integers, at most 15 significant digits);
 * others stay strings. Sets become arrays, binary values `Uint8Array`.
 */
import { decodeBase64, encodeBase64, setOwn, utf8 } from '@skyport/core';
import { type Obj, obj } from './util.js';

/** A number as DynamoDB writes one: decimal, with an optional exponent (`Number()` also reads hex, `0b`, spaces). */
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function number(text: string): number | string {
  if (!DECIMAL.test(text)) return text;
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  if (Number.isInteger(value)) return Number.isSafeInteger(value) ? value : text;
  const digits = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  return digits.length <= 15 ? value : text;
}

function bytes(text: unknown): Uint8Array {
  return typeof text === 'string' ? (decodeBase64(text) ?? utf8(text)) : new Uint8Array(0);
}

/**
 * One AttributeValue as a plain value.
 *
 * @example
 * unmarshallValue({ M: { n: { N: '4' }, tags: { SS: ['a'] } } }); // { n: 4, tags: ['a'] }
 */
export function unmarshallValue(value: unknown): unknown {
  const av = obj(value);
  if (!av) return undefined;
  if ('S' in av) return String(av.S);
  if ('N' in av) return number(String(av.N));
  if ('BOOL' in av) return av.BOOL === true;
  if ('NULL' in av) return null;
  if ('M' in av) return unmarshall(av.M);
  if ('L' in av) return Array.isArray(av.L) ? av.L.map(unmarshallValue) : [];
  if ('SS' in av) return Array.isArray(av.SS) ? av.SS.map(String) : [];
  if ('NS' in av) return Array.isArray(av.NS) ? av.NS.map((n) => number(String(n))) : [];
  if ('B' in av) return bytes(av.B);
  if ('BS' in av) return Array.isArray(av.BS) ? av.BS.map(bytes) : [];
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
export function marshallValue(value: unknown): Obj {
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
export function marshall(item: Readonly<Record<string, unknown>>): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const key of Object.keys(item)) if (item[key] !== undefined) setOwn(out, key, marshallValue(item[key]));
  return out;
}
