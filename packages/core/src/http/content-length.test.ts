import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../builders.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

describe('a Content-Length given by a handler', () => {
  it.each([
    ['a word', 'abc'],
    ['a negative number', '-1'],
    ['two lengths', ['5', '6']],
    ['a fraction', '1.5'],
    ['an empty value', ''],
  ])('is a logged 500 when it is %s, on a HEAD answer and a 304', async (_, length) => {
    // Prepare
    const head = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 200,
      headers: { 'content-length': length },
    }));
    const notModified = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 304,
      headers: { 'content-length': length },
    }));

    // Act
    const answers = [
      await invoke(head, httpRequest({ method: 'HEAD', path: '/file' })),
      await invoke(notModified, httpRequest({ path: '/file' })),
    ];

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual([500, 500]);
    const failures = logs.find('500 Internal Server Error');
    expect(failures).toHaveLength(2);
    for (const line of failures) {
      expect((line.err as { message: string }).message).toContain(
        'the response header "content-length" must be a whole number of bytes in digits',
      );
    }
  });

  it('is kept on a HEAD answer and a 304 when it is a number of bytes', async () => {
    // Prepare
    const head = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 200,
      headers: { 'content-length': 1024 },
    }));
    const notModified = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 304,
      headers: { 'content-length': '0' },
    }));

    // Act
    const answers = [
      await invoke(head, httpRequest({ method: 'HEAD', path: '/file' })),
      await invoke(notModified, httpRequest({ path: '/file' })),
    ];

    // Assert
    expect(answers.map((answer) => [answer.status, answer.headers['content-length']])).toEqual([
      [200, '1024'],
      [304, '0'],
    ]);
  });
});
