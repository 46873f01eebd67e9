import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { runBatch } from './batch.js';
import { http, queue } from './builders.js';
import { createContext } from './context.js';
import { createMessage } from './events.js';
import { createJsonLogger } from './log.js';
import { logger } from './logger/index.js';
import { timeout } from './middleware/timeout.js';
import type { Cloud, Context } from './types.js';

/** The lines `act` writes, as written, with a Node line's `time` (epoch ms) set to 0. */
async function rawLinesOf(act: () => Promise<unknown>): Promise<string[]> {
  const logs = collectLogs();
  try {
    await act();
    return logs
      .text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^\{"level":"([a-z]+)","time":\d+,/, '{"level":"$1","time":0,'));
  } finally {
    logs.restore();
  }
}

/** What the built-in logger writes for one call, with `time` set to 0. */
function builtInLine(call: (log: ReturnType<typeof createJsonLogger>) => void, cloud?: Cloud): string {
  const lines: string[] = [];
  call(createJsonLogger({}, 'info', { cloud, sink: (line) => lines.push(line) }));
  expect(lines).toHaveLength(1);
  return (lines[0] as string).replace(/"time":\d+,/, '"time":0,');
}

/**
 * The lines an http function on Node writes when its handler runs `body` with `ctx.log`, through
 * the built-in logger and through `logger()`.
 */
async function handlerLines(body: (log: Context['log']) => void): Promise<{ builtIn: string[]; pino: string[] }> {
  const linesWith = (withLogger: boolean) => {
    const base = http({ method: 'GET', path: '/orders' });
    const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle((_req, ctx) => {
      body(ctx.log);
      return { status: 204 };
    });
    return rawLinesOf(() => invoke(fn, httpRequest({ path: '/orders' }), { cloud: 'node', requestId: 'r-1' }));
  };
  return { builtIn: await linesWith(false), pino: await linesWith(true) };
}

/** The head of a line `logger()` writes on Node for `handlerLines`'s function. */
const pinoHead = (level: string) =>
  `{"level":"${level}","time":0,"functionName":"test-function","cloud":"node","requestId":"r-1","coldStart":false,`;

/** The head of a line the built-in logger writes on Node for `handlerLines`'s function. */
const builtInHead = (level: string) => `{"level":"${level}","time":0,"requestId":"r-1","functionName":"test-function",`;

describe('an err a handler logs that is undefined, a symbol or a function', () => {
  it('is left out of the line by the built-in logger, as JSON leaves it out', () => {
    // Prepare
    function reconnect() {}
    // Act
    const lines = [undefined, Symbol('lock lost'), reconnect].map((err) =>
      builtInLine((log) => log.info({ orderId: 1, err }, 'processed')),
    );
    // Assert
    for (const line of lines) expect(line).toBe('{"level":"info","time":0,"orderId":1,"msg":"processed"}');
  });

  it('is left out of the line by ctx.log, built-in and logger() alike', async () => {
    // Prepare
    function reconnect() {}
    const result: { error?: Error } = {};
    // Act
    const { builtIn, pino } = await handlerLines((log) => {
      log.info({ orderId: 1, err: result.error }, 'processed');
      log.info({ orderId: 2, err: Symbol('lock lost') }, 'processed');
      log.info({ orderId: 3, err: reconnect }, 'processed');
    });
    // Assert
    expect(builtIn).toEqual([1, 2, 3].map((id) => `${builtInHead('info')}"orderId":${id},"msg":"processed"}`));
    expect(pino).toEqual([1, 2, 3].map((id) => `${pinoHead('info')}"orderId":${id},"msg":"processed"}`));
  });
});

describe('a thrown undefined, symbol or function on the failure lines of the pipeline', () => {
  function reconnect() {}
  const cases: [unknown, string][] = [
    [undefined, '{"type":"undefined","message":"undefined"}'],
    [Symbol('lock lost'), '{"type":"symbol","message":"Symbol(lock lost)"}'],
    [reconnect, '{"type":"function","message":"reconnect"}'],
  ];

  it("is written as {type, message} on a failed message's line, by both loggers", async () => {
    for (const withLogger of [false, true]) {
      for (const [thrown, err] of cases) {
        // Prepare
        const base = queue({ name: 'orders' });
        const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle(() => {
          throw thrown;
        });
        const ctx = createContext({ cloud: 'node', kind: 'queue', requestId: 'r-1', functionName: 'orders' });
        const message = createMessage({ id: 'm-1', data: '', source: 'orders' });
        // Act
        const lines = await rawLinesOf(() => runBatch(fn, [{ id: 'm-1', event: message }], ctx));
        // Assert
        const failure = lines.find((line) => line.includes('"msg":"message m-1 failed"'));
        expect(failure).toContain(`"messageId":"m-1","err":${err},"msg":"message m-1 failed"}`);
      }
    }
  });

  it('is written as {type, message} on the line of a failure after timeout() gave up, by both loggers', async () => {
    for (const withLogger of [false, true]) {
      for (const [thrown, err] of cases) {
        // Prepare
        const base = http({ method: 'GET', path: '/slow' });
        const fn = (withLogger ? base.use(logger({ summary: false })) : base)
          .use(timeout({ ms: 10, marginMs: 0 }))
          .handle(async () => {
            await new Promise((resolve) => setTimeout(resolve, 30));
            throw thrown;
          });
        // Act
        const lines = await rawLinesOf(async () => {
          await invoke(fn, httpRequest({ path: '/slow' }), { cloud: 'node' });
          await new Promise((resolve) => setTimeout(resolve, 60));
        });
        // Assert
        const late = lines.find((line) => line.includes('"msg":"handler failed after timeout() gave up"'));
        expect(late).toContain(`"err":${err},"msg":"handler failed after timeout() gave up"}`);
      }
    }
  });
});
