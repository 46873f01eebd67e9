import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { runHttp } from '../run.js';
import { cors } from './cors.js';

let logs = collectLogs();
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

const ctx = () => createContext({ cloud: 'aws', kind: 'http', requestId: 'r', functionName: 'b' });

/** The headers of a preflight for POST /b from `origin`, asking for `requested` headers. */
const preflight = (origin: string, requested?: string) => ({
  origin,
  'access-control-request-method': 'POST',
  ...(requested === undefined ? {} : { 'access-control-request-headers': requested }),
});

/** Whether any line was written at error level or above (a 500's log line). */
const errorLines = () => logs.lines.filter((line) => ['error', 'fatal', 'ERROR', 'FATAL'].includes(String(line.level)));

describe('cors() and what a client sends that no header can carry', () => {
  const open = http({ method: 'POST', path: '/b' })
    .use(cors())
    .handle(() => 'ok');

  it('answers a preflight asking for a header name outside ASCII without echoing it, never 500', async () => {
    // Act: through invoke(), and through runHttp() as every adapter runs a request.
    const invoked = await invoke(
      open,
      httpRequest({ method: 'OPTIONS', path: '/b', headers: preflight('https://a.example', 'x-\u00e9') }),
    );
    const run = await runHttp(
      open,
      { method: 'OPTIONS', path: '/b', headers: preflight('https://a.example', 'content-type, x-\u00e9') },
      ctx(),
    );

    // Assert: the preflight is answered as one whose headers are not allowed, so the browser refuses it.
    for (const res of [invoked, run]) {
      expect(res.status).toBe(204);
      expect(res.headers).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
        vary: 'Access-Control-Request-Headers',
      });
    }
    expect(errorLines()).toEqual([]);
  });

  it('does not echo a requested-headers value that is no list of names (a control character, a space in a name)', async () => {
    for (const requested of ['x-a\u0001', 'x a', 'x-a;b', 'x-a\u00ff']) {
      // Act
      const res = await invoke(
        open,
        httpRequest({ method: 'OPTIONS', path: '/b', headers: preflight('https://a.example', requested) }),
      );

      // Assert
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    }
    expect(errorLines()).toEqual([]);
  });

  it('still echoes a list of header names, spaces and empty elements as HTTP lists allow', async () => {
    for (const requested of ['content-type,x-trace-id', 'content-type, authorization', 'x-a ,\tx-b', 'x-a,,x-b']) {
      // Act
      const res = await invoke(
        open,
        httpRequest({ method: 'OPTIONS', path: '/b', headers: preflight('https://a.example', requested) }),
      );

      // Assert
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-headers']).toBe(requested);
    }
  });

  it.each([
    ['a RegExp', /\.shop\.example$/],
    ['a function', (origin: string) => origin.endsWith('.shop.example')],
  ])('treats an Origin outside ASCII as not allowed with %s origin, never 500', async (_name, origin) => {
    // Prepare
    const fn = http({ method: 'POST', path: '/b' })
      .use(cors({ origin, credentials: true }))
      .handle(() => 'ok');
    const bad = 'https://\u00e9.shop.example';

    // Act
    const preflighted = await invoke(
      fn,
      httpRequest({ method: 'OPTIONS', path: '/b', headers: preflight(bad, 'content-type') }),
    );
    const posted = await runHttp(fn, { method: 'POST', path: '/b', headers: { origin: bad } }, ctx());
    const good = await invoke(
      fn,
      httpRequest({ method: 'OPTIONS', path: '/b', headers: preflight('https://a.shop.example', 'content-type') }),
    );

    // Assert: answered as for an origin the option refuses; an ASCII origin is still allowed.
    expect(preflighted.status).toBe(204);
    expect(preflighted.headers).toEqual({ vary: 'Origin' });
    expect(posted.status).toBe(200);
    expect(posted.headers['access-control-allow-origin']).toBeUndefined();
    expect(posted.headers['access-control-allow-credentials']).toBeUndefined();
    expect(posted.headers.vary).toBe('Origin');
    expect(good.headers['access-control-allow-origin']).toBe('https://a.shop.example');
    expect(good.headers['access-control-allow-credentials']).toBe('true');
    expect(errorLines()).toEqual([]);
  });

  it('treats an Origin with a control character or a space as not allowed, without asking the option', async () => {
    // Prepare
    const asked: string[] = [];
    const fn = http({ method: 'POST', path: '/b' })
      .use(
        cors({
          origin: (origin) => {
            asked.push(origin);
            return true;
          },
        }),
      )
      .handle(() => 'ok');

    // Act
    const answers = await Promise.all(
      ['https://a.example\u0007', 'https://a .example', 'https://\u00e9.example'].map((origin) =>
        runHttp(fn, { method: 'POST', path: '/b', headers: { origin } }, ctx()),
      ),
    );

    // Assert
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(asked).toEqual([]);
    expect(errorLines()).toEqual([]);
  });
});
