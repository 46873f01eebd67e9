/**
 * Route patterns: `/users/:id` binds `id`; a trailing `*` binds the rest of the path to `*`.
 * Trailing slashes are ignored.
 */

/** A compiled route pattern. */
export interface PathPattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** Whether the pattern has no parameters. */
  readonly isStatic: boolean;
  /** The normalised static path (for static patterns). */
  readonly key: string;
  /**
   * Parameters of `path` (as sent, percent-encoded), or `undefined` when it does not match.
   * Segments are decoded one by one, so an encoded `/` stays inside its parameter.
   */
  match(path: string): Record<string, string> | undefined;
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Removes a trailing slash (but not the root's). */
export function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Compiles a route pattern.
 *
 * @example
 * compilePath('/users/:id').match('/users/42'); // { id: '42' }
 */
export function compilePath(pattern: string): PathPattern {
  const normalised = trimSlash(pattern.startsWith('/') ? pattern : `/${pattern}`);
  const segments = normalised.split('/').slice(1);
  const isStatic = segments.every((segment) => !segment.startsWith(':') && segment !== '*');
  if (isStatic) {
    return {
      pattern,
      isStatic,
      key: normalised,
      match: (path) => (trimSlash(decodeSegment(path) ?? '') === normalised ? {} : undefined),
    };
  }
  const wildcard = segments[segments.length - 1] === '*';
  const fixed = wildcard ? segments.slice(0, -1) : segments;
  return {
    pattern,
    isStatic,
    key: normalised,
    match(path) {
      const parts: string[] = [];
      for (const raw of trimSlash(path).split('/').slice(1)) {
        const part = decodeSegment(raw);
        if (part === undefined) return undefined;
        parts.push(part);
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
    },
  };
}
