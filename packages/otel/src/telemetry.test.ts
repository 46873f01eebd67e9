import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  context,
  createContextKey,
  type DiagLogger,
  DiagLogLevel,
  diag,
  metrics,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resources, logs as sdkLogs } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { http } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { aws, httpRequest, invoke } from '@skyport/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startTelemetry, type Telemetry, type TelemetryOptions } from './index.js';

const execFileAsync = promisify(execFile);

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** What `instrumentations` takes, one at a time. */
type Instrumentation = Exclude<NonNullable<TelemetryOptions['instrumentations']>[number], readonly unknown[]>;
/** The OpenTelemetry logs API's provider, as the SDK hands it to instrumentations. */
type LoggerProvider = Parameters<NonNullable<Instrumentation['setLoggerProvider']>>[0];

/**
 * An instrumentation that only keeps the logger provider the SDK gives it, to emit log records
 * the way log-bridging instrumentations (pino's, winston's) do.
 */
class LogProbe implements Instrumentation {
  readonly instrumentationName = 'log-probe';
  readonly instrumentationVersion = '1.0.0';
  loggerProvider: LoggerProvider | undefined;
  enable(): void {}
  disable(): void {}
  setTracerProvider(): void {}
  setMeterProvider(): void {}
  setLoggerProvider(provider: LoggerProvider): void {
    this.loggerProvider = provider;
  }
  setConfig(): void {}
  getConfig() {
    return { enabled: true };
  }
}

interface Collector {
  /** Paths of the requests received so far (`/v1/traces`, `/v1/metrics`, `/v1/logs`). */
  readonly paths: string[];
  close(): Promise<void>;
}

/**
 * A local OTLP/HTTP receiver on a loopback port, set as `OTEL_EXPORTER_OTLP_ENDPOINT`, so the
 * `otlp` exporters can be watched without any network.
 */
async function startCollector(): Promise<Collector> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `http://127.0.0.1:${port}`);
  return {
    paths,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ping = () =>
  http({ method: 'GET', path: '/ping' })
    .use(tracing({ flush: false }))
    .handle(() => 'pong');

const invokePing = () => invoke(ping(), httpRequest({ path: '/ping' }), { functionName: 'ping' });

/** Stops what a test started; the API globals are cleared so the next test's SDK registers. */
async function stop(telemetry: Telemetry | undefined, collector?: Collector): Promise<void> {
  await telemetry?.shutdown();
  await collector?.close();
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  diag.disable();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
}

/** Registers a diag logger that keeps the warnings written through it. */
function collectDiagWarnings(): string[] {
  const warnings: string[] = [];
  const ignore = () => {};
  const logger: DiagLogger = {
    error: ignore,
    warn: (message) => warnings.push(message),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return warnings;
}

/** The names of the metrics `reader` holds. */
async function metricNames(reader: MetricReader): Promise<string[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
}

// First in the file on purpose: an SDK left running would keep its logger provider registered with
// the logs API, and `stop()` cannot reach that API's `disable()` without depending on it (only
// `shutdown()` unregisters it). Vitest runs each test file in its own process.
describe('startTelemetry() and OpenTelemetry logs', () => {
  let telemetry: Telemetry | undefined;
  let collector: Collector | undefined;

  afterEach(async () => {
    await stop(telemetry, collector);
    telemetry = undefined;
  });

  it('starts no log pipeline: with exporter none, nothing at all is sent', async () => {
    // Prepare
    collector = await startCollector();
    const probe = new LogProbe();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'none', instrumentations: [probe] });
    // Act
    probe.loggerProvider?.getLogger('probe').emit({ body: 'order created' });
    await telemetry.shutdown();
    // Assert
    expect(probe.loggerProvider).toBeDefined();
    expect(collector.paths).toEqual([]);
  });

  it('hands the log pipeline of an SDK started after shutdown() to instrumentations', async () => {
    // Prepare
    const first = new sdkLogs.InMemoryLogRecordExporter();
    const second = new sdkLogs.InMemoryLogRecordExporter();
    const processor = new sdkLogs.SimpleLogRecordProcessor({ exporter: second });
    const probe = new LogProbe();
    telemetry = await startTelemetry({
      serviceName: 'orders',
      exporter: 'none',
      sdk: { logRecordProcessors: [new sdkLogs.SimpleLogRecordProcessor({ exporter: first })] },
    });
    await telemetry.shutdown();
    telemetry = await startTelemetry({
      serviceName: 'orders',
      exporter: 'none',
      instrumentations: [probe],
      sdk: { logRecordProcessors: [processor] },
    });
    // Act
    probe.loggerProvider?.getLogger('probe').emit({ body: 'order created' });
    await processor.forceFlush();
    // Assert
    expect(second.getFinishedLogRecords().map((record) => record.body)).toEqual(['order created']);
    expect(first.getFinishedLogRecords()).toEqual([]);
  });
});

