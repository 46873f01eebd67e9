/**
 * `@skyport/otel`: one-call OpenTelemetry SDK setup for Skyport functions. `startTelemetry()`
 * loads `@opentelemetry/sdk-node` (a peer dependency) only when called, registers the tracer and
 * meter providers that `tracing()` reports to, and returns `flush()` / `shutdown()`.
 */
export type {
  MetricReader,
  MetricsExporterOption,
  SpanExporter,
  Telemetry,
  TelemetryOptions,
  TracesExporterOption,
} from './telemetry.js';
export { startTelemetry } from './telemetry.js';
