import { HttpRequest, HttpResponse } from '@azure/functions';
import { cors, createMiddleware, http } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

const get = (path = '/events', method = 'GET') => new HttpRequest({ method, url: `http://localhost:7071/api${path}` });

/** An async generator of SSE events that records how far it got and whether it was closed. */
function events(count: number, failAt?: number) {
  const state = { yielded: 0, closed: false };
  async function* produce() {
    try {
      for (let i = 1; i <= count; i++) {
        if (i === failAt) throw new Error(`event ${i} could not be read`);
        state.yielded = i;
        yield `data: ${i}\n\n`;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, produce };
}

const sse = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** The body of an `HttpResponseInit` as the web stream it must be. */
function bodyStream(body: unknown): ReadableStream<Uint8Array> {
  expect(body).toBeInstanceOf(ReadableStream);
  return body as ReadableStream<Uint8Array>;
}

describe('toAzure: streamed answers', () => {
  it('hands an http({ stream: true }) async generator to the library as a body stream of its chunks in order', async () => {
    // Prepare
    const { state, produce } = events(3);
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { ...sse, 'content-length': '27' },
      cookies: [{ name: 'seen', value: '1', path: '/', httpOnly: true }],
      body: produce(),
    }));

    // Act
    const response = await toAzure(fn)(get(), invocation().context);

    // Assert: status, headers without a length, Azure cookie objects, nothing produced yet
    const { body, ...head } = response;
    expect(head).toEqual({
      status: 200,
      headers: sse,
      cookies: [{ name: 'seen', value: '1', path: '/', httpOnly: true }],
    });
    expect(state.yielded).toBe(0);
    const reader = bodyStream(body).getReader();
    const chunks: string[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(text(next.value));
    expect(chunks).toEqual(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']);
    expect(state.closed).toBe(true);
  });

  it('is read whole by the library HttpResponse, as without streams enabled', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: sse,
      body: events(3).produce(),
    }));

    // Act
    const native = new HttpResponse(await toAzure(fn)(get(), invocation().context));

    // Assert
    expect(native.status).toBe(200);
    expect(native.headers.get('content-type')).toBe('text/event-stream');
    expect(native.headers.has('content-length')).toBe(false);
    expect(await native.text()).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  });

  it('lets the library body (what streams enabled sends) give each chunk as soon as it is produced', async () => {
    // Prepare: the second event waits until the test lets it go
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let second = false;
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(async function* () {
      yield 'data: 1\n\n';
      await gate;
      second = true;
      yield 'data: 2\n\n';
    });

    // Act
    const native = new HttpResponse(await toAzure(fn)(get(), invocation().context));
    const reader = bodyStream(native.body).getReader();
    const first = await reader.read();

    // Assert: the first event arrived while the producer still waits for the second
    expect(text(first.value)).toBe('data: 1\n\n');
    expect(second).toBe(false);
    release();
    expect(text((await reader.read()).value)).toBe('data: 2\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('answers a function without stream: true as before, with its content read whole', async () => {
    // Prepare
    const sent = http({ method: 'GET', path: '/events' }).handle(() => ({
      status: 200,
      headers: sse,
      body: events(2).produce(),
    }));
    const bytes = http({ method: 'GET', path: '/file' }).handle(() => new Uint8Array([0, 1, 255]));

    // Act
    const whole = await toAzure(sent)(get(), invocation().context);
    const binary = await toAzure(bytes)(get('/file'), invocation().context);

    // Assert
    expect(whole).toEqual({ status: 200, headers: sse, body: 'data: 1\n\ndata: 2\n\n' });
    expect(binary).toEqual({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 1, 255]),
    });
  });

  it('stops the producer when the body stream is cancelled', async () => {
    // Prepare
    const { state, produce } = events(100);
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => produce());

    // Act
    const response = await toAzure(fn)(get(), invocation().context);
    const reader = bodyStream(response.body).getReader();
    const first = await reader.read();
    await reader.cancel();

    // Assert: the generator's finally ran after one event
    expect(text(first.value)).toBe('data: 1\n\n');
    expect(state.closed).toBe(true);
    expect(state.yielded).toBe(1);
  });

  it('fails the body stream when the producer fails mid-stream, and logs it with the invocation id', async () => {
    // Prepare
    const { state, produce } = events(3, 2);
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: sse,
      body: produce(),
    }));
    const { context, logs } = invocation({ invocationId: 'inv-stream' });

    // Act
    const response = await toAzure(fn)(get(), context);
    const reader = bodyStream(response.body).getReader();
    const first = await reader.read();
    const failure = reader.read();

    // Assert
    expect(text(first.value)).toBe('data: 1\n\n');
    await expect(failure).rejects.toThrow('event 2 could not be read');
    expect(state.closed).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0]?.level).toBe('error');
    expect(logs[0]?.line).toMatchObject({
      requestId: 'inv-stream',
      msg: 'the streamed response failed before its end',
      err: { message: 'event 2 could not be read' },
    });
  });

  it('fails the library read whole (streams not enabled) when the producer fails', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => events(3, 3).produce());

    // Act
    const native = new HttpResponse(await toAzure(fn)(get(), invocation().context));

    // Assert: the library's read rejects, so the invocation fails instead of sending a partial answer
    await expect(native.arrayBuffer()).rejects.toThrow('event 3 could not be read');
  });

  it('answers HEAD with the headers alone and never starts the producer', async () => {
    // Prepare
    const { state, produce } = events(3);
    const fn = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: sse,
      body: produce(),
    }));

    // Act
    const response = await toAzure(fn)(get('/events', 'HEAD'), invocation().context);

    // Assert
    expect(response).toEqual({ status: 200, headers: sse });
    expect(state.yielded).toBe(0);
  });
});

