/**
 * Amazon EventBridge: custom and AWS events as CloudEvents (`detail-type` is the type, `detail`
 * the data, `account` / `region` / `resources` extensions), and schedules (rules with
 * `Scheduled Event`, and EventBridge Scheduler) as schedule ticks named after the rule or
 * schedule in `resources`.
 */
import { type CloudEvent, createCloudEvent, createScheduleTick, type ScheduleTick } from '@skyport/core';
import { arnName, type Obj, str } from './read.js';

/**
 * Maps an EventBridge event to a CloudEvent.
 *
 * @example
 * const event = cloudEventFromEventBridge({ id: '1', source: 'orders', 'detail-type': 'OrderPlaced', detail: {} });
 */
export function cloudEventFromEventBridge(event: Obj): CloudEvent {
  const resources = Array.isArray(event.resources) ? event.resources.filter((r) => typeof r === 'string') : [];
  const extensions: Record<string, unknown> = { resources };
  if (typeof event.account === 'string') extensions.account = event.account;
  if (typeof event.region === 'string') extensions.region = event.region;
  return createCloudEvent({
    id: str(event.id) ?? '',
    source: str(event.source) ?? '',
    type: str(event['detail-type']) ?? '',
    time: str(event.time),
    datacontenttype: 'application/json',
    data: event.detail,
    extensions,
    raw: event,
  });
}

/**
 * Maps a scheduled event (rule or Scheduler) to a tick; `fallbackName` names it when the event
 * has no ARN in `resources` (a Scheduler target with an empty input).
 *
 * @example
 * scheduleTickFromEventBridge(event, 'nightly').name; // 'my-schedule' for rule/my-schedule
 */
export function scheduleTickFromEventBridge(event: Obj, fallbackName: string): ScheduleTick {
  const resource = Array.isArray(event.resources) ? event.resources[0] : undefined;
  return createScheduleTick({
    scheduledTime: str(event.time),
    name: (typeof resource === 'string' && arnName(resource)) || fallbackName,
    raw: event,
  });
}
