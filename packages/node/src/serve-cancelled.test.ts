import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { http } from '@skyport/core';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from './__fixtures__/servers.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

/** Sends a GET to `url` and goes away after `ms`, without waiting for the answer. */
function leaveAfter(url: string, ms: number): void {
  const req = request(url);
  req.on('error', () => undefined);
  req.end();
  setTimeout(() => req.destroy(), ms);
}

describe('serve() when the client leaves before the answer', () => {
  it('logs no failure for a handler that passed ctx.signal on and was aborted', async () => {
    // Prepare
    let settled: Promise<unknown> | undefined;
    const slow = http({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
      settled = sleep(2_000, undefined, { signal: ctx.signal });
      await settled;
      return { ok: true };
    });
    const server = await start({ slow });

    // Act
    leaveAfter(`${server.url}/slow`, 100);
    while (settled === undefined) await sleep(5);
    await settled.catch(() => undefined);
    await sleep(50);

    // Assert
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logs.find('500 Internal Server Error')).toHaveLength(0);
  });

  it('still logs a handler that fails of its own after the client left', async () => {
    // Prepare
    let failed: Promise<unknown> | undefined;
    const slow = http({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
      failed = sleep(2_000, undefined, { signal: ctx.signal }).catch(() => undefined);
      await failed;
      throw new Error('database down');
    });
    const server = await start({ slow });

    // Act
    leaveAfter(`${server.url}/slow`, 100);
    while (failed === undefined) await sleep(5);
    await failed;
    await sleep(50);

    // Assert
    expect(logs.find('500 Internal Server Error')).toMatchObject([{ err: { message: 'database down' } }]);
  });
});
