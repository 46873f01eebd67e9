/**
 * docs/observability.md: the lines the example writes for `POST /orders` with a `traceparent` and
 * no SDK registered, on each cloud, and on failure. `startTelemetry()` is replaced by a stub so
 * no exporter starts: that is the "no SDK registered" case the guide shows.
 */
import { http } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { startTelemetry } from '@skyport/otel';
import { collectLogs, httpRequest, invoke, type LogLine } from '@skyport/testing';
import { afterAll, expect, it, vi } from 'vitest';
import { createOrder } from './create-order.js';
import { orders } from './orders.js';

const project = vi.hoisted(() => {
  const previous = process.env.GOOGLE_CLOUD_PROJECT;
  process.env.GOOGLE_CLOUD_PROJECT = 'shop-prod';
  return { previous };
});

vi.mock('@skyport/otel', () => ({ startTelemetry: vi.fn(async () => undefined) }));

afterAll(() => {
  if (project.previous === undefined) delete process.env.GOOGLE_CLOUD_PROJECT;
  else process.env.GOOGLE_CLOUD_PROJECT = project.previous;
});

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const newOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2 }] };
const awsRequestId = '8f5e2b1c-3d4a-4b6e-9f0a-1c2d3e4f5a6b';
const requestId = 'c0ffee00-1234-4abc-9def-000000000001';

type Cloud = 'aws' | 'gcp' | 'azure' | 'node';

/** Posts the order on `cloud` and returns the lines written to the log destination. */
async function post(
  fn: typeof createOrder,
  cloud: Cloud,
  raw?: unknown,
): Promise<{ status: number; lines: LogLine[] }> {
  const logs = collectLogs();
  try {
    const res = await invoke(
      fn,
      httpRequest({ method: 'POST', path: '/orders', headers: { traceparent }, body: newOrder }),
      {
        cloud,
        functionName: 'create-order',
        requestId: cloud === 'aws' ? awsRequestId : requestId,
        coldStart: true,
        raw,
      },
    );
    return { status: res.status, lines: logs.lines };
  } finally {
    logs.restore();
  }
}

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const summary = { outcome: 'success', durationMs: expect.any(Number), method: 'POST', route: '/orders', status: 201 };

it('starts telemetry once, with the service name and version', () => {
  expect(startTelemetry).toHaveBeenCalledExactlyOnceWith({ serviceName: 'orders', serviceVersion: '1.4.0' });
});

it('writes Lambda JSON log lines on AWS', async () => {
  const { status, lines } = await post(createOrder, 'aws');
  expect(status).toBe(201);
  const ids = {
    functionName: 'create-order',
    cloud: 'aws',
    requestId: awsRequestId,
    coldStart: true,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    xrayTraceId: '1-4bf92f35-77b34da6a3ce929d0e0e4736',
  };
  expect(lines).toEqual([
    { level: 'INFO', timestamp: isoTime, ...ids, orderId: expect.stringMatching(/^o-/), message: 'order created' },
    { level: 'INFO', timestamp: isoTime, ...ids, ...summary, message: 'invocation completed' },
  ]);
  expect(lines.map((line) => Object.keys(line))).toEqual([
    ['level', 'timestamp', ...Object.keys(ids), 'orderId', 'message'],
    ['level', 'timestamp', ...Object.keys(ids), ...Object.keys(summary), 'message'],
  ]);
});

it('writes Cloud Logging fields on Google Cloud, with the project from GOOGLE_CLOUD_PROJECT', async () => {
  const { lines } = await post(createOrder, 'gcp');
  const ids = {
    functionName: 'create-order',
    cloud: 'gcp',
    requestId,
    coldStart: true,
    'logging.googleapis.com/trace': 'projects/shop-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736',
    'logging.googleapis.com/spanId': '00f067aa0ba902b7',
    'logging.googleapis.com/trace_sampled': true,
  };
  expect(lines).toEqual([
    { severity: 'INFO', time: isoTime, ...ids, orderId: expect.stringMatching(/^o-/), message: 'order created' },
    { severity: 'INFO', time: isoTime, ...ids, ...summary, message: 'invocation completed' },
  ]);
  expect(lines.map((line) => Object.keys(line))).toEqual([
    ['severity', 'time', ...Object.keys(ids), 'orderId', 'message'],
    ['severity', 'time', ...Object.keys(ids), ...Object.keys(summary), 'message'],
  ]);
});

