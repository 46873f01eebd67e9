import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { promiseHooks, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { http } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { gate, start } from './__fixtures__/servers.js';

/** Opens an event stream at `url`, reads its first chunk and goes away. */
function cut(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', reject);
  });
}

/** Polls `check` until it holds or `ms` pass. */
async function until(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
  return check();
}

describe('serve() with producers whose stream was cancelled', () => {
  it('keeps nothing of a cut stream whose producer never resumes', async () => {
    // Prepare: a way to collect garbage, and producers that wait on something that never comes
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const producers: WeakRef<object>[] = [];
    const stuck = http({ method: 'GET', path: '/events', stream: true }).handle(() => {
      const body = (async function* () {
        yield 'data: hello\n\n';
        await new Promise(() => {});
      })();
      producers.push(new WeakRef(body));
      return { status: 200, headers: { 'content-type': 'text/event-stream' }, body };
    });
    const server = await start({ stuck }, { shutdownTimeoutMs: 100 });
    await cut(`${server.url}/events`);
    const cuts = 50;
    const made: WeakRef<Promise<unknown>>[] = [];

    // Act: every promise made while the clients come and leave is watched
    const stop = promiseHooks.onInit((promise) => {
      made.push(new WeakRef(promise));
    });
    try {
      for (let i = 0; i < cuts; i++) await cut(`${server.url}/events`);
    } finally {
      stop();
    }
    expect(await until(() => server.inflight === 0)).toBe(true);
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(10);
    }

    // Assert: no promise of a cut stream is left (those of the producers' cancellations were
    // kept for the life of the server), nor a producer
    const kept = made.filter((ref) => ref.deref() !== undefined).length;
    expect(made.length).toBeGreaterThan(cuts);
    expect(kept).toBeLessThan(cuts);
    expect(producers.filter((ref) => ref.deref() !== undefined)).toEqual([]);
  });

  it('close() waits for the producers of clients that left before it until each has stopped', async () => {
    // Prepare: two producers that wait for a go, then release a lease as they stop
    const steps: string[] = [];
    const go = [gate(), gate()];
    let n = 0;
    const feed = http({ method: 'GET', path: '/feed', stream: true }).handle(() => {
      const mine = n++;
      return (async function* () {
        try {
          yield 'data: hello\n\n';
          await go[mine]?.wait;
          yield 'data: late\n\n';
        } finally {
          await sleep(20);
          steps.push(`lease ${mine} released`);
        }
      })();
    });
    const server = await start({ feed }, { shutdownTimeoutMs: 5000 });
    await cut(`${server.url}/feed`);
    await cut(`${server.url}/feed`);
    expect(await until(() => server.inflight === 0)).toBe(true);

    // Act
    const before = Date.now();
    const closed = server.close().then(() => steps.push('closed'));
    await sleep(100);
    go[0]?.open();
    await sleep(100);
    expect(steps).toEqual(['lease 0 released']);
    go[1]?.open();
    await closed;
    const took = Date.now() - before;

    // Assert: closed once both had stopped, not at the end of the grace
    expect(steps).toEqual(['lease 0 released', 'lease 1 released', 'closed']);
    expect(took).toBeLessThan(1000);
  });

  it('close() waits for a producer that never stops no longer than the wind-up bound', async () => {
    // Prepare
    const stuck = http({ method: 'GET', path: '/events', stream: true }).handle(() =>
      (async function* () {
        yield 'data: hello\n\n';
        await new Promise(() => {});
      })(),
    );
    const server = await start({ stuck }, { shutdownTimeoutMs: 100 });
    await cut(`${server.url}/events`);
    expect(await until(() => server.inflight === 0)).toBe(true);

    // Act
    const before = Date.now();
    await server.close();
    const took = Date.now() - before;

    // Assert: the 1 s wind-up (longer than what is left of the grace), and not beyond it
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(1800);
  });
});
