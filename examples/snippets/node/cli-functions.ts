/**
 * A module for the `skyport` CLI checks of docs/node.md: an http function that fails, one that
 * answers, and a router that routes the latter (so the CLI serves the router, not both).
 */
import { http, router } from '@skyport/core';

/** `GET /crash`: always a 500. */
export const crash = http({ method: 'GET', path: '/crash' }).handle(() => {
  throw new Error('crashed');
});

/** `GET /hello`. */
export const hello = http({ method: 'GET', path: '/hello' }).handle((_req, ctx) => ({
  functionName: ctx.functionName,
}));

/** Routes `hello` (and so the CLI leaves `hello` out of what it serves). */
export const api = router(hello);
