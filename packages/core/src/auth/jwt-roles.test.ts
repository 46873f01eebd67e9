import { http } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwtAuth, requireRoles } from './index.js';

const secret = 'a-shared-secret-of-at-least-32-bytes';
const bearer = async (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret))}`,
});

describe('jwtAuth roles', () => {
  const refunds = http()
    .use(jwtAuth({ secret }))
    .use(requireRoles('Orders.Refund'))
    .handle((_req, ctx) => ctx.auth.roles);

  it('reads the roles of an Entra ID app-only token, Auth0 permissions and Cognito groups', async () => {
    // Act
    const answers = await Promise.all(
      [
        { roles: ['Orders.Refund'] },
        { permissions: ['Orders.Refund', 'Orders.Read'] },
        { 'cognito:groups': ['Orders.Refund'] },
      ].map(async (claims) => invoke(refunds, httpRequest({ headers: await bearer({ sub: 'u', ...claims }) }))),
    );

    // Assert
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, ['Orders.Refund']],
      [200, ['Orders.Refund', 'Orders.Read']],
      [200, ['Orders.Refund']],
    ]);
  });

  it('refuses a token without the role, or with it only as a scope', async () => {
    // Act
    const answers = await Promise.all(
      [{ roles: ['Orders.Read'] }, { scope: 'Orders.Refund' }].map(async (claims) =>
        invoke(refunds, httpRequest({ headers: await bearer({ sub: 'u', ...claims }) })),
      ),
    );

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual([403, 403]);
  });
});
