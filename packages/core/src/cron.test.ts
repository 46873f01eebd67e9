import { describe, expect, it } from 'vitest';
import { parseCron } from './cron.js';

describe('parseCron', () => {
  it('gives each field its text, bounds and parts, names as numbers', () => {
    // Act
    const [minute, hour, day, month, weekday] = parseCron(' */15 9-17 * JAN,JUL MON-FRI ');

    // Assert
    expect(minute).toEqual({ text: '*/15', min: 0, max: 59, parts: [{ start: 0, end: 59, step: 15 }] });
    expect(hour.parts).toEqual([{ start: 9, end: 17, step: undefined }]);
    expect(day).toEqual({ text: '*', min: 1, max: 31, parts: [{ start: 1, end: 31, step: undefined }] });
    expect(month.parts).toEqual([
      { start: 1, end: 1, step: undefined },
      { start: 7, end: 7, step: undefined },
    ]);
    expect(weekday).toMatchObject({ text: 'MON-FRI', max: 7, parts: [{ start: 1, end: 5, step: undefined }] });
  });

  it('refuses what schedule() refuses, with its error', () => {
    for (const [cron, says] of [
      ['0 3 * *', 'must have 5 fields'],
      ['0 3 30 2 *', 'day of month "30" is past the end of every month'],
      ['0 3 ? * 1', 'Quartz'],
      ['*/61 * * * *', 'must be at most 60'],
      ['', 'needs a non-empty "cron"'],
    ] as const) {
      expect(() => parseCron(cron), cron).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(() => parseCron(cron), cron).toThrow(says);
    }
  });
});
