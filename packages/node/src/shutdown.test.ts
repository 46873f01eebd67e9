import { afterEach, describe, expect, it, vi } from 'vitest';
import { gracefulShutdown } from './shutdown.js';
import type { ServeHandle } from './types.js';

/** `process.exit` replaced: each call is recorded with what `record()` says then, and resolves `exited`. */
function stubExit<T>(record: () => T) {
  const calls: { code: number | string | null | undefined; seen: T; at: number }[] = [];
  let resolve: () => void = () => {};
  const exited = new Promise<void>((done) => {
    resolve = done;
  });
  vi.spyOn(process, 'exit').mockImplementation(((code?: number | string | null) => {
    calls.push({ code, seen: record(), at: Date.now() });
    resolve();
  }) as typeof process.exit);
  return { calls, exited };
}

/** A server that closes at once, for the tests of what happens after. */
const closed: Pick<ServeHandle, 'close' | 'inflight'> = { inflight: 0, close: async () => {} };

describe('gracefulShutdown() beforeExit', () => {
  let remove: (() => void) | undefined;

  afterEach(() => {
    remove?.();
    remove = undefined;
    vi.restoreAllMocks();
  });

  it('runs the hook once the server is closed, then exits 0', async () => {
    // Prepare
    const order: string[] = [];
    const exit = stubExit(() => [...order]);
    remove = gracefulShutdown(
      {
        inflight: 0,
        close: async () => {
          order.push('closed');
        },
      },
      {
        signals: ['SIGUSR2'],
        print: () => {},
        beforeExit: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push('beforeExit');
        },
      },
    );

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(exit.calls).toEqual([{ code: 0, seen: ['closed', 'beforeExit'], at: expect.any(Number) }]);
  });

  it('reports a hook that throws and still exits 0', async () => {
    // Prepare
    const lines: string[] = [];
    const exit = stubExit(() => [...lines]);
    remove = gracefulShutdown(closed, {
      signals: ['SIGUSR2'],
      print: (line) => lines.push(line),
      beforeExit: () => {
        throw new Error('pool already ended');
      },
    });

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(exit.calls.map((call) => call.code)).toEqual([0]);
    expect(exit.calls[0]?.seen).toEqual([
      'skyport: SIGUSR2 received, finishing 0 in-flight requests',
      'skyport: stopped',
      'skyport: beforeExit failed: pool already ended',
    ]);
  });

  it('exits 0 once the grace is over when the hook is still running, and says so', async () => {
    // Prepare
    const lines: string[] = [];
    const exit = stubExit(() => [...lines]);
    remove = gracefulShutdown(closed, {
      signals: ['SIGUSR2'],
      print: (line) => lines.push(line),
      graceMs: 300,
      beforeExit: () => new Promise<void>(() => {}),
    });

    // Act
    const signalled = Date.now();
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(exit.calls.map((call) => call.code)).toEqual([0]);
    expect(exit.calls[0]?.at).toBeGreaterThanOrEqual(signalled + 290);
    expect(exit.calls[0]?.at).toBeLessThan(signalled + 2000);
    expect(exit.calls[0]?.seen.at(-1)).toBe('skyport: beforeExit still running 300 ms after the signal, exiting');
  });

  it('counts the grace from the signal: a slow close leaves the hook what is left of it', async () => {
    // Prepare
    const exit = stubExit(() => undefined);
    remove = gracefulShutdown(
      { inflight: 1, close: () => new Promise<void>((resolve) => setTimeout(resolve, 200)) },
      { signals: ['SIGUSR2'], print: () => {}, graceMs: 400, beforeExit: () => new Promise<void>(() => {}) },
    );

    // Act
    const signalled = Date.now();
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(exit.calls[0]?.at).toBeGreaterThanOrEqual(signalled + 390);
    expect(exit.calls[0]?.at).toBeLessThan(signalled + 550);
  });

  it('runs the hook when close() fails, and exits 1', async () => {
    // Prepare
    const lines: string[] = [];
    const exit = stubExit(() => [...lines]);
    let ran = false;
    remove = gracefulShutdown(
      { inflight: 0, close: () => Promise.reject(new Error('not running')) },
      {
        signals: ['SIGUSR2'],
        print: (line) => lines.push(line),
        beforeExit: () => {
          ran = true;
        },
      },
    );

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(ran).toBe(true);
    expect(exit.calls.map((call) => call.code)).toEqual([1]);
    expect(exit.calls[0]?.seen.at(-1)).toBe('skyport: shutdown failed: not running');
  });

  it('with exit: false, runs the hook and does not exit', async () => {
    // Prepare
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => {}) as typeof process.exit);
    let done: () => void = () => {};
    const ran = new Promise<void>((resolve) => {
      done = resolve;
    });
    remove = gracefulShutdown(closed, { signals: ['SIGUSR2'], exit: false, print: () => {}, beforeExit: done });

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await ran;
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assert
    expect(exit).not.toHaveBeenCalled();
  });

  it.each([-1, 1.5, Number.NaN])('refuses a graceMs of %s', (graceMs) => {
    expect(() => gracefulShutdown(closed, { signals: ['SIGUSR2'], graceMs })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('graceMs') }),
    );
  });
});
