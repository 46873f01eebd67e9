/**
 * The timer trigger as a portable schedule tick. The host passes `{ isPastDue, schedule,
 * scheduleStatus }`; `scheduleStatus.next` is still the occurrence being run when the handler is
 * invoked (the host updates it afterwards), so it is the tick's scheduled time. Without schedule
 * monitoring there is no status, and the invocation time is used.
 */
import { type BatchItem, createScheduleTick, type Kind, type ScheduleTick } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asRecord, asTime } from './metadata.js';

/**
 * The tick of one timer invocation.
 *
 * @example
 * timerItems({ isPastDue: false, scheduleStatus: { next: '2026-01-01T03:00:00Z' } }, 'nightly', Date.now(), 'schedule');
 */
export function timerItems(trigger: unknown, name: string, now: number, kind: Kind): BatchItem<ScheduleTick>[] {
  const timer = asRecord(trigger);
  if (!timer) throw invalidEvent(kind, 'timerTrigger', 'the timer trigger input must be an object');
  const status = asRecord(timer.scheduleStatus);
  const event = createScheduleTick({
    scheduledTime: asTime(status?.next) ?? now,
    isPastDue: timer.isPastDue === true,
    name,
    raw: trigger,
  });
  return [{ id: name, event }];
}
