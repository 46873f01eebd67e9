/**
 * Test helpers for the GCP guide's checks: serve a function registered with the real Functions
 * Framework on a loopback port (`getTestServer`), and send it raw HTTP requests with `node:http`,
 * which (unlike `fetch`) can repeat a header and shows every `Set-Cookie` line.
 */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A running test server. */
export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the registered function `name` on 127.0.0.1, on a free port.
 *
 * @example
 * const server = await start('api');
 * await server.close();
 */
export async function start(name: string): Promise<Running> {
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A raw answer. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as text. */
  readonly text: string;
  /** The body parsed as JSON (`undefined` when it is not JSON). */
  readonly json: unknown;
}

/**
 * Sends one request: `headers` values may be lists (the header is repeated), `body` goes as it is.
 *
 * @example
 * const answer = await send(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
 */
export function send(
  url: string,
  options: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string | readonly string[]>>;
    readonly body?: string | Uint8Array;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers as Record<string, string | string[]> },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
