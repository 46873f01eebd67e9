/**
 * docs/azure.md, "Context": each field of the table, and how the deadline is declared.
 */
import { HttpRequest } from '@azure/functions';
import { parseFunctionTimeout, toAzure } from '@skyport/azure';
import { type Context, http, queue } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { invocation } from './helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function capture(options?: Parameters<typeof toAzure>[1]) {
  const seen: Context[] = [];
  const fn = queue({ name: 'orders' }).handle((_msg, ctx) => {
    seen.push(ctx);
    ctx.log.debug('debug line');
    ctx.log.info({ orderId: 'o1' }, 'info line');
    ctx.log.warn('warn line');
    ctx.log.fatal('fatal line');
  });
  return { seen, handler: toAzure(fn, options) };
}

describe('Context on Azure', () => {
  it('cloud, requestId, functionName, trace, region and raw', async () => {
    vi.stubEnv('REGION_NAME', 'West Europe');
    const { seen, handler } = capture();
    const { context } = invocation({
      invocationId: 'inv-42',
      functionName: 'fulfilOrder',
      triggerMetadata: { dequeueCount: 1 },
      traceContext: { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'a=b' },
    });
    await handler('{}', context);
    const ctx = seen[0];
    expect(ctx?.cloud).toBe('azure');
    expect(ctx?.requestId).toBe('inv-42');
    expect(ctx?.functionName).toBe('fulfilOrder');
    expect(ctx?.trace).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'a=b',
    });
    expect(ctx?.region).toBe('West Europe');
    expect(ctx?.raw).toBe(context);
  });

  it('log: JSON lines through the context methods, level from LOG_LEVEL (default info)', async () => {
    const { handler } = capture();
    const { context, logs } = invocation({ invocationId: 'inv-7', triggerMetadata: { dequeueCount: 1 } });
    await handler('{}', context);
    expect(logs.map((l) => [l.level, l.line.msg])).toEqual([
      ['information', 'info line'],
      ['warning', 'warn line'],
      ['error', 'fatal line'],
    ]);
    expect(logs[0]?.line).toMatchObject({ level: 'info', orderId: 'o1', requestId: 'inv-7' });

    vi.stubEnv('LOG_LEVEL', 'debug');
    const debug = invocation({ triggerMetadata: { dequeueCount: 1 } });
    await capture().handler('{}', debug.context);
    expect(debug.logs.map((l) => l.level)).toEqual(['debug', 'information', 'warning', 'error']);
  });

  it('deadline: invocation start + functionTimeout, undefined without one', async () => {
    const { seen, handler } = capture({ functionTimeout: '00:05:00' });
    const before = Date.now();
    await handler('{}', invocation({ triggerMetadata: { dequeueCount: 1 } }).context);
    const after = Date.now();
    expect(seen[0]?.deadline).toBeGreaterThanOrEqual(before + 300_000);
    expect(seen[0]?.deadline).toBeLessThanOrEqual(after + 300_000);

    const none = capture();
    await none.handler('{}', invocation({ triggerMetadata: { dequeueCount: 1 } }).context);
    expect(none.seen[0]?.deadline).toBeUndefined();
    expect(none.seen[0]?.remainingTimeMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('without the option, reads AzureFunctionsJobHost__functionTimeout', async () => {
    vi.stubEnv('AzureFunctionsJobHost__functionTimeout', '00:10:00');
    const { seen, handler } = capture();
    const before = Date.now();
    await handler('{}', invocation({ triggerMetadata: { dequeueCount: 1 } }).context);
    expect(seen[0]?.deadline).toBeGreaterThanOrEqual(before + 600_000);
  });

  it('functionTimeout: a .NET TimeSpan, -1 for none, or milliseconds', () => {
    expect(parseFunctionTimeout('00:05:00')).toBe(300_000);
    expect(parseFunctionTimeout('1.00:00:00')).toBe(86_400_000);
    expect(parseFunctionTimeout('-1')).toBeUndefined();
    expect(parseFunctionTimeout(90_000)).toBe(90_000);
    expect(() => parseFunctionTimeout('5 minutes')).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it('is the same for http functions', async () => {
    let seen: Context | undefined;
    const fn = http({ method: 'GET', path: '/x' }).handle((_req, ctx) => {
      seen = ctx;
      return null;
    });
    const { context } = invocation({ invocationId: 'inv-http' });
    await toAzure(fn, { functionTimeout: 60_000 })(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/x' }),
      context,
    );
    expect(seen?.requestId).toBe('inv-http');
    expect(seen?.raw).toBe(context);
    expect(seen?.remainingTimeMs()).toBeGreaterThan(55_000);
  });
});
