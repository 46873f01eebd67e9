import { http, queue, SkyportError, timeout } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingApp } from '../test/helpers.js';
import { parseFunctionTimeout } from './context.js';
import { toAzure } from './handler.js';
import { invokeAzure } from './invoke.js';
import { register } from './register.js';

const api = http({ method: 'GET', path: '/x' })
  .use(timeout())
  .handle(async (_req, ctx) => ({ aborted: ctx.signal.aborted, remaining: ctx.remainingTimeMs() }));
const orders = queue({ name: 'orders' }).handle(() => undefined);

const seconds300 =
  'azure: functionTimeout is in milliseconds, and 300 ms is under the 1 second minimum of host.json ("00:00:01"); for 300 seconds pass "00:05:00" or 300_000';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('functionTimeout: a number is milliseconds, and a timeout under 1 second is refused', () => {
  it('refuses 300 (seconds meant) when the handler is made, saying what 300 seconds are', () => {
    // Act
    const attempt = () => toAzure(api, { functionTimeout: 300 });

    // Assert
    expect(attempt).toThrow(SkyportError);
    expect(attempt).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure', message: seconds300 }),
    );
  });

  it('refuses it from invokeAzure() before the function runs, instead of a 504 for every request', async () => {
    // Act
    const attempt = invokeAzure(api, { path: '/x' }, { functionTimeout: 300 });

    // Assert
    await expect(attempt).rejects.toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', message: seconds300 }));
  });

  it('refuses it from register(), with or without functions, and registers nothing', () => {
    // Prepare
    const { app, calls } = recordingApp();

    // Act / Assert
    expect(() => register(app, { api }, { functionTimeout: 300 })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: seconds300 }),
    );
    expect(() => register(app, {}, { functionTimeout: 300 })).toThrow(seconds300);
    expect(calls).toEqual([]);
  });

  it.each([
    [1, 'and 1 ms is under the 1 second minimum of host.json ("00:00:01"); for 1 second pass "00:00:01" or 1_000'],
    [30, 'for 30 seconds pass "00:00:30" or 30_000'],
    [90, 'for 90 seconds pass "00:01:30" or 90_000'],
    [999, 'for 999 seconds pass "00:16:39" or 999_000'],
    [0.5, 'and 0.5 ms is under the 1 second minimum of host.json ("00:00:01")'],
  ])('refuses %s ms: %s', (value, message) => {
    // Act
    const attempt = () => parseFunctionTimeout(value);

    // Assert
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }));
    expect(attempt).toThrow(message);
  });

  it('gives no seconds to pass for a fraction', () => {
    expect(() => parseFunctionTimeout(0.5)).toThrow(
      expect.objectContaining({
        message:
          'azure: functionTimeout is in milliseconds, and 0.5 ms is under the 1 second minimum of host.json ("00:00:01")',
      }),
    );
  });

  it.each(['00:00:00.3', '00:00:00.999', ' 00:00:00.5 '])('refuses the TimeSpan %j, under 1 second', (value) => {
    expect(() => toAzure(orders, { functionTimeout: value })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: `azure: functionTimeout must be at least 1 second ("00:00:01", the minimum of host.json), got ${JSON.stringify(value)}`,
      }),
    );
  });

  it('refuses an AzureFunctionsJobHost__functionTimeout under 1 second too', () => {
    // Prepare
    vi.stubEnv('AzureFunctionsJobHost__functionTimeout', '00:00:00.5');

    // Act / Assert
    expect(() => toAzure(orders)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it.each([
    [1000, 1000],
    [230_000, 230_000],
    [300_000, 300_000],
    ['00:00:01', 1000],
    ['00:05:00', 300_000],
    ['1.00:00:00', 86_400_000],
    ['-1', undefined],
    [-1, undefined],
  ])('takes %j as %j ms', (value, ms) => {
    expect(parseFunctionTimeout(value)).toBe(ms);
    expect(() => toAzure(orders, { functionTimeout: value })).not.toThrow();
  });

  it('leaves the signal of a 230_000 ms timeout unaborted, and the request answered', async () => {
    // Act
    const response = await invokeAzure(api, { path: '/x' }, { functionTimeout: 230_000 });

    // Assert
    expect(response.status).toBe(200);
    const body = JSON.parse(String(response.body)) as { aborted: boolean; remaining: number };
    expect(body.aborted).toBe(false);
    expect(body.remaining).toBeGreaterThan(229_000);
  });
});

describe('functionTimeout must be longer than signalMarginMs', () => {
  it.each([
    [
      { functionTimeout: 2000, signalMarginMs: 2000 },
      'azure: toAzure() functionTimeout 2000 ms must be longer than signalMarginMs (2000 ms): ctx.signal would abort as each invocation starts',
    ],
    [
      { functionTimeout: '00:00:01', signalMarginMs: 5000 },
      'azure: toAzure() functionTimeout "00:00:01" (1000 ms) must be longer than signalMarginMs (5000 ms)',
    ],
  ])('refuses %j', (options, message) => {
    // Act
    const attempt = () => toAzure(orders, options);

    // Assert
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }));
    expect(attempt).toThrow(message);
  });

  it('refuses it from register() and invokeAzure() as well', async () => {
    // Prepare
    const { app, calls } = recordingApp();
    const options = { functionTimeout: '00:00:02', signalMarginMs: 2000 };

    // Act / Assert
    expect(() => register(app, { orders }, options)).toThrow(
      'azure: register() functionTimeout "00:00:02" (2000 ms) must be longer than signalMarginMs (2000 ms)',
    );
    expect(calls).toEqual([]);
    await expect(invokeAzure(api, { path: '/x' }, options)).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('signalMarginMs') }),
    );
  });

  it('takes a timeout longer than the margin, and any margin with no timeout', () => {
    expect(() => toAzure(orders, { functionTimeout: 2001, signalMarginMs: 2000 })).not.toThrow();
    expect(() => toAzure(orders, { functionTimeout: '-1', signalMarginMs: 60_000 })).not.toThrow();
    expect(() => toAzure(orders, { signalMarginMs: 60_000 })).not.toThrow();
  });
});