describe('startTelemetry()', () => {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  let telemetry: Telemetry | undefined;

  afterAll(async () => {
    await stop(telemetry);
  });

  it('rejects a missing service name', async () => {
    await expect(startTelemetry({ serviceName: '' })).rejects.toThrow(TypeError);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects metricIntervalMs %s', async (metricIntervalMs) => {
    const result = startTelemetry({ serviceName: 'orders', metricIntervalMs });
    // Should it start anyway, stop it so that the next tests get their own SDK.
    await stop(await result.catch(() => undefined));
    await expect(result).rejects.toThrow(TypeError);
  });

  it.each([
    [
      { exporter: 'otlp-http' },
      `startTelemetry(): exporter must be 'otlp', 'console', 'none' or a span exporter (an object with export()), got "otlp-http"`,
    ],
    [{ exporter: 'Console' }, 'exporter must be'],
    [{ exporter: {} }, 'exporter must be'],
    [{ metrics: 'prometheus' }, 'metrics must be'],
    [{ metrics: new InMemorySpanExporter() }, 'pass a metric exporter in a reader'],
    [{ exporters: 'console' }, 'unknown option "exporters" (known options: serviceName, serviceVersion, exporter,'],
    [{ batch: 'false' }, 'batch must be true or false, got "false"'],
    [{ serviceVersion: 2 }, 'serviceVersion must be a string, got 2'],
    [{ resourceAttributes: 'env=prod' }, 'resourceAttributes must be an object of attributes'],
    [{ instrumentations: {} }, 'instrumentations must be an array'],
    [{ sdk: [] }, 'sdk must be an object of NodeSDK options, got an array'],
  ])('rejects %j when called, before starting anything', async (given, message) => {
    // Act
    const result = startTelemetry({ serviceName: 'orders', ...given } as TelemetryOptions);
    await stop(await result.catch(() => undefined));

    // Assert
    await expect(result).rejects.toThrow(TypeError);
    await expect(result).rejects.toThrow(message);
  });

  it('rejects options that are no object', async () => {
    await expect(startTelemetry('orders' as never)).rejects.toThrow(
      'startTelemetry() needs options with a serviceName, got "orders"',
    );
  });

  it('takes the exporter names and exporter objects it documents', async () => {
    const started = await startTelemetry({ serviceName: 'orders', exporter: 'none', metrics: 'none', batch: false });
    await stop(started);
    const objects = await startTelemetry({
      serviceName: 'orders',
      exporter: new InMemorySpanExporter(),
      metrics: new TestReader(),
    });
    await stop(objects);
    expect(objects).not.toBe(started);
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
    expect(await metricNames(reader)).toEqual(expect.arrayContaining(['faas.invocations', 'faas.invoke_duration']));
  });

  it('returns the same instance when called again', async () => {
    expect(await startTelemetry({ serviceName: 'other' })).toBe(telemetry);
  });
});

