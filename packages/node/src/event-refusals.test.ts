import { queue } from '@skyport/core';
import { aws, collectLogs, gcp, type LogCollector, type LogLine } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAfter, exchange, start } from './__fixtures__/servers.js';
import { serveWith } from './serve.js';

/** The lines of a refused event. */
function refusals(logs: LogCollector): LogLine[] {
  return logs.find('refused an event');
}

/** The problem body at the end of a raw answer. */
function problemOf(text: string): Record<string, unknown> {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

describe('serve() logs every event delivery it refuses on /_skyport/<name>', () => {
  let logs: LogCollector;
  beforeEach(() => {
    logs = collectLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  let runs = 0;
  const ship = queue({ name: 'orders' }).handle(() => {
    runs++;
  });
  beforeEach(() => {
    runs = 0;
  });

  const postHead = (length: string) =>
    `POST /_skyport/ship HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: req-1\r\n${length}\r\n`;

  it('logs a body whose declared length is over bodyLimit at warn, with its size, the limit and the option to raise', async () => {
    // Prepare
    const server = await start({ ship }, { bodyLimit: 1000 });

    // Act: a push envelope of 13.4 MB declared, a few bytes sent
    const { text, closed } = await exchange(server.port, `${postHead('Content-Length: 13400000\r\n')}{"message"`);

    // Assert
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed).toBe(true);
    expect(problemOf(text)).toMatchObject({ code: 'BODY_TOO_LARGE', requestId: 'req-1' });
    expect(refusals(logs)).toEqual([
      expect.objectContaining({
        level: 'warn',
        requestId: 'req-1',
        functionName: 'ship',
        status: 413,
        code: 'BODY_TOO_LARGE',
        bodyLimit: 1000,
        contentLength: 13_400_000,
      }),
    ]);
    const msg = String(refusals(logs)[0]?.msg);
    expect(msg).toContain('its body of 13400000 bytes is over the body limit of 1000 bytes');
    expect(msg).toContain('raise bodyLimit');
    expect(runs).toBe(0);
  });

  it('logs a chunked body once it passes bodyLimit, without a size it never knew', async () => {
    // Prepare
    const server = await start({ ship }, { bodyLimit: 1000 });
    const chunk = `100\r\n${'x'.repeat(256)}\r\n`;

    // Act: 256-byte chunks, sent for as long as the connection stays open
    const { text } = await exchange(server.port, postHead('Transfer-Encoding: chunked\r\n'), chunk, 3000, 20);

    // Assert
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    const [line, ...more] = refusals(logs);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 'warn', status: 413, code: 'BODY_TOO_LARGE', bodyLimit: 1000 });
    expect(line).not.toHaveProperty('contentLength');
    expect(String(line?.msg)).toContain('its body is over the body limit of 1000 bytes: raise bodyLimit');
  });

  it('names the flag of the skyport CLI, --body-limit, when serving for it', async () => {
    // Prepare
    const server = closeAfter(
      await serveWith(
        { ship },
        { port: 0, host: '127.0.0.1', announce: false, bodyLimit: 10 },
        { bodyLimit: '--body-limit', eventRoutesOff: '--no-event-routes', eventRoutesOn: '--event-routes' },
      ),
    );

    // Act
    const res = await fetch(`${server.url}/_skyport/ship`, { method: 'POST', body: '{"body":"more than ten bytes"}' });

    // Assert
    expect(res.status).toBe(413);
    expect(String(refusals(logs)[0]?.msg)).toContain('raise --body-limit to take it');
  });

  it('logs an event that is not JSON, not an event of the kind, or a raw event of another kind, each with its answer code', async () => {
    // Prepare
    const server = await start({ ship });
    const post = (body: string) =>
      fetch(`${server.url}/_skyport/ship`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    // Act
    const answers = [
      await post('{"body":'),
      await post('{"Body":{"orderId":"o1"}}'),
      await post(JSON.stringify(aws.scheduled())),
    ];

    // Assert
    const problems = (await Promise.all(answers.map((answer) => answer.json()))) as Record<string, unknown>[];
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    const lines = refusals(logs);
    expect(lines.map((line) => [line.level, line.status, line.code])).toEqual(
      problems.map((problem) => ['warn', 400, problem.code]),
    );
    expect(problems.map((problem) => problem.code)).toEqual(['MALFORMED_JSON', 'INVALID_EVENT', 'KIND_MISMATCH']);
    // The line and the answer name the same request.
    expect(lines.map((line) => line.requestId)).toEqual(problems.map((problem) => problem.requestId));
    expect(String(lines[0]?.msg)).toBe(
      'refused an event posted for "ship" (400 MALFORMED_JSON): the event is not valid JSON',
    );
    expect(runs).toBe(0);
  });

  it('logs a delivery to a name no event function has, and nothing for a request that is no delivery', async () => {
    // Prepare
    const server = await start({ ship });

    // Act
    const renamed = await fetch(`${server.url}/_skyport/shipOrders`, { method: 'POST', body: '{}' });
    const get = await fetch(`${server.url}/_skyport/nothing`);

    // Assert
    expect([renamed.status, get.status]).toEqual([404, 404]);
    expect(refusals(logs)).toEqual([
      expect.objectContaining({ level: 'warn', status: 404, functionName: 'shipOrders', path: '/_skyport/shipOrders' }),
    ]);
  });

  it('logs nothing for an event it takes, portable or a raw Pub/Sub push', async () => {
    // Prepare
    const server = await start({ ship });

    // Act
    const portable = await fetch(`${server.url}/_skyport/ship`, { method: 'POST', body: '{"body":{"orderId":"o1"}}' });
    const pushed = await fetch(`${server.url}/_skyport/ship`, {
      method: 'POST',
      body: JSON.stringify(gcp.pubsubPush({ data: { orderId: 'o2' } })),
      headers: { 'content-type': 'application/json' },
    });

    // Assert
    expect([portable.status, pushed.status]).toEqual([200, 200]);
    expect(refusals(logs)).toEqual([]);
    expect(runs).toBe(2);
  });
});
