/**
 * `serve()` at the level of connections, over raw sockets: what `close()` waits for and what it
 * closes at once, requests that follow an answer closing the connection, and requests whose
 * framing or `Host` the server refuses.
 */
import { connect, type Socket } from 'node:net';
import { http } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { gate, start } from './__fixtures__/servers.js';

/** A raw client connection that keeps what it receives and knows when the server closed it. */
interface RawClient {
  readonly socket: Socket;
  /** Everything received so far, as Latin-1 text (one character per byte). */
  text(): string;
  /** Bytes received so far. */
  received(): number;
  /** Resolves once the connection is closed. */
  readonly closed: Promise<void>;
}

async function client(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.byteLength;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    socket,
    text: () => Buffer.concat(chunks).toString('latin1'),
    received: () => received,
    closed,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status lines in a raw exchange, in order. */
function statuses(text: string): string[] {
  return text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
}

describe('serve() close() and connections', () => {
  it('close() waits for a large answer to be written to a slow client, not only handed to node', async () => {
    // Prepare
    const size = 32 * 1024 * 1024;
    const answer = gate();
    const started = gate();
    const big = http({ method: 'GET', path: '/big' }).handle(async () => {
      started.open();
      await answer.wait;
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(size) };
    });
    const server = await start({ big }, { shutdownTimeoutMs: 20_000 });
    const slow = await client(server.port);
    slow.socket.pause();
    slow.socket.write('GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await started.wait;

    // Act
    let closedAt = 0;
    const closing = server.close().then(() => {
      closedAt = Date.now();
    });
    answer.open();
    await sleep(400);
    const closedWhileSending = closedAt !== 0;
    const inflightWhileSending = server.inflight;
    slow.socket.resume();
    await slow.closed;
    await closing;

    // Assert
    expect(closedWhileSending).toBe(false);
    expect(inflightWhileSending).toBe(1);
    const text = slow.text();
    const head = text.slice(0, text.indexOf('\r\n\r\n') + 4);
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(slow.received() - head.length).toBe(size);
    expect(server.inflight).toBe(0);
  }, 20_000);

  it('close() closes a connection that never sent a request at once, not after shutdownTimeoutMs', async () => {
    // Prepare
    const hello = http({ method: 'GET', path: '/' }).handle(() => 'hi');
    const server = await start({ hello }, { shutdownTimeoutMs: 4000 });
    const unused = await client(server.port);
    const used = await client(server.port);
    used.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    while (!used.text().endsWith('hi')) await sleep(5);

    // Act
    const before = Date.now();
    await server.close();
    const took = Date.now() - before;
    await Promise.all([unused.closed, used.closed]);

    // Assert
    expect(took).toBeLessThan(1000);
    expect(unused.received()).toBe(0);
    expect(statuses(used.text())).toEqual(['HTTP/1.1 200']);
  });

  it('close() closes an unused connection while a request is still in flight, and still finishes that one', async () => {
    // Prepare
    const release = gate();
    const started = gate();
    const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
      started.open();
      await release.wait;
      return 'done';
    });
    const server = await start({ slow }, { shutdownTimeoutMs: 4000 });
    const busy = await client(server.port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await started.wait;
    const unused = await client(server.port);

    // Act
    const closing = server.close();
    await unused.closed;
    const unusedClosedFirst = busy.received() === 0;
    release.open();
    await closing;
    await busy.closed;

    // Assert
    expect(unusedClosedFirst).toBe(true);
    expect(busy.text()).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\ndone$/);
  });

  it('runs no request pipelined behind an answer that closes the connection (a 413)', async () => {
    // Prepare
    const ran: string[] = [];
    const upload = http({ method: 'POST', path: '/upload' }).handle(() => {
      ran.push('upload');
      return { status: 204 };
    });
    const orders = http({ method: 'POST', path: '/orders' }).handle(() => {
      ran.push('orders');
      return { status: 201 };
    });
    const server = await start({ upload, orders }, { bodyLimit: 1024 });
    const raw = await client(server.port);

    // Act
    raw.socket.write(
      `POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n\r\n${'x'.repeat(2000)}` +
        'POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    );
    await raw.closed;
    await sleep(50);

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 413']);
    expect(ran).toEqual([]);
  });

  it('runs no request pipelined behind an answer whose function said connection: close', async () => {
    // Prepare
    const ran: string[] = [];
    const bye = http({ method: 'GET', path: '/bye' }).handle(() => {
      ran.push('bye');
      return { status: 200, headers: { connection: 'close' }, body: 'bye' };
    });
    const next = http({ method: 'GET', path: '/next' }).handle(() => {
      ran.push('next');
      return 'next';
    });
    const server = await start({ bye, next });
    const raw = await client(server.port);

    // Act
    raw.socket.write('GET /bye HTTP/1.1\r\nHost: localhost\r\n\r\nGET /next HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await raw.closed;
    await sleep(50);

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 200']);
    expect(ran).toEqual(['bye']);
  });

  it('runs no request pipelined behind one in flight when close() is called, and answers that one', async () => {
    // Prepare
    const ran: string[] = [];
    const release = gate();
    const started = gate();
    const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
      ran.push('slow');
      started.open();
      await release.wait;
      return 'slow';
    });
    const next = http({ method: 'GET', path: '/next' }).handle(() => {
      ran.push('next');
      return 'next';
    });
    const server = await start({ slow, next });
    const raw = await client(server.port);
    raw.socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await started.wait;

    // Act
    const closing = server.close();
    raw.socket.write('GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(100);
    release.open();
    await raw.closed;
    await closing;

    // Assert
    expect(ran).toEqual(['slow']);
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 200']);
    expect(raw.text().toLowerCase()).toContain('connection: close');
  });

  it('close() answers a request whose headers are still arriving, with connection: close, as node:http does', async () => {
    // Prepare
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const server = await start({ hello }, { shutdownTimeoutMs: 4000 });
    const raw = await client(server.port);
    raw.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n');
    await sleep(100);

    // Act
    const closing = server.close();
    await sleep(200);
    raw.socket.write('\r\n');
    await raw.closed;
    await closing;

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 200']);
    expect(raw.text().toLowerCase()).toContain('connection: close');
    expect(raw.text()).toMatch(/\r\n\r\nhi$/);
  });

  it('close() cuts a request whose headers stall after 1 s, not after shutdownTimeoutMs', async () => {
    // Prepare: part of a request line and headers, then nothing (a stalled or slowloris client)
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const server = await start({ hello }, { shutdownTimeoutMs: 5000 });
    const stalled = await client(server.port);
    stalled.socket.write('GET /hello HTTP/1.1\r\nHo');
    await sleep(100);

    // Act
    const before = Date.now();
    await server.close();
    const took = Date.now() - before;
    await stalled.closed;

    // Assert
    expect(took).toBeLessThan(2500);
    expect(stalled.received()).toBe(0);
  });

  it('close() cuts a stalled request after 1 s and still gives one in flight the whole grace', async () => {
    // Prepare: a request in flight past the 1 s, and a stalled one on another connection
    const started = gate();
    const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
      started.open();
      await sleep(1500);
      return 'slow';
    });
    const server = await start({ slow }, { shutdownTimeoutMs: 5000 });
    const busy = await client(server.port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started.wait;
    const stalled = await client(server.port);
    stalled.socket.write('GET /slow HTTP/1.1\r\nHo');
    await sleep(100);

    // Act
    const order: string[] = [];
    const closing = server.close();
    await Promise.all([stalled.closed.then(() => order.push('stalled')), busy.closed.then(() => order.push('busy'))]);
    await closing;

    // Assert
    expect(order).toEqual(['stalled', 'busy']);
    expect(stalled.received()).toBe(0);
    expect(statuses(busy.text())).toEqual(['HTTP/1.1 200']);
    expect(busy.text()).toMatch(/\r\n\r\nslow$/);
  });

  it('close() keeps a keep-alive connection whose next request is arriving past the end of the last one in flight', async () => {
    // Prepare: an answered request on one connection, a request in flight on another
    const release = gate();
    const started = gate();
    const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
      started.open();
      await release.wait;
      return 'slow';
    });
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const server = await start({ slow, hello }, { shutdownTimeoutMs: 4000 });
    const busy = await client(server.port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started.wait;
    const reused = await client(server.port);
    reused.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!reused.text().endsWith('hi')) await sleep(5);
    const unused = await client(server.port);
    // The rest of this one is the body of a request already answered (a 404), not a new request.
    const answered = await client(server.port);
    answered.socket.write('POST /_skyport/none HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12');
    while (!answered.text().includes('\r\n\r\n')) await sleep(5);
    reused.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n');
    await sleep(100);

    // Act
    const closing = server.close();
    await Promise.all([unused.closed, answered.closed]);
    release.open();
    await busy.closed;
    await sleep(100);
    reused.socket.write('\r\n');
    await reused.closed;
    await closing;

    // Assert
    expect(unused.received()).toBe(0);
    expect(statuses(answered.text())).toEqual(['HTTP/1.1 404']);
    expect(statuses(busy.text())).toEqual(['HTTP/1.1 200']);
    expect(statuses(reused.text())).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    const second = reused.text().slice(reused.text().lastIndexOf('HTTP/1.1 200'));
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toMatch(/\r\n\r\nhi$/);
  });

  it('close() closes at once a connection whose answered request is still sending its body, which is no request', async () => {
    // Prepare: a request answered (a 404) before its body is all in, the rest of which comes after
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const server = await start({ hello }, { shutdownTimeoutMs: 4000 });
    const answered = await client(server.port);
    answered.socket.write('POST /_skyport/none HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12');
    while (!answered.text().includes('\r\n\r\n')) await sleep(5);
    await sleep(50);
    answered.socket.write('34');
    await sleep(100);

    // Act
    const before = Date.now();
    await server.close();
    const took = Date.now() - before;
    await answered.closed;

    // Assert: not kept for the 1 s a request arriving has
    expect(took).toBeLessThan(700);
    expect(statuses(answered.text())).toEqual(['HTTP/1.1 404']);
  });

  it('close() answers a request arriving after the rest of the body of a request answered before it was all in', async () => {
    // Prepare: a 404 answered before its body is all in, the rest of the body, then the next request's head
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const server = await start({ hello }, { shutdownTimeoutMs: 4000 });
    const raw = await client(server.port);
    raw.socket.write('POST /_skyport/none HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12');
    while (!raw.text().includes('\r\n\r\n')) await sleep(5);
    await sleep(50);
    raw.socket.write('34567890');
    await sleep(100);
    raw.socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n');
    await sleep(100);

    // Act
    const closing = server.close();
    await sleep(200);
    raw.socket.write('\r\n');
    await raw.closed;
    await closing;

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 404', 'HTTP/1.1 200']);
    const second = raw.text().slice(raw.text().lastIndexOf('HTTP/1.1 200'));
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toMatch(/\r\n\r\nhi$/);
  });

  it('close() lets a handler whose client left finish within shutdownTimeoutMs, not cut after 1 s', async () => {
    // Prepare: work that goes on once its client is gone (a commit), as SIGTERM comes
    const steps: string[] = [];
    const started = gate();
    const work = http({ method: 'POST', path: '/work' }).handle(async () => {
      started.open();
      await sleep(1600);
      steps.push('committed');
      return { status: 204 };
    });
    const server = await start({ work }, { shutdownTimeoutMs: 5000 });
    const raw = await client(server.port);
    raw.socket.write('POST /work HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n');
    await started.wait;
    raw.socket.destroy();
    await sleep(50);
    const inflightBefore = server.inflight;

    // Act
    await server.close();

    // Assert
    expect(inflightBefore).toBe(1);
    expect(steps).toEqual(['committed']);
    expect(server.inflight).toBe(0);
  });

  it('close() lets a handler whose client leaves during the drain finish within shutdownTimeoutMs', async () => {
    // Prepare
    const steps: string[] = [];
    const started = gate();
    const work = http({ method: 'POST', path: '/work' }).handle(async () => {
      started.open();
      await sleep(1600);
      steps.push('committed');
      return { status: 204 };
    });
    const server = await start({ work }, { shutdownTimeoutMs: 5000 });
    const raw = await client(server.port);
    raw.socket.write('POST /work HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n');
    await started.wait;

    // Act
    const closing = server.close();
    await sleep(100);
    raw.socket.destroy();
    await closing;

    // Assert
    expect(steps).toEqual(['committed']);
    expect(server.inflight).toBe(0);
  });

  it('close() waits for a handler whose client left no longer than what is left of shutdownTimeoutMs', async () => {
    // Prepare: a handler that never returns
    const started = gate();
    const stuck = http({ method: 'GET', path: '/stuck' }).handle(async () => {
      started.open();
      await new Promise(() => {});
      return 'never';
    });
    const server = await start({ stuck }, { shutdownTimeoutMs: 1800 });
    const raw = await client(server.port);
    raw.socket.write('GET /stuck HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await started.wait;
    raw.socket.destroy();
    await sleep(50);

    // Act
    const before = Date.now();
    await server.close();
    const took = Date.now() - before;

    // Assert: the grace, not the 1 s wind-up alone, and not beyond it
    expect(took).toBeGreaterThanOrEqual(1700);
    expect(took).toBeLessThan(2600);
  });

  it('still runs pipelined requests in order on a connection that stays open', async () => {
    // Prepare
    const hello = http({ method: 'GET', path: '/:n' }).handle((req) => req.params.n);
    const server = await start({ hello });
    const raw = await client(server.port);

    // Act
    raw.socket.write(
      'GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /2 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    await raw.closed;

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(raw.text()).toMatch(/\r\n\r\n1HTTP[\s\S]*\r\n\r\n2HTTP[\s\S]*\r\n\r\n3$/);
    expect(server.inflight).toBe(0);
  });
});

