/**
 * The 5-field cron `schedule()` takes (the Cloud Scheduler and crontab(5) grammar every adapter
 * can translate): its checks, and the parsed fields adapters translate from.
 */
import { SkyportError } from './errors.js';

/** One part of a list in a cron field: the values from `start` to `end`, every `step`th. */
export interface CronPart {
  readonly start: number;
  readonly end: number;
  /** The `/n` step, when the part has one. */
  readonly step: number | undefined;
}

/** One field of a parsed cron: its text, its bounds and the parts of its list, names as numbers. */
export interface CronField {
  /** The field as written (`1-5`, `MON-FRI`, `*`). */
  readonly text: string;
  readonly min: number;
  /** 7 for the day of week, where 0 and 7 are both Sunday. */
  readonly max: number;
  readonly parts: readonly CronPart[];
}

/** One field of a 5-field cron: what errors call it, its values, and the names it also takes. */
interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names in capitals, the first standing for `min`. */
  readonly names?: readonly string[];
}

const dayField: FieldSpec = { name: 'day of month', min: 1, max: 31 };
const monthField: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};

const cronFields: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  dayField,
  monthField,
  // 0 and 7 are both Sunday.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** The most days each month has, January first (29 for February: leap years have the 29th). */
const monthDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** `*`, `a` or `a-b`, then an optional `/n`. */
const cronElement = /^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/;

/** Quartz's `?`, `L` (last), `W` (weekday) and `#` (nth weekday), which NCRONTAB and Cloud Scheduler lack. */
const quartz = /[?#]|^L|[0-9][LW]$/;

/** The value `token` stands for in `field`, or `undefined` when it is neither a number nor a name of it. */
function cronValue(field: FieldSpec, token: string): number | undefined {
  if (/^[0-9]+$/.test(token)) {
    const value = Number(token);
    return value >= field.min && value <= field.max ? value : undefined;
  }
  const index = field.names?.indexOf(token) ?? -1;
  return index < 0 ? undefined : field.min + index;
}

/**
 * Why `text` is not standard cron for `field` (the Cloud Scheduler and crontab(5) grammar every
 * adapter can translate), or `undefined` when it is. Quartz's `?`, `L`, `W` and `#` are not in it.
 */
function cronFieldProblem(field: FieldSpec, text: string): string | undefined {
  const allowed = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
  for (const part of text.split(',')) {
    if (quartz.test(part)) return `"${part}" uses ?, L, W or #, Quartz extensions that are not standard cron`;
    const match = cronElement.exec(part);
    if (match === null) {
      return `"${part}" is not standard cron: use ${allowed}, *, a range a-b, a step */n or a-b/n, or a list of them`;
    }
    const [, star, from, to, step] = match;
    for (const token of [from, to]) {
      if (token !== undefined && cronValue(field, token) === undefined) {
        const capitals = field.names?.includes(token.toUpperCase()) ? ` (write it ${token.toUpperCase()})` : '';
        return `"${token}" is not ${allowed}${capitals}`;
      }
    }
    if (
      from !== undefined &&
      to !== undefined &&
      (cronValue(field, from) as number) > (cronValue(field, to) as number)
    ) {
      return `range "${part}" starts after it ends`;
    }
    if (step !== undefined) {
      if (Number(step) < 1) return `step "${part}" must be 1 or more`;
      // A step longer than the field picks its start alone, as one of the field's length does, and
      // a large one overflows NCRONTAB's Int32 (`*/99999999999`, `5-59/2147483647`), which then
      // throws when Azure starts the timer.
      const span = field.names?.[0] === 'SUN' ? 7 : field.max - field.min + 1;
      if (Number(step) > span) return `step "${part}" must be at most ${span}`;
      if (star === undefined && to === undefined) {
        // Up to Saturday for days of the week: 7 is Sunday again, which a range's end there may
        // not be on Azure.
        const last = field.names?.[0] === 'SUN' ? 6 : field.max;
        const start = cronValue(field, from as string);
        // The end in the style of the start: `MON-SAT/2`, `1-6/2`.
        const end = /^[0-9]+$/.test(from as string) ? String(last) : field.names?.[last - field.min];
        const instead = start !== undefined && start < last ? `: write ${from}-${end}/${step}` : '';
        return `step "${part}" needs * or a range before it${instead}`;
      }
    }
  }
  return undefined;
}

/** The parts of `text`, a field that `cronFieldProblem` found standard, in `field`: names as numbers. */
function cronParts(field: FieldSpec, text: string): CronPart[] {
  return text.split(',').map((part) => {
    const [, star, from, to, step] = cronElement.exec(part) ?? [];
    const start = star === undefined ? (cronValue(field, from as string) as number) : field.min;
    const end = star !== undefined ? field.max : to === undefined ? start : (cronValue(field, to) as number);
    return { start, end, step: step === undefined ? undefined : Number(step) };
  });
}

/** The values `parts` stand for. */
function valuesOf(parts: readonly CronPart[]): Set<number> {
  const values = new Set<number>();
  for (const { start, end, step = 1 } of parts) for (let value = start; value <= end; value += step) values.add(value);
  return values;
}

const fail = (cron: string, problem: string): SkyportError =>
  new SkyportError('INVALID_DEFINITION', `schedule() cron "${cron}": ${problem}`, { kind: 'schedule' });

/**
 * The five fields (minute, hour, day of month, month, day of week) of a cron `schedule()` takes,
 * each with the parts of its list; names are numbers (`JAN` 1, `SUN` 0). Throws `schedule()`'s
 * `INVALID_DEFINITION` error for a cron it refuses: not 5 fields, a value out of range, Quartz's
 * `?`, `L`, `W` or `#`, a step longer than its field, or days of the month no month has.
 *
 * @example
 * const [, , , , weekday] = parseCron('0 9 * * MON-FRI');
 * weekday.parts; // [{ start: 1, end: 5, step: undefined }]
 */
export function parseCron(cron: string): readonly [CronField, CronField, CronField, CronField, CronField] {
  if (typeof cron !== 'string' || cron === '') {
    throw new SkyportError('INVALID_DEFINITION', 'schedule() needs a non-empty "cron"', { kind: 'schedule' });
  }
  const texts = cron.trim().split(/\s+/);
  if (texts.length !== 5) {
    throw new SkyportError('INVALID_DEFINITION', `schedule() cron must have 5 fields, got "${cron}"`, {
      kind: 'schedule',
    });
  }
  const fields = cronFields.map((spec, i) => {
    const text = texts[i] as string;
    const problem = cronFieldProblem(spec, text);
    if (problem !== undefined) throw fail(cron, `${spec.name} ${problem}`);
    return { text, min: spec.min, max: spec.max, parts: cronParts(spec, text) };
  }) as unknown as [CronField, CronField, CronField, CronField, CronField];
  const [, , day, month, weekday] = fields;
  // With any day of the week, the days of the month alone pick the days: none in any of the months
  // (30 February) is a timer that never fires, which NCRONTAB refuses when Azure starts it.
  if (weekday.text === '*') {
    const longest = Math.max(...[...valuesOf(month.parts)].map((m) => monthDays[m - 1] as number));
    if (Math.min(...valuesOf(day.parts)) > longest) {
      throw fail(
        cron,
        `${dayField.name} "${day.text}" is past the end of every month "${month.text}" holds (${longest} days at most), so it would never run`,
      );
    }
  }
  return fields;
}
