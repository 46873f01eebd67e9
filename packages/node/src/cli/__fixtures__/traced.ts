/** A traced function with an OpenTelemetry SDK started at load, for the CLI's shutdown tests. */
import { http } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { startTelemetry } from '@skyport/otel';

await startTelemetry({ serviceName: 'serve-shutdown' });

export const ping = http({ method: 'GET', path: '/ping' })
  .use(tracing())
  .handle(() => 'pong');
