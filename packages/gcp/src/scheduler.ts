/**
 * Cloud Scheduler ticks: an HTTP target job (the `X-CloudScheduler*` headers, any body), a
 * `google.cloud.scheduler.job.v1.executed` CloudEvent (`data.customData` base64), or a job
 * that publishes to Pub/Sub (the message's publish time is the tick).
 */
import { createScheduleTick, type ScheduleTick } from '@skyport/core';
import type { ParsedCloudEvent } from './cloudevent.js';
import type { PubSubFields } from './pubsub.js';

/** The CloudEvent type of a Cloud Scheduler job execution. */
export const SCHEDULER_TYPE = 'google.cloud.scheduler.job.v1.executed';

/** Whether normalised headers come from a Cloud Scheduler HTTP target. */
export function isSchedulerRequest(headers: Readonly<Record<string, string>>): boolean {
  return headers['x-cloudscheduler'] !== undefined || headers['x-cloudscheduler-jobname'] !== undefined;
}

/**
 * The tick of a Cloud Scheduler HTTP target request. The job name falls back to `name`.
 *
 * @example
 * fromSchedulerHeaders({ 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'nightly' }, 'nightly', req);
 */
export function fromSchedulerHeaders(
  headers: Readonly<Record<string, string>>,
  name: string,
  raw: unknown,
): ScheduleTick {
  return createScheduleTick({
    scheduledTime: headers['x-cloudscheduler-scheduletime'],
    name: headers['x-cloudscheduler-jobname'] || name,
    raw,
  });
}

/**
 * The tick of a Cloud Scheduler CloudEvent; the job name is the last segment of the source.
 *
 * @example
 * fromSchedulerEvent(event, 'nightly').name;
 */
export function fromSchedulerEvent(event: ParsedCloudEvent, name: string): ScheduleTick {
  const job = event.source.match(/\/jobs\/([^/]+)$/)?.[1];
  return createScheduleTick({ scheduledTime: event.time, name: job ?? name, raw: event.raw });
}

/**
 * The tick of a scheduled Pub/Sub message.
 *
 * @example
 * fromSchedulerMessage(fields, 'nightly', envelope);
 */
export function fromSchedulerMessage(fields: PubSubFields, name: string, raw: unknown): ScheduleTick {
  return createScheduleTick({ scheduledTime: fields.publishTime, name, raw });
}
