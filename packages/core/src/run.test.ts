import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBatch } from './batch.js';
import { queue, schedule } from './builders.js';
import { createContext } from './context.js';
import { SkyportError } from './errors.js';
import { createMessage, createScheduleTick } from './events.js';
import { runEvent } from './run.js';

/** Values a platform throws on as it reads the failure (`err.stack`, `err.message`, its text). */
function unreadables(): [string, unknown][] {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const stackless = new Error('no stack to show');
  Object.defineProperty(stackless, 'stack', {
    get() {
      throw new Error('stack getter failed');
    },
  });
  const messageless = new Error();
  Object.defineProperty(messageless, 'message', {
    get() {
      throw new Error('message getter failed');
    },
  });
  return [
    ['a revoked Proxy', proxy],
    ['an Error whose stack getter throws', stackless],
    ['an Error whose message getter throws', messageless],
    ['an object without a prototype', Object.create(null)],
  ];
}

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

describe('runEvent with a thrown value that cannot be read', () => {
  for (const [name, value] of unreadables()) {
    it(`rejects with a SkyportError HANDLER_FAILED whose cause is ${name}, and logs it`, async () => {
      const fn = schedule({ name: 'nightly', cron: '0 3 * * *' }).handle(() => {
        throw value;
      });
      const ctx = createContext({ cloud: 'node', kind: 'schedule', requestId: 'r1', functionName: 'nightly' });
      const rejection = await runEvent(fn, createScheduleTick({ name: 'nightly' }), ctx).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(rejection).toBeInstanceOf(SkyportError);
      expect(rejection).toMatchObject({ code: 'HANDLER_FAILED' });
      expect((rejection as SkyportError).cause).toBe(value);
      expect(String((rejection as SkyportError).message)).toMatch(
        /^the schedule function failed with a value that cannot be read \(.+\)$/,
      );
      expect(logs.lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: 'schedule function failed',
          err: expect.objectContaining({ code: 'HANDLER_FAILED' }),
        }),
      ]);
    });
  }

  it('rejects with a readable error as it is', async () => {
    const error = new Error('boom');
    const fn = schedule({ name: 'nightly', cron: '0 3 * * *' }).handle(() => {
      throw error;
    });
    const ctx = createContext({ cloud: 'node', kind: 'schedule', requestId: 'r1', functionName: 'nightly' });
    await expect(runEvent(fn, createScheduleTick({ name: 'nightly' }), ctx)).rejects.toBe(error);
  });
});

describe('runBatch with a thrown value that cannot be read', () => {
  it('reports a SkyportError HANDLER_FAILED whose cause is the value, and logs it with the message id', async () => {
    const values = unreadables();
    const fn = queue({ name: 'q' }).handle((msg) => {
      throw values[Number(msg.id)]?.[1];
    });
    const items = values.map((_, i) => ({
      id: String(i),
      event: createMessage({ id: String(i), data: '{}', source: 'q' }),
    }));
    const ctx = createContext({ cloud: 'node', kind: 'queue', requestId: 'r1', functionName: 'q' });
    const result = await runBatch(fn, items, ctx);
    expect(result.failures.map((failure) => failure.id)).toEqual(['0', '1', '2', '3']);
    result.failures.forEach((failure, i) => {
      expect(failure.error).toBeInstanceOf(SkyportError);
      expect(failure.error).toMatchObject({ code: 'HANDLER_FAILED' });
      expect((failure.error as SkyportError).cause).toBe(values[i]?.[1]);
    });
    expect(logs.lines.map((line) => [line.level, line.messageId, line.msg])).toEqual(
      values.map((_, i) => ['error', String(i), `message ${i} failed`]),
    );
  });
});
