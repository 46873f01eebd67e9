/** `cloudPrincipal()` reading identity the platform verified, as shown in docs/middleware.md. */
import { http } from '@skyport/core';
import { cloudPrincipal } from '@skyport/core/auth';

// Azure Functions with App Service authentication enabled
export const azureMe = http({ method: 'GET', path: '/me' })
  .use(cloudPrincipal({ headers: ['azure-easy-auth'] }))
  .handle((_req, ctx) => ({ subject: ctx.auth.subject, scopes: ctx.auth.scopes }));

// Cloud Run behind IAP
export const iapMe = http({ method: 'GET', path: '/me' })
  .use(cloudPrincipal({ iap: { audience: '/projects/123/global/backendServices/456' } }))
  .handle((_req, ctx) => ({ subject: ctx.auth.subject, email: ctx.auth.claims.email }));
