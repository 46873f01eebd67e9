import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runBatch } from './batch.js';
import { http, queue, schedule } from './builders.js';
import { createContext } from './context.js';
import { SkyportError } from './errors.js';
import { createMessage } from './events.js';
import { createHttpRequest } from './http/request.js';
import { setLogDestination } from './log.js';
import { cors } from './middleware/cors.js';
import { timeout } from './middleware/timeout.js';
import { router } from './router.js';
import { runHttp } from './run.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { Message } from './types.js';

const lines: string[] = [];
let restore: () => void;
beforeAll(() => {
  restore = setLogDestination({ write: (line) => lines.push(line) });
});
afterAll(() => restore());

const ctx = (kind: 'http' | 'queue' = 'http', deadline?: number) =>
  createContext({ cloud: 'node', kind, requestId: 'r', functionName: 'f', deadline });

describe('hostile input and awkward failures', () => {
  it('answers 500 for a thrown value that cannot be serialised, instead of rejecting', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const fn = http().handle(() => {
      throw { circular, big: 10n };
    });
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res.status).toBe(500);
    expect(lines.at(-1)).toContain('[Circular]');
  });

  it('keeps reporting a batch when an error cannot be serialised', async () => {
    const fn = queue({ name: 'q' }).handle((msg) => {
      if (msg.id === 'bad') {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        throw circular;
      }
    });
    const items = ['ok', 'bad'].map((id) => ({ id, event: createMessage({ id, data: '{}', source: 'q' }) }));
    const result = await runBatch(fn, items, ctx('queue'));
    expect(result.failures.map((f) => f.id)).toEqual(['bad']);
  });

  it('refuses CORS credentials with a wildcard origin', () => {
    expect(() => cors({ credentials: true })).toThrow(SkyportError);
    expect(() => cors({ credentials: true, origin: ['https://a.example'] })).not.toThrow();
  });

  it('gives each message of a batch its own abort signal', async () => {
    const aborted: boolean[] = [];
    const fn = queue({ name: 'q' })
      .use(timeout({ ms: 30 }))
      .handle(async (msg, c) => {
        aborted.push(c.signal.aborted);
        if (msg.id === 'slow') await new Promise((resolve) => setTimeout(resolve, 100));
      });
    const items = ['slow', 'fast', 'fast2'].map((id) => ({ id, event: createMessage({ id, data: '', source: 'q' }) }));
    const result = await runBatch(fn, items, ctx('queue'));
    expect(result.failures.map((f) => f.id)).toEqual(['slow']);
    expect(aborted).toEqual([false, false, false]);
  });

  it('validates bodies of hand-built message objects too', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'q', body: z.object({ n: z.number() }) }).handle((msg) => {
      seen.push(msg.body);
    });
    const literal = (id: string, body: unknown) =>
      ({
        id,
        body,
        rawBody: new Uint8Array(),
        attributes: {},
        attempt: 1,
        publishedAt: new Date(),
        source: 'q',
        raw: undefined,
      }) as Message;
    const result = await runBatch(
      fn,
      [
        { id: 'a', event: literal('a', { n: 'x' }) },
        { id: 'b', event: literal('b', { n: 1 }) },
      ],
      ctx('queue'),
    );
    expect(result.failures.map((f) => f.id)).toEqual(['a']);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('leaves no unhandled rejection when an async check is abandoned because a later part failed at once', async () => {
    // Prepare: an async query check whose lookup is down, then a malformed JSON body.
    const lookupDown: StandardSchemaV1<unknown, { tenant: string }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error('tenant store unreachable');
        },
      },
    };
    const fn = http({ method: 'POST', path: '/orders', query: lookupDown, body: z.object({ sku: z.string() }) }).handle(
      () => 'ok',
    );
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);

    // Act
    let res: Awaited<ReturnType<typeof runHttp>>;
    try {
      res = await runHttp(
        fn,
        {
          method: 'POST',
          path: '/orders',
          query: 'tenant=t1',
          headers: { 'content-type': 'application/json' },
          body: '{"sku":',
        },
        ctx(),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      process.off('unhandledRejection', record);
    }

    // Assert
    expect(res.status).toBe(400);
    expect(unhandled).toEqual([]);
  });

  it('splits a query string left on the path', () => {
    const req = createHttpRequest({ method: 'GET', path: '/search?q=x&q=y' });
    expect(req.path).toBe('/search');
    expect(req.query).toEqual({ q: 'x' });
    expect(req.queryAll.getAll('q')).toEqual(['x', 'y']);
  });

  it('treats names like constructor and __proto__ as plain keys', () => {
    const req = createHttpRequest({
      method: 'POST',
      path: '/',
      query: '__proto__=1&constructor=2',
      headers: { Constructor: 'x', 'content-type': 'application/x-www-form-urlencoded', cookie: '__proto__=c' },
      body: '__proto__=polluted',
    });
    expect(req.header('constructor')).toBe('x');
    expect(createHttpRequest({ method: 'GET', path: '/' }).header('constructor')).toBeUndefined();
    const proto = '__proto__';
    expect(req.query[proto]).toBe('1');
    expect(req.query.constructor).toBe('2');
    expect(req.cookies[proto]).toBe('c');
    expect((req.body as Record<string, string>)[proto]).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps an encoded slash inside its path parameter', async () => {
    const file = http({ method: 'GET', path: '/files/:name' }).handle((req) => req.params.name);
    const api = router(file);
    const routed = await runHttp(api, { method: 'GET', path: '/files/a%2Fb.txt' }, ctx());
    const single = await runHttp(file, { method: 'GET', path: '/files/a%2Fb.txt' }, ctx());
    expect(routed.body).toBe('a/b.txt');
    expect(single.body).toBe('a/b.txt');
  });
});

