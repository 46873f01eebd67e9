/** HTTP method matching and route precedence, shared by single functions, the router and `serve()`. */
import type { PathPattern } from './path.js';
import type { HttpMethod, KindOptions } from './types.js';

/**
 * The methods a definition answers, or `undefined` for every method.
 *
 * @example
 * methodsOf({ method: 'GET' }); // ['GET']
 */
export function methodsOf(options: KindOptions['http']): readonly HttpMethod[] | undefined {
  const method = options.method;
  return method === undefined ? undefined : typeof method === 'string' ? [method] : method;
}

/**
 * Whether `method` is answered by `methods` (HEAD is answered by GET).
 *
 * @example
 * allowsMethod(['GET'], 'HEAD'); // true
 */
export function allowsMethod(methods: readonly HttpMethod[] | undefined, method: string): boolean {
  if (methods === undefined) return true;
  return methods.includes(method as HttpMethod) || (method === 'HEAD' && methods.includes('GET'));
}

/**
 * The `Allow` header value for a set of methods.
 *
 * @example
 * allowHeader(['GET', 'POST']); // 'GET, POST, HEAD, OPTIONS'
 */
export function allowHeader(methods: Iterable<HttpMethod>): string {
  const set = new Set<string>(methods);
  if (set.has('GET')) set.add('HEAD');
  set.add('OPTIONS');
  return [...set].join(', ');
}

/** A route as `byPrecedence` orders it: its compiled path and the methods it answers. */
export interface RouteOrder {
  readonly path: PathPattern;
  readonly methods: readonly HttpMethod[] | undefined;
}

const ranks = new WeakMap<PathPattern, readonly number[]>();

/**
 * How specific each segment of a pattern is: 0 static, 1 a parameter, 2 the wildcard. Worked out
 * once per pattern, not on every comparison of a sort.
 */
function rankOf(path: PathPattern): readonly number[] {
  let rank = ranks.get(path);
  if (rank === undefined) {
    // The key has static segments decoded; none of them starts with `:` or is `*` (compilePath refuses those).
    rank = path.key
      .split('/')
      .slice(1)
      .map((segment) => (segment === '*' ? 2 : segment.startsWith(':') ? 1 : 0));
    ranks.set(path, rank);
  }
  return rank;
}

/**
 * Orders routes one request could reach both, the one to try first first: segment by segment
 * from the left, a static segment before a parameter before the wildcard (`/files/:id` before
 * `/files/*`, `/a/:b` before `/:a/b`), a pattern that ends before one whose wildcard goes on, and,
 * between equally specific patterns, a route that lists HEAD before one whose GET would answer
 * HEAD for it. Equal routes compare 0, so a stable sort keeps their order.
 *
 * @example
 * routes.sort(byPrecedence); // [{ path: compilePath('/f/:id'), ... }, { path: compilePath('/f/*'), ... }]
 */
export function byPrecedence(first: RouteOrder, second: RouteOrder): number {
  const a = rankOf(first.path);
  const b = rankOf(second.path);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return Number(second.methods?.includes('HEAD') ?? false) - Number(first.methods?.includes('HEAD') ?? false);
}

const shapes = new WeakMap<PathPattern, string>();

/**
 * A pattern as it matches, whatever its parameters are named, worked out once per pattern: two
 * patterns of one shape match the same paths.
 *
 * @example
 * shapeOf(compilePath('/caf%C3%A9/:id/')); // '/café/:'
 */
export function shapeOf(path: PathPattern): string {
  let shape = shapes.get(path);
  if (shape === undefined) {
    shape = path.key
      .split('/')
      .map((segment) => (segment.startsWith(':') ? ':' : segment))
      .join('/');
    shapes.set(path, shape);
  }
  return shape;
}

/**
 * The methods for which one request would reach both routes alike (the same path shape, such as
 * `/orders/:id` and `/orders/:orderId`, or `/caf%C3%A9` and `/café`): the one tried first would
 * always answer, and the other never run. Empty when they never overlap so; `['any']` for two
 * routes of every method.
 *
 * @example
 * overlap({ path: compilePath('/o/:id'), methods: ['GET'] }, { path: compilePath('/o/:key'), methods: undefined }); // ['GET']
 */
export function overlap(first: RouteOrder, second: RouteOrder): readonly string[] {
  if (shapeOf(first.path) !== shapeOf(second.path)) return [];
  if (first.methods === undefined) return second.methods ?? ['any'];
  return first.methods.filter((method) => second.methods === undefined || second.methods.includes(method));
}
