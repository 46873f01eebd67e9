/** HTTP method matching shared by single functions and the router. */
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
