/**
 * Standard 5-field cron to Azure's 6-field NCRONTAB (`second minute hour day month day-of-week`).
 * NCRONTAB matches a day only when day-of-month AND day-of-week both match, while cron runs when
 * either matches; such schedules are refused rather than silently running on fewer days.
 */
import { SkyportError } from '@skyport/core';

const element = /^(\*|\d+|[A-Za-z]{3})(-(\d+|[A-Za-z]{3}))?(\/\d+)?$/;

function isExpressible(field: string): boolean {
  return field.split(',').every((part) => element.test(part));
}

function isRestricted(field: string): boolean {
  return field !== '*';
}

function fail(cron: string, problem: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `azure: cron "${cron}" ${problem}`, {
    adapter: 'azure',
    kind: 'schedule',
  });
}

/**
 * Translates a 5-field cron expression into an NCRONTAB expression for `app.timer`.
 *
 * @example
 * toNcrontab('0 3 * * *');   // '0 0 3 * * *'
 * toNcrontab('*\/15 * * * 7'); // '0 *\/15 * * * 0'
 */
export function toNcrontab(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw fail(cron, 'must have 5 fields');
  for (const field of fields) {
    // L, W, # and ? are Quartz extensions that NCRONTAB does not parse.
    if (!isExpressible(field)) throw fail(cron, `has a field NCRONTAB cannot express: "${field}"`);
  }
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  if (isRestricted(day) && isRestricted(weekday)) {
    throw fail(cron, 'restricts both day-of-month and day-of-week; NCRONTAB would require both to match');
  }
  return `0 ${minute} ${hour} ${day} ${month} ${sundayAsZero(cron, weekday)}`;
}

/** Cron accepts 7 for Sunday; NCRONTAB only 0-6. */
function sundayAsZero(cron: string, weekday: string): string {
  return weekday
    .split(',')
    .map((part) => {
      if (part === '7') return '0';
      const range = /^([0-6])-7$/.exec(part);
      if (range) return range[1] === '0' ? '*' : `${range[1]}-6,0`;
      if (/(^|-)7(\/|$)/.test(part)) throw fail(cron, `uses 7 for Sunday in "${part}"; write it with 0`);
      return part;
    })
    .join(',');
}
