import { createMiddleware, http, SkyportError, schedule } from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventBridgeCron } from './cron.js';

// Two evaluators written from the specifications, independent of the conversion: standard cron
// (crontab(5): day of week 0-7 with 0 and 7 Sunday; day of month and day of week both restricted
// run on either) and EventBridge cron as the EventBridge user guide documents it (6 fields, day of
// week 1-7 = SUN-SAT, exactly one of the day fields `?`, the wildcards of each field's table row).

type Matcher = (value: number) => boolean;

interface Spec {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** EventBridge's wildcards for the field, beyond `,` `-` `*`. */
  readonly slash?: boolean;
  readonly question?: boolean;
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function token(spec: Spec, text: string): number {
  const named = spec.names?.indexOf(text) ?? -1;
  const value = named >= 0 ? spec.min + named : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= spec.min && value <= spec.max)) throw new Error(`"${text}" is not ${spec.min}-${spec.max}`);
  return value;
}

/** Standard cron: `*`, `a`, `a-b`, `*\/n`, `a-b/n`, lists. */
function standardField(spec: Spec, text: string): Matcher {
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', step = '1'] = part.split('/');
    const [from = '', to] = range.split('-');
    const start = from === '*' ? spec.min : token(spec, from);
    const end = from === '*' ? spec.max : to === undefined ? start : token(spec, to);
    for (let v = start; v <= end; v += Number(step)) set.add(v);
  }
  return (v) => set.has(v);
}

interface Evaluator {
  readonly time: (hour: number, minute: number) => boolean;
  readonly day: (date: Date) => boolean;
}

function standard(cron: string): Evaluator {
  const [m = '', h = '', dom = '', mon = '', dow = ''] = cron.trim().split(/\s+/);
  const minute = standardField({ min: 0, max: 59 }, m);
  const hour = standardField({ min: 0, max: 23 }, h);
  const dayOfMonth = standardField({ min: 1, max: 31 }, dom);
  const month = standardField({ min: 1, max: 12, names: monthNames }, mon);
  const dayOfWeek = standardField({ min: 0, max: 7, names: dayNames }, dow);
  const either = !dom.startsWith('*') && !dow.startsWith('*');
  return {
    time: (hh, mm) => hour(hh) && minute(mm),
    day: (date) => {
      const byMonth = dayOfMonth(date.getUTCDate());
      const weekday = date.getUTCDay();
      const byWeek = dayOfWeek(weekday) || (weekday === 0 && dayOfWeek(7));
      return month(date.getUTCMonth() + 1) && (either ? byMonth || byWeek : byMonth && byWeek);
    },
  };
}

/** EventBridge: `*`, `?` (day fields, alone), `a`, `a-b` (a <= b), `a/n` and `*\/n` where documented. */
function eventBridgeField(spec: Spec, text: string): Matcher | '?' {
  if (text === '?') {
    if (!spec.question) throw new Error('? in a field that does not take it');
    return '?';
  }
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const slash = part.split('/');
    if (slash.length > 2 || (slash.length === 2 && !spec.slash)) throw new Error(`"${part}": no / here`);
    const [range = '', step = '1'] = slash;
    const [from = '', to] = range.split('-');
    if (slash.length === 2 && to !== undefined) throw new Error(`"${part}": a range with a step is not documented`);
    const start = from === '*' ? spec.min : token(spec, from);
    const end = from === '*' || slash.length === 2 ? spec.max : to === undefined ? start : token(spec, to);
    if (start > end) throw new Error(`"${part}" wraps`);
    if (!(Number(step) >= 1)) throw new Error(`"${part}": bad step`);
    for (let v = start; v <= end; v += Number(step)) set.add(v);
  }
  return (v) => set.has(v);
}