describe('startTelemetry() resource', () => {
  const fromEnv = 'service.name=env-name,service.version=9.9.9,deployment.environment.name=prod,team=payments';
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  /** Starts an SDK with `options`, runs one invocation and returns the span's and metrics' resources. */
  async function exportedResources(options: Partial<TelemetryOptions>) {
    const exporter = new InMemorySpanExporter();
    const reader = new TestReader();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter, metrics: reader, ...options });
    await invokePing();
    await telemetry.flush();
    const [span] = exporter.getFinishedSpans();
    const { resourceMetrics } = await reader.collect();
    return { spans: span?.resource.attributes, metrics: resourceMetrics.resource.attributes };
  }

  it('prefers the options over OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME and detected attributes', async () => {
    // Prepare
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', fromEnv);
    vi.stubEnv('OTEL_SERVICE_NAME', 'env-service');
    // Act
    const exported = await exportedResources({
      serviceVersion: '1.0.0',
      resourceAttributes: { 'deployment.environment.name': 'test' },
    });
    // Assert: what only the environment, a detector or the SDK gives is kept
    const expected = {
      'service.name': 'orders',
      'service.version': '1.0.0',
      'deployment.environment.name': 'test',
      team: 'payments',
      'process.pid': process.pid,
      'telemetry.sdk.language': 'nodejs',
    };
    expect(exported.spans).toMatchObject(expected);
    expect(exported.metrics).toMatchObject(expected);
  });

  it('runs the detectors OTEL_NODE_RESOURCE_DETECTORS names, under the options', async () => {
    // Prepare
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', fromEnv);
    vi.stubEnv('OTEL_NODE_RESOURCE_DETECTORS', 'env,serviceinstance');
    // Act
    const { spans } = await exportedResources({ serviceVersion: '1.0.0' });
    // Assert
    expect(spans).toMatchObject({ 'service.version': '1.0.0', team: 'payments' });
    expect(spans?.['service.instance.id']).toEqual(expect.any(String));
    expect(spans).not.toHaveProperty('process.pid');
  });

  it('prefers sdk.resource over the environment too', async () => {
    // Prepare
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', fromEnv);
    // Act
    const { spans } = await exportedResources({
      sdk: { resource: resources.resourceFromAttributes({ 'service.version': '2.0.0' }) },
    });
    // Assert
    expect(spans).toMatchObject({ 'service.name': 'orders', 'service.version': '2.0.0', team: 'payments' });
  });

  it('detects nothing, environment included, with sdk.autoDetectResources: false', async () => {
    // Prepare
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', fromEnv);
    // Act
    const { spans } = await exportedResources({ sdk: { autoDetectResources: false } });
    // Assert
    expect(spans).toMatchObject({ 'service.name': 'orders', 'telemetry.sdk.language': 'nodejs' });
    expect(spans).not.toHaveProperty('team');
    expect(spans).not.toHaveProperty('process.pid');
  });
});

