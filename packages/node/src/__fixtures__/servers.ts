/**
 * Servers the node tests start on a loopback port, closed after each test, and a gate a handler
 * waits on until the test opens it.
 */
import { connect } from 'node:net';
import { afterEach } from 'vitest';
import { serve } from '../serve.js';
import type { ServeHandle } from '../types.js';

const servers: ServeHandle[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** `serve()` on a free loopback port, without the startup announcement; closed after the test. */
export async function start(...args: Parameters<typeof serve>): Promise<ServeHandle> {
  return closeAfter(await serve(args[0], { port: 0, host: '127.0.0.1', announce: false, ...args[1] }));
}

/** A server a test started itself, closed after it. */
export function closeAfter(handle: ServeHandle): ServeHandle {
  servers.push(handle);
  return handle;
}

/** A promise to wait on, and the function that resolves it. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** What came back on a raw connection, and whether the server closed it. */
export interface RawExchange {
  readonly text: string;
  readonly closed: boolean;
}

/**
 * Writes `head` on a raw connection, then `drip` every `dripMs`, until the server closes the
 * connection or `giveUpMs` pass (then `closed` is false).
 */
export function exchange(
  port: number,
  head: string,
  drip?: string,
  giveUpMs = 3000,
  dripMs = 50,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = (closed: boolean) => {
      clearInterval(dripping);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ text, closed });
    };
    const dripping = setInterval(() => {
      if (drip !== undefined && socket.writable) socket.write(drip);
    }, dripMs);
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.write(head);
  });
}
