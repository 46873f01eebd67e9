/**
 * Errors of a function module bundled with its own copy of `@skyport/core` (esbuild inlines the
 * package), thrown where this package's copy answers: the event routes of `serve()` and
 * `skyport invoke` tell them by core's brand, as errors of this copy, and answer alike.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Conflict, queue, SkyportError, type SkyportFunction, skyportErrorOf } from '@skyport/core';
import { aws } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bundleWithOwnCore } from './__fixtures__/bundle.js';
import { start } from './__fixtures__/servers.js';
import { type CliIo, main } from './cli/main.js';
import { errorToJson } from './failures.js';
import type { ServeHandle } from './types.js';

const _here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The module, as a user writes it; `define` below is the same with this package's copy. */
const source = `
import { Conflict, queue, SkyportError } from '@skyport/core';
import { z } from 'zod';

export const orders = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle(() => {});
export const ship = queue({ name: 'ship' }).handle(() => {
  throw new Conflict('order already shipped', { code: 'SHIPPED' });
});
export const audit = queue({ name: 'audit' }).handle(() => {
  throw new SkyportError('INVALID_DEFINITION', 'audit password=hunter2');
});
export const parse = queue({ name: 'parse' }).handle(() => {
  throw new SkyportError('INVALID_EVENT', 'the message names no order');
});
`;

type Functions = Record<'orders' | 'ship' | 'audit' | 'parse', SkyportFunction<'queue'>>;

/** `source` with this package's copy of core. */
const define = (): Functions => ({
  orders: queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle(() => {}),
  ship: queue({ name: 'ship' }).handle(() => {
    throw new Conflict('order already shipped', { code: 'SHIPPED' });
  }),
  audit: queue({ name: 'audit' }).handle(() => {
    throw new SkyportError('INVALID_DEFINITION', 'audit password=hunter2');
  }),
  parse: queue({ name: 'parse' }).handle(() => {
    throw new SkyportError('INVALID_EVENT', 'the message names no order');
  }),
});

let dir: string;
let bundled: string;
let bundle: Functions;