describe('startTelemetry() cloud resource', () => {
  /** Every variable the platform detector reads, unset, so that the machine's own do not count. */
  const platformVariables = [
    'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_REGION',
    'AWS_LAMBDA_FUNCTION_VERSION',
    'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
    'AWS_LAMBDA_LOG_STREAM_NAME',
    'AWS_LAMBDA_LOG_GROUP_NAME',
    'K_SERVICE',
    'K_REVISION',
    'FUNCTION_TARGET',
    'GOOGLE_CLOUD_REGION',
    'FUNCTION_REGION',
    'GOOGLE_CLOUD_PROJECT',
    'GCLOUD_PROJECT',
    'WEBSITE_SITE_NAME',
    'FUNCTIONS_EXTENSION_VERSION',
    'WEBSITE_SKU',
    'REGION_NAME',
    'WEBSITE_OWNER_NAME',
    'WEBSITE_RESOURCE_GROUP',
    'WEBSITE_INSTANCE_ID',
    'WEBSITE_MEMORY_LIMIT_MB',
  ];
  const cloudKeys = /^(cloud|faas|aws)\./;
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  /** The `cloud.*`, `faas.*` and `aws.*` attributes of the spans' resource with `variables` set. */
  async function cloudAttributes(
    variables: Record<string, string>,
    options: Partial<TelemetryOptions> = {},
  ): Promise<Record<string, unknown>> {
    for (const name of platformVariables) vi.stubEnv(name, undefined);
    for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
    const exporter = new InMemorySpanExporter();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter, metrics: 'none', ...options });
    await invokePing();
    await telemetry.flush();
    const attributes = exporter.getFinishedSpans()[0]?.resource.attributes ?? {};
    return Object.fromEntries(Object.entries(attributes).filter(([key]) => cloudKeys.test(key)));
  }

  const lambda = {
    AWS_LAMBDA_FUNCTION_NAME: 'orders-api',
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_VERSION: '7',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/29/[7]2f399eb14537447da05ab2a2e39309de',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/orders-api',
  };

  it("reads AWS Lambda's variables", async () => {
    expect(await cloudAttributes(lambda)).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': 'eu-west-1',
      'faas.name': 'orders-api',
      'faas.version': '7',
      'faas.instance': '2026/11/29/[7]2f399eb14537447da05ab2a2e39309de',
      'faas.max_memory': 536_870_912,
      'aws.log.group.names': ['/aws/lambda/orders-api'],
    });
  });

  it("reads Cloud Run functions' variables", async () => {
    const attributes = await cloudAttributes({
      K_SERVICE: 'create-order',
      K_REVISION: 'create-order-00002-xak',
      FUNCTION_TARGET: 'createOrder',
      GOOGLE_CLOUD_REGION: 'europe-west1',
      GOOGLE_CLOUD_PROJECT: 'shop-prod',
    });
    expect(attributes).toEqual({
      'cloud.provider': 'gcp',
      'cloud.platform': 'gcp_cloud_functions',
      'cloud.region': 'europe-west1',
      'cloud.account.id': 'shop-prod',
      'faas.name': 'create-order',
      'faas.version': 'create-order-00002-xak',
    });
  });

  it("reads a Cloud Run service's variables", async () => {
    expect(await cloudAttributes({ K_SERVICE: 'orders', K_REVISION: 'orders-00011-b7c' })).toEqual({
      'cloud.provider': 'gcp',
      'cloud.platform': 'gcp_cloud_run',
      'faas.name': 'orders',
      'faas.version': 'orders-00011-b7c',
    });
  });

  it("reads Azure Functions' variables, without faas.name, faas.version and cloud.resource_id", async () => {
    const attributes = await cloudAttributes({
      WEBSITE_SITE_NAME: 'orders-app',
      FUNCTIONS_EXTENSION_VERSION: '~4',
      REGION_NAME: 'West Europe',
      WEBSITE_OWNER_NAME: '3ba4827d-4422-483f-b59f-85b74211c11d+orders-rg-WestEuropewebspace-Linux',
      WEBSITE_RESOURCE_GROUP: 'orders-rg',
      WEBSITE_INSTANCE_ID: 'a1b2c3',
      WEBSITE_MEMORY_LIMIT_MB: '2048',
    });
    expect(attributes).toEqual({
      'cloud.provider': 'azure',
      'cloud.platform': 'azure.functions',
      'cloud.region': 'West Europe',
      'cloud.account.id': '3ba4827d-4422-483f-b59f-85b74211c11d',
      // The invoked function's, a span attribute tracing() sets: an app hosts several functions.
      'faas.instance': 'a1b2c3',
      'faas.max_memory': 2_147_483_648,
    });
  });

  it('reads a Flex Consumption function app, which has no FUNCTIONS_EXTENSION_VERSION', async () => {
    const attributes = await cloudAttributes({ WEBSITE_SITE_NAME: 'orders-app', WEBSITE_SKU: 'FlexConsumption' });
    expect(attributes).toEqual({ 'cloud.provider': 'azure', 'cloud.platform': 'azure.functions' });
  });

  it('gives nothing on an App Service web app, nor off the clouds', async () => {
    expect(await cloudAttributes({ WEBSITE_SITE_NAME: 'orders-web', REGION_NAME: 'West Europe' })).toEqual({});
    await stop(telemetry);
    expect(await cloudAttributes({})).toEqual({});
  });

  it('prefers resourceAttributes and OTEL_RESOURCE_ATTRIBUTES', async () => {
    // Prepare
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'cloud.region=eu-central-1,faas.version=env');
    // Act
    const attributes = await cloudAttributes(lambda, { resourceAttributes: { 'faas.version': 'given' } });
    // Assert
    expect(attributes).toMatchObject({
      'cloud.provider': 'aws',
      'cloud.region': 'eu-central-1',
      'faas.version': 'given',
    });
  });

  it('keeps to the detectors OTEL_NODE_RESOURCE_DETECTORS names, and detects nothing with none', async () => {
    vi.stubEnv('OTEL_NODE_RESOURCE_DETECTORS', 'env');
    expect(await cloudAttributes(lambda)).toMatchObject({ 'cloud.platform': 'aws_lambda' });
    await stop(telemetry);
    vi.stubEnv('OTEL_NODE_RESOURCE_DETECTORS', 'none');
    expect(await cloudAttributes(lambda)).toEqual({});
  });

  it('leaves detection to sdk.resourceDetectors', async () => {
    expect(await cloudAttributes(lambda, { sdk: { resourceDetectors: [] } })).toEqual({});
  });
});

