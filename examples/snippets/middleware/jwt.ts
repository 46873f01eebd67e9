/** `jwtAuth()` against an identity provider's key set, as shown in docs/middleware.md. */
import { http } from '@skyport/core';
import { jwtAuth } from '@skyport/core/auth';

export const me = http({ method: 'GET', path: '/me' })
  .use(
    jwtAuth({
      jwksUrl: 'https://shop.eu.auth0.com/.well-known/jwks.json',
      issuer: 'https://shop.eu.auth0.com/',
      audience: 'https://api.shop.example',
      requiredScopes: ['read:profile'],
    }),
  )
  .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
