import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { jwtAuth, requireScopes } from './auth/index.js';
import type { AuthContext } from './auth/types.js';
import { changes, events, type FunctionBuilder, http, queue, schedule, storage, stream } from './builders.js';
import { createContext } from './context.js';
import { SkyportError } from './errors.js';
import { isHttpResponse } from './http/response.js';
import { cors } from './middleware/cors.js';
import { createMiddleware } from './middleware/create.js';
import { timeout } from './middleware/timeout.js';
import { router } from './router.js';
import { runHttp } from './run.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type {
  AnyFunction,
  ChangeEvent,
  CloudEvent,
  Context,
  DispatchResult,
  ErrorResponseInit,
  EventOf,
  HttpResponse,
  HttpResponseInit,
  HttpResult,
  Kind,
  Message,
  Next,
  ParamsSchemaFor,
  ScheduleTick,
  SkyportFunction,
  StorageEvent,
  UncheckedStatus,
  WebBody,
} from './types.js';

interface Principal {
  subject: string;
  scopes: string[];
}

const auth = createMiddleware<'http', { auth: Principal }>({
  name: 'auth',
  kinds: ['http'],
  handle: (_req, _ctx, next) => next({ auth: { subject: 'u1', scopes: [] } }),
});
const tenant = createMiddleware<'http' | 'queue', { tenant: string }>({
  name: 'tenant',
  kinds: ['http', 'queue'],
  handle: (_event, _ctx, next) => next({ tenant: 'acme' }),
});
const needsAuth = createMiddleware<'http', { admin: boolean }, { auth: Principal }>({
  name: 'admin',
  kinds: ['http'],
  handle: (_req, ctx, next) => next({ admin: ctx.auth.subject === 'root' }),
});

