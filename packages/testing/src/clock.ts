/** A controllable clock for tests: time stands still until you advance it. */

/** A clock whose time you set. */
export interface FakeClock {
  /** The current time in epoch ms. */
  now(): number;
  /** Moves time forward. */
  advance(ms: number): void;
  /** Sets the time. */
  set(time: number | Date): void;
}

/**
 * Creates a clock that starts at `start` and moves only when told.
 *
 * @example
 * const clock = createClock('2026-01-01T00:00:00Z');
 * const ctx = fakeContext({ now: clock, deadlineInMs: 3000 });
 * clock.advance(1000);
 * ctx.remainingTimeMs(); // 2000
 */
export function createClock(start: number | Date | string = Date.now()): FakeClock {
  let time = typeof start === 'number' ? start : new Date(start).getTime();
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
    set: (value) => {
      time = typeof value === 'number' ? value : value.getTime();
    },
  };
}
