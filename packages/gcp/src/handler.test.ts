import { http, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
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
