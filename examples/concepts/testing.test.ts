/** Unit-testing a function with @skyport/testing, as shown in docs/concepts.md. */
import { http } from '@skyport/core';
import { apiKeyAuth, requireScopes } from '@skyport/core/auth';
import { httpRequest, invoke, message } from '@skyport/testing';
import { expect, it } from 'vitest';
import { shipOrder } from './functions.js';
import { whoami } from './middleware.js';

it('answers with the tenant', async () => {
  const res = await invoke(whoami, httpRequest({ path: '/whoami', headers: { 'x-tenant': 'acme' } }));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ tenant: 'acme' });
});

it('rejects a request without a tenant', async () => {
  const res = await invoke(whoami, httpRequest({ path: '/whoami' }));
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Tenant realm="api"');
  expect(res.headers['content-type']).toBe('application/problem+json');
});

it('fails only the invalid message of a batch', async () => {
  const out = await invoke(shipOrder, [
    message({ id: 'ok', body: { orderId: 'o1', total: 5 } }),
    message({ id: 'bad', body: { orderId: 'o2' } }),
  ]);
  expect(out.failures.map((f) => f.id)).toEqual(['bad']);
});

it('runs middleware shared through a builder helper on every route it was given to', async () => {
  const { tenantApi } = await import('./shared.js');
  const order = await invoke(tenantApi, httpRequest({ path: '/orders/7', headers: { 'x-tenant': 'acme' } }));
  const refused = await invoke(tenantApi, httpRequest({ path: '/invoices' }));
  expect(order.body).toEqual({ tenant: 'acme', id: '7' });
  expect(refused.status).toBe(401);
});

it('keeps the context middleware before the helper added', async () => {
  const { withTenant } = await import('./shared.js');
  // `auth` from apiKeyAuth() outlives the helper: requireScopes() on the finished function needs it.
  const me = withTenant(http({ method: 'GET', path: '/me' }).use(apiKeyAuth({ keys: { k1: 'svc-a' } })))
    .handle((_req, ctx) => ({ tenant: ctx.tenant, who: ctx.auth.subject }))
    .use(requireScopes());
  const res = await invoke(me, httpRequest({ path: '/me', headers: { 'x-api-key': 'k1', 'x-tenant': 'acme' } }));
  expect(res.body).toEqual({ tenant: 'acme', who: 'svc-a' });
});
