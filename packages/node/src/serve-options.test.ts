/**
 * `serve()` refuses, before it listens, an option it does not take and one of the wrong type:
 * from plain JavaScript or configuration, such a value would otherwise be ignored or turn into a
 * deadline, a drain or event routes the caller did not ask for.
 */
import { http, queue, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { closeAfter } from './__fixtures__/servers.js';
import { checkServeOptions, serve } from './serve.js';
import type { ServeOptions } from './types.js';

const probe = http({ method: 'GET', path: '/' }).handle(() => 'ok');
const work = queue({ name: 'work' }).handle(() => {});

/** What `serve()` settles with: the error it rejects with, or the server (closed after the test). */
async function outcome(options: unknown): Promise<unknown> {
  const base = { port: 0, host: '127.0.0.1', announce: false };
  const given = typeof options === 'object' && options !== null ? { ...base, ...options } : options;
  return serve({ probe, work }, given as ServeOptions).then(closeAfter, (error: unknown) => error);
}

describe('serve() options', () => {
  it.each([
    ['timeoutMs', { timeoutMs: '5000' }, 'timeoutMs must be an integer of at least 1, got "5000"'],
    ['timeoutMs', { timeoutMs: Number.NaN }, 'got NaN'],
    ['timeoutMs', { timeoutMs: -1 }, 'got -1'],
    ['timeoutMs', { timeoutMs: 0 }, 'got 0'],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: Number.NaN }, 'got NaN'],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: 'x' }, 'got "x"'],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: -1 }, 'from 0 to 2147483647, got -1'],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: 2 ** 31 }, 'got 2147483648'],
    ['eventRoutes', { eventRoutes: 'false' }, 'eventRoutes must be true or false, got "false"'],
    ['eventRoutes', { eventRoute: false }, 'unknown option "eventRoute" (did you mean "eventRoutes"?)'],
    ['host', { host: 5 }, 'host must be a string, got 5'],
    ['print', { print: 5 }, 'print must be a function, got 5'],
    ['announce', { announce: 'no' }, 'announce must be true or false, got "no"'],
    ['timeoutMs', { timeoutMS: 1000 }, 'unknown option "timeoutMS" (did you mean "timeoutMs"?)'],
    ['port', { port: '3000' }, 'port must be an integer 0-65535, got "3000"'],
    ['trustProxy', { trustProxy: '1' }, 'got "1"'],
  ])('refuses a bad %s (%o) before it listens', async (name, options, message) => {
    // Act
    const result = await outcome(options);

    // Assert
    expect(result).toBeInstanceOf(SkyportError);
    expect(result).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'node' });
    expect((result as Error).message).toMatch(/^serve\(\): /);
    expect((result as Error).message).toContain(name);
    expect((result as Error).message).toContain(message);
  });

  it('refuses options that are no object', async () => {
    // Act / Assert
    await expect(serve({ probe }, null as unknown as ServeOptions)).rejects.toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'serve(): options must be an object, got null',
    });
  });

  it('takes every documented option, and options left undefined, as the CLI passes them', async () => {
    // Prepare
    const lines: string[] = [];
    const every: Required<{ [K in keyof ServeOptions]: NonNullable<ServeOptions[K]> }> = {
      port: 0,
      host: '127.0.0.1',
      bodyLimit: 1024,
      timeoutMs: 5000,
      shutdownTimeoutMs: 1000,
      keepAliveTimeoutMs: 70_000,
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 5000,
      eventRoutes: false,
      trustProxy: 1,
      announce: true,
      print: (line) => lines.push(line),
    };
    const cli: ServeOptions = {
      port: 0,
      host: '127.0.0.1',
      bodyLimit: undefined,
      requestTimeoutMs: undefined,
      headersTimeoutMs: undefined,
      timeoutMs: undefined,
      keepAliveTimeoutMs: undefined,
      shutdownTimeoutMs: undefined,
      eventRoutes: undefined,
      trustProxy: undefined,
      announce: false,
    };

    // Act
    const server = closeAfter(await serve({ probe, work }, every));
    const other = closeAfter(await serve({ probe }, cli));
    const event = await fetch(`${server.url}/_skyport/work`, { method: 'POST', body: '{}' });

    // Assert
    expect(lines[0]).toContain(server.url);
    expect(event.status).toBe(404);
    expect((await fetch(other.url)).status).toBe(200);
    expect(() => checkServeOptions(every)).not.toThrow();
    expect(() => checkServeOptions(cli)).not.toThrow();
  });

  it('refuses what serve() refuses from checkServeOptions() too, without serving', () => {
    // Act / Assert
    expect(() => checkServeOptions({ eventRoutes: 'false' } as unknown as ServeOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('eventRoutes') }),
    );
    expect(() => checkServeOptions({ timeoutMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('timeoutMs') }),
    );
  });
});
