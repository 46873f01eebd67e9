/**
 * `ctx.coldStart` for functions run from `serve()`'s event route: true for the first invocation
 * of a process (SPEC §4), whether the event posted is portable or a raw cloud event (run by the
 * cloud's adapter). Core counts contexts per process: each test loads fresh modules, so that each
 * one is a new process whatever ran before it.
 */
import { aws, gcp } from '@skyport/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.resetModules();
});

/**
 * A fresh process's `serve()` with a queue function `q` recording each invocation's
 * `ctx.coldStart`; `post` sends an event to its event route and waits for the answer.
 */
async function freshServer(): Promise<{
  seen: boolean[];
  post: (event: unknown) => Promise<number>;
  close: () => Promise<void>;
}> {
  const { queue } = await import('@skyport/core');
  const { serve } = await import('./serve.js');
  const seen: boolean[] = [];
  const q = queue({ name: 'orders' }).handle((_message, ctx) => {
    seen.push(ctx.coldStart);
  });
  const server = await serve({ q }, { port: 0, host: '127.0.0.1', announce: false });
  const post = async (event: unknown): Promise<number> => {
    const res = await fetch(`${server.url}/_skyport/q`, { method: 'POST', body: JSON.stringify(event) });
    await res.text();
    return res.status;
  };
  return { seen, post, close: () => server.close() };
}

describe("ctx.coldStart on serve()'s event route", () => {
  it.each([
    ['a portable event', () => ({ id: 'm1', body: { orderId: 'o1' } })],
    ['a raw Pub/Sub push envelope', () => gcp.pubsubPush({ data: { orderId: 'o1' } })],
    ['a raw SQS event', () => aws.sqs([{ body: { orderId: 'o1' } }])],
  ])('is true for the first invocation of a process only, given %s', async (_shape, event) => {
    // Prepare
    const server = await freshServer();

    try {
      // Act
      const statuses = [await server.post(event()), await server.post(event())];

      // Assert
      expect(statuses).toEqual([200, 200]);
      expect(server.seen).toEqual([true, false]);
    } finally {
      await server.close();
    }
  });

  it('stays cold after a raw event that is refused without running anything', async () => {
    // Prepare
    const server = await freshServer();

    try {
      // Act
      const refused = await server.post(aws.scheduled());
      const run = await server.post(gcp.pubsubPush({ data: { orderId: 'o1' } }));

      // Assert
      expect([refused, run]).toEqual([400, 200]);
      expect(server.seen).toEqual([true]);
    } finally {
      await server.close();
    }
  });
});
