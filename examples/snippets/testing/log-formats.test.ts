/** docs/testing.md, "Logs": what `collectLogs()` holds, and the level fields of each format. */
import { http } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { expect, it } from 'vitest';

const failing = (log: 'built-in' | 'logger()') => {
  const base = http({ method: 'GET', path: '/boom' });
  const fn = log === 'logger()' ? base.use(logger({ summary: false })) : base;
  return fn.handle((_req, ctx) => {
    ctx.log.info('about to fail');
    throw new Error('database down');
  });
};

it('keeps every line parsed, the raw text, and finds lines by message', async () => {
  const logs = collectLogs();
  try {
    await invoke(failing('built-in'), httpRequest({ path: '/boom' }));
    expect(logs.lines.map((line) => line.msg)).toEqual(['about to fail', '500 Internal Server Error']);
    expect(
      logs
        .text()
        .split('\n')
        .map((text) => JSON.parse(text)),
    ).toEqual(logs.lines);
    expect(logs.find('500')).toHaveLength(1);
  } finally {
    logs.restore();
  }
});

it('keeps the format of the cloud, with logger() and the built-in logger alike', async () => {
  const levels = async (log: 'built-in' | 'logger()', cloud: 'node' | 'azure' | 'aws' | 'gcp') => {
    const logs = collectLogs();
    try {
      await invoke(failing(log), httpRequest({ path: '/boom' }), { cloud });
      const [line] = logs.find('500 Internal Server Error');
      return { level: line?.level, severity: line?.severity, found: logs.find('about to fail').length };
    } finally {
      logs.restore();
    }
  };
  for (const log of ['logger()', 'built-in'] as const) {
    expect(await levels(log, 'node')).toEqual({ level: 'error', severity: undefined, found: 1 });
    expect(await levels(log, 'azure')).toEqual({ level: 'error', severity: undefined, found: 1 });
    expect(await levels(log, 'aws')).toEqual({ level: 'ERROR', severity: undefined, found: 1 });
    expect(await levels(log, 'gcp')).toEqual({ level: undefined, severity: 'ERROR', found: 1 });
  }
});
