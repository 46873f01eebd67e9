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
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the body of `req` into one buffer, rejecting with 413 (`BODY_TOO_LARGE`) as soon as it
 * is over `limit` bytes. After a rejection the rest of the body is not read.
 *
 * @example
 * const body = hasBody(req) ? await readBody(req, 1024 * 1024) : undefined;
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => onError(new Error('the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
