import { runInNewContext } from 'node:vm';
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

/** An error made in another realm, as Node's built-ins make them under Jest. */
const foreign = (source: string) => runInNewContext(source) as Error;

describe('an error of another realm', () => {
  it('is written with its type, message and stack by the built-in logger', () => {
    // Prepare
    const error = foreign('new TypeError("fetch failed")');
    // Act
    const line = builtInLine((log) => log.error({ err: error }, 'call failed'));
    // Assert
    const err = JSON.stringify({ type: 'TypeError', message: 'fetch failed', stack: error.stack });
    expect(line).toBe(`{"level":"error","time":0,"err":${err},"msg":"call failed"}`);
  });

  it('is written with its type, message and stack by ctx.log, built-in and logger() alike', async () => {
    // Prepare
    const error = foreign('new TypeError("fetch failed")');
    // Act
    const { builtIn, pino } = await handlerLines((log) => log.error({ err: error }, 'call failed'));
    // Assert
    const err = JSON.stringify({ type: 'TypeError', message: 'fetch failed', stack: error.stack });
    expect(builtIn).toEqual([`${builtInHead('error')}"err":${err},"msg":"call failed"}`]);
    expect(pino).toEqual([`${pinoHead('error')}"err":${err},"msg":"call failed"}`]);
  });

  it('is written as the logged error, its message the message, when logged alone, by both loggers', async () => {
    // Prepare
    const error = foreign('new TypeError("fetch failed")');
    // Act
    const { builtIn, pino } = await handlerLines((log) => log.error(error));
    // Assert
    const err = JSON.stringify({ type: 'TypeError', message: 'fetch failed', stack: error.stack });
    expect(builtIn).toEqual([`${builtInHead('error')}"err":${err},"msg":"fetch failed"}`]);
    expect(pino).toEqual([`${pinoHead('error')}"err":${err},"msg":"fetch failed"}`]);
  });

  it('is written as one of this realm is, in a field, as a cause and among the errors, by both loggers', async () => {
    // Prepare: the same errors, made here and in another realm
    const make = `
      const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const error = Object.assign(new Error('query failed', { cause: new RangeError('pool exhausted') }), {
        original: refused,
        config: { headers: { Authorization: 'Bearer realm-secret' } },
      });
      const all = new AggregateError([new TypeError('shard 1 down'), refused], 'all shards down');
      [error, all];
    `;
    const here = runInNewContext(make, { Object, Error, RangeError, TypeError, AggregateError }) as Error[];
    const there = foreign(make) as unknown as Error[];
    const linesOf = (errors: Error[]) =>
      handlerLines((log) => {
        for (const err of errors) log.error({ err }, 'failed');
      });
    // Act
    const local = await linesOf(here);
    const other = await linesOf(there);
    // Assert: the same lines, but for the stacks
    const stackless = (lines: string[]) =>
      lines.map((line) => line.replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"…"'));
    expect(stackless(other.builtIn)).toEqual(stackless(local.builtIn));
    expect(stackless(other.pino)).toEqual(stackless(local.pino));
    expect(other.builtIn.join('\n')).not.toContain('realm-secret');
    expect(other.pino.join('\n')).not.toContain('realm-secret');
    const written = JSON.parse(other.builtIn[0] as string) as { err: Record<string, unknown> };
    expect(written.err).toMatchObject({
      type: 'Error',
      message: 'query failed',
      stack: there[0]?.stack,
      cause: { type: 'RangeError', message: 'pool exhausted' },
      original: { type: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
  });

  it('gives a GCP error line its stack as stack_trace, and the summary line its type, with either logger', async () => {
    // Prepare
    const error = foreign('new TypeError("fetch failed")');
    // Act
    const builtIn = builtInLine((log) => log.error(error), 'gcp');
    const lines = await rawLinesOf(() =>
      invoke(
        http({ method: 'GET', path: '/fails' })
          .use(logger())
          .handle(() => {
            throw error;
          }),
        httpRequest({ path: '/fails' }),
        { cloud: 'gcp' },
      ),
    );
    // Assert
    expect(JSON.parse(builtIn)).toMatchObject({ stack_trace: error.stack, message: 'fetch failed' });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((line) => line.message === '500 Internal Server Error')).toMatchObject({
      err: { type: 'TypeError', message: 'fetch failed', stack: error.stack },
      stack_trace: error.stack,
    });
    expect(parsed.find((line) => line.message === 'invocation failed')).toMatchObject({ errorType: 'TypeError' });
  });

  it('is not taken for a value that only looks like one, and a hostile value never throws from a log call', async () => {
    // Prepare
    const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
    revoke();
    const trapped = new Proxy(foreign('new Error("x")'), {
      getPrototypeOf() {
        throw new Error('trap');
      },
    });
    const lookalike = { name: 'Error', message: 'not one', stack: 'none' };
    // Act
    const { builtIn, pino } = await handlerLines((log) => {
      log.error({ err: lookalike }, 'lookalike');
      log.error({ err: proxy }, 'revoked');
      log.error({ err: trapped }, 'trapped');
    });
    // Assert
    expect(builtIn[0]).toBe(`${builtInHead('error')}"err":${JSON.stringify(lookalike)},"msg":"lookalike"}`);
    expect(pino[0]).toBe(`${pinoHead('error')}"err":${JSON.stringify(lookalike)},"msg":"lookalike"}`);
    for (const lines of [builtIn, pino]) {
      expect(lines.map((line) => (JSON.parse(line) as { msg?: unknown }).msg)).toEqual([
        'lookalike',
        'revoked',
        'trapped',
      ]);
    }
  });
});
