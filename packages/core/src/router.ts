/**
 * `router()` combines http functions into one: it matches method and path, answers 404 for an
 * unknown path and 405 (with `Allow`) for a known path with another method. Middleware added to
 * the router with `.use()` runs for every request, before matching, so CORS preflights and
 * logging see 404s too.
 */
import { MethodNotAllowed, NotFound, quietly, SkyportError } from './errors.js';
import { PortableFunction, stepOf } from './function.js';
import type { RequestImpl } from './http/request.js';
import { allowHeader, allowsMethod, methodsOf } from './methods.js';
import { compilePath, type PathPattern, trimSlash } from './path.js';
import type { Context, HttpMethod, HttpResponse, SkyportFunction } from './types.js';

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

  const dispatch = (req: RequestImpl, ctx: Context): HttpResponse | Promise<HttpResponse> => {
    const allowed = new Set<HttpMethod>();
    const candidates: [Route, Record<string, string>][] = [];
    for (const route of byPath.get(trimSlash(req.path)) ?? []) candidates.push([route, {}]);
    for (const route of dynamic) {
      const params = route.path.match(req.rawPath);
      if (params) candidates.push([route, params]);
    }
    for (const [route, params] of candidates) {
      if (allowsMethod(route.methods, req.method)) {
        req.setParams(params);
        req.route = route.path.pattern;
        return stepOf(route.fn, req, ctx);
      }
      // A route without methods accepts every method, so only routes with methods get here.
      for (const method of route.methods ?? []) allowed.add(method);
    }
    if (candidates.length === 0) throw quietly(() => new NotFound(`no route for ${req.method} ${req.path}`));
    const allow = allowHeader(allowed);
    if (req.method === 'OPTIONS') return { status: 204, headers: { allow }, cookies: [], body: undefined };
    throw quietly(() => new MethodNotAllowed(`${req.method} is not allowed on ${req.path}`, { headers: { allow } }));
  };

  return new PortableFunction('http', { path: '/*' }, [], dispatch as never, functions);
}
