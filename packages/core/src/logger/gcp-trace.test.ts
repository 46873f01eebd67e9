/**
 * `logger()` behind `tracing()` with an OpenTelemetry SDK, on Google Cloud: the lines carry the
 * invocation span's ids, and `logging.googleapis.com/trace_sampled` says what the SDK decided for
 * that span, which is what reached Cloud Trace, not what the caller asked for.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { http } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logger } from './index.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

/** A sampler whose decision the test sets, whatever the caller's flag says. */
let decision = SamplingDecision.RECORD_AND_SAMPLED;
const sampler: Sampler = { shouldSample: () => ({ decision }), toString: () => 'TestSampler' };
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(async () => {
  trace.disable();
  context.disable();
  await tracerProvider.shutdown();
});

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
  exporter.reset();
});

describe('logger() behind tracing() with an SDK, on Google Cloud', () => {
  for (const [label, redact] of [
    ['', undefined],
    [' (with redact paths)', ['never.present']],
  ] as const) {
    it(`writes trace_sampled from the invocation span's trace flags${label}`, async () => {
      // Prepare
      const spanIds: (string | undefined)[] = [];
      const fn = http()
        .use(tracing({ flush: false }))
        .use(logger({ gcpProject: 'shop-prod', redact }))
        .handle((_req, ctx) => {
          spanIds.push(ctx.spanId);
          ctx.log.info('seen');
        });
      const sampledCaller = httpRequest({ headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
      const unsampledCaller = httpRequest({ headers: { traceparent: `00-${traceId}-${callerSpanId}-00` } });

      // Act: the SDK drops the span of a caller that sampled, and keeps that of one that did not.
      decision = SamplingDecision.NOT_RECORD;
      await invoke(fn, sampledCaller, { cloud: 'gcp' });
      decision = SamplingDecision.RECORD_AND_SAMPLED;
      await invoke(fn, unsampledCaller, { cloud: 'gcp' });

      // Assert
      const seen = logs.find('seen');
      expect(seen.map((line) => line['logging.googleapis.com/trace_sampled'])).toEqual([false, true]);
      expect(seen.map((line) => line['logging.googleapis.com/spanId'])).toEqual(spanIds);
      expect(spanIds).not.toContain(callerSpanId);
      expect(seen[0]).toMatchObject({ 'logging.googleapis.com/trace': `projects/shop-prod/traces/${traceId}` });
      const summaries = logs.find('invocation completed');
      expect(summaries.map((line) => line['logging.googleapis.com/trace_sampled'])).toEqual([false, true]);
    });
  }
});