describe('startTelemetry() after shutdown()', () => {
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  it('starts a new SDK whose providers record tracing() spans and metrics', async () => {
    // Prepare: one function, built before either SDK, as at module top level
    const carriers: Record<string, string>[] = [];
    const fn = http({ method: 'GET', path: '/ping' })
      .use(tracing({ flush: false }))
      .handle(() => {
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        carriers.push(carrier);
        trace.getTracer('app').startActiveSpan('work', (span) => span.end());
        return 'pong';
      });
    const run = () => invoke(fn, httpRequest({ path: '/ping' }), { functionName: 'ping' });
    const after = new InMemorySpanExporter();
    const reader = new TestReader();
    const first = await startTelemetry({
      serviceName: 'orders',
      exporter: new InMemorySpanExporter(),
      metrics: 'none',
    });
    await run();
    await first.shutdown();
    // Act
    telemetry = await startTelemetry({ serviceName: 'billing', exporter: after, metrics: reader });
    await run();
    await telemetry.flush();
    // Assert
    expect(telemetry).not.toBe(first);
    const [work, invocation, ...more] = after.getFinishedSpans();
    expect([work?.name, invocation?.name, more]).toEqual(['work', 'GET /ping', []]);
    expect(invocation?.resource.attributes['service.name']).toBe('billing');
    expect(work?.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
    expect(carriers[1]?.traceparent).toContain(invocation?.spanContext().traceId);
    expect(await metricNames(reader)).toContain('faas.invocations');
  });

  it('makes a new SDK for a start called while the last one is shutting down', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const first = await startTelemetry({ serviceName: 'orders', exporter: 'none', metrics: 'none' });
    // Act
    const stopping = first.shutdown();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter, metrics: 'none' });
    await stopping;
    await invokePing();
    await telemetry.flush();
    // Assert
    expect(telemetry).not.toBe(first);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /ping']);
  });

  it('leaves the context manager and propagator another library registered first', async () => {
    // Prepare: the application's own set-up, before startTelemetry()
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const key = createContextKey('tenant');
    const carried = () => context.with(ROOT_CONTEXT.setValue(key, 'acme'), () => context.active().getValue(key));
    // Act
    const started = await startTelemetry({ serviceName: 'orders', exporter: 'none', metrics: 'none' });
    await started.shutdown();
    // Assert
    expect(carried()).toBe('acme');
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate']);
  });

  it('leaves a newer SDK running when an older handle is shut down again', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const first = await startTelemetry({ serviceName: 'orders', exporter: 'none', metrics: 'none' });
    await first.shutdown();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter, metrics: 'none' });
    // Act
    await first.shutdown();
    await invokePing();
    await telemetry.flush();
    // Assert
    expect(await startTelemetry({ serviceName: 'orders' })).toBe(telemetry);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /ping']);
  });
});

