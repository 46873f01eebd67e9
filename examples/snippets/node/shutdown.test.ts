/**
 * docs/node.md, "Containers": `gracefulShutdown()` on SIGTERM lets in-flight requests finish,
 * refuses new connections and exits 0; a second signal exits at once with 1.
 */
import { expect, it } from 'vitest';
import { run } from './child.js';

const file = 'examples/snippets/node/slow-server.ts';
const listening = /at http:\/\/127\.0\.0\.1:(\d+)\n/;

it('finishes the request in flight, then exits 0', async () => {
  const child = run(file, { SLOW_MS: '500' });
  try {
    const [, port] = await child.waitFor(listening);
    const inflight = fetch(`http://127.0.0.1:${port}/slow`);
    await child.waitFor(/slow request started/);

    child.process.kill('SIGTERM');
    await child.waitFor(/SIGTERM received/, 'stderr');
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();

    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('done');
    expect(await child.exited()).toBe(0);
    expect(child.stderr()).toBe('skyport: SIGTERM received, finishing 1 in-flight request\nskyport: stopped\n');
  } finally {
    child.process.kill('SIGKILL');
  }
});

it('exits at once with 1 on a second signal', async () => {
  const child = run(file, { SLOW_MS: '60000' });
  try {
    const [, port] = await child.waitFor(listening);
    const inflight = fetch(`http://127.0.0.1:${port}/slow`).catch((error: unknown) => error);
    await child.waitFor(/slow request started/);

    child.process.kill('SIGTERM');
    await child.waitFor(/SIGTERM received/, 'stderr');
    const started = performance.now();
    child.process.kill('SIGINT');
    expect(await child.exited()).toBe(1);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(child.stderr()).toContain('skyport: SIGINT again, exiting now');
    expect(await inflight).toBeInstanceOf(Error);
  } finally {
    child.process.kill('SIGKILL');
  }
});
