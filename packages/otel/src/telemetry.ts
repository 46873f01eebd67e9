/** `startTelemetry()`: configures and starts the OpenTelemetry Node SDK. */
import type { NodeSDK, NodeSDKConfiguration } from '@opentelemetry/sdk-node';

type SdkModule = typeof import('@opentelemetry/sdk-node');
type SpanExporter = NodeSDKConfiguration['traceExporter'];
type MetricReader = NonNullable<NodeSDKConfiguration['metricReaders']>[number];

/**
 * Where spans go: `otlp` (the OTLP exporter the standard `OTEL_EXPORTER_OTLP_*` variables
 * configure), `console`, `none`, or any `SpanExporter` (an in-memory one in tests, a vendor's).
 */
export type TracesExporterOption = 'otlp' | 'console' | 'none' | SpanExporter;

/** Where metrics go: `otlp`, `console`, `none`, or any metric reader. */
export type MetricsExporterOption = 'otlp' | 'console' | 'none' | MetricReader;

/** Options of `startTelemetry()`. */
export interface TelemetryOptions {
  /** `service.name` on every span and metric. */
  readonly serviceName: string;
  /** `service.version`, when given. */
  readonly serviceVersion?: string | undefined;
  /** Span exporter (default `otlp`). */
  readonly exporter?: TracesExporterOption | undefined;
  /** Metrics exporter (default: `none` when `exporter` is `none`, else `otlp`). */
  readonly metrics?: MetricsExporterOption | undefined;
  /** How often metrics are exported, in ms (default 60 000; `tracing()` also flushes per invocation on AWS / GCP). */
  readonly metricIntervalMs?: number | undefined;
  /** Batch spans before export (default true); `false` exports each span as it ends. */
  readonly batch?: boolean | undefined;
  /** More resource attributes (`deployment.environment.name`, ...). */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Instrumentations to enable (none by default: each one costs cold-start time). */
  readonly instrumentations?: NodeSDKConfiguration['instrumentations'] | undefined;
  /** Anything else `NodeSDK` accepts; wins over what the options above set. */
  readonly sdk?: Partial<NodeSDKConfiguration> | undefined;
}

/** A started SDK. */
export interface Telemetry {
  /** The underlying `NodeSDK`. */
  readonly sdk: NodeSDK;
  /** Exports every buffered span and metric now. */
  flush(): Promise<void>;
  /** Flushes and stops the SDK (call from a `SIGTERM` handler on containers). */
  shutdown(): Promise<void>;
}

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | undefined)?.forceFlush === 'function';
}

let started: Promise<Telemetry> | undefined;

function configure(sdk: SdkModule, options: TelemetryOptions): Partial<NodeSDKConfiguration> {
  const { tracing, metrics, resources } = sdk;
  const config: Partial<NodeSDKConfiguration> = {
    serviceName: options.serviceName,
    instrumentations: options.instrumentations ?? [],
  };
  const exporter = options.exporter ?? 'otlp';
  if (exporter === 'none') config.spanProcessors = [];
  else if (exporter === 'console')
    config.spanProcessors = [new tracing.SimpleSpanProcessor(new tracing.ConsoleSpanExporter())];
  else if (exporter !== 'otlp') {
    config.spanProcessors = [
      options.batch === false ? new tracing.SimpleSpanProcessor(exporter) : new tracing.BatchSpanProcessor(exporter),
    ];
  }
  const metricsOption = options.metrics ?? (exporter === 'none' ? 'none' : 'otlp');
  const interval = options.metricIntervalMs ?? 60_000;
  if (metricsOption === 'none') config.metricReaders = [];
  else if (metricsOption === 'console') {
    config.metricReaders = [
      new metrics.PeriodicExportingMetricReader({
        exporter: new metrics.ConsoleMetricExporter(),
        exportIntervalMillis: interval,
      }),
    ];
  } else if (metricsOption !== 'otlp') config.metricReaders = [metricsOption];
  const attributes: Record<string, string | number | boolean> = { ...options.resourceAttributes };
  if (options.serviceVersion !== undefined) attributes['service.version'] = options.serviceVersion;
  attributes['service.name'] = options.serviceName;
  config.resource = resources.defaultResource().merge(resources.resourceFromAttributes(attributes));
  return { ...config, ...options.sdk };
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  const sdkModule = await import('@opentelemetry/sdk-node');
  const sdk = new sdkModule.NodeSDK(configure(sdkModule, options));
  sdk.start();
  const { trace, metrics } = sdkModule.api;
  const flush = async () => {
    const proxy = trace.getTracerProvider();
    const tracerProvider = proxy instanceof sdkModule.api.ProxyTracerProvider ? proxy.getDelegate() : proxy;
    const pending: Promise<void>[] = [];
    for (const provider of [tracerProvider, metrics.getMeterProvider()]) {
      if (isFlushable(provider)) pending.push(provider.forceFlush());
    }
    await Promise.all(pending);
  };
  return {
    sdk,
    flush,
    shutdown: async () => {
      await sdk.shutdown();
      started = undefined;
    },
  };
}

/**
 * Starts the OpenTelemetry Node SDK once per process (later calls return the same instance) so
 * that `tracing()` spans and FaaS metrics are exported. `@opentelemetry/sdk-node` is imported
 * here, on the first call, so functions that never call it never load it. Call it before the
 * first invocation, at module top level.
 *
 * @example
 * // functions.ts
 * import { startTelemetry } from '@skyport/otel';
 * await startTelemetry({ serviceName: 'orders', exporter: 'otlp' });
 * export const getOrder = http({ method: 'GET', path: '/orders/:id' }).use(tracing()).use(logger()).handle(load);
 */
export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (typeof options?.serviceName !== 'string' || options.serviceName === '') {
    return Promise.reject(new TypeError('startTelemetry() needs a serviceName'));
  }
  started ??= start(options).catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}