describe('startTelemetry() with the default otlp exporter', () => {
  let telemetry: Telemetry | undefined;
  let collector: Collector | undefined;

  afterEach(async () => {
    await stop(telemetry, collector);
    telemetry = undefined;
  });

  it('batches spans by default: nothing is sent before flush()', async () => {
    // Prepare
    collector = await startCollector();
    telemetry = await startTelemetry({ serviceName: 'orders', metrics: 'none' });
    // Act
    await invokePing();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beforeFlush = [...collector.paths];
    await telemetry.flush();
    // Assert
    expect(beforeFlush).toEqual([]);
    expect(collector.paths).toEqual(['/v1/traces']);
  });

  it('exports each span as it ends with batch: false', async () => {
    // Prepare
    collector = await startCollector();
    telemetry = await startTelemetry({ serviceName: 'orders', metrics: 'none', batch: false });
    // Act
    await invokePing();
    // Assert: well within the batch processor's 5 s delay, and without flush()
    await vi.waitFor(() => expect(collector?.paths).toEqual(['/v1/traces']), { timeout: 2_000, interval: 20 });
  });

  it('exports metrics every metricIntervalMs to the exporter OTEL_METRICS_EXPORTER names', async () => {
    // Prepare
    collector = await startCollector();
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp');
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'console', metricIntervalMs: 100 });
    vi.spyOn(console, 'dir').mockImplementation(() => {});
    // Act
    await invokePing();
    // Assert: several exports, without flush()
    await vi.waitFor(
      () => expect(collector?.paths.filter((path) => path === '/v1/metrics').length).toBeGreaterThanOrEqual(3),
      { timeout: 3_000, interval: 20 },
    );
  });

  it('keeps a prometheus exporter OTEL_METRICS_EXPORTER names beside otlp when metricIntervalMs is given', async () => {
    // Prepare: a free loopback port for the scrape endpoint
    collector = await startCollector();
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp,prometheus');
    vi.stubEnv('OTEL_EXPORTER_PROMETHEUS_HOST', '127.0.0.1');
    vi.stubEnv('OTEL_EXPORTER_PROMETHEUS_PORT', String(port));
    telemetry = await startTelemetry({ serviceName: 'orders', metricIntervalMs: 100 });
    // Act
    await invokePing();
    // Assert: pushed every interval, and scraped on demand
    await vi.waitFor(
      () => expect(collector?.paths.filter((path) => path === '/v1/metrics').length).toBeGreaterThanOrEqual(2),
      { timeout: 3_000, interval: 20 },
    );
    const scraped = await vi.waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        return res.text();
      },
      { timeout: 3_000, interval: 50 },
    );
    expect(scraped).toMatch(/^faas_invocations/m);
  });

  it('exports metrics every metricIntervalMs', async () => {
    // Prepare
    collector = await startCollector();
    telemetry = await startTelemetry({ serviceName: 'orders', metricIntervalMs: 100 });
    // Act
    await invokePing();
    // Assert: several exports, without flush()
    await vi.waitFor(
      () => expect(collector?.paths.filter((path) => path === '/v1/metrics').length).toBeGreaterThanOrEqual(3),
      { timeout: 3_000, interval: 20 },
    );
  });
});

describe('startTelemetry() with a span exporter object', () => {
  let telemetry: Telemetry | undefined;
  let collector: Collector | undefined;

  afterEach(async () => {
    await stop(telemetry, collector);
    telemetry = undefined;
  });

  /** One Lambda invocation of a function behind `tracing()`, which flushes the SDK before returning. */
  const invokeOnLambda = () => {
    const fn = http({ method: 'GET', path: '/ping' })
      .use(tracing())
      .handle(() => 'pong');
    return toLambda(fn)(aws.apiGatewayV2({ method: 'GET', path: '/ping' }), createLambdaContext());
  };

  it('exports no metrics, and says so, when neither metrics nor OTEL_METRICS_EXPORTER names where they go', async () => {
    // Prepare: an OTLP endpoint in the environment, which the metrics must not be sent to
    collector = await startCollector();
    const warnings = collectDiagWarnings();
    const exporter = new InMemorySpanExporter();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter });
    // Act
    const answer = await invokeOnLambda();
    // Assert: the span went to the exporter, nothing to the OTLP endpoint, and no meter provider
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /ping']);
    expect(collector.paths).toEqual([]);
    expect(metrics.getMeterProvider()).not.toBeInstanceOf(MeterProvider);
    expect(warnings).toEqual([expect.stringContaining('metrics are not exported')]);
    expect(warnings[0]).toContain('PeriodicExportingMetricReader');
  });

  it('exports metrics where OTEL_METRICS_EXPORTER says', async () => {
    // Prepare
    collector = await startCollector();
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp');
    const warnings = collectDiagWarnings();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: new InMemorySpanExporter() });
    // Act
    await invokeOnLambda();
    // Assert
    expect(collector.paths).toEqual(['/v1/metrics']);
    expect(warnings).toEqual([]);
  });

  it('exports metrics to the reader metrics names', async () => {
    // Prepare
    const reader = new TestReader();
    const warnings = collectDiagWarnings();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: new InMemorySpanExporter(), metrics: reader });
    // Act
    await invokeOnLambda();
    // Assert
    expect(await metricNames(reader)).toContain('faas.invocations');
    expect(warnings).toEqual([]);
  });
});

