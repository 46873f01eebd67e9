/**
 * A header Node keeps the first of when it is repeated (`Authorization`, `User-Agent`...) reaches
 * the function joined with `, `, as on API Gateway, Azure and `serve()`.
 */
import { connect } from 'node:net';
import { http } from '@skyport/core';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';
import { withRepeats } from './http.js';

afterAll(closeAll);

/** Sends `request` as it is and resolves what came back once the server closes the connection. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('repeated headers on the Functions Framework', () => {
  it('gives the function a repeated Authorization joined, not the first one alone', async () => {
    // Prepare
    const whoami = http({ method: 'GET', path: '/whoami' }).handle((req) => ({
      authorization: req.headers.authorization ?? null,
      agent: req.headers['user-agent'] ?? null,
    }));
    const port = await listen(toGcp(whoami));

    // Act
    const text = await exchange(
      port,
      'GET /whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer alice\r\nUser-Agent: a\r\n' +
        'authorization: Bearer mallory\r\nConnection: close\r\n\r\n',
    );

    // Assert
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({
      authorization: 'Bearer alice, Bearer mallory',
      agent: 'a',
    });
  });

  it('gives back the same headers when nothing Node keeps the first of is repeated', () => {
    // Prepare
    const headers = { accept: 'a, b', authorization: 'Bearer alice' };

    // Act
    const same = withRepeats(['Accept', 'a', 'Accept', 'b', 'Authorization', 'Bearer alice'], headers);
    const none = withRepeats(undefined, headers);

    // Assert
    expect(same).toBe(headers);
    expect(none).toBe(headers);
  });
});
