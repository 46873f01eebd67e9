/** The principal every auth middleware adds, as listed in docs/middleware.md. */
import { http } from '@skyport/core';
import { apiKeyAuth, type Principal as ExportedPrincipal, jwtAuth } from '@skyport/core/auth';
import { httpRequest, invoke } from '@skyport/testing';
import { SignJWT } from 'jose';
import { describe, expect, expectTypeOf, it } from 'vitest';

interface Principal {
  readonly subject: string | undefined; // `sub`, API key owner, or platform user id
  readonly claims: Readonly<Record<string, unknown>>;
  readonly scopes: readonly string[]; // from `scope` (space separated) and `scp`
  readonly roles: readonly string[]; // from role, group and permission claims, or `apiKeyAuth()`'s `verify`
  readonly source:
    | 'jwt'
    | 'api-key'
    | 'aws-jwt-authorizer'
    | 'aws-lambda-authorizer'
    | 'aws-iam'
    | 'azure-app-service'
    | 'gcp-api-gateway'
    | 'gcp-iap';
}

const secret = 'a-shared-secret-of-at-least-32-bytes';
const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

describe('Principal', () => {
  it('is the type the auth middleware add', () => {
    expectTypeOf<Principal>().toEqualTypeOf<ExportedPrincipal>();
  });

  const viaJwt = http()
    .use(jwtAuth({ secret }))
    .handle((_req, ctx): Principal => ctx.auth);

  it('takes subject from `sub` and scopes from `scope` and `scp`', async () => {
    const token = await sign({ sub: 'user-1', scope: 'orders:read  orders:write', scp: ['profile'] });
    const res = await invoke(viaJwt, httpRequest({ headers: { authorization: `Bearer ${token}` } }));
    expect(res.body).toMatchObject({
      subject: 'user-1',
      scopes: ['orders:read', 'orders:write', 'profile'],
      claims: { sub: 'user-1', scp: ['profile'] },
      source: 'jwt',
    });
  });

  it('has no subject when the token has no `sub`', async () => {
    const token = await sign({ client_id: 'batch-job' });
    const res = await invoke(viaJwt, httpRequest({ headers: { authorization: `Bearer ${token}` } }));
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('subject');
    expect(res.body).toMatchObject({ claims: { client_id: 'batch-job' }, scopes: [] });
  });

  it('names the owner of an API key, never the key, and has no subject for a key without one', async () => {
    const fn = http()
      .use(apiKeyAuth({ keys: { 'key-of-partner-a': 'partner-a' }, verify: (key) => key === 'anonymous-key' }))
      .handle((_req, ctx): Principal => ctx.auth);
    const owned = await invoke(fn, httpRequest({ headers: { 'x-api-key': 'key-of-partner-a' } }));
    const anonymous = await invoke(fn, httpRequest({ headers: { 'x-api-key': 'anonymous-key' } }));
    expect(owned.body).toEqual({ subject: 'partner-a', claims: {}, scopes: [], roles: [], source: 'api-key' });
    expect(owned.text).not.toContain('key-of-partner-a');
    expect(anonymous.body).toEqual({ claims: {}, scopes: [], roles: [], source: 'api-key' });
    const listed = http()
      .use(apiKeyAuth({ keys: ['listed-key'] }))
      .handle((_req, ctx): Principal => ctx.auth);
    const fromList = await invoke(listed, httpRequest({ headers: { 'x-api-key': 'listed-key' } }));
    expect(fromList.body).toEqual({ claims: {}, scopes: [], roles: [], source: 'api-key' });
  });
});