function eventBridge(expression: string): Evaluator {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.split(' ') ?? [];
  if (fields.length !== 6) throw new Error(`"${expression}" is not cron() with 6 fields`);
  const [m = '', h = '', dom = '', mon = '', dow = '', y = ''] = fields;
  const minute = eventBridgeField({ min: 0, max: 59, slash: true }, m);
  const hour = eventBridgeField({ min: 0, max: 23, slash: true }, h);
  const dayOfMonth = eventBridgeField({ min: 1, max: 31, slash: true, question: true }, dom);
  const month = eventBridgeField({ min: 1, max: 12, names: monthNames, slash: true }, mon);
  const dayOfWeek = eventBridgeField({ min: 1, max: 7, names: dayNames, question: true }, dow);
  const year = eventBridgeField({ min: 1970, max: 2199, slash: true }, y);
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw new Error(`"${expression}": exactly one day field is ?`);
  if (minute === '?' || hour === '?' || month === '?' || year === '?') throw new Error('unreachable');
  return {
    time: (hh, mm) => hour(hh) && minute(mm),
    day: (date) =>
      year(date.getUTCFullYear()) &&
      month(date.getUTCMonth() + 1) &&
      (dayOfMonth === '?'
        ? (dayOfWeek as Matcher)(date.getUTCDay() + 1) // 1 is Sunday
        : dayOfMonth(date.getUTCDate())),
  };
}

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

/** The next `count` times, from `from` (whole minutes, UTC), within 40 years. */
function nextFires(evaluator: Evaluator, from: Date, count: number): string[] {
  const times: number[] = [];
  for (let hh = 0; hh < 24; hh++) for (let mm = 0; mm < 60; mm++) if (evaluator.time(hh, mm)) times.push(hh * 60 + mm);
  const fires: string[] = [];
  const first = Math.floor(from.getTime() / dayMs) * dayMs;
  for (let day = first; fires.length < count && day < first + 40 * 366 * dayMs; day += dayMs) {
    if (!evaluator.day(new Date(day))) continue;
    for (const t of times) {
      const at = day + t * minuteMs;
      if (at >= from.getTime() && fires.length < count) fires.push(new Date(at).toISOString());
    }
  }
  return fires;
}

