/** Writing middleware, as shown in docs/concepts.md. */
import { createMiddleware, http, Unauthorized } from '@skyport/core';

/** Adds `ctx.tenant` from the `x-tenant` header; 401 without it. */
export const tenant = createMiddleware<'http', { tenant: string }>({
  name: 'tenant',
  kinds: ['http'],
  async handle(req, _ctx, next) {
    const id = req.header('x-tenant');
    if (!id) {
      // A 401 names how to authenticate (RFC 9110 section 15.5.2).
      throw new Unauthorized('x-tenant header required', { headers: { 'www-authenticate': 'Tenant realm="api"' } });
    }
    return next({ tenant: id });
  },
});

/** Times every invocation of any kind. */
export const timing = createMiddleware({
  name: 'timing',
  async handle(_event, ctx, next) {
    const started = performance.now();
    try {
      return await next();
    } finally {
      ctx.log.debug({ ms: performance.now() - started }, 'timing');
    }
  },
});

export const whoami = http({ method: 'GET', path: '/whoami' })
  .use(timing)
  .use(tenant)
  .handle((_req, ctx) => ({ tenant: ctx.tenant })); // ctx.tenant: string
