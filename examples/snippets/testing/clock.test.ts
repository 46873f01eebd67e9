/** docs/testing.md, "Time, ids and deadlines": a deadline on a fake clock. */
import { createClock, fakeContext } from '@skyport/testing';
import { expect, it } from 'vitest';

it('counts a deadline down on a clock that moves only when told', () => {
  const clock = createClock('2026-01-01T00:00:00Z');
  const ctx = fakeContext({ now: clock, deadlineInMs: 3000, requestId: 'r-1' });
  clock.advance(1000);
  expect(ctx.remainingTimeMs()).toBe(2000);
});
