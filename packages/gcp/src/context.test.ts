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

describe('settingsOf: the function’s own gcp settings are checked', () => {
  it('takes every GcpOptions name in the gcp key, each winning over the adapter options', () => {
    // Prepare
    const own = queue({ name: 'q', gcp: { name: 'orders', signature: 'http', timeoutSeconds: 9 } }).handle(
      () => undefined,
    );

    // Act
    const settings = settingsOf(own, { name: 'x', signature: 'cloudevent', timeoutSeconds: 5 });

    // Assert
    expect(settings).toMatchObject({ name: 'orders', signature: 'http', timeoutSeconds: 9 });
  });

  it.each([
    [
      'gcp: { timeoutSecond: 5 } on a queue function',
      queue({ name: 'q', gcp: { timeoutSecond: 5 } }),
      'gcp: function "worker" (queue): the gcp key: unknown option "timeoutSecond" (did you mean "timeoutSeconds"?)',
    ],
    [
      "gcp: { signatures: 'http' } on a queue function",
      queue({ name: 'q', gcp: { signatures: 'http' } }),
      'gcp: function "worker" (queue): the gcp key: unknown option "signatures" (did you mean "signature"?)',
    ],
    [
      "gcp: { region: 'europe-west1' } on a queue function",
      queue({ name: 'q', gcp: { region: 'europe-west1' } }),
      'gcp: function "worker" (queue): the gcp key: unknown option "region" (known options: name, signature, timeoutSeconds)',
    ],
    [
      "gcp: { signature: 'cloudEvent' } on a queue function",
      queue({ name: 'q', gcp: { signature: 'cloudEvent' } }),
      'gcp: function "worker" (queue): gcp.signature must be "http" or "cloudevent", got "cloudEvent"',
    ],
    [
      "gcp: { timeoutSeconds: '60' } on a queue function",
      queue({ name: 'q', gcp: { timeoutSeconds: '60' } }),
      'gcp: function "worker" (queue): gcp.timeoutSeconds must be a positive number of seconds, got "60"',
    ],
    [
      'gcp: { timeoutSeconds: 0 } on a queue function',
      queue({ name: 'q', gcp: { timeoutSeconds: 0 } }),
      'gcp: function "worker" (queue): gcp.timeoutSeconds must be a positive number of seconds, got 0',
    ],
    [
      "gcp: { name: '' } on a queue function",
      queue({ name: 'q', gcp: { name: '' } }),
      'gcp: function "worker" (queue): gcp.name must be a non-empty string, got ""',
    ],
    [
      "gcp: { signature: 'cloudevent' } on an http function",
      http({ gcp: { signature: 'cloudevent' } }),
      'gcp: function "worker" (http): gcp.signature cannot be "cloudevent": an http function answers requests, with the http signature',
    ],
  ])('refuses %s', (_label, builder, message) => {
    // Prepare
    const defined = builder.handle(() => undefined);

    // Act
    const attempt = () => settingsOf(defined, { name: 'worker' });

    // Assert
    expect(attempt).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'gcp', kind: defined.kind, message }),
    );
  });
});
