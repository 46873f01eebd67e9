/** `startTelemetry()`: configures and starts the OpenTelemetry Node SDK. */
// Not bound as `createRequire`: an ESM bundle's `--banner:js` often declares that name (and
// `require`) at the top of the file, and a second declaration would stop the bundle from loading.
import { createRequire as requireFrom } from 'node:module';
import type { NodeSDK, NodeSDKConfiguration, metrics as SdkMetrics } from '@opentelemetry/sdk-node';

type SdkModule = typeof import('@opentelemetry/sdk-node');
type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type ResourceDetector = NodeSDKConfiguration['resourceDetectors'][number];

/**
 * A span exporter of the OpenTelemetry SDK (`@opentelemetry/sdk-trace-base`'s `SpanExporter`, as
 * `@opentelemetry/sdk-node` takes it): what `exporter` takes besides `otlp`, `console` and `none`.
 *
 * @example
 * import { tracing } from '@opentelemetry/sdk-node';
 * const exporter: SpanExporter = new tracing.InMemorySpanExporter();
 * await startTelemetry({ serviceName: 'orders', exporter });
 */
export type SpanExporter = NodeSDKConfiguration['traceExporter'];

/**
 * A metric reader of the OpenTelemetry SDK (`@opentelemetry/sdk-metrics`' `MetricReader`, as
 * `@opentelemetry/sdk-node` takes it): what `metrics` takes besides `otlp`, `console` and `none`.
 *
 * @example
 * import { metrics } from '@opentelemetry/sdk-node';
 * const reader: MetricReader = new metrics.PeriodicExportingMetricReader({ exporter: new metrics.ConsoleMetricExporter() });
 * await startTelemetry({ serviceName: 'orders', metrics: reader });
 */
export type MetricReader = NonNullable<NodeSDKConfiguration['metricReaders']>[number];

/**
 * Where spans go: `otlp` (the OTLP exporter the standard `OTEL_EXPORTER_OTLP_*` variables
 * configure), `console`, `none`, or any `SpanExporter` (an in-memory one in tests, a vendor's).
 */
export type TracesExporterOption = 'otlp' | 'console' | 'none' | SpanExporter;

/** Where metrics go: `otlp`, `console`, `none`, or any metric reader. */
export type MetricsExporterOption = 'otlp' | 'console' | 'none' | MetricReader;

/** Options of `startTelemetry()`. */
export interface TelemetryOptions {
  /**
   * `service.name` on every span and metric; like `serviceVersion` and `resourceAttributes`, it
   * wins over `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` and the other resource detectors.
   */
  readonly serviceName: string;
  /** `service.version`, when given. */
  readonly serviceVersion?: string | undefined;
  /** Span exporter (default `otlp`). */
  readonly exporter?: TracesExporterOption | undefined;
  /**
   * Metrics exporter (default: `OTEL_METRICS_EXPORTER` when set, else `none` or `console` when
   * `exporter` is, else `otlp`; `none` too, with a warning, when `exporter` is a `SpanExporter`
   * object). With a vendor's span exporter, pass its metric exporter in a reader:
   * `new metrics.PeriodicExportingMetricReader({ exporter })` (`metrics` from
   * `@opentelemetry/sdk-node`).
   */
  readonly metrics?: MetricsExporterOption | undefined;
  /**
   * How often the `otlp` and `console` metrics exporters export, in ms: a positive number
   * (default `OTEL_METRIC_EXPORT_INTERVAL`, else 60 000; `tracing()` also flushes per invocation
   * on AWS / GCP). A metric reader passed as `metrics` keeps its own interval, and a `prometheus`
   * exporter `OTEL_METRICS_EXPORTER` names is scraped, so it has none.
   */
  readonly metricIntervalMs?: number | undefined;
  /**
   * Batch spans before export (default true, except with `console`, which prints each span as it
   * ends); `false` exports each span as it ends, one request per span with `otlp`.
   */
  readonly batch?: boolean | undefined;
  /**
   * More resource attributes (`deployment.environment.name`, ...); those the environment or a
   * detector also sets are taken from here.
   */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Instrumentations to enable (none by default: each one costs cold-start time). */
  readonly instrumentations?: NodeSDKConfiguration['instrumentations'] | undefined;
  /**
   * Anything else `NodeSDK` accepts; wins over what the options above set: `traceExporter` or
   * `spanProcessor(s)` replace `exporter` and `batch`, `metricReader(s)` replace `metrics` and
   * `metricIntervalMs`, and `logRecordProcessor(s)` start an OpenTelemetry log pipeline. A
   * `resource` replaces `serviceVersion` and `resourceAttributes` (not `serviceName`) and, like
   * them, wins over the detected attributes; `autoDetectResources` and `resourceDetectors` choose
   * the detectors as they do in `NodeSDK`.
   */
  readonly sdk?: Partial<NodeSDKConfiguration> | undefined;
}

