/**
 * A form's `charset` applies to its escapes as to its raw bytes: `caf%E9` in an ISO-8859-1 form
 * is `café`, as browsers send it and as body parsers such as `qs` read it.
 */
import { createLambdaContext, toLambda } from '@skyport/aws';
import { aws } from '@skyport/testing';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { runHttp } from '../run.js';
import { createHttpRequest } from './request.js';

const ctx = () =>
  createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test', coldStart: false });

const latin1Form = 'application/x-www-form-urlencoded; charset=iso-8859-1';

/** The bytes of ASCII text with raw bytes among it. */
function bytesOf(...parts: (string | number)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else for (const char of part) out.push(char.charCodeAt(0));
  }
  return new Uint8Array(out);
}

/** The parsed body of a POST with `body` and `contentType`, as a handler sees it. */
function formOf(body: string | Uint8Array, contentType: string): unknown {
  return createHttpRequest({ method: 'POST', path: '/', headers: { 'content-type': contentType }, body }).body;
}

/** The windows-1252 byte of each character the tests write that is not ASCII (Latin-1 but for 0x80 to 0x9F). */
const cp1252: Readonly<Record<string, number>> = { '€': 0x80, '“': 0x93, '”': 0x94 };

function byteOf(char: string): number {
  return cp1252[char] ?? char.charCodeAt(0);
}

function escapeOf(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** A deterministic stream of numbers in [0, 1), so a large form is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A windows-1252 form of `fields`, each character written as a client may write it (`how` picks:
 * the character or its byte as it is, its escape, `+` for a space), as text and as bytes. `&`,
 * `=`, `+` and `%` are always escaped.
 */
function encodeLatin1Form(fields: readonly (readonly [string, string])[], how: () => number): [string, Uint8Array] {
  let text = '';
  const bytes: number[] = [];
  const write = (part: string, raw: boolean) => {
    text += part;
    for (const char of part) bytes.push(raw ? byteOf(char) : char.charCodeAt(0));
  };
  fields.forEach(([name, value], index) => {
    if (index > 0) write('&', false);
    for (const [i, part] of [name, value].entries()) {
      if (i === 1) write('=', false);
      for (const char of part) {
        const pick = how();
        if ('&=+%'.includes(char) || pick < 0.4) write(escapeOf(byteOf(char)), false);
        else if (char === ' ' && pick < 0.7) write('+', false);
        else write(char, true);
      }
    }
  });
  return [text, new Uint8Array(bytes)];
}

/** What a form of `fields` holds: the first value of each name. */
function firstOf(fields: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of fields) if (!Object.hasOwn(out, name)) out[name] = value;
  return out;
}

const echo = http().handle((req) => req.body as Record<string, string>);

