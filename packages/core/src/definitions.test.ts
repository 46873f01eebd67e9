import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { http } from './builders.js';

const octets = (size: number) =>
  httpRequest({
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(size),
  });

describe('http() bodyLimit', () => {
  it('refuses, when the function is defined, a limit that is not a whole number of bytes >= 0', () => {
    // Prepare
    const unset = Number(process.env.SKYPORT_UNSET_BODY_LIMIT);
    const define = (bodyLimit: unknown) => () =>
      http({ method: 'POST', path: '/upload', bodyLimit: bodyLimit as number }).handle(() => 'ok');

    // Act / Assert
    for (const bodyLimit of [unset, Number.NaN, -1, 1.5, Number.NEGATIVE_INFINITY, '1mb', '1024', null, 1024n]) {
      expect(define(bodyLimit), String(bodyLimit)).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          kind: 'http',
          message: expect.stringContaining('bodyLimit'),
        }),
      );
    }
  });

  it('takes Infinity as no limit', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: Number.POSITIVE_INFINITY }).handle(
      (req) => req.rawBody.length,
    );

    // Act
    const answer = await invoke(fn, octets(7 * 1024 * 1024));

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(7 * 1024 * 1024);
  });

  it('takes 0 as no body at all: an empty request passes, one byte gets 413', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/ping', bodyLimit: 0 }).handle(() => 'pong');

    // Act
    const empty = await invoke(fn, httpRequest({ method: 'POST', path: '/ping' }));
    const oneByte = await invoke(fn, octets(1));

    // Assert
    expect(empty.status).toBe(200);
    expect(oneByte.status).toBe(413);
    expect(oneByte.body).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('keeps the 6 MB default when bodyLimit is left out or undefined', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: undefined }).handle(() => 'ok');

    // Act
    const answer = await invoke(fn, octets(6 * 1024 * 1024 + 1));

    // Assert
    expect(answer.status).toBe(413);
  });
});
