/**
 * A server with one slow route (`GET /slow` answers after `SLOW_MS` ms) and graceful shutdown,
 * started on a free loopback port: `shutdown.test.ts` runs it and signals it.
 */
import { http } from '@skyport/core';
import { gracefulShutdown, serve } from '@skyport/node';

const slow = http({ method: 'GET', path: '/slow' }).handle(async (_req, ctx) => {
  ctx.log.info('slow request started');
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.SLOW_MS ?? 500)));
  return 'done';
});

const server = await serve({ slow }, { port: 0, host: '127.0.0.1' });
gracefulShutdown(server);
