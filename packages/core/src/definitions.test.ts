import { cloudEvent, httpRequest, invoke, storageEvent } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { events, http, schedule, storage } from './builders.js';

const octets = (size: number) =>
  httpRequest({
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(size),
  });

describe('http() method', () => {
  it('refuses an empty list of methods, which would answer every request 405', () => {
    // Act / Assert
    expect(() => http({ method: [], path: '/e' })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', kind: 'http', message: expect.stringContaining('empty') }),
    );
    expect(http({ method: ['GET'], path: '/e' }).handle(() => 'ok').kind).toBe('http');
  });
});

describe('http() bodyLimit', () => {
  it('refuses, when the function is defined, a limit that is not a whole number of bytes >= 0', () => {
    // Prepare
    const unset = Number(process.env.SKYPORT_UNSET_BODY_LIMIT);
    const define = (bodyLimit: unknown) => () =>
      http({ method: 'POST', path: '/upload', bodyLimit: bodyLimit as number }).handle(() => 'ok');

    // Act / Assert
    for (const bodyLimit of [unset, Number.NaN, -1, 1.5, Number.NEGATIVE_INFINITY, '1mb', '1024', null, 1024n]) {
      expect(define(bodyLimit), String(bodyLimit)).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          kind: 'http',
          message: expect.stringContaining('bodyLimit'),
        }),
      );
    }
  });

  it('takes Infinity as no limit', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: Number.POSITIVE_INFINITY }).handle(
      (req) => req.rawBody.length,
    );

    // Act
    const answer = await invoke(fn, octets(7 * 1024 * 1024));

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(7 * 1024 * 1024);
  });

  it('takes 0 as no body at all: an empty request passes, one byte gets 413', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/ping', bodyLimit: 0 }).handle(() => 'pong');

    // Act
    const empty = await invoke(fn, httpRequest({ method: 'POST', path: '/ping' }));
    const oneByte = await invoke(fn, octets(1));

    // Assert
    expect(empty.status).toBe(200);
    expect(oneByte.status).toBe(413);
    expect(oneByte.body).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('keeps the 6 MB default when bodyLimit is left out or undefined', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: undefined }).handle(() => 'ok');

    // Act
    const answer = await invoke(fn, octets(6 * 1024 * 1024 + 1));

    // Assert
    expect(answer.status).toBe(413);
  });
});

