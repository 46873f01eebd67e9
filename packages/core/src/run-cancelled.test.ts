import { setTimeout as sleep } from 'node:timers/promises';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { abortContext, createContext } from './context.js';
import { SkyportError } from './errors.js';
import { createMiddleware } from './middleware/create.js';
import { runHttp } from './run.js';
import type { Context } from './types.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

const contextOf = () => createContext({ cloud: 'node', kind: 'http', requestId: 'r-1', functionName: 'slow' });

/** The abort `serve()` and the Functions Framework adapter give `ctx.signal` when the client leaves. */
const clientLeft = () => new DOMException('the client closed the connection', 'AbortError');

/** Runs `fn` for a GET, aborting its context with `reason` 20 ms in. */
async function runAborted(fn: ReturnType<typeof slowWith>, reason: unknown): Promise<number> {
  const ctx: Context = contextOf();
  const aborting = sleep(20).then(() => abortContext(ctx, reason));
  const answer = await runHttp(fn, { method: 'GET', path: '/slow', headers: {} }, ctx);
  await aborting;
  return answer.status;
}

/** A handler that waits on `ctx.signal` as `wait` does. */
function slowWith(wait: (signal: AbortSignal) => Promise<unknown>) {
  return http({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
    await wait(ctx.signal);
    return { ok: true };
  });
}

describe('an invocation whose client left', () => {
  it("logs no failure when the handler rejects with the signal's abort (node:timers/promises)", async () => {
    // Prepare: Node's own calls reject with an AbortError of theirs, the reason as its cause.
    const fn = slowWith((signal) => sleep(2_000, undefined, { signal }));

    // Act
    await runAborted(fn, clientLeft());

    // Assert
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logs.find('500 Internal Server Error')).toHaveLength(0);
  });

  it('logs no failure when the handler rejects with the reason itself (as fetch does)', async () => {
    // Prepare
    const fn = slowWith(
      (signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    );

    // Act
    await runAborted(fn, clientLeft());

    // Assert
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('logs no failure when the error passes through middleware', async () => {
    // Prepare: with middleware, the error reaches the run helper through the pipeline.
    const fn = http({ method: 'GET', path: '/slow' })
      .use(createMiddleware({ name: 'pass', handle: (_event, _ctx, next) => next() }))
      .handle(async (_req, ctx) => {
        await sleep(2_000, undefined, { signal: ctx.signal });
        return { ok: true };
      });

    // Act
    await runAborted(fn as ReturnType<typeof slowWith>, clientLeft());

    // Assert
    expect(logs.find('500 Internal Server Error')).toHaveLength(0);
  });

  it('still logs a failure the handler throws of its own after the client left', async () => {
    // Prepare
    const fn = slowWith(async (signal) => {
      await sleep(2_000, undefined, { signal }).catch(() => undefined);
      throw new Error('database down');
    });

    // Act
    const status = await runAborted(fn, clientLeft());

    // Assert
    expect(status).toBe(500);
    expect(logs.find('500 Internal Server Error')).toMatchObject([{ err: { message: 'database down' } }]);
  });

  it('still logs an AbortError of its own, not caused by the abort, as a failure', async () => {
    // Prepare: some other signal of the handler's aborted.
    const fn = slowWith(async (signal) => {
      await sleep(2_000, undefined, { signal }).catch(() => undefined);
      await sleep(10, undefined, { signal: AbortSignal.abort() });
    });

    // Act
    await runAborted(fn, clientLeft());

    // Assert
    expect(logs.find('500 Internal Server Error')).toHaveLength(1);
  });

  it('keeps a deadline a logged 504 failure', async () => {
    // Prepare
    const fn = slowWith((signal) => sleep(2_000, undefined, { signal }));

    // Act
    const timedOut = await runAborted(fn, new DOMException('the invocation is about to time out', 'TimeoutError'));
    const gaveUp = await runAborted(fn, new SkyportError('TIMEOUT', 'out of time'));

    // Assert
    expect([timedOut, gaveUp]).toEqual([504, 504]);
    expect(logs.find('504 Gateway Timeout')).toHaveLength(2);
  });
});
