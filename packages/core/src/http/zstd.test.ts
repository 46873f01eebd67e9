import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { respond, runHttp } from '../run.js';
import type { HttpResponse, SkyportFunction } from '../types.js';
import { fetchDecodesZstd } from './response.js';

const ctx = () => createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test' });

/** Runs `fn` as an adapter that sends answers whole. */
function whole(fn: SkyportFunction<'http'>): Promise<HttpResponse> {
  return runHttp(fn, { method: 'GET', path: '/', headers: {} }, ctx());
}

/** Runs `fn` as an adapter that sends streams as they come. */
async function streamed(fn: SkyportFunction<'http'>): Promise<HttpResponse> {
  return respond(fn, { method: 'GET', path: '/', headers: {} }, ctx(), true);
}

/** The bytes an answer carries, read whole. */
async function bytesOf(res: HttpResponse): Promise<Uint8Array> {
  if (res.stream !== undefined) return new Uint8Array(await new Response(res.stream).arrayBuffer());
  return typeof res.body === 'string' ? new TextEncoder().encode(res.body) : (res.body ?? new Uint8Array());
}

/**
 * A zstd frame holding `content` as one raw (stored) block (RFC 8878 section 3.1.1): the magic
 * number, a single-segment frame header with a one-byte content size, and a block header saying
 * last block, raw, `content.length` bytes. Made by hand, as zlib of Node.js 20 has no zstd.
 */
function zstdFrame(content: Uint8Array): Uint8Array {
  if (content.length > 255) throw new RangeError('one byte holds the content size');
  const block = 1 | (content.length << 3);
  return new Uint8Array([
    0x28,
    0xb5,
    0x2f,
    0xfd,
    0x20,
    content.length,
    block & 0xff,
    (block >> 8) & 0xff,
    (block >> 16) & 0xff,
    ...content,
  ]);
}

const json = '{"hello":"world","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}';
const frame = zstdFrame(new TextEncoder().encode(json));
/** Whether this runtime's zlib decodes zstd (Node.js 22.15 and 23.8 on). */
const zlibZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

describe('zstd content from fetch()', () => {
  it('is decoded by the fetch() of undici 7.11 and later, where zlib has zstd', () => {
    // Act & Assert
    expect(fetchDecodesZstd('7.29.1', true)).toBe(true);
    expect(fetchDecodesZstd('7.11.0', true)).toBe(true);
    expect(fetchDecodesZstd('8.0.0', true)).toBe(true);
    expect(fetchDecodesZstd('7.10.0', true)).toBe(false);
    expect(fetchDecodesZstd('7.8.0', true)).toBe(false);
    expect(fetchDecodesZstd('6.28.1', true)).toBe(false);
    expect(fetchDecodesZstd('6.24.1', false)).toBe(false);
    expect(fetchDecodesZstd('7.29.1', false)).toBe(false);
    expect(fetchDecodesZstd(undefined, true)).toBe(false);
    expect(fetchDecodesZstd('', true)).toBe(false);
  });

  it('is decoded here exactly when fetchDecodesZstd says so for this runtime', async () => {
    // Prepare
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
      res.end(frame);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    try {
      // Act
      const got = await fetch(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`);
      const decoded = new TextDecoder().decode(await got.arrayBuffer()) === json;

      // Assert
      expect(got.headers.get('content-encoding')).toBe('zstd');
      expect(decoded).toBe(fetchDecodesZstd(process.versions.undici, zlibZstd));
    } finally {
      upstream.close();
    }
  });

  it('is passed on with a label that describes the bytes sent, fetched, copied, whole or streamed', async () => {
    // Prepare: an upstream that answers zstd JSON, with its length
    const upstream = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'zstd',
        'content-length': frame.length,
      });
      res.end(frame);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    const fetched = () => fetch(url);
    const copied = async () => {
      const up = await fetch(url);
      return new Response(up.body, { status: up.status, headers: up.headers });
    };
    const decodes = fetchDecodesZstd(process.versions.undici, zlibZstd);

    try {
      // Act
      const answers = [
        await whole(http().handle(fetched)),
        await whole(http().handle(copied)),
        await streamed(http({ stream: true }).handle(fetched)),
        await streamed(http({ stream: true }).handle(copied)),
      ];

      // Assert: decoded content unlabelled, encoded content labelled, never the upstream's length
      for (const res of answers) {
        const bytes = await bytesOf(res);
        expect(res.headers['content-length']).toBeUndefined();
        if (decodes) {
          expect(res.headers['content-encoding']).toBeUndefined();
          expect(new TextDecoder().decode(bytes)).toBe(json);
        } else {
          expect(res.headers['content-encoding']).toBe('zstd');
          expect(bytes).toEqual(frame);
        }
        if (zlibZstd && res.headers['content-encoding'] === 'zstd') {
          const { zstdDecompressSync } = zlib as unknown as { zstdDecompressSync(bytes: Uint8Array): Buffer };
          expect(zstdDecompressSync(bytes).toString()).toBe(json);
        }
      }
    } finally {
      upstream.close();
    }
  });
});

describe('a zstd label on a Response the handler made', () => {
  const labelled = (body: ConstructorParameters<typeof Response>[0]) => () =>
    new Response(body, { headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' } });
  const stream = (bytes: Uint8Array) => new Blob([bytes]).stream();
  const skippable = new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0, ...frame]);

  it('is kept on content that starts as a zstd frame or a skippable frame', async () => {
    // Act
    const answers = [
      await whole(http().handle(labelled(frame))),
      await whole(http().handle(labelled(skippable))),
      await streamed(http({ stream: true }).handle(labelled(stream(frame)))),
      await streamed(http({ stream: true }).handle(labelled(stream(skippable)))),
    ];

    // Assert
    expect(answers.map((res) => res.headers['content-encoding'])).toEqual(['zstd', 'zstd', 'zstd', 'zstd']);
    expect(await Promise.all(answers.map(bytesOf))).toEqual([frame, skippable, frame, skippable]);
  });

  it('is dropped from content that is no zstd data (decoded on the way, as a copied fetch() response is)', async () => {
    // Act
    const answers = [
      await whole(http().handle(labelled(json))),
      await whole(http().handle(labelled('ok'))),
      await streamed(http({ stream: true }).handle(labelled(stream(new TextEncoder().encode(json))))),
      await streamed(http({ stream: true }).handle(labelled(stream(new TextEncoder().encode(`${json}\n`.repeat(40)))))),
    ];

    // Assert
    expect(answers.map((res) => res.headers['content-encoding'])).toEqual([undefined, undefined, undefined, undefined]);
    expect(answers[0]?.body).toBe(json);
    expect(answers[1]?.body).toBe('ok');
    expect(new TextDecoder().decode(await bytesOf(answers[2] as HttpResponse))).toBe(json);
  });
});
