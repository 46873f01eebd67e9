import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../__fixtures__/collector.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const cli = here('../cli.ts');
const traced = here('./__fixtures__/traced.ts');

/**
 * `skyport serve` of the traced fixture with `flags`, exporting to `collector`: one request, then
 * SIGTERM; resolves with the exit code, stderr and how long the stop took.
 */
async function serveAndStop(collector: Collector, flags: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', traced, '--port', '0', '--host', '127.0.0.1', ...flags],
    {
      env: { ...process.env, NODE_ENV: 'test', SKYPORT_TSX: '', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0];
      if (found) resolve(found);
    });
    void closed.then(() => reject(new Error(`exited before listening: ${stdout}${stderr}`)));
  });
  try {
    expect(await (await fetch(`${url}/ping`)).text()).toBe('pong');
    // The span waits in the SDK's batch processor (5 s by default), the metrics for 60 s.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = collector.posts.length;
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await closed;
    return { code, stderr, before, tookMs: Date.now() - signalled };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('skyport serve on SIGTERM', () => {
  let collector: Collector | undefined;

  afterEach(async () => {
    await collector?.close();
    collector = undefined;
  });

  it('flushes the spans and metrics of the SDK the module started, then exits 0', async () => {
    // Prepare
    collector = await startCollector();

    // Act
    const { code, stderr, before } = await serveAndStop(collector);

    // Assert
    expect(before).toBe(0);
    expect(code).toBe(0);
    expect(stderr).toBe('skyport: SIGTERM received, finishing 0 in-flight requests\nskyport: stopped\n');
    const paths = collector.posts.map((post) => post.path).sort();
    expect(paths).toEqual(['/v1/metrics', '/v1/traces']);
    expect(collector.posts.find((post) => post.path === '/v1/traces')?.body).toContain('GET /ping');
  });

  it('gives a flush that hangs --shutdown-timeout plus 1.5 s from the signal, then exits 0', async () => {
    // Prepare: a collector that never answers
    collector = await startCollector(false);

    // Act
    const { code, stderr, tookMs } = await serveAndStop(collector, ['--shutdown-timeout', '500']);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toContain('skyport: telemetry flush still running 2000 ms after the signal, exiting');
    expect(tookMs).toBeGreaterThanOrEqual(1900);
    expect(tookMs).toBeLessThan(5000);
  });
});
