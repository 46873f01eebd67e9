import http from 'node:http';
import { http as httpFunction } from '@skyport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';

// The framework's own server, with its request timeout on (as `CLOUD_RUN_TIMEOUT_SECONDS` turns
// it on in Cloud Run).
afterEach(closeAll);

const settle = (signal: AbortSignal, ms: number) =>
  new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('not aborted'), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(String(signal.reason instanceof Error ? signal.reason.name : signal.reason));
    });
  });

describe('ctx.signal on the Functions Framework', () => {
  it('stays quiet for requests whose client waits for the answer, on kept-alive and new connections', async () => {
    // Prepare
    let aborted = 0;
    const fn = httpFunction({ method: 'POST' }).handle(async (_req, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (ctx.signal.aborted) aborted++;
      return { ok: true };
    });
    const port = await listen(toGcp(fn), 300_000);
    const post = (agent: http.Agent | false) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            agent,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end('{"a":1}');
      });
    const keepAlive = new http.Agent({ keepAlive: true });

    // Act
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await post(keepAlive), await post(false));
    keepAlive.destroy();

    // Assert
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(aborted).toBe(0);
  });

  it('aborts when the client leaves before the answer', async () => {
    // Prepare
    let outcome: Promise<string> | undefined;
    const fn = httpFunction({ method: 'GET' }).handle((_req, ctx) => {
      outcome = settle(ctx.signal, 5_000);
      return outcome;
    });
    const port = await listen(toGcp(fn), 300_000);

    // Act: the client goes away while the handler waits.
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false });
    req.on('error', () => undefined);
    while (outcome === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    req.destroy();

    // Assert
    expect(await outcome).toBe('AbortError');
  });

  it("aborts on the framework's request timeout", async () => {
    // Prepare
    let outcome: Promise<string> | undefined;
    const fn = httpFunction({ method: 'GET' }).handle((_req, ctx) => {
      outcome = settle(ctx.signal, 5_000);
      return outcome;
    });
    const port = await listen(toGcp(fn), 100);

    // Act
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
    });

    // Assert
    expect(await outcome).toBe('TimeoutError');
    expect(status).toBeGreaterThanOrEqual(0);
  });
});
