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
  let time = epochOf(start, 'createClock() start');
  return {
    now: () => time,
    advance: (ms) => {
      if (!Number.isFinite(ms)) throw new TypeError(`clock.advance() needs a finite number of ms, got ${String(ms)}`);
      time += ms;
    },
    set: (value) => {
      time = epochOf(value, 'clock.set()');
    },
  };
}

/**
 * A time as epoch ms; a `TypeError` naming `what` for one that is no time (`new Date('nope')`,
 * `NaN`), which would otherwise make every deadline silently disappear.
 *
 * @example
 * epochOf('2026-01-01T00:00:00Z', 'now'); // 1767225600000
 */
export function epochOf(value: number | Date | string, what: string): number {
  const time = typeof value === 'number' ? value : new Date(value).getTime();
  if (!Number.isFinite(time)) throw new TypeError(`${what} is not a valid time: ${String(value)}`);
  return time;
}
