/**
 * docs/testing.md, "Time, ids and deadlines": fake timers advanced once the handler waits, for a
 * function whose middleware does real work before `timeout()` sets its timer.
 */
import { readFile } from 'node:fs/promises';
import { createMiddleware, http, timeout } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

// Real work before `timeout()`: reading a file (a token check or a first load is the same).
const settings = createMiddleware<'http'>({
  name: 'settings',
  handle: async (_req, _ctx, next) => {
    await readFile(new URL(import.meta.url));
    return next();
  },
});

it('advances fake timers once the handler has started', async () => {
  vi.useFakeTimers();
  let started = false;
  const report = http({ method: 'GET', path: '/report' })
    .use(settings)
    .use(timeout())
    .handle(async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      return 'done';
    });
  const pending = invoke(report, httpRequest({ path: '/report' }), { deadlineInMs: 3000 });
  await vi.waitFor(() => expect(started).toBe(true));
  await vi.advanceTimersByTimeAsync(2500);
  expect((await pending).status).toBe(504);
});
