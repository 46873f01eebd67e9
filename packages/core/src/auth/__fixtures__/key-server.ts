/** A JWKS endpoint on a loopback port whose keys a test changes, and which counts its requests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** The endpoint: its URL, the keys it serves now, and how many requests it has answered. */
export interface KeyServer {
  readonly url: string;
  keys: JWK[];
  requests: number;
  readonly server: Server;
}

/** Starts a key server serving `keys` as `{ keys }`. */
export async function startKeyServer(keys: JWK[]): Promise<KeyServer> {
  const state = { keys, requests: 0 } as { keys: JWK[]; requests: number };
  const server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, server });
}
