/**
 * A real OpenTelemetry SDK for a test file or `describe` block: spans kept in memory (cleared
 * after each test), metrics read on demand, a context manager so spans nest across `await`, and
 * Skyport's own log lines collected out of the test output.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { collectLogs, type LogCollector } from '@skyport/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A metric reader a test collects from when it wants. */
export class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** The SDK's parts a test reads or registers again (after a test that disables the API). */
export interface TestSdk {
  readonly exporter: InMemorySpanExporter;
  readonly reader: TestReader;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
}

/** Registers a test SDK globally for the enclosing file or `describe`, and shuts it down after. */
export function useTestSdk(): TestSdk {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  let quiet: LogCollector;
  beforeAll(() => {
    quiet = collectLogs();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterEach(() => exporter.reset());
  afterAll(async () => {
    quiet.restore();
    trace.disable();
    metrics.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
  return { exporter, reader, tracerProvider, meterProvider };
}
