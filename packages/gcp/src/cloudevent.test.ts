import { describe, expect, it } from 'vitest';
import { percentDecode } from './cloudevent.js';

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
