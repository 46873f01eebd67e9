import { Writable } from 'node:stream';
import { http, queue, SkyportError, setLogDestination } from '@skyport/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { toLambda } from './to-lambda.js';
import type { LambdaContext } from './types.js';

// A faithful fake of what the Lambda Node.js runtime (aws-lambda-nodejs-runtime-interface-client)
// gives a handler module: the `awslambda` global (UserFunction.js), `HttpResponseStream.from`
// (HttpResponseStream.js), the response stream (ResponseStream.js) and the streaming invoke loop
// (Runtime.js `handleOnceStreaming`).

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

type FirstWrite = (write: (chunk: string | Uint8Array) => boolean) => void;

/** The runtime's response stream: a Writable whose first write runs `_onBeforeFirstWrite`. */
class FakeResponseStream extends Writable {
  contentType = 'application/octet-stream';
  trailers: Record<string, string> | undefined;
  _onBeforeFirstWrite: FirstWrite | undefined;
  readonly received: Buffer[] = [];
  #ready = true;
  #onWrite: (() => void) | undefined;

  constructor() {
    super({ highWaterMark: 16 });
  }

  setContentType(contentType: string): void {
    if (!this.#ready) throw new Error('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  override write(chunk: string | Uint8Array, ...rest: never[]): boolean {
    if (this.#ready && typeof this._onBeforeFirstWrite === 'function') {
      this._onBeforeFirstWrite((ch) => super.write(ch));
    }
    const ret = super.write(chunk, ...rest);
    this.#ready = false;
    return ret;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received.push(chunk);
    this.#onWrite?.();
    // Asynchronous, as a socket is: a fast producer meets backpressure.
    setImmediate(callback);
  }

  /** Everything sent so far. */
  bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  /** Resolves once something more than `length` bytes was sent. */
  until(length: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.bytes().length > length) {
          this.#onWrite = undefined;
          resolve();
        }
      };
      this.#onWrite = check;
      check();
    });
  }

  /** ResponseStream.js `fail`: the error in the trailers, then the end of the response. */
  fail(error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    this.trailers = {
      'Lambda-Runtime-Function-Error-Type': err.name,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify({ errorMessage: err.message })).toString(
        'base64',
      ),
    };
    return new Promise((resolve) => {
      this.end(resolve);
    });
  }
}

const fakeRuntime = {
  streamifyResponse<T extends object>(handler: T): T {
    (handler as Record<symbol, unknown>)[HANDLER_STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream: {
    from(underlyingStream: FakeResponseStream, prelude: unknown): FakeResponseStream {
      underlyingStream.setContentType(PRELUDE_CONTENT_TYPE);
      const metadataPrelude = JSON.stringify(prelude);
      underlyingStream._onBeforeFirstWrite = (write) => {
        write(metadataPrelude);
        write(new Uint8Array(8));
      };
      return underlyingStream;
    },
  },
};

type StreamingHandler = (event: unknown, stream: FakeResponseStream, context: LambdaContext) => unknown;

interface Invocation {
  readonly stream: FakeResponseStream;
  /** Settles as the runtime's invoke does: with the handler's error, if it failed. */
  readonly done: Promise<unknown>;
}

/** Runtime.js `handleOnceStreaming`, for one event. */
function invokeStreaming(handler: unknown, event: unknown, context = createLambdaContext()): Invocation {
  const fn = handler as StreamingHandler & Record<symbol, unknown>;
  expect(fn[HANDLER_STREAMING]).toBe('response');
  const stream = new FakeResponseStream();
  const done = (async () => {
    try {
      const result = fn(event, stream, context);
      if (!(result instanceof Promise)) throw new Error('Streaming does not support non-async handlers.');
      await result;
      if (!stream.writableFinished) await new Promise((resolve) => stream.once('finish', resolve));
      return undefined;
    } catch (error) {
      await stream.fail(error);
      return error;
    }
  })();
  return { stream, done };
}

/** The bytes the runtime sends for a prelude and content. */
function sent(prelude: unknown, ...content: (string | Uint8Array)[]): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(prelude)), Buffer.alloc(8), ...content.map((c) => Buffer.from(c))]);
}

const functionUrl = () =>
  fixture('lambda-url/aws-lambda-go__function-url-request-with-headers-and-cookies-and-text-body.json');
const restApi = () => fixture('apigw-rest/powertools-ts__no-auth.json');

