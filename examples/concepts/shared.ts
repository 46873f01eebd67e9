/** Middleware shared by several routes, with the context it adds typed in each, as shown in docs/concepts.md. */
import { type FunctionBuilder, http, router } from '@skyport/core';
import { tenant } from './middleware.js';

/** Adds `tenant()` to any http function, keeping every type its builder inferred. */
export const withTenant = <TEvent, TCtx, TResult, TAdded extends object>(
  builder: FunctionBuilder<'http', TEvent, TCtx, TResult, TAdded>,
) => builder.use(tenant);

export const tenantApi = router(
  withTenant(http({ method: 'GET', path: '/orders/:id' })).handle((req, ctx) => ({
    tenant: ctx.tenant, // string
    id: req.params.id, // string
  })),
  withTenant(http({ method: 'GET', path: '/invoices' })).handle((_req, ctx) => ({ tenant: ctx.tenant })),
);