describe('serve() refuses requests with ambiguous framing or Host', () => {
  const ran: string[] = [];
  const echo = http({ method: ['GET', 'POST'], path: '/echo' }).handle((req) => {
    ran.push(req.method);
    return { status: 200, body: { ip: req.ip, body: req.body ?? null } };
  });

  async function exchange(request: string, options: Parameters<typeof start>[1] = {}): Promise<string> {
    const server = await start({ echo }, options);
    const raw = await client(server.port);
    raw.socket.write(request);
    await Promise.race([raw.closed, sleep(1000)]);
    raw.socket.destroy();
    return raw.text();
  }

  it('answers 400 and closes the connection for an HTTP/1.0 request with Transfer-Encoding', async () => {
    // Prepare
    ran.length = 0;

    // Act
    const text = await exchange(
      'POST /echo HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );

    // Assert
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('"code":"BAD_FRAMING"');
    expect(ran).toEqual([]);
  });

  it('answers 400 for two Host headers and for a Host that is not a host', async () => {
    // Prepare
    ran.length = 0;

    // Act
    const twice = await exchange('GET /echo HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n');
    const spaced = await exchange('GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n');
    const userinfo = await exchange('GET /echo HTTP/1.1\r\nHost: user@evil.example\r\n\r\n');
    const fine = await exchange('GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n');

    // Assert
    expect(twice).toMatch(/^HTTP\/1\.1 400 /);
    expect(twice).toContain('"code":"BAD_HOST"');
    expect(twice.toLowerCase()).toContain('connection: close');
    expect(spaced).toMatch(/^HTTP\/1\.1 400 /);
    expect(spaced).toContain('"code":"BAD_HOST"');
    expect(userinfo).toMatch(/^HTTP\/1\.1 400 /);
    expect(fine).toMatch(/^HTTP\/1\.1 200 /);
    expect(ran).toEqual(['GET']);
  });

  it('joins a repeated Authorization header with ", " (as API Gateway and Azure do) rather than keeping the first', async () => {
    // Prepare
    const seen: (string | undefined)[] = [];
    const whoami = http({ method: 'GET', path: '/whoami' }).handle((req) => {
      seen.push(req.headers.authorization);
      return { status: 200, body: { authorization: req.headers.authorization ?? null } };
    });
    const server = await start({ whoami });
    const raw = await client(server.port);

    // Act
    raw.socket.write(
      'GET /whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer alice\r\nAuthorization: Bearer mallory\r\nConnection: close\r\n\r\n',
    );
    await raw.closed;

    // Assert
    expect(statuses(raw.text())).toEqual(['HTTP/1.1 200']);
    expect(seen).toEqual(['Bearer alice, Bearer mallory']);
  });

  it('keeps every header line past 2000: a Content-Length or X-Forwarded-For after them still counts', async () => {
    // Prepare
    const filler = 'a: 1\r\n'.repeat(2000);
    const request =
      'POST /echo HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 6.6.6.6\r\nContent-Type: text/plain\r\n' +
      `${filler}X-Forwarded-For: 203.0.113.9\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`;

    // Act
    const text = await exchange(request, { trustProxy: 1 });

    // Assert
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe('{"ip":"203.0.113.9","body":"hello"}');
  });
});