let logs: string[] = [];
let restoreLog: (() => void) | undefined;
beforeEach(() => {
  logs = [];
  restoreLog = setLogDestination({ write: (line) => logs.push(String(line)) });
  (globalThis as Record<string, unknown>).awslambda = fakeRuntime;
});
afterEach(() => {
  delete (globalThis as Record<string, unknown>).awslambda;
  restoreLog?.();
});

/** A gate a producer waits at, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('toLambda(fn, { stream: true }) in the Lambda runtime', () => {
  it('marks the handler as streaming and sends the prelude, then each chunk as it is produced', async () => {
    // Prepare
    const between = gate();
    let after = false;
    const fn = http({ stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: (async function* () {
        yield 'data: 1\n\n';
        await between.opened;
        after = true;
        yield 'data: 2\n\n';
      })(),
    }));
    const handler = toLambda(fn, { stream: true });
    const prelude = {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    };
    // Act
    const { stream, done } = invokeStreaming(handler, functionUrl());
    await stream.until(sent(prelude).length);
    await stream.until(sent(prelude, 'data: 1\n\n').length - 1);
    // Assert: the first event is out while the producer waits for the second
    expect(after).toBe(false);
    expect(stream.contentType).toBe(PRELUDE_CONTENT_TYPE);
    expect(stream.bytes()).toEqual(sent(prelude, 'data: 1\n\n'));
    expect(stream.writableEnded).toBe(false);
    between.open();
    expect(await done).toBeUndefined();
    expect(stream.bytes()).toEqual(sent(prelude, 'data: 1\n\n', 'data: 2\n\n'));
    expect(stream.writableFinished).toBe(true);
    expect(stream.trailers).toBeUndefined();
  });

  it('maps a Function URL request, and answers status, headers and cookies in the Function URL prelude', async () => {
    // Prepare
    let seen: { method: string; path: string; cookie: string | undefined; body: unknown } | undefined;
    const fn = http({ stream: true }).handle((req) => {
      seen = { method: req.method, path: req.path, cookie: req.header('cookie'), body: req.body };
      return {
        status: 201,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-trace': 't-1' },
        cookies: [{ name: 'session', value: 'abc', httpOnly: true }],
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('hello '));
            controller.enqueue(new TextEncoder().encode('world'));
            controller.close();
          },
        }),
      };
    });
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), functionUrl());
    // Assert
    expect(await done).toBeUndefined();
    expect(seen).toEqual({ method: 'POST', path: '/hello', cookie: 'foo=bar; hello=hello', body: { hello: 'world' } });
    const prelude = {
      statusCode: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-trace': 't-1' },
      cookies: ['session=abc; HttpOnly'],
    };
    expect(stream.bytes()).toEqual(sent(prelude, 'hello ', 'world'));
  });

  it('answers a REST API request with its cookies in multiValueHeaders, the prelude REST streaming takes', async () => {
    // Prepare
    const fn = http({ stream: true }).handle((req) => ({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      cookies: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
      body: (async function* () {
        yield `${req.method} ${req.path}`;
      })(),
    }));
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), restApi());
    // Assert
    expect(await done).toBeUndefined();
    const prelude = {
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
    };
    expect(stream.bytes()).toEqual(sent(prelude, 'POST /no-auth'));
  });

  it('sends a buffered answer through the prelude, bytes as they are (no base64)', async () => {
    // Prepare
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const fn = http({}).handle(() => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    }));
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), functionUrl());
    // Assert
    expect(await done).toBeUndefined();
    expect(stream.bytes()).toEqual(
      sent({ statusCode: 200, headers: { 'content-type': 'application/octet-stream' } }, bytes),
    );
  });

  it('sends the status and headers of an answer without content (the runtime sends the prelude on a write only)', async () => {
    // Prepare
    const fn = http({ stream: true }).handle(() => ({ status: 302, headers: { location: '/next' } }));
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), functionUrl());
    // Assert
    expect(await done).toBeUndefined();
    const response = JSON.parse(stream.bytes().subarray(0, -8).toString()) as { statusCode: number; headers: object };
    expect(response.statusCode).toBe(302);
    expect(response.headers).toMatchObject({ location: '/next' });
    expect(stream.bytes().subarray(-8)).toEqual(Buffer.alloc(8));
  });

  it('writes with backpressure: a producer is not read ahead of the response stream', async () => {
    // Prepare: the fake stream holds 16 bytes before write() says to wait
    let produced = 0;
    const fn = http({ stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        for (let i = 0; i < 50; i++) {
          produced++;
          yield 'x'.repeat(64);
        }
      })(),
    }));
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), functionUrl());
    const prelude = { statusCode: 200, headers: { 'content-type': 'text/plain' } };
    await stream.until(sent(prelude).length);
    // Assert
    expect(produced).toBeLessThan(5);
    expect(await done).toBeUndefined();
    expect(produced).toBe(50);
    expect(stream.bytes()).toEqual(sent(prelude, 'x'.repeat(64 * 50)));
  });

  it('fails the invocation when the content fails mid-stream: logged, reported in the trailers, the answer cut off', async () => {
    // Prepare
    const fn = http({ stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        yield 'part one';
        throw new Error('upstream went away');
      })(),
    }));
    const context = createLambdaContext({ awsRequestId: 'req-stream-1' });
    // Act
    const { stream, done } = invokeStreaming(toLambda(fn, { stream: true }), functionUrl(), context);
    const error = await done;
    // Assert
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('upstream went away');
    expect(stream.bytes()).toEqual(sent({ statusCode: 200, headers: { 'content-type': 'text/plain' } }, 'part one'));
    // The runtime could send its trailers: the response stream was ended by it, not destroyed.
    expect(stream.writableFinished).toBe(true);
    expect(stream.errored).toBeNull();
    expect(stream.trailers?.['Lambda-Runtime-Function-Error-Type']).toBe('Error');
    const logged = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.level === 'ERROR');
    expect(logged).toMatchObject({ requestId: 'req-stream-1', err: { message: 'upstream went away' } });
  });

  it.each([
    ['an HTTP API 2.0 event', 'apigw-http/powertools-ts__no-auth.json', 'KIND_MISMATCH', 'apigw-v2'],
    ['an ALB event', 'alb/powertools-ts__base.json', 'KIND_MISMATCH', 'alb'],
    ['an SQS event', 'sqs/powertools-ts__base.json', 'KIND_MISMATCH', 'sqs'],
  ])('refuses %s with a SkyportError naming the sources it takes', async (_name, path, code, shape) => {
    // Prepare
    const fn = http({ stream: true }).handle(() => 'never');
    // Act
    const error = await invokeStreaming(toLambda(fn, { stream: true }), fixture(path)).done;
    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect(error).toMatchObject({ code, shape, adapter: 'aws', kind: 'http' });
    expect((error as Error).message).toContain('function-url');
  });

  it('refuses an HTTP API payload 1.0 event and an unknown one', async () => {
    // Prepare
    const fn = http({ stream: true }).handle(() => 'never');
    const handler = toLambda(fn, { stream: true });
    // Act
    const v1 = await invokeStreaming(handler, { ...restApi(), version: '1.0' }).done;
    const unknown = await invokeStreaming(handler, { hello: 'world' }).done;
    // Assert
    expect(v1).toMatchObject({ code: 'KIND_MISMATCH', shape: 'apigw-v1' });
    expect((v1 as Error).message).toContain('HTTP API');
    expect(unknown).toMatchObject({ code: 'UNKNOWN_EVENT', shape: 'unknown' });
  });
});

describe('toLambda(fn, { stream: true }) elsewhere', () => {
  it('is the buffered handler without the awslambda global, the content read whole', async () => {
    // Prepare
    delete (globalThis as Record<string, unknown>).awslambda;
    const fn = http({ stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        yield 'a';
        yield 'b';
      })(),
    }));
    const handler = toLambda(fn, { stream: true });
    // Act
    const result = (await handler(functionUrl() as never, createLambdaContext())) as Exclude<
      APIGatewayProxyResultV2,
      string
    >;
    // Assert
    expect((handler as unknown as Record<symbol, unknown>)[HANDLER_STREAMING]).toBeUndefined();
    expect(result).toMatchObject({ statusCode: 200, body: 'ab', isBase64Encoded: false });
  });

  it('refuses stream: true for a function that is not http', () => {
    // Prepare
    const fn = queue({ name: 'orders' }).handle(() => undefined);
    // Act
    const wrap = () => toLambda(fn, { stream: true });
    // Assert
    expect(wrap).toThrow(SkyportError);
    expect(wrap).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', kind: 'queue' }));
  });
});
