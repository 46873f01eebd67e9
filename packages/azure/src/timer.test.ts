import { type ScheduleTick, schedule } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { fixture, invocation } from '../test/helpers.js';
import { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';

const timerTrigger = { options: { trigger: { type: 'timerTrigger', name: 'timer', schedule: '0 0 3 * * *' } } };

describe('toAzure: timer', () => {
  it('maps the timer object (fixture): the occurrence being run and isPastDue', async () => {
    // Prepare
    const timer = fixture<Record<string, unknown>>('timer/azure-docs__timer-object.nodejs.json');
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '*/5 * * * *', name: 'sweep' }).handle((tick) => {
      seen.push(tick);
    });

    // Act
    await toAzure(fn)(timer, invocation(timerTrigger).context);
    await toAzure(fn)({ ...timer, isPastDue: true }, invocation().context);

    // Assert
    expect(seen).toEqual([
      { scheduledTime: new Date('2016-10-04T10:20:00Z'), isPastDue: false, name: 'sweep', raw: timer },
      {
        scheduledTime: new Date('2016-10-04T10:20:00Z'),
        isPastDue: true,
        name: 'sweep',
        raw: { ...timer, isPastDue: true },
      },
    ]);
  });

  it('uses the invocation time without schedule status and the function name without a schedule name', async () => {
    // Prepare
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *' }).handle((tick) => {
      seen.push(tick);
    });
    const before = Date.now();

    // Act
    await toAzure(fn)(
      { isPastDue: false, schedule: { adjustForDST: true } },
      invocation({ functionName: 'nightly' }).context,
    );

    // Assert
    expect(seen[0]?.name).toBe('nightly');
    expect(seen[0]?.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(seen[0]?.scheduledTime.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('uses the invocation time for a run on startup, whose next occurrence is still to come', async () => {
    // Prepare
    const seen: ScheduleTick[] = [];
    const fn = schedule({ cron: '0 3 * * *' }).handle((tick) => {
      seen.push(tick);
    });
    const before = Date.now();
    const upcoming = new Date(before + 6 * 3600_000).toISOString();
    const last = new Date(before - 18 * 3600_000).toISOString();
    const startup = { isPastDue: false, scheduleStatus: { last, next: upcoming, lastUpdated: last } };

    // A timer may fire a moment before its occurrence: that run is still the occurrence.
    const imminent = new Date(before + 200).toISOString();

    // Act
    await toAzure(fn)(startup, invocation(timerTrigger).context);
    await toAzure(fn)({ ...startup, isPastDue: true }, invocation(timerTrigger).context);
    await toAzure(fn)({ isPastDue: false, scheduleStatus: { next: imminent } }, invocation(timerTrigger).context);

    // Assert
    expect(seen.map((tick) => tick.isPastDue)).toEqual([false, true, false]);
    expect(seen[2]?.scheduledTime.toISOString()).toBe(imminent);
    for (const tick of seen.slice(0, 2)) {
      expect(tick.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
      expect(tick.scheduledTime.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it('throws when the handler fails (retried only under a retry policy) and refuses non-objects', async () => {
    const fn = schedule({ cron: '0 3 * * *' }).handle(() => {
      throw new Error('report failed');
    });
    await expect(toAzure(fn)({ isPastDue: false, scheduleStatus: null }, invocation().context)).rejects.toBeInstanceOf(
      BatchFailedError,
    );
    await expect(toAzure(fn)('tick', invocation(timerTrigger).context)).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      shape: 'timerTrigger',
    });
  });
});
