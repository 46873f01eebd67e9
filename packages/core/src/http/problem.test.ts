import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { Conflict, HttpError, UnprocessableEntity } from '../errors.js';
import { cors } from '../middleware/cors.js';
import { problemResponse } from './response.js';

/** What a client gets when a handler throws `error` (for a GET unless told). */
function answerTo(error: unknown, method = 'GET') {
  const fn = http({ method: ['GET', 'HEAD'] }).handle(() => {
    throw error;
  });
  return invoke(fn, httpRequest({ method, path: '/orders' }));
}

describe('problem bodies JSON cannot write as they are', () => {
  it('writes a BigInt as a string and an Error as JSON.stringify does, never its message or stack', async () => {
    // Prepare
    const lastError = new Error('connect ECONNREFUSED 10.0.3.7:5432 user=admin');

    // Act
    const answer = await answerTo(
      new Conflict('order exists', { extensions: { existingId: 12345678901234567890n, lastError } }),
    );

    // Assert
    expect(answer.status).toBe(409);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'order exists',
      requestId: expect.any(String),
      existingId: '12345678901234567890',
      lastError: {},
    });
    expect(answer.text).not.toContain('ECONNREFUSED');
    expect(answer.text).not.toContain('stack');
  });

  it('answers the bare problem when a member throws as it is written, never the thrown message', async () => {
    // Prepare
    const unwritable = {
      toJSON() {
        throw new Error('db password=hunter2');
      },
    };

    // Act
    const answer = await answerTo(new Conflict('c', { code: 'ORDER_EXISTS', extensions: { x: unwritable, id: 7 } }));

    // Assert
    expect(answer.status).toBe(409);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'c',
      requestId: expect.any(String),
      code: 'ORDER_EXISTS',
    });
    expect(answer.text).not.toContain('hunter2');
  });

  it('writes a cycle as "[Circular]" and an object met twice side by side in full', () => {
    // Prepare
    const node: { name: string; self?: unknown; size: bigint } = { name: 'a', size: 3n };
    node.self = node;
    const shared = { sku: 'b' };

    // Act
    const response = problemResponse(new Conflict('loop', { extensions: { node, pair: [shared, shared] } }), 'r');

    // Assert
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'loop',
      requestId: 'r',
      node: { name: 'a', self: '[Circular]', size: '3' },
      pair: [{ sku: 'b' }, { sku: 'b' }],
    });
  });

  it('keeps validation issues a BigInt sits beside', () => {
    // Prepare
    const error = new UnprocessableEntity('invalid order', {
      errors: [{ path: 'body.qty', message: 'too large' }],
      extensions: { max: 2n ** 64n },
    });

    // Act
    const response = problemResponse(error, 'r');

    // Assert
    expect(JSON.parse(response.body as string)).toMatchObject({
      status: 422,
      errors: [{ path: 'body.qty', message: 'too large' }],
      max: '18446744073709551616',
    });
  });

  it('never sends the extension members of an error that is not exposed, however they are written', () => {
    // Prepare
    const error = new HttpError(503, 'db at 10.0.3.7 down', { extensions: { lastError: new Error('x'), n: 1n } });

    // Act
    const response = problemResponse(error, 'r');

    // Assert
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      requestId: 'r',
    });
  });
});

describe('problems of a redirect or of no content', () => {
  it('titles a redirect with its reason phrase', async () => {
    // Act
    const answer = await answerTo(new HttpError(303, 'see', { headers: { location: '/other' } }));

    // Assert
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/other');
    expect(answer.body).toMatchObject({ title: 'See Other', status: 303, detail: 'see' });
  });

  it('answers a 304 with its headers and no content, for a GET and a HEAD', async () => {
    // Prepare
    const notModified = new HttpError(304, undefined, { headers: { etag: '"v7"', 'content-length': '512' } });

    // Act
    const get = await answerTo(notModified);
    const head = await answerTo(notModified, 'HEAD');

    // Assert
    for (const answer of [get, head]) {
      expect(answer.status).toBe(304);
      expect(answer.headers).toEqual({ etag: '"v7"', 'content-length': '512' });
      expect(answer.text).toBeUndefined();
      expect(answer.response.body).toBeUndefined();
    }
  });

  it('renders no body and no problem content type for a status that has no content', () => {
    // Act
    const answers = [204, 205, 304].map((status) => problemResponse(new HttpError(status, 'x'), 'r'));

    // Assert
    for (const answer of answers) {
      expect(answer.body).toBeUndefined();
      expect(answer.headers).toEqual({});
    }
  });
});

describe('response headers named as Object members', () => {
  it('sends a header named __proto__ or constructor as any other, from a handler or an error', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary name, as a proxied upstream's headers may.
    const headers = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const answered = http().handle(() => ({ status: 200, headers, body: 'ok' }));
    const thrown = http().handle(() => {
      throw new HttpError(409, 'taken', { headers, expose: true });
    });
    // Act
    const ok = await invoke(answered, httpRequest());
    const failed = await invoke(thrown, httpRequest());
    // Assert
    for (const res of [ok, failed]) {
      expect(Object.getOwnPropertyDescriptor(res.headers, '__proto__')?.value).toBe('p');
      expect(Object.getOwnPropertyDescriptor(res.headers, 'constructor')?.value).toBe('c');
    }
  });

  it('keeps a header named __proto__ of an error answered through cors(), and of an http-errors error', async () => {
    const headers = JSON.parse('{"__proto__":"p","x-a":"1"}') as Record<string, string>;
    const withCors = http()
      .use(cors({ origin: '*' }))
      .handle(() => {
        throw new HttpError(409, 'taken', { headers, expose: true });
      });
    const foreign = http().handle(() => {
      throw Object.assign(new Error('slow down'), { status: 429, expose: true, headers });
    });
    for (const fn of [withCors, foreign]) {
      const res = await invoke(fn, httpRequest({ headers: { origin: 'https://a.example' } }));
      expect(Object.getOwnPropertyDescriptor(res.headers, '__proto__')?.value).toBe('p');
    }
  });

  it('drops a length given on a 205, which must have no content', () => {
    const response = problemResponse(new HttpError(205, 'reset', { headers: { 'content-length': '5' } }), 'r-1');
    expect(response.headers).not.toHaveProperty('content-length');
  });
});
