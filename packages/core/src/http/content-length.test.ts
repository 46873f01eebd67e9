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

describe('a Content-Length given beside content', () => {
  it('is replaced by the measured length, whatever it says, as the platform measures the content', async () => {
    // Prepare
    const answers = await Promise.all(
      [' 5', 'abc', '1,1'].map((length) =>
        invoke(
          http({ method: 'GET', path: '/file' }).handle(() => ({
            status: 200,
            headers: { 'content-length': length },
            body: 'hello',
          })),
          httpRequest({ path: '/file' }),
        ),
      ),
    );

    // Assert
    expect(answers.map((answer) => [answer.status, answer.text])).toEqual([
      [200, 'hello'],
      [200, 'hello'],
      [200, 'hello'],
    ]);
  });

  it('may have whitespace around its digits on a HEAD answer, as any header value may', async () => {
    // Prepare
    const head = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 200,
      headers: { 'content-length': '5 ' },
    }));

    // Act
    const answer = await invoke(head, httpRequest({ method: 'HEAD', path: '/file' }));

    // Assert
    expect(answer.status).toBe(200);
  });
});

describe('a Content-Length a web Response carries', () => {
  it('is a logged 500 on a HEAD answer when it is no number of bytes', async () => {
    // Prepare
    const head = http({ method: 'GET', path: '/file' }).handle(
      () => new Response(null, { headers: { 'content-length': 'abc' } }),
    );

    // Act
    const answer = await invoke(head, httpRequest({ method: 'HEAD', path: '/file' }));

    // Assert
    expect(answer.status).toBe(500);
    expect(logs.find('500 Internal Server Error')).toHaveLength(1);
  });
});
