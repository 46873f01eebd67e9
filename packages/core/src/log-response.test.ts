import { collectLogs, httpRequest, invoke, type LogLine } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { createJsonLogger } from './log.js';
import { logger } from './logger/index.js';

let logs = collectLogs();
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

/** An upstream answer a handler throws as it came, with its url set as `fetch` sets it. */
function upstream(): Response {
  const response = new Response('upstream said no', { status: 502, statusText: 'Bad Gateway' });
  Object.defineProperty(response, 'url', { value: 'https://payments.example/charge' });
  return response;
}

const written = { type: 'Response', status: 502, statusText: 'Bad Gateway', url: 'https://payments.example/charge' };

describe('a web Response thrown or given as a cause', () => {
  it.each([
    ['the built-in logger', false],
    ['logger()', true],
  ])('is written by %s as its type, status, status text and url, its body unread', async (_name, piped) => {
    // Prepare
    const thrown = upstream();
    const base = http({ method: 'GET', path: '/charge' });
    const fn = (piped ? base.use(logger({ summary: false })) : base).handle(() => {
      throw thrown;
    });

    // Act
    const answer = await invoke(fn, httpRequest({ method: 'GET', path: '/charge' }));

    // Assert
    expect(answer.status).toBe(500);
    const [line] = logs.find('500 Internal Server Error') as [LogLine];
    expect(line.err).toEqual(written);
    expect(thrown.bodyUsed).toBe(false);
    expect(logs.text()).not.toContain('upstream said no');
  });

  it('is written as the cause of an error, by both loggers', async () => {
    // Prepare
    const lines: string[] = [];
    const builtIn = createJsonLogger({}, 'info', (line) => lines.push(line));
    const failure = () => new Error('charge failed', { cause: upstream() });
    const fn = http({ method: 'GET', path: '/charge' })
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.error({ err: failure() }, 'piped');
        return 'ok';
      });

    // Act
    builtIn.error({ err: failure() }, 'built-in');
    await invoke(fn, httpRequest({ method: 'GET', path: '/charge' }));

    // Assert
    expect((JSON.parse(lines[0] as string) as LogLine).err).toMatchObject({ message: 'charge failed', cause: written });
    expect(logs.find('piped')[0]?.err).toMatchObject({ message: 'charge failed', cause: written });
  });

  it('leaves other values that are no error as they were written', () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger({}, 'info', (line) => lines.push(line));
    const lookalike = { status: 502, url: 'https://payments.example' };

    // Act
    log.error({ err: lookalike }, 'a');
    log.error({ err: 'a string' }, 'b');
    log.error({ err: new Map([['k', 1]]) }, 'c');

    // Assert
    // An object of a class is written with its type name (a `Map` has no fields of its own).
    expect(lines.map((line) => (JSON.parse(line) as LogLine).err)).toEqual([lookalike, 'a string', { type: 'Map' }]);
  });
});
