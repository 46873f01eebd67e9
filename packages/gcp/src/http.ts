/**
 * The HTTP side of the Functions Framework: the portable request is built from the body bytes
 * (`req.rawBody`, never the framework's parsed body), the raw query string, headers and cookies;
 * the normalised response is written back with status, headers, `Set-Cookie` values and a text
 * or binary body, or a body produced over time sent as it comes.
 */
import {
  ByteChunks,
  type HttpRequestInit,
  type HttpResponse,
  type PipeOutcome,
  pipeStream,
  type RawHeaders,
  type StreamSink,
} from '@skyport/core';
import type { GcpRequest, GcpResponse } from './types.js';

const empty = new Uint8Array(0);

/** The parts of a Node.js request stream that let its reading stop part-way without closing the connection. */
interface StoppableStream {
  iterator?(options: { destroyOnReturn: boolean }): AsyncIterator<unknown>;
  resume?(): unknown;
}

/**
 * The body bytes of a request. The framework's body parsers keep them in `rawBody` (inflated when
 * they came with a `Content-Encoding`); a request no parser claimed (no content type) still has
 * its stream unread, so it is read here, as sent, and no further than `limit` bytes: past it, the
 * bytes read so far (`limit + 1` of them, enough for the function's 413) are given, and the rest
 * is discarded as it arrives, never kept, so the 413 is sent and the connection stays usable.
 *
 * @example
 * const bytes = await readBody(req, bodyLimitOf(fn));
 */
export async function readBody(req: GcpRequest, limit = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  const raw = rawBodyOf(req);
  if (raw !== undefined) return raw;
  const stream = req as GcpRequest & StoppableStream;
  const iterate = req[Symbol.asyncIterator];
  if (req.readableEnded === false && iterate !== undefined) {
    const body = new ByteChunks();
    // A Node.js stream's own iterator destroys it (and the connection with it) when left early.
    const iterator =
      typeof stream.iterator === 'function' ? stream.iterator({ destroyOnReturn: false }) : iterate.call(req);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const chunk = next.value;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? chunk : empty;
      if (body.size + bytes.byteLength > limit) {
        body.push(bytes.subarray(0, limit + 1 - body.size));
        await iterator.return?.();
        stream.resume?.();
        break;
      }
      body.push(bytes);
    }
    // Always a plain `Uint8Array`, as every other adapter gives, never a Node.js `Buffer`.
    return body.bytes();
  }
  return empty;
}

/**
 * Lower-cased single-string headers, as the portable request and the detectors read them.
 *
 * @example
 * normalizeHeaders({ 'Ce-Id': '1', cookie: 'a=1' });
 */
export function normalizeHeaders(headers: GcpRequest['headers']): Record<string, string> {
  // Node delivers lower-case names with string values (repeats joined): those are used as they are.
  if (isNormalized(headers)) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value === undefined) continue;
    const name = key.toLowerCase();
    const joined = typeof value === 'string' ? value : value.join(name === 'cookie' ? '; ' : ', ');
    const existing = out[name];
    out[name] = existing === undefined ? joined : `${existing}${name === 'cookie' ? '; ' : ', '}${joined}`;
  }
  return out;
}

/**
 * The headers Node keeps the first of when they are repeated (`headers` then has fewer names than
 * `rawHeaders` has lines). `Host` and `Content-Length` are left to Node and the front end.
 */
const keptFirst = new Set([
  'age',
  'authorization',
  'content-type',
  'etag',
  'expires',
  'from',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * `headers` with a repeated header Node kept the first of (`Authorization`, `User-Agent`...)
 * joined with `, `, as API Gateway and `serve()` join it (Azure with a bare `,`): two credentials are one
 * malformed value on every platform, never the first alone on one. Headers without repeats (the
 * count of lines says so) are given back as they are.
 *
 * @example
 * withRepeats(['Authorization', 'Bearer a', 'Authorization', 'Bearer b'], { authorization: 'Bearer a' });
 * // { authorization: 'Bearer a, Bearer b' }
 */
export function withRepeats(
  raw: readonly string[] | undefined,
  headers: Record<string, string>,
): Record<string, string> {
  if (raw === undefined) return headers;
  let names = 0;
  for (const _ in headers) names++;
  if (raw.length <= names * 2) return headers;
  let joined: Record<string, string> | undefined;
  const first = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!keptFirst.has(name)) continue;
    if (!first.has(name)) {
      first.add(name);
      continue;
    }
    joined ??= { ...headers };
    joined[name] = `${joined[name] ?? ''}, ${raw[i + 1] as string}`;
  }
  return joined ?? headers;
}

