/**
 * `logger()` with a streamed answer (`http({ stream: true })`): the invocation lasts until its
 * content is sent, so its one summary line is written when the stream settles, with the outcome
 * and duration of the whole answer, through `serve()` (sent as produced) and `invoke()` (read whole).
 */
import { get, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { http } from '@skyport/core';
import { serve } from '@skyport/node';
import { collectLogs, httpRequest, invoke, type LogCollector, type LogLine } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoggerOptions, logger } from './index.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

const summaries = () =>
  logs.lines.filter((line) => line.msg === 'invocation completed' || line.msg === 'invocation failed');

/** Polls `check` until it holds or two seconds pass. */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!check() && Date.now() < end) await sleep(5);
}

/** A GET whose response arrives as soon as its head does. */
function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, resolve).on('error', reject);
  });
}

/** Reads a response body until it ends or is cut off. */
function drain(res: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    res.resume();
    res.on('end', resolve);
    res.on('aborted', resolve);
    res.on('error', resolve);
    res.on('close', resolve);
  });
}

/** An event stream whose producer yields `a`, waits 40 ms, logs, then ends or fails. */
const events = (options: LoggerOptions, fails: boolean) =>
  http({ method: 'GET', path: '/events', stream: true })
    .use(logger(options))
    .handle((_req, ctx) => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield 'a';
        await sleep(40);
        ctx.log.info('producer done waiting');
        if (fails) throw new TypeError('producer failed');
        yield 'b';
      })(),
    }));

// Without and with redaction paths: the summary is serialised by hand, or by pino.
const variants: [string, LoggerOptions][] = [
  ['', {}],
  [' (with redact paths)', { redact: ['body.card'] }],
];

describe('logger() with a streamed answer', () => {
  describe.each(variants)('summary line%s', (_label, options) => {
    it('is an error line when the producer fails after the head was sent by serve()', async () => {
      // Prepare
      const server = await serve({ events: events(options, true) }, { port: 0, host: '127.0.0.1', announce: false });
      try {
        // Act
        await drain(await open(`${server.url}/events`));
        await until(() => summaries().length > 0);
      } finally {
        await server.close();
      }

      // Assert
      const lines = summaries();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 'error',
        msg: 'invocation failed',
        outcome: 'error',
        status: 200,
        errorType: 'TypeError',
        method: 'GET',
        route: '/events',
      });
      expect(lines[0]?.durationMs).toBeGreaterThanOrEqual(30);
      const order = logs.lines.map((line) => line.msg);
      expect(order.indexOf('producer done waiting')).toBeLessThan(order.indexOf('invocation failed'));
    });

    it('is an error line when a stream read whole by invoke() fails', async () => {
      // Act
      await invoke(events(options, true), httpRequest({ path: '/events' }));

      // Assert
      const lines = summaries();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', outcome: 'error', status: 200, errorType: 'TypeError' });
      expect(lines[0]?.durationMs).toBeGreaterThanOrEqual(30);
    });

    it('is written after the last chunk, with the duration of the whole answer', async () => {
      // Act
      const res = await invoke(events(options, false), httpRequest({ path: '/events' }));

      // Assert
      expect(res.status).toBe(200);
      const lines = summaries();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', msg: 'invocation completed', outcome: 'success', status: 200 });
      expect(lines[0]).not.toHaveProperty('cancelled');
      expect(lines[0]?.durationMs).toBeGreaterThanOrEqual(30);
      const order = logs.lines.map((line) => line.msg);
      expect(order.indexOf('producer done waiting')).toBeLessThan(order.indexOf('invocation completed'));
    });

    it('keeps the head outcome, marked cancelled, when the client leaves mid-stream', async () => {
      // Prepare
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const fn = http({ method: 'GET', path: '/events', stream: true })
        .use(logger(options))
        .handle(() => ({
          status: 200,
          body: (async function* () {
            yield 'a';
            await held;
            yield 'b';
          })(),
        }));
      const server = await serve({ events: fn }, { port: 0, host: '127.0.0.1', announce: false });
      try {
        // Act
        const res = await open(`${server.url}/events`);
        await new Promise((resolve) => res.once('data', resolve));
        res.destroy();
        await until(() => summaries().length > 0);
      } finally {
        release();
        await server.close();
      }

      // Assert: a client hanging up is no failure of the function.
      const lines = summaries();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 'info',
        msg: 'invocation completed',
        outcome: 'success',
        status: 200,
        cancelled: true,
      });
      expect(lines[0]).not.toHaveProperty('errorType');
    });

    it('is written with the head for a HEAD request, whose stream is never read', async () => {
      // Act
      await invoke(events(options, true), httpRequest({ method: 'HEAD', path: '/events' }));

      // Assert
      const lines: LogLine[] = summaries();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', outcome: 'success', method: 'HEAD', status: 200 });
      expect(lines[0]).not.toHaveProperty('cancelled');
    });
  });
});
