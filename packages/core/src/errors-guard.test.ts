import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { createContext } from './context.js';
import { HttpError, toHttpError } from './errors.js';
import { setLogDestination } from './log.js';
import { cors } from './middleware/cors.js';
import { respond, runHttp } from './run.js';

let logged: string[] = [];
let restore: () => void;
beforeAll(() => {
  restore = setLogDestination({ write: (line: string) => logged.push(line) });
});
afterAll(() => restore());

const ctx = () => createContext({ cloud: 'aws', kind: 'http', requestId: 'r-1', functionName: 'lazy' });

/** Values whose property reads throw, as thrown by a handler. */
function unreadable(): [string, () => unknown][] {
  class LazyError extends Error {
    get expose(): boolean {
      throw new Error('not loaded');
    }
  }
  class LazyStatus extends Error {
    readonly expose = true;
    get statusCode(): number {
      throw new Error('not loaded');
    }
  }
  return [
    ['an Error whose expose getter throws', () => new LazyError('lazy')],
    ['an Error whose statusCode getter throws', () => new LazyStatus('lazy')],
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
        revoke();
        return proxy;
      },
    ],
    [
      'an HttpError with an extension member whose read throws',
      () =>
        new HttpError(409, 'taken', {
          extensions: {
            get balance(): number {
              throw new Error('not loaded');
            },
          },
        }),
    ],
    [
      'a Proxy of an HttpError whose headers throw when read',
      () =>
        new Proxy(new HttpError(409, 'taken'), {
          get(target, key) {
            if (key === 'headers') throw new Error('not loaded');
            return Reflect.get(target, key);
          },
        }),
    ],
    [
      'a Proxy of an HttpError whose reads throw',
      () =>
        new Proxy(new HttpError(409, 'taken'), {
          get() {
            throw new Error('not loaded');
          },
        }),
    ],
  ];
}

describe('a thrown value whose properties cannot be read', () => {
  it.each(unreadable())('%s is answered 500 problem+json, and logged', async (_name, make) => {
    // Prepare
    logged = [];
    const thrown = make();
    const plain = http({ method: 'GET' }).handle(() => {
      throw thrown;
    });
    const withCors = http({ method: 'GET' })
      .use(cors())
      .handle(async () => {
        throw thrown;
      });
    const request = { method: 'GET', path: '/', headers: { origin: 'https://a.example' } };

    // Act
    const direct = toHttpError(thrown);
    const sync = respond(plain, request, ctx());
    const answered = await runHttp(withCors, request, ctx());

    // Assert: an HttpError is normalised as itself; it breaks only once rendered.
    if (!(direct === thrown)) {
      expect(direct.status).toBe(500);
      expect(direct.cause).toBe(thrown);
    }
    for (const res of [await sync, answered]) {
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body as string)).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: 'r-1',
      });
    }
    expect(answered.headers['access-control-allow-origin']).toBe('*');
    expect(logged.length).toBe(2);
  });
});
