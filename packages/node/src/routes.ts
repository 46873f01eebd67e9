/**
 * The HTTP route table of `serve()`: several http functions (routers or single routes) behind one
 * server, with the same semantics as core's `router()`: 404 for an unknown path, 405 with `Allow`
 * for a known path and another method. A lone router is given every request, so its own
 * middleware (CORS preflights, logging) also sees its 404s.
 */
import {
  allowHeader,
  allowsMethod,
  compilePath,
  type HttpMethod,
  methodsOf,
  type PathPattern,
  type SkyportFunction,
} from '@skyport/core';
import type { NamedFunction, RouteInfo } from './types.js';

interface Route {
  readonly pattern: PathPattern;
  readonly methods: readonly HttpMethod[] | undefined;
}

interface Entry extends NamedFunction {
  readonly routes: readonly Route[];
  readonly isRouter: boolean;
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
  /** Picks the function for a request. */
  match(method: string, path: string): RouteMatch;
  /** The routes, for the startup listing. */
  readonly info: readonly RouteInfo[];
}

function routesOf(fn: SkyportFunction<'http'>): Route[] {
  return (fn.routes ?? [fn]).map((route) => ({
    pattern: compilePath(route.options.path ?? '/'),
    methods: methodsOf(route.options),
  }));
}

/**
 * Builds the route table of the http functions to serve.
 *
 * @example
 * const table = routeTable([{ name: 'api', fn: api }]);
 * table.match('GET', '/orders'); // { found: { name: 'api', fn: api } }
 */
export function routeTable(functions: readonly NamedFunction[]): RouteTable {
  const entries: Entry[] = functions.map(({ name, fn }) => {
    const http = fn as SkyportFunction<'http'>;
    return { name, fn, routes: routesOf(http), isRouter: http.routes !== undefined, found: { found: { name, fn } } };
  });
  const info: RouteInfo[] = entries.flatMap((entry) =>
    entry.routes.map((route) => ({
      methods: route.methods ?? ['*'],
      path: route.pattern.pattern,
      function: entry.name,
      kind: 'http' as const,
    })),
  );
  const only = entries.length === 1 && entries[0]?.isRouter ? entries[0] : undefined;
  if (only) {
    const found = only.found;
    return { info, match: () => found };
  }

  const match = (method: string, path: string): RouteMatch => {
    const allowed = new Set<HttpMethod>();
    let candidate: Entry | undefined;
    let routerCandidate: Entry | undefined;
    for (const entry of entries) {
      for (const route of entry.routes) {
        if (route.pattern.match(path) === undefined) continue;
        if (allowsMethod(route.methods, method)) return entry.found;
        candidate ??= entry;
        if (entry.isRouter) routerCandidate ??= entry;
        for (const allowedMethod of route.methods ?? []) allowed.add(allowedMethod);
      }
    }
    if (candidate === undefined) return { status: 404 };
    if (routerCandidate !== undefined) return routerCandidate.found;
    return { status: 405, allow: allowHeader(allowed) };
  };
  return { info, match };
}
