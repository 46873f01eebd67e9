import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { SkyportError, toHttpError } from './errors.js';

/** What Node's own signal-aware call rejects with once `signal` aborts. */
async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call did not reject');
}

describe('an AbortError a deadline caused', () => {
  it('answers 504 when Node timers/promises reject on ctx.signal at the deadline', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
      await sleep(5000, undefined, { signal: ctx.signal });
      return { ok: true };
    });

    // Act
    const answer = await invoke(fn, httpRequest({ method: 'GET', path: '/slow' }), { deadlineInMs: 600 });

    // Assert
    expect(answer.status).toBe(504);
    expect(answer.body).toMatchObject({ status: 504, title: 'Gateway Timeout' });
  });

  it('is a 504 from timers/promises, events.once and AbortSignal.timeout(), its cause kept', async () => {
    // Prepare
    const deadline = new AbortController();
    const timer = rejectionOf(sleep(5000, undefined, { signal: deadline.signal }));
    const event = rejectionOf(once(new EventEmitter(), 'never', { signal: deadline.signal }));
    deadline.abort(new DOMException('the invocation is about to time out', 'TimeoutError'));
    const timedOut = rejectionOf(sleep(5000, undefined, { signal: AbortSignal.timeout(1) }));
    const skyport = new AbortController();
    const bySkyport = rejectionOf(sleep(5000, undefined, { signal: skyport.signal }));
    skyport.abort(new SkyportError('TIMEOUT', 'late'));

    // Act
    const errors = await Promise.all([timer, event, timedOut, bySkyport]);

    // Assert
    for (const error of errors) {
      expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
      const answer = toHttpError(error);
      expect(answer.status).toBe(504);
      expect(answer.cause).toBe(error);
    }
  });

  it('follows a few links of causes, and stays a 500 for an abort with no timeout behind it', async () => {
    // Prepare
    const wrapped = new Error('aborted', {
      cause: new Error('upstream', { cause: new DOMException('late', 'TimeoutError') }),
    });
    wrapped.name = 'AbortError';
    const plain = new AbortController();
    const cancelled = rejectionOf(sleep(5000, undefined, { signal: plain.signal }));
    plain.abort();
    const otherReason = new AbortController();
    const byError = rejectionOf(sleep(5000, undefined, { signal: otherReason.signal }));
    otherReason.abort(new Error('client left'));
    const deep = (depth: number): Error => {
      let cause: unknown = new DOMException('late', 'TimeoutError');
      for (let i = 0; i < depth; i++) cause = new Error(`link ${i}`, { cause });
      return Object.assign(new Error('aborted', { cause }), { name: 'AbortError' });
    };
    const looped = Object.assign(new Error('aborted'), { name: 'AbortError' });
    (looped as { cause?: unknown }).cause = looped;
    const notAbort = new Error('failed', { cause: new DOMException('late', 'TimeoutError') });

    // Act
    const statuses = [wrapped, await cancelled, await byError, deep(10), looped, notAbort].map(
      (error) => toHttpError(error).status,
    );

    // Assert
    expect(statuses).toEqual([504, 500, 500, 500, 500, 500]);
  });
});
