import { cors, http, router, type SkyportFunction } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange, start } from './__fixtures__/servers.js';

const origin = 'https://app.example';

/** The summary lines `logger()` wrote. */
function summaries(logs: LogCollector): Record<string, unknown>[] {
  return logs.find('invocation completed');
}

describe('serve() answers a malformed path and a body over the limit through the function that owns the request', () => {
  let logs: LogCollector;
  beforeEach(() => {
    logs = collectLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  /** A function on `/files/:name` with `cors()` and `logger()`, alone or as a router, counting its runs. */
  function files(shape: 'router' | 'function'): { fn: SkyportFunction<'http'>; runs: () => number } {
    let runs = 0;
    const handle = () => {
      runs++;
      return { ok: true };
    };
    const route = http({ method: ['GET', 'POST'], path: '/files/:name' });
    const fn =
      shape === 'router'
        ? router(route.handle(handle)).use(cors({ origin })).use(logger())
        : route.use(cors({ origin })).use(logger()).handle(handle);
    return { fn, runs: () => runs };
  }

  const postHead = (length: string) =>
    `POST /files/a HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\nContent-Type: text/plain\r\n${length}\r\n`;

  describe.each(['router', 'function'] as const)('on a %s with cors() and logger()', (shape) => {
    it('answers a path that is not valid percent-encoding 400 with its middleware', async () => {
      // Prepare
      const { fn, runs } = files(shape);
      const server = await start(fn);

      // Act
      const res = await fetch(`${server.url}/files/%E0%A4%A`, { headers: { origin } });

      // Assert
      expect(res.status).toBe(400);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(await res.json()).toMatchObject({ code: 'BAD_PATH' });
      expect(summaries(logs)).toEqual([
        expect.objectContaining({ outcome: 'client-error', method: 'GET', status: 400 }),
      ]);
      expect(runs()).toBe(0);
    });

    it('answers a body whose declared length is over the limit 413 with its middleware, and closes the connection', async () => {
      // Prepare
      const { fn, runs } = files(shape);
      const server = await start(fn, { bodyLimit: 1000 });

      // Act: 100 kB declared, a few bytes sent
      const { text, closed } = await exchange(server.port, `${postHead('Content-Length: 100000\r\n')}hello`);

      // Assert
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      expect(text).toContain(`access-control-allow-origin: ${origin}`);
      expect(text).toContain('connection: close');
      expect(text).toContain('"code":"BODY_TOO_LARGE"');
      expect(closed).toBe(true);
      expect(summaries(logs)).toEqual([
        expect.objectContaining({ outcome: 'client-error', method: 'POST', status: 413 }),
      ]);
      expect(runs()).toBe(0);
    });

    it('answers a chunked body 413 with its middleware once it passes the limit, without reading the rest', async () => {
      // Prepare
      const { fn, runs } = files(shape);
      const server = await start(fn, { bodyLimit: 1000 });
      const chunk = `100\r\n${'x'.repeat(256)}\r\n`;

      // Act: 256-byte chunks, sent for as long as the connection stays open
      const { text, closed } = await exchange(server.port, postHead('Transfer-Encoding: chunked\r\n'), chunk, 3000, 20);

      // Assert
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      expect(text).toContain(`access-control-allow-origin: ${origin}`);
      expect(closed).toBe(true);
      expect(summaries(logs)).toEqual([expect.objectContaining({ method: 'POST', status: 413 })]);
      expect(runs()).toBe(0);
    });
  });

  it('gives a body over the limit to the function its route picks among several, and answers 413 itself where none takes it', async () => {
    // Prepare
    const { fn } = files('function');
    const health = http({ method: 'GET', path: '/health' }).handle(() => 'ok');
    const server = await start({ fn, health }, { bodyLimit: 10 });

    // Act
    const routed = await fetch(`${server.url}/files/a`, { method: 'POST', headers: { origin }, body: 'x'.repeat(100) });
    const unrouted = await fetch(`${server.url}/nope`, { method: 'POST', headers: { origin }, body: 'x'.repeat(100) });

    // Assert
    expect(routed.status).toBe(413);
    expect(routed.headers.get('access-control-allow-origin')).toBe(origin);
    expect(unrouted.status).toBe(413);
    expect(unrouted.headers.get('access-control-allow-origin')).toBeNull();
    expect(summaries(logs)).toEqual([expect.objectContaining({ status: 413 })]);
  });

  it('answers a malformed path itself where several functions share the path space, or the one function has a static path', async () => {
    // Prepare
    const { fn } = files('function');
    const health = http({ method: 'GET', path: '/health' }).handle(() => 'ok');
    const several = await start({ fn, health });
    const fixed = await start(
      http({ method: 'GET', path: '/files' })
        .use(cors({ origin }))
        .handle(() => 'files'),
    );

    // Act
    const shared = await fetch(`${several.url}/files/%E0%A4%A`, { headers: { origin } });
    const static_ = await fetch(`${fixed.url}/files%E0%A4%A`, { headers: { origin } });

    // Assert
    for (const res of [shared, static_]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'BAD_PATH' });
    }
  });

  it('gives a malformed path to a lone function without a path, whose pipeline refuses it once the path is read', async () => {
    // Prepare
    const any = http()
      .use(cors({ origin }))
      .handle((req) => ({ path: req.path }));
    const server = await start(any);

    // Act
    const res = await fetch(`${server.url}/files/%E0%A4%A`, { headers: { origin } });

    // Assert
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(await res.json()).toMatchObject({ code: 'BAD_PATH' });
  });
});
