/**
 * docs/concepts.md, "Streaming answers": a function that streams server-sent events, and how a
 * test reads its answer, whole or event by event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { http } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

// An answer produced over time: each event is sent as it is yielded.
const countdown = http({ method: 'GET', path: '/countdown', stream: true }).handle((_req, ctx) => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  body: (async function* () {
    for (let n = 3; n > 0; n--) {
      yield `data: ${n}\n\n`;
      await sleep(10, undefined, { signal: ctx.signal });
    }
    yield 'data: liftoff\n\n';
  })(),
}));

describe('streaming answers', () => {
  it('reads whole in a test: invoke() gives the text every event made', async () => {
    const res = await invoke(countdown, httpRequest({ path: '/countdown' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.body).toBe('data: 3\n\ndata: 2\n\ndata: 1\n\ndata: liftoff\n\n');
  });

  it('reads event by event with { stream: true }, and stops the producer by cancelling', async () => {
    const res = await invoke(countdown, httpRequest({ path: '/countdown' }), { stream: true });
    expect(res.response.stream).toBe(res.stream);
    const reader = (res.stream as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: 3\n\n');
    await reader.cancel(); // a client that leaves: ctx.signal aborts, the generator stops
    expect(res.body).toBeUndefined();
  });
});
