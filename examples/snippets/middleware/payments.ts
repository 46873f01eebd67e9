/** The refunds service and identity-provider settings the middleware overview in docs/middleware.md uses. */
import { z } from 'zod';

/** The body of `POST /refunds`. */
export const Refund = z.object({ orderId: z.string(), amount: z.number().positive() });

/** The identity provider that issues the bearer tokens. */
export const issuer = 'https://id.shop.example/';
export const jwksUrl = 'https://id.shop.example/.well-known/jwks.json';
export const audience = 'payments-api';

/** A stand-in for the payments back end. */
export const refunds = {
  async create(subject: string | undefined, refund: z.infer<typeof Refund>) {
    return { status: 201, body: { id: `rf_${refund.orderId}`, requestedBy: subject, ...refund } };
  },
};
