import { createLambdaContext, toLambda } from '@skyport/aws';
import { aws, invoke, message } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queue, stream } from './builders.js';
import { SkyportError } from './errors.js';
import { createCloudEvent, createMessage, createStorageEvent, createStreamRecord, toDate } from './events.js';

describe('portable events', () => {
  it('parses message bodies as JSON when they parse, else keeps the string', () => {
    expect(createMessage({ id: '1', data: '{"a":1}', source: 'q' }).body).toEqual({ a: 1 });
    expect(createMessage({ id: '2', data: 'plain words', source: 'q' }).body).toBe('plain words');
    expect(createMessage({ id: '3', data: '{broken', source: 'q' }).body).toBe('{broken');
    expect(createMessage({ id: '4', data: '42', source: 'q' }).body).toBe(42);
    expect(createMessage({ id: '5', data: new TextEncoder().encode('[1]'), source: 'q' }).body).toEqual([1]);
  });

  it('parses JSON with whitespace around it alike for every value, and keeps a delivery count finite', () => {
    const bodies = ['true\n', ' false', 'null\n', '42\n', '{"a":1}\n'].map(
      (data) => createMessage({ id: '1', data, source: 'q' }).body,
    );
    expect(bodies).toEqual([true, false, null, 42, { a: 1 }]);
    expect(createMessage({ id: '2', data: '', source: 'q', attempt: Number.POSITIVE_INFINITY }).attempt).toBe(1);
    expect(createMessage({ id: '3', data: '', source: 'q', attempt: 3.7 }).attempt).toBe(3);
  });

  it('keeps a bare integer beyond the safe range as its text, which a number would change', () => {
    const body = (data: string) => createStreamRecord({ sequence: '1', partitionKey: 'k', data, source: 's' }).body;
    expect(body('1234567890123456789')).toBe('1234567890123456789');
    expect(body('-9007199254740993')).toBe('-9007199254740993');
    expect(body('9007199254740991')).toBe(9007199254740991);
    expect(body('1e21')).toBe(1e21);
    expect(body('1.5')).toBe(1.5);
    expect(body('{"id":1234567890123456789}')).toEqual({ id: 1234567890123456800 });
  });

  it('keeps host-parsed bodies and derives raw bytes from them', () => {
    const message = createMessage({
      id: '1',
      body: { a: 1 },
      source: 'q',
      attempt: 3,
      publishedAt: '2026-01-02T03:04:05Z',
    });
    expect(message.body).toEqual({ a: 1 });
    expect(new TextDecoder().decode(message.rawBody)).toBe('{"a":1}');
    expect(message.attempt).toBe(3);
    expect(message.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(createMessage({ id: '1', source: 'q', attempt: 0 }).attempt).toBe(1);
  });

  it('makes stream records with the sequence as id by default', () => {
    const record = createStreamRecord({
      sequence: '49',
      partitionKey: 'p',
      data: 'x',
      source: 's',
      publishedAt: 1_700_000_000_000,
    });
    expect(record.id).toBe('49');
    expect(record.publishedAt.getTime()).toBe(1_700_000_000_000);
  });

  it('normalises storage sizes and etags', () => {
    const event = createStorageEvent({ type: 'created', bucket: 'b', key: 'k', size: '1024', etag: '"abc"' });
    expect(event.size).toBe(1024);
    expect(event.etag).toBe('abc');
    expect(createStorageEvent({ type: 'deleted', bucket: 'b', key: 'k', size: 'n/a' }).size).toBeUndefined();
  });

  it('requires the mandatory CloudEvents attributes', () => {
    expect(() => createCloudEvent({ id: '', source: 's', type: 't' })).toThrow(SkyportError);
    const event = createCloudEvent({ id: '1', source: 's', type: 't', time: '2026-01-01T00:00:00Z', data: { a: 1 } });
    expect(event.specversion).toBe('1.0');
    expect(event.time?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives a CloudEvent whose time is not a time no time, rather than the time it was read', () => {
    for (const time of ['nope', '', 'Tuesday']) {
      expect(createCloudEvent({ id: '1', source: 's', type: 't', time }).time).toBeUndefined();
    }
    expect(createCloudEvent({ id: '1', source: 's', type: 't', time: 1767225600000 }).time?.getTime()).toBe(
      1767225600000,
    );
  });

  it('falls back for unparseable dates', () => {
    const fallback = new Date(0);
    expect(toDate('not a date', fallback)).toBe(fallback);
    expect(toDate(undefined, fallback)).toBe(fallback);
  });
});

describe('a payload that starts with a byte order mark', () => {
  const bom = '\uFEFF';
  const bytes = (text: string) => new TextEncoder().encode(text);
  const Order = z.object({ orderId: z.string() });

  it('has the same body delivered as a string as delivered as bytes, and keeps the mark in rawBody', () => {
    for (const text of [`${bom}{"orderId":"o1"}`, `${bom}hello`, `${bom}42`, `${bom}${bom}{"a":1}`]) {
      const fromBytes = createMessage({ id: '1', data: bytes(text), source: 'q' });
      const fromString = createMessage({ id: '2', data: text, source: 'q' });
      const record = createStreamRecord({ sequence: '1', partitionKey: 'k', data: text, source: 's' });
      // Azure's library hands over text it could not parse as JSON as a string.
      const fromHost = createMessage({ id: '3', body: text, source: 'q' });
      expect(fromString.body).toEqual(fromBytes.body);
      expect(record.body).toEqual(fromBytes.body);
      expect(fromHost.body).toEqual(fromBytes.body);
      for (const event of [fromString, record, fromHost]) expect(event.rawBody).toEqual(bytes(text));
    }
    expect(createMessage({ id: '1', data: `${bom}{"orderId":"o1"}`, source: 'q' }).body).toEqual({ orderId: 'o1' });
    expect(createMessage({ id: '1', data: `${bom}hello`, source: 'q' }).body).toBe('hello');
    // Only the first mark goes, as UTF-8 decoding drops only the first.
    expect(createMessage({ id: '1', data: `${bom}${bom}x`, source: 'q' }).body).toBe(`${bom}x`);
    // Text the host gave that starts with no mark is kept as it is.
    expect(createMessage({ id: '1', body: '{"a":1}', source: 'q' }).body).toBe('{"a":1}');
  });

  it('passes a body schema through invoke() as it does delivered as bytes', async () => {
    const seen: unknown[] = [];
    const fn = queue({ name: 'orders', body: Order }).handle((msg) => {
      seen.push(msg.body);
      expect(msg.rawBody.subarray(0, 3)).toEqual(bytes(bom));
    });
    const out = await invoke(fn, [
      message({ id: 'string', body: `${bom}{"orderId":"o1"}` }),
      message({ id: 'bytes', body: bytes(`${bom}{"orderId":"o1"}`) }),
    ]);
    expect(out.failures).toEqual([]);
    expect(seen).toEqual([{ orderId: 'o1' }, { orderId: 'o1' }]);
  });

  it('passes a body schema through toLambda for SQS as for Kinesis, which delivers bytes', async () => {
    const seen: unknown[] = [];
    const orders = queue({ name: 'orders', body: Order }).handle((msg) => {
      seen.push(msg.body);
    });
    const clicks = stream({ name: 'clicks', body: Order }).handle((record) => {
      seen.push(record.body);
    });
    const text = `${bom}{"orderId":"o1"}`;
    expect(await toLambda(orders)(aws.sqs([{ body: text }]), createLambdaContext())).toEqual({
      batchItemFailures: [],
    });
    expect(await toLambda(clicks)(aws.kinesis([{ data: bytes(text) }]), createLambdaContext())).toEqual({
      batchItemFailures: [],
    });
    expect(seen).toEqual([{ orderId: 'o1' }, { orderId: 'o1' }]);
  });
});