describe("startTelemetry()'s own warnings", () => {
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  it('are written to the console when no diag logger is registered', async () => {
    // Prepare: a typo in the variable, which turns the metrics off
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlpp');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // Act
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'none', metricIntervalMs: 1_000 });
    // Assert
    expect(warn.mock.calls).toEqual([[expect.stringContaining('unsupported OTEL_METRICS_EXPORTER value "otlpp"')]]);
  });

  /**
   * What a process that starts an SDK with `OTEL_METRICS_EXPORTER=otlpp` and `env` writes to
   * stderr: the SDK's console diag logger writes through the console methods it saved when it
   * was loaded, out of reach of a spy.
   */
  async function stderrOfStart(env: Record<string, string>): Promise<string> {
    const script = [
      `import { startTelemetry } from ${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))};`,
      "const telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'none', metricIntervalMs: 1000 });",
      'await telemetry.shutdown();',
    ].join('\n');
    const { stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, OTEL_METRICS_EXPORTER: 'otlpp', ...env },
      timeout: 15_000,
    });
    return stderr;
  }

  it('go through the diag logger OTEL_LOG_LEVEL installs, once', async () => {
    const stderr = await stderrOfStart({ OTEL_LOG_LEVEL: 'warn' });
    expect(stderr.match(/unsupported OTEL_METRICS_EXPORTER value "otlpp"/g)).toHaveLength(1);
  });

  it('are left out below the level OTEL_LOG_LEVEL asks for', async () => {
    const stderr = await stderrOfStart({ OTEL_LOG_LEVEL: 'error' });
    expect(stderr).not.toContain('otlpp');
  });
});

describe('startTelemetry() with the console exporter', () => {
  // Without detected resource attributes (the host id is read asynchronously), an unbatched
  // span is exported synchronously as it ends.
  const noHostId = { autoDetectResources: false };
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  it('prints each span as it ends by default', async () => {
    // Prepare
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'console', metrics: 'none', sdk: noHostId });
    // Act
    await invokePing();
    // Assert
    expect(dir).toHaveBeenCalledOnce();
  });

  it('prints the metrics too by default, and sends nothing to an OTLP endpoint', async () => {
    // Prepare: an OTLP endpoint in the environment, which the metrics must not be sent to
    const collector = await startCollector();
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'console', sdk: noHostId });
    // Act
    await invokePing();
    await telemetry.flush();
    // Assert: the span and the metrics printed
    expect(dir.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(collector.paths).toEqual([]);
    await collector.close();
  });

  it('leaves metrics to OTEL_METRICS_EXPORTER when the options do not name them', async () => {
    // Prepare
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'none');
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'console', sdk: noHostId });
    // Act
    await invokePing();
    await telemetry.flush();
    // Assert: the span alone
    expect(dir).toHaveBeenCalledOnce();
  });

  it('batches spans with batch: true', async () => {
    // Prepare
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    telemetry = await startTelemetry({
      serviceName: 'orders',
      exporter: 'console',
      metrics: 'none',
      batch: true,
      sdk: noHostId,
    });
    // Act
    await invokePing();
    const beforeFlush = dir.mock.calls.length;
    await telemetry.flush();
    // Assert
    expect(beforeFlush).toBe(0);
    expect(dir).toHaveBeenCalledOnce();
  });
});

describe('startTelemetry() sdk option', () => {
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await stop(telemetry);
    telemetry = undefined;
  });

  it('lets sdk.traceExporter win over exporter', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    telemetry = await startTelemetry({ serviceName: 'orders', exporter: 'none', sdk: { traceExporter: exporter } });
    // Act
    await invokePing();
    await telemetry.flush();
    // Assert
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /ping']);
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
