/**
 * A `schedule()` cron as an EventBridge schedule expression. EventBridge (rules and Scheduler)
 * takes a Quartz-like 6-field cron: days of the week are 1-7 for Sunday-Saturday (standard cron's
 * 0-7 with 0 and 7 for Sunday), one of day-of-month and day-of-week must be `?`, a year field
 * ends it, and day-of-week is documented without `/` steps.
 */
import {
  type CronField,
  type CronPart,
  parseCron,
  type ScheduleOptions,
  SkyportError,
  type SkyportFunction,
} from '@skyport/core';

function values({ start, end, step = 1 }: CronPart): number[] {
  const list: number[] = [];
  for (let v = start; v <= end; v += step) list.push(v);
  return list;
}

/**
 * A minute, hour, day-of-month or month field in the forms the EventBridge documentation gives:
 * numbers, `*`, `a-b`, and a step as `a/n` (to the field's end) when it is the whole field and
 * repeats within it; any other step (a range ending earlier, a step inside a list, one as long as
 * the field) becomes the list of its values.
 */
function plain(field: CronField): string {
  if (field.text === '*') return '*';
  const all = field.parts;
  return all
    .map((part) => {
      if (part.step === undefined) return part.start === part.end ? `${part.start}` : `${part.start}-${part.end}`;
      if (all.length === 1 && part.end === field.max && part.start + part.step <= field.max) {
        return `${part.start}/${part.step}`;
      }
      return values(part).join(',');
    })
    .join(',');
}

/** Standard days of the week (0-7, 0 and 7 Sunday) as EventBridge's 1-7 for Sunday-Saturday. */
function days(field: CronField): string {
  const numbers = [...new Set(field.parts.flatMap((part) => values(part).map((d) => (d % 7) + 1)))].sort(
    (a, b) => a - b,
  );
  // Consecutive days as a range (`2-6`), never one wrapping past Saturday, and no `/`, which
  // EventBridge does not document for the day of week.
  const runs: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && (numbers[j + 1] as number) === (numbers[j] as number) + 1) j++;
    runs.push(j === i ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * The EventBridge schedule expression (`cron(...)`, for a rule's `ScheduleExpression` or an
 * EventBridge Scheduler schedule) that runs when a `schedule()` cron does, from the cron or the
 * schedule function. It takes what `schedule()` takes and refuses the same crons, with the same
 * `INVALID_DEFINITION` error; days of the week are renumbered for EventBridge (`1-5`, Monday to
 * Friday, is `2-6`; 0 and 7, Sunday, are `1`), the day field left free is `?`, and the year is
 * `*`. A cron restricting both the day of month and the day of week runs on either in standard
 * cron, which EventBridge cannot express: it is an `INVALID_DEFINITION` error.
 *
 * Rules run in UTC. For a function with `timezone`, create an EventBridge Scheduler schedule with
 * this expression and `ScheduleExpressionTimezone` set to `fn.options.timezone`.
 *
 * @example
 * eventBridgeCron('0 3 * * *'); // 'cron(0 3 * * ? *)'
 * eventBridgeCron('*\/15 9-17 * * 1-5'); // 'cron(0/15 9-17 ? * 2-6 *)'
 * eventBridgeCron(nightlyReport); // from schedule({ cron: '0 3 * * *' })
 */
export function eventBridgeCron(
  cronOrFunction: string | Pick<SkyportFunction<'schedule'>, 'kind' | 'options'>,
): string {
  let cron: unknown = cronOrFunction;
  if (typeof cronOrFunction === 'object' && cronOrFunction !== null) {
    if (cronOrFunction.kind !== 'schedule') {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `eventBridgeCron() needs a cron or a schedule() function, got a function of kind "${String(cronOrFunction.kind)}"`,
        { adapter: 'aws', kind: cronOrFunction.kind },
      );
    }
    cron = (cronOrFunction.options as Partial<ScheduleOptions> | undefined)?.cron;
  }
  // The checks and errors of schedule(), for a cron given as text or a function built by hand.
  const [m, h, dom, mon, dow] = parseCron(cron as string);
  if (dom.text !== '*' && dow.text !== '*') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `eventBridgeCron(): cron "${String(cron)}" restricts both day of month "${dom.text}" and day of week "${dow.text}", so it runs on either, which EventBridge cannot express (one must be ?): use two schedules, one for each`,
      { adapter: 'aws', kind: 'schedule' },
    );
  }
  const dayOfMonth = dow.text === '*' ? plain(dom) : '?';
  const dayOfWeek = dow.text === '*' ? '?' : days(dow);
  return `cron(${plain(m)} ${plain(h)} ${dayOfMonth} ${plain(mon)} ${dayOfWeek} *)`;
}
