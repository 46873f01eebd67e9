/**
 * `invokeAzure()`'s first call in a module, under fake timers: `@azure/functions` is loaded as the
 * call starts, so the handler (and `timeout()`'s timer) starts at once, and a test that advances
 * the timers right after the call sees the timeout fire. Its own file, so the call is the first.
 */
import { queue, timeout } from '@skyport/core';
import { azure } from '@skyport/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { invokeAzure } from './invoke.js';

/** Node's own `setTimeout`, kept before the test fakes it. */
const realSetTimeout = setTimeout;

afterEach(() => {
  vi.useRealTimers();
});

it('fires timeout() on the first call when the timers are advanced right after it', async () => {
  vi.useFakeTimers();
  let started = false;
  const never = queue({ name: 'orders' })
    .use(timeout({ ms: 1000 }))
    .handle(() => {
      started = true;
      return new Promise<void>(() => {});
    });
  const outcome = invokeAzure(never, azure.queueMessage({ body: { id: 1 } })).then(
    () => 'answered',
    (error: unknown) => (error as Error).name,
  );
  await vi.advanceTimersByTimeAsync(1000);
  // Real time passes (the timers stay fake): the timeout has fired, or was set too late to.
  const settled = await Promise.race([
    outcome,
    new Promise((resolve) => realSetTimeout(resolve, 1500, 'still waiting')),
  ]);
  expect(started).toBe(true);
  expect(settled).not.toBe('still waiting');
  expect(settled).not.toBe('answered');
});
