/**
 * `logger()` and `tracing()` when the client of a non-streamed answer leaves before it is sent:
 * the handler, which passed `ctx.signal` on, rejects with the abort `serve()` gives the signal.
 * That is no failure of the function: the summary line is at `info`, marked `cancelled`, the span
 * status stays unset, and `faas.errors` does not count it. A deadline stays a failed 504.
 */
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { http } from '@skyport/core';
import { serve } from '@skyport/node';
import { collectLogs, type LogCollector, type LogLine } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoggerOptions, logger } from '../logger/index.js';
import { useTestSdk } from './__fixtures__/sdk.js';
import { tracing } from './index.js';

const { exporter, reader } = useTestSdk();

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

const summaries = (): LogLine[] =>
  logs.lines.filter((line) => line.msg === 'invocation completed' || line.msg === 'invocation failed');

/** Polls `check` until it holds or two seconds pass. */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!check() && Date.now() < end) await sleep(5);
}

/** A GET of `url` that waits for its answer, or gives up after `leaveMs` (destroying the socket). */
function get(url: string, leaveMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(undefined));
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, leaveMs);
  });
}

/** The function of the report: it waits two seconds on `ctx.signal`. */
const slow = (name: string, options: LoggerOptions) =>
  http({ method: 'GET', path: '/slow' })
    .use(logger(options))
    .use(tracing())
    .handle(async (_req, ctx) => {
      await sleep(2_000, undefined, { signal: ctx.signal });
      ctx.log.info(`${name} done`);
    });

/** The spans named `GET /slow` ended so far. */
const spans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === 'GET /slow');

/** The sum of `faas.invocations` and `faas.errors` recorded for `faasName` since the last collection. */
async function counts(faasName: string): Promise<{ invocations: number; errors: number }> {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.filter((s) => s.scope.name === '@skyport/core').flatMap((s) => s.metrics);
  const sum = (name: string) =>
    ((all.find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<number>[])
      .filter((point) => point.attributes['faas.name'] === faasName)
      .reduce((total, point) => total + point.value, 0);
  return { invocations: sum('faas.invocations'), errors: sum('faas.errors') };
}

// Without and with redaction paths: the summary is serialised by hand, or by pino.
const variants: [string, LoggerOptions][] = [
  ['', {}],
  [' (with redact paths)', { redact: ['body.card'] }],
];

describe.each(variants)('logger() and tracing() on serve()%s', (_label, options) => {
  it('record a client that leaves before the answer as cancelled, not failed', async () => {
    // Prepare
    const name = `left${options.redact === undefined ? '' : '-redacted'}`;
    const server = await serve({ [name]: slow(name, options) }, { port: 0, host: '127.0.0.1', announce: false });
    const before = await counts(name);
    try {
      // Act: the client hangs up after 100 ms.
      expect(await get(`${server.url}/slow`, 100)).toBeUndefined();
      await until(() => summaries().length > 0 && spans().length > 0);
    } finally {
      await server.close();
    }

    // Assert: the summary line
    const lines = summaries();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'invocation completed',
      outcome: 'success',
      method: 'GET',
      route: '/slow',
      cancelled: true,
    });
    expect(lines[0]).not.toHaveProperty('errorType');
    expect(lines[0]).not.toHaveProperty('status');
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    // Assert: the span and the metrics
    const [span] = spans();
    expect(spans()).toHaveLength(1);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.events.filter((event) => event.name === 'exception')).toEqual([]);
    expect(span?.attributes).not.toHaveProperty('error.type');
    expect(span?.attributes).not.toHaveProperty('http.response.status_code');
    const after = await counts(name);
    expect(after.invocations - before.invocations).toBe(1);
    expect(after.errors - before.errors).toBe(0);
  });

  it('still record a deadline as a failed 504', async () => {
    // Prepare: the deadline aborts `ctx.signal` with a `TimeoutError` before the client gives up.
    const name = `deadline${options.redact === undefined ? '' : '-redacted'}`;
    const server = await serve(
      { [name]: slow(name, options) },
      { port: 0, host: '127.0.0.1', announce: false, timeoutMs: 150 },
    );
    const before = await counts(name);
    let status: number | undefined;
    try {
      // Act
      status = await get(`${server.url}/slow`, 1_500);
      await until(() => summaries().length > 0 && spans().length > 0);
    } finally {
      await server.close();
    }

    // Assert
    expect(status).toBe(504);
    const lines = summaries();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'invocation failed',
      outcome: 'error',
      status: 504,
      errorType: 'AbortError',
    });
    expect(lines[0]).not.toHaveProperty('cancelled');
    const [span] = spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['http.response.status_code']).toBe(504);
    const after = await counts(name);
    expect(after.errors - before.errors).toBe(1);
  });
});
