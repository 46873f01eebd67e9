import { describe, expect, it } from 'vitest';
import { setOwn } from './own.js';

describe('setOwn()', () => {
  it('keeps a key named __proto__ as an own field instead of setting the prototype', () => {
    const out: Record<string, unknown> = {};
    setOwn(out, '__proto__', { isAdmin: true });
    setOwn(out, 'name', 'ada');
    expect(Object.keys(out)).toEqual(['__proto__', 'name']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.isAdmin).toBeUndefined();
    expect(JSON.stringify(out)).toBe('{"__proto__":{"isAdmin":true},"name":"ada"}');
  });
});