describe('type inference', () => {
  it('types req.body, req.params, req.query and req.headers from schemas', () => {
    http({
      method: 'POST',
      path: '/users/:id',
      params: z.object({ id: z.coerce.number() }),
      query: z.object({ dryRun: z.enum(['yes', 'no']).optional() }),
      headers: z.object({ 'x-tenant': z.string() }),
      body: z.object({ name: z.string(), tags: z.array(z.string()).default([]) }),
    }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<number>();
      expectTypeOf(req.query.dryRun).toEqualTypeOf<'yes' | 'no' | undefined>();
      expectTypeOf(req.headers['x-tenant']).toEqualTypeOf<string>();
      expectTypeOf(req.body).toEqualTypeOf<{ name: string; tags: string[] }>();
      // @ts-expect-error: no such field on the body
      void req.body.age;
    });
  });

  it('types path parameters from the route pattern when there is no params schema', () => {
    http({ method: 'GET', path: '/users/:id/files/:name' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{ id: string; name: string }>>();
      // @ts-expect-error: not in the pattern
      void req.params.other;
    });
    http({ method: 'GET', path: '/static/*' }).handle((req) => {
      expectTypeOf(req.params['*']).toEqualTypeOf<string>();
    });
    http({ method: 'GET', path: '/plain' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{}>>();
    });
  });

  it('types only the parameters the pattern binds at run time: whole `:` segments and a bare last `*`', () => {
    http({ method: 'GET', path: '/time/10:30' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{}>>();
      // @ts-expect-error: `10:30` is a static segment, it binds no `30`
      void req.params['30'];
    });
    http({ method: 'GET', path: '/files*' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{}>>();
      // @ts-expect-error: `files*` is a static segment, not a wildcard
      void req.params['*'];
    });
    http({ method: 'GET', path: '/at/10:30/:room/' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{ room: string }>>();
    });
    http({ method: 'GET', path: '/files/:id/*/' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{ id: string; '*': string }>>();
    });
    http({ method: 'GET', path: '/*' }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Readonly<{ '*': string }>>();
    });
    // The params schema is checked against the same parameters.
    http({ path: '/time/10:30/:room', params: z.object({ room: z.string() }) });
    // @ts-expect-error: the schema does not take the parameter `room`
    http({ path: '/time/10:30/:room', params: z.object({ '30': z.string() }) });
  });

  it('leaves unvalidated parts loosely typed', () => {
    http({ method: 'GET' }).handle((req) => {
      expectTypeOf(req.body).toEqualTypeOf<unknown>();
      expectTypeOf(req.params).toEqualTypeOf<Readonly<Record<string, string>>>();
      expectTypeOf(req.header('x')).toEqualTypeOf<string | undefined>();
    });
  });

  it('types message bodies with any Standard Schema', () => {
    queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle((msg) => {
      expectTypeOf(msg).toExtend<Message<{ orderId: string }>>();
      expectTypeOf(msg.body.orderId).toEqualTypeOf<string>();
    });
    stream({ name: 'clicks', body: v.object({ page: v.string() }) }).handle((record) => {
      expectTypeOf(record.body).toEqualTypeOf<{ page: string }>();
    });
    changes({ collection: 'orders', item: z.object({ total: z.number() }) }).handle((change) => {
      expectTypeOf(change).toEqualTypeOf<ChangeEvent<{ total: number }>>();
    });
    events({ data: z.object({ userId: z.string() }) }).handle((event) => {
      expectTypeOf(event).toEqualTypeOf<CloudEvent<{ userId: string }>>();
    });
    storage({ bucket: 'b' }).handle((object) => expectTypeOf(object).toEqualTypeOf<StorageEvent>());
    schedule({ cron: '0 3 * * *' }).handle((tick) => expectTypeOf(tick).toEqualTypeOf<ScheduleTick>());
  });

  it('grows the context through .use()', () => {
    http({ method: 'GET' })
      .use(auth)
      .use(tenant)
      .use(needsAuth)
      .handle((_req, ctx) => {
        expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
        expectTypeOf(ctx.tenant).toEqualTypeOf<string>();
        expectTypeOf(ctx.admin).toEqualTypeOf<boolean>();
        expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
        expectTypeOf(ctx.log).toEqualTypeOf<Context['log']>();
      });
    http({ method: 'GET' }).handle((_req, ctx) => {
      // @ts-expect-error: nothing added auth
      void ctx.auth;
    });
  });

  it('rejects middleware that needs context nothing added', () => {
    // @ts-expect-error: needsAuth needs ctx.auth, which no earlier middleware adds
    http({ method: 'GET' }).use(needsAuth);
  });

  it('rejects http-only middleware on other kinds, at compile time and at run time', () => {
    expect(() =>
      // @ts-expect-error: cors() is an http middleware
      queue({ name: 'q' }).use(cors()),
    ).toThrow(SkyportError);
    expect(() =>
      // @ts-expect-error: auth is an http middleware
      storage({ bucket: 'b' }).use(auth),
    ).toThrow(SkyportError);
    expect(() =>
      // @ts-expect-error: tenant accepts http and queue only
      schedule({ cron: '* * * * *' }).use(tenant),
    ).toThrow(SkyportError);
    queue({ name: 'q' }).use(tenant).use(timeout());
    const finished = queue({ name: 'q' }).handle(() => {});
    expect(() =>
      // @ts-expect-error: also on finished functions
      finished.use(cors()),
    ).toThrow(SkyportError);
    expectTypeOf(router(http().handle(() => 1)).use(cors())).toEqualTypeOf<SkyportFunction<'http'>>();
  });

  it('takes a function of any kind as a SkyportFunction without a type argument, and as an AnyFunction', () => {
    // Prepare
    const api = http({ method: 'GET', path: '/' }).handle(() => 'hi');
    const onOrder = queue({ name: 'orders' }).handle(() => undefined);
    const nightly = schedule({ cron: '0 3 * * *' }).handle(() => undefined);
    const routed = router(api).use(auth);

    // Act
    const all: SkyportFunction[] = [api, onOrder, nightly, routed];
    const byName = { api, onOrder, nightly, routed } satisfies Record<string, SkyportFunction>;
    const unions: AnyFunction[] = [api, onOrder, nightly, routed];
    const pick = (fn: SkyportFunction) => fn;
    const either = pick(all.length > 3 ? onOrder : api);
    const events: AnyFunction<Exclude<Kind, 'http'>>[] = [onOrder, nightly];

    // Assert
    expect(all.map((fn) => fn.kind)).toEqual(['http', 'queue', 'schedule', 'http']);
    expect(Object.keys(byName)).toEqual(['api', 'onOrder', 'nightly', 'routed']);
    expect(unions).toHaveLength(4);
    expect(events).toHaveLength(2);
    expectTypeOf(either.kind).toEqualTypeOf<Kind>();
    expectTypeOf(byName.api).toEqualTypeOf<SkyportFunction<'http'>>();
    expectTypeOf<SkyportFunction<'queue'>>().toExtend<SkyportFunction>();
    expectTypeOf<SkyportFunction<'http', { auth: Principal }>>().toExtend<SkyportFunction<'http'>>();
    // A function of any kind is not a function of one kind, nor does it take kind-restricted middleware.
    expectTypeOf<SkyportFunction>().not.toExtend<SkyportFunction<'http'>>();
    expectTypeOf<SkyportFunction<'queue'>>().not.toExtend<SkyportFunction<'http'>>();
    // @ts-expect-error: an http function is not one of the event kinds
    const notEvent: AnyFunction<Exclude<Kind, 'http'>> = api;
    expect(() =>
      // @ts-expect-error: cors() is an http middleware, and this function may be of any kind
      either.use(cors()),
    ).toThrow(SkyportError);
    expect(notEvent.kind).toBe('http');
  });

  it('narrows an AnyFunction by its kind', () => {
    const describeFn = (fn: AnyFunction): string => {
      if (fn.kind !== 'http') return fn.kind;
      expectTypeOf(fn).toEqualTypeOf<SkyportFunction<'http'>>();
      return `${fn.options.method ?? '*'} ${fn.options.path ?? '/'}`;
    };
    expect(describeFn(http({ method: 'GET', path: '/a' }).handle(() => 1))).toBe('GET /a');
    expect(describeFn(queue({ name: 'q' }).handle(() => undefined))).toBe('queue');
  });

  it('types what dispatch() resolves to: a response for http, the handler result otherwise', () => {
    expectTypeOf<ReturnType<SkyportFunction<'http'>['dispatch']>>().toEqualTypeOf<Promise<HttpResponse>>();
    expectTypeOf<ReturnType<SkyportFunction<'queue'>['dispatch']>>().toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<ReturnType<SkyportFunction['dispatch']>>().toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<DispatchResult<'http' | 'queue'>>().toEqualTypeOf<unknown>();
    expectTypeOf<Parameters<SkyportFunction<'queue'>['dispatch']>[0]>().toEqualTypeOf<EventOf<'queue'>>();
  });

  it('grows the context through .use() on a finished function, for the middleware added after', () => {
    const api = http({ method: 'GET' }).handle(() => 'hi');
    const routed = router(api).use(auth).use(needsAuth).use(tenant);
    expectTypeOf(routed).toEqualTypeOf<SkyportFunction<'http', { auth: Principal; admin: boolean; tenant: string }>>();
    expectTypeOf(router(api).use(cors())).toEqualTypeOf<SkyportFunction<'http'>>();
    expectTypeOf(
      queue({ name: 'q' })
        .handle(() => undefined)
        .use(tenant),
    ).toEqualTypeOf<SkyportFunction<'queue', { tenant: string }>>();
    // A needed field of the context itself is there from the start.
    const needsRequestId = createMiddleware<'http', {}, { requestId: string }>({
      name: 'needsRequestId',
      kinds: ['http'],
      handle: (_req, _ctx, next) => next(),
    });
    expect(api.use(needsRequestId).middleware).toHaveLength(1);
    // @ts-expect-error: needsAuth needs ctx.auth, which no earlier middleware adds
    api.use(needsAuth);
    // @ts-expect-error: the order counts: auth is added after needsAuth would run
    api.use(needsAuth).use(auth);
    const tenanted = queue({ name: 'q' })
      .handle(() => undefined)
      .use(tenant);
    expect(() =>
      // @ts-expect-error: and the kind is still checked
      tenanted.use(needsAuth),
    ).toThrow(SkyportError);
  });

  it("keeps what the builder's middleware added on the finished function, for the middleware added to it later", () => {
    // Prepare
    const api = http({ method: 'GET', path: '/me' })
      .use(auth)
      .handle((_req, ctx) => ctx.auth.subject);
    const scoped = http({ method: 'GET', path: '/admin' })
      .use(jwtAuth({ secret: 'a-secret-of-at-least-32-characters!' }))
      .handle((_req, ctx) => ctx.auth.scopes)
      .use(requireScopes('admin'));

    // Act
    const admin = api.use(needsAuth).use(tenant);
    const tenanted = queue({ name: 'q' })
      .use(tenant)
      .handle(() => undefined);

    // Assert
    expectTypeOf(api).toEqualTypeOf<SkyportFunction<'http', { auth: Principal }>>();
    expectTypeOf(admin).toEqualTypeOf<SkyportFunction<'http', { auth: Principal; admin: boolean; tenant: string }>>();
    expectTypeOf(scoped).toEqualTypeOf<SkyportFunction<'http', AuthContext>>();
    expectTypeOf(tenanted).toEqualTypeOf<SkyportFunction<'queue', { tenant: string }>>();
    expectTypeOf(
      http()
        .use(cors())
        .handle(() => 1),
    ).toEqualTypeOf<SkyportFunction<'http'>>();
    expectTypeOf(api).toExtend<AnyFunction>();
    expectTypeOf(api).toExtend<SkyportFunction>();
    expect(admin.middleware.map((mw) => mw.name)).toEqual(['auth', 'admin', 'tenant']);
    expect(scoped.middleware).toHaveLength(2);
    const unauthenticated = http()
      .use(tenant)
      .handle(() => 1);
    // @ts-expect-error: needsAuth needs ctx.auth, which no middleware of this function adds
    unauthenticated.use(needsAuth);
  });

  it('types what next() resolves to by kind', () => {
    createMiddleware<'http'>({
      name: 'x',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<HttpResponse>();
        return res;
      },
    });
    createMiddleware({
      name: 'any',
      async handle(_event, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<unknown>();
        return res;
      },
    });
  });

  it('makes a middleware of several kinds narrow what next() resolves to before reading it as a response', () => {
    // A queue handler's result ('msg-123', or nothing) comes back from next() as it is.
    createMiddleware<Kind>({
      name: 'every-kind',
      async handle(_event, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<unknown>();
        // @ts-expect-error: on a queue message res is the handler's result, not a response
        if (res !== undefined) res.headers['server-timing'] = 'app;dur=1';
        if (isHttpResponse(res)) {
          expectTypeOf(res).toEqualTypeOf<HttpResponse>();
          res.headers['server-timing'] = 'app;dur=1';
        }
        return res;
      },
    });
    createMiddleware<'queue' | 'http'>({
      name: 'queue-or-http',
      kinds: ['queue', 'http'],
      async handle(_event, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<unknown>();
        // @ts-expect-error: not known to be a response
        void res.status;
        return isHttpResponse(res) ? { ...res, headers: { ...res.headers, 'x-seen': '1' } } : res;
      },
    });
    createMiddleware<'queue'>({
      name: 'queue-only',
      kinds: ['queue'],
      async handle(_message, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<unknown>();
        return res;
      },
    });
    createMiddleware<'http'>({
      name: 'http-only',
      kinds: ['http'],
      async handle(_req, _ctx, next) {
        const res = await next();
        expectTypeOf(res).toEqualTypeOf<HttpResponse>();
        res.headers['server-timing'] = 'app;dur=1';
        return res;
      },
    });
  });

  it('rejects a handler returning the wrong response shape', () => {
    const Out = z.object({ id: z.string() });
    http({ response: Out }).handle(() => ({ id: 'a' }));
    http({ response: Out }).handle(() => ({ status: 201, body: { id: 'a' } }));
    http({ response: Out }).handle(async () => undefined);
    // @ts-expect-error: id must be a string
    http({ response: Out }).handle(() => ({ id: 1 }));
    // @ts-expect-error: the body of an explicit response is checked too
    http({ response: Out }).handle(() => ({ status: 201, body: { id: 1 } }));
    // @ts-expect-error: a missing field
    http({ response: Out }).handle(async () => ({ name: 'x' }));
  });

  it('takes a stream of strings or bytes as a body, and refuses a stream of anything else', () => {
    const Out = z.object({ id: z.string() });
    const bytes: WebBody = new Blob(['a']).stream();
    const fetched: WebBody | null = new Response('a').body;
    const text: WebBody = new ReadableStream<string>();
    const untyped: WebBody = new ReadableStream();
    const decoded: WebBody = new Blob(['a']).stream().pipeThrough(new TextDecoderStream());
    const result: HttpResult<{ id: string }> = new ReadableStream<Uint8Array>();
    http({ response: Out }).handle(() => new Blob(['a']).stream());
    http({ response: Out }).handle(() => ({ status: 200, body: new ReadableStream<string>() }));
    http({ response: Out }).handle(async () => (await Promise.resolve(new Response('a'))).body ?? undefined);
    // @ts-expect-error: a streamed body is sent as strings or bytes; objects would fail every request
    const objects: WebBody = new ReadableStream<{ n: number }>();
    // @ts-expect-error: nor as a handler's result
    const returned: HttpResult<{ id: string }> = new ReadableStream<{ n: number }>();
    // @ts-expect-error: nor under a response schema
    http({ response: Out }).handle(() => new ReadableStream<{ id: string }>());
    // @ts-expect-error: nor as the body of an explicit response
    http({ response: Out }).handle(() => ({ status: 200, body: new ReadableStream<number>() }));
    void [bytes, fetched, text, untyped, decoded, result, objects, returned];
  });

  it('keeps every inferred type through a helper generic over the builder', () => {
    const withAuth = <TEvent, TCtx, TResult>(builder: FunctionBuilder<'http', TEvent, TCtx, TResult>) =>
      builder.use(auth);
    withAuth(http({ method: 'GET', path: '/orders/:id', query: z.object({ page: z.string() }) })).handle((req, ctx) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      expectTypeOf(req.query.page).toEqualTypeOf<string>();
      expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
      return undefined;
    });
  });

  it('refuses context passed to next() by a middleware that declares none', () => {
    createMiddleware({ name: 'plain', handle: (_event, _ctx, next) => next() });
    createMiddleware<'http', { tenant: string }>({
      name: 'tenant',
      kinds: ['http'],
      handle: (_req, _ctx, next) => next({ tenant: 'acme' }),
    });
    // @ts-expect-error: what a middleware adds must be declared, else handlers could not see it
    createMiddleware({ name: 'undeclared', handle: (_event, _ctx, next) => next({ tenant: 'acme' }) });
    const added: Record<string, unknown> = { tenant: 'acme' };
    // @ts-expect-error: nor context built elsewhere
    createMiddleware({ name: 'undeclared', handle: (_event, _ctx, next) => next(added) });
    createMiddleware({ name: 'empty', handle: (_event, _ctx, next) => next({}) });
  });

  it('names the fix in the refusal of context passed to next() by a middleware that declares none', () => {
    type Refusal = NonNullable<Parameters<Next<'http', {}>>[0]>[string];
    expectTypeOf<Refusal>().toEqualTypeOf<{
      readonly 'declare what this middleware adds to pass it to next(): createMiddleware<K, { name: Type }>(...)': never;
    }>();
  });

  it('rejects a headers schema naming a header with capitals (request names are lower case)', () => {
    http({ headers: z.object({ 'x-tenant': z.string() }) }).handle((req) => {
      expectTypeOf(req.headers['x-tenant']).toEqualTypeOf<string>();
    });
    http({ headers: z.record(z.string(), z.string()) });
    http({ headers: v.object({ authorization: v.string() }) });
    // @ts-expect-error: 'X-Tenant' never matches; the request has 'x-tenant'
    http({ headers: z.object({ 'X-Tenant': z.string() }) });
  });

  it('rejects a headers schema whose values take no string (header values are strings)', () => {
    http({ headers: z.object({ 'x-count': z.coerce.number(), 'x-mode': z.enum(['a', 'b']).optional() }) }).handle(
      (req) => {
        expectTypeOf(req.headers['x-count']).toEqualTypeOf<number>();
        expectTypeOf(req.headers['x-mode']).toEqualTypeOf<'a' | 'b' | undefined>();
      },
    );
    http({ headers: v.object({ 'x-count': v.pipe(v.string(), v.transform(Number)) }) });
    http({ headers: type({ 'x-count': 'string.integer.parse' }) });
    http({ headers: z.object({}).passthrough() });
    // @ts-expect-error: a header value is never a number: z.coerce.number() reads one
    http({ headers: z.object({ 'x-count': z.number() }) });
    // @ts-expect-error: nor a list
    http({ headers: v.object({ 'x-tags': v.array(v.string()) }) });
    // @ts-expect-error: nor a boolean
    http({ headers: type({ 'x-flag': 'boolean' }) });
    // @ts-expect-error: a map of any names is checked for its values
    http({ headers: z.record(z.string(), z.number()) });
  });

  it('rejects a query schema whose values take no string (a query gives the first value, a string)', () => {
    http({ query: z.object({ page: z.coerce.number().optional(), sort: z.enum(['asc', 'desc']) }) }).handle((req) => {
      expectTypeOf(req.query.page).toEqualTypeOf<number | undefined>();
      expectTypeOf(req.query.sort).toEqualTypeOf<'asc' | 'desc'>();
    });
    http({ query: v.object({ page: v.pipe(v.string(), v.transform(Number)) }) });
    http({ query: type({ 'page?': 'string.integer.parse' }) });
    http({ query: z.record(z.string(), z.string()) });
    // @ts-expect-error: a query value is never a number: z.coerce.number() reads one
    http({ query: z.object({ page: z.number() }) });
    // @ts-expect-error: nor a list (the query gives the first value; req.queryAll has them all)
    http({ query: v.object({ tag: v.array(v.string()) }) });
    // @ts-expect-error: nor a boolean
    http({ method: 'GET', path: '/items', query: type({ draft: 'boolean' }) });
  });

  it('rejects a params schema whose values take no string (a path parameter is a string)', () => {
    http({ path: '/books/:id', params: z.object({ id: z.coerce.number().int() }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<number>();
    });
    // @ts-expect-error: z.number() never takes the parameter's text: every request would be a 422
    http({ path: '/books/:id', params: z.object({ id: z.number() }) });
    const path: string = '/books/:id';
    // @ts-expect-error: checked when the path is only known as a string too
    http({ path, params: v.object({ id: v.number() }) });
  });

  it('rejects a params schema that does not take a parameter of the path', () => {
    http({ path: '/books/:id', params: z.object({ id: z.string() }) });
    http({ path: '/books/:id', params: z.object({ id: z.coerce.number() }) });
    http({ path: '/books/:id/pages/:page', params: z.object({ id: z.string(), page: z.string() }) });
    // @ts-expect-error: the path names id, the schema bookId (every request would be a 422)
    http({ path: '/books/:id', params: z.object({ bookId: z.string() }) });
    // @ts-expect-error: the schema misses the second parameter
    http({ path: '/books/:id/pages/:page', params: z.object({ id: z.string() }) });
    // A path only known as a string takes any schema.
    const path: string = '/books/:id';
    http({ path, params: z.object({ bookId: z.string() }) });
  });

  it('rejects a params schema that requires a key the path never binds, and takes an optional one', () => {
    http({ method: 'GET', path: '/users/:id', params: z.object({ id: z.string(), orgId: z.string().optional() }) });
    http({ path: '/users/:id', params: type({ id: 'string', 'orgId?': 'string' }) });
    http({ path: '/files/*', params: z.object({ '*': z.string(), rev: z.string().optional() }) });
    // @ts-expect-error: orgId is required, and no request binds it: every request would be a 422
    http({ method: 'GET', path: '/users/:id', params: z.object({ id: z.string(), orgId: z.string() }) });
    // @ts-expect-error: the same with arktype
    http({ path: '/users/:id', params: type({ id: 'string', orgId: 'string' }) });
    // @ts-expect-error: the same with valibot
    http({ path: '/users/:id', params: v.object({ id: v.string(), orgId: v.string() }) });
    // @ts-expect-error: a trailing * binds '*', not a name
    http({ path: '/files/*', params: z.object({ '*': z.string(), rev: z.string() }) });
    // A path only known as a string takes any schema.
    const path: string = '/users/:id';
    http({ path, params: z.object({ id: z.string(), orgId: z.string() }) });
    // A helper generic in its schema is checked by its constraint, for the parameters of the path.
    const byId = <S extends StandardSchemaV1<{ id: string; orgId?: string }>>(params: S) =>
      http({ path: '/users/:id', params });
    expect(typeof byId).toBe('function');
  });

  it('takes a params schema of any names (a record) as taking every parameter, and runs it', async () => {
    // Prepare: a record of digit strings under a path with one parameter
    const digits = z.record(z.string(), z.string().regex(/^\d+$/));
    const fn = http({ method: 'GET', path: '/r/:a', params: digits }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<Record<string, string>>();
      return { a: req.params.a };
    });
    http({ path: '/r/:a/:b', params: v.record(v.string(), v.string()) });
    // @ts-expect-error: its values still must take the parameter's text
    http({ path: '/r/:a', params: z.record(z.string(), z.number()) });
    const ctx = createContext({ cloud: 'node', kind: 'http', requestId: 'r', functionName: 'f' });

    // Act
    const ok = await runHttp(fn, { method: 'GET', path: '/r/12' }, ctx);
    const refused = await runHttp(fn, { method: 'GET', path: '/r/x' }, ctx);

    // Assert
    expect([ok.status, ok.body]).toEqual([200, '{"a":"12"}']);
    expect(refused.status).toBe(422);
  });

  it('names the keys the path never binds in the refusal', () => {
    const orgParams = z.object({ id: z.string(), orgId: z.string(), teamId: z.string(), note: z.string().optional() });
    type Refusal = ParamsSchemaFor<typeof orgParams, '/users/:id'>;
    expectTypeOf<Refusal>().toEqualTypeOf<{
      readonly 'a params schema may require only parameters of the path, not': 'orgId' | 'teamId';
    }>();
  });

  it('takes a params schema given through a helper generic in its schema, checked by its constraint', () => {
    // Prepare: helpers a codebase writes around http(), their schema a type parameter
    const byId = <S extends StandardSchemaV1<{ id: string }, { id: string }>>(params: S) =>
      http({ method: 'GET', path: '/items/:id', params });
    const zodById = <T extends z.ZodObject<{ id: z.ZodString }>>(params: T) => http({ path: '/items/:id', params });
    const maybeById = <S extends StandardSchemaV1<{ id: string }>>(params?: S) => http({ path: '/items/:id', params });
    // @ts-expect-error: a constraint without the path's parameter is refused
    const byBookId = <S extends StandardSchemaV1<{ bookId: string }>>(params: S) => http({ path: '/b/:id', params });
    // Act
    const fn = byId(z.object({ id: z.string() })).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      return req.params.id;
    });
    // Assert
    expect(fn.kind).toBe('http');
    expect([zodById, maybeById, byBookId].every((helper) => typeof helper === 'function')).toBe(true);
  });

  it('types req.params from an arktype, zod or valibot params schema, and checks it against the path', () => {
    http({ method: 'GET', path: '/books/:id', params: type({ id: 'string' }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      // @ts-expect-error: not in the schema
      void req.params.other;
    });
    http({ method: 'GET', path: '/books/:id', params: type({ id: 'string.integer.parse' }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<number>();
    });
    http({
      method: 'GET',
      path: '/books/:id/pages/:page',
      params: type({ id: 'string', page: 'string.integer.parse' }),
    }).handle((req) => {
      expectTypeOf(req.params).toEqualTypeOf<{ id: string; page: number }>();
    });
    http({ path: '/books/:id', params: v.object({ id: v.pipe(v.string(), v.transform(Number)) }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<number>();
    });
    http({ path: '/files/*', params: z.object({ '*': z.string() }) }).handle((req) => {
      expectTypeOf(req.params['*']).toEqualTypeOf<string>();
    });
    // @ts-expect-error: the path names id, the schema bookId (every request would be a 422)
    http({ path: '/books/:id', params: type({ bookId: 'string' }) });
    // @ts-expect-error: the schema misses the second parameter
    http({ path: '/books/:id/pages/:page', params: type({ id: 'string' }) });
    // A key the schema marks optional still takes the parameter the path always binds.
    http({ path: '/books/:id', params: type({ 'id?': 'string' }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string | undefined>();
    });
    http({ path: '/books/:id', params: z.object({ id: z.string().optional() }) });
    http({ path: '/books/:id', params: z.object({ id: z.string().default('x') }) }).handle((req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
    });
    // @ts-expect-error: the path names id, the schema bookId
    http({ path: '/books/:id', params: v.object({ bookId: v.string() }) });
    const path: string = '/books/:id';
    http({ path, params: type({ bookId: 'string' }) });
  });

  it('takes an error response built by a helper typed ErrorResponseInit under a response schema', () => {
    // Prepare: a lookup that may find nothing, and helpers that build answers
    const Out = z.object({ id: z.string() });
    const find = async (): Promise<{ id: string } | undefined> => undefined;
    const notFound = (reason: string): ErrorResponseInit => ({ status: 404, body: { reason } });
    const moved = (location: string): ErrorResponseInit => ({ status: 301, headers: { location } });
    const loose = (reason: string): HttpResponseInit => ({ status: 404, body: { reason } });
    const wrongShape = (): HttpResponseInit<{ reason: string }> => ({ status: 200, body: { reason: 'x' } });

    // Act / Assert
    http({ response: Out }).handle(async () => (await find()) ?? notFound('gone'));
    http({ response: Out }).handle(async () => (await find()) ?? moved('/orders/2'));
    // @ts-expect-error: a helper typed HttpResponseInit may answer any status, a 2xx included
    http({ response: Out }).handle(async () => (await find()) ?? loose('gone'));
    // @ts-expect-error: a 2xx body of the wrong shape is still refused
    http({ response: Out }).handle(wrongShape);
    // @ts-expect-error: an ErrorResponseInit has a redirect or error status
    const ok: ErrorResponseInit = { status: 200, body: { reason: 'x' } };
    expectTypeOf<ErrorResponseInit['status']>().toEqualTypeOf<UncheckedStatus>();
    expect(ok.status).toBe(200);
  });

  it('lets an explicit redirect or error response carry any body under a response schema', () => {
    const Out = z.object({ id: z.string() });
    http({ response: Out }).handle(() => ({ status: 404, body: { reason: 'no such order' } }));
    http({ response: Out }).handle(async () => ({ status: 503, headers: { 'retry-after': '30' } }));
    http({ response: Out }).handle(() => ({ status: 302, headers: { location: '/orders/1' } }));
    // @ts-expect-error: a 2xx body is still the schema's
    http({ response: Out }).handle(() => ({ status: 200, body: { reason: 'no such order' } }));
  });
});
