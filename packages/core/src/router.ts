/**
 * `router()` combines http functions into one: it matches method and path, answers 404 for an
 * unknown path and 405 (with `Allow`) for a known path with another method. Middleware added to
 * the router with `.use()` runs for every request, before matching, so CORS preflights and
 * logging see 404s too.
 */
import { MethodNotAllowed, NotFound, SkyportError } from './errors.js';
import { PortableFunction } from './function.js';
import type { RequestImpl } from './http/request.js';
import { compilePath, type PathPattern, trimSlash } from './path.js';
import type { Context, HttpMethod, HttpResponse, KindOptions, SkyportFunction } from './types.js';

/** The methods a definition answers, or `undefined` for every method. */
export function methodsOf(options: KindOptions['http']): readonly HttpMethod[] | undefined {
  const method = options.method;
  return method === undefined ? undefined : typeof method === 'string' ? [method] : method;
}

/** Whether `method` is answered by `methods` (HEAD is answered by GET). */
export function allowsMethod(methods: readonly HttpMethod[] | undefined, method: string): boolean {
  if (methods === undefined) return true;
  return methods.includes(method as HttpMethod) || (method === 'HEAD' && methods.includes('GET'));
}

/** The `Allow` header value for a set of methods. */
export function allowHeader(methods: Iterable<HttpMethod>): string {
  const set = new Set<string>(methods);
  if (set.has('GET')) set.add('HEAD');
  set.add('OPTIONS');
  return [...set].join(', ');
}

interface Route {
  readonly fn: SkyportFunction<'http'>;
  readonly path: PathPattern;
  readonly methods: readonly HttpMethod[] | undefined;
}

/**
 * Combines http functions into one http function.
 *
 * @example
 * export const api = router(listOrders, getOrder, createOrder).use(cors({ origin: 'https://shop.example' }));
 */
export function router(...functions: SkyportFunction<'http'>[]): SkyportFunction<'http'> {
  const routes: Route[] = functions.map((fn) => {
    if (fn?.kind !== 'http') {
      throw new SkyportError('INVALID_DEFINITION', `router() takes http functions, got ${fn?.kind ?? typeof fn}`, {
        kind: 'http',
      });
    }
    if (fn.routes)
      throw new SkyportError('INVALID_DEFINITION', 'router() does not nest routers; pass their routes instead', {
        kind: 'http',
      });
    return { fn, path: compilePath(fn.options.path ?? '/'), methods: methodsOf(fn.options) };
  });
  const byPath = new Map<string, Route[]>();
  const dynamic: Route[] = [];
  for (const route of routes) {
    if (route.path.isStatic) byPath.set(route.path.key, [...(byPath.get(route.path.key) ?? []), route]);
    else dynamic.push(route);
  }

  const dispatch = (req: RequestImpl, ctx: Context): Promise<HttpResponse> => {
    const allowed = new Set<HttpMethod>();
    let anyMethod = false;
    const candidates: [Route, Record<string, string>][] = [];
    for (const route of byPath.get(trimSlash(req.path)) ?? []) candidates.push([route, {}]);
    for (const route of dynamic) {
      const params = route.path.match(req.path);
      if (params) candidates.push([route, params]);
    }
    for (const [route, params] of candidates) {
      if (allowsMethod(route.methods, req.method)) {
        req.setParams(params);
        req.route = route.path.pattern;
        return route.fn.dispatch(req, ctx);
      }
      if (route.methods === undefined) anyMethod = true;
      else for (const method of route.methods) allowed.add(method);
    }
    if (candidates.length === 0 || anyMethod)
      return Promise.reject(new NotFound(`no route for ${req.method} ${req.path}`));
    const allow = allowHeader(allowed);
    if (req.method === 'OPTIONS')
      return Promise.resolve({ status: 204, headers: { allow }, cookies: [], body: undefined });
    return Promise.reject(new MethodNotAllowed(`${req.method} is not allowed on ${req.path}`, { headers: { allow } }));
  };

  return new PortableFunction('http', { path: '/*' }, [], dispatch as never, functions);
}
