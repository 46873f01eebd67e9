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

const dayNames: Readonly<Record<string, number>> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** A day-of-week bound as a number (`FRI` is 5), or undefined for one that is neither. */
function dayNumber(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  return dayNames[token.toUpperCase()];
}

/**
 * Cron accepts 7 for Sunday; NCRONTAB only 0-6. Each part naming 7 is written with 0 for the
 * same days: `7` is `0`, `5-7` (or `FRI-7`) is `5-6,0`, `0-7` every day, and a stepped range the
 * days it lists (`1-7/2`, days 1, 3, 5 and 7, is `1,3,5,0`).
 */
function sundayAsZero(cron: string, weekday: string): string {
  return weekday
    .split(',')
    .map((part) => {
      const [, first = '', last, step] = /^([^-/]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(part) ?? [];
      const start = first === '*' ? undefined : dayNumber(first);
      const end = last === undefined ? start : dayNumber(last);
      if (start !== 7 && end !== 7) return part;
      if (start === undefined || end === undefined || start > end || (step !== undefined && Number(step) === 0)) {
        throw fail(cron, `has a day-of-week "${part}" that names no days; list the days with 0 for Sunday`);
      }
      if (step === undefined && last === undefined) return '0';
      if (step === undefined) return start === 0 ? '*' : start === 7 ? '0' : start === 6 ? '6,0' : `${start}-6,0`;
      const days: number[] = [];
      for (let day = start; day <= end; day += Number(step)) days.push(day % 7);
      return [...new Set(days)].join(',');
    })
    .join(',');
}
