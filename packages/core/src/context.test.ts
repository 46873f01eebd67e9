import { describe, expect, it, vi } from 'vitest';
import { http } from './builders.js';
import { batchOf, createContext, endContext, finishBatch, forkContext, onBatchEnd } from './context.js';
import { getLogDestination, setLogDestination } from './log.js';
import { createMiddleware } from './middleware/create.js';
import { runHttp } from './run.js';
import type { Cloud } from './types.js';

describe('createContext', () => {
  it('measures remaining time against its clock', () => {
    let now = 1_000;
    const ctx = createContext({
      cloud: 'aws',
      kind: 'http',
      requestId: 'r',
      functionName: 'f',
      deadline: 4_000,
      now: () => now,
    });
    expect(ctx.remainingTimeMs()).toBe(3_000);
    now = 3_500;
    expect(ctx.remainingTimeMs()).toBe(500);
    now = 5_000;
    expect(ctx.remainingTimeMs()).toBe(0);
    const endless = createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f' });
    expect(endless.remainingTimeMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('derives the deadline from a platform countdown only when it is read', () => {
    let calls = 0;
    const ctx = createContext({
      cloud: 'aws',
      kind: 'http',
      requestId: 'r',
      functionName: 'f',
      now: () => 10_000,
      remainingTimeMs: () => {
        calls++;
        return 2_500;
      },
    });
    expect(calls).toBe(0);
    expect(ctx.deadline).toBe(12_500);
    expect(ctx.remainingTimeMs()).toBe(2_500);
    expect(calls).toBe(1);
    const broken = createContext({
      cloud: 'aws',
      kind: 'http',
      requestId: 'r',
      functionName: 'f',
      remainingTimeMs: () => Number.NaN,
    });
    expect(broken.deadline).toBeUndefined();
  });

  it('aborts its signal shortly before the deadline and not after the invocation ended', async () => {
    const withDeadline = (ms: number, signalMarginMs: number) =>
      createContext({
        cloud: 'aws',
        kind: 'http',
        requestId: 'r',
        functionName: 'f',
        deadline: Date.now() + ms,
        signalMarginMs,
      });
    const ctx = withDeadline(80, 50);
    expect(ctx.signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ctx.signal.aborted).toBe(true);
    expect((ctx.signal.reason as DOMException).name).toBe('TimeoutError');

    const ended = withDeadline(60, 10);
    void ended.signal;
    endContext(ended);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(ended.signal.aborted).toBe(false);

    // Ended before anything read the signal, and ended twice (a batch and its run helper both
    // end it): a signal read afterwards never arms a timer, and nothing throws.
    const unread = withDeadline(30, 10);
    endContext(unread);
    endContext(unread);
    expect(unread.signal.aborted).toBe(false);
    endContext(unread);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unread.signal.aborted).toBe(false);
  });

  it('binds the built-in logger to the request and lets middleware replace it', () => {
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    try {
      const ctx = createContext({ cloud: 'node', kind: 'queue', requestId: 'abc', functionName: 'orders' });
      ctx.log.info({ orderId: 7 }, 'hello %s', 'world');
      expect(JSON.parse(lines[0] as string)).toMatchObject({
        level: 'info',
        requestId: 'abc',
        functionName: 'orders',
        orderId: 7,
        msg: 'hello world',
      });
      const replaced = { ...ctx.log, info: () => lines.push('custom') };
      ctx.log = replaced;
      ctx.log.info('x');
      expect(lines[1]).toBe('custom');
    } finally {
      restore();
    }
    expect(getLogDestination()).not.toBeUndefined();
  });

  it("writes the built-in logger's lines in the shape of the context's cloud, the cloud a middleware set included", () => {
    // Prepare
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    const on = (cloud: Cloud) => createContext({ cloud, kind: 'queue', requestId: 'abc', functionName: 'orders' });
    // What `next({ cloud })` from a middleware does to the context.
    const moved = Object.assign(on('node'), { cloud: 'aws' as const });
    try {
      // Act
      on('aws').log.warn({ orderId: 7 }, 'late');
      on('gcp').log.warn({ orderId: 7 }, 'late');
      on('azure').log.warn({ orderId: 7 }, 'late');
      moved.log.warn('moved');
    } finally {
      restore();
    }
    // Assert
    const [aws, gcp, azure, movedLine] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const bound = { requestId: 'abc', functionName: 'orders', orderId: 7 };
    expect(aws).toEqual({ level: 'WARN', timestamp: expect.any(String), ...bound, message: 'late' });
    expect(new Date(String(aws?.timestamp)).toISOString()).toBe(aws?.timestamp);
    expect(gcp).toEqual({ severity: 'WARNING', time: expect.any(String), ...bound, message: 'late' });
    expect(new Date(String(gcp?.time)).toISOString()).toBe(gcp?.time);
    expect(azure).toEqual({ level: 'warn', time: expect.any(Number), ...bound, msg: 'late' });
    expect(movedLine).toMatchObject({ level: 'WARN', message: 'moved' });
  });

  it('keeps credentials out of the built-in logger at any depth', () => {
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    try {
      const ctx = createContext({ cloud: 'aws', kind: 'http', requestId: 'r', functionName: 'f' });
      ctx.log.info(
        { event: { headers: { Authorization: 'Bearer t0ken', Cookie: 'sid=c00kie' } }, list: [{ 'x-api-key': 'k3y' }] },
        'x',
      );
      expect(lines[0]).not.toMatch(/t0ken|c00kie|k3y/);
      expect(JSON.parse(lines[0] as string).event.headers.Authorization).toBe('[Redacted]');
    } finally {
      restore();
    }
  });

  it('forks contexts that share the deadline but not additions', () => {
    const ctx = createContext({
      cloud: 'aws',
      kind: 'queue',
      requestId: 'r',
      functionName: 'f',
      deadline: 10,
      now: () => 0,
    });
    const child = forkContext(ctx);
    Object.assign(child, { auth: 'x' });
    expect((ctx as unknown as { auth?: string }).auth).toBeUndefined();
    expect(child.remainingTimeMs()).toBe(10);
    expect(child.requestId).toBe('r');
  });

  it('reports the first context of the process as a cold start only when not told otherwise', async () => {
    // Prepare: the module as a fresh process has it
    vi.resetModules();
    const fresh = (await import('./context.js')).createContext;
    const init = { cloud: 'aws', kind: 'http', functionName: 'f' } as const;

    // Act: a context told its flag (a test's fake one) leaves the process cold
    const told = fresh({ ...init, requestId: 'a', coldStart: false });
    const first = fresh({ ...init, requestId: 'b' });
    const second = fresh({ ...init, requestId: 'c' });
    const forced = fresh({ ...init, requestId: 'd', coldStart: true });
    const third = fresh({ ...init, requestId: 'e' });

    // Assert
    expect([told, first, second, forced, third].map((ctx) => ctx.coldStart)).toEqual([false, true, false, true, false]);
  });
});

describe('context fields a middleware sets', () => {
  it('takes a signal, deadline, region or raw of its own through next(), as it takes any other field', async () => {
    // Prepare: a middleware that gives the handler a budget of two seconds
    const budget = createMiddleware<'http', { signal: AbortSignal; deadline: number; region: string; raw: string }>({
      name: 'budget',
      kinds: ['http'],
      handle: (_req, ctx, next) =>
        next({
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(2000)]),
          deadline: Date.now() + 2000,
          region: 'eu-west-1',
          raw: 'replaced',
        }),
    });
    const fn = http({ method: 'GET', path: '/x' })
      .use(budget)
      .handle((_req, ctx) => ({
        aborted: ctx.signal.aborted,
        left: ctx.remainingTimeMs() <= 2000,
        region: ctx.region,
        raw: ctx.raw,
      }));
    const ctx = createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f', region: 'us-east-1' });

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/x' }, ctx);

    // Assert
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({
      aborted: false,
      left: true,
      region: 'eu-west-1',
      raw: 'replaced',
    });
  });
});

