import { toLambda } from '@skyport/aws';
import { toAzure } from '@skyport/azure';
import { http, queue, router, type SkyportFunction } from '@skyport/core';
import { toGcp } from '@skyport/gcp';
import { serve } from '@skyport/node';
import { httpRequest, invoke } from '@skyport/testing';
import { SignJWT } from 'jose';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AuthContext, jwtAuth, requireScopes } from './auth/index.js';

const secret = 'a-very-long-shared-secret-for-tests-only';

const token = (scope: string) =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setExpirationTime('1m')
    .sign(new TextEncoder().encode(secret));

const listUsers = http({ method: 'GET', path: '/users' }).handle(() => ['ada']);
const onOrder = queue({ name: 'orders' }).handle(() => undefined);

describe('middleware added to a finished function', () => {
  it('sees the context an earlier .use() on it added: jwtAuth, then requireScopes', async () => {
    // Prepare
    const admin = router(listUsers).use(jwtAuth({ secret })).use(requireScopes('admin'));
    const request = async (scope: string) =>
      httpRequest({ path: '/users', headers: { authorization: `Bearer ${await token(scope)}` } });

    // Act
    const allowed = await invoke(admin, await request('read admin'));
    const refused = await invoke(admin, await request('read'));

    // Assert
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual(['ada']);
    expect(refused.status).toBe(403);
    expectTypeOf(admin).toEqualTypeOf<SkyportFunction<'http', AuthContext>>();
  });
});

describe('a function of any kind', () => {
  it('goes to every adapter as the function it is', () => {
    // Prepare
    const admin = router(listUsers).use(jwtAuth({ secret })).use(requireScopes('admin'));
    const pick = (fn: SkyportFunction<'http'> | SkyportFunction<'queue'>) => fn;
    const either = pick(onOrder);
    const some: SkyportFunction = either;
    const functions = { admin, listUsers, onOrder } satisfies Record<string, SkyportFunction>;

    // Act
    const handlers = [
      toLambda(either),
      toLambda(admin),
      toAzure(either),
      toAzure(some),
      toAzure(admin),
      toGcp(either, { signature: 'http' }),
      toGcp(admin),
    ];

    // Assert
    expect(handlers.every((handler) => typeof handler === 'function')).toBe(true);
    expectTypeOf(serve).toBeCallableWith(functions);
    expectTypeOf(serve).toBeCallableWith(admin);
  });
});

describe('a request not made by this copy of core', () => {
  it('is refused with INVALID_EVENT naming the likely cause: two copies of @skyport/core', async () => {
    // Prepare: what a request of another copy looks like to this one, an object of its own class
    const foreign = { method: 'GET', path: '/users', headers: {}, header: () => undefined };

    // Act
    const attempt = listUsers.dispatch(foreign as never, {} as never);

    // Assert
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(attempt).rejects.toThrow('npm ls @skyport/core');
  });
});
