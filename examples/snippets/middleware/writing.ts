/** Middleware written with `createMiddleware()`, as shown in "Writing your own" in docs/middleware.md. */
import { createMiddleware, isHttpResponse } from '@skyport/core';

const tenant = createMiddleware<'http', { tenant: string }>({
  name: 'tenant',
  kinds: ['http'],
  handle: (req, _ctx, next) => next({ tenant: req.header('x-tenant') ?? 'default' }),
});

const audit = createMiddleware<'http'>({
  name: 'audit',
  kinds: ['http'],
  bypass: (req) => req.method === 'GET',
  handle: async (req, ctx, next) => {
    const res = await next();
    ctx.log.info({ method: req.method, status: res.status }, 'audited');
    return res;
  },
});

const serverTiming = createMiddleware({
  name: 'server-timing',
  handle: async (_event, _ctx, next) => {
    const started = performance.now();
    const res = await next(); // unknown: a response on http, the handler's result elsewhere
    if (isHttpResponse(res)) res.headers['server-timing'] = `app;dur=${(performance.now() - started).toFixed(1)}`;
    return res;
  },
});

export { audit, serverTiming, tenant };
