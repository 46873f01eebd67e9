import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { http } from './builders.js';
import { compilePath, trimSlash } from './path.js';

/** The obvious matcher: split, decode every segment, compare. */
function reference(pattern: string, path: string): Record<string, string> | undefined {
  const segments = trimSlash(pattern).split('/').slice(1);
  const wildcard = segments[segments.length - 1] === '*';
  const fixed = wildcard ? segments.slice(0, -1) : segments;
  const parts: string[] = [];
  for (const raw of trimSlash(path).split('/').slice(1)) {
    try {
      parts.push(raw.includes('%') ? decodeURIComponent(raw) : raw);
    } catch {
      return undefined;
    }
  }
  if (wildcard ? parts.length < fixed.length : parts.length !== fixed.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed.length; i++) {
    const segment = fixed[i] as string;
    const part = parts[i] as string;
    if (segment.startsWith(':')) {
      if (part === '') return undefined;
      params[segment.slice(1)] = part;
    } else if (segment !== part) return undefined;
  }
  if (wildcard) params['*'] = parts.slice(fixed.length).join('/');
  return params;
}

describe('compilePath', () => {
  it('binds parameters and the rest of the path', () => {
    expect(compilePath('/orders/:id').match('/orders/42')).toEqual({ id: '42' });
    expect(compilePath('/orders/:id').match('/orders/a%2Fb/')).toEqual({ id: 'a/b' });
    expect(compilePath('/orders/:id').match('/orders/')).toBeUndefined();
    expect(compilePath('/orders/:id').match('/orders/1/items')).toBeUndefined();
    expect(compilePath('/orders/:id').match('/orders/%E0%A4%A')).toBeUndefined();
    expect(compilePath('/files/*').match('/files/a/b%2Fc')).toEqual({ '*': 'a/b/c' });
    expect(compilePath('/files/*').match('/files')).toEqual({ '*': '' });
  });

  it('refuses patterns that would match nothing or bind wrongly, and matches a static segment written escaped', () => {
    for (const pattern of [
      '/a/*/b',
      '/a/:id/:id',
      '/a/:/b',
      '/a/:id.json',
      '/a/%zz',
      '/a/b%2Fc',
      '/%3Ainfo',
      '/a/%2A',
    ]) {
      expect(() => compilePath(pattern), pattern).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(compilePath('/caf%C3%A9/:id').match('/café/1')).toEqual({ id: '1' });
    expect(compilePath('/caf%C3%A9').match('/caf%C3%A9')).toEqual({});
  });

  it('refuses a parameter named __proto__, which a parameters object could not hold, naming it', () => {
    // Act
    const define = () => http({ method: 'GET', path: '/things/:__proto__' }).handle(() => undefined);

    // Assert
    expect(define).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(define).toThrow(/__proto__/);
    expect(compilePath('/things/:proto').match('/things/1')).toEqual({ proto: '1' });
  });

  it('matches exactly as splitting the path would, for any path', () => {
    const segment = fc.oneof(
      fc.constantFrom('', 'a', 'b', 'orders', '%2F', '%', '%E0%A4', 'a%20b', '42'),
      fc.string({ maxLength: 4 }),
    );
    const path = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    const patternPart = fc.constantFrom('a', 'b', 'orders', ':id', ':name', '42');
    const pattern = fc
      .tuple(fc.array(patternPart, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([parts, rest]) => `/${[...parts, ...(rest ? ['*'] : [])].join('/')}`)
      .filter((p) => p.includes(':') || p.includes('*'))
      // A parameter named twice is refused (see below).
      .filter((p) => {
        const names = p.split('/').filter((part) => part.startsWith(':'));
        return new Set(names).size === names.length;
      });
    fc.assert(
      fc.property(pattern, path, (p, candidate) => {
        expect(compilePath(p).match(candidate)).toEqual(reference(p, candidate));
      }),
      { numRuns: 3000 },
    );
  });
});
