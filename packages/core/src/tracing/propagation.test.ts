import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createContext, forkContext } from '../context.js';
import { correlationOf, findParent, parseCloudTrace, parseTraceparent, parseXray } from './propagation.js';

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

  it('take only spaces and tabs around a traceparent, and no upper-case hex however it is padded', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const header = `00-${trace}-00f067aa0ba902b7-01`;
    expect(parseTraceparent(`\t${header} `)).toMatchObject({ traceId: trace });
    expect(parseTraceparent(` 00-${trace.toUpperCase()}-00f067aa0ba902b7-01 `)).toBeUndefined();
    expect(parseTraceparent(`\u00a0${header}`)).toBeUndefined();
    expect(parseTraceparent(`${header}\r\n`)).toBeUndefined();
  });

  it('accept exactly the traceparent values the W3C grammar accepts', () => {
    // Prepare: the grammar as a pattern (version 00 has four fields, ff is invalid, zero ids are
    // invalid, hex is lower case), around it only the spaces and tabs HTTP allows
    const grammar = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
    const reference = (value: string) => {
      const match = grammar.exec(value.replace(/^[ \t]+|[ \t]+$/g, ''));
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

  it('reads a traceparent with blanks around it, and refuses a long run of blanks inside one at once', () => {
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(` \t${valid}\t `)?.spanId).toBe('00f067aa0ba902b7');
    // A client's header or message attribute: a pattern anchored at the end would be retried
    // from each of the 300 000 positions (minutes of one blocked event loop).
    expect(parseTraceparent(`a${' \t'.repeat(150_000)}a`)).toBeUndefined();
    expect(findParent({ headers: { traceparent: `0${' '.repeat(300_000)}0` } }, { trace: {}, cloud: 'gcp' })).toBe(
      undefined,
    );
  });

  it('takes an X-Ray parent only when it is marked sampled, in any case and spacing', () => {
    const root = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8';
    const parentOf = (header: string) =>
      findParent({ headers: { 'x-amzn-trace-id': header } }, { trace: {}, cloud: 'gcp' })?.spanId;
    expect(parentOf(`${root};Sampled=1`)).toBe('53995c3f42cd8ad8');
    expect(parentOf(`${root}; sampled = 1 ;Lineage=a:0`)).toBe('53995c3f42cd8ad8');
    expect(parentOf(`${root};Sampled=0`)).toBeUndefined();
    expect(parentOf(`${root};Sampled=?`)).toBeUndefined();
    expect(parentOf(root)).toBeUndefined();
    expect(parentOf(`${root};Sampled=10`)).toBeUndefined();
  });

  it("on AWS, prefers Lambda's sampled segment for a request, ignores it unsampled, and takes it from the invocation's carrier before the environment", () => {
    const previous = process.env._X_AMZN_TRACE_ID;
    const header = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1';
    const other = 'Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1';
    const unsampled = header.replace('Sampled=1', 'Sampled=0');
    // What the AWS adapter's context carries: the invocation's header, or none (own, not enumerated).
    const carrying = (value: string) => ({ 'x-amzn-trace-id': value });
    const none = Object.defineProperty({}, 'x-amzn-trace-id', { value: undefined }) as Record<string, string>;
    try {
      process.env._X_AMZN_TRACE_ID = other;
      expect(findParent({ headers: {} }, { trace: carrying(header), cloud: 'aws' })?.spanId).toBe('1111111111111111');
      expect(findParent({ headers: {} }, { trace: carrying(unsampled), cloud: 'aws' })).toBeUndefined();
      expect(findParent({ attributes: {} }, { trace: carrying(unsampled), cloud: 'aws' })).toBeUndefined();
      expect(findParent({ headers: {} }, { trace: none, cloud: 'aws' })).toBeUndefined();
      expect(correlationOf({ headers: {} }, { trace: none, cloud: 'aws' })).toBeUndefined();
      // A context that does not name the header (made by hand): the environment, as it is now.
      expect(findParent({ headers: {} }, { trace: {}, cloud: 'aws' })?.spanId).toBe('2222222222222222');
    } finally {
      if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = previous;
    }
  });

  it("on Azure, takes the host's traceContext as a parent only when sampled, and keeps an unsampled one for correlation", () => {
    const host = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const own = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const azure = (traceparent: string) =>
      createContext({ cloud: 'azure', kind: 'queue', requestId: 'i-1', functionName: 'f', trace: { traceparent } });
    const ctx = azure(host);
    // The host's span, unsampled: no parent, for the invocation and for a message of its batch
    // that carries no trace of its own; its ids still correlate log lines.
    expect(findParent({ attributes: {} }, ctx)).toBeUndefined();
    expect(findParent({ headers: {} }, ctx)).toBeUndefined();
    expect(findParent({ attributes: {} }, forkContext(ctx))).toBeUndefined();
    const ids = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
    expect(correlationOf({ attributes: {} }, ctx)).toEqual(ids);
    expect(correlationOf({ attributes: {} }, forkContext(ctx))).toEqual(ids);
    // Marked sampled, it is the parent.
    expect(findParent({ attributes: {} }, azure(host.replace(/00$/, '01')))?.spanId).toBe('b7ad6b7169203331');
    // A message's own trace (Event Hubs) and a caller's header or message attribute keep their flags.
    expect(findParent({ attributes: {} }, forkContext(ctx, { traceparent: own }))).toMatchObject({
      spanId: '00f067aa0ba902b7',
      sampled: false,
    });
    expect(findParent({ headers: { traceparent: own } }, ctx)?.sampled).toBe(false);
    expect(findParent({ attributes: { 'Diagnostic-Id': own } }, ctx)?.sampled).toBe(false);
    // Elsewhere, a W3C carrier on the context keeps its flags.
    expect(findParent({ attributes: {} }, { trace: { traceparent: host }, cloud: 'gcp' })?.sampled).toBe(false);
    expect(correlationOf({ attributes: {} }, { trace: { traceparent: host }, cloud: 'gcp' })).toBeUndefined();
  });

  it('never takes _X_AMZN_TRACE_ID where Lambda runs invocations concurrently (Managed Instances)', () => {
    const header = 'Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1';
    vi.stubEnv('_X_AMZN_TRACE_ID', header);
    vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '64');
    try {
      // A carrier copied without the adapter's marker (`{ ...ctx.trace, tracestate }`).
      expect(findParent({ headers: {} }, { trace: {}, cloud: 'aws' })).toBeUndefined();
      expect(correlationOf({ headers: {} }, { trace: {}, cloud: 'aws' })).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