describe('context fields', () => {
  it('reads what the adapter knew, and lets middleware replace a field as it would a plain one', () => {
    const ctx = createContext({
      cloud: 'gcp',
      kind: 'queue',
      requestId: 'abc',
      functionName: 'orders',
      trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(ctx).toMatchObject({ cloud: 'gcp', kind: 'queue', requestId: 'abc', functionName: 'orders' });
    expect(ctx.trace.traceparent).toContain('4bf92f35');
    Object.assign(ctx, { requestId: 'replaced', tenant: 'acme' });
    expect(ctx.requestId).toBe('replaced');
    expect((ctx as typeof ctx & { tenant: string }).tenant).toBe('acme');
    // A fork reads the invocation's own values, not what a middleware set on the parent, and
    // has what was added to it (a test's preset principal).
    const fork = forkContext(ctx) as typeof ctx & { tenant?: string };
    expect(fork.requestId).toBe('abc');
    expect(fork.tenant).toBe('acme');
  });
});

describe('batch finishers', () => {
  const batchContext = () => createContext({ cloud: 'aws', kind: 'queue', requestId: 'r-1', functionName: 'orders' });

  it("gives a message's context its batch and trace headers, and leaves the batch's own alone", () => {
    const ctx = batchContext();
    const trace = { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' };
    const child = forkContext(ctx, trace);
    expect(batchOf(child)).toBe(ctx);
    expect(child.trace).toBe(trace);
    expect(batchOf(ctx)).toBeUndefined();
    expect(ctx.trace).toEqual({});
    expect(batchOf(forkContext({ ...ctx }))).toBeUndefined();
  });

  it('runs each finisher once, in order, past one that fails and a logger that fails too', async () => {
    const ctx = batchContext();
    const ran: string[] = [];
    ctx.log = {
      ...ctx.log,
      warn: () => {
        throw new Error('logger down');
      },
    };
    expect(onBatchEnd(ctx, () => ran.push('first'))).toBe(true);
    expect(
      onBatchEnd(ctx, async () => {
        ran.push('second');
        throw new Error('export failed');
      }),
    ).toBe(true);
    expect(onBatchEnd(ctx, () => ran.push('third'))).toBe(true);
    await finishBatch(ctx);
    await finishBatch(ctx);
    expect(ran).toEqual(['first', 'second', 'third']);
  });

  it('refuses a finisher for a batch already finished, or for a context made by hand', async () => {
    const ctx = batchContext();
    await finishBatch(ctx);
    expect(onBatchEnd(ctx, () => undefined)).toBe(false);
    expect(onBatchEnd({ ...batchContext() }, () => undefined)).toBe(false);
  });
});
