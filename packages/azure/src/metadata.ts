/**
 * Defensive readers for what the Functions host delivers: trigger metadata is untyped JSON
 * (camelCased by the v4 library), so every field is checked before use and a malformed one reads
 * as absent instead of throwing deep inside a mapper.
 */
import { setOwn } from '@skyport/core';

/**
 * A plain object, or `undefined`.
 *
 * @example
 * asRecord([1]); // undefined
 */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * A non-empty string, or a finite number as a string, else `undefined`.
 *
 * @example
 * asString(17); // '17'
 */
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/**
 * The text the host sent for a string-typed metadata value (a message id, a session id, a
 * partition key), or `null` when that text is lost, or `undefined` when there is none (absent,
 * `null` or empty). The host sends these values as strings and `@azure/functions` runs
 * `JSON.parse` on each, so text that is JSON arrives as what it parses to. A boolean and a safe
 * integer give their text back (`true`, `42`); any other number (`12345678901234567890`, `1.50`),
 * an object or an array cannot be told from another text that parses to the same value, so it is
 * lost. What the parse leaves no trace of at all is not detected: a JSON string literal (`"a"`
 * arrives as `a`), a number in another form than plain digits (`1e3` arrives as `1000`), and
 * whitespace around a JSON value.
 *
 * @example
 * sentText(true); // 'true'
 * sentText(12345678901234567000); // null: the digits sent are gone
 */
export function sentText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // -0 comes from the text `-0`, which String() writes as `0`.
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  return null;
}

/**
 * A finite number (numeric strings too), else `undefined`.
 *
 * @example
 * asNumber('3'); // 3
 */
export function asNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}

/**
 * A date from a string or epoch number as the host sends it, or a valid `Date` (a context built by
 * hand), else `undefined` (core falls back to now).
 *
 * @example
 * asTime('2022-08-25T05:06:39+00:00'); // Date
 */
export function asTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if ((typeof value !== 'string' || value === '') && (typeof value !== 'number' || !Number.isFinite(value))) {
    return undefined;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Element `index` of an array-valued field (`*Array` metadata of batched triggers).
 *
 * @example
 * at(metadata.messageIdArray, 2);
 */
export function at(value: unknown, index: number): unknown {
  return Array.isArray(value) ? value[index] : undefined;
}

/**
 * A value as text for a string-valued attribute map.
 *
 * @example
 * toText({ a: 1 }); // '{"a":1}'
 */
export function toText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A string map from an object of any values (application properties, user properties). Every
 * property becomes an own key, `__proto__` included.
 *
 * @example
 * stringMap({ tenant: 'a', n: 1 }); // { tenant: 'a', n: '1' }
 */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const record = asRecord(value);
  if (!record) return out;
  for (const key of Object.keys(record)) {
    const text = toText(record[key]);
    if (text !== undefined) setOwn(out, key, text);
  }
  return out;
}

/**
 * The trigger payload as core's `PayloadInit`: bytes stay raw, anything the host parsed stays parsed.
 *
 * @example
 * createMessage({ id, source, ...payloadOf(trigger) });
 */
export function payloadOf(value: unknown): { data?: Uint8Array; body?: unknown } {
  if (value instanceof Uint8Array) return { data: value };
  if (value instanceof ArrayBuffer) return { data: new Uint8Array(value) };
  return { body: value };
}
