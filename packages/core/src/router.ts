/**
 * `router()` combines http functions into one: it matches method and path (the most specific
 * pattern first, whatever the order the routes are listed in), answers 404 for an
 * unknown path and 405 (with `Allow`) for a known path with another method. A function without
 * a path takes every path no route with a path matches, as it does alone and as `serve()` gives
 * it. Middleware added to the router with `.use()` runs for every request, before matching, so
 * CORS preflights and logging see 404s too.
 */
import { MethodNotAllowed, NotFound, quietly, SkyportError } from './errors.js';
import { Failure } from './failure.js';
import { PortableFunction, stepHttp } from './function.js';
import type { RequestImpl } from './http/request.js';
import { allowHeader, allowsMethod, byPrecedence, methodsOf, overlap, shapeOf } from './methods.js';
import { compilePath, type PathPattern, staticKey } from './path.js';
import type { Context, HttpMethod, HttpResponse, SkyportFunction } from './types.js';

interface Route {
  readonly fn: SkyportFunction<'http'>;
  /** The route's pattern; `/*` for a function without a path. */
  readonly path: PathPattern;
  readonly methods: readonly HttpMethod[] | undefined;
}

const everyPath = compilePath('/*');

function routeOf(fn: SkyportFunction<'http'>): Route {
  const path = fn.options.path;
  return { fn, path: path === undefined ? everyPath : compilePath(path), methods: methodsOf(fn.options) };
}

/** The routes of one path shape, in the order listed, and how many of them were checked. */
interface ShapeGroup {
  readonly routes: Route[];
  seen: number;
}

/**
 * Refuses two routes one request could reach alike: the same path shape (`/orders/:id` and
 * `/orders/:orderId`, `/caf%C3%A9` and `/café`) with a method in common. The first would always
 * win, so the second would never run. Only routes of one shape are compared (without a repeat, a
 * shape has at most one route per method), so a router of many routes is defined in time linear
 * in their number; the pair reported is the one a scan of every pair in the order listed meets first.
 */
function refuseDuplicates(routes: readonly Route[], pathless: readonly Route[]): void {
  const byShape = new Map<string, ShapeGroup>();
  for (const route of routes) {
    const shape = shapeOf(route.path);
    const group = byShape.get(shape);
    if (group === undefined) byShape.set(shape, { routes: [route], seen: 0 });
    else group.routes.push(route);
  }
  for (const first of routes) {
    const group = byShape.get(shapeOf(first.path)) as ShapeGroup;
    // Routes are visited in the order listed, so `first` is the next route of its group.
    group.seen++;
    for (let j = group.seen; j < group.routes.length; j++) {
      const second = group.routes[j] as Route;
      const shared = overlap(first, second);
      if (shared.length === 0) continue;
      throw new SkyportError(
        'INVALID_DEFINITION',
        `router(): ${shared.join(', ')} ${second.path.pattern} is routed twice (as ${first.path.pattern} too); the second route would never run`,
        { kind: 'http' },
      );
    }
  }
  refusePathlessTwice(routes, pathless);
}

/**
 * Refuses a route without a path that would never run: one with a method in common with another
 * route without a path listed before it, or any beside a route for `/*`, which takes every path
 * first.
 */
function refusePathlessTwice(routes: readonly Route[], pathless: readonly Route[]): void {
  if (pathless.length === 0) return;
  const wildcard = routes.find((route) => route.path.key === '/*');
  if (wildcard !== undefined) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `router(): a route without a path would never run beside ${wildcard.path.pattern}, which takes every path first`,
      { kind: 'http' },
    );
  }
  for (let i = 0; i < pathless.length; i++) {
    for (let j = i + 1; j < pathless.length; j++) {
      const shared = overlap(pathless[i] as Route, pathless[j] as Route);
      if (shared.length === 0) continue;
      throw new SkyportError(
        'INVALID_DEFINITION',
        `router(): ${shared.join(', ')} is routed twice without a path; the second route would never run`,
        { kind: 'http' },
      );
    }
  }
}

/**
 * The answer of a route's middleware to an OPTIONS request carries the path's `Allow`, not the
 * route's own: the route, deployed alone, only knows its own methods.
 */
function withAllow(
  answer: HttpResponse | Failure | Promise<HttpResponse>,
  allow: string,
): HttpResponse | Failure | Promise<HttpResponse> {
  if (answer instanceof Failure) return answer;
  if (answer instanceof Promise) return answer.then((response) => withAllow(response, allow) as HttpResponse);
  const name = Object.keys(answer.headers).find((header) => header.toLowerCase() === 'allow');
  return name === undefined ? answer : { ...answer, headers: { ...answer.headers, [name]: allow } };
}

/**
 * Combines http functions into one http function.
 *
 * @example
 * export const api = router(listOrders, getOrder, createOrder).use(cors({ origin: 'https://shop.example' }));
 */
