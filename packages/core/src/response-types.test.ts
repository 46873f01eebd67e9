/**
 * What a handler may return under a `response` schema: a string or bytes as the whole result only
 * where the schema admits one, since run time checks a success body against the schema and
 * answers 500 otherwise; an explicit response whose status is computed may carry any body.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from './builders.js';
import { createContext } from './context.js';
import { runHttp } from './run.js';
import type { SkyportFunction } from './types.js';

const call = (fn: SkyportFunction<'http'>) =>
  runHttp(
    fn,
    { method: 'GET', path: '/' },
    createContext({ cloud: 'node', kind: 'http', requestId: 'r-1', functionName: 'f' }),
  );

describe('a response schema and string or byte results', () => {
  it('refuses a string or bytes as a success the schema cannot take, which would always answer 500', async () => {
    const Out = z.object({ id: z.string() });
    // @ts-expect-error: a string is not an { id }
    const text = http({ response: Out }).handle(() => 'ok');
    // @ts-expect-error: nor are bytes
    const bytes = http({ response: Out }).handle(() => new Uint8Array([1]));

    expect((await call(text)).status).toBe(500);
    expect((await call(bytes)).status).toBe(500);
  });

  it('takes a text body in an explicit response whose status is only known at run time', async () => {
    const Out = z.object({ id: z.string() });
    const lookup = (found: boolean) =>
      http({ response: Out }).handle(() => ({
        status: found ? 200 : 404,
        body: found ? { id: 'o-1' } : 'not found',
      }));
    const upstream = { status: 502 as number, text: 'bad gateway upstream' };
    const proxied = http({ response: Out }).handle(() => ({ status: upstream.status, body: upstream.text }));
    const closed = http({ response: Out }).handle(() => ({ status: 499, body: 'client closed' }));

    const statuses = await Promise.all(
      [lookup(true), lookup(false), proxied, closed].map(async (fn) => (await call(fn)).status),
    );
    expect(statuses).toEqual([200, 404, 502, 499]);
  });

  it('takes a string where the schema does, and any body of an error, a Response or nothing', async () => {
    const text = http({ response: z.string() }).handle(() => 'ok');
    const explicit = http({ response: z.string() }).handle(() => ({ status: 201, body: 'made' }));
    const bytes = http({ response: z.instanceof(Uint8Array) }).handle(() => new Uint8Array([1]));
    const Out = z.object({ id: z.string() });
    const failure = http({ response: Out }).handle(() => ({ status: 404, body: 'no such order' }));
    const web = http({ response: Out }).handle(() => new Response('ok'));
    const nothing = http({ response: Out }).handle(() => undefined);

    const statuses = await Promise.all(
      [text, explicit, bytes, failure, web, nothing].map(async (fn) => (await call(fn)).status),
    );
    expect(statuses).toEqual([200, 201, 200, 404, 200, 204]);
  });
});

describe('a response schema and web bodies', () => {
  it('takes a web body in an explicit success response, sent as it is and never checked', async () => {
    const Out = z.object({ id: z.string() });
    const response = http({ response: Out }).handle(() => ({ status: 200, body: new Response('{"id":1}') }));
    const blob = http({ response: Out }).handle(() => ({ status: 200, body: new Blob(['raw']) }));
    const form = http({ response: Out }).handle(() => ({ status: 201, body: new URLSearchParams({ a: '1' }) }));

    const answers = await Promise.all([response, blob, form].map(call));
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, '{"id":1}'],
      [200, new Uint8Array([114, 97, 119])],
      [201, 'a=1'],
    ]);
  });
});

describe('a response schema and a web body returned alone', () => {
  it('takes a Blob, a ReadableStream, FormData or URLSearchParams, sent as it is and never checked', async () => {
    const Out = z.object({ id: z.string() });
    const blob = http({ response: Out }).handle(() => new Blob(['raw']));
    const stream = http({ response: Out }).handle(() => new Response('streamed').body ?? undefined);
    const form = http({ response: Out }).handle(() => new URLSearchParams({ a: '1' }));

    const answers = await Promise.all([blob, stream, form].map(call));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
  });
});

describe('headers and cookies of an explicit response under a response schema', () => {
  it('takes a web Headers, a Map, and one cookie alone, as run time reads them', async () => {
    const Out = z.object({ id: z.string() });
    const web = http({ response: Out }).handle(() => ({
      status: 201,
      headers: new Headers({ location: '/orders/1' }),
      cookies: 'sid=x; HttpOnly',
      body: { id: '1' },
    }));
    const map = http({ response: Out }).handle(() => ({
      status: 200,
      headers: new Map([['x-count', 5]]),
      cookies: { name: 'sid', value: 'y' },
      body: { id: '2' },
    }));
    // @ts-expect-error: a header value is text, a number or a list of text
    http({ response: Out }).handle(() => ({ status: 200, headers: new Map([['x', { a: 1 }]]), body: { id: '3' } }));

    const [a, b] = [await call(web), await call(map)];
    expect([a.status, a.headers.location, a.cookies]).toEqual([201, '/orders/1', ['sid=x; HttpOnly']]);
    expect([b.status, b.headers['x-count'], b.cookies]).toEqual([200, '5', ['sid=y']]);
  });
});
