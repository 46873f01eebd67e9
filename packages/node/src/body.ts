/**
 * Reading a request body with a limit enforced while it streams: a body over the limit is
 * refused as soon as it is known to be too large (from `content-length`, or once the bytes read
 * pass the limit), and nothing past that point is kept in memory.
 */
import type { IncomingMessage } from 'node:http';
import { PayloadTooLarge } from '@skyport/core';

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

/** Chunks under this many bytes are copied together rather than kept one by one. */
const SMALL_CHUNK = 1024;
/** The size of each buffer small chunks are copied into. */
const BLOCK = 16 * 1024;

/**
 * The chunks of a body as they arrive, for one buffer at the end. Each chunk kept costs a couple
 * of hundred bytes of heap besides its bytes, and a chunked body may come one byte per chunk:
 * small chunks are copied into shared blocks instead, so the heap used stays proportional to the
 * body's size, whatever its chunking. Large chunks are kept as they are, copied once, at the end.
 *
 * @example
 * const body = new BodyChunks();
 * req.on('data', (chunk: Buffer) => body.push(chunk));
 * req.on('end', () => handle(body.concat()));
 */
export class BodyChunks {
  /** The bytes pushed so far. */
  size = 0;
  #kept: Buffer[] = [];
  #block: Buffer | undefined;
  /** Where the bytes of the block not yet in `#kept` begin, and where they end. */
  #from = 0;
  #to = 0;

  /** How many buffers are kept, to be joined by `concat()`. */
  get pieces(): number {
    return this.#kept.length + (this.#to > this.#from ? 1 : 0);
  }

  /** Adds `chunk` after the bytes pushed before. */
  push(chunk: Buffer): void {
    const length = chunk.byteLength;
    this.size += length;
    if (length >= SMALL_CHUNK) {
      this.#settle();
      this.#kept.push(chunk);
      return;
    }
    let block = this.#block;
    if (block === undefined || block.byteLength - this.#to < length) {
      this.#settle();
      block = Buffer.allocUnsafeSlow(BLOCK);
      this.#block = block;
      this.#from = 0;
      this.#to = 0;
    }
    chunk.copy(block, this.#to);
    this.#to += length;
  }

  /** The bytes pushed, in one new buffer. */
  concat(): Buffer {
    this.#settle();
    return Buffer.concat(this.#kept, this.size);
  }

  /** Keeps the block's pending bytes as one piece, so a large chunk pushed next stays after them. */
  #settle(): void {
    if (this.#block === undefined || this.#to === this.#from) return;
    this.#kept.push(this.#block.subarray(this.#from, this.#to));
    this.#from = this.#to;
  }
}

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
  let chunks: BodyChunks | undefined;
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
        chunks = new BodyChunks();
        chunks.push(first);
      }
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    done(null, chunks !== undefined ? chunks.concat() : (first ?? Buffer.alloc(0)));
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