it('writes traceId and spanId on Google Cloud without a project', async () => {
  delete process.env.GOOGLE_CLOUD_PROJECT;
  const fn = http({ method: 'POST', path: '/orders' })
    .use(tracing())
    .use(logger())
    .handle((_req, ctx) => {
      ctx.log.info('order created');
      return { status: 201 };
    });
  const { lines } = await post(fn, 'gcp');
  expect(lines[0]).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  expect(lines[0]).not.toHaveProperty('logging.googleapis.com/trace');
});

it("puts the caller's trace ids on every line without tracing() too", async () => {
  const fn = http({ method: 'POST', path: '/orders' })
    .use(logger())
    .handle((_req, ctx) => {
      ctx.log.info('order created');
      return { status: 201 };
    });
  const { lines } = await post(fn, 'node');
  expect(lines).toHaveLength(2);
  for (const line of lines) {
    expect(line).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  }
});

const plainLines = (cloud: Cloud) => {
  const ids = {
    functionName: 'create-order',
    cloud,
    requestId,
    coldStart: true,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
  };
  return [
    { level: 'info', time: expect.any(Number), ...ids, orderId: expect.stringMatching(/^o-/), msg: 'order created' },
    { level: 'info', time: expect.any(Number), ...ids, ...summary, msg: 'invocation completed' },
  ];
};

it('hands each line to the Azure InvocationContext method of its level', async () => {
  const calls: [string, string][] = [];
  const record = (method: string) => (text: string) => calls.push([method, text]);
  const context = {
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const { lines } = await post(createOrder, 'azure', context);
  expect(lines).toEqual([]);
  expect(calls.map(([method]) => method)).toEqual(['info', 'info']);
  expect(calls.map(([, text]) => JSON.parse(text))).toEqual(plainLines('azure'));
  // The context stays attached to its request id for one more macrotask (for the adapter's own lines).
  await new Promise((resolve) => setImmediate(resolve));
});

it('writes to stdout on Azure when the context has no log methods', async () => {
  const { lines } = await post(createOrder, 'azure', {});
  expect(lines).toEqual(plainLines('azure'));
});

it('writes plain JSON lines on Node', async () => {
  const { lines } = await post(createOrder, 'node');
  expect(lines).toEqual(plainLines('node'));
  expect(lines.map((line) => Object.keys(line))).toEqual(plainLines('node').map((line) => Object.keys(line)));
});

it('logs a thrown error with its stack, then an error summary, and answers a bare 500', async () => {
  vi.spyOn(orders, 'create').mockRejectedValueOnce(new Error('database down'));
  const logs = collectLogs();
  try {
    const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', body: newOrder }), {
      cloud: 'aws',
      requestId: awsRequestId,
    });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ title: 'Internal Server Error', requestId: awsRequestId });
    expect(res.text).not.toContain('database down');
    expect(logs.find('500 Internal Server Error')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        err: expect.objectContaining({
          type: 'Error',
          message: 'database down',
          stack: expect.stringContaining('database down'),
        }),
      }),
    ]);
    expect(logs.find('invocation failed')).toEqual([
      expect.objectContaining({ level: 'ERROR', outcome: 'error', status: 500, errorType: 'Error' }),
    ]);
  } finally {
    logs.restore();
  }
});

it('summarises a 4xx as a client error at info', async () => {
  const logs = collectLogs();
  try {
    const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', body: { customer: '' } }), {
      cloud: 'aws',
    });
    expect(res.status).toBe(422);
    expect(logs.find('invocation completed')).toEqual([
      expect.objectContaining({ level: 'INFO', outcome: 'client-error', status: 422 }),
    ]);
  } finally {
    logs.restore();
  }
});
