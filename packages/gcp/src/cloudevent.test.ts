import { type CloudEvent, events } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { percentDecode } from './cloudevent.js';
import { invokeGcp } from './invoke.js';

describe('percentDecode', () => {
  it.each([
    ['objects/f%C3%BCr%20x.txt', 'objects/für x.txt'],
    ['100%25%20sure', '100% sure'],
    ['%2525', '%25'],
    ['no escapes', 'no escapes'],
  ])('decodes %s once', (sent, decoded) => {
    expect(percentDecode(sent)).toBe(decoded);
  });

  it.each([
    ['objects/a%20b%', 'objects/a b%'],
    ['100%', '100%'],
    ['%zz%20x', '%zz x'],
    ['a%2', 'a%2'],
    ['a%C3', 'a%C3'],
    ['%C3%BC%C3', 'ü%C3'],
    ['%BC%20', '%BC '],
    ['%C3%20x', '%C3 x'],
    ['%F8%80%80%80%80%41', '%F8%80%80%80%80A'],
    ['%E2%82%AC%E2%82', '€%E2%82'],
  ])('keeps only what is not a UTF-8 escape as sent in %s', (sent, decoded) => {
    expect(percentDecode(sent)).toBe(decoded);
  });
});

describe('CloudEvent extensions', () => {
  const attributes = { id: '1', source: '//contoso', type: 'contoso.made', specversion: '1.0' };

  function received() {
    const seen: CloudEvent[] = [];
    const fn = events().handle((event) => {
      seen.push(event);
    });
    return { fn, seen };
  }

  it('keeps a structured member named __proto__ as an own extension, not as their prototype', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary member of the event.
    const { fn, seen } = received();
    const body: unknown = JSON.parse(`{${JSON.stringify(attributes).slice(1, -1)},"__proto__":{"isAdmin":true}}`);

    // Act
    const result = await invokeGcp(fn, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body,
    });

    // Assert
    expect(result.status).toBe(204);
    const extensions = seen[0]?.extensions ?? {};
    expect(Object.keys(extensions)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(extensions, '__proto__')?.value).toEqual({ isAdmin: true });
    expect((extensions as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('keeps a binary ce-__proto__ header as an own extension', async () => {
    // Prepare
    const { fn, seen } = received();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'ce-__proto__': 'kept' };
    for (const [key, value] of Object.entries(attributes)) headers[`ce-${key}`] = value;

    // Act
    const result = await invokeGcp(fn, { method: 'POST', headers, body: '{}' });

    // Assert
    expect(result.status).toBe(204);
    const extensions = seen[0]?.extensions ?? {};
    expect(Object.keys(extensions)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(extensions, '__proto__')?.value).toBe('kept');
  });
});
