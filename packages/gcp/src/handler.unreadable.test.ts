/**
 * A handler that throws a value whose reads throw, behind the real Functions Framework: the
 * request is answered either way, with core as it is and with a core that rethrows the value as
 * it was thrown (so the adapter is checked on its own).
 */
import * as functions from '@google-cloud/functions-framework';
import { events } from '@skyport/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeAll, listen, serveRegistered } from './__fixtures__/server.js';
import { toGcp } from './handler.js';

const core = vi.hoisted(() => ({ rethrowAsThrown: false }));

vi.mock('@skyport/core', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@skyport/core')>();
  const runEvent: typeof actual.runEvent = async (fn, event, ctx) => {
    if (!core.rethrowAsThrown) return actual.runEvent(fn, event, ctx);
    try {
      return await fn.dispatch(event, ctx);
    } finally {
      actual.endContext(ctx);
    }
  };
  return { ...actual, runEvent };
});

/** Values that cannot be read as text, as a handler may throw them. */
const unreadable: readonly (readonly [string, () => unknown])[] = [
  [
    'a revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  ],
  [
    'an Error whose message and stack getters throw',
    () => {
      const error = new Error('hidden');
      for (const key of ['stack', 'message']) {
        Object.defineProperty(error, key, {
          get() {
            throw new Error(`${key} cannot be read`);
          },
        });
      }
      return error;
    },
  ],
  ['an object without a prototype', () => Object.create(null)],
  // `(err.message || err) + ''`, as the framework makes its answer's text, throws for a symbol.
  ['a symbol', () => Symbol('boom')],
  ['an object whose message is a symbol', () => ({ message: Symbol('boom') })],
];

const cloudEvent = {
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: JSON.stringify({ specversion: '1.0', id: 'e-1', source: '//example.com', type: 'com.example.x', data: {} }),
};

let registered = 0;
afterAll(closeAll);

describe.each([
  ['core as it is', false],
  ['a core rethrowing the value as thrown', true],
])('a handler throwing a value that cannot be read, with %s', (_core, rethrowAsThrown) => {
  afterEach(() => {
    core.rethrowAsThrown = false;
  });
  const throwing = (value: () => unknown) =>
    events().handle(() => {
      throw value();
    });

  it.each(unreadable)('http signature: %s is answered with the problem+json 500', async (_name, value) => {
    // Prepare
    core.rethrowAsThrown = rethrowAsThrown;
    const port = await listen(toGcp(throwing(value), { signature: 'http' }));

    // Act
    // A request the framework never answers fails the test instead of hanging it.
    const res = await fetch(`http://127.0.0.1:${port}/`, { ...cloudEvent, signal: AbortSignal.timeout(10_000) });

    // Assert
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
  });

  it.each(unreadable)(
    'cloudevent signature: %s rejects with an Error the framework answers 500',
    async (_name, value) => {
      // Prepare
      core.rethrowAsThrown = rethrowAsThrown;
      const name = `unreadable-${++registered}`;
      functions.cloudEvent(name, toGcp(throwing(value), { signature: 'cloudevent' }));
      const server = await serveRegistered(name);

      try {
        // Act
        const res = await fetch(server.url, { ...cloudEvent, signal: AbortSignal.timeout(10_000) });

        // Assert
        expect(res.status).toBe(500);
        // Outside production the framework sends the message: the value itself could not give one.
        expect(await res.text()).toMatch(/^the events function failed with a value that cannot be read/);
      } finally {
        await server.close();
      }
    },
  );
});
