import { describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { createContext } from './context.js';
import { timeout } from './middleware/timeout.js';
import { runHttp } from './run.js';
import { after } from './timer.js';

const thirtyDays = 30 * 24 * 3600_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A context whose deadline is 30 days away. */
const farContext = () =>
  createContext({ cloud: 'azure', kind: 'http', requestId: 'r', functionName: 'f', deadline: Date.now() + thirtyDays });

describe('budgets longer than setTimeout keeps (about 24.8 days)', () => {
  it('after() does not run early, and runs a short delay on time', async () => {
    let long = false;
    let short = false;
    const timer = after(thirtyDays, () => {
      long = true;
    });
    after(5, () => {
      short = true;
    });
    await pause(30);
    timer.clear();
    expect([long, short]).toEqual([false, true]);
  });

  it('ctx.signal stays unaborted with a deadline 30 days away', async () => {
    const ctx = farContext();
    const signal = ctx.signal;
    await pause(30);
    expect(signal.aborted).toBe(false);
  });

  it('timeout() lets a handler run with a deadline 30 days away, and with ms past the limit', async () => {
    const fn = http({ method: 'GET', path: '/' })
      .use(timeout({ ms: 2 ** 31 }))
      .handle(async () => {
        await pause(30);
        return 'done';
      });
    const ctx = farContext();
    const res = await runHttp(fn, { method: 'GET', path: '/', headers: {} }, ctx);
    expect(res.status).toBe(200);
  });
});
