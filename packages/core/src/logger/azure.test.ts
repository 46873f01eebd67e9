/**
 * `logger()` on Azure, through the real adapter and the real `@azure/functions` classes: lines
 * go to the `InvocationContext` for as long as the invocation lasts, which for a streamed answer
 * is until the stream is sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { invokeAzure, toAzure } from '@skyport/azure';
import { http, queue } from '@skyport/core';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logger } from './index.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

/** A real `InvocationContext` recording each log call's level and message. */
function invocation(invocationId: string): { context: InvocationContext; calls: [string, string][] } {
  const calls: [string, string][] = [];
  const context = new InvocationContext({
    invocationId,
    functionName: 'events',
    logHandler: (level, ...args) => calls.push([level, String(args[0])]),
  });
  return { context, calls };
}

const get = () => new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/events' });

/** Reads a body stream to its end or failure, and gives what it failed with. */
async function drain(body: unknown): Promise<unknown> {
  expect(body).toBeInstanceOf(ReadableStream);
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) if ((await reader.read()).done) return undefined;
  } catch (error) {
    return error;
  }
}

const messageOf = (text: string) => (JSON.parse(text) as { msg?: unknown }).msg;

describe('logger() on Azure with a streamed answer', () => {
  it("routes the producer's lines, the summary and the adapter's failure line to the InvocationContext until the stream ends", async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/events', stream: true })
      .use(logger())
      .handle((_req, ctx) => ({
        status: 200,
        body: (async function* () {
          yield 'a';
          await sleep(20);
          ctx.log.warn('producer warning');
          throw new Error('producer failed');
        })(),
      }));
    const { context, calls } = invocation('inv-stream');

    // Act
    const response = await toAzure(fn)(get(), context);
    const failure = await drain(response.body);
    await sleep(5);

    // Assert
    expect(failure).toBeInstanceOf(Error);
    expect(calls.map(([level, text]) => [level, messageOf(text)])).toEqual([
      ['warning', 'producer warning'],
      ['error', 'invocation failed'],
      ['error', 'the streamed response failed before its end'],
    ]);
    expect(logs.lines).toEqual([]);
  });

  it('stops routing to the InvocationContext once the stream has ended, so nothing is kept per invocation', async () => {
    // Prepare
    const fn = http({ method: 'GET', path: '/events', stream: true })
      .use(logger({ summary: false }))
      .handle((_req, ctx) => ({
        status: 200,
        body: (async function* () {
          ctx.log.info('producing');
          yield 'a';
        })(),
      }));
    const first = invocation('inv-reused');
    const second = invocation('inv-reused');

    // Act: an id the host gives twice (a retry in a test harness): the second invocation's
    // lines go to its own context, not to the first one's, which has ended.
    await drain((await toAzure(fn)(get(), first.context)).body);
    await sleep(5);
    await drain((await toAzure(fn)(get(), second.context)).body);
    await sleep(5);

    // Assert
    expect(first.calls.map(([level, text]) => [level, messageOf(text)])).toEqual([['information', 'producing']]);
    expect(second.calls.map(([level, text]) => [level, messageOf(text)])).toEqual([['information', 'producing']]);
  });
});

describe('logger() on Azure with invocations that share an invocation id', () => {
  /** A log handler recording each call's level and message. */
  function recorder(): { calls: [string, unknown][]; logHandler: (level: string, ...args: unknown[]) => void } {
    const calls: [string, unknown][] = [];
    return { calls, logHandler: (level, ...args) => calls.push([level, messageOf(String(args[0]))]) };
  }

  it('writes each of two invocations run one after the other with the same id to its own context', async () => {
    // Prepare
    const fn = queue({ name: 'orders' })
      .use(logger())
      .handle((message, ctx) => {
        ctx.log.info(`handling ${String((message.body as { n: number }).n)}`);
      });
    const first = recorder();
    const second = recorder();

    // Act
    await invokeAzure(fn, { trigger: { n: 1 } }, { invocationId: 'inv-1', logHandler: first.logHandler });
    await invokeAzure(fn, { trigger: { n: 2 } }, { invocationId: 'inv-1', logHandler: second.logHandler });
    await sleep(5);

    // Assert
    expect(first.calls).toEqual([
      ['information', 'handling 1'],
      ['information', 'invocation completed'],
    ]);
    expect(second.calls).toEqual([
      ['information', 'handling 2'],
      ['information', 'invocation completed'],
    ]);
    expect(logs.lines).toEqual([]);
  });

  it('writes each of two concurrent invocations with the default id to its own context', async () => {
    // Prepare: `new InvocationContext()` without an id says "unknown" for each
    let open: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    const fn = http({ method: 'GET', path: '/events' })
      .use(logger({ summary: false }))
      .handle(async (req, ctx) => {
        const who = req.query.who ?? '';
        ctx.log.info(`${who} started`);
        await held;
        ctx.log.child({ part: 'end' }).warn(`${who} ending`);
        return { status: 200 };
      });
    const call = (who: string) => {
      const { calls, logHandler } = recorder();
      const context = new InvocationContext({ functionName: 'events', logHandler });
      const request = new HttpRequest({ method: 'GET', url: `http://localhost:7071/api/events?who=${who}` });
      return { calls, done: toAzure(fn)(request, context) };
    };

    // Act
    const a = call('a');
    const b = call('b');
    await sleep(5);
    open();
    await Promise.all([a.done, b.done]);
    await sleep(5);

    // Assert
    expect(a.calls).toEqual([
      ['information', 'a started'],
      ['warning', 'a ending'],
    ]);
    expect(b.calls).toEqual([
      ['information', 'b started'],
      ['warning', 'b ending'],
    ]);
    expect(logs.lines).toEqual([]);
  });
});