export function router(...functions: SkyportFunction<'http'>[]): SkyportFunction<'http'> {
  const listed: Route[] = functions.map((fn) => {
    if (fn?.kind !== 'http') {
      throw new SkyportError('INVALID_DEFINITION', `router() takes http functions, got ${fn?.kind ?? typeof fn}`, {
        kind: 'http',
      });
    }
    if (fn.routes)
      throw new SkyportError('INVALID_DEFINITION', 'router() does not nest routers; pass their routes instead', {
        kind: 'http',
      });
    return routeOf(fn);
  });
  // Functions without a path take what no route with a path does (as `serve()` gives them paths).
  const routes = listed.filter((route) => route.fn.options.path !== undefined);
  const pathless = listed.filter((route) => route.fn.options.path === undefined);
  refuseDuplicates(routes, pathless);
  // Sorted once, so the first route that allows the method is the one to run.
  routes.sort(byPrecedence);
  pathless.sort(byPrecedence);
  const byPath = new Map<string, Route[]>();
  const dynamic: Route[] = [];
  for (const route of routes) {
    if (route.path.isStatic) byPath.set(route.path.key, [...(byPath.get(route.path.key) ?? []), route]);
    else dynamic.push(route);
  }

  const enter = (route: Route, params: Readonly<Record<string, string>>, req: RequestImpl, ctx: Context) => {
    req.setParams(params);
    req.route = route.path.pattern;
    return stepHttp(route.fn, req, ctx);
  };
  // A route without a path binds nothing, as the function does alone: its parameters and route
  // are the platform's.
  const enterPathless = (route: Route, req: RequestImpl, ctx: Context) => stepHttp(route.fn, req, ctx);
  const none: Readonly<Record<string, string>> = Object.freeze({});

  // The matching route is found without allocating; only a miss works out 404 versus 405.
  const dispatch = (req: RequestImpl, ctx: Context): HttpResponse | Failure | Promise<HttpResponse> => {
    const raw = req.rawPath;
    // Reading `path` decodes it: a malformed percent-encoding is a 400 here.
    if (raw.includes('%')) void req.path;
    const key = staticKey(raw);
    const statics = key === undefined ? undefined : byPath.get(key);
    if (statics !== undefined) {
      for (const route of statics) if (allowsMethod(route.methods, req.method)) return enter(route, none, req, ctx);
    }
    let matched = statics !== undefined;
    for (const route of dynamic) {
      if (!allowsMethod(route.methods, req.method)) continue;
      const params = route.path.match(req.rawPath);
      if (params !== undefined) return enter(route, params, req, ctx);
    }
    const allowed = new Set<HttpMethod>();
    for (const route of statics ?? []) for (const method of route.methods ?? []) allowed.add(method);
    for (const route of dynamic) {
      if (route.path.match(req.rawPath) === undefined) continue;
      matched = true;
      for (const method of route.methods ?? []) allowed.add(method);
    }
    // A path no route with a path matches is for the routes without one.
    const serving = matched ? undefined : pathless;
    if (serving !== undefined) {
      for (const route of serving) if (allowsMethod(route.methods, req.method)) return enterPathless(route, req, ctx);
      for (const route of serving) for (const method of route.methods ?? []) allowed.add(method);
      matched = serving.length > 0;
    }
    if (!matched) return new Failure(quietly(() => new NotFound(`no route for ${req.method} ${req.path}`)));
    if (req.method === 'OPTIONS') {
      const preflight = preflightRoute(statics, serving, req);
      const allow = allowHeader(allowed);
      if (preflight !== undefined) {
        const [route, params] = preflight;
        const answer = params === undefined ? enterPathless(route, req, ctx) : enter(route, params, req, ctx);
        return withAllow(answer, allow);
      }
      return { status: 204, headers: { allow }, cookies: [], body: undefined };
    }
    const allow = allowHeader(allowed);
    return new Failure(
      quietly(() => new MethodNotAllowed(`${req.method} is not allowed on ${req.path}`, { headers: { allow } })),
    );
  };

  /**
   * The route a CORS preflight belongs to: the one the request it announces (its path and
   * requested method) would reach, chosen as `dispatch` chooses, when that route has middleware
   * of its own (a `cors()` on the route answers its preflight, as it does when the function is
   * deployed alone). `serving` is given for a path only routes without a path take; the
   * parameters are `undefined` for such a route.
   */
  const preflightRoute = (
    statics: readonly Route[] | undefined,
    serving: readonly Route[] | undefined,
    req: RequestImpl,
  ): [Route, Readonly<Record<string, string>> | undefined] | undefined => {
    const requested = req.header('access-control-request-method')?.trim().toUpperCase();
    if (!requested) return undefined;
    let target: [Route, Readonly<Record<string, string>> | undefined] | undefined;
    const route = (serving ?? statics)?.find((candidate) => allowsMethod(candidate.methods, requested));
    if (route !== undefined) target = [route, serving === undefined ? none : undefined];
    else if (serving === undefined) {
      for (const candidate of dynamic) {
        if (!allowsMethod(candidate.methods, requested)) continue;
        const params = candidate.path.match(req.rawPath);
        if (params === undefined) continue;
        target = [candidate, params];
        break;
      }
    }
    return target !== undefined && target[0].fn.middleware.length > 0 ? target : undefined;
  };

  return new PortableFunction('http', { path: '/*' }, [], dispatch as never, functions);
}