describe('a form with a charset', () => {
  it('reads its escapes in that charset, as its raw bytes', async () => {
    // Prepare
    const body = bytesOf('a=caf%E9&b=caf', 0xe9);

    // Act
    const res = await runHttp(
      echo,
      { method: 'POST', path: '/', headers: { 'content-type': latin1Form }, body },
      ctx(),
    );

    // Assert
    expect(JSON.parse(res.body as string)).toEqual({ a: 'café', b: 'café' });
  });

  it('reads them so through an adapter, from a base64 body and from a text body', async () => {
    // Prepare
    const handler = toLambda(echo);
    const send = async (body: string | Uint8Array) =>
      (await handler(
        aws.apiGatewayV2({ method: 'POST', path: '/', headers: { 'content-type': latin1Form }, body }),
        createLambdaContext(aws.lambdaContext()),
      )) as APIGatewayProxyStructuredResultV2;

    // Act
    const base64 = await send(bytesOf('a=caf%E9&b=caf', 0xe9));
    const text = await send('a=caf%E9&b=na%EFve');

    // Assert
    expect(base64.isBase64Encoded).not.toBe(true);
    expect(JSON.parse(base64.body as string)).toEqual({ a: 'café', b: 'café' });
    expect(JSON.parse(text.body as string)).toEqual({ a: 'café', b: 'naïve' });
  });

  it('reads windows-1252 escapes and bytes in 0x80 to 0x9F as windows-1252 (the euro sign), under either label', () => {
    // Act
    const named = formOf(
      bytesOf('price=5%80&raw=5', 0x80, '&quote=%93hi%94'),
      'application/x-www-form-urlencoded; charset=windows-1252',
    );
    const latin1 = formOf('price=5%80', 'application/x-www-form-urlencoded; Charset="ISO-8859-1"');

    // Assert
    expect(named).toEqual({ price: '5€', raw: '5€', quote: '“hi”' });
    expect(latin1).toEqual({ price: '5€' });
  });

  it('reads escaped names in the charset too, and + as a space', () => {
    // Act
    const form = formOf('caf%E9=1&na%EFve+x=2&a%2Bb=c+d%2B', latin1Form);

    // Assert
    expect(form).toEqual({ café: '1', 'naïve x': '2', 'a+b': 'c d+' });
  });

  it('reads the escapes of a multi-byte charset together, a byte left as it is among them', () => {
    // Act
    const form = formOf('k=%83%5C%83A', 'application/x-www-form-urlencoded; charset=shift_jis');

    // Assert
    expect(form).toEqual({ k: 'ソア' });
  });

  it('leaves an invalid escape as it is, as a UTF-8 form does, and keeps the first value of a name', () => {
    // Prepare
    const body = 'a=100%&b=%zz&c=%4&d=%E&&=x&e&a=2';

    // Act
    const latin1 = formOf(body, latin1Form);
    const utf8 = formOf(body, 'application/x-www-form-urlencoded');

    // Assert
    expect(latin1).toEqual({ a: '100%', b: '%zz', c: '%4', d: '%E', '': 'x', e: '' });
    expect(latin1).toEqual(utf8);
  });

  it('keeps text the platform decoded already as it is, around the escapes', () => {
    // Act
    const form = formOf('a=déjà+%E9', latin1Form);

    // Assert
    expect(form).toEqual({ a: 'déjà é' });
  });

  it('reads a UTF-8 form, or one without a charset, as URLSearchParams does', () => {
    // Prepare
    const body = bytesOf('a=caf%C3%A9&b=%E9&c=caf', 0xc3, 0xa9);

    // Act
    const forms = [
      formOf(body, 'application/x-www-form-urlencoded'),
      formOf(body, 'application/x-www-form-urlencoded; charset=utf-8'),
      formOf(body, 'application/x-www-form-urlencoded; charset=UTF-8'),
      formOf(body, 'application/x-www-form-urlencoded; charset=no-such-charset'),
    ];

    // Assert
    for (const form of forms) expect(form).toEqual({ a: 'café', b: '\uFFFD', c: 'café' });
  });

  it('reads the form so for a body schema, and the query as UTF-8 still', async () => {
    // Prepare
    const fn = http({ body: z.object({ a: z.string() }) }).handle((req) => ({
      body: req.body.a,
      query: req.query.q,
      all: req.queryAll.get('q'),
    }));

    // Act
    const res = await runHttp(
      fn,
      { method: 'POST', path: '/', query: 'q=caf%C3%A9', headers: { 'content-type': latin1Form }, body: 'a=caf%E9' },
      ctx(),
    );

    // Assert
    expect(JSON.parse(res.body as string)).toEqual({ body: 'café', query: 'café', all: 'café' });
  });

  it('drops a leading ? as a UTF-8 form does, so the charset never changes what the fields are', () => {
    // Prepare
    const bodies = ['?a=1', '??a=1', '?', '?&a=1', '?=x', '?na%2Bme=a+b', 'a=1&?b=2', 'a=?'];

    // Act
    const read = bodies.map((body) => ({
      latin1: formOf(body, latin1Form),
      bytes: formOf(bytesOf(body), latin1Form),
      sjis: formOf(body, 'application/x-www-form-urlencoded; charset=shift_jis'),
      utf8: formOf(body, 'application/x-www-form-urlencoded'),
    }));

    // Assert
    expect(read.map((forms) => forms.latin1)).toEqual([
      { a: '1' },
      { '?a': '1' },
      {},
      { a: '1' },
      { '': 'x' },
      { 'na+me': 'a b' },
      { a: '1', '?b': '2' },
      { a: '?' },
    ]);
    for (const forms of read) {
      expect(forms.bytes).toEqual(forms.latin1);
      expect(forms.sjis).toEqual(forms.latin1);
      expect(forms.utf8).toEqual(forms.latin1);
    }
  });

  it('reads a 1 MB form of many escapes, bytes and names exactly, as text and as bytes', () => {
    // Prepare
    const random = seeded(7);
    const alphabet = 'abcXYZ019 &=+%é€“”ÿü?';
    const word = (length: number) => {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
      return out;
    };
    const fields: [string, string][] = [];
    for (let i = 0; i < 20_000; i++) fields.push([`${word(3)}${i % 15_000}`, word(Math.floor(random() * 60))]);
    fields.push(['long', word(300_000)], ['€“”', '']);
    const [text, bytes] = encodeLatin1Form(fields, random);

    // Act
    const fromText = formOf(text, latin1Form);
    const fromBytes = formOf(bytes, latin1Form);

    // Assert
    expect(bytes.byteLength).toBeGreaterThan(1_000_000);
    expect(fromText).toEqual(firstOf(fields));
    expect(fromBytes).toEqual(firstOf(fields));
  });

  it('reads a large multi-byte form exactly, its escapes and raw bytes together', () => {
    // Prepare
    const value = `${'%83%5C%83A'.repeat(50_000)}x`;
    // ソア as raw Shift_JIS bytes, one character per byte.
    const raw = '\x83\x5c\x83\x41'.repeat(50_000);
    const body = bytesOf('a=', raw, '&b=', value, '&c=%83', 0x41);

    // Act
    const form = formOf(body, 'application/x-www-form-urlencoded; charset=shift_jis');

    // Assert
    expect(form).toEqual({ a: 'ソア'.repeat(50_000), b: `${'ソア'.repeat(50_000)}x`, c: 'ア' });
  });

  it('reads back any windows-1252 form a client writes, however it writes each character', () => {
    // Prepare
    const char = fc.constantFrom(...'ab1 &=+%?é€“”ÿ');
    const part = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
    const fields = fc.array(fc.tuple(part, part), { minLength: 1, maxLength: 8 });

    // Act / Assert
    fc.assert(
      fc.property(fields, fc.integer({ min: 1, max: 2 ** 31 }), (list, seed) => {
        // A form whose first name starts with `?` has it dropped, so the fields are kept off it.
        fc.pre(!list[0]?.[0].startsWith('?'));
        const [text, bytes] = encodeLatin1Form(list, seeded(seed));
        expect(formOf(text, latin1Form)).toEqual(firstOf(list));
        expect(formOf(bytes, latin1Form)).toEqual(firstOf(list));
      }),
    );
  });
});
