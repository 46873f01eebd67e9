/** docs/testing.md, "Functions behind an auth middleware": a real token for `jwtAuth()`. */
import { http } from '@skyport/core';
import { jwtAuth, requireScopes } from '@skyport/core/auth';
import { httpRequest, invoke } from '@skyport/testing';
import { SignJWT } from 'jose';
import { expect, it } from 'vitest';

const secret = 'a test secret, 32 bytes or more!';
const issuer = 'https://auth.example/';
const audience = 'orders-api';

const myOrders = http({ method: 'GET', path: '/me/orders' })
  .use(jwtAuth({ secret, issuer, audience }))
  .use(requireScopes('orders:read'))
  .handle((_req, ctx) => ({ customer: ctx.auth.subject }));

/** A token as the identity provider would issue it, signed with the function's secret. */
function token(scope: string): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('ada')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
}

const get = (bearer?: string) =>
  httpRequest({ path: '/me/orders', headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });

it('answers with a valid token, and refuses a missing or narrower one', async () => {
  const ok = await invoke(myOrders, get(await token('orders:read')));
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ customer: 'ada' });

  expect((await invoke(myOrders, get())).status).toBe(401);
  expect((await invoke(myOrders, get(await token('orders:write')))).status).toBe(403);
});
