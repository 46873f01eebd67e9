/**
 * The timer trigger as a portable schedule tick. The host passes `{ isPastDue, schedule,
 * scheduleStatus }`; on a scheduled run `scheduleStatus.next` is still the occurrence being run
 * (the host updates it afterwards), so it is the tick's scheduled time, and on a past-due run it is
 * the missed occurrence. A run that is not an occurrence (`runOnStartup`, a manual run) gets the
 * upcoming one there, later than now: such a run, and one without schedule monitoring (no
 * status), uses the invocation time.
 */
import { type BatchItem, createScheduleTick, type Kind, type ScheduleTick } from '@skyport/core';
import { invalidEvent } from './errors.js';
import { asRecord, asTime } from './metadata.js';

/** How much earlier than its occurrence a timer may fire and still be that occurrence. */
const EARLY_FIRE_MS = 1000;

/**
 * The tick of one timer invocation.
 *
 * @example
 * timerItems({ isPastDue: false, scheduleStatus: { next: '2026-01-01T03:00:00Z' } }, 'nightly', Date.now(), 'schedule');
 */
export function timerItems(trigger: unknown, name: string, now: number, kind: Kind): BatchItem<ScheduleTick>[] {
  const timer = asRecord(trigger);
  if (!timer) throw invalidEvent(kind, 'timerTrigger', 'the timer trigger input must be an object');
  const next = asTime(asRecord(timer.scheduleStatus)?.next);
  const event = createScheduleTick({
    scheduledTime: next !== undefined && next.getTime() <= now + EARLY_FIRE_MS ? next : now,
    isPastDue: timer.isPastDue === true,
    name,
    raw: trigger,
  });
  return [{ id: name, event }];
}
