import * as functions from '@google-cloud/functions-framework';
import { events, http, SkyportError } from '@skyport/core';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, listen, serveRegistered } from './__fixtures__/server.js';
import { toGcp } from './handler.js';
import type { GcpRequest, GcpResponse } from './types.js';

function capture() {
  const out = { status: 0, headers: {} as Record<string, unknown>, body: undefined as unknown };
  const res: GcpResponse = {
    get statusCode() {
      return out.status;
    },
    set statusCode(status: number) {
      out.status = status;
    },
    setHeader: (name, value) => {
      out.headers[name] = value;
    },
    end: (chunk) => {
      out.body = chunk;
    },
  };
  return { out, res };
}

describe('toGcp', () => {
  it("forwards the framework's timeout to ctx.signal as a TimeoutError", async () => {
    // Prepare
    const controller = new AbortController();
    const fn = http().handle(
      (_req, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve({ aborted: (ctx.signal.reason as Error).name }));
          controller.abort('timeout');
        }),
    );
    const req: GcpRequest = { method: 'GET', url: '/', headers: {}, abortController: controller };
    const { out, res } = capture();

    // Act
    await toGcp(fn)(req, res);

    // Assert
    expect(out.status).toBe(200);
    expect(out.body).toBe('{"aborted":"TimeoutError"}');
  });

  it('reads the body stream when no framework parser consumed it', async () => {
    const fn = http().handle((req) => ({ size: req.rawBody.byteLength, text: new TextDecoder().decode(req.rawBody) }));
    async function* chunks() {
      yield Buffer.from('he');
      yield 'llo';
    }
    const req: GcpRequest = {
      method: 'POST',
      url: '/x?y=1',
      headers: {},
      readableEnded: false,
      [Symbol.asyncIterator]: chunks,
    };
    const { out, res } = capture();
    await toGcp(fn)(req, res);
    expect(out.body).toBe('{"size":5,"text":"hello"}');
  });

  it('refuses, from plain JavaScript, what is not a portable function and the cloudevent signature for http', () => {
    const api = http().handle(() => undefined);
    expect(() => Reflect.apply(toGcp, undefined, [{}])).toThrow(SkyportError);
    expect(() => Reflect.apply(toGcp, undefined, [api, { signature: 'cloudevent' }])).toThrow(/cloudevent signature/);
  });
});

/** Values whose every read throws, as a handler may throw them. */
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
];

const cloudEvent = {
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: JSON.stringify({ specversion: '1.0', id: 'e-1', source: '//example.com', type: 'com.example.x', data: {} }),
};

describe('a handler throwing a value that cannot be read, behind the real Functions Framework', () => {
  afterAll(closeAll);
  let registered = 0;
  const throwing = (value: () => unknown) =>
    events().handle(() => {
      throw value();
    });

  it.each(unreadable)('http signature: %s is answered with the problem+json 500', async (_name, value) => {
    // Prepare
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
      const name = `unreadable-${++registered}`;
      functions.cloudEvent(name, toGcp(throwing(value), { signature: 'cloudevent' }));
      const server = await serveRegistered(name);

      try {
        // Act
        const res = await fetch(server.url, { ...cloudEvent, signal: AbortSignal.timeout(10_000) });

        // Assert
        expect(res.status).toBe(500);
        expect(await res.text()).toBe('the events function failed with a value that cannot be read');
      } finally {
        await server.close();
      }
    },
  );
});
