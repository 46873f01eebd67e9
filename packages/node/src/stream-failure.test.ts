import { connect } from 'node:net';
import { http, setLogDestination } from '@skyport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from './__fixtures__/servers.js';

/** What a raw connection received, and how it ended: closed cleanly (`end`) or reset. */
function rawExchange(port: number, head: string): Promise<{ text: string; how: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let how = 'end';
    const giveUp = setTimeout(() => {
      how = 'still open';
      socket.destroy();
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      how = error.code ?? 'error';
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, how });
    });
    socket.write(head);
  });
}

/** The body of a raw answer: what follows its head. */
function bodyOf(text: string): string {
  const at = text.indexOf('\r\n\r\n');
  return at < 0 ? '' : text.slice(at + 4);
}

/**
 * An event stream that sends an event, waits, then sends another one and an error event and fails
 * in the same turn: the chunks written just before the failure are still on their way.
 */
const failing = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream' },
  body: (async function* () {
    yield 'data: hello\n\n';
    await new Promise((resolve) => setTimeout(resolve, 50));
    yield 'data: world\n\n';
    yield 'event: error\ndata: "upstream quota exceeded"\n\n';
    throw new Error('upstream quota exceeded');
  })(),
}));

describe('serve() when a streamed answer fails right after writing', () => {
  const lines: string[] = [];
  let restore: () => void = () => {};
  beforeEach(() => {
    lines.length = 0;
    restore = setLogDestination({ write: (line) => lines.push(line) });
  });
  afterEach(() => restore());

  /** The content of a chunked body, every chunk whole, and whether the terminating chunk ended it. */
  function dechunk(body: string): { content: string; terminated: boolean } {
    let content = '';
    let at = 0;
    while (at < body.length) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) throw new Error(`a chunk size line is cut: ${JSON.stringify(body.slice(at))}`);
      const size = Number.parseInt(body.slice(at, eol), 16);
      if (size === 0) return { content, terminated: true };
      const data = body.slice(eol + 2, eol + 2 + size);
      if (data.length !== size || body.slice(eol + 2 + size, eol + 4 + size) !== '\r\n') {
        throw new Error(`a chunk is cut: ${JSON.stringify(body.slice(at))}`);
      }
      content += data;
      at = eol + 4 + size;
    }
    return { content, terminated: false };
  }

  it('sends an HTTP/1.1 client every chunk written before the failure, then cuts the answer without its last chunk', async () => {
    // Prepare
    const server = await start({ failing });

    // Act
    const { text, how } = await rawExchange(server.port, 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');

    // Assert: both events and the error event, chunked, and no terminating chunk
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.toLowerCase()).toContain('transfer-encoding: chunked\r\n');
    // (How the writes are framed is the runtime's: Node.js 24 puts writes of one tick in one chunk.)
    const { content, terminated } = dechunk(bodyOf(text));
    expect(content).toBe('data: hello\n\ndata: world\n\nevent: error\ndata: "upstream quota exceeded"\n\n');
    expect(terminated).toBe(false);
    expect(text).not.toContain('0\r\n\r\n');
    expect(how).not.toBe('still open');
    expect(lines.join('')).toContain('upstream quota exceeded');
  });

  it('sends an HTTP/1.0 client every byte written before the failure, then resets the connection', async () => {
    // Prepare
    const server = await start({ failing });

    // Act
    const { text, how } = await rawExchange(server.port, 'GET /events HTTP/1.0\r\nHost: x\r\n\r\n');

    // Assert: unframed, no length, and reset rather than closed as a complete answer closes
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.toLowerCase()).not.toContain('content-length');
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(bodyOf(text)).toBe('data: hello\n\ndata: world\n\nevent: error\ndata: "upstream quota exceeded"\n\n');
    expect(how).toBe('ECONNRESET');
  });
});
