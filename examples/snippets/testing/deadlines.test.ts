/**
 * docs/testing.md, "Time, ids and deadlines": how `timeout()` reads a fake clock, and how it
 * fires on a short deadline or on Vitest's fake timers.
 */
import { http, timeout } from '@skyport/core';
import { createClock, httpRequest, invoke } from '@skyport/testing';
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

/** Reports what the context says about time, then waits `waitMs` (moving `clock` first, if given). */
function slow(waitMs: number, clock?: { advance(ms: number): void }) {
  return http({ method: 'GET', path: '/slow' })
    .use(timeout())
    .handle(async (_req, ctx) => {
      const seen = { deadline: ctx.deadline, remaining: ctx.remainingTimeMs() };
      clock?.advance(10_000);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return seen;
    });
}

it('gives invoke() the same clock: ctx.deadline and ctx.remainingTimeMs() follow it', async () => {
  const clock = createClock('2026-01-01T00:00:00Z');
  const res = await invoke(slow(0), httpRequest({ path: '/slow' }), { now: clock, deadlineInMs: 3000 });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ deadline: Date.parse('2026-01-01T00:00:03Z'), remaining: 3000 });
});

it('fails at once when the deadline is already within the margin', async () => {
  const clock = createClock('2026-01-01T00:00:00Z');
  const ran = vi.fn();
  const fn = http({ method: 'GET', path: '/slow' })
    .use(timeout())
    .handle(() => {
      ran();
      return 'ran';
    });
  const res = await invoke(fn, httpRequest({ path: '/slow' }), { now: clock, deadlineInMs: 400 });
  expect(res.status).toBe(504);
  expect(ran).not.toHaveBeenCalled();
});

it('does not fire when the clock moves while the handler runs', async () => {
  const clock = createClock('2026-01-01T00:00:00Z');
  const res = await invoke(slow(50, clock), httpRequest({ path: '/slow' }), { now: clock, deadlineInMs: 3000 });
  expect(res.status).toBe(200);
});

it('fires after 100 ms for a 600 ms deadline and the default 500 ms margin', async () => {
  const started = performance.now();
  const res = await invoke(slow(2000), httpRequest({ path: '/slow' }), { deadlineInMs: 600 });
  const took = performance.now() - started;
  expect(res.status).toBe(504);
  expect(took).toBeGreaterThanOrEqual(90);
  expect(took).toBeLessThan(1000);
});

it('fires on Vitest fake timers without waiting', async () => {
  vi.useFakeTimers();
  const pending = invoke(slow(60_000), httpRequest({ path: '/slow' }), { deadlineInMs: 3000 });
  await vi.advanceTimersByTimeAsync(2499);
  let settled = false;
  void pending.then(() => {
    settled = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  expect(settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect((await pending).status).toBe(504);
});
