import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { setLogDestination } from '../log.js';
import { cors } from '../middleware/cors.js';
import { router } from '../router.js';
import { runHttp } from '../run.js';

let restore: () => void;
beforeAll(() => {
  restore = setLogDestination({ write: () => {} });
});
afterAll(() => restore());

const Item = z.object({ name: z.string(), qty: z.number().int() });
const api = router(
  http({ method: 'POST', path: '/items/:id', body: Item, query: z.object({ dry: z.enum(['1']).optional() }) }).handle(
    (req) => ({ status: 201, body: { id: req.params.id, ...req.body } }),
  ),
  http({ method: 'GET', path: '/items/*' }).handle((req) => ({ rest: req.params['*'], q: req.query, c: req.cookies })),
  http({ method: ['PUT', 'PATCH'], path: '/echo' }).handle((req) => req.body as object),
).use(cors({ origin: ['https://a.example'] }));

const text = fc.string({ unit: 'binary', maxLength: 40 });
const headerName = fc.constantFrom(
  'content-type',
  'Content-Type',
  'cookie',
  'origin',
  'x-Weird',
  '__proto__',
  'constructor',
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'get', 'BREW'),
  path: fc.oneof(
    fc.constantFrom('/items/1', '/items/a%2Fb', '/items/%E0%A4%A', '/echo', '/', '', '/items/x?dry=1'),
    text.map((t) => `/${t}`),
  ),
  query: fc.option(fc.oneof(text, fc.dictionary(text, fc.oneof(text, fc.array(text)))), { nil: undefined }),
  headers: fc.option(fc.dictionary(headerName, fc.oneof(text, fc.array(text), fc.constant(undefined))), {
    nil: undefined,
  }),
  body: fc.option(
    fc.oneof(
      text,
      fc.json(),
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom('{"name":"a","qty":1}', '{"name":', 'a=1&b=2'),
    ),
    { nil: undefined },
  ),
});

describe('runHttp with arbitrary requests (property)', () => {
  it('always answers with a valid status and never throws or leaks a stack', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (init) => {
        const ctx = createContext({ cloud: 'node', kind: 'http', requestId: 'p', functionName: 'api' });
        const res = await runHttp(api, init, ctx);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(600);
        expect(res.status).not.toBe(500);
        if (typeof res.body === 'string') expect(res.body).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 500 },
    );
  });
});