beforeAll(async () => {
  ({ dir, file: bundled } = await bundleWithOwnCore(source, 'skyport-bundled-errors-'));
  bundle = (await import(pathToFileURL(bundled).href)) as Functions;
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** `serve()` of `functions`, with `NODE_ENV` as given while it starts (production hides messages). */
async function serveWith(functions: Functions, nodeEnv: string): Promise<ServeHandle> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = nodeEnv;
  try {
    return await start(functions, { eventRoutes: true });
  } finally {
    process.env.NODE_ENV = previous;
  }
}

/** Status and JSON body of an event posted to `/_skyport/<name>`, without the per-request id. */
async function post(server: ServeHandle, name: string, event: unknown): Promise<[number, unknown]> {
  const res = await fetch(`${server.url}/_skyport/${name}`, { method: 'POST', body: JSON.stringify(event) });
  const { requestId: _, ...body } = (await res.json()) as Record<string, unknown>;
  return [res.status, body];
}

const message = { id: 'm1', body: { orderId: 5 } };

describe('serve() event routes of a module bundled with its own copy of core', () => {
  it('keep the code and the failing fields of its validation errors, and its HttpErrors’ code', async () => {
    // Prepare
    const other = await serveWith(bundle, 'test');
    const same = await serveWith(define(), 'test');

    // Act
    const invalid = await post(other, 'orders', message);
    const shipped = await post(other, 'ship', message);
    const failed = await post(other, 'audit', message);

    // Assert
    expect(invalid).toEqual([
      500,
      {
        ok: false,
        failures: [
          {
            id: 'm1',
            skipped: false,
            error: {
              name: 'SkyportError',
              message: 'invalid body',
              code: 'VALIDATION',
              errors: [{ path: 'body.orderId', message: expect.any(String) }],
            },
          },
        ],
      },
    ]);
    expect(shipped).toEqual([
      500,
      {
        ok: false,
        failures: [
          { id: 'm1', skipped: false, error: { name: 'Conflict', message: 'order already shipped', code: 'SHIPPED' } },
        ],
      },
    ]);
    expect(failed[1]).toMatchObject({
      failures: [{ error: { name: 'SkyportError', message: 'audit password=hunter2', code: 'INVALID_DEFINITION' } }],
    });
    // As with one copy.
    expect(invalid).toEqual(await post(same, 'orders', message));
    expect(shipped).toEqual(await post(same, 'ship', message));
    expect(failed).toEqual(await post(same, 'audit', message));
  });

  it('in production, still show a validation error and a Conflict, and keep the code of any other', async () => {
    // Prepare
    const other = await serveWith(bundle, 'production');
    const same = await serveWith(define(), 'production');

    // Act
    const invalid = await post(other, 'orders', message);
    const shipped = await post(other, 'ship', message);
    const failed = await post(other, 'audit', message);

    // Assert
    expect(invalid[1]).toMatchObject({
      failures: [{ error: { message: 'invalid body', code: 'VALIDATION', errors: [{ path: 'body.orderId' }] } }],
    });
    expect(shipped[1]).toMatchObject({
      failures: [{ error: { name: 'Conflict', message: 'order already shipped', code: 'SHIPPED' } }],
    });
    expect(failed[1]).toEqual({
      ok: false,
      failures: [
        {
          id: 'm1',
          skipped: false,
          error: {
            name: 'SkyportError',
            message: 'the handler failed (details are in the logs)',
            code: 'INVALID_DEFINITION',
          },
        },
      ],
    });
    expect(invalid).toEqual(await post(same, 'orders', message));
    expect(shipped).toEqual(await post(same, 'ship', message));
    expect(failed).toEqual(await post(same, 'audit', message));
  });

  it('answer a raw event whose SkyportError says it cannot be taken 400, and a handler’s failure with its code', async () => {
    // Prepare: SNS events are not batches, so the adapter rethrows what the handler throws
    const other = await serveWith(bundle, 'test');
    const same = await serveWith(define(), 'test');

    // Act
    const refused = await post(other, 'parse', aws.sns());
    const shipped = await post(other, 'ship', aws.sns());

    // Assert
    expect(refused).toEqual([
      400,
      expect.objectContaining({ status: 400, code: 'INVALID_EVENT', detail: 'the message names no order' }),
    ]);
    expect(shipped).toEqual([
      500,
      { ok: false, error: { name: 'Conflict', message: 'order already shipped', code: 'SHIPPED' } },
    ]);
    expect(refused).toEqual(await post(same, 'parse', aws.sns()));
    expect(shipped).toEqual(await post(same, 'ship', aws.sns()));
  });
});

/** The CLI's output, captured in process. */
function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('skyport invoke of a module bundled with its own copy of core', () => {
  it('prints the code and failing fields of a validation error, and exits 2 for an event it refuses', async () => {
    // Prepare
    const portable = join(dir, 'message.json');
    writeFileSync(portable, JSON.stringify(message));
    const sns = join(dir, 'sns.json');
    writeFileSync(sns, JSON.stringify(aws.sns()));
    const invalidIo = capture();
    const refusedIo = capture();

    // Act
    const invalid = await main(['invoke', `${bundled}#orders`, '--event', portable], invalidIo);
    const refused = await main(['invoke', `${bundled}#parse`, '--cloud', 'aws', '--event', sns], refusedIo);

    // Assert
    expect(invalid).toBe(1);
    expect(JSON.parse(invalidIo.stdout())).toEqual({
      ok: false,
      failures: [
        {
          id: 'm1',
          skipped: false,
          error: {
            name: 'SkyportError',
            message: 'invalid body',
            code: 'VALIDATION',
            errors: [{ path: 'body.orderId', message: expect.any(String) }],
          },
        },
      ],
    });
    expect(refused).toBe(2);
    expect(refusedIo.stdout()).toBe('');
    // After the handler's log line.
    expect(refusedIo.stderr()).toContain(
      `\nskyport: the event file ${sns} is not an event parse takes: the message names no order\n` +
        'Run "skyport invoke --help" for usage.\n',
    );
  });
});

describe('errorToJson() of a value carrying core’s brand', () => {
  it('reads only fields of the right type; skyportErrorOf() takes a value that throws when read for none', () => {
    // Prepare
    const brand = Symbol.for('skyport.error.v1');
    const noCode = Object.assign(Object.create({ [brand]: 'SkyportError' }), { message: 'x', code: 7 });
    const odd = Object.assign(Object.create({ [brand]: 'SkyportError' }), {
      code: 'VALIDATION',
      errors: [{ path: 'body.a', message: 'Required' }, { path: 1 }, null],
    });
    const hidden = Object.assign(Object.create({ [brand]: 'HttpError' }), {
      name: 'Gone',
      message: 'm',
      expose: 'yes',
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();

    // Act
    const results = [noCode, odd, hidden].map((value) => errorToJson(value, false));
    const revoked = skyportErrorOf(proxy);

    // Assert
    expect(results).toEqual([
      { name: 'Error', message: 'the handler failed (details are in the logs)' },
      { name: 'SkyportError', message: '', code: 'VALIDATION', errors: [{ path: 'body.a', message: 'Required' }] },
      { name: 'Error', message: 'the handler failed (details are in the logs)' },
    ]);
    expect(revoked).toBeUndefined();
  });
});

describe('errorToJson() of a SkyportError of this copy', () => {
  it('passes its failing fields on as they are, whatever fields they carry', () => {
    // Prepare: issues as a schema library of its own might shape them
    const errors = [
      { path: ['body', 'a'], message: 'required' },
      { path: 'body.b', message: 'expected a string', expected: 'string' },
    ];
    const error = new SkyportError('VALIDATION', 'bad input', { errors: errors as never });

    // Act
    const json = errorToJson(error, false);

    // Assert
    expect(json).toEqual({ name: 'SkyportError', message: 'bad input', code: 'VALIDATION', errors });
  });
});
