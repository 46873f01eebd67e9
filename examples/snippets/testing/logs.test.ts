/** docs/testing.md, "Logs": `collectLogs()` around one invocation. */
import { collectLogs, invoke, scheduleTick } from '@skyport/testing';
import { expect, it } from 'vitest';
import { nightlyReport } from './src/functions.js';

it('logs the nightly report', async () => {
  const logs = collectLogs();
  try {
    await invoke(nightlyReport, scheduleTick());
    expect(logs.find('nightly report')).toHaveLength(1);
    expect(logs.find((line) => line.level === 'error')).toEqual([]);
  } finally {
    logs.restore();
  }
});
