import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { http } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { startTelemetry, type Telemetry } from '@skyport/otel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Collector, startCollector } from './__fixtures__/collector.js';
import { serve } from './serve.js';
import { gracefulShutdown } from './shutdown.js';
import type { ServeHandle } from './types.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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

describe('gracefulShutdown() and telemetry', () => {
  let telemetry: Telemetry | undefined;
  let collector: Collector | undefined;
  let server: ServeHandle | undefined;
  let remove: (() => void) | undefined;

  afterEach(async () => {
    remove?.();
    await server?.close();
    await telemetry?.shutdown();
    await collector?.close();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    remove = server = telemetry = collector = undefined;
  });

  it('flushes the spans of the registered SDK to the collector before it exits', async () => {
    // Prepare: an SDK batching spans (its default), exporting every 60 s
    collector = await startCollector();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    telemetry = await startTelemetry({ serviceName: 'shutdown-flush' });
    const ping = http({ method: 'GET', path: '/ping' })
      .use(tracing())
      .handle(() => 'pong');
    server = await serve({ ping }, { port: 0, host: '127.0.0.1', announce: false });
    const posts = collector.posts;
    const exit = stubExit(() => posts.map((post) => post.path));
    const lines: string[] = [];
    remove = gracefulShutdown(server, { signals: ['SIGUSR2'], print: (line) => lines.push(line) });
    const res = await fetch(`${server.url}/ping`);
    expect(await res.text()).toBe('pong');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(posts).toEqual([]);

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert: the span and the metrics were received before the exit
    expect(exit.calls).toHaveLength(1);
    expect(exit.calls[0]?.code).toBe(0);
    expect(exit.calls[0]?.seen).toContain('/v1/traces');
    expect(exit.calls[0]?.seen).toContain('/v1/metrics');
    const traces = posts.find((post) => post.path === '/v1/traces');
    expect(traces?.body).toContain('shutdown-flush');
    expect(traces?.body).toContain('GET /ping');
    expect(lines).toEqual(['skyport: SIGUSR2 received, finishing 0 in-flight requests', 'skyport: stopped']);
  });

  it('flushes after beforeExit, within the same grace', async () => {
    // Prepare
    collector = await startCollector();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    telemetry = await startTelemetry({ serviceName: 'shutdown-hook', metrics: 'none' });
    const posts = collector.posts;
    const order: string[] = [];
    const exit = stubExit(() => posts.map((post) => post.path));
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
          order.push(`beforeExit, ${posts.length} posts`);
          // A span the hook itself makes (closing a pool, say) is flushed too.
          trace.getTracer('hook').startSpan('pool.end').end();
        },
      },
    );

    // Act
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit.exited;

    // Assert
    expect(order).toEqual(['closed', 'beforeExit, 0 posts']);
    expect(exit.calls[0]?.code).toBe(0);
    expect(exit.calls[0]?.seen).toEqual(['/v1/traces']);
    expect(posts[0]?.body).toContain('pool.end');
  });
});

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

  it.each([
    ['signals', { signals: 'SIGTERM' }, 'signals must be an array of signal names, got "SIGTERM"'],
    ['signals', { signals: ['SIGTREM'] }, 'signals: "SIGTREM" is not a signal name'],
    ['repeatWindowMs', { repeatWindowMs: '250' }, 'repeatWindowMs must be an integer of at least 0, got "250"'],
    ['repeatWindowMs', { repeatWindowMs: Number.NaN }, 'got NaN'],
    ['exit', { exit: 'false' }, 'exit must be true or false, got "false"'],
    ['print', { print: 5 }, 'print must be a function, got 5'],
    ['beforeExit', { beforeExit: 'close' }, 'beforeExit must be a function, got "close"'],
    ['graceMs', { grace: 1000 }, 'unknown option "grace" (did you mean "graceMs"?)'],
  ])('refuses a bad %s (%o), listening for no signal', (name, options, message) => {
    // Prepare
    const before = process.listenerCount('SIGTERM') + process.listenerCount('SIGTREM');

    // Act
    let refusal: unknown;
    try {
      remove = gracefulShutdown(closed, options as never);
    } catch (error) {
      refusal = error;
    }

    // Assert
    expect(refusal).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'node' });
    expect((refusal as Error).message).toMatch(/^gracefulShutdown\(\): /);
    expect((refusal as Error).message).toContain(name);
    expect((refusal as Error).message).toContain(message);
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGTREM')).toBe(before);
  });

  it('takes a signal of another platform (SIGBREAK on Windows), as its type and process.on() do', () => {
    // Act: a list written for Windows and Linux alike
    const before = process.listenerCount('SIGBREAK');
    remove = gracefulShutdown(closed, { signals: ['SIGUSR2', 'SIGBREAK'] });

    // Assert
    expect(process.listenerCount('SIGBREAK')).toBe(before + 1);
  });

  it('refuses options that are no object', () => {
    expect(() => gracefulShutdown(closed, 'SIGTERM' as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: 'gracefulShutdown(): options must be an object, got a string',
      }),
    );
  });
});

/** Runs `node --import tsx <file>` and resolves with its exit code and output. */
function runNode(file: string, env: Readonly<Record<string, string>> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('gracefulShutdown() without an SDK', () => {
  it('loads no OpenTelemetry module on SIGTERM, and exits 0', async () => {
    // Act: a server that serves a request, then gets SIGTERM from itself
    const { code, stdout, stderr } = await runNode(here('./__fixtures__/bare-shutdown.ts'));

    // Assert
    expect(stderr).toBe('skyport: SIGTERM received, finishing 0 in-flight requests\nskyport: stopped\n');
    expect(JSON.parse(stdout)).toEqual({ answered: 'pong', registry: false, loaded: [] });
    expect(code).toBe(0);
  });
});
