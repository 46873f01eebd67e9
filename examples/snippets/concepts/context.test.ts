/**
 * docs/concepts.md, "Context": the fields of the table, the abort signal, and a fresh context
 * per invocation and per message.
 */
import { type Context, createContext, createMiddleware, http, queue, timeout } from '@skyport/core';
import { fakeContext, httpRequest, invoke, message } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

describe('the context', () => {
  it('has the fields of the table', async () => {
    let seen: Context | undefined;
    const fn = http({ method: 'GET', path: '/' }).handle((_req, ctx) => {
      seen = ctx;
      return null;
    });
    const native = { platform: 'context' };
    await invoke(fn, httpRequest(), {
      cloud: 'aws',
      requestId: 'req-1',
      functionName: 'getUser',
      coldStart: true,
      deadlineInMs: 3000,
      now: 1_000,
      trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      region: 'eu-west-1',
      raw: native,
    });
    const ctx = seen as Context;
    expect(ctx.cloud).toBe('aws');
    expect(ctx.kind).toBe('http');
    expect(ctx.requestId).toBe('req-1');
    expect(ctx.functionName).toBe('getUser');
    expect(ctx.coldStart).toBe(true);
    expect(ctx.deadline).toBe(4_000);
    expect(ctx.remainingTimeMs()).toBe(3000);
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(typeof ctx.log.info).toBe('function');
    expect(typeof ctx.log.child).toBe('function');
    expect(ctx.trace.traceparent).toMatch(/^00-/);
    expect(ctx.region).toBe('eu-west-1');
    expect(ctx.raw).toBe(native);
  });

  it('coldStart is true for the first context of the process only', () => {
    const init = { cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f' } as const;
    createContext(init);
    expect(createContext(init).coldStart).toBe(false);
  });

  it('without a deadline: undefined, and no time limit', () => {
    const ctx = fakeContext();
    expect(ctx.deadline).toBeUndefined();
    expect(ctx.remainingTimeMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('signal fires 500 ms before the deadline', async () => {
    const ctx = createContext({
      cloud: 'node',
      kind: 'http',
      requestId: 'r',
      functionName: 'f',
      deadline: Date.now() + 700,
    });
    const started = Date.now();
    const signal = ctx.signal;
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(700);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('signal fires when timeout() gives up', async () => {
    let signal: AbortSignal | undefined;
    const fn = http({ method: 'GET', path: '/' })
      .use(timeout({ ms: 20 }))
      .handle(async (_req, ctx) => {
        signal = ctx.signal;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 'late';
      });
    const res = await invoke(fn, httpRequest());
    expect(res.status).toBe(504);
    expect(signal?.aborted).toBe(true);
  });

  it('holds nothing between invocations, and each message of a batch gets its own', async () => {
    const contexts: Context[] = [];
    const stamp = createMiddleware<'queue', { stamp: string }>({
      name: 'stamp',
      async handle(msg, ctx, next) {
        expect((ctx as Partial<{ stamp: string }>).stamp).toBeUndefined();
        return next({ stamp: msg.id });
      },
    });
    const fn = queue({ name: 'q' })
      .use(stamp)
      .handle((msg, ctx) => {
        contexts.push(ctx);
        expect(ctx.stamp).toBe(msg.id);
      });
    const first = await invoke(fn, [message({ id: 'a' }), message({ id: 'b' })]);
    const second = await invoke(fn, message({ id: 'c' }));
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(new Set(contexts).size).toBe(3);
  });
});
