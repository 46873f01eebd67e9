import { type Message, queue } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import * as gcp from '../../testing/src/raw/gcp.js';
import { invokeGcp } from './invoke.js';

describe('Pub/Sub message attributes', () => {
  it('keeps an attribute named __proto__ as an own key of a plain map', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary attribute name, as a push request carries it.
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(msg);
    });
    const envelope = gcp.pubsubPush({ data: 'hi', messageId: 'm1' });
    const message = envelope.message as Record<string, unknown>;
    envelope.message = { ...message, attributes: JSON.parse('{"__proto__":"kept"}') };

    // Act
    const kept = await invokeGcp(fn, envelope);
    const plain = await invokeGcp(fn, gcp.pubsubPush({ data: 'hi', messageId: 'm2' }));

    // Assert
    expect([kept.status, plain.status]).toEqual([204, 204]);
    expect(Object.keys(seen[0]?.attributes ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(seen[0]?.attributes, '__proto__')?.value).toBe('kept');
    // A plain map, as the test kit's messages and every other source's attributes.
    expect(Object.getPrototypeOf(seen[1]?.attributes)).toBe(Object.prototype);
  });
});
