/**
 * A UTF-8 form (or one without a charset) reads as `URLSearchParams` reads it, however many of its
 * escapes are not UTF-8, without the seconds `URLSearchParams` takes over a large form of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpRequest } from './request.js';

const formType = 'application/x-www-form-urlencoded';

/** The parsed body of a POST with `body` and `contentType`, as a handler sees it. */
function formOf(body: string | Uint8Array, contentType = formType): unknown {
  return createHttpRequest({ method: 'POST', path: '/', headers: { 'content-type': contentType }, body }).body;
}

/** What `URLSearchParams` makes of a form: the first value of each name, in a map without a prototype. */
function expected(body: string | Uint8Array): Record<string, string> | undefined {
  if (body.length === 0) return undefined;
  // The request's text drops a leading byte order mark, from text as from bytes (as the decoder does).
  const text =
    typeof body !== 'string' ? new TextDecoder().decode(body) : body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  const out = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) if (!Object.hasOwn(out, name)) out[name] = value;
  return out;
}

/** More escapes than a form may hold and still be read by `URLSearchParams` (all valid). */
const padding = `pad=${'%41'.repeat(1500)}`;

/** Pieces of forms: escapes valid and not (as UTF-8 and as hex), separators, surrogates, keys with meaning. */
const tokens = [
  '%',
  '%%',
  'E9',
  'C3',
  'A9',
  'F0',
  '9F',
  '98',
  '80',
  'ED',
  'A0',
  'EF',
  'BB',
  'BF',
  'C0',
  'AF',
  'zz',
  '4',
  'a',
  'b',
  '1',
  '+',
  '=',
  '&',
  '?',
  ' ',
  'é',
  '€',
  '😀',
  'ｱ',
  '\uD800',
  '\uDC00',
  '\uFEFF',
  '%2B',
  '%25',
  '%26',
  '%3D',
  '%C3%A9',
  '%E2%82%AC',
  '%F0%9F%98%80',
  '%EF%BB%BF',
  '%ED%A0%80',
  '__proto__',
  'constructor',
];
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...tokens) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) },
);
const formText = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
/** Where the padding goes: none (a small form), before the form or after it. */
const placement = fc.constantFrom('none', 'before', 'after');

function padded(text: string, where: string): string {
  if (where === 'before') return `${padding}&${text}`;
  return where === 'after' ? `${text}&${padding}` : text;
}

describe('a UTF-8 form', () => {
  it("reads a part with a + inside an escape as the runtime's URLSearchParams does (Node.js 24 reads it apart)", () => {
    for (const part of ['%+BB\u0080', 'x%4+1\u00e9', '%+E9%C3%A9', 'a=%+41\u20ac']) {
      for (const where of ['none', 'before', 'after']) {
        const body = padded(part, where);
        expect(formOf(body)).toEqual(expected(body));
      }
    }
  });

  it('reads any text body as URLSearchParams does, small or of many escapes', () => {
    fc.assert(
      fc.property(formText, placement, (text, where) => {
        const body = padded(text, where);
        expect(formOf(body)).toEqual(expected(body));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads any byte body as URLSearchParams reads its text, raw bytes that are not UTF-8 among it', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const bytePiece = fc.oneof(
      { weight: 3, arbitrary: piece.map((text) => [...new TextEncoder().encode(text)]) },
      { weight: 1, arbitrary: fc.array(byte, { maxLength: 3 }) },
    );
    const bytes = fc.array(bytePiece, { maxLength: 40 }).map((pieces) => pieces.flat());
    fc.assert(
      fc.property(bytes, placement, (list, where) => {
        const pad = [...new TextEncoder().encode(padding)];
        const all = where === 'before' ? [...pad, 0x26, ...list] : where === 'after' ? [...list, 0x26, ...pad] : list;
        const body = new Uint8Array(all);
        expect(formOf(body)).toEqual(expected(body));
        expect(formOf(body, `${formType}; charset=utf-8`)).toEqual(expected(body));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a large form of many escapes that are not UTF-8 exactly, valid ones before and after them', () => {
    // Prepare
    const fields: string[] = ['?first=caf%C3%A9+%2B'];
    const want: Record<string, string> = { first: 'café +' };
    for (let i = 0; i < 100_000; i++) {
      fields.push(`k${i}%E9=v%C3%A9%zz+${i}%F0%9F%98%80%ED%A0%80%`);
      want[`k${i}\uFFFD`] = `vé%zz ${i}😀\uFFFD\uFFFD\uFFFD%`;
    }
    fields.push('k0%E9=later', '__proto__=%E2%82%AC', 'last=%EF%BB%BFx%C3', 'bom=\uFEFF%41');
    // Node's URLSearchParams reads a character that is not ASCII, in a part whose escapes are not
    // UTF-8, as the low byte of its code (é as the byte E9): a form reads so however long it is.
    fields.push('low=é%zz%41', 'kept=é%C3%A9+%F0%9F%98%80');
    Object.assign(want, { last: '\uFEFFx\uFFFD', bom: '\uFEFFA', low: '\uFFFD%zzA', kept: 'éé 😀' });
    const body = fields.join('&');

    // Act
    const form = formOf(body) as Record<string, string>;
    const fromBytes = formOf(new TextEncoder().encode(body));

    // Assert
    expect(body.length).toBeGreaterThan(3_000_000);
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toBe('€');
    expect({ ...form }).toEqual({ ...want, ['__proto__']: '€' });
    expect(fromBytes).toEqual(form);
    expect(form).toEqual(expected(body));
  });

  it('reads a 6 MB form of escapes that are not UTF-8 exactly (about 0.2 s; URLSearchParams alone takes 5 s)', () => {
    // Prepare: what a client may send under the default body limit.
    const body = 'n%E9=1&'.repeat(Math.floor((6 * 1024 * 1024) / 7));

    // Act
    const form = formOf(body);

    // Assert
    expect(form).toEqual(expected('n%E9=1'));
  });
});