describe('schedule() cron', () => {
  const define = (cron: string) => () => schedule({ cron }).handle(() => undefined);

  it('refuses, naming the field, a cron that is not standard 5-field cron', () => {
    // Prepare
    const cases: [cron: string, field: string, says: string][] = [
      ['99 * * * *', 'minute', '"99" is not 0-59'],
      ['a b c d e', 'minute', '"a" is not 0-59'],
      ['*/0 * * * *', 'minute', 'step "*/0" must be 1 or more'],
      ['0 0 * * 9', 'day of week', '"9" is not 0-7 or SUN-SAT'],
      ['-1 * * * *', 'minute', 'is not standard cron'],
      ['1.5 * * * *', 'minute', 'is not standard cron'],
      ['1,,2 * * * *', 'minute', 'is not standard cron'],
      ['5/15 * * * *', 'minute', 'write 5-59/15'],
      ['0 9 * * 1/2', 'day of week', 'write 1-6/2'],
      ['0 9 * * MON/2', 'day of week', 'write MON-SAT/2'],
      ['0 0 * FEB/3 *', 'month', 'write FEB-DEC/3'],
      ['0 24 * * *', 'hour', '"24" is not 0-23'],
      ['0 22-2 * * *', 'hour', 'range "22-2" starts after it ends'],
      ['0 0 0 * *', 'day of month', '"0" is not 1-31'],
      ['0 0 32 * *', 'day of month', '"32" is not 1-31'],
      ['0 3 L * *', 'day of month', 'Quartz'],
      ['0 3 1W * *', 'day of month', 'Quartz'],
      ['0 0 * 0 *', 'month', '"0" is not 1-12 or JAN-DEC'],
      ['0 0 * 13 *', 'month', '"13" is not 1-12 or JAN-DEC'],
      ['0 0 * FOO *', 'month', '"FOO" is not 1-12 or JAN-DEC'],
      ['0 0 * jan *', 'month', 'write it JAN'],
      ['0 0 * * JAN', 'day of week', '"JAN" is not 0-7 or SUN-SAT'],
      ['0 3 ? * 1', 'day of month', 'Quartz'],
      ['0 3 * * MON#2', 'day of week', 'Quartz'],
      ['0 0 * * 1-5/0', 'day of week', 'step "1-5/0" must be 1 or more'],
      ['*/99999999999 * * * *', 'minute', 'step "*/99999999999" must be at most 60'],
      ['5-59/2147483647 * * * *', 'minute', 'step "5-59/2147483647" must be at most 60'],
      ['0 */25 * * *', 'hour', 'step "*/25" must be at most 24'],
      ['0 0 1-31/32 * *', 'day of month', 'must be at most 31'],
      ['0 0 * */13 *', 'month', 'must be at most 12'],
      ['0 0 * * */8', 'day of week', 'step "*/8" must be at most 7'],
      ['0 0 30 2 *', 'day of month', '"30" is past the end of every month "2" holds (29 days at most)'],
      ['0 0 31 4,6,9,11 *', 'day of month', '"31" is past the end of every month "4,6,9,11" holds (30 days at most)'],
      ['0 0 30,31 FEB *', 'day of month', 'would never run'],
      ['0 0 31 APR-JUN/2 *', 'day of month', 'would never run'],
    ];

    // Act / Assert
    for (const [cron, field, says] of cases) {
      expect(define(cron), cron).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', kind: 'schedule' }));
      expect(define(cron), cron).toThrow(`schedule() cron "${cron}": ${field} `);
      expect(define(cron), cron).toThrow(says);
    }
  });

  it('takes numbers, names in capitals, *, lists, ranges and steps of every field', () => {
    // Prepare: the schedules the Azure translation takes, and the grammar's edges.
    const crons = [
      '* * * * *',
      '0 3 * * *',
      '*/15 9-17 * * 1-5',
      '  30  4 1,15 *  * ',
      '30 4 1,15 * 5',
      '0 0 * JAN MON',
      '0 0 * * 7',
      '0 0 * * 5-7',
      '0 0 * * 1,7',
      '0 0 * * 0-7',
      '*/15 * * * 7',
      '0 9 * * 1-7',
      '0 0 * JAN-JUN/2 MON-FRI',
      '0-30/10 0 1 1 *',
      '59 23 31 12 6',
      '0 0 1-31/1 1-12 SUN-SAT',
      // Steps as large as the field: its start alone.
      '*/60 */24 */31 */12 *',
      '0 0 * * */7',
      // Days some month of the list has: 29 February in leap years, 31 May.
      '0 0 29 2 *',
      '0 0 31 4-5 *',
      '0 0 30,31 2,4 *',
      '0 0 31 MAY-JUL/2 *',
      // With a day of the week the schedule runs on those days too (standard cron's "or").
      '0 0 30 2 1',
    ];

    // Act / Assert
    for (const cron of crons) expect(define(cron), cron).not.toThrow();
  });
});

describe('storage() and events() filters', () => {
  it('refuses, when the function is defined, a filter that matches nothing or is not one', () => {
    const bad = [
      () => storage({ bucket: 'b', on: ['create' as 'created'] }),
      () => storage({ bucket: 'b', on: [] }),
      () => storage({ bucket: 'b', on: 'created' as unknown as ['created'] }),
      () => events({ type: [] }),
      () => events({ type: 5 as unknown as string }),
      () => events({ type: ['a', ''] }),
      () => events({ source: '' }),
    ];
    for (const define of bad) expect(define).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  it('runs the handler for the events a valid filter names, and only those', async () => {
    // Prepare
    const seen: string[] = [];
    const uploads = storage({ bucket: 'b', on: ['deleted'] }).handle((object) => {
      seen.push(`${object.type} ${object.key}`);
    });
    const orders = events({ type: ['order.created'], source: 'shop' }).handle((event) => {
      seen.push(event.type);
    });

    // Act
    await invoke(uploads, [
      storageEvent({ type: 'created', bucket: 'b', key: 'a' }),
      storageEvent({ type: 'deleted', bucket: 'b', key: 'b' }),
    ]);
    await invoke(orders, [
      cloudEvent({ type: 'order.created', source: 'shop' }),
      cloudEvent({ type: 'order.paid', source: 'shop' }),
    ]);

    // Assert
    expect(seen).toEqual(['deleted b', 'order.created']);
  });
});
