/**
 * docs/azure.md, "Failures: what is retried": what the handler throws, what it logs first, and
 * which messages of a batch run before it does.
 */
import { HttpRequest } from '@azure/functions';
import { BatchFailedError, invokeAzure, toAzure } from '@skyport/azure';
import { changes, http, type Message, queue, SkyportError, stream } from '@skyport/core';
import { azure } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invocation } from './helpers.js';

const quiet = { logHandler: () => undefined };

async function failureOf(run: Promise<unknown>): Promise<BatchFailedError> {
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BatchFailedError);
  return error as BatchFailedError;
}

describe('a failed message makes the handler throw BatchFailedError', () => {
  it('HANDLER_FAILED, a SkyportError with failures [{ id, error, skipped }] and the first error as cause', async () => {
    const boom = new Error('no such order');
    const fn = queue({ name: 'orders' }).handle(() => {
      throw boom;
    });
    const error = await failureOf(invokeAzure(fn, azure.queueMessage({ orderId: 'o1' }, { id: 'q-1' }), quiet));
    expect(error).toBeInstanceOf(SkyportError);
    expect(error.code).toBe('HANDLER_FAILED');
    expect(error.failures).toEqual([{ id: 'q-1', error: boom, skipped: false }]);
    expect(error.cause).toBe(boom);
  });

  it('also when the body fails its schema', async () => {
    const fn = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle(() => undefined);
    const error = await failureOf(invokeAzure(fn, azure.queueMessage({ orderId: 7 }, { id: 'q-2' }), quiet));
    expect(error.failures[0]?.error).toMatchObject({ code: 'VALIDATION' });
  });

  it('logs each failure first, with its message id, through the context logger', async () => {
    const fn = queue({ name: 'billing', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle(
      (msg: Message) => {
        if (msg.id !== 'ok') throw new Error(`bad ${msg.id}`);
      },
    );
    const input = azure.serviceBusBatch([
      { body: 1, messageId: 'm1' },
      { body: 2, messageId: 'ok' },
      { body: 3, messageId: 'm3' },
    ]);
    const { context, logs } = invocation({
      triggerMetadata: input.triggerMetadata,
      options: { trigger: { type: 'serviceBusTrigger', name: 't', cardinality: 'many' } },
    });
    await failureOf(toAzure(fn)(input.trigger, context));
    const errors = logs.filter((l) => l.level === 'error').map((l) => l.line);
    expect(errors).toEqual([
      expect.objectContaining({
        messageId: 'm1',
        msg: 'message m1 failed',
        err: expect.objectContaining({ message: 'bad m1' }),
      }),
      expect.objectContaining({ messageId: 'm3', msg: 'message m3 failed' }),
    ]);
  });

  it('HTTP functions never throw for a request', async () => {
    const fn = http({ method: 'POST', path: '/x', body: z.object({ a: z.string() }) }).handle(() => {
      throw new Error('never shown');
    });
    const run = toAzure(fn);
    const request = (body: string) =>
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/x',
        headers: { 'content-type': 'application/json' },
        body: { string: body },
      });
    expect((await run(request('{'), invocation().context)).status).toBe(400);
    expect((await run(request('{"a":1}'), invocation().context)).status).toBe(422);
    expect((await run(request('{"a":"ok"}'), invocation().context)).status).toBe(500);
  });
});

describe('batch semantics in the invocation', () => {
  it('Service Bus many: every message runs; the whole batch is reported failed', async () => {
    const ran: string[] = [];
    const fn = queue({ name: 'b', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle((msg) => {
      ran.push(msg.id);
      if (msg.id === 'm1') throw new Error('bad');
    });
    const error = await failureOf(
      invokeAzure(
        fn,
        azure.serviceBusBatch([
          { body: 1, messageId: 'm1' },
          { body: 2, messageId: 'm2' },
        ]),
        quiet,
      ),
    );
    expect(ran).toEqual(['m1', 'm2']);
    expect(error.failures.map((f) => f.id)).toEqual(['m1']);
  });

  it('Service Bus many with sessions: the rest of a failed session is skipped', async () => {
    const ran: string[] = [];
    const fn = queue({ name: 'b', fifo: true, azure: { cardinality: 'many' } }).handle((msg) => {
      ran.push(msg.id);
      if (msg.id === 'a1') throw new Error('bad');
    });
    const error = await failureOf(
      invokeAzure(
        fn,
        azure.serviceBusBatch([
          { body: 1, messageId: 'a1', sessionId: 'a' },
          { body: 2, messageId: 'b1', sessionId: 'b' },
          { body: 3, messageId: 'a2', sessionId: 'a' },
        ]),
        quiet,
      ),
    );
    expect(ran).toEqual(['a1', 'b1']);
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['a1', false],
      ['a2', true],
    ]);
  });

  it('Event Hubs: in order, stopping at the first failure; it and everything after it are reported', async () => {
    const ran: string[] = [];
    const fn = stream({ name: 'telemetry' }).handle((record) => {
      ran.push(record.sequence);
      if (record.sequence === '2') throw new Error('poison');
    });
    const error = await failureOf(invokeAzure(fn, azure.eventHubBatch([{}, {}, {}], { firstSequence: 1 }), quiet));
    expect(ran).toEqual(['1', '2']);
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['0:2', false],
      ['0:3', true],
    ]);
  });

  it('Cosmos DB: in order, stopping at the first failure', async () => {
    const ran: string[] = [];
    const fn = changes({ collection: 'orders', azure: { database: 'shop' } }).handle((change) => {
      ran.push(String(change.key.id));
      if (change.key.id === 'a') throw new Error('bad');
    });
    const error = await failureOf(invokeAzure(fn, azure.cosmosDocuments([{ id: 'a' }, { id: 'b' }]), quiet));
    expect(ran).toEqual(['a']);
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});
