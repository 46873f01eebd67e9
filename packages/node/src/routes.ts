/**
 * The HTTP route table of `serve()`: several http functions (routers or single routes) behind one
 * server, with the same semantics as core's `router()`: the most specific route first, whatever
 * the order the functions are given in, 404 for an unknown path, 405 with `Allow` for a known
 * path and another method. A lone router is given every request, so its own
 * middleware (CORS preflights, logging) also sees its 404s. A request of another method (an
 * `OPTIONS` one included) on a path that one function serves goes to that function, as it would
 * on any cloud: its own pipeline answers the 405 or the preflight, with its middleware's headers.
 * A router is one function among others here: on a path it shares, its routes add their methods
 * to the path's `Allow`, and a preflight for one of its routes goes to it.
 */
import {
  allowHeader,
  allowsMethod,
  byPrecedence,
  compilePath,
  type HttpMethod,
  methodsOf,
  overlap,
  type PathPattern,
  SkyportError,
  type SkyportFunction,
} from '@skyport/core';
import type { NamedFunction, RouteInfo } from './types.js';

interface Route {
  readonly path: PathPattern;
  readonly methods: readonly HttpMethod[] | undefined;
  /**
   * Whether a request for this route meets middleware on its way: the function's own, or for a
   * route of a router, the router's or the route's.
   */
  readonly middleware: boolean;
}

/** One route of one function, in the order routes are tried. */
interface Candidate {
  readonly entry: Entry;
  readonly route: Route;
}

interface Entry extends NamedFunction {
  readonly routes: readonly Route[];
  readonly isRouter: boolean;
  /** A function without a path: it takes only paths no other function's route matches. */
  readonly pathless: boolean;
  /** The match result for this entry, built once rather than per request. */
  readonly found: { readonly found: NamedFunction };
}

/** Where a request goes. */
export type RouteMatch =
  | { readonly found: NamedFunction }
  | { readonly status: 404 }
  | { readonly status: 405; readonly allow: string };

/** The route table. */
export interface RouteTable {
  /**
   * Picks the function for a request. `path` is as sent (percent-encoded, no query): segments are
   * decoded one by one, so an encoded `/` never splits a segment (core's `router()` semantics).
   */
  match(method: string, path: string): RouteMatch;
  /**
   * Where a request goes that no route takes as such (`match` said 405): the function when one
   * function serves the path, whatever the method (its own pipeline answers the 405 or the
   * `OPTIONS` request, `cors()` included, as on every cloud). On a path several functions share,
   * an `OPTIONS` request that is a CORS preflight (`requested` is its
   * `Access-Control-Request-Method`) goes to the function for that method when it has middleware
   * of its own (a router when its route for that method, or the router itself, has middleware), as
   * core's `router()` does; otherwise `undefined`: the path's own 405, or 204 with
   * the union `Allow` for `OPTIONS`, as `router()` answers for routes of its own.
   */
  refused(method: string, path: string, requested: string | undefined): { readonly found: NamedFunction } | undefined;
  /** The routes, for the startup listing. */
  readonly info: readonly RouteInfo[];
}

/**
 * The routes of a function: a router's, or the function's own path. A function without a path
 * takes every path, as it does on Lambda and under `invoke()`: `/*`, after every other route; a
 * router's route without one is `/*` too (the router tries it after its routes with a path).
 */
function routesOf(fn: SkyportFunction<'http'>): Route[] {
  const middleware = fn.middleware.length > 0;
  if (fn.routes === undefined && fn.options.path === undefined) {
    return [{ path: compilePath('/*'), methods: methodsOf(fn.options), middleware }];
  }
  return (fn.routes ?? [fn]).map((route) => ({
    path: compilePath(route.options.path ?? '/*'),
    methods: methodsOf(route.options),
    middleware: middleware || route.middleware.length > 0,
  }));
}

const pathless = (entry: NamedFunction): boolean => {
  const fn = entry.fn as SkyportFunction<'http'>;
  return fn.routes === undefined && fn.options.path === undefined;
};

/**
 * A pattern as it matches, whatever its parameters are named (`/orders/:id` and `/orders/:key`
 * alike): the shape core's `overlap()` compares, so only routes of one shape can overlap.
 */
const shapeOf = (path: PathPattern): string =>
  path.key
    .split('/')
    .map((segment) => (segment.startsWith(':') ? ':' : segment))
    .join('/');

/**
 * Refuses two functions one request would reach alike (the same path shape and a method in
 * common), as `router()` refuses a route listed twice: the one tried first would always answer.
 * Routes are compared within their shape only, so a thousand routes cost a thousand steps, not a
 * million; routes of one shape that do not overlap have no method in common, so there are few.
 */
