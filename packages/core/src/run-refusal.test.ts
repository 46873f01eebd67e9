import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { HttpError } from './errors.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

describe('an error whose header cannot be sent', () => {
  it('logs the refusal naming the header, as a returned response with it does, the error as its cause', async () => {
    // Prepare
    const redirect = new HttpError(303, undefined, { headers: { location: '/café' } });
    const thrown = http({ method: 'GET' }).handle(() => {
      throw redirect;
    });
    const returned = http({ method: 'GET' }).handle(() => ({ status: 303, headers: { location: '/café' } }));
    const message = 'the response header "location" holds a character no HTTP header may carry';

    // Act
    const answers = [await invoke(thrown, httpRequest()), await invoke(returned, httpRequest())];

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual([500, 500]);
    const failures = logs.find('500 Internal Server Error');
    expect(failures).toHaveLength(2);
    for (const line of failures) expect((line.err as { message: string }).message).toContain(message);
    expect(failures[0]?.err).toMatchObject({ type: 'TypeError', cause: { type: 'HttpError', status: 303 } });
  });
});
