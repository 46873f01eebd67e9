import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type BatchItem, runBatch } from './batch.js';
import { queue, stream } from './builders.js';
import { createContext } from './context.js';
import { createMessage, createStreamRecord } from './events.js';
import { setLogDestination } from './log.js';
import type { Message, StreamRecord } from './types.js';

let restore: () => void;
beforeAll(() => {
  restore = setLogDestination({ write: () => {} });
});
afterAll(() => restore());

const ctx = () => createContext({ cloud: 'node', kind: 'queue', requestId: 'batch', functionName: 'f' });

function messages(specs: { id: string; fail?: boolean; group?: string }[]): BatchItem<Message>[] {
  return specs.map((spec) => ({
    id: spec.id,
    groupId: spec.group,
    event: createMessage({
      id: spec.id,
      data: JSON.stringify({ fail: spec.fail ?? false }),
      source: 'q',
      groupId: spec.group,
    }),
  }));
}

function failing(processed: string[]) {
  return queue({ name: 'q', body: z.object({ fail: z.boolean() }) }).handle((msg) => {
    processed.push(msg.id);
    if (msg.body.fail) throw new Error(`boom ${msg.id}`);
  });
}

describe('runBatch', () => {
  it('independent: runs every message and reports only the failed ones', async () => {
    const processed: string[] = [];
    const result = await runBatch(
      failing(processed),
      messages([{ id: 'a' }, { id: 'b', fail: true }, { id: 'c' }]),
      ctx(),
    );
    expect(processed).toEqual(['a', 'b', 'c']);
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => [f.id, f.skipped])).toEqual([['b', false]]);
    expect(result.failures[0]?.error).toMatchObject({ message: 'boom b' });
  });

  it('independent: a body failing its schema fails that message only', async () => {
    const processed: string[] = [];
    const items = messages([{ id: 'a' }]);
    items.push({ id: 'bad', event: createMessage({ id: 'bad', data: 'not json', source: 'q' }) });
    const result = await runBatch(failing(processed), items, ctx());
    expect(result.failures.map((f) => f.id)).toEqual(['bad']);
    expect(processed).toEqual(['a']);
  });

  it('ordered: stops at the first failure and reports it and everything after', async () => {
    const processed: string[] = [];
    const result = await runBatch(
      failing(processed),
      messages([{ id: '1' }, { id: '2', fail: true }, { id: '3' }, { id: '4' }]),
      ctx(),
      { mode: 'ordered' },
    );
    expect(processed).toEqual(['1', '2']);
    expect(result.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['2', false],
      ['3', true],
      ['4', true],
    ]);
  });

  it('fifo: a failure fails the rest of its group only', async () => {
    const processed: string[] = [];
    const result = await runBatch(
      failing(processed),
      messages([
        { id: 'a1', group: 'A' },
        { id: 'b1', group: 'B', fail: true },
        { id: 'a2', group: 'A' },
        { id: 'b2', group: 'B' },
        { id: 'a3', group: 'A', fail: true },
        { id: 'b3', group: 'B' },
        { id: 'a4', group: 'A' },
      ]),
      ctx(),
    );
    expect(processed).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(result.failures.map((f) => f.id)).toEqual(['b1', 'b2', 'a3', 'b3', 'a4']);
  });

  it('uses ordered mode for streams by default', async () => {
    const seen: string[] = [];
    const fn = stream({ name: 's' }).handle((record) => {
      seen.push(record.sequence);
      if (record.sequence === '2') throw new Error('bad record');
    });
    const items: BatchItem<StreamRecord>[] = ['1', '2', '3'].map((sequence) => ({
      id: sequence,
      event: createStreamRecord({ sequence, partitionKey: 'p', data: 'x', source: 's' }),
    }));
    const result = await runBatch(fn, items, ctx());
    expect(seen).toEqual(['1', '2']);
    expect(result.failures.map((f) => f.id)).toEqual(['2', '3']);
  });

  it('runs messages concurrently when the function allows it', async () => {
    let running = 0;
    let peak = 0;
    const fn = queue({ name: 'q', concurrency: 3 }).handle(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    });
    const result = await runBatch(
      fn,
      messages([{ id: '1' }, { id: '2' }, { id: '3' }, { id: '4' }, { id: '5' }]),
      ctx(),
    );
    expect(result.ok).toBe(true);
    expect(peak).toBe(3);
  });

  it('runs every message of a batch one at a time when the concurrency asked for is not a number', async () => {
    const processed: string[] = [];
    const items = messages([{ id: 'a' }, { id: 'b', fail: true }]);
    const result = await runBatch(failing(processed), items, ctx(), { concurrency: Number.NaN });
    expect(processed).toEqual(['a', 'b']);
    expect(result.failures.map((f) => f.id)).toEqual(['b']);
  });

  it('refuses a queue definition whose concurrency is not a whole number of at least 1', () => {
    for (const concurrency of [Number.NaN, 0, -1, 1.5]) {
      expect(() => queue({ name: 'q', concurrency }).handle(() => {})).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
    }
    expect(() => queue({ name: 'q', concurrency: Number.POSITIVE_INFINITY }).handle(() => {})).not.toThrow();
  });

  it('gives each message its own context additions', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'q' }).handle((msg, c) => {
      seen.push((c as unknown as { mark?: string }).mark);
      Object.assign(c, { mark: msg.id });
    });
    await runBatch(fn, messages([{ id: '1' }, { id: '2' }]), ctx());
    expect(seen).toEqual([undefined, undefined]);
  });

  it('never reports a message as done unless its handler succeeded (property)', async () => {
    const spec = fc.array(
      fc.record({
        fail: fc.boolean(),
        group: fc.option(fc.constantFrom('A', 'B', 'C'), { nil: undefined }),
        async: fc.boolean(),
      }),
      { maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(spec, fc.constantFrom('independent', 'ordered', 'fifo' as const), async (specs, mode) => {
        const succeeded = new Set<string>();
        const fn = queue({ name: 'q' }).handle(async (msg) => {
          const item = specs[Number(msg.id)];
          if (item?.async) await Promise.resolve();
          if (item?.fail) throw new Error('fail');
          succeeded.add(msg.id);
        });
        const items = specs.map((s, i) => ({
          id: String(i),
          groupId: s.group,
          event: createMessage({ id: String(i), data: '{}', source: 'q', groupId: s.group }),
        }));
        const result = await runBatch(fn, items, ctx(), { mode });
        const failed = new Set(result.failures.map((f) => f.id));
        // Every message is either reported as failed or its handler succeeded, never both.
        for (const item of items) expect(failed.has(item.id) !== succeeded.has(item.id)).toBe(true);
        expect(result.ok).toBe(failed.size === 0);
        if (mode === 'ordered') {
          const first = specs.findIndex((s) => s.fail);
          const expected = first < 0 ? [] : items.slice(first).map((item) => item.id);
          expect(result.failures.map((f) => f.id)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('validated message bodies', () => {
  it('validates a body the host parsed into a copy, whatever that body holds, and leaves the message as it was', async () => {
    // Prepare: a parsed body JSON cannot write (a cycle), as an in-process host may hand over
    const body: { n: number; self?: unknown } = { n: 1 };
    body.self = body;
    const message = createMessage({ id: 'm1', source: 'q', body });
    const seen: unknown[] = [];
    const fn = queue({ name: 'q', body: z.object({ n: z.number() }) }).handle((msg) => {
      seen.push(msg.body);
    });

    // Act
    const result = await runBatch(fn, [{ id: 'm1', event: message }], ctx());

    // Assert
    expect(result.failures).toEqual([]);
    expect(seen).toEqual([{ n: 1 }]);
    expect(message.body).toBe(body);
  });
});
