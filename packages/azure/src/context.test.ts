import { HttpRequest } from '@azure/functions';
import { type Context, http, queue } from '@skyport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { parseFunctionTimeout } from './context.js';
import { toAzure } from './handler.js';
import { createInvocationLogger } from './log.js';

function capture() {
  const seen: Context[] = [];
  const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
    seen.push(ctx);
    ctx.log.info({ orderId: 'ord_1' }, 'handled %s', 'it');
    ctx.log.debug('hidden at the default level');
    ctx.log.warn('careful');
  });
  return { fn, seen };
}

describe('Azure context', () => {
  afterEach(() => {
    delete process.env.AzureFunctionsJobHost__functionTimeout;
    delete process.env.REGION_NAME;
  });

  it('takes requestId, function name and W3C trace context from the InvocationContext', async () => {
    // Prepare
    const { fn, seen } = capture();
    process.env.REGION_NAME = 'West Europe';
    const { context } = invocation({
      invocationId: 'a1b2',
      functionName: 'fulfilOrder',
      traceContext: { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'az=1' },
      triggerMetadata: { id: 'm' },
    });

    // Act
    await toAzure(fn)('x', context);

    // Assert
    const ctx = seen[0] as Context;
    expect(ctx).toMatchObject({ cloud: 'azure', kind: 'queue', requestId: 'a1b2', functionName: 'fulfilOrder' });
    expect(ctx.trace).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'az=1',
    });
    expect(ctx.raw).toBe(context);
    expect(ctx.region).toBe('West Europe');
    expect(ctx.deadline).toBeUndefined();
    expect(ctx.remainingTimeMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('routes ctx.log to the InvocationContext log methods as JSON lines', async () => {
    // Prepare
    const { fn } = capture();
    const { context, logs } = invocation({ invocationId: 'inv-log', functionName: 'f', triggerMetadata: { id: 'm' } });

    // Act
    await toAzure(fn)('x', context);

    // Assert
    expect(logs.map((l) => l.level)).toEqual(['information', 'warning']);
    expect(logs[0]?.line).toMatchObject({
      level: 'info',
      requestId: 'inv-log',
      functionName: 'f',
      orderId: 'ord_1',
      msg: 'handled it',
    });
    expect(logs[1]?.line).toMatchObject({ level: 'warn', msg: 'careful' });
  });

  it('sets the deadline from the declared functionTimeout, or the host.json override in the environment', async () => {
    // Prepare
    const { fn, seen } = capture();
    const before = Date.now();

    // Act
    await toAzure(fn, { functionTimeout: '00:05:00' })('x', invocation({ triggerMetadata: { id: 'm' } }).context);
    process.env.AzureFunctionsJobHost__functionTimeout = '00:00:30';
    await toAzure(fn)('x', invocation({ triggerMetadata: { id: 'm' } }).context);

    // Assert
    const [five, thirty] = seen.map((ctx) => (ctx.deadline ?? 0) - before);
    expect(five).toBeGreaterThanOrEqual(300_000);
    expect(five).toBeLessThan(305_000);
    expect(thirty).toBeGreaterThanOrEqual(30_000);
    expect(thirty).toBeLessThan(35_000);
    expect(seen[0]?.remainingTimeMs()).toBeLessThanOrEqual(300_000);
  });

  it('gives an http function at most the 230 seconds the load balancer waits for an answer', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/d' }).handle((_req, ctx) => ({ left: (ctx.deadline ?? 0) - Date.now() }));
    const ask = async (functionTimeout?: string) => {
      const response = await toAzure(fn, { functionTimeout })(
        new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/d' }),
        invocation({ invocationId: 'h-2' }).context,
      );
      return (JSON.parse(response.body as string) as { left: number }).left;
    };

    // Act
    const none = await ask('-1');
    const long = await ask('00:30:00');
    const short = await ask('00:01:00');

    // Assert
    for (const left of [none, long]) expect(left).toBeGreaterThan(225_000);
    for (const left of [none, long]) expect(left).toBeLessThanOrEqual(230_000);
    expect(short).toBeGreaterThan(55_000);
    expect(short).toBeLessThanOrEqual(60_000);
  });

  it('gives http handlers the same context', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/ctx' }).handle((_req, ctx) => ({ id: ctx.requestId, kind: ctx.kind }));

    // Act
    const response = await toAzure(fn, { functionTimeout: 60_000 })(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/ctx' }),
      invocation({ invocationId: 'h-1' }).context,
    );

    // Assert
    expect(response.body).toBe('{"id":"h-1","kind":"http"}');
  });

  it('builds the logger on first use; destructured methods and children keep writing to the context', () => {
    // Prepare
    const { context, logs } = invocation({ invocationId: 'inv-lazy' });
    const log = createInvocationLogger(context, { requestId: 'inv-lazy' }, 'debug');

    // Act
    const { info, debug } = log;
    info('plain');
    debug({ step: 2 }, 'detail');
    log.child({ orderId: 'ord_1' }).error(new Error('boom'), 'failed %s', 'hard');
    createInvocationLogger(context, {}, 'warn').info('dropped below the level');

    // Assert
    expect(logs.map((l) => [l.level, l.line.msg])).toEqual([
      ['information', 'plain'],
      ['debug', 'detail'],
      ['error', 'failed hard'],
    ]);
    expect(logs[1]?.line).toMatchObject({ requestId: 'inv-lazy', step: 2 });
    expect(logs[2]?.line).toMatchObject({ orderId: 'ord_1', err: { type: 'Error', message: 'boom' } });
  });

  it('parses host.json functionTimeout values', () => {
    expect(parseFunctionTimeout('00:05:00')).toBe(300_000);
    expect(parseFunctionTimeout('01:00:00')).toBe(3_600_000);
    expect(parseFunctionTimeout('1.00:00:01.5')).toBe(86_401_500);
    expect(parseFunctionTimeout('-1')).toBeUndefined();
    expect(parseFunctionTimeout(-1)).toBeUndefined();
    expect(parseFunctionTimeout(1500)).toBe(1500);
    expect(parseFunctionTimeout(undefined)).toBeUndefined();
    for (const bad of ['5 minutes', '00:00:00', 0, Number.NaN]) {
      expect(() => parseFunctionTimeout(bad)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
  });
});
