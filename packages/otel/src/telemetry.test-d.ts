/** Type-level tests: the exporter types `startTelemetry()` takes are imported by name. */
import { metrics, tracing } from '@opentelemetry/sdk-node';
import { expectTypeOf } from 'vitest';
import {
  type MetricReader,
  type MetricsExporterOption,
  type SpanExporter,
  startTelemetry,
  type TelemetryOptions,
  type TracesExporterOption,
} from './index.js';

const exporter: SpanExporter = new tracing.InMemorySpanExporter();
const reader: MetricReader = new metrics.PeriodicExportingMetricReader({
  exporter: new metrics.ConsoleMetricExporter(),
});

expectTypeOf(exporter).toExtend<TracesExporterOption>();
expectTypeOf(reader).toExtend<MetricsExporterOption>();
expectTypeOf<NonNullable<TelemetryOptions['exporter']>>().toEqualTypeOf<'otlp' | 'console' | 'none' | SpanExporter>();
expectTypeOf<NonNullable<TelemetryOptions['metrics']>>().toEqualTypeOf<'otlp' | 'console' | 'none' | MetricReader>();
expectTypeOf(startTelemetry).toBeCallableWith({ serviceName: 'orders', exporter, metrics: reader });
// @ts-expect-error: a span exporter is not a metric reader
const wrong: MetricReader = exporter;
void wrong;
