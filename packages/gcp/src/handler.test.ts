import { http, queue, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { toGcp } from './handler.js';
import type { FunctionsFramework, GcpOptions, GcpRequest, GcpResponse } from './types.js';

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

describe('toGcp: its options and the function’s gcp settings are checked when the handler is made', () => {
  const orders = queue({ name: 'orders' }).handle(() => undefined);

  it('takes every GcpOptions name', () => {
    // Prepare
    const options: Required<GcpOptions> = { name: 'orders', signature: 'cloudevent', timeoutSeconds: 60 };

    // Act
    const handler = toGcp(orders, options);

    // Assert
    expect(handler).toBeTypeOf('function');
    expect(handler.length).toBe(1);
  });

  it.each([
    [{ timeoutSecond: 60 }, 'gcp: toGcp(): unknown option "timeoutSecond" (did you mean "timeoutSeconds"?)'],
    [{ Signature: 'http' }, 'gcp: toGcp(): unknown option "Signature" (did you mean "signature"?)'],
    [
      { functionName: 'orders' },
      'gcp: toGcp(): unknown option "functionName" (known options: name, signature, timeoutSeconds)',
    ],
    [{ functions: {} }, 'gcp: toGcp(): unknown option "functions" (known options: name, signature, timeoutSeconds)'],
    [null, 'gcp: toGcp(): options must be an object, got null'],
    [{ signature: 'cloudEvent' }, 'gcp: toGcp() signature must be "http" or "cloudevent", got "cloudEvent"'],
    [{ timeoutSeconds: '60' }, 'gcp: toGcp() timeoutSeconds must be a positive number of seconds, got "60"'],
    [
      { timeoutSeconds: Number.POSITIVE_INFINITY },
      'gcp: toGcp() timeoutSeconds must be a positive number of seconds, got Infinity',
    ],
    [{ name: 5 }, 'gcp: toGcp() name must be a non-empty string, got 5'],
  ])('refuses %j: %s', (options, message) => {
    // Act
    const attempt = () => toGcp(orders, options as never);

    // Assert
    expect(attempt).toThrow(SkyportError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'gcp', message }));
  });

  it('refuses a function whose own gcp key is misspelt, naming its kind, rather than use the default timeout', () => {
    // Prepare
    const timed = queue({ name: 'orders', gcp: { timeout: 30 } }).handle(() => undefined);

    // Act
    const attempt = () => toGcp(timed, { name: 'fulfilOrder' });

    // Assert
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        kind: 'queue',
        message:
          'gcp: function "fulfilOrder" (queue): the gcp key: unknown option "timeout" (known options: name, signature, timeoutSeconds)',
      }),
    );
  });

  it('takes the Functions Framework register() hands on with its options', () => {
    // Prepare
    const functions: FunctionsFramework = { http: () => undefined, cloudEvent: () => undefined };

    // Act
    const attempt = () => toGcp(orders, { functions, signature: 'http' } as GcpOptions);

    // Assert
    expect(attempt).not.toThrow();
  });
});
