/** A module for the shutdown test: one slow http function, served by `skyport serve`. */
import { http } from '@skyport/core';

/** `POST /slow?ms=`: answers after `ms` milliseconds. */
export const slow = http({ method: 'POST', path: '/slow' }).handle(async (req, ctx) => {
  const ms = Number(req.query.ms ?? 500);
  ctx.log.info({ ms }, 'slow request started');
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { status: 200, body: { waited: ms } };
});
