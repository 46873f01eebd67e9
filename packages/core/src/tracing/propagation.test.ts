import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findParent, parseCloudTrace, parseTraceparent, parseXray } from './propagation.js';

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: length, maxLength: length });

describe('trace header parsers', () => {
  it('never throw, and return only well-formed non-zero ids', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        for (const parsed of [parseTraceparent(a), parseXray(b), parseCloudTrace(c)]) {
          if (parsed === undefined) continue;
          expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(parsed.spanId).toMatch(/^[0-9a-f]{16}$/);
          expect(parsed.traceId).not.toMatch(/^0+$/);
          expect(parsed.spanId).not.toMatch(/^0+$/);
        }
      }),
    );
  });

  it('round-trip the ids of every valid header', () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
        expect(parseTraceparent(`00-${traceId}-${spanId}-0${sampled ? 1 : 0}`)).toMatchObject({
          traceId,
          spanId,
          sampled,
        });
        expect(
          parseXray(`Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled ? 1 : 0}`),
        ).toMatchObject({
          traceId,
          spanId,
          sampled,
        });
        const decimal = BigInt(`0x${spanId}`).toString(10);
        expect(parseCloudTrace(`${traceId}/${decimal};o=${sampled ? 1 : 0}`)).toMatchObject({
          traceId,
          spanId,
          sampled,
        });
      }),
    );
  });

  it('accept exactly the traceparent values the W3C grammar accepts', () => {
    // Prepare: the grammar as a pattern (version 00 has four fields, ff is invalid, zero ids are invalid)
    const grammar = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
    const reference = (value: string) => {
      const match = grammar.exec(value.length === 55 ? value : value.trim().toLowerCase());
      if (match === null || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return undefined;
      if (/^0+$/.test(match[2] ?? '') || /^0+$/.test(match[3] ?? '')) return undefined;
      return { traceId: match[2], spanId: match[3], sampled: (Number.parseInt(match[4] ?? '', 16) & 1) === 1 };
    };
    const part = fc.oneof(
      hex(2),
      hex(16),
      hex(32),
      fc.constantFrom('-', '00', 'ff', '01', '0000000000000000', ' ', '\n', '\u2028', 'A', 'G', '-x'),
      fc.string({ maxLength: 3 }),
    );
    const candidate = fc.oneof(
      fc
        .tuple(hex(2), hex(32), hex(16), hex(2), fc.option(fc.string()))
        .map(
          ([version, traceId, spanId, flags, rest]) =>
            `${version}-${traceId}-${spanId}-${flags}${rest === null ? '' : `-${rest}`}`,
        ),
      fc.array(part, { maxLength: 12 }).map((parts) => parts.join('')),
      fc
        .tuple(fc.constantFrom(' ', '\t', ''), hex(32), hex(16), fc.constantFrom(' ', '\n', ''))
        .map(([before, traceId, spanId, after]) => `${before}00-${traceId.toUpperCase()}-${spanId}-01${after}`),
    );
    fc.assert(
      fc.property(candidate, (value) => {
        // Act
        const parsed = parseTraceparent(value);
        // Assert
        const expected = reference(value);
        if (expected === undefined) expect(parsed).toBeUndefined();
        else expect(parsed).toMatchObject(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a parent in arbitrary events and contexts without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), fc.dictionary(fc.string(), fc.string()), (event, trace) => {
        const parent = findParent(event, { trace, cloud: 'gcp' });
        if (parent !== undefined) expect(parent.traceId).toMatch(/^[0-9a-f]{32}$/);
      }),
    );
  });
});
