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

  it('refuses what NCRONTAB cannot express', () => {
    for (const cron of ['0 3 * *', '0 3 * * * *', '0 3 L * *', '0 3 ? * MON#2', '30 4 1,15 * 5', '0 0 * * 7/2']) {
      expect(() => toNcrontab(cron)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }));
    }
  });
});
