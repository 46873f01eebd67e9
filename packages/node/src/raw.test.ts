import { http, setLogDestination } from '@skyport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterUnavailableError, detectRaw, importOptional, loadInvoker, rawStatus, reportsFailure } from './raw.js';

describe('detectRaw()', () => {
  it('recognises raw AWS events', () => {
    // Act / Assert
    expect(detectRaw({ Records: [{ eventSource: 'aws:sqs' }] })).toEqual({ cloud: 'aws', shape: 'aws:sqs Records' });
    expect(detectRaw({ Records: [{ EventSource: 'aws:sns' }] })).toEqual({ cloud: 'aws', shape: 'aws:sns Records' });
    expect(detectRaw({ 'detail-type': 'Scheduled Event', source: 'aws.events' })?.shape).toBe('EventBridge');
    expect(detectRaw({ version: '2.0', requestContext: { http: {} } })?.cloud).toBe('aws');
  });

  it('recognises raw GCP events: google.* CloudEvents, binary mode and Pub/Sub push', () => {
    // Act / Assert
    expect(detectRaw({ specversion: '1.0', type: 'google.cloud.storage.object.v1.finalized', data: {} })).toEqual({
      cloud: 'gcp',
      shape: 'CloudEvent google.cloud.storage.object.v1.finalized',
    });
    expect(detectRaw({ a: 1 }, { 'ce-specversion': '1.0' })?.cloud).toBe('gcp');
    expect(detectRaw({ message: { data: 'e30=' }, subscription: 'projects/p/subscriptions/s' })?.shape).toBe(
      'Pub/Sub push',
    );
  });

  it('leaves portable events alone', () => {
    // Act / Assert
    expect(detectRaw({ id: 'm1', body: { orderId: 'o1' } })).toBeUndefined();
    expect(detectRaw({ specversion: '1.0', type: 'order.created', source: 'shop', id: '1' })).toBeUndefined();
    expect(detectRaw([{ Records: [] }])).toBeUndefined();
    expect(detectRaw(undefined)).toBeUndefined();
  });
});

describe('reportsFailure()', () => {
  it('sees failed batch items and 5xx responses', () => {
    // Act / Assert
    expect(reportsFailure({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, 'queue')).toBe(true);
    expect(reportsFailure({ batchItemFailures: [] }, 'queue')).toBe(false);
    expect(reportsFailure({ status: 422 }, 'queue')).toBe(true);
    expect(reportsFailure({ status: 204 }, 'queue')).toBe(false);
    expect(reportsFailure({ statusCode: 502 }, 'http')).toBe(true);
    expect(reportsFailure({ statusCode: 404 }, 'http')).toBe(false);
    expect(reportsFailure(undefined, 'schedule')).toBe(false);
  });

  it('answers raw events with 200 or the failure status', () => {
    // Act / Assert
    expect(rawStatus({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, 'queue')).toBe(500);
    expect(rawStatus({ status: 422 }, 'queue')).toBe(422);
    expect(rawStatus({ status: 204 }, 'queue')).toBe(200);
    expect(rawStatus({ statusCode: 404 }, 'http')).toBe(200);
  });
});

describe('importOptional()', () => {
  it('says which package to install when it is missing', async () => {
    // Act
    const attempt = importOptional('@skyport/not-a-package', 'raw FOO events');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(AdapterUnavailableError);
    await expect(attempt).rejects.toThrow('raw FOO events need @skyport/not-a-package, which is not installed');
  });
});

describe('loadInvoker() results', () => {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    restore = setLogDestination({ write: () => undefined });
  });
  afterAll(() => restore?.());

  it('reads an Azure answer streamed by an http({ stream: true }) function whole, as text', async () => {
    const events = http({ method: 'GET', path: '/events', stream: true }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield 'data: a\n\n';
        yield 'data: b\n\n';
      })(),
    }));
    const run = await loadInvoker('azure');
    const result = await run(events, { method: 'GET', url: '/api/events' });
    expect(result).toMatchObject({ status: 200, body: 'data: a\n\ndata: b\n\n' });
  });

  it('gives bytes of a type that is not text as base64, exactly, and fails with a stream that fails', async () => {
    const bytes = http({ method: 'GET', path: '/bin' }).handle(() => new Uint8Array([0xef, 0xbb, 0xbf, 0x41]));
    const failing = http({ method: 'GET', path: '/events', stream: true }).handle(async function* () {
      yield 'half';
      throw new Error('producer failed');
    });
    const run = await loadInvoker('azure');
    expect(await run(bytes, { method: 'GET', url: '/api/bin' })).toMatchObject({
      status: 200,
      body: '77u/QQ==',
      isBase64Encoded: true,
    });
    await expect(run(failing, { method: 'GET', url: '/api/events' })).rejects.toThrow('producer failed');
  });
});
