import { metrics, trace } from '@opentelemetry/api';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { http } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { httpRequest, invoke } from '@skyport/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from './index.js';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('startTelemetry()', () => {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  let telemetry: Telemetry | undefined;

  afterAll(async () => {
    await telemetry?.shutdown();
    trace.disable();
    metrics.disable();
  });

  it('rejects a missing service name', async () => {
    await expect(startTelemetry({ serviceName: '' })).rejects.toThrow(TypeError);
  });

  it('registers an SDK that exports tracing() spans and FaaS metrics with the service resource', async () => {
    // Prepare
    telemetry = await startTelemetry({
      serviceName: 'orders',
      serviceVersion: '1.4.0',
      exporter,
      metrics: reader,
      batch: true,
      resourceAttributes: { 'deployment.environment.name': 'test' },
    });
    const fn = http({ method: 'GET', path: '/ping' })
      .use(tracing({ flush: false }))
      .handle(() => 'pong');
    // Act
    await invoke(fn, httpRequest({ path: '/ping' }), { functionName: 'ping' });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await telemetry.flush();
    // Assert
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET /ping');
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'orders',
      'service.version': '1.4.0',
      'deployment.environment.name': 'test',
    });
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toEqual(expect.arrayContaining(['faas.invocations', 'faas.invoke_duration']));
  });

  it('returns the same instance when called again', async () => {
    expect(await startTelemetry({ serviceName: 'other' })).toBe(telemetry);
  });
});

describe('@skyport/otel entry point', () => {
  it('imports @opentelemetry/sdk-node only dynamically, when startTelemetry() is called', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [new URL('./index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    const sdk = imports.filter((i) => i.path === '@opentelemetry/sdk-node');
    expect(sdk.map((i) => i.kind)).toEqual(['dynamic-import']);
  });
});
