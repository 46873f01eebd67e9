import { describe, expect, it } from 'vitest';
import { ByteChunks } from './bytes.js';

/** `count` bytes cycling through the lower-case letters, as one buffer. */
function letters(count: number): Buffer {
  const bytes = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) bytes[i] = 97 + (i % 26);
  return bytes;
}

describe('ByteChunks', () => {
  it('joins a million one-byte chunks exactly, keeping a few blocks rather than an array per chunk', () => {
    // Prepare
    const expected = letters(1_000_000);
    const body = new ByteChunks();

    // Act
    for (let i = 0; i < expected.length; i++) body.push(expected.subarray(i, i + 1));

    // Assert: each kept array costs heap besides its bytes; 16 kB blocks need about 62 of them
    expect(body.pieces).toBeLessThan(100);
    expect(body.size).toBe(expected.length);
    expect(Buffer.from(body.bytes()).equals(expected)).toBe(true);
  });

  it('keeps the order of small and large chunks interleaved', () => {
    // Prepare
    const expected = letters(300_000);
    const body = new ByteChunks();
    const cuts = [1, 2000, 3, 700, 5000, 1, 1, 1024, 1023, 64 * 1024];

    // Act
    let at = 0;
    for (let i = 0; at < expected.length; i++) {
      const next = Math.min(at + (cuts[i % cuts.length] as number), expected.length);
      body.push(expected.subarray(at, next));
      at = next;
    }

    // Assert: a run of small chunks before a large one is one piece, the large one another
    expect(body.pieces).toBeLessThanOrEqual(2 * Math.ceil(expected.length / 1024));
    expect(Buffer.from(body.bytes()).equals(expected)).toBe(true);
  });

  it('gives a body of one chunk as its own bytes, in a plain Uint8Array, and no chunks as no bytes', () => {
    // Prepare
    const only = letters(10);
    const one = new ByteChunks();
    one.push(only);

    // Act
    const bytes = one.bytes();
    const none = new ByteChunks().bytes();

    // Assert
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(bytes.buffer).toBe(only.buffer);
    expect(Buffer.from(bytes).equals(only)).toBe(true);
    expect(Buffer.isBuffer(none)).toBe(false);
    expect(none.byteLength).toBe(0);
  });
});