/** A started SDK. */
export interface Telemetry {
  /** The underlying `NodeSDK`. */
  readonly sdk: NodeSDK;
  /**
   * Exports every span and metric this SDK's providers buffer, now (providers another library
   * registered before it are not this SDK's: `tracing()` flushes whatever is registered).
   */
  flush(): Promise<void>;
  /**
   * Flushes and stops the SDK (on containers, from `gracefulShutdown(server, { beforeExit })` of
   * `@skyport/node`, which otherwise flushes what is registered itself), then unregisters
   * from the OpenTelemetry API what it registered (tracer, meter and logger providers, context
   * manager, propagator; what another library registered first stays), so that a later
   * `startTelemetry()` starts and registers a new SDK, even one called before this resolves.
   * Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return typeof (value as Partial<Flushable> | undefined)?.forceFlush === 'function';
}

// The OTLP exporter packages are dependencies of `@opentelemetry/sdk-node`, not of ours: their
// shapes are declared here from sdk-node's own types.
interface OtlpTraceExporterModule {
  readonly OTLPTraceExporter: new () => SpanExporter;
}
interface OtlpMetricExporterModule {
  readonly OTLPMetricExporter: new () => SdkMetrics.PushMetricExporter;
}
interface PrometheusExporterModule {
  readonly PrometheusExporter: new () => MetricReader;
}
/** The part of `@opentelemetry/api-logs`, the logs API `NodeSDK` registers with, used here. */
interface LogsApi {
  getLoggerProvider(): unknown;
  disable(): void;
}
interface LogsApiModule {
  readonly logs: LogsApi;
}

/**
 * Takes one of `startTelemetry()`'s own warnings. They are kept until `NodeSDK` is built, as its
 * constructor installs the diag logger `OTEL_LOG_LEVEL` asks for: see `writeWarnings()`.
 */
type Warn = (message: string) => void;

let started: Promise<Telemetry> | undefined;
/** The SDK `started` resolved to, until its `shutdown()`. */
let current: Telemetry | undefined;
/** The shutdown of the last SDK, which a new start waits for. */
let stopping: Promise<void> | undefined;

/** A positive number from the environment, else `undefined` (as `NodeSDK` reads its variables). */
function positiveFromEnv({ core }: SdkModule, name: string): number | undefined {
  const value = core.getNumberFromEnv(name);
  return value !== undefined && value > 0 ? value : undefined;
}

/**
 * Loads `name`, a dependency of `@opentelemetry/sdk-node`, from where that package is installed,
 * so it is found under any package manager.
 */
function requireNextToSdk<T>(name: string): T {
  const sdkEntry = requireFrom(import.meta.url).resolve('@opentelemetry/sdk-node');
  return requireFrom(sdkEntry)(name) as T;
}

/**
 * Loads the OTLP exporter package for `signal` and the protocol `OTEL_EXPORTER_OTLP_*_PROTOCOL`
 * names, the one `NodeSDK` would pick. It is resolved from where `@opentelemetry/sdk-node` is
 * installed, since that package depends on it, so it is found under any package manager.
 */
function requireOtlpExporter<T>(sdk: SdkModule, signal: 'traces' | 'metrics', warn: Warn): T {
  const protocol =
    (
      sdk.core.getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`) ??
      sdk.core.getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf';
  const flavour = protocol === 'grpc' ? 'grpc' : protocol === 'http/json' ? 'http' : 'proto';
  if (flavour === 'proto' && protocol !== 'http/protobuf') {
    warn(`startTelemetry(): unsupported OTLP ${signal} protocol "${protocol}", using http/protobuf`);
  }
  return requireExporter<T>(`@opentelemetry/exporter-${signal === 'traces' ? 'trace' : 'metrics'}-otlp-${flavour}`);
}

/** Loads the exporter package `name` next to `@opentelemetry/sdk-node`, or says how to make it loadable. */
function requireExporter<T>(name: string): T {
  try {
    return requireNextToSdk<T>(name);
  } catch (error) {
    throw new Error(
      `startTelemetry() could not load ${name} next to @opentelemetry/sdk-node (when bundling, keep ` +
        '@opentelemetry/sdk-node external, or pass an exporter instead of its name)',
      { cause: error },
    );
  }
}

function spanProcessors(sdk: SdkModule, options: TelemetryOptions, warn: Warn): SpanProcessor[] | undefined {
  const { tracing } = sdk;
  const exporter = options.exporter ?? 'otlp';
  if (exporter === 'none') return [];
  const batch = options.batch ?? exporter !== 'console';
  let spanExporter: SpanExporter;
  if (exporter === 'otlp') {
    // NodeSDK's own default is OTLP, batched with the `OTEL_BSP_*` settings.
    if (batch) return undefined;
    spanExporter = new (requireOtlpExporter<OtlpTraceExporterModule>(sdk, 'traces', warn).OTLPTraceExporter)();
  } else if (exporter === 'console') spanExporter = new tracing.ConsoleSpanExporter();
  else spanExporter = exporter;
  return [batch ? new tracing.BatchSpanProcessor(spanExporter) : new tracing.SimpleSpanProcessor(spanExporter)];
}

/** Whether `exporter` is a span exporter object (a vendor's, an in-memory one), not a name. */
function isExporterObject(exporter: TracesExporterOption | undefined): exporter is SpanExporter {
  return exporter !== undefined && typeof exporter !== 'string';
}

function metricReaders(sdk: SdkModule, options: TelemetryOptions, warn: Warn): MetricReader[] | undefined {
  // `OTEL_METRICS_EXPORTER` (a list) decides when the options do not name the exporter.
  const fromEnv =
    options.metrics === undefined
      ? sdk.core
          .getStringFromEnv('OTEL_METRICS_EXPORTER')
          ?.split(',')
          .map((name) => name.trim())
          .filter((name) => name !== '')
      : undefined;
  if (fromEnv !== undefined && fromEnv.length > 0) {
    // NodeSDK reads the variable itself, at its own interval: only an interval given here needs
    // the readers built here, for the exporters it names.
    if (options.metricIntervalMs === undefined && positiveFromEnv(sdk, 'OTEL_METRIC_EXPORT_INTERVAL') === undefined) {
      return undefined;
    }
    if (fromEnv.includes('none')) return [];
    // The names NodeSDK takes, each once, as it does.
    return [...new Set(fromEnv)].flatMap((name): MetricReader[] => {
      if (name === 'otlp' || name === 'console') return periodicReaders(sdk, name, options.metricIntervalMs, warn);
      // Scraped, not pushed: no interval applies. Its port and host are read from
      // `OTEL_EXPORTER_PROMETHEUS_PORT` / `_HOST`, as under NodeSDK.
      if (name === 'prometheus') {
        return [
          new (requireExporter<PrometheusExporterModule>('@opentelemetry/exporter-prometheus').PrometheusExporter)(),
        ];
      }
      warn(
        `startTelemetry(): unsupported OTEL_METRICS_EXPORTER value "${name}"; supported are otlp, console, prometheus, none`,
      );
      return [];
    });
  }
  // Metrics go where spans go, unless said otherwise. A span exporter object (a vendor's) says
  // nothing about where metrics go: the OTLP default would send them to a collector that is, as
  // likely as not, not there, and `tracing()` would wait for its retries at every flush.
  if (options.metrics === undefined && isExporterObject(options.exporter)) {
    warn(
      'startTelemetry(): metrics are not exported: `exporter` is a span exporter, which takes no metrics, and ' +
        'neither `metrics` nor OTEL_METRICS_EXPORTER says where they go; pass `metrics` (a metric reader, such ' +
        "as new metrics.PeriodicExportingMetricReader({ exporter }) with your vendor's metric exporter, or " +
        "'otlp' or 'console'), or metrics: 'none' to turn them off without this warning",
    );
    return [];
  }
  const choice =
    options.metrics ?? (options.exporter === 'none' || options.exporter === 'console' ? options.exporter : 'otlp');
  if (choice === 'none') return [];
  if (choice !== 'otlp' && choice !== 'console') return [choice];
  // NodeSDK's own default is OTLP, every `OTEL_METRIC_EXPORT_INTERVAL` ms (60 000 when unset).
  if (choice === 'otlp' && options.metricIntervalMs === undefined) return undefined;
  return periodicReaders(sdk, choice, options.metricIntervalMs, warn);
}

/** A reader exporting to `otlp` or `console` every `intervalMs` (else `OTEL_METRIC_EXPORT_INTERVAL`, else 60 s). */
function periodicReaders(
  sdk: SdkModule,
  choice: 'otlp' | 'console',
  intervalMs: number | undefined,
  warn: Warn,
): MetricReader[] {
  const { metrics } = sdk;
  const interval = intervalMs ?? positiveFromEnv(sdk, 'OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const exporter =
    choice === 'console'
      ? new metrics.ConsoleMetricExporter()
      : new (requireOtlpExporter<OtlpMetricExporterModule>(sdk, 'metrics', warn).OTLPMetricExporter)();
  const timeout = Math.min(positiveFromEnv(sdk, 'OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, interval);
  return [
    new metrics.PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: interval,
      exportTimeoutMillis: timeout,
    }),
  ];
}

/** An environment variable, or `undefined` when it is unset or blank. */
function variable(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === '' ? undefined : value;
}

/** A number of MiB, as the platforms give memory sizes, in bytes (what `faas.max_memory` takes). */
function mebibytes(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1024 * 1024 : undefined;
}

/** Resource attributes, as the platform detector gives them. */
type PlatformAttributes = Record<string, string | number | string[]>;

/** `attributes` without those that have no value. */
function given(attributes: Record<string, PlatformAttributes[string] | undefined>): PlatformAttributes {
  return Object.fromEntries(
    Object.entries(attributes).filter(([, value]) => value !== undefined),
  ) as PlatformAttributes;
}

/**
 * The cloud and FaaS resource attributes (OpenTelemetry semantic conventions) the variables of
 * AWS Lambda, Cloud Run (functions) or Azure Functions give, or none elsewhere. Only the
 * environment is read: no metadata server is asked, at cold start.
 */
function platformAttributes(): PlatformAttributes {
  const lambda = variable('AWS_LAMBDA_FUNCTION_NAME');
  if (lambda !== undefined) {
    const logGroup = variable('AWS_LAMBDA_LOG_GROUP_NAME');
    return given({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': variable('AWS_REGION'),
      'faas.name': lambda,
      'faas.version': variable('AWS_LAMBDA_FUNCTION_VERSION'),
      // The conventions' execution environment id on Lambda: its log stream.
      'faas.instance': variable('AWS_LAMBDA_LOG_STREAM_NAME'),
      'faas.max_memory': mebibytes(variable('AWS_LAMBDA_FUNCTION_MEMORY_SIZE')),
      'aws.log.group.names': logGroup === undefined ? undefined : [logGroup],
    });
  }
  const service = variable('K_SERVICE');
  if (service !== undefined) {
    return given({
      'cloud.provider': 'gcp',
      // Cloud Run functions (and Cloud Functions) name the function's entry point; a service does not.
      'cloud.platform': variable('FUNCTION_TARGET') === undefined ? 'gcp_cloud_run' : 'gcp_cloud_functions',
      // Cloud Run sets no region variable: one set at deploy time, or the 1st generation's.
      'cloud.region': variable('GOOGLE_CLOUD_REGION') ?? variable('FUNCTION_REGION'),
      'cloud.account.id': variable('GOOGLE_CLOUD_PROJECT') ?? variable('GCLOUD_PROJECT'),
      'faas.name': service,
      'faas.version': variable('K_REVISION'),
    });
  }
  const app = variable('WEBSITE_SITE_NAME');
  // App Service sets `WEBSITE_SITE_NAME` too; a function app also has its host's version, or,
  // on Flex Consumption, which has no such setting, that SKU.
  const functionApp =
    variable('FUNCTIONS_EXTENSION_VERSION') !== undefined || variable('WEBSITE_SKU') === 'FlexConsumption';
  if (app !== undefined && functionApp) {
    // `<subscription>+<resource group>-<region>webspace`
    const subscription = variable('WEBSITE_OWNER_NAME')?.split('+')[0] || undefined;
    // No `faas.name` (the conventions want `<app>/<function>`, a span attribute, as an app hosts
    // several functions: `tracing()` sets it), no `cloud.resource_id` (the invoked function's,
    // `…/sites/<app>/functions/<function>`, a span attribute `tracing()` sets for the same
    // reason) and no `faas.version` (none applies on Azure).
    return given({
      'cloud.provider': 'azure',
      'cloud.platform': 'azure.functions',
      'cloud.region': variable('REGION_NAME'),
      'cloud.account.id': subscription,
      'faas.instance': variable('WEBSITE_INSTANCE_ID'),
      'faas.max_memory': mebibytes(variable('WEBSITE_MEMORY_LIMIT_MB')),
    });
  }
  return {};
}

/** Detects `platformAttributes()`. */
const platformDetector: ResourceDetector = { detect: () => ({ attributes: platformAttributes() }) };

/**
 * The resource detectors run: none with `autoDetectResources: false`, else `resourceDetectors`,
 * else the platform's and those `OTEL_NODE_RESOURCE_DETECTORS` names (none with `none`), else
 * the platform's, env, process and host. The platform's comes first, so that the others (the env
 * detector's `OTEL_RESOURCE_ATTRIBUTES` among them) win over it. sdk-node does not export its
 * reading of the variable; this is the one of sdk-node 0.223.
 */
function resourceDetectors(sdk: SdkModule, overrides: Partial<NodeSDKConfiguration>, warn: Warn): ResourceDetector[] {
  const { core, resources } = sdk;
  // A disabled NodeSDK starts nothing, so it detects nothing either.
  if (overrides.autoDetectResources === false || core.getBooleanFromEnv('OTEL_SDK_DISABLED')) return [];
  if (overrides.resourceDetectors) return overrides.resourceDetectors;
  if (!core.getStringFromEnv('OTEL_NODE_RESOURCE_DETECTORS')) {
    return [platformDetector, resources.envDetector, resources.processDetector, resources.hostDetector];
  }
  const byName = new Map<string, ResourceDetector>([
    ['host', resources.hostDetector],
    ['os', resources.osDetector],
    ['serviceinstance', resources.serviceInstanceIdDetector],
    ['process', resources.processDetector],
    ['env', resources.envDetector],
  ]);
  const names = core.getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS') ?? [];
  if (names.includes('all')) return [platformDetector, ...byName.values()];
  if (names.includes('none')) return [];
  return [
    platformDetector,
    ...names.flatMap((name) => {
      const detector = byName.get(name);
      if (!detector) warn(`startTelemetry(): unknown OTEL_NODE_RESOURCE_DETECTORS entry "${name}"`);
      return detector ?? [];
    }),
  ];
}

function configure(sdk: SdkModule, options: TelemetryOptions, warn: Warn): Partial<NodeSDKConfiguration> {
  const { resources } = sdk;
  const overrides = options.sdk ?? {};
  const attributes: Record<string, string | number | boolean> = { ...options.resourceAttributes };
  if (options.serviceVersion !== undefined) attributes['service.version'] = options.serviceVersion;
  attributes['service.name'] = options.serviceName;
  // NodeSDK merges what its detectors find (`OTEL_RESOURCE_ATTRIBUTES` with the env detector)
  // over its `resource`, but the SDK specification gives the user's attributes priority over the
  // environment's: detection runs here, under the configured resource, and is off in NodeSDK.
  const detected = resources.detectResources({ detectors: resourceDetectors(sdk, overrides, warn) });
  const resource = overrides.resource
    ? detected.merge(overrides.resource)
    : resources.defaultResource().merge(detected).merge(resources.resourceFromAttributes(attributes));
  const config: Partial<NodeSDKConfiguration> = {
    serviceName: options.serviceName,
    instrumentations: options.instrumentations ?? [],
  };
  // NodeSDK reads `spanProcessors` before `spanProcessor` and `traceExporter`, `metricReaders`
  // before `metricReader`, `logRecordProcessors` before `logRecordProcessor`: ours are left out
  // whenever `sdk` sets any of them, so that `sdk` wins whichever key it uses.
  if (!overrides.spanProcessors && !overrides.spanProcessor && !overrides.traceExporter) {
    const processors = spanProcessors(sdk, options, warn);
    if (processors) config.spanProcessors = processors;
  }
  if (!overrides.metricReaders && !overrides.metricReader) {
    const readers = metricReaders(sdk, options, warn);
    if (readers) config.metricReaders = readers;
  }
  // Without log record processors NodeSDK starts an OTLP log pipeline (its `OTEL_LOGS_EXPORTER`
  // default), whatever `exporter` says; logs are `logger()` lines here.
  if (!overrides.logRecordProcessors && !overrides.logRecordProcessor) config.logRecordProcessors = [];
  return { ...config, ...overrides, resource, autoDetectResources: false };
}

/** What is registered with the OpenTelemetry API now (no-op providers where none is). */
interface Registered {
  readonly tracer: unknown;
  readonly meter: unknown;
  readonly logger: unknown;
  readonly context: unknown;
  readonly propagation: unknown;
}

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what was registered with it: the API has
 * no getter for the context manager and propagator, and their entries here tell whose they are.
 */
const apiGlobals = Symbol.for('opentelemetry.js.api.1');

/** What is registered with the OpenTelemetry API, by name (`context`, `propagation`, `diag`, ...). */
function apiRegistrations(): Record<string, unknown> | undefined {
  return (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[apiGlobals];
}

function registered({ api }: SdkModule, logs: LogsApi | undefined): Registered {
  const proxy = api.trace.getTracerProvider();
  const globals = apiRegistrations();
  return {
    tracer: proxy instanceof api.ProxyTracerProvider ? proxy.getDelegate() : proxy,
    meter: api.metrics.getMeterProvider(),
    logger: logs?.getLoggerProvider(),
    context: globals?.context,
    propagation: globals?.propagation,
  };
}

/**
 * The logs API, which `@opentelemetry/sdk-node` does not re-export, or `undefined` when it cannot
 * be loaded (sdk-node bundled): its logger provider is then left registered at shutdown.
 */
function logsApi(): LogsApi | undefined {
  try {
    return requireNextToSdk<LogsApiModule>('@opentelemetry/api-logs').logs;
  } catch {
    return undefined;
  }
}

/**
 * Writes `startTelemetry()`'s own warnings through the diag logger registered with the API (the
 * one `NodeSDK` installs for `OTEL_LOG_LEVEL`, or the application's), at its level; with none
 * registered, where `diag` would drop them, to `console.warn`, as the SDK's console logger would
 * at its default level.
 */
function writeWarnings({ api }: SdkModule, warnings: readonly string[]): void {
  const logger = apiRegistrations()?.diag;
  for (const message of warnings) {
    if (logger === undefined) console.warn(message);
    else api.diag.warn(message);
  }
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  const sdkModule = await import('@opentelemetry/sdk-node');
  const { api, core } = sdkModule;
  const warnings: string[] = [];
  const config = configure(sdkModule, options, (message) => warnings.push(message));
  const sdk = new sdkModule.NodeSDK(config);
  writeWarnings(sdkModule, warnings);
  const disabled = core.getBooleanFromEnv('OTEL_SDK_DISABLED');
  const logs = logsApi();
  const before = registered(sdkModule, logs);
  sdk.start();
  const after = registered(sdkModule, logs);
  // The API keeps the first provider registered: one that did not change is not this SDK's.
  const owns = (key: keyof Registered) => after[key] !== before[key];
  const flush = async () => {
    const providers = (['tracer', 'meter'] as const).filter(owns).map((key) => after[key]);
    await Promise.all(providers.filter(isFlushable).map((provider) => provider.forceFlush()));
  };
  // NodeSDK's shutdown leaves its registrations in the API, where they would keep the next SDK's
  // out. Only what this SDK registered, and is still registered, is taken out: a context
  // manager or propagator another library registered first stays.
  const unregister = () => {
    const now = registered(sdkModule, logs);
    const ours = (key: keyof Registered) => owns(key) && now[key] === after[key];
    if (ours('tracer')) api.trace.disable();
    if (ours('meter')) api.metrics.disable();
    if (ours('logger')) logs?.disable();
    if (disabled) return;
    if (ours('context')) api.context.disable();
    if (ours('propagation')) api.propagation.disable();
  };
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    try {
      await sdk.shutdown();
    } finally {
      unregister();
    }
  };
  const telemetry: Telemetry = {
    sdk,
    flush,
    shutdown: () => {
      if (stopped === undefined) {
        stopped = stop();
        // A start from now on makes a new SDK, once this one is gone.
        if (current === telemetry) {
          current = undefined;
          started = undefined;
          stopping = stopped.catch(() => undefined);
        }
      }
      return stopped;
    },
  };
  current = telemetry;
  return telemetry;
}

/** The names `startTelemetry()` takes, each a key of `TelemetryOptions`. */
const optionNames = [
  'serviceName',
  'serviceVersion',
  'exporter',
  'metrics',
  'metricIntervalMs',
  'batch',
  'resourceAttributes',
  'instrumentations',
  'sdk',
] as const satisfies readonly (keyof TelemetryOptions)[];

/** What `exporter` and `metrics` take by name. */
const exporterNames: readonly string[] = ['otlp', 'console', 'none'];

/** A value as a refusal shows it: strings quoted, other non-numbers by their type. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/** Whether `value` is an object (not `null`) with a method of each of `names`. */
function hasMethods(value: unknown, ...names: string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const methods = value as Record<string, unknown>;
  return names.every((name) => typeof methods[name] === 'function');
}

/** Whether `value` is a plain options object: not `null`, an array or a function. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What is wrong with the options, or `undefined`. Checked when `startTelemetry()` is called: a
 * misspelt name would be dropped, and an exporter name it does not know (`'otlp-http'`) was used
 * as a span exporter object, failing the first traced invocation.
 */
function optionsProblem(options: unknown): string | undefined {
  if (!isRecord(options)) return `startTelemetry() needs options with a serviceName, got ${shown(options)}`;
  const stray = Object.keys(options).find((key) => !(optionNames as readonly string[]).includes(key));
  if (stray !== undefined) {
    return `startTelemetry(): unknown option ${JSON.stringify(stray)} (known options: ${optionNames.join(', ')})`;
  }
  if (typeof options.serviceName !== 'string' || options.serviceName === '') {
    return 'startTelemetry() needs a serviceName';
  }
  const interval = options.metricIntervalMs;
  if (interval !== undefined && !(typeof interval === 'number' && Number.isFinite(interval) && interval > 0)) {
    return 'startTelemetry() needs a positive, finite metricIntervalMs';
  }
  const exporter = options.exporter;
  if (exporter !== undefined && !exporterNames.includes(exporter as string) && !hasMethods(exporter, 'export')) {
    return `startTelemetry(): exporter must be 'otlp', 'console', 'none' or a span exporter (an object with export()), got ${shown(exporter)}`;
  }
  const reader = options.metrics;
  if (
    reader !== undefined &&
    !exporterNames.includes(reader as string) &&
    !hasMethods(reader, 'setMetricProducer', 'collect')
  ) {
    const hint =
      reader === 'prometheus'
        ? ': for Prometheus, set OTEL_METRICS_EXPORTER=prometheus or pass a PrometheusExporter'
        : hasMethods(reader, 'export')
          ? ': pass a metric exporter in a reader, new metrics.PeriodicExportingMetricReader({ exporter })'
          : '';
    return `startTelemetry(): metrics must be 'otlp', 'console', 'none' or a metric reader, got ${shown(reader)}${hint}`;
  }
  const types: [string, unknown, string, (value: unknown) => boolean][] = [
    ['serviceVersion', options.serviceVersion, 'a string', (value) => typeof value === 'string'],
    ['batch', options.batch, 'true or false', (value) => typeof value === 'boolean'],
    ['resourceAttributes', options.resourceAttributes, 'an object of attributes', isRecord],
    ['instrumentations', options.instrumentations, 'an array of instrumentations', Array.isArray],
    ['sdk', options.sdk, 'an object of NodeSDK options', isRecord],
  ];
  for (const [name, value, expected, fits] of types) {
    if (value !== undefined && !fits(value))
      return `startTelemetry(): ${name} must be ${expected}, got ${shown(value)}`;
  }
  return undefined;
}

/**
 * Starts the OpenTelemetry Node SDK once per process (later calls return the same instance, until
 * its `shutdown()`) so that `tracing()` spans and FaaS metrics are exported.
 * `@opentelemetry/sdk-node` is imported here, on the first call, so functions that never call it
 * never load it. Call it before the first invocation, at module top level.
 *
 * Traces and metrics only: logs are the `logger()` lines, so no OpenTelemetry log pipeline is
 * started, whatever `OTEL_LOGS_EXPORTER` says (records emitted through the OpenTelemetry logs
 * API, by a log-bridging instrumentation for example, are dropped), unless
 * `sdk.logRecordProcessors` asks for one.
 *
 * A `SpanExporter` object as `exporter` (a vendor's) carries spans only: metrics are then exported
 * only where `metrics` or `OTEL_METRICS_EXPORTER` says (a warning says so otherwise).
 *
 * The options are checked when it is called: an unknown name, an `exporter` or `metrics` that is
 * neither one of the names above nor an exporter object (one with `export()`) or metric reader,
 * or a value of the wrong type rejects the promise with a `TypeError`, before anything starts.
 *
 * Its warnings (that one, an `OTEL_METRICS_EXPORTER` value it does not know, ...) go through the
 * diag logger `OTEL_LOG_LEVEL` installs, at that level, else through the one the application
 * registered, else to `console.warn`.
 *
 * `otlp` with the default `batch` and `metricIntervalMs` is `NodeSDK`'s own default set-up
 * (which also reads `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_BSP_*` and
 * `OTEL_METRIC_EXPORT_*`). With `batch: false` or a `metricIntervalMs`, the OTLP exporter is
 * built here, from the exporter packages `@opentelemetry/sdk-node` depends on: keep that package
 * external (not bundled) to use those options with `otlp`.
 *
 * The resource follows the SDK specification's priority: `serviceName`, `serviceVersion` and
 * `resourceAttributes` win over what the resource detectors find, `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` included; attributes only those give are kept. The detectors are
 * `NodeSDK`'s (env, process and host, or those `OTEL_NODE_RESOURCE_DETECTORS` names), after one
 * that reads the cloud and FaaS attributes (`cloud.provider`, `cloud.platform`, `cloud.region`,
 * `faas.name`, ...) from the variables of AWS Lambda, Cloud Run (functions) and Azure Functions.
 *
 * @example
 * // functions.ts
 * import { startTelemetry } from '@skyport/otel';
 * await startTelemetry({ serviceName: 'orders', exporter: 'otlp' });
 * export const getOrder = http({ method: 'GET', path: '/orders/:id' }).use(tracing()).use(logger()).handle(load);
 */
export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const problem = optionsProblem(options);
  if (problem !== undefined) return Promise.reject(new TypeError(problem));
  started ??= (async () => {
    await stopping;
    return start(options);
  })().catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}
