/**
 * Timers for invocation budgets, which may be longer than `setTimeout` allows: Node runs a delay
 * over 2^31 - 1 ms (about 24.8 days) after 1 ms instead, and an Azure `functionTimeout` or a
 * `serve({ timeoutMs })` can be longer than that.
 */

/** The longest delay `setTimeout` keeps. */
const MAX_DELAY = 2_147_483_647;

/** A pending call of `after()`. */
export interface Timer {
  /** Cancels the call if it has not happened. */
  clear(): void;
}

/**
 * Calls `run` once `ms` milliseconds have passed, however long that is (in steps of the longest
 * delay `setTimeout` keeps). `unref`: the timer does not keep the process alive.
 *
 * @example
 * const timer = after(30 * 24 * 3600_000, () => controller.abort(), true);
 * timer.clear();
 */
export function after(ms: number, run: () => void, unref = false): Timer {
  let handle: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    handle = left > MAX_DELAY ? setTimeout(() => arm(left - MAX_DELAY), MAX_DELAY) : setTimeout(run, left);
    if (unref) handle.unref();
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}
