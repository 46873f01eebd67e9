/**
 * Type-level tests: `compose()` and `AnyMiddleware` take every middleware, whatever it adds to
 * the context, needs from it or the kinds it accepts, and nothing that is not one.
 */
import { expectTypeOf } from 'vitest';
import { type AuthContext, apiKeyAuth, jwtAuth, requireScopes } from './auth/index.js';
import {
  type AnyMiddleware,
  type Context,
  compose,
  cors,
  createMiddleware,
  type Dispatch,
  type HttpRequest,
  type HttpResponse,
  http,
  type Message,
  type Middleware,
  normalizeResponse,
  queue,
  type SkyportFunction,
  timeout,
} from './index.js';
import { logger } from './logger/index.js';
import { type TracingContext, tracing } from './tracing/index.js';
import type { LevelledLogger } from './types.js';

declare const handler: (req: HttpRequest, ctx: Context) => Promise<HttpResponse>;
declare const onMessage: (msg: Message, ctx: Context) => Promise<void>;
const secret = 'a secret of thirty-two bytes or more';

// Middleware that adds to the context composes, as compose()'s own example shows.
const run = compose([logger(), timeout()], handler, normalizeResponse);
expectTypeOf(run).toEqualTypeOf<Dispatch<HttpRequest, HttpResponse>>();
compose([jwtAuth({ secret, issuer: 'i', audience: 'a' })], handler, normalizeResponse);
compose([tracing()], handler, normalizeResponse);
compose([apiKeyAuth({ keys: ['k'] })], handler, normalizeResponse);
compose([logger(), tracing()], onMessage);

const tenant = createMiddleware<'http', { tenant: string }>({
  name: 'tenant',
  kinds: ['http'],
  handle: (req, _ctx, next) => next({ tenant: req.header('x-tenant') ?? 'default' }),
});
const needsTenant = createMiddleware<'http', {}, { tenant: string }>({
  name: 'needs-tenant',
  kinds: ['http'],
  handle: (_req, ctx, next) => (ctx.tenant === '' ? Promise.reject(new Error('no tenant')) : next()),
});
const messagesAndRequests = createMiddleware<'http' | 'queue', { seen: number }>({
  name: 'seen',
  kinds: ['http', 'queue'],
  handle: (_event, _ctx, next) => next({ seen: Date.now() }),
});

// A list of shared middleware of every sort: any kinds, any added or needed context.
const shared: AnyMiddleware[] = [
  logger(),
  cors(),
  timeout(),
  jwtAuth({ secret, issuer: 'i', audience: 'a' }),
  tracing(),
  apiKeyAuth({ keys: ['k'] }),
  requireScopes('admin'),
  tenant,
  needsTenant,
  messagesAndRequests,
  createMiddleware({ name: 'noop', handle: (_event, _ctx, next) => next() }),
];
compose(shared, handler, normalizeResponse);
const readonlyShared: readonly AnyMiddleware[] = shared;
compose(readonlyShared, handler, normalizeResponse);

// Each kind of Middleware type fits, not just the ones above.
expectTypeOf<Middleware<'http', AuthContext>>().toExtend<AnyMiddleware>();
expectTypeOf<Middleware<'queue', { a: 1 }, { b: 2 }>>().toExtend<AnyMiddleware>();
expectTypeOf<Middleware<'http' | 'queue', TracingContext>>().toExtend<AnyMiddleware>();
expectTypeOf<Middleware<never>>().toExtend<AnyMiddleware>();
expectTypeOf<Middleware>().toExtend<AnyMiddleware>();

// Not knowing the event a stored middleware takes, it cannot be called as it is: no `any` leaks.
expectTypeOf<Parameters<AnyMiddleware['handle']>>().toEqualTypeOf<[never, never, never]>();
// (`ReturnType` gives `any` for any function with a `never` parameter: read it with `infer`.)
type Returns<F> = F extends (...args: never) => infer R ? R : never;
expectTypeOf<Returns<AnyMiddleware['handle']>>().toEqualTypeOf<Promise<unknown>>();
declare const req: HttpRequest;
declare const ctx: Context;
// @ts-expect-error: which event this middleware takes is not known
shared[0]?.handle(req, ctx, () => Promise.resolve(undefined));
expectTypeOf(shared.map((mw) => mw.name)).toEqualTypeOf<string[]>();

// What is not a middleware is still refused.
// @ts-expect-error: a bare (event, ctx, next) function is not a middleware
const bare: AnyMiddleware = (_event: unknown, _ctx: Context, next: () => Promise<unknown>) => next();
// @ts-expect-error: an empty object is not a middleware
const empty: AnyMiddleware = {};
// @ts-expect-error: a middleware needs a handle
const nameless: AnyMiddleware = { name: 'x', kinds: undefined };
// @ts-expect-error: a plain function is no entry of compose()'s list
compose([() => undefined], handler, normalizeResponse);
// @ts-expect-error: nor an empty object
compose([{}], handler, normalizeResponse);
void [bare, empty, nameless];

// The builders' .use() still types what each middleware adds and refuses what does not fit.
http({ path: '/orders' })
  .use(logger())
  .use(tenant)
  .use(needsTenant)
  .handle((_req, c) => {
    expectTypeOf(c.log).toEqualTypeOf<LevelledLogger>();
    expectTypeOf(c.tenant).toEqualTypeOf<string>();
  });
// @ts-expect-error: needs-tenant needs ctx.tenant, which nothing added
http({ path: '/orders' }).use(needsTenant);
// @ts-expect-error: cors() is for http functions only
queue({ name: 'orders' }).use(cors());
const api: SkyportFunction<'http', { tenant: string }> = http({ path: '/' })
  .use(tenant)
  .handle(() => undefined);
expectTypeOf(api.middleware).toEqualTypeOf<readonly AnyMiddleware[]>();