/**
 * A request as the library builds it with HTTP streams enabled (`createStreamRequest`): a native
 * `Request` over the body still arriving from the client. `state.pulled` counts the chunks read.
 */
function streamedRequest(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled === chunks) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(size).fill(0x61));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const init: ConstructorParameters<typeof HttpRequest>[0] & { nativeRequest: Request } = {
    nativeRequest: new Request('http://localhost:7071/api/upload', {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'text/plain' },
    } as RequestInit),
    params: {},
  };
  return { state, request: new HttpRequest(init) };
}

describe('toAzure: a request body streamed in (HTTP streams enabled)', () => {
  it('answers 413 once the body passes the limit, without reading the rest of it', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: 64 }).handle((req) => String(req.body).length);
    const { state, request } = streamedRequest(1000, 32);

    // Act
    const response = await toAzure(fn)(request, invocation({ invocationId: 'inv-413' }).context);

    // Assert
    expect(response.status).toBe(413);
    expect(JSON.parse(String(response.body))).toMatchObject({ code: 'BODY_TOO_LARGE', requestId: 'inv-413' });
    expect(state.pulled).toBe(3);
    expect(state.cancelled).toBe(true);
  });

  it("answers that 413 through the function's middleware, with its CORS headers, as on every platform", async () => {
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: 10 })
      .use(cors({ origin: 'https://app.example' }))
      .handle(() => 'ok');
    const request = new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/upload',
      headers: { origin: 'https://app.example', 'content-type': 'text/plain' },
      body: { string: '01234567890' },
    });

    const response = await toAzure(fn)(request, invocation({ invocationId: 'inv-cors' }).context);

    expect(response.status).toBe(413);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'content-type': 'application/problem+json',
    });
  });

  it('never shows a middleware part of a body past the limit: reading it is the 413', async () => {
    const seen: string[] = [];
    const audit = createMiddleware({
      name: 'audit',
      kinds: ['http'],
      handle: async (req, _ctx, next) => {
        seen.push(`${req.rawBody.byteLength} bytes`);
        return next();
      },
    });
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: 64 })
      .use(audit)
      .handle(() => 'ok');
    const { state, request } = streamedRequest(1000, 32);

    const response = await toAzure(fn)(request, invocation({ invocationId: 'inv-audit' }).context);

    expect(response.status).toBe(413);
    expect(JSON.parse(String(response.body))).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(seen).toEqual([]);
    expect(state.pulled).toBe(3);
  });

  it('reads a body within the limit whole', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/upload', bodyLimit: 64 }).handle((req) => ({
      status: 200,
      body: { length: String(req.body).length },
    }));
    const { request } = streamedRequest(2, 32);

    // Act
    const response = await toAzure(fn)(request, invocation().context);

    // Assert
    expect(response).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"length":64}' });
  });
});