describe('eventBridgeCron', () => {
  it('renumbers the days of the week (1-7 for Sunday-Saturday) and puts ? in the free day field', () => {
    // Prepare
    const cases: [cron: string, expression: string][] = [
      ['0 3 * * *', 'cron(0 3 * * ? *)'],
      ['0 9 * * 1-5', 'cron(0 9 ? * 2-6 *)'],
      ['0 9 * * MON-FRI', 'cron(0 9 ? * 2-6 *)'],
      ['0 9 * * 0', 'cron(0 9 ? * 1 *)'],
      ['0 9 * * 7', 'cron(0 9 ? * 1 *)'],
      ['0 9 * * SUN', 'cron(0 9 ? * 1 *)'],
      ['0 9 * * 6', 'cron(0 9 ? * 7 *)'],
      ['0 9 * * SAT,SUN', 'cron(0 9 ? * 1,7 *)'],
      ['0 9 * * 5-7', 'cron(0 9 ? * 1,6-7 *)'],
      ['0 9 * * FRI-7', 'cron(0 9 ? * 1,6-7 *)'],
      ['0 9 * * 1,3,5', 'cron(0 9 ? * 2,4,6 *)'],
      ['0 9 * * */2', 'cron(0 9 ? * 1,3,5,7 *)'],
      ['0 9 * * 1-7/2', 'cron(0 9 ? * 1-2,4,6 *)'],
      ['0 9 * * 0-7', 'cron(0 9 ? * 1-7 *)'],
      ['*/15 9-17 * * 1-5', 'cron(0/15 9-17 ? * 2-6 *)'],
      ['5-59/15 * * * *', 'cron(5/15 * * * ? *)'],
      ['0-30/10 0 1 1 *', 'cron(0,10,20,30 0 1 1 ? *)'],
      ['  30  4 1,15 *  * ', 'cron(30 4 1,15 * ? *)'],
      ['0 0 */2 JAN-JUN/2 *', 'cron(0 0 1/2 1,3,5 ? *)'],
      ['0 0 29 FEB *', 'cron(0 0 29 2 ? *)'],
      // A step as long as its field, or inside a list, is written as its values.
      ['*/60 * * * *', 'cron(0 * * * ? *)'],
      ['0 */24 * * *', 'cron(0 0 * * ? *)'],
      ['*/15,7 * * * *', 'cron(0,15,30,45,7 * * * ? *)'],
    ];

    // Act / Assert
    for (const [cron, expression] of cases) expect(eventBridgeCron(cron), cron).toBe(expression);
  });

  it('takes a schedule function, whatever its middleware', () => {
    // Prepare
    const region = createMiddleware<'schedule', { region: string }>({
      name: 'region',
      kinds: ['schedule'],
      handle: (_tick, _ctx, next) => next({ region: 'eu-west-1' }),
    });
    const weekdays = schedule({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' })
      .use(region)
      .handle((_tick, ctx) => ctx.region);

    // Act / Assert
    expect(eventBridgeCron(weekdays)).toBe('cron(0 9 ? * 2-6 *)');
  });

  it('refuses what schedule() refuses, both day fields restricted, and a function of another kind', () => {
    // Prepare
    const refused: [input: Parameters<typeof eventBridgeCron>[0], says: string][] = [
      ['0 9 1 * 1', 'restricts both day of month "1" and day of week "1"'],
      ['0 9 */2 * 1-5', 'EventBridge cannot express'],
      ['0 0 30 2 *', 'schedule() cron "0 0 30 2 *": day of month'],
      ['0 9 * * */8', 'schedule() cron "0 9 * * */8": day of week'],
      ['0 9 ? * 1', 'Quartz'],
      ['0 9 * *', 'must have 5 fields'],
      [http().handle(() => undefined) as never, 'got a function of kind "http"'],
      [{ kind: 'schedule' } as never, 'schedule() needs a non-empty "cron"'],
    ];

    // Act / Assert
    for (const [input, says] of refused) {
      expect(() => eventBridgeCron(input), says).toThrow(says);
      expect(() => eventBridgeCron(input), says).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
  });

  it('fires when the standard cron fires (property, next fire times from any start)', () => {
    // Prepare
    const field = (min: number, max: number, names?: readonly string[]) => {
      const bound = fc.integer({ min, max });
      const name = (v: number) =>
        names && v - min < names.length ? fc.constantFrom(String(v), names[v - min] as string) : fc.constant(String(v));
      const part = fc.oneof(
        fc.constant('*'),
        bound.chain(name),
        fc
          .tuple(bound, bound)
          .chain(([a, b]) => fc.tuple(name(Math.min(a, b)), name(Math.max(a, b))))
          .map(([a, b]) => `${a}-${b}`),
        fc.integer({ min: 1, max: max - min + 1 }).map((n) => `*/${n}`),
        fc
          .tuple(bound, bound, fc.integer({ min: 1, max: max - min }))
          .map(([a, b, n]) => `${Math.min(a, b)}-${Math.max(a, b)}/${n}`),
      );
      return fc.array(part, { minLength: 1, maxLength: 3 }).map((list) => list.join(','));
    };
    const cron = fc
      .tuple(
        field(0, 59),
        field(0, 23),
        fc.oneof(fc.constant('*'), field(1, 31)),
        field(1, 12, monthNames),
        fc.oneof(fc.constant('*'), field(0, 7, dayNames)),
      )
      .map((fields) => fields.join(' '));
    const start = fc
      .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) })
      .map((ms) => new Date(Math.floor(ms / minuteMs) * minuteMs));

    // Act / Assert
    fc.assert(
      fc.property(cron, start, (text, from) => {
        let expression: string;
        try {
          expression = eventBridgeCron(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SkyportError);
          expect((error as SkyportError).code).toBe('INVALID_DEFINITION');
          // Refused only for both day fields restricted, or by schedule() itself.
          const [, , dom, , dow] = text.split(' ');
          if (dom === '*' || dow === '*') expect(() => schedule({ cron: text }), text).toThrow(SkyportError);
          return;
        }
        expect(nextFires(eventBridge(expression), from, 6), `${text} -> ${expression}`).toEqual(
          nextFires(standard(text), from, 6),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('matches explicit fire times: Monday to Friday is not Sunday to Thursday', () => {
    // Prepare: Sunday 2025-06-01.
    const from = new Date('2025-06-01T00:00:00Z');

    // Act
    const fires = nextFires(eventBridge(eventBridgeCron('0 9 * * 1-5')), from, 6);

    // Assert
    expect(fires).toEqual([
      '2025-06-02T09:00:00.000Z',
      '2025-06-03T09:00:00.000Z',
      '2025-06-04T09:00:00.000Z',
      '2025-06-05T09:00:00.000Z',
      '2025-06-06T09:00:00.000Z',
      '2025-06-09T09:00:00.000Z',
    ]);
    // The hand-written conversion that keeps the numbers runs Sunday to Thursday.
    expect(nextFires(eventBridge('cron(0 9 ? * 1-5 *)'), from, 2)).toEqual([
      '2025-06-01T09:00:00.000Z',
      '2025-06-02T09:00:00.000Z',
    ]);
  });
});
