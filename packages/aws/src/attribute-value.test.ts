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

  it('keeps the text of a decimal whose double would be a whole number it is not', () => {
    const item = unmarshall({
      a: { N: '12345678901234.99999' },
      b: { N: '0.99999999999999999' },
      c: { N: '2.00000000000000000001' },
      d: { N: '100.0000000000000000000001' },
      whole: { N: '100.000' },
      scientific: { N: '1.5e3' },
      tiny: { N: '0.000001' },
      safe: { N: '9007199254740991' },
    });
    expect(item).toEqual({
      a: '12345678901234.99999',
      b: '0.99999999999999999',
      c: '2.00000000000000000001',
      d: '100.0000000000000000000001',
      whole: 100,
      scientific: 1500,
      tiny: 0.000001,
      safe: 9007199254740991,
    });
  });

  it('counts the digits between the leading and the trailing zeros as significant', () => {
    // Prepare: 15 significant digits make a number, 16 keep the text, whatever zeros surround them
    const item = unmarshall({
      fifteen: { N: '000.12345678901234500000' },
      sixteen: { N: '0.12345678901234560' },
      fifteenScientific: { N: '1.23456789012345000e-7' },
      sixteenScientific: { N: '-1.234567890123456E+2' },
      inner: { N: '1.00000000000001' },
      innerSixteen: { N: '1.000000000000001' },
      zeros: { N: '0.000' },
      negativeZero: { N: '-0.0' },
      point: { N: '10.' },
    });

    // Assert
    expect(item).toEqual({
      fifteen: 0.123456789012345,
      sixteen: '0.12345678901234560',
      fifteenScientific: 1.23456789012345e-7,
      sixteenScientific: '-1.234567890123456E+2',
      inner: 1.00000000000001,
      innerSixteen: '1.000000000000001',
      zeros: 0,
      negativeZero: -0,
      point: 10,
    });
  });

  it('keeps the text of a number of 200,000 digits, all zeros between its first and last', () => {
    // Prepare: a long run of zeros before another digit, which a trailing-zero pattern retries from each zero
    const long = `1.${'0'.repeat(200_000)}1`;
    const zeros = `-0.${'0'.repeat(200_000)}`;

    // Act
    const item = unmarshall({ long: { N: long }, zeros: { N: zeros }, list: { NS: [long, '2.50'] } });

    // Assert
    expect(item).toEqual({ long, zeros: -0, list: [long, 2.5] });
  });

  it('reads only decimal numbers as numbers: hex, binary, padded or empty text stays the string it was', () => {
    const item = unmarshall({
      hex: { N: '0x10' },
      oct: { N: '0o17' },
      bin: { N: '0b11' },
      padded: { N: ' 7 ' },
      empty: { N: '' },
      exp: { N: '1E+2' },
      negative: { N: '-0.5' },
      leading: { N: '.5' },
    });
    expect(item).toEqual({
      hex: '0x10',
      oct: '0o17',
      bin: '0b11',
      padded: ' 7 ',
      empty: '',
      exp: 100,
      negative: -0.5,
      leading: 0.5,
    });
  });

  it('refuses an AttributeValue of the wrong shape with INVALID_EVENT instead of guessing', () => {
    for (const value of [
      { S: null },
      { S: 5 },
      { N: 7 },
      { BOOL: 'yes' },
      { M: 'x' },
      { L: 'x' },
      { SS: ['a', 1] },
      { NS: 'x' },
      { B: 'hello world' },
      { BS: ['AQI=', 'not base64!'] },
    ]) {
      expect(() => unmarshall({ v: value }), JSON.stringify(value)).toThrow(
        expect.objectContaining({ code: 'INVALID_EVENT', adapter: 'aws' }),
      );
    }
    // Bytes built in-process (the SDK's marshall) are bytes already.
    expect(unmarshall({ v: { B: new Uint8Array([1]) } })).toEqual({ v: new Uint8Array([1]) });
  });

  it('keeps an attribute named __proto__ as an own property, at every depth, without touching prototypes', () => {
    // Prepare: JSON.parse makes `__proto__` an own key, as a stream record's image has it
    const image = JSON.parse(
      '{"__proto__":{"M":{"polluted":{"S":"yes"},"inner":{"M":{"__proto__":{"N":"1"}}}}},' +
        '"list":{"L":[{"M":{"__proto__":{"BOOL":true}}}]},"b":{"N":"1"}}',
    );
    // Act
    const item = unmarshall(image);
    // Assert
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.keys(item)).toEqual(['__proto__', 'list', 'b']);
    const top = Object.getOwnPropertyDescriptor(item, '__proto__')?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(top)).toBe(Object.prototype);
    expect(Object.keys(top)).toEqual(['polluted', 'inner']);
    expect(Object.getOwnPropertyDescriptor(top.inner, '__proto__')?.value).toBe(1);
    expect(Object.getOwnPropertyDescriptor((item.list as object[])[0], '__proto__')?.value).toBe(true);
    expect((item as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(item)).toBe(
      '{"__proto__":{"polluted":"yes","inner":{"__proto__":1}},"list":[{"__proto__":true}],"b":1}',
    );
    expect(JSON.stringify(marshall(item))).toBe(JSON.stringify(image));
  });

  it('round-trips through marshall', () => {
    const item = { id: 'o-1', total: 12.5, tags: ['a'], meta: { ok: true, none: null } };
    expect(unmarshall(marshall(item))).toEqual(item);
  });
});
