import { http, queue } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcpContext, requestIdOf, settingsOf, traceOf } from './context.js';

const fn = queue({ name: 'q', gcp: { timeoutSeconds: 30 } }).handle(() => undefined);

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe('GCP context', () => {
  it('gives two requests of one trace different request ids', () => {
    const first = requestIdOf({ headers: { 'x-cloud-trace-context': 'abc123/1;o=1' }, raw: {} });
    const second = requestIdOf({ headers: { 'x-cloud-trace-context': 'abc123/2;o=1' }, raw: {} });
    expect(first).not.toBe(second);
  });

  it('takes the request id from the execution id, then the event id, then the trace headers', () => {
    const traced = {
      'x-cloud-trace-context': 'abc123/1;o=1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    expect(requestIdOf({ headers: { 'function-execution-id': 'e1', ...traced }, eventId: 'ev', raw: {} })).toBe('e1');
    expect(requestIdOf({ headers: traced, eventId: 'ev', raw: {} })).toBe('ev');
    expect(requestIdOf({ headers: traced, executionId: 'generated', raw: {} })).toBe('abc123/1');
    expect(requestIdOf({ executionId: 'generated', raw: {} })).toBe('generated');
    expect(requestIdOf({ headers: { traceparent: traced.traceparent }, raw: {} })).toBe(
      '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
    );
    expect(requestIdOf({ headers: { 'x-cloud-trace-context': 'abc123' }, raw: {} })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({ raw: {} })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries trace headers and CloudEvent trace extensions', () => {
    expect(traceOf({ headers: { traceparent: 'tp', other: 'x' }, raw: {} })).toEqual({ traceparent: 'tp' });
    expect(traceOf({ extensions: { traceparent: 'tp2', tracestate: 'ts' }, raw: {} })).toEqual({
      traceparent: 'tp2',
      tracestate: 'ts',
    });
  });

  it('sets the deadline from the declared timeout and the region from FUNCTION_REGION', () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    vi.stubEnv('FUNCTION_REGION', 'europe-west1');

    // Act
    const ctx = gcpContext('queue', settingsOf(fn, { name: 'worker' }), { eventId: 'ev', raw: { id: 'ev' } });

    // Assert
    expect(ctx).toMatchObject({
      cloud: 'gcp',
      kind: 'queue',
      requestId: 'ev',
      functionName: 'worker',
      region: 'europe-west1',
    });
    expect(ctx.deadline).toBe(Date.parse('2026-01-01T00:00:30Z'));
    expect(ctx.remainingTimeMs()).toBe(30_000);
  });

  it('resolves settings: per-function options, then adapter options, then the environment', () => {
    vi.stubEnv('FUNCTION_TARGET', 'fromEnv');
    vi.stubEnv('CLOUD_RUN_TIMEOUT_SECONDS', '120');
    const plain = http().handle(() => undefined);
    expect(settingsOf(plain)).toEqual({ name: 'fromEnv', signature: 'http', timeoutSeconds: 120, region: undefined });
    expect(settingsOf(plain, { name: 'x', timeoutSeconds: 5, signature: 'cloudevent' })).toEqual({
      name: 'x',
      signature: 'http',
      timeoutSeconds: 5,
      region: undefined,
    });
    expect(settingsOf(fn, { timeoutSeconds: 5 }).timeoutSeconds).toBe(30);
  });
});
