/**
 * Registering the OpenTelemetry SDK that `tracing()` reports to, as shown in docs/middleware.md.
 * Type-checked only: importing it would start OTLP exporters.
 */
import { http } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { startTelemetry } from '@skyport/otel';

await startTelemetry({ serviceName: 'orders', exporter: 'otlp' });

export const getOrder = http({ method: 'GET', path: '/orders/:id' })
  .use(tracing())
  .use(logger())
  .handle((req, ctx) => {
    ctx.span.setAttribute('order.id', req.params.id);
    return { id: req.params.id };
  });
