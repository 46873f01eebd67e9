/**
 * A container entry point like `examples/orders/node.ts`, with `logger()`: `bundle.test.ts` bundles
 * it with the build script of docs/node.md and runs the bundle on its own.
 */
import { http, queue } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { gracefulShutdown, serve } from '@skyport/node';

const hello = http({ method: 'GET', path: '/hello' })
  .use(logger())
  .handle((_req, ctx) => {
    ctx.log.info('hello');
    return 'hi';
  });
const orders = queue({ name: 'orders' }).handle(() => undefined);

const server = await serve({ hello, orders });
gracefulShutdown(server);
