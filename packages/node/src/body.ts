/**
 * Reading a request body with a limit enforced while it streams: a body over the limit is
 * refused as soon as it is known to be too large (from `content-length`, or once the bytes read
 * pass the limit), and nothing past that point is kept in memory.
 */
import type { IncomingMessage } from 'node:http';
import { ByteChunks, PayloadTooLarge } from '@skyport/core';

function tooLarge(limit: number): InstanceType<typeof PayloadTooLarge> {
  return new PayloadTooLarge(`the request body is larger than ${limit} bytes`, { code: 'BODY_TOO_LARGE' });
}

/**
 * Whether a request carries a body at all (so GETs without one are not read).
 *
 * @example
 * hasBody(req); // false for a plain GET
 */
export function hasBody(req: IncomingMessage): boolean {
  // The raw header list node has already, not `req.headers`, which node builds on first read: a
  // GET whose handler reads no header never needs it.
  const raw = req.rawHeaders;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // Node keeps the first of repeated content-length values, as here.
    if (name.length === 14 && name.toLowerCase() === 'content-length') return raw[i + 1] !== '0';
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
  }
  return chunked;
}

/** Receives a body (`error` is `null`) or why it could not be read. */
export type BodyCallback = (error: Error | null, body: Buffer | undefined) => void;

/**
 * Reads the body of `req` into one buffer and calls `done` once: with the body, or with a 413
 * (`BODY_TOO_LARGE`) as soon as it is over `limit` bytes (the rest is then not read), or with
 * an error when the request closes before its body ended. A callback rather than a promise: the
 * request goes on in the same tick as the body's last chunk.
 *
 * @example
 * collectBody(req, 1024 * 1024, (error, body) => (error ? refuse(error) : handle(body)));
 */
export function collectBody(req: IncomingMessage, limit: number, done: BodyCallback): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge(limit), undefined);
    return;
  }
  // Most bodies arrive in one chunk: it is kept as it is, and the rest is gathered only for more.
  let first: Buffer | undefined;
  let chunks: ByteChunks | undefined;
  let size = 0;
  let settled = false;
  // The listeners are inline arrows rather than named constants: a loader that keeps function
  // names (tsx, esbuild `keepNames`) would otherwise redefine the name of each on every request.
  // Plain listeners rather than `once`: `settled` makes each fire at most once in effect.
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.byteLength;
    if (size > limit) {
      settled = true;
      first = undefined;
      chunks = undefined;
      // Nothing more is read: the request stays paused, and `settled` drops anything buffered.
      req.pause();
      done(tooLarge(limit), undefined);
      return;
    }
    if (first === undefined) first = chunk;
    else {
      if (chunks === undefined) {
        chunks = new ByteChunks();
        chunks.push(first);
      }
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    if (chunks === undefined) done(null, first ?? Buffer.alloc(0));
    else {
      const bytes = chunks.bytes();
      done(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  });
  // A client that goes away mid-body: 'close' before 'end'. A reset socket also ends in 'close';
  // node emits a request's 'error' only to listeners, so none is added (one listener less per body).
  req.on('close', () => {
    if (settled) return;
    settled = true;
    done(new Error('the client closed the connection before the body ended'), undefined);
  });
}

/**
 * Reads the body of `req` into one buffer, rejecting with 413 (`BODY_TOO_LARGE`) as soon as it
 * is over `limit` bytes. After a rejection the rest of the body is not read.
 *
 * @example
 * const body = hasBody(req) ? await readBody(req, 1024 * 1024) : undefined;
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    collectBody(req, limit, (error, body) => {
      if (error === null) resolve(body ?? Buffer.alloc(0));
      else reject(error);
    });
  });
}
