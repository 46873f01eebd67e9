import { type Message, queue, type StreamRecord, stream } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';
import { sentText, stringMap } from './metadata.js';

describe('stringMap', () => {
  it('keeps a property named __proto__ as an own key, not as the prototype', () => {
    // Prepare: JSON.parse makes "__proto__" an own key, as the host's metadata does
    const properties = JSON.parse('{"__proto__":{"isAdmin":true},"tenant":"a"}') as unknown;

    // Act
    const map = stringMap(properties);

    // Assert
    expect(Object.keys(map)).toEqual(['__proto__', 'tenant']);
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(map, '__proto__')?.value).toBe('{"isAdmin":true}');
    expect((map as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('turns every value into text and drops null and undefined', () => {
    expect(stringMap({ s: 'x', n: 1, b: false, o: { a: 1 }, nil: null, u: undefined })).toEqual({
      s: 'x',
      n: '1',
      b: 'false',
      o: '{"a":1}',
    });
    expect(stringMap([1])).toEqual({});
  });
});

describe('sentText', () => {
  it('gives back the text of what JSON.parse made of it only when no other text parses to the same value', () => {
    // Exact: text, booleans, plain safe integers
    expect(['m-1', true, false, 42, -7, Number.MAX_SAFE_INTEGER].map(sentText)).toEqual([
      'm-1',
      'true',
      'false',
      '42',
      '-7',
      '9007199254740991',
    ]);
    // Lost: digits past 2^53, fractions, -0, objects, arrays
    expect([JSON.parse('12345678901234567890'), 1.5, -0, { a: 1 }, [1], Number.NaN].map(sentText)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    // None
    expect([undefined, null, ''].map(sentText)).toEqual([undefined, undefined, undefined]);
  });
});

describe('Service Bus application properties', () => {
  it('reach the message attributes with a __proto__ property intact', async () => {
    // Prepare
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => {
      seen.push(msg);
    });
    const { context } = invocation({
      triggerMetadata: {
        messageId: 'm-1',
        deliveryCount: 1,
        applicationProperties: JSON.parse('{"__proto__":"x","tenant":"a"}') as unknown,
      },
      options: { trigger: { type: 'serviceBusTrigger', name: 'message', queueName: 'orders' } },
    });

    // Act
    await toAzure(fn)('hello', context);

    // Assert
    const attributes = seen[0]?.attributes ?? {};
    expect(Object.keys(attributes)).toEqual(['__proto__', 'tenant']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toBe('x');
    // A plain map, as the test kit's messages and every other source's attributes.
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
  });
});

describe('times in trigger metadata', () => {
  it('takes Date objects, as a hand-built InvocationContext passes them, and ignores an invalid one', async () => {
    // Prepare
    const messages: Message[] = [];
    const records: StreamRecord[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => {
      messages.push(msg);
    });
    const hub = stream({ name: 'telemetry' }).handle((record) => {
      records.push(record);
    });
    const enqueued = new Date('2026-01-02T03:04:05.000Z');
    const before = Date.now();

    // Act
    await toAzure(fn)(
      'hello',
      invocation({ triggerMetadata: { messageId: 'm-1', deliveryCount: 1, enqueuedTimeUtc: enqueued } }).context,
    );
    await toAzure(fn)(
      'hello',
      invocation({ triggerMetadata: { messageId: 'm-2', deliveryCount: 1, enqueuedTimeUtc: new Date(NaN) } }).context,
    );
    await toAzure(hub)(
      [{ t: 1 }],
      invocation({ triggerMetadata: { sequenceNumberArray: [5], enqueuedTimeUtcArray: [enqueued] } }).context,
    );

    // Assert
    expect(messages[0]?.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(messages[1]?.publishedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(records[0]?.publishedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });
});