function refuseDuplicates(entries: readonly Entry[]): void {
  const routes = entries.flatMap((entry) => entry.routes.map((route) => ({ entry, route })));
  const shapes = routes.map(({ route }) => shapeOf(route.path));
  const byShape = new Map<string, number[]>();
  for (const [i, shape] of shapes.entries()) {
    const group = byShape.get(shape);
    if (group === undefined) byShape.set(shape, [i]);
    else group.push(i);
  }
  // The first pair in the order the functions are given, as comparing every pair in turn finds it.
  for (const [i, first] of routes.entries()) {
    for (const j of byShape.get(shapes[i] as string) ?? []) {
      if (j <= i) continue;
      const second = routes[j] as Candidate;
      // A router's own routes were checked when it was made.
      if (first.entry === second.entry) continue;
      const shared = overlap(first.route, second.route);
      if (shared.length === 0) continue;
      throw new SkyportError(
        'INVALID_DEFINITION',
        `serve(): ${shared.join(', ')} ${second.route.path.pattern} is served by both ${first.entry.name} and ${second.entry.name}; one of them would never run`,
        { kind: 'http' },
      );
    }
  }
}

/**
 * Builds the route table of the http functions to serve.
 *
 * @example
 * const table = routeTable([{ name: 'api', fn: api }]);
 * table.match('GET', '/orders'); // { found: { name: 'api', fn: api } }
 */
export function routeTable(functions: readonly NamedFunction[]): RouteTable {
  // Functions without a path take what no other route does.
  const ordered = [...functions.filter((entry) => !pathless(entry)), ...functions.filter(pathless)];
  const entries: Entry[] = ordered.map(({ name, fn }) => {
    const http = fn as SkyportFunction<'http'>;
    return {
      name,
      fn,
      routes: routesOf(http),
      isRouter: http.routes !== undefined,
      pathless: pathless({ name, fn }),
      found: { found: { name, fn } },
    };
  });
  const info: RouteInfo[] = entries.flatMap((entry) =>
    entry.routes.map((route) => ({
      methods: route.methods ?? ['*'],
      path: route.path.pattern,
      function: entry.name,
      kind: 'http' as const,
    })),
  );
  const only = entries.length === 1 && entries[0]?.isRouter ? entries[0] : undefined;
  if (only) {
    const found = only.found;
    return { info, match: () => found, refused: () => found };
  }

  refuseDuplicates(entries);
  // Every route of every function, the most specific first (as `router()` orders its own), and
  // those of functions without a path last: they take a path only when no route of another does.
  const candidates: Candidate[] = entries
    .flatMap((entry) => entry.routes.map((route) => ({ entry, route })))
    .sort(
      (first, second) =>
        Number(first.entry.pathless) - Number(second.entry.pathless) || byPrecedence(first.route, second.route),
    );

  const match = (method: string, path: string): RouteMatch => {
    const allowed = new Set<HttpMethod>();
    let candidate: Entry | undefined;
    let shared = false;
    for (const { entry, route } of candidates) {
      if (entry.pathless && candidate !== undefined && !candidate.pathless) break;
      if (route.path.match(path) === undefined) continue;
      if (allowsMethod(route.methods, method)) return entry.found;
      candidate ??= entry;
      if (entry !== candidate) shared = true;
      for (const allowedMethod of route.methods ?? []) allowed.add(allowedMethod);
    }
    if (candidate === undefined) return { status: 404 };
    // A router alone on the path answers its 405 and OPTIONS itself, through its own middleware; on
    // a path it shares, the path's answer is everyone's (`refused`), as one `router()` of all gives.
    if (candidate.isRouter && !shared) return candidate.found;
    return { status: 405, allow: allowHeader(allowed) };
  };

  // Only reached for a request that `match` refused, so never on the path of one it routes.
  const refused = (
    method: string,
    path: string,
    requested: string | undefined,
  ): { readonly found: NamedFunction } | undefined => {
    const matching = entries.filter((entry) => entry.routes.some((route) => route.path.match(path) !== undefined));
    const routed = matching.filter((entry) => !entry.pathless);
    const serving = routed.length > 0 ? routed : matching;
    if (serving.length === 1) return serving[0]?.found;
    if (method !== 'OPTIONS') return undefined;
    const wanted = requested?.trim().toUpperCase();
    if (!wanted) return undefined;
    // The function the announced request would reach, as `match` chooses it, if its route has
    // middleware: a router's (or its route's) included, so the route's `cors()` answers.
    const target = candidates.find(
      ({ entry, route }) =>
        serving.includes(entry) && allowsMethod(route.methods, wanted) && route.path.match(path) !== undefined,
    );
    return target?.route.middleware ? target.entry.found : undefined;
  };
  return { info, match, refused };
}
