import http, { type IncomingMessage } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { http as httpFunction } from '@skyport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';
import { readBody } from './http.js';
import { invokeGcp } from './invoke.js';

/** How much `sendUntilAnswered` sends at most: far past any limit the tests set. */
const UNANSWERED_CAP = 16 * 1024 * 1024;

/**
 * POSTs a chunked body with no content type to `port`, 64 kB at a time, until the answer comes
 * (or `UNANSWERED_CAP` bytes were sent): the answer, and how many bytes went out before it.
 */
function sendUntilAnswered(port: number, agent?: http.Agent): Promise<{ status: number; text: string; sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, 1);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (part: Buffer) => chunks.push(part));
      res.on('end', () => {
        request.end();
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), sent });
      });
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const pump = () => {
      while (!answered && sent < UNANSWERED_CAP) {
        sent += chunk.byteLength;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    pump();
  });
}

let calls = 0;
const echo = httpFunction({ method: 'POST' }).handle(async (req) => {
  calls++;
  const web = req.toWebRequest();
  return {
    bytes: req.rawBody.byteLength,
    hex: Buffer.from(req.rawBody).toString('hex'),
    encoding: req.header('content-encoding') ?? null,
    length: req.header('content-length') ?? null,
    web: {
      encoding: web.headers.get('content-encoding'),
      bytes: (await web.arrayBuffer()).byteLength,
    },
  };
});
const typed = httpFunction({ method: 'POST', body: z.object({ a: z.number() }) }).handle((req) => req.body);

/** The port of the framework's own server (its body parsers in front of the function, as in Cloud Run) serving `echo`. */
let port = 0;

beforeAll(async () => {
  port = await listen(toGcp(echo));
});

afterAll(closeAll);

beforeEach(() => {
  calls = 0;
});

/** A POST with exactly these headers and bytes (fetch would add or change some). */
function post(
  headers: Record<string, string>,
  body: Uint8Array,
  to = port,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: to,
        method: 'POST',
        path: '/',
        headers: { ...headers, 'content-length': body.byteLength },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const json = Buffer.from('{"a":1}');

describe('a compressed request body', () => {
  it.each([
    ['gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['br', brotliCompressSync(json)],
    ['GZIP', gzipSync(json)],
  ])(
    'inflated by the framework (%s) comes without the Content-Encoding and Content-Length it no longer has',
    async (coding, compressed) => {
      // Act
      const answer = await post({ 'content-type': 'application/json', 'content-encoding': coding }, compressed);

      // Assert
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        bytes: 7,
        hex: json.toString('hex'),
        encoding: null,
        length: null,
        web: { encoding: null, bytes: 7 },
      });
    },
  );

  it('of any type the framework parses is inflated, so a typed function takes it on GCP', async () => {
    // Prepare
    const to = await listen(toGcp(typed));

    // Act
    const answer = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(json), to);

    // Assert
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ a: 1 });
  });

  it('with no Content-Type reaches the function as sent, still labelled with its coding', async () => {
    // Prepare
    const compressed = gzipSync(json);

    // Act
    const answer = await post({ 'content-encoding': 'gzip' }, compressed);

    // Assert
    expect(JSON.parse(answer.text)).toEqual({
      bytes: compressed.byteLength,
      hex: compressed.toString('hex'),
      encoding: 'gzip',
      length: String(compressed.byteLength),
      web: { encoding: 'gzip', bytes: compressed.byteLength },
    });
  });

  it('labelled identity keeps its headers: its bytes are as sent', async () => {
    // Act
    const answer = await post({ 'content-type': 'application/json', 'content-encoding': 'identity' }, json);

    // Assert
    expect(JSON.parse(answer.text)).toMatchObject({ bytes: 7, encoding: 'identity', length: '7' });
  });

  it('given to invokeGcp keeps its bytes and its label: nothing inflated it', async () => {
    // Prepare
    const compressed = gzipSync(json);

    // Act
    const result = await invokeGcp(echo, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: compressed,
    });

    // Assert
    expect(result.body).toMatchObject({ bytes: compressed.byteLength, encoding: 'gzip' });
  });
});

