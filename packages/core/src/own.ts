/**
 * Setting a key that comes from data (an event's attribute, a document's field) on a plain object.
 */

/**
 * Sets `target[key]` as an own, enumerable data property. A key named `__proto__`, which plain
 * assignment would take as the object's prototype (the value lost, or the object polluted with
 * inherited properties), is defined instead.
 *
 * @example
 * const out: Record<string, unknown> = {};
 * setOwn(out, '__proto__', { isAdmin: true });
 * Object.keys(out); // ['__proto__']   out.isAdmin; // undefined
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else target[key] = value;
}
