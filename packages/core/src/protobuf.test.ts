import { describe, expect, it } from 'vitest';
import { FIXED32, FIXED64, LENGTH_DELIMITED, MalformedProtobuf, ProtobufReader, VARINT } from './protobuf.js';

/** What reading with `read` throws, as a message, or `undefined`. */
function failure(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    if (error instanceof MalformedProtobuf) return error.message;
    throw error;
  }
}

describe('ProtobufReader', () => {
  it('reads varints up to 64 bits, which BigInt.asIntN reads as int64', () => {
    // Prepare: 1, 300, 2^64 - 1 (also -1 as an int64)
    const reader = new ProtobufReader(
      new Uint8Array([0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    );

    // Act
    const values = [reader.varint(), reader.varint(), reader.varint()];

    // Assert
    expect(values).toEqual([1n, 300n, 2n ** 64n - 1n]);
    expect(BigInt.asIntN(64, values[2] as bigint)).toBe(-1n);
    expect(reader.done).toBe(true);
  });

  it('reads tags, strings, bytes, doubles and nested messages, each within its bounds', () => {
    // Prepare: 1: "hé", 2: { 1: 7 }, 3: 1.5 (fixed64), 4: bytes [0, 255], then 5: fixed32 to skip
    const double = new Uint8Array(new Float64Array([1.5]).buffer);
    const bytes = new Uint8Array([
      0x0a,
      3,
      0x68,
      0xc3,
      0xa9,
      0x12,
      2,
      0x08,
      7,
      0x19,
      ...double,
      0x22,
      2,
      0,
      255,
      0x2d,
      1,
      2,
      3,
      4,
    ]);
    const reader = new ProtobufReader(bytes);

    // Act
    const read: unknown[] = [];
    while (!reader.done) {
      const [field, wireType] = reader.tag();
      if (field === 1) read.push(reader.string());
      else if (field === 2) {
        const inner = reader.message();
        const [innerField, innerType] = inner.tag();
        read.push({ innerField, innerType, value: inner.varint(), done: inner.done });
      } else if (field === 3) read.push(reader.double());
      else if (field === 4) read.push(reader.bytes());
      else {
        read.push([field, wireType]);
        reader.skip(wireType);
      }
    }

    // Assert
    expect(read).toEqual([
      'hé',
      { innerField: 1, innerType: VARINT, value: 7n, done: true },
      1.5,
      new Uint8Array([0, 255]),
      [5, FIXED32],
    ]);
  });

  it('skips fields of every wire type a schema may not name', () => {
    // Prepare: a varint, a fixed64, bytes and a fixed32, then field 9
    const reader = new ProtobufReader(
      new Uint8Array([0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 1, 0xff, 0x25, 1, 2, 3, 4, 0x48, 9]),
    );

    // Act
    const skipped: number[] = [];
    for (;;) {
      const [field, wireType] = reader.tag();
      if (field === 9) break;
      skipped.push(wireType);
      reader.skip(wireType);
    }

    // Assert
    expect(skipped).toEqual([VARINT, FIXED64, LENGTH_DELIMITED, FIXED32]);
    expect(reader.varint()).toBe(9n);
  });

  it.each([
    ['a varint cut short', [0x80], (r: ProtobufReader) => r.varint(), 'the data ends inside a field'],
    [
      'a varint of 11 bytes',
      [...new Array(10).fill(0x80), 0],
      (r: ProtobufReader) => r.varint(),
      'a varint is longer than 10 bytes',
    ],
    ['a tag of field 0', [0x00], (r: ProtobufReader) => r.tag(), 'a field number is 0'],
    [
      'a length over 31 bits',
      [0xff, 0xff, 0xff, 0xff, 0x0f],
      (r: ProtobufReader) => r.message(),
      'a tag or length is too large',
    ],
    ['a length past the end', [5, 1, 2], (r: ProtobufReader) => r.message(), 'a field is longer than the data'],
    ['a string that is not UTF-8', [2, 0xc3, 0x28], (r: ProtobufReader) => r.string(), 'a string is not valid UTF-8'],
    ['a double cut short', [1, 2, 3], (r: ProtobufReader) => r.double(), 'the data ends inside a double'],
    ['a fixed32 cut short', [1, 2], (r: ProtobufReader) => r.skip(FIXED32), 'the data ends inside a field'],
    ['a group', [], (r: ProtobufReader) => r.skip(3), 'wire type 3 is not used by this schema'],
    [
      'the wrong wire type',
      [],
      (r: ProtobufReader) => r.expect(VARINT, LENGTH_DELIMITED, 'Doc.name'),
      'Doc.name has wire type 0, expected 2',
    ],
  ])('refuses %s with MalformedProtobuf', (_case, bytes, read, message) => {
    expect(failure(() => read(new ProtobufReader(new Uint8Array(bytes))))).toBe(message);
  });

  it('keeps a nested reader inside its message', () => {
    // Prepare: field 1 holds one byte (a varint's first byte); the varint's rest is outside it
    const reader = new ProtobufReader(new Uint8Array([0x0a, 1, 0x80, 0x01]));
    reader.tag();

    // Act
    const inner = reader.message();

    // Assert
    expect(failure(() => inner.varint())).toBe('the data ends inside a field');
    expect(reader.varint()).toBe(1n);
  });
});
