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

  it('finds a parent in arbitrary events and contexts without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), fc.dictionary(fc.string(), fc.string()), (event, trace) => {
        const parent = findParent(event, { trace, cloud: 'gcp' });
        if (parent !== undefined) expect(parent.traceId).toMatch(/^[0-9a-f]{32}$/);
      }),
    );
  });
});
