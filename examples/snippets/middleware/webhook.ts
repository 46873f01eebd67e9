/** "Verifying webhook signatures" in docs/middleware.md: GitHub's and Stripe's HMAC schemes over `req.rawBody`. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createMiddleware, http, Unauthorized } from '@skyport/core';
import { z } from 'zod';

/** Whether two strings are equal, in a time that does not tell where they differ. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y); // timingSafeEqual throws on unequal lengths
}

function badSignature(header: string): Unauthorized {
  return new Unauthorized(`the ${header} header does not sign this body`, {
    code: 'BAD_SIGNATURE',
    headers: { 'www-authenticate': `Signature realm="${header}"` },
  });
}

/** Refuses a request unless `x-hub-signature-256` is `sha256=` and the hex HMAC-SHA256 of its exact bytes. */
function githubSignature(secret: string | undefined) {
  if (!secret) throw new Error('githubSignature(): no secret given');
  return createMiddleware<'http'>({
    name: 'github-signature',
    kinds: ['http'],
    handle: (req, _ctx, next) => {
      const expected = `sha256=${createHmac('sha256', secret).update(req.rawBody).digest('hex')}`;
      if (!sameText(req.header('x-hub-signature-256') ?? '', expected)) throw badSignature('x-hub-signature-256');
      return next();
    },
  });
}

const PullRequestEvent = z.object({ action: z.string(), number: z.number().int() });

const onPullRequest = http({ method: 'POST', path: '/webhooks/github', body: PullRequestEvent })
  .use(githubSignature(process.env.GITHUB_WEBHOOK_SECRET))
  .handle((req) => ({ action: req.body.action, number: req.body.number }));

/** Stripe's scheme: `stripe-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, within `toleranceSec`. */
function stripeSignature(secret: string | undefined, toleranceSec = 300) {
  if (!secret) throw new Error('stripeSignature(): no secret given');
  return createMiddleware<'http'>({
    name: 'stripe-signature',
    kinds: ['http'],
    handle: (req, _ctx, next) => {
      const fields = (req.header('stripe-signature') ?? '').split(',').map((field) => field.trim().split('='));
      const t = fields.find(([key]) => key === 't')?.[1] ?? '';
      const expected = createHmac('sha256', secret).update(`${t}.`).update(req.rawBody).digest('hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(t)) <= toleranceSec;
      const signed = fields.some(([key, value]) => key === 'v1' && sameText(value ?? '', expected));
      if (!fresh || !signed) throw badSignature('stripe-signature');
      return next();
    },
  });
}

export { githubSignature, onPullRequest, stripeSignature };
