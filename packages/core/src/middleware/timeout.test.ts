import { setTimeout as wait } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBatch } from '../batch.js';
import { http, queue } from '../builders.js';
import { createContext } from '../context.js';
import { createMessage } from '../events.js';
import { setLogDestination } from '../log.js';
import { logger } from '../logger/index.js';
import { router } from '../router.js';
import { runHttp } from '../run.js';
import type { Logger } from '../types.js';
import { createMiddleware } from './create.js';
import { timeout } from './timeout.js';

let lines: Record<string, unknown>[];
let restore: () => void;
beforeEach(() => {
  lines = [];
  restore = setLogDestination({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
});
afterEach(() => restore());

const ctx = (kind: 'http' | 'queue' = 'http') =>
  createContext({ cloud: 'aws', kind, requestId: 'r-1', functionName: 'report' });
const request = { method: 'GET', path: '/x' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failingLate = async () => {
  await sleep(60);
  throw new Error('late failure after timeout');
};
const errOf = (line: Record<string, unknown> | undefined) => line?.err as Record<string, unknown> | undefined;
const timeoutLines = () => lines.filter((line) => errOf(line)?.code === 'TIMEOUT');
const lateLines = () => lines.filter((line) => (line.msg ?? line.message) === 'handler failed after timeout() gave up');

describe('timeout(): what the handler does after it gave up', () => {
  it('logs an error the handler throws after the 504, with its message and stack, once', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(failingLate);

    // Act
    const res = await runHttp(fn, request, ctx());
    const atAnswer = lateLines().length;
    await sleep(100);

    // Assert
    expect(res.status).toBe(504);
    expect(atAnswer).toBe(0);
    expect(lateLines()).toHaveLength(1);
    const line = lateLines()[0];
    expect(line).toMatchObject({ level: 'ERROR', requestId: 'r-1', functionName: 'report' });
    expect(errOf(line)?.message).toBe('late failure after timeout');
    expect(String(errOf(line)?.stack)).toContain('Error: late failure after timeout');
    expect(timeoutLines()).toHaveLength(1);
  });

  it('logs it through the logger() in place, outside or inside timeout()', async () => {
    // Prepare
    const outside = http({ method: 'GET', path: '/x' })
      .use(logger({ summary: false }))
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(failingLate);
    const inside = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .use(logger({ summary: false }))
      .handle(failingLate);

    // Act
    const statuses = [(await runHttp(outside, request, ctx())).status, (await runHttp(inside, request, ctx())).status];
    await sleep(100);

    // Assert
    expect(statuses).toEqual([504, 504]);
    expect(lateLines().map((line) => [line.requestId, line.cloud, errOf(line)?.message])).toEqual([
      ['r-1', 'aws', 'late failure after timeout'],
      ['r-1', 'aws', 'late failure after timeout'],
    ]);
  });

  it('logs it for a message too, which still fails with TIMEOUT', async () => {
    // Prepare
    const fn = queue({ name: 'q' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(failingLate);

    // Act
    const batch = await runBatch(
      fn,
      [{ id: 'm-1', event: createMessage({ id: 'm-1', data: '', source: 'q' }) }],
      ctx('queue'),
    );
    await sleep(100);

    // Assert
    expect(batch.failures.map((f) => [f.id, (f.error as { code: string }).code])).toEqual([['m-1', 'TIMEOUT']]);
    expect(lateLines().map((line) => [line.messageId, errOf(line)?.message])).toEqual([
      ['m-1', 'late failure after timeout'],
    ]);
  });

  it('logs nothing more for a late success, or for the handler passing on the abort', async () => {
    // Prepare: one handler finishes late, two stop on ctx.signal later (its reason, or an AbortError caused by it).
    const succeedsLate = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(async () => {
        await sleep(60);
        return 'late';
      });
    const rethrowsReason = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(async (_req, c) => {
        await sleep(60);
        throw c.signal.reason;
      });
    const stopsOnAbort = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .handle(async (_req, c) => {
        try {
          await wait(1000, undefined, { signal: c.signal });
        } catch (error) {
          // Some clean-up before it passes the AbortError on.
          await sleep(10);
          throw error;
        }
        return 'never';
      });

    // Act
    const statuses = [];
    for (const fn of [succeedsLate, rethrowsReason, stopsOnAbort])
      statuses.push((await runHttp(fn, request, ctx())).status);
    await sleep(100);

    // Assert
    expect(statuses).toEqual([504, 504, 504]);
    expect(timeoutLines()).toHaveLength(3);
    expect(lines).toHaveLength(3);
  });

  it('leaves no rejection unhandled when the logger throws', async () => {
    // Prepare: a logger that fails on every line, set by a middleware inside timeout().
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const broken: Logger = {
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {
        throw new Error('logger down');
      },
      fatal: () => {},
      child: () => broken,
    };
    const fn = http({ method: 'GET', path: '/x' })
      .use(timeout({ ms: 20, marginMs: 0 }))
      .use(
        createMiddleware({
          name: 'broken-log',
          handle: (_event, c, next) => {
            c.log = broken;
            return next();
          },
        }),
      )
      .handle(failingLate);

    try {
      // Act
      const res = await runHttp(fn, request, ctx());
      await sleep(100);

      // Assert
      expect(res.status).toBe(504);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('timeout(): the timeout itself, passed on after it gave up, is not logged again', () => {
  const dbDown = async () => {
    await sleep(60);
    throw new Error('db down');
  };

  it("logs nothing for an inner timeout()'s own TIMEOUT, and a real late failure once", async () => {
    // Prepare: the router's timeout() gives up first and waits on the route's, which gives up in turn.
    const nested = (handler: () => Promise<unknown>) =>
      router(
        http({ method: 'GET', path: '/x' })
          .use(timeout({ ms: 40, marginMs: 0 }))
          .handle(handler),
      ).use(timeout({ ms: 20, marginMs: 0 }));
    const slow = nested(async () => {
      await sleep(60);
      return 'late';
    });

    // Act
    const statuses = [(await runHttp(slow, request, ctx())).status];
    await sleep(100);
    const afterSlow = lines.length;
    statuses.push((await runHttp(nested(dbDown), request, ctx())).status);
    await sleep(100);

    // Assert
    expect(statuses).toEqual([504, 504]);
    expect(afterSlow).toBe(1);
    expect(lateLines().map((line) => errOf(line)?.message)).toEqual(['db down']);
    expect(timeoutLines()).toHaveLength(2);
  });

  it("logs nothing for ctx.signal's own TimeoutError passed on, and a real late failure once", async () => {
    // Prepare: ctx.signal aborts at its deadline 10 ms before timeout() gives up; each handler
    // passes that on after 20 ms of clean-up (the reason, or the AbortError of a call it stopped).
    const nearDeadline = () =>
      createContext({
        cloud: 'aws',
        kind: 'http',
        requestId: 'r-1',
        functionName: 'report',
        deadline: Date.now() + 600,
        signalMarginMs: 510,
      });
    const onAbort = (fail: (reason: unknown, stopped: unknown) => unknown) =>
      http({ method: 'GET', path: '/x' })
        .use(timeout())
        .handle(async (_req, c) => {
          const signal = c.signal;
          const stopped = await wait(1000, undefined, { signal }).catch((error: unknown) => error);
          await sleep(20);
          throw fail(signal.reason, stopped);
        });
    const fns = [
      onAbort((reason) => reason),
      onAbort((_reason, stopped) => stopped),
      onAbort((reason) => new Error('query cancelled', { cause: reason })),
      onAbort(() => new Error('db down')),
    ];

    // Act
    const statuses = [];
    for (const fn of fns) statuses.push((await runHttp(fn, request, nearDeadline())).status);
    await sleep(100);

    // Assert
    expect(statuses).toEqual([504, 504, 504, 504]);
    expect(lateLines().map((line) => errOf(line)?.message)).toEqual(['db down']);
    expect(timeoutLines()).toHaveLength(4);
  });
});
