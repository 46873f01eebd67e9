import { HttpRequest } from '@azure/functions';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { http, queue, schedule, stream } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';

const hostTraceId = '0af7651916cd43dd8448eb211c80319c';
const hostSpanId = 'b7ad6b7169203331';
/** What the Functions host sends when it exports no telemetry of its own. */
const unsampledHost = { traceParent: `00-${hostTraceId}-${hostSpanId}-00` };
const sampledHost = { traceParent: `00-${hostTraceId}-${hostSpanId}-01` };
const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

describe('tracing() on Azure with the OpenTelemetry SDK (default parent-based sampler)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(() => exporter.reset());
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  const page = http()
    .use(tracing())
    .handle(() => ({ ok: true }));
  const request = (headers?: Record<string, string>) =>
    new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/orders', headers });

  it("records a request when the host's traceContext is unsampled, as the root of a trace of its own", async () => {
    // Act
    await toAzure(page)(request(), invocation({ traceContext: unsampledHost }).context);

    // Assert
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.parentSpanContext).toBeUndefined();
    expect(spans[0]?.spanContext().traceId).not.toBe(hostTraceId);
  });

  it("continues the host's traceContext when it is marked sampled", async () => {
    // Act
    await toAzure(page)(request(), invocation({ traceContext: sampledHost }).context);

    // Assert
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(hostTraceId);
    expect(span?.parentSpanContext?.spanId).toBe(hostSpanId);
  });

  it("keeps the sampling decision of a caller's own traceparent header", async () => {
    // Act
    await toAzure(page)(
      request({ traceparent: `00-${callerTraceId}-${callerSpanId}-00` }),
      invocation({ traceContext: unsampledHost }).context,
    );
    const unsampled = exporter.getFinishedSpans().length;
    await toAzure(page)(
      request({ traceparent: `00-${callerTraceId}-${callerSpanId}-01` }),
      invocation({ traceContext: unsampledHost }).context,
    );

    // Assert
    expect(unsampled).toBe(0);
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext?.spanId).toBe(callerSpanId);
  });

  it('records a timer invocation under an unsampled host traceContext', async () => {
    // Prepare
    const sweep = schedule({ cron: '*/5 * * * *', name: 'sweep' })
      .use(tracing())
      .handle(() => undefined);
    const timer = { options: { trigger: { type: 'timerTrigger', name: 'timer', schedule: '0 */5 * * * *' } } };

    // Act
    await toAzure(sweep)(
      { isPastDue: false, schedule: { adjustForDST: true } },
      invocation({ ...timer, traceContext: unsampledHost }).context,
    );

    // Assert
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.parentSpanContext).toBeUndefined();
  });

  it("records a Service Bus batch as one invocation span over its messages, each message's Diagnostic-Id a link", async () => {
    // Prepare
    const orders = queue({ name: 'orders' })
      .use(tracing())
      .handle(() => undefined);
    const metadata = {
      messageIdArray: ['plain', 'unsampled', 'sampled'],
      applicationPropertiesArray: [
        {},
        { 'Diagnostic-Id': `00-${callerTraceId}-${callerSpanId}-00` },
        { 'Diagnostic-Id': `00-${callerTraceId}-${callerSpanId}-01` },
      ],
    };
    const trigger = { type: 'serviceBusTrigger', name: 'm', queueName: 'orders', cardinality: 'many' };

    // Act
    await toAzure(orders)(
      ['a', 'b', 'c'],
      invocation({ triggerMetadata: metadata, options: { trigger }, traceContext: unsampledHost }).context,
    );

    // Assert
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((span) => span.attributes['messaging.batch.message_count'] === 3);
    const messages = spans.filter((span) => span !== batch);
    expect(batch?.parentSpanContext).toBeUndefined();
    expect(messages.map((span) => span.attributes['messaging.message.id'])).toEqual(['plain', 'unsampled', 'sampled']);
    for (const span of messages) expect(span.parentSpanContext?.spanId).toBe(batch?.spanContext().spanId);
    expect(messages.map((span) => span.links.map((link) => link.context.spanId))).toEqual([
      [],
      [callerSpanId],
      [callerSpanId],
    ]);
  });

  it("records an Event Hubs batch as one invocation span over its events, each event's Diagnostic-Id a link", async () => {
    // Prepare
    const telemetry = stream({ name: 'telemetry' })
      .use(tracing())
      .handle(() => undefined);
    const metadata = {
      sequenceNumberArray: [1, 2, 3],
      propertiesArray: [
        {},
        { 'diagnostic-Id': `00-${callerTraceId}-${callerSpanId}-00` },
        { 'diagnostic-Id': `00-${callerTraceId}-${callerSpanId}-01` },
      ],
    };
    const trigger = { type: 'eventHubTrigger', name: 'events', eventHubName: 'telemetry', cardinality: 'many' };

    // Act
    await toAzure(telemetry)(
      [{}, {}, {}],
      invocation({ triggerMetadata: metadata, options: { trigger }, traceContext: unsampledHost }).context,
    );

    // Assert
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((span) => span.attributes['messaging.batch.message_count'] === 3);
    const events = spans.filter((span) => span !== batch);
    expect(batch?.parentSpanContext).toBeUndefined();
    expect(events.map((span) => span.attributes['messaging.message.id'])).toEqual(['1', '2', '3']);
    for (const span of events) expect(span.parentSpanContext?.spanId).toBe(batch?.spanContext().spanId);
    expect(events.map((span) => span.links.map((link) => link.context.spanId))).toEqual([
      [],
      [callerSpanId],
      [callerSpanId],
    ]);
  });
});

describe('logger() on Azure without an SDK', () => {
  it("ties the lines of an invocation under an unsampled host traceContext to the host's trace", async () => {
    // Prepare
    const orders = queue({ name: 'orders' })
      .use(tracing())
      .use(logger())
      .handle((_message, ctx) => {
        ctx.log.info('handled');
      });
    const { context, logs } = invocation({ triggerMetadata: { id: 'm-1' }, traceContext: unsampledHost });

    // Act
    await toAzure(orders)('x', context);

    // Assert
    expect(logs.map((log) => log.line)).toContainEqual(
      expect.objectContaining({ msg: 'handled', traceId: hostTraceId, spanId: hostSpanId }),
    );
  });
});
