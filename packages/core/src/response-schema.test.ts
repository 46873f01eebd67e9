import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from './builders.js';
import { createContext } from './context.js';
import { runHttp } from './run.js';

const ctx = () => createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f' });

const Out = z.object({ id: z.number() });

const text = (body: unknown) =>
  typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);

/** Web bodies of `{"id":1}`, each made fresh (a stream is read once). */
const webBodies: [string, () => unknown][] = [
  ['a Response', () => new Response('{"id":1}')],
  ['a ReadableStream', () => new Response('{"id":1}').body],
  ['a Blob', () => new Blob(['{"id":1}'], { type: 'application/json' })],
  ['FormData', () => new FormData()],
  ['URLSearchParams', () => new URLSearchParams({ id: '1' })],
];

describe('the response schema and web bodies', () => {
  it.each(webBodies)('sends %s returned as the body of a 2xx unchecked, as a bare Response is', async (_, make) => {
    // Prepare
    const fn = http({ response: Out }).handle(() => ({ status: 200, body: make() }) as never);

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(res.status).toBe(200);
  });

  it.each(webBodies)('sends %s returned alone unchecked', async (_, make) => {
    const fn = http({ response: Out }).handle(() => make() as never);

    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    expect(res.status).toBe(200);
  });

  it('sends the content of a web body as it was', async () => {
    const inResponse = http({ response: Out }).handle(() => ({ status: 201, body: new Response('{"id":1}') }));
    const blob = http({ response: Out }).handle(() => ({
      status: 200,
      body: new Blob(['{"id":1}'], { type: 'application/json' }),
    }));

    const first = await runHttp(inResponse, { method: 'GET', path: '/' }, ctx());
    const second = await runHttp(blob, { method: 'GET', path: '/' }, ctx());

    expect(first.status).toBe(201);
    expect(text(first.body)).toBe('{"id":1}');
    expect(second.status).toBe(200);
    expect(text(second.body)).toBe('{"id":1}');
  });

  it('still answers 500 for plain data of a 2xx that does not match', async () => {
    const bare = http({ response: Out }).handle(() => ({ id: 'one' }) as never);
    const explicit = http({ response: Out }).handle(() => ({ status: 200, body: { id: 'one' } }) as never);
    const matching = http({ response: Out }).handle(() => ({ status: 200, body: { id: 1 } }));

    const answers = await Promise.all(
      [bare, explicit, matching].map((fn) => runHttp(fn, { method: 'GET', path: '/' }, ctx())),
    );

    expect(answers.map((res) => res.status)).toEqual([500, 500, 200]);
  });
});
