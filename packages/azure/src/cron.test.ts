import { describe, expect, it } from 'vitest';
import { toNcrontab } from './cron.js';

describe('toNcrontab', () => {
  it('prepends a zero seconds field', () => {
    expect(toNcrontab('0 3 * * *')).toBe('0 0 3 * * *');
    expect(toNcrontab('*/15 9-17 * * 1-5')).toBe('0 */15 9-17 * * 1-5');
    expect(toNcrontab('  30  4 1,15 *  * ')).toBe('0 30 4 1,15 * *');
    expect(toNcrontab('0 0 * JAN MON')).toBe('0 0 0 * JAN MON');
  });

  it('writes Sunday as 0, which is all NCRONTAB accepts', () => {
    expect(toNcrontab('0 0 * * 7')).toBe('0 0 0 * * 0');
    expect(toNcrontab('0 0 * * 5-7')).toBe('0 0 0 * * 5-6,0');
    expect(toNcrontab('0 0 * * 1,7')).toBe('0 0 0 * * 1,0');
    expect(toNcrontab('0 0 * * 0-7')).toBe('0 0 0 * * *');
  });

  it('writes a range or step ending on 7 with 0, for the same days', () => {
    expect(toNcrontab('0 9 * * FRI-7')).toBe('0 0 9 * * 5-6,0');
    expect(toNcrontab('0 9 * * sat-7')).toBe('0 0 9 * * 6,0');
    // 1, 3, 5 and 7: Sunday is one of them.
    expect(toNcrontab('0 9 * * 1-7/2')).toBe('0 0 9 * * 1,3,5,0');
    // 0, 2, 4 and 6: 7 is not.
    expect(toNcrontab('0 9 * * 0-7/2')).toBe('0 0 9 * * 0,2,4,6');
    expect(toNcrontab('0 9 * * MON-7/3,3')).toBe('0 0 9 * * 1,4,0,3');
    expect(toNcrontab('0 9 * * 7-7')).toBe('0 0 9 * * 0');
    expect(toNcrontab('0 9 * * 7/2')).toBe('0 0 9 * * 0');
  });

  it('refuses a day-of-week part naming 7 that names no days, advising a list with 0', () => {
    for (const cron of ['0 9 * * 7-3', '0 9 * * 1-7/0', '0 9 * * *-7']) {
      expect(() => toNcrontab(cron)).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          message: expect.stringContaining('list the days with 0 for Sunday'),
        }),
      );
    }
  });

  it('refuses what NCRONTAB cannot express', () => {
    for (const cron of ['0 3 * *', '0 3 * * * *', '0 3 L * *', '0 3 ? * MON#2', '30 4 1,15 * 5']) {
      expect(() => toNcrontab(cron)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }));
    }
  });
});
