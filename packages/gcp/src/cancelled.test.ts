import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { http as httpFunction } from '@skyport/core';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(async () => {
  logs.restore();
  await closeAll();
});

/** Sends a GET to the port and goes away after `ms`, without waiting for the answer. */
function leaveAfter(port: number, ms: number): void {
  const req = http.get({ host: '127.0.0.1', port, path: '/slow', agent: false });
  req.on('error', () => undefined);
  setTimeout(() => req.destroy(), ms);
}

describe('the Functions Framework when the client leaves before the answer', () => {
  it('logs no failure for a handler that passed ctx.signal on and was aborted', async () => {
    // Prepare
    let settled: Promise<unknown> | undefined;
    const fn = httpFunction({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
      settled = sleep(2_000, undefined, { signal: ctx.signal });
      await settled;
      return { ok: true };
    });
    const port = await listen(toGcp(fn), 300_000);

    // Act
    leaveAfter(port, 100);
    while (settled === undefined) await sleep(5);
    await settled.catch(() => undefined);
    await sleep(50);

    // Assert
    expect(logs.lines.filter((line) => line.level === 'error' || line.severity === 'ERROR')).toEqual([]);
    expect(logs.find('500 Internal Server Error')).toHaveLength(0);
  });

  it("keeps the framework's request timeout a logged 504", async () => {
    // Prepare
    const fn = httpFunction({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
      await sleep(2_000, undefined, { signal: ctx.signal });
      return { ok: true };
    });
    const port = await listen(toGcp(fn), 100);

    // Act
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/slow', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
    });
    await sleep(50);

    // Assert
    expect(status).toBeGreaterThanOrEqual(0);
    expect(logs.find('504 Gateway Timeout')).toHaveLength(1);
  });
});
