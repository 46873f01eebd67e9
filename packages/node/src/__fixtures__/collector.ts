/**
 * A local OTLP/HTTP receiver for the shutdown tests: it records what exporters send it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running receiver. */
export interface Collector {
  /** The requests received so far: path and body. */
  readonly posts: { readonly path: string; readonly body: string }[];
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A local OTLP/HTTP receiver on a loopback port; `answer: false` makes one that never answers (an
 * exporter waits on it).
 */
export async function startCollector(answer = true): Promise<Collector> {
  const posts: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('latin1') });
      if (answer) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    posts,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
