import { describe, expect, it } from 'vitest';
import { marshall, unmarshall } from './attribute-value.js';

describe('unmarshall', () => {
  it('turns AttributeValues into plain values, numbers only where safe', () => {
    expect(
      unmarshall({
        s: { S: 'x' },
        n: { N: '42' },
        f: { N: '12.5' },
        big: { N: '12345678901234567890' },
        precise: { N: '0.1234567890123456789' },
        b: { BOOL: true },
        nil: { NULL: true },
        m: { M: { inner: { L: [{ N: '1' }, { S: 'a' }] } } },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2'] },
        bin: { B: 'AQI=' },
      }),
    ).toEqual({
      s: 'x',
      n: 42,
      f: 12.5,
      big: '12345678901234567890',
      precise: '0.1234567890123456789',
      b: true,
      nil: null,
      m: { inner: [1, 'a'] },
      ss: ['a', 'b'],
      ns: [1, 2],
      bin: new Uint8Array([1, 2]),
    });
  });

  it('round-trips through marshall', () => {
    const item = { id: 'o-1', total: 12.5, tags: ['a'], meta: { ok: true, none: null } };
    expect(unmarshall(marshall(item))).toEqual(item);
  });
});
