import { http } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import {
  changeEvent,
  cloudEvent,
  type HttpRequestOptions,
  httpRequest,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from './factories.js';
import { invoke } from './invoke.js';

describe('factories refuse a time or a count that is none', () => {
  it('throws a TypeError naming the field, as createClock() does, instead of using now or 1', () => {
    // Act
    const attempts = [
      () => message({ publishedAt: 'nope' }),
      () => message({ publishedAt: new Date(Number.NaN) }),
      () => scheduleTick({ scheduledTime: 'nope' }),
      () => streamRecord({ publishedAt: 'nope' }),
      () => storageEvent({ time: 'nope' }),
      () => changeEvent({ time: 'nope' }),
      () => cloudEvent({ time: 'nope' }),
      () => message({ attempt: 0 }),
      () => message({ attempt: 1.5 }),
      () => message({ attempt: Number.NaN }),
    ];

    // Assert
    expect(
      attempts.map((attempt) => {
        try {
          attempt();
          return 'built';
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      }),
    ).toEqual([
      'TypeError: message() publishedAt is not a valid time: nope',
      'TypeError: message() publishedAt is not a valid time: Invalid Date',
      'TypeError: scheduleTick() scheduledTime is not a valid time: nope',
      'TypeError: streamRecord() publishedAt is not a valid time: nope',
      'TypeError: storageEvent() time is not a valid time: nope',
      'TypeError: changeEvent() time is not a valid time: nope',
      'TypeError: cloudEvent() time is not a valid time: nope',
      'TypeError: message() attempt is not a delivery count (a whole number from 1): 0',
      'TypeError: message() attempt is not a delivery count (a whole number from 1): 1.5',
      'TypeError: message() attempt is not a delivery count (a whole number from 1): NaN',
    ]);
  });

  it('keeps the times and counts it is given', () => {
    const at = '2026-01-01T03:00:00Z';
    expect(message({ publishedAt: at, attempt: 3 })).toMatchObject({ publishedAt: new Date(at), attempt: 3 });
    expect(message({ publishedAt: 0 }).publishedAt.getTime()).toBe(0);
    expect(scheduleTick({ scheduledTime: at }).scheduledTime).toEqual(new Date(at));
    expect(message().attempt).toBe(1);
  });
});

describe('httpRequest() given null or undefined query values from plain JavaScript', () => {
  it('leaves them out beside a query string in the path, as invoke() does without one', async () => {
    // Prepare
    const fn = http({ path: '/x' }).handle((req) => req.queryAll.toString());
    const loose = (query: unknown) => ({ path: '/x?a=1', query }) as HttpRequestOptions;

    // Act
    const answers = [
      await invoke(fn, httpRequest(loose({ b: undefined, c: 'z' }))),
      await invoke(fn, httpRequest(loose({ b: null }))),
      await invoke(fn, httpRequest(loose(null))),
    ];

    // Assert
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'a=1&c=z'],
      [200, 'a=1'],
      [200, 'a=1'],
    ]);
  });
});
