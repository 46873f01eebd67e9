/**
 * The Functions Framework's own server, as Cloud Run runs it: its body parsers in front of the
 * function, and its request timeout when one is given (its testing helper always turns it off).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { GcpHttpHandler } from '../types.js';

const require = createRequire(import.meta.url);
const serverModule = join(dirname(require.resolve('@google-cloud/functions-framework')), 'server.js');
const { getServer } = require(serverModule) as {
  getServer(fn: GcpHttpHandler, options: Record<string, unknown>): Server;
};

const started: Server[] = [];

/** Serves `handler` behind the framework's server on a loopback port; the port. */
export async function listen(handler: GcpHttpHandler, timeoutMilliseconds = 0): Promise<number> {
  const server = getServer(handler, {
    signatureType: 'http',
    enableExecutionId: false,
    timeoutMilliseconds,
    port: '0',
    target: '',
    sourceLocation: '',
    printHelp: false,
    ignoredRoutes: null,
  });
  started.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes every server `listen` started, with its open connections. */
export async function closeAll(): Promise<void> {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A server of the framework's testing helper, listening: its base URL, and how to close it. */
export interface RegisteredServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the function registered with the framework as `name` through its testing helper (no
 * request timeout), on a loopback port.
 */
export async function serveRegistered(name: string): Promise<RegisteredServer> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
