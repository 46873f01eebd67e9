import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { HttpError, InternalServerError, NotFound, Unauthorized } from '../errors.js';
import { logger } from '../logger/logger.js';
import { problemResponse } from './response.js';

let logs = collectLogs();
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

/** What a client gets when a handler throws, or returns, `outcome`. */
function answerTo(outcome: () => unknown, ...more: Parameters<typeof logger>) {
  const base = http({ method: 'GET', path: '/orders' });
  const fn = (more.length > 0 ? base.use(logger(...more)) : base).handle(outcome);
  return invoke(fn, httpRequest({ method: 'GET', path: '/orders' }));
}

describe('a thrown error with a header no platform can send', () => {
  it('answers the logged 500 a returned response with that header gets, not its own status without it', async () => {
    // Prepare
    const thrown = new HttpError(303, undefined, { headers: { location: '/café' } });

    // Act
    const returned = await answerTo(() => ({ status: 303, headers: { location: '/café' } }));
    const failed = await answerTo(() => {
      throw thrown;
    });

    // Assert
    for (const answer of [returned, failed]) {
      expect(answer.status).toBe(500);
      expect(answer.headers.location).toBeUndefined();
      expect(answer.body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    }
    const lines = logs.find('500 Internal Server Error');
    expect(lines).toHaveLength(2);
    // Both name the header; the thrown error is the cause of the refusal.
    expect(lines[0]).toMatchObject({
      level: 'error',
      err: { type: 'TypeError', message: expect.stringContaining('"location"') },
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      err: {
        type: 'TypeError',
        message: expect.stringContaining('"location"'),
        cause: { type: 'HttpError', status: 303 },
      },
    });
  });

  it('refuses a non-ASCII or CR/LF value, a cookie, or a name that is no token, whatever the status', async () => {
    // Prepare
    const errors = [
      new Unauthorized('no', { headers: { 'www-authenticate': 'Bearer realm="Zürich"' } }),
      new NotFound('gone', { headers: { link: '</a>\r\nset-cookie: admin=1' } }),
      new HttpError(503, undefined, { headers: { 'retry-after': '30\n' } }),
      new NotFound('gone', { headers: { 'set-cookie': ['ok=1', 'name=José'] } as unknown as Record<string, string> }),
      new NotFound('gone', { headers: { 'x tenant': 'a' } }),
    ];

    // Act
    const answers = await Promise.all(
      errors.map((error) =>
        answerTo(() => {
          throw error;
        }),
      ),
    );

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual([500, 500, 500, 500, 500]);
    expect(answers.map((answer) => answer.cookies)).toEqual([[], [], [], [], []]);
    expect(logs.find('500 Internal Server Error')).toHaveLength(5);
  });

  it('sends its other headers as before, and leaves out those the platform sets', async () => {
    // Prepare
    const challenge = new Unauthorized('no', {
      headers: { 'www-authenticate': 'Bearer realm="Zurich"', 'transfer-encoding': 'chunked\r\n' },
    });

    // Act
    const answer = await answerTo(() => {
      throw challenge;
    });

    // Assert
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="Zurich"');
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(logs.find('Internal Server Error')).toHaveLength(0);
  });

  it("is a TypeError from problemResponse, naming the header, the error as its cause; a 500's is left out", () => {
    // Prepare
    const redirect = new HttpError(303, undefined, { headers: { location: '/café' } });
    const failure = new InternalServerError('boom', { headers: { 'x-trace': 'é', 'x-ok': '1' } });

    // Act
    const refuse = () => problemResponse(redirect, 'req-1');
    const rendered = problemResponse(failure, 'req-1');

    // Assert
    expect(refuse).toThrow(TypeError);
    expect(refuse).toThrow('the response header "location" holds a character no HTTP header may carry');
    try {
      refuse();
    } catch (error) {
      expect((error as Error).cause).toBe(redirect);
    }
    expect(rendered.status).toBe(500);
    expect(rendered.headers).toEqual({ 'x-ok': '1', 'content-type': 'application/problem+json' });
  });

  it("gives logger()'s summary line the status the client got", async () => {
    // Act
    const answer = await answerTo(() => {
      throw new HttpError(303, undefined, { headers: { location: '/café' } });
    }, {});

    // Assert
    expect(answer.status).toBe(500);
    expect(logs.find('invocation failed')).toMatchObject([{ status: 500, outcome: 'error' }]);
  });
});
