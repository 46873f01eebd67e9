/** `cors()` and `timeout()` in docs/middleware.md. */
import { cors, http, NotFound, queue, timeout } from '@skyport/core';
import { collectLogs, httpRequest, invoke, type LogCollector, message } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

describe('cors()', () => {
  const preflight = (origin: string, headers: Record<string, string> = {}) =>
    httpRequest({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', ...headers } });

  it('answers a preflight with 204, the default methods and the echoed request headers', async () => {
    const fn = http()
      .use(cors())
      .handle(() => 'unreachable');
    const res = await invoke(fn, preflight('https://a.example', { 'access-control-request-headers': 'x-trace' }));
    expect(res.status).toBe(204);
    expect(res.headers).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
      'access-control-allow-headers': 'x-trace',
      vary: 'Access-Control-Request-Headers',
    });
  });

  it('accepts one origin, a list, a RegExp or a function', async () => {
    for (const origin of [
      'https://shop.example',
      ['https://admin.example', 'https://shop.example'],
      /^https:\/\/[a-z]+\.example$/,
      (value: string) => value.endsWith('.example'),
    ]) {
      const fn = http()
        .use(cors({ origin }))
        .handle(() => 'ok');
      const allowed = await invoke(fn, httpRequest({ headers: { origin: 'https://shop.example' } }));
      const refused = await invoke(fn, httpRequest({ headers: { origin: 'https://shop.evil' } }));
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(allowed.headers.vary).toBe('Origin');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('applies methods, allowHeaders, exposeHeaders, credentials and maxAge', async () => {
    const fn = http()
      .use(
        cors({
          origin: ['https://shop.example'],
          methods: ['GET', 'PUT'],
          allowHeaders: ['content-type'],
          exposeHeaders: ['x-total'],
          credentials: true,
          maxAge: 600,
        }),
      )
      .handle(() => 'ok');
    const res = await invoke(fn, preflight('https://shop.example', { 'access-control-request-headers': 'x-other' }));
    expect(res.headers).toEqual({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-total',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });

  it("refuses credentials with the '*' origin when the middleware is created", () => {
    expect(() => cors({ credentials: true })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it('adds its headers to error responses', async () => {
    const fn = http()
      .use(cors({ origin: 'https://shop.example', exposeHeaders: ['x-request-id'] }))
      .handle(() => {
        throw new NotFound('no such order');
      });
    const res = await invoke(fn, httpRequest({ headers: { origin: 'https://shop.example' } }));
    expect(res.status).toBe(404);
    expect(res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'access-control-allow-origin': 'https://shop.example',
      'access-control-expose-headers': 'x-request-id',
    });
  });
});

describe('timeout()', () => {
  it('answers 504 marginMs before the deadline and aborts ctx.signal', async () => {
    let reason: unknown;
    const fn = http()
      .use(timeout({ marginMs: 800 }))
      .handle(
        (_req, ctx) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => resolve('late'), 2000);
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              clearTimeout(timer);
            });
          }),
      );
    const started = Date.now();
    const res = await invoke(fn, httpRequest(), { deadlineInMs: 1000 });
    expect(res.status).toBe(504);
    // Before the deadline, and so long before the handler's own 2 s.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reason).toMatchObject({ name: 'SkyportError', code: 'TIMEOUT' });
  });

  it('gives up 500 ms before the deadline by default', async () => {
    let ran = false;
    const fn = http()
      .use(timeout())
      .handle(() => {
        ran = true;
      });
    expect((await invoke(fn, httpRequest(), { deadlineInMs: 450 })).status).toBe(504);
    expect(ran).toBe(false);
    expect((await invoke(fn, httpRequest(), { deadlineInMs: 5000 })).status).toBe(204);
  });

  it('fails a message that runs out of time, so it is retried', async () => {
    const ship = queue({ name: 'orders' })
      .use(timeout({ marginMs: 50 }))
      .handle(() => new Promise((resolve) => setTimeout(resolve, 500)));
    const out = await invoke(ship, message({ id: 'm-1', body: {} }), { deadlineInMs: 100 });
    expect(out.failures).toEqual([
      expect.objectContaining({ id: 'm-1', error: expect.objectContaining({ code: 'TIMEOUT' }) }),
    ]);
  });

  it('uses ms as a budget, the earlier limit winning, and does nothing without a deadline or budget', async () => {
    const slow = () => new Promise((resolve) => setTimeout(() => resolve('done'), 100));
    const budgeted = http()
      .use(timeout({ ms: 20 }))
      .handle(slow);
    const unbounded = http().use(timeout()).handle(slow);
    expect((await invoke(budgeted, httpRequest())).status).toBe(504);
    expect((await invoke(budgeted, httpRequest(), { deadlineInMs: 60_000 })).status).toBe(504);
    expect((await invoke(unbounded, httpRequest())).text).toBe('done');
  });
});