describe('recursive schemas and deeply nested input', () => {
  interface Tree {
    readonly label?: string | undefined;
    readonly child?: Tree | undefined;
  }
  const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ label: z.string().optional(), child: Tree.optional() }));
  /** A tree `levels` deep, written as text (JSON.stringify would recurse as deeply). */
  const nested = (levels: number) => `${'{"child":'.repeat(levels)}{}${'}'.repeat(levels)}`;

  it('answers 422 for a body too deep for a recursive schema, where the stack ran out', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/trees', body: Tree }).handle(() => ({ status: 201 }));
    const post = (body: string) =>
      runHttp(fn, { method: 'POST', path: '/trees', headers: { 'content-type': 'application/json' }, body }, ctx());

    // Act
    const shallow = await post(nested(50));
    const deep = await post(nested(100_000));

    // Assert
    expect(shallow.status).toBe(201);
    expect(deep.status).toBe(422);
    expect(JSON.parse(deep.body as string)).toMatchObject({
      status: 422,
      errors: [{ path: 'body', message: 'is nested too deeply to validate' }],
    });
  });

  it('fails a message whose body is too deep for its schema with a validation error', async () => {
    // Prepare
    const fn = queue({ name: 'trees', body: Tree }).handle(() => undefined);
    const message = createMessage({ id: 'm1', data: nested(100_000), source: 'trees' });

    // Act
    const result = await runBatch(fn, [{ id: 'm1', event: message }], ctx('queue'));

    // Assert
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.error).toBeInstanceOf(SkyportError);
    expect(result.failures[0]?.error).toMatchObject({ code: 'VALIDATION' });
  });

  it('still answers 500 when a schema throws for another reason', async () => {
    // Prepare
    const Broken = z.object({ n: z.number() }).transform(() => {
      throw new RangeError('Invalid array length');
    });
    const fn = http({ method: 'POST', path: '/x', body: Broken }).handle(() => ({ status: 201 }));

    // Act
    const res = await runHttp(
      fn,
      { method: 'POST', path: '/x', headers: { 'content-type': 'application/json' }, body: '{"n":1}' },
      ctx(),
    );

    // Assert
    expect(res.status).toBe(500);
  });
});

describe('schedule() definitions', () => {
  it('refuses a time zone the runtime does not know, and takes IANA zones', () => {
    // Act
    const define = (timezone: string) => () => schedule({ cron: '0 3 * * *', timezone }).handle(() => undefined);

    // Assert
    expect(define('Europe/Paris')).not.toThrow();
    expect(define('UTC')).not.toThrow();
    for (const zone of ['Mars/Olympus_Mons', '', 'Europe/Paris; drop']) {
      expect(define(zone)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
  });
});

describe('schema definitions', () => {
  it('refuses, when the function is defined, a schema that is not a Standard Schema (a JSON Schema object)', () => {
    // Prepare: a JSON Schema, as a middy validator takes it, passed from JavaScript.
    const jsonSchema = { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } as never;

    // Act
    const definitions = [
      () => http({ method: 'POST', body: jsonSchema }),
      () => http({ query: jsonSchema }),
      () => http({ response: null as never }),
      () => queue({ name: 'q', body: jsonSchema }),
    ];

    // Assert
    for (const define of definitions) {
      expect(define).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(definitions[0]).toThrow(/"body" must be a Standard Schema/);
    expect(() => http({ method: 'POST', body: z.object({ sku: z.string() }) })).not.toThrow();
  });
});

describe('.use() from plain JavaScript', () => {
  it('refuses what is not a middleware when the function is defined, not on every invocation', () => {
    // Prepare: a bare onion function, as other frameworks take, and other values past the types
    const bare = async (_event: unknown, _ctx: unknown, next: () => Promise<unknown>) => next();
    const values: unknown[] = [bare, {}, undefined, null, 'cors', { name: 'x', handle: () => 1, kinds: 'http' }];
    const finished = http().handle(() => 'ok');

    // Act + Assert: on a builder, on a finished function and on a router alike
    for (const value of values) {
      const mw = value as Parameters<typeof finished.use>[0];
      expect(() => http().use(mw as never), String(value)).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
      expect(() => finished.use(mw)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(() => router(finished).use(mw)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(() => queue({ name: 'q' }).use(mw as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
    }
    expect(() => http().use(bare as never)).toThrow(/wrap it with createMiddleware/);
    expect(() => http().use(cors())).not.toThrow();
  });
});