/** Whether every header name is lower-case ASCII and every value a string: cheaper to check than to copy. */
function isNormalized(headers: GcpRequest['headers']): boolean {
  for (const key in headers) {
    if (!Object.hasOwn(headers, key) || typeof headers[key] !== 'string') return false;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if ((code >= 65 && code <= 90) || code > 127) return false;
    }
  }
  return true;
}

/**
 * The body bytes when the framework kept them (it does for every content type it parses), inflated
 * when they came compressed (`gzip`, `deflate`, `br`).
 *
 * @example
 * const bytes = rawBodyOf(req) ?? (await readBody(req));
 */
export function rawBodyOf(req: GcpRequest): Uint8Array | undefined {
  const raw = req.rawBody;
  return raw === undefined ? undefined : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/**
 * Whether the framework's body parser inflated the bytes it kept: it read the stream to its end
 * through `zlib` when the request named a coding other than `identity` (one it cannot decode is
 * answered 415 before the function runs). A request made by hand keeps its bytes as given.
 */
function inflated(req: GcpRequest): boolean {
  if (req.rawBody === undefined || req.readableEnded !== true) return false;
  const coding = req.headers['content-encoding'];
  return coding !== undefined && coding !== '' && coding.toLowerCase() !== 'identity';
}

/**
 * The headers of an inflated body: without the `Content-Encoding` it no longer has, and without
 * the `Content-Length` of the compressed bytes, so the headers describe the bytes handed over.
 */
function decodedHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name !== 'content-encoding' && name !== 'content-length') out[name] = headers[name] as string;
  }
  return out;
}

/**
 * What the portable request is built from. A body the framework inflated comes with headers that
 * say so: no `Content-Encoding`, no `Content-Length` of the compressed bytes.
 *
 * @example
 * runHttp(fn, requestInit(req, await readBody(req)), ctx);
 */
export function requestInit(req: GcpRequest, body: Uint8Array, headers?: Record<string, string>): HttpRequestInit {
  const target = req.originalUrl ?? req.url;
  const q = target.indexOf('?');
  const given = inflated(req) ? decodedHeaders(headers ?? normalizeHeaders(req.headers)) : headers;
  return {
    method: req.method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    headers: (given ?? req.headers) as RawHeaders,
    headersNormalized: given !== undefined,
    body,
    ip: req.ip,
    raw: req,
  };
}

/**
 * A response that takes content as it is produced: the framework's Express response (a Node.js
 * `http.ServerResponse`), not a hand-made one that only has `end`.
 */
export type StreamingResponse = GcpResponse & StreamSink & { flushHeaders?(): void };

/**
 * Whether `res` can be written to chunk by chunk, with backpressure, and closes when the client leaves.
 *
 * @example
 * respond(fn, init, ctx, canStream(res));
 */
export function canStream(res: GcpResponse): res is StreamingResponse {
  const sink = res as Partial<StreamSink>;
  return (
    typeof sink.write === 'function' &&
    typeof sink.destroy === 'function' &&
    typeof sink.once === 'function' &&
    typeof sink.off === 'function'
  );
}

/**
 * Writes status, headers and cookies, sends them at once (a client waiting for server-sent
 * events learns the answer began), then the content of `stream` as it is produced, with no
 * `Content-Length`: Node.js sends it chunked. Settles when the stream ended (`'finished'`) or
 * the client left (`'closed'`, the stream cancelled); rejects with the stream's error after
 * cutting the connection, so the client never sees a complete answer.
 *
 * @example
 * if (response.stream !== undefined) await writeStream(res, response, response.stream);
 */
export function writeStream(
  res: StreamingResponse,
  response: HttpResponse,
  stream: ReadableStream<Uint8Array>,
): Promise<PipeOutcome> {
  if (res.headersSent || res.destroyed || res.writableEnded === true) {
    // Someone else answered, or the client is gone: nothing of this content can be sent.
    stream.cancel().catch(ignore);
    return Promise.resolve('closed');
  }
  writeHead(res, response);
  res.flushHeaders?.();
  return pipeStream(stream, res);
}

const ignore = () => {};

function writeHead(res: GcpResponse, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const name of Object.keys(response.headers)) res.setHeader(name, response.headers[name] as string);
  if (response.cookies.length > 0) res.setHeader('set-cookie', response.cookies);
}

/**
 * Writes a normalised response: status, headers, each cookie as its own `Set-Cookie`, body.
 *
 * @example
 * writeResponse(res, await runHttp(fn, init, ctx));
 */
export function writeResponse(res: GcpResponse, response: HttpResponse): void {
  if (res.headersSent) return;
  writeHead(res, response);
  if (response.body === undefined) res.end();
  else res.end(response.body);
}
