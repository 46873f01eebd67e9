import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from './http.js';
import type { GcpRequest } from './types.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** `count` bytes cycling through the lower-case letters, as one buffer. */
function letters(count: number): Buffer {
  const bytes = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) bytes[i] = 97 + (i % 26);
  return bytes;
}

/**
 * POSTs `body` to `port` with chunked encoding, one byte per chunk, and gives back what came
 * back, while sampling how far the heap grew above where it was when the upload began.
 */
function postByteChunks(port: number, body: Buffer): Promise<{ text: string; heapGrowth: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampling = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 5);
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => {
      clearInterval(sampling);
      resolve({ text, heapGrowth: Math.max(peak, process.memoryUsage().heapUsed) - base });
    });
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    // Each byte framed as its own chunk: `1\r\n<byte>\r\n`.
    const framed = Buffer.alloc(body.length * 6);
    for (let i = 0; i < body.length; i++) {
      framed.write('1\r\n', i * 6, 'latin1');
      framed[i * 6 + 3] = body[i] as number;
      framed.write('\r\n', i * 6 + 4, 'latin1');
    }
    socket.write(framed);
    socket.write('0\r\n\r\n');
  });
}

describe('readBody() of a body no parser claimed', () => {
  it('reads a megabyte sent one byte per chunk exactly, with the heap growing by far less than an array per chunk', async () => {
    // Prepare: the request stream as the framework leaves it when no parser claimed the body
    const expected = letters(1_000_000);
    let received: Uint8Array | undefined;
    let reject: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, fail) => {
      reject = fail;
    });
    const server = createServer((req, res) => {
      readBody(req as unknown as GcpRequest, 6 * 1024 * 1024).then((body) => {
        received = body;
        res.end(JSON.stringify({ size: body.byteLength }));
      }, reject);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    // Act
    const { text, heapGrowth } = await Promise.race([
      postByteChunks((server.address() as AddressInfo).port, expected),
      failed,
    ]);

    // Assert: an array kept per chunk takes over 200 MB here; the body itself is 1 MB
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('{"size":1000000}');
    expect(received !== undefined && Buffer.from(received).equals(expected)).toBe(true);
    expect(heapGrowth).toBeLessThan(100 * 1024 * 1024);
  });
});
