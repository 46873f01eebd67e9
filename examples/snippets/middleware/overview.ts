/** The middleware stack at the top of docs/middleware.md. */
import { cors, http, timeout } from '@skyport/core';
import { jwtAuth, requireScopes } from '@skyport/core/auth';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { audience, issuer, jwksUrl, Refund, refunds } from './payments.js';

export const refund = http({ method: 'POST', path: '/refunds', body: Refund })
  .use(tracing()) // outermost: the span covers everything below
  .use(logger()) // reads the span ids tracing() added
  .use(cors({ origin: 'https://shop.example' }))
  .use(jwtAuth({ jwksUrl, issuer, audience }))
  .use(requireScopes('payments:refund'))
  .use(timeout({ marginMs: 1000 }))
  .handle(async (req, ctx) => refunds.create(ctx.auth.subject, req.body));