describe('bodies the framework answers itself, before the function runs', () => {
  const fields = (count: number) => Buffer.from(Array.from({ length: count }, (_, i) => `k${i}=1`).join('&'));
  const nested = (depth: number) => Buffer.from(`a${'[b]'.repeat(depth)}=1`);

  it.each([
    ['text/plain with a charset iconv does not know', { 'content-type': 'text/plain; charset=x-nope' }, 'hi', 415],
    ['JSON in a charset other than utf-*', { 'content-type': 'application/json; charset=iso-8859-1' }, json, 415],
    ['a form with more than 1000 fields', { 'content-type': 'application/x-www-form-urlencoded' }, fields(1001), 413],
    ['a form nested deeper than 32', { 'content-type': 'application/x-www-form-urlencoded' }, nested(33), 400],
    [
      'a coding it does not decode (x-gzip)',
      { 'content-type': 'application/octet-stream', 'content-encoding': 'x-gzip' },
      gzipSync(json),
      415,
    ],
    [
      'a coding it does not decode (compress)',
      { 'content-type': 'text/plain', 'content-encoding': 'compress' },
      'hi',
      415,
    ],
    [
      'bytes that are not the coding named',
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      'nope',
      400,
    ],
    ['malformed JSON', { 'content-type': 'application/json' }, '{', 400],
    ['a bare JSON value', { 'content-type': 'application/json' }, 'null', 400],
    [
      'JSON in a charset other than utf-* (CloudEvent)',
      { 'content-type': 'application/cloudevents+json; charset=iso-8859-1' },
      '{}',
      415,
    ],
    ['a form in another charset', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' }, 'a=1', 415],
  ])('%s: its own HTML page', async (_what, headers, body, status) => {
    // Act
    const answer = await post(headers, typeof body === 'string' ? Buffer.from(body) : body);

    // Assert
    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^text\/html/);
    expect(calls).toBe(0);
  });

  it.each([
    ['a form with 1000 fields', { 'content-type': 'application/x-www-form-urlencoded' }, fields(1000)],
    ['a form nested 32 deep', { 'content-type': 'application/x-www-form-urlencoded' }, nested(32)],
    [
      'bytes with an unknown charset',
      { 'content-type': 'application/octet-stream; charset=x-nope' },
      Buffer.from('hi'),
    ],
    ['HTML with an unknown charset', { 'content-type': 'text/html; charset=x-nope' }, Buffer.from('hi')],
    ['text in latin1', { 'content-type': 'text/plain; charset=iso-8859-1' }, Buffer.from('hi')],
    ['a bare JSON value of another JSON type', { 'content-type': 'application/ld+json' }, Buffer.from('null')],
  ])('%s reaches the function', async (_what, headers, body) => {
    // Act
    const answer = await post(headers, body);

    // Assert
    expect(answer.status).toBe(200);
    expect(calls).toBe(1);
  });
});

describe('a request body with no Content-Type, read by Skyport', () => {
  it('comes to the function as a plain Uint8Array, as on every other platform, never a Node.js Buffer', async () => {
    // Prepare
    const to = await listen(
      toGcp(httpFunction({ method: 'POST' }).handle((req) => ({ body: req.body, buffer: Buffer.isBuffer(req.body) }))),
    );

    // Act
    const answer = await post({}, Buffer.from([1, 2, 3]), to);

    // Assert
    expect(JSON.parse(answer.text)).toEqual({ body: { 0: 1, 1: 2, 2: 3 }, buffer: false });
  });

  it("answers 413 through toGcp for a body with no content type over the function's limit, before it ends", async () => {
    // Prepare: a small limit, and a body the framework's parsers leave unread (no content type)
    const small = await listen(
      toGcp(httpFunction({ method: 'POST', bodyLimit: 10 }).handle((req) => req.rawBody.byteLength)),
    );

    // Act: a chunked body sent until the answer comes
    const answer = await sendUntilAnswered(small);
    const within = await fetch(`http://127.0.0.1:${small}/`, { method: 'POST', body: Buffer.alloc(10, 1) });

    // Assert
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(UNANSWERED_CAP);
    expect(await within.text()).toBe('10');
  });

  it('is read no further than the limit: answered while the rest still arrives, which is discarded, and the connection serves the next request', async () => {
    // Prepare
    const lengths: number[] = [];
    const ports: (number | undefined)[] = [];
    const to = await listen(async (req, res) => {
      const body = await readBody(req, 10);
      lengths.push(body.byteLength);
      ports.push((req as unknown as IncomingMessage).socket.remotePort);
      res.statusCode = body.byteLength > 10 ? 413 : 200;
      res.end(String(body.byteLength));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    // Act: a chunked body with no end in sight, until the answer comes
    const first = await sendUntilAnswered(to, agent);
    const second = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: to, method: 'POST', path: '/', agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (part: Buffer) => chunks.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      request.on('error', reject);
      request.end('hello');
    });
    agent.destroy();

    // Assert
    expect(first).toMatchObject({ status: 413, text: '11' });
    expect(first.sent).toBeLessThan(UNANSWERED_CAP);
    expect(second).toEqual({ status: 200, text: '5' });
    expect(lengths).toEqual([11, 5]);
    expect(ports[1]).toBe(ports[0]);
  });
});
