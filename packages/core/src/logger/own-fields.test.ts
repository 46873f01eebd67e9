/**
 * A logged record's own `level`, `time` / `timestamp` (and `severity` on Google Cloud) never
 * replaces or repeats the fields a line writes itself, which the platform reads: Lambda takes a
 * line whose `level` or `timestamp` is not its own for INFO (and drops it under a log level
 * filter); Cloud Logging reads `severity` and `time`. Such fields are written with a leading `_`,
 * as is a logged `requestId`, so the invocation's stays the one lines are found by.
 */
import { http } from '@skyport/core';
import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { logger } from './index.js';

const record = {
  id: 'o-1',
  timestamp: 1733612345000,
  time: 1733612345001,
  level: 'gold',
  severity: 'low',
  requestId: 'upstream-42',
};

/** The raw text and the parsed fields of the one line the handler logs, on `cloud`, with or without `logger()`. */
async function lineOf(cloud: 'aws' | 'gcp' | 'node', withLogger: boolean, child = false) {
  const logs = collectLogs();
  try {
    const base = http();
    const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle((_req, ctx) => {
      if (child) ctx.log.child({ level: 'gold', timestamp: 1, severity: 'low' }).error('record rejected');
      else ctx.log.error(record, 'record rejected');
      return 'ok';
    });
    await invoke(fn, httpRequest(), { cloud, requestId: 'req-1' });
    const text =
      logs
        .text()
        .split('\n')
        .find((line) => line.includes('record rejected')) ?? '';
    return { text, line: JSON.parse(text) as Record<string, unknown> };
  } finally {
    logs.restore();
  }
}

describe.each([false, true])('with logger(): %s', (withLogger) => {
  it('keeps an AWS line an ERROR with its own timestamp and request id', async () => {
    const { text, line } = await lineOf('aws', withLogger);
    expect(line.level).toBe('ERROR');
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(line.requestId).toBe('req-1');
    expect(text.match(/"level":/g)).toHaveLength(1);
    expect(text.match(/"timestamp":/g)).toHaveLength(1);
    expect(line).toMatchObject({ id: 'o-1', _timestamp: 1733612345000, _level: 'gold', _requestId: 'upstream-42' });
  });

  it('keeps a Google Cloud line an ERROR with its own time', async () => {
    const { text, line } = await lineOf('gcp', withLogger);
    expect(line.severity).toBe('ERROR');
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(text.match(/"severity":/g)).toHaveLength(1);
    expect(line).toMatchObject({ _severity: 'low', _time: 1733612345001, _timestamp: 1733612345000 });
  });

  it('keeps a JSON line at its level and time', async () => {
    const { text, line } = await lineOf('node', withLogger);
    expect(line.level).toBe('error');
    expect(typeof line.time).toBe('number');
    expect(line.time).not.toBe(1733612345001);
    expect(text.match(/"level":/g)).toHaveLength(1);
    expect(line).toMatchObject({ _level: 'gold', _time: 1733612345001, timestamp: 1733612345000 });
  });

  it("renames a child's bound level and timestamp too", async () => {
    const { text, line } = await lineOf('aws', withLogger, true);
    expect(line.level).toBe('ERROR');
    expect(text.match(/"timestamp":/g)).toHaveLength(1);
    expect(line).toMatchObject({ _level: 'gold', _timestamp: 1, severity: 'low' });
  });
});

describe('a renamed field', () => {
  it('stays redacted when a redact path names it', async () => {
    const logs = collectLogs();
    try {
      const fn = http()
        .use(logger({ summary: false, redact: ['card', 'timestamp', 'level'] }))
        .handle((_req, ctx) => {
          ctx.log.warn({ card: '4242', timestamp: 17, level: 'gold' }, 'payment seen');
          return 'ok';
        });
      await invoke(fn, httpRequest(), { cloud: 'aws', requestId: 'req-1' });
      const line = logs.find('payment seen')[0];
      expect(line).toMatchObject({ card: '[Redacted]', _timestamp: '[Redacted]', _level: '[Redacted]' });
    } finally {
      logs.restore();
    }
  });

  it.each([false, true])('keeps a field already named with an underscore (logger(): %s)', async (withLogger) => {
    const logs = collectLogs();
    try {
      const base = http();
      const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle((_req, ctx) => {
        ctx.log.info({ level: 'a', _level: 'b' }, 'both');
        return 'ok';
      });
      await invoke(fn, httpRequest(), { cloud: 'aws' });
      expect(logs.find('both')[0]).toMatchObject({ level: 'INFO', _level: 'b', __level: 'a' });
    } finally {
      logs.restore();
    }
  });
});
