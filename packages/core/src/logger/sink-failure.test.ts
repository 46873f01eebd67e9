/**
 * A log destination that fails (a closed pipe, a sink that throws) loses lines, never an
 * invocation: the answer and the batch's failures follow the handler alone, with `logger()` and
 * with the built-in logger, and a log call in a handler does not throw.
 */
import { http, queue, setLogDestination } from '@skyport/core';
import { httpRequest, invoke, message } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logger } from './index.js';

let restore: () => void;
let attempts = 0;
beforeEach(() => {
  attempts = 0;
  restore = setLogDestination({
    write: () => {
      attempts++;
      throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    },
  });
});
afterEach(() => restore());

const withLogger = [false, true];

describe.each(withLogger)('a destination that throws (logger(): %s)', (logged) => {
  it('leaves an http answer as the handler gave it', async () => {
    const base = http({ method: 'POST', path: '/orders' });
    const fn = (logged ? base.use(logger()) : base).handle((_req, ctx) => {
      ctx.log.info({ sku: 'a-1' }, 'order accepted');
      return { status: 201, body: { id: 'o-1' } };
    });
    const res = await invoke(fn, httpRequest({ method: 'POST', path: '/orders', body: {} }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'o-1' });
    expect(attempts).toBeGreaterThan(0);
  });

  it('reports exactly the messages whose handler failed', async () => {
    const base = queue({ name: 'orders' });
    const fn = (logged ? base.use(logger()) : base).handle((msg, ctx) => {
      ctx.log.info({ id: msg.id }, 'message seen');
      if (msg.id === 'm2') throw new Error('m2 failed');
    });
    const batch = ['m1', 'm2', 'm3'].map((id) => message({ id, body: {} }));
    const result = await invoke(fn, batch);
    expect(result.failures.map((failure) => failure.id)).toEqual(['m2']);
    expect(attempts).toBeGreaterThan(0);
  });
});
