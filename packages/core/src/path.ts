/**
 * Route patterns: `/users/:id` binds `id`; a trailing `*` binds the rest of the path to `*`.
 * Trailing slashes are ignored. A pattern that would match nothing or bind wrongly (a `*` before
 * the end, an empty, repeated or non-identifier parameter name, or `__proto__`) is refused when it
 * is compiled.
 */
import { SkyportError } from './errors.js';

/** A compiled route pattern. */
export interface PathPattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** Whether the pattern has no parameters. */
  readonly isStatic: boolean;
  /** The names of its parameters, in order (`*` for a trailing wildcard). */
  readonly names: readonly string[];
  /**
   * The normalised pattern, static segments decoded (`/caf%C3%A9/:id/` is `/café/:id`): for a
   * static pattern, the path itself.
   */
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
  return path.length > 1 && path.charCodeAt(path.length - 1) === 47 /* / */ ? path.slice(0, -1) : path;
}

/**
 * The key a path (as sent, percent-encoded) has among static routes: the decoded path without a
 * trailing slash, decoded segment by segment, so an encoded `/` (`%2F`) stays inside its segment
 * and matches no static route. `undefined` when it cannot match one.
 *
 * @example
 * staticKey('/caf%C3%A9/'); // '/café'
 * staticKey('/admin%2Fstats'); // undefined
 */
export function staticKey(path: string): string | undefined {
  if (!path.includes('%')) return trimSlash(path);
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = decodeSegment(segments[i] as string);
    if (segment === undefined || segment.includes('/')) return undefined;
    segments[i] = segment;
  }
  return trimSlash(segments.join('/'));
}

/** A pattern refused when the function is defined: it would match nothing, or bind wrongly. */
function badPattern(pattern: string, reason: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `route ${JSON.stringify(pattern)}: ${reason}`);
}

const parameterName = /^[A-Za-z_$][\w$]*$/;

/** A segment of a pattern as it matches: a static one written percent-encoded is decoded. */
function checkedSegment(pattern: string, segment: string): string {
  if (segment.startsWith(':') || segment === '*') return segment;
  const decoded = decodeSegment(segment);
  if (decoded === undefined || decoded.includes('/')) {
    throw badPattern(pattern, `the segment ${JSON.stringify(segment)} is no valid escape of one segment`);
  }
  // Decoded, `%3Aid` or `%2A` would read as a parameter or a wildcard.
  if (decoded.startsWith(':') || decoded === '*') {
    throw badPattern(pattern, `the segment ${JSON.stringify(segment)} would read as a parameter or a wildcard`);
  }
  return decoded;
}

/** Parameters are named once each, with identifier names, and `*` comes last. */
function checkParameters(pattern: string, segments: readonly string[]): void {
  const seen = new Set<string>();
  segments.forEach((segment, i) => {
    if (segment === '*' && i !== segments.length - 1) throw badPattern(pattern, '`*` must be the last segment');
    if (!segment.startsWith(':')) return;
    const name = segment.slice(1);
    if (!parameterName.test(name)) {
      throw badPattern(
        pattern,
        `the parameter name ${JSON.stringify(name)} is no identifier (ASCII letters, digits, _ and $)`,
      );
    }
    // Assigned to a plain object, `__proto__` would set its prototype instead of binding.
    if (name === '__proto__') {
      throw badPattern(pattern, 'the parameter name "__proto__" cannot be bound: choose another');
    }
    if (seen.has(name)) throw badPattern(pattern, `the parameter ${name} is named twice`);
    seen.add(name);
  });
}

/**
 * Compiles a route pattern.
 *
 * @example
 * compilePath('/users/:id').match('/users/42'); // { id: '42' }
 */
export function compilePath(pattern: string): PathPattern {
  const written = trimSlash(pattern.startsWith('/') ? pattern : `/${pattern}`)
    .split('/')
    .slice(1);
  const segments = written.map((segment) => checkedSegment(pattern, segment));
  checkParameters(pattern, segments);
  const normalised = `/${segments.join('/')}`;
  const isStatic = segments.every((segment) => !segment.startsWith(':') && segment !== '*');
  if (isStatic) {
    return {
      pattern,
      isStatic,
      names: [],
      key: normalised,
      match: (path) => (staticKey(path) === normalised ? {} : undefined),
    };
  }
  const wildcard = segments[segments.length - 1] === '*';
  const fixed = wildcard ? segments.slice(0, -1) : segments;
  const names = fixed.map((segment) => (segment.startsWith(':') ? segment.slice(1) : undefined));
  const declared = names.filter((name): name is string => name !== undefined);
  return {
    pattern,
    isStatic,
    names: wildcard ? [...declared, '*'] : declared,
    key: normalised,
    // Walks the path segment by segment with indexOf: no split arrays per request.
    match(path) {
      const end = path.length > 1 && path.charCodeAt(path.length - 1) === 47 /* / */ ? path.length - 1 : path.length;
      if (path.charCodeAt(0) !== 47 /* / */) return undefined;
      const params: Record<string, string> = {};
      let start = 1;
      for (let i = 0; i < fixed.length; i++) {
        if (start > end) return undefined;
        let stop = path.indexOf('/', start);
        if (stop < 0 || stop > end) stop = end;
        const part = decodeSegment(path.slice(start, stop));
        if (part === undefined) return undefined;
        const name = names[i];
        if (name !== undefined) {
          if (part === '') return undefined;
          params[name] = part;
        } else if (fixed[i] !== part) return undefined;
        start = stop + 1;
      }
      if (wildcard) {
        const rest = start > end ? '' : path.slice(start, end);
        const parts: string[] = [];
        for (const raw of rest === '' ? [] : rest.split('/')) {
          const part = decodeSegment(raw);
          if (part === undefined) return undefined;
          parts.push(part);
        }
        params['*'] = parts.join('/');
      } else if (start <= end) return undefined;
      return params;
    },
  };
}
