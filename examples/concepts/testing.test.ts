/** Unit-testing a function with @skyport/testing, as shown in docs/concepts.md. */
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
