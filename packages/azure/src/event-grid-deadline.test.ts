import { trigger as triggers } from '@azure/functions';
import { type Context, events, storage, timeout } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture, invocation, recordingApp } from '../test/helpers.js';
import { createAzureContext } from './context.js';
import type { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';
import { register } from './register.js';
import type { AzureEventHandler } from './types.js';

const first = (path: string) => (fixture<unknown[]>(path)[0] ?? {}) as Record<string, unknown>;
const created = first('eventgrid/azure-docs__blob-created.eventgrid-schema.json');
const deleted = first('eventgrid/azure-docs__blob-deleted.eventgrid-schema.json');
const createdCloud = first('eventgrid/azure-docs__blob-created.cloudevents-schema.json');

/** An `InvocationContext` declaring the trigger `app.eventGrid` registers (`trigger.eventGrid`). */
function gridContext() {
  return invocation({ options: { trigger: triggers.eventGrid({}) } }).context;
}

/** A storage function, with deletes (so on Event Grid), that records the time it has left. */
function recorder() {
  const seen: Context[] = [];
  const fn = storage({ bucket: 'test-container', on: ['created', 'deleted'] }).handle((_event, ctx) => {
    seen.push(ctx);
  });
  return { fn, seen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the deadline of an Event Grid trigger is at most the 30 seconds Event Grid waits for the answer', () => {
  it('caps a 10 minute functionTimeout at 30 s for the blob-created fixture (Event Grid schema)', async () => {
    // Prepare
    const { fn, seen } = recorder();
    const before = Date.now();

    // Act
    await toAzure(fn, { functionTimeout: '00:10:00' })(created, gridContext());

    // Assert
    const ctx = seen[0] as Context;
    expect((ctx.deadline ?? 0) - before).toBeGreaterThanOrEqual(30_000);
    expect((ctx.deadline ?? 0) - before).toBeLessThan(31_000);
    expect(ctx.remainingTimeMs()).toBeLessThanOrEqual(30_000);
    expect(ctx.remainingTimeMs()).toBeGreaterThan(25_000);
  });

  it('gives 30 s with no timeout declared, and keeps a shorter functionTimeout', async () => {
    // Prepare
    const { fn, seen } = recorder();

    // Act
    await toAzure(fn, { functionTimeout: '-1' })(deleted, gridContext());
    await toAzure(fn)(created, gridContext());
    await toAzure(fn, { functionTimeout: '00:00:10' })(created, gridContext());

    // Assert
    const [none, unset, short] = seen.map((ctx) => ctx.remainingTimeMs());
    for (const left of [none, unset]) {
      expect(left).toBeLessThanOrEqual(30_000);
      expect(left).toBeGreaterThan(25_000);
    }
    expect(short).toBeLessThanOrEqual(10_000);
    expect(short).toBeGreaterThan(5_000);
  });

  it('caps an events function registered on app.eventGrid by register(), and one detected by its shape', async () => {
    // Prepare
    const seen: Context[] = [];
    const signups = events({ type: 'Microsoft.Storage.BlobCreated' }).handle((_event, ctx) => {
      seen.push(ctx);
    });
    const { app, calls } = recordingApp();
    register(app, { signups }, { functionTimeout: '00:30:00' });
    const handler = calls[0]?.options.handler as AzureEventHandler;

    // Act
    await handler(created, gridContext());
    // No declared trigger (a hand-built InvocationContext): the CloudEvents-schema event tells.
    await handler(createdCloud, invocation().context);

    // Assert
    expect(calls[0]?.method).toBe('eventGrid');
    expect(seen).toHaveLength(2);
    for (const ctx of seen) {
      expect(ctx.remainingTimeMs()).toBeLessThanOrEqual(30_000);
      expect(ctx.remainingTimeMs()).toBeGreaterThan(25_000);
    }
  });

  it('fails the event with timeout() and aborts ctx.signal before Event Grid sends it again', async () => {
    // Prepare
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const fn = storage({ bucket: 'test-container', on: ['created', 'deleted'] })
      .use(timeout())
      .handle(async (_event, ctx) => {
        signal = ctx.signal;
        await new Promise(() => undefined);
      });
    const outcome = toAzure(fn, { functionTimeout: '00:10:00' })(created, gridContext()).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Act
    await vi.advanceTimersByTimeAsync(29_600);

    // Assert
    expect(signal?.aborted).toBe(true);
    const error = (await outcome) as BatchFailedError;
    expect(error).toMatchObject({ code: 'HANDLER_FAILED' });
    expect(error.failures[0]?.error).toMatchObject({ code: 'TIMEOUT' });
  });

  it('caps a context built by createAzureContext() for an InvocationContext declaring an eventGridTrigger', () => {
    // Act
    const startedAt = Date.now();
    const grid = createAzureContext(gridContext(), { kind: 'events', timeoutMs: 600_000, startedAt });
    const told = createAzureContext(invocation().context, {
      kind: 'storage',
      trigger: 'eventGridTrigger',
      timeoutMs: undefined,
      startedAt,
    });

    // Assert
    expect(grid.deadline).toBe(startedAt + 30_000);
    expect(told.deadline).toBe(startedAt + 30_000);
  });

  it('leaves other triggers at functionTimeout: the blob trigger (Event Grid-based too) runs off a queue', async () => {
    // Prepare
    const seen: Context[] = [];
    const metadata = fixture<Record<string, unknown>>(
      'blob/azure-functions-nodejs-library__blobTrigger.trigger-metadata.v4.json',
    );
    const blob = invocation({
      triggerMetadata: metadata,
      options: {
        trigger: triggers.storageBlob({
          path: 'helloworldcontainer/{name}',
          connection: 'AzureWebJobsStorage',
          source: 'EventGrid',
        }),
      },
    }).context;
    const fn = storage({ bucket: 'helloworldcontainer' }).handle((_event, ctx) => {
      seen.push(ctx);
    });

    // Act
    await toAzure(fn, { functionTimeout: '00:10:00' })(Buffer.from('0123456789abcdef'), blob);

    // Assert
    expect(seen).toHaveLength(1);
    expect(seen[0]?.remainingTimeMs()).toBeGreaterThan(595_000);
  });
});
