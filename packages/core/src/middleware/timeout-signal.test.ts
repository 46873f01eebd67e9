/**
 * `timeout()` against the timer of `ctx.signal`: with the same margin (500 ms both by default) the
 * two count to the same moment, and whichever fires first, an answer given once the time is up
 * is dropped.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { runHttp } from '../run.js';
import type { Context } from '../types.js';
import { timeout } from './timeout.js';

afterEach(() => {
  vi.useRealTimers();
});

const request = { method: 'GET', path: '/a' };

/** Waits for `ctx.signal` to abort, then answers (as a handler that honours the signal does). */
function answersOnAbort(beforeReading?: () => void) {
  return http({ method: 'GET', path: '/a' })
    .use(timeout())
    .handle(async (_req, ctx) => {
      beforeReading?.();
      const signal = ctx.signal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return { partial: true };
    });
}

/** A context on a clock the test sets, 600 ms before its deadline (a budget of 100 ms). */
function contextAt(clock: { now: number }, signalMarginMs?: number): Context {
  return createContext({
    cloud: 'aws',
    kind: 'http',
    requestId: 'r-1',
    functionName: 'report',
    deadline: 600,
    now: () => clock.now,
    signalMarginMs,
  });
}

describe('timeout() when the signal of the context aborts first', () => {
  it("answers 504 when the signal's timer fires a ms before timeout()'s", async () => {
    // Prepare: the clock moves to its next ms between timeout() reading the deadline and the
    // handler reading the signal, so the signal's timer is armed for 99 ms and timeout()'s for 100.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const clock = { now: 0 };
    const fn = answersOnAbort(() => {
      clock.now = 1;
    });

    // Act
    const pending = runHttp(fn, request, contextAt(clock));
    await vi.advanceTimersByTimeAsync(100);
    const res = await pending;

    // Assert
    expect(res.status).toBe(504);
  });

  it('answers 200 when the handler finishes before the budget is spent', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const fn = http({ method: 'GET', path: '/a' })
      .use(timeout())
      .handle(async (_req, ctx) => {
        void ctx.signal;
        await new Promise((resolve) => setTimeout(resolve, 99));
        return { done: true };
      });

    // Act
    const pending = runHttp(fn, request, contextAt({ now: 0 }));
    await vi.advanceTimersByTimeAsync(100);
    const res = await pending;

    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"done":true}');
  });

  it('answers 200 when a wider signal margin aborts the signal well before the budget', async () => {
    // Prepare: the signal aborts 550 ms before the deadline, 50 ms before timeout() gives up.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const fn = answersOnAbort();

    // Act
    const pending = runHttp(fn, request, contextAt({ now: 0 }, 550));
    await vi.advanceTimersByTimeAsync(100);
    const res = await pending;

    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"partial":true}');
  });

  it('answers 504 every time on real timers, however the two timers fall', async () => {
    // Prepare: each handler waits for the wall clock's next ms before it reads the signal, so the
    // signal's delay is a ms shorter than timeout()'s budget; four runs at a time contend for the thread.
    const fn = answersOnAbort(() => {
      const at = Date.now();
      while (Date.now() === at) {
        // Until the next ms.
      }
    });
    const run = () =>
      runHttp(
        fn,
        request,
        createContext({
          cloud: 'aws',
          kind: 'http',
          requestId: 'r-1',
          functionName: 'report',
          deadline: Date.now() + 520,
        }),
      );

    // Act
    const statuses: number[] = [];
    for (let round = 0; round < 50; round++) {
      const answers = await Promise.all([run(), run(), run(), run()]);
      statuses.push(...answers.map((res) => res.status));
    }

    // Assert
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((status) => status !== 504)).toEqual([]);
  });
});
