/** docs/observability.md: one function with telemetry, tracing and logging. */
import { http } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { startTelemetry } from '@skyport/otel';
import { orders } from './orders.js';
import { Order } from './schemas.js';

await startTelemetry({ serviceName: 'orders', serviceVersion: '1.4.0' });

export const createOrder = http({ method: 'POST', path: '/orders', body: Order })
  .use(tracing())
  .use(logger())
  .handle(async (req, ctx) => {
    const order = await orders.create(req.body);
    ctx.log.info({ orderId: order.id }, 'order created');
    return { status: 201, body: order };
  });
