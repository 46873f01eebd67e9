/**
 * docs/concepts.md, "Errors": the error classes, the problem+json body of the page, what is
 * exposed, 500s, message failures and the `SkyportError` codes.
 */
import {
  BadRequest,
  Conflict,
  Forbidden,
  GatewayTimeout,
  HttpError,
  http,
  InternalServerError,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  queue,
  ServiceUnavailable,
  SkyportError,
  type SkyportErrorCode,
  TooManyRequests,
  Unauthorized,
  UnprocessableEntity,
  UnsupportedMediaType,
} from '@skyport/core';
import { collectLogs, httpRequest, invoke, message } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { createOrder } from '../../orders/src/functions.js';

const throwing = (error: unknown) =>
  http({ method: 'GET', path: '/' }).handle(() => {
    throw error;
  });

describe('HttpError and its named subclasses', () => {
  it('carry their status', () => {
    const classes: [new (detail?: string) => HttpError, number][] = [
      [BadRequest, 400],
      [Unauthorized, 401],
      [Forbidden, 403],
      [NotFound, 404],
      [MethodNotAllowed, 405],
      [Conflict, 409],
      [PayloadTooLarge, 413],
      [UnsupportedMediaType, 415],
      [UnprocessableEntity, 422],
      [TooManyRequests, 429],
      [InternalServerError, 500],
      [ServiceUnavailable, 503],
      [GatewayTimeout, 504],
    ];
    for (const [ErrorClass, status] of classes) {
      const error = new ErrorClass('x');
      expect(error).toBeInstanceOf(HttpError);
      expect(error.status).toBe(status);
    }
    expect(new HttpError(418, 'short and stout').status).toBe(418);
  });

  it('render as RFC 9457 application/problem+json: the example of the page', async () => {
    const res = await invoke(
      createOrder,
      httpRequest({
        method: 'POST',
        path: '/orders',
        body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 0, unitPrice: 12.5 }] },
      }),
      { requestId: 'c0ffee' },
    );
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'invalid request body',
      requestId: 'c0ffee',
      code: 'VALIDATION',
      errors: [{ path: 'body.lines.0.qty', message: 'Too small: expected number to be >0' }],
    });
  });

  it('send detail, code and errors only when expose is true, which defaults to status < 500', async () => {
    const bodyOf = async (error: unknown) => (await invoke(throwing(error), httpRequest())).body;
    expect(await bodyOf(new Conflict('already shipped'))).toMatchObject({ detail: 'already shipped' });
    expect(await bodyOf(new ServiceUnavailable('db down'))).not.toHaveProperty('detail');
    expect(await bodyOf(new ServiceUnavailable('try later', { expose: true }))).toMatchObject({ detail: 'try later' });
    expect(await bodyOf(new NotFound('hidden', { expose: false }))).not.toHaveProperty('detail');
    const hidden = await bodyOf(
      new ServiceUnavailable('db down', { code: 'DB_DOWN', errors: [{ path: 'db', message: 'down' }] }),
    );
    expect(hidden).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      requestId: expect.any(String),
    });
    expect(await bodyOf(new Conflict('order exists', { instance: '/orders/7' }))).toMatchObject({
      instance: '/orders/7',
    });
    expect(await bodyOf(new ServiceUnavailable('db down', { instance: '/orders/7' }))).not.toHaveProperty('instance');
  });

  it('send the headers given and no others: a 401 or 405 thrown by hand carries no challenge or allow list', async () => {
    const bare = await invoke(throwing(new Unauthorized('no token')), httpRequest());
    const challenged = await invoke(
      throwing(new Unauthorized('token expired', { headers: { 'www-authenticate': 'Bearer' } })),
      httpRequest(),
    );
    const routed = await invoke(
      http({ method: 'GET', path: '/' }).handle(() => 'ok'),
      httpRequest({ method: 'PUT' }),
    );
    expect(bare.headers['www-authenticate']).toBeUndefined();
    expect(challenged.headers['www-authenticate']).toBe('Bearer');
    expect(routed).toMatchObject({ status: 405, headers: { allow: expect.stringContaining('GET') } });
  });
});

describe('a timeout', () => {
  it("is a 504, also as the AbortError Node's own calls given ctx.signal reject with", async () => {
    const { setTimeout: sleep } = await import('node:timers/promises');
    const fn = http({ method: 'GET', path: '/' }).handle(async (_req, ctx) => {
      await sleep(5000, undefined, { signal: ctx.signal });
      return 'late';
    });
    expect((await invoke(fn, httpRequest(), { deadlineInMs: 600 })).status).toBe(504);
    expect((await invoke(throwing(new DOMException('late', 'TimeoutError')), httpRequest())).status).toBe(504);
  });
});

describe('anything else thrown', () => {
  it('is a 500 with a generic title and the requestId; the error is logged in full', async () => {
    const logs = collectLogs();
    try {
      const res = await invoke(throwing(new Error('password=hunter2')), httpRequest(), { requestId: 'req-9' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: 'req-9',
      });
      expect(res.text).not.toContain('hunter2');
      const [line] = logs.find('500 Internal Server Error');
      expect(line).toMatchObject({ level: 'error', requestId: 'req-9' });
      expect(JSON.stringify(line)).toContain('hunter2');
      expect(line?.err).toMatchObject({ stack: expect.stringContaining('Error: password=hunter2') });
    } finally {
      logs.restore();
    }
  });
});

describe('non-HTTP functions', () => {
  it('fail only the message that threw or failed its schema; nothing else is acknowledged as failed', async () => {
    const fn = queue({ name: 'q' }).handle((msg) => {
      if (msg.id === 'boom') throw new Error('boom');
    });
    const out = await invoke(fn, [message({ id: 'ok' }), message({ id: 'boom' }), message({ id: 'ok2' })]);
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => f.id)).toEqual(['boom']);
  });
});

describe('SkyportError', () => {
  it('has the codes of the page', () => {
    const codes: Record<SkyportErrorCode, true> = {
      UNKNOWN_EVENT: true,
      KIND_MISMATCH: true,
      INVALID_EVENT: true,
      INVALID_DEFINITION: true,
      VALIDATION: true,
      TIMEOUT: true,
      HANDLER_FAILED: true,
    };
    const error = new SkyportError('UNKNOWN_EVENT', 'x', { adapter: 'aws', kind: 'queue', shape: 'an empty object' });
    expect(Object.keys(codes)).toHaveLength(7);
    expect([error.code, error.adapter, error.kind, error.shape]).toEqual([
      'UNKNOWN_EVENT',
      'aws',
      'queue',
      'an empty object',
    ]);
  });

  it('reports definitions Skyport cannot handle', () => {
    expect(() => queue({ name: '' })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(() => http({ path: 'no-slash' })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });
});
