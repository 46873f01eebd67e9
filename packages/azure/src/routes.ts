/**
 * The HTTP routes of an Azure app as `register()` plans them: the route and methods each http
 * function registers, the refusal of two functions one request would reach alike, and which
 * function of a route answers OPTIONS, with the `Allow` of every function on that route. The
 * host answers a method no function of a route registered with 404 before any function runs, so
 * one function per route must take OPTIONS for preflights and `Allow` to work.
 */
import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';
import { allowHeader, compilePath, type HttpMethod, methodsOf, type SkyportFunction } from '@skyport/core';
import { invalidDefinition } from './errors.js';
import { azureMethods, ROOT_ROUTE, ROUTER_ROUTE, toAzureRoute } from './http.js';
import { asRecord } from './metadata.js';
import type { AzureHttpHandler, AzureSettings } from './types.js';

const everyMethod: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** An http function of a `register()` call. */
export interface HttpFunction {
  readonly name: string;
  readonly fn: SkyportFunction<'http'>;
  readonly settings: AzureSettings;
}

/** An http function as planned: what it registers, and what later plans check against. */
interface RouteEntry {
  readonly name: string;
  readonly fn: SkyportFunction<'http'>;
  /** The route registered: `azure.route`, or the one derived from `path`; none without a path. */
  readonly given: string | undefined;
  /** The route the host serves it on: the one given, else the function name. */
  readonly route: string;
  /** The route as the host tells routes apart. */
  readonly key: string;
  /** The methods it was defined with: every method for a router or a function without `method`. */
  readonly declared: readonly HttpMethod[];
  /** The methods registered: the declared ones, HEAD with GET, OPTIONS for the route's owner. */
  methods: readonly HttpMethod[];
}

/** The http functions registered on an app, across `register()` calls. */
interface AppRoutes {
  readonly entries: RouteEntry[];
  /** The methods of each route, by key: the `Allow` its OPTIONS owner answers with. */
  readonly allow: Map<string, Set<HttpMethod>>;
}

const apps = new WeakMap<object, AppRoutes>();

/**
 * A route as the host tells routes apart: without regard to case or to parameter names
 * (`orders/{id}` and `Orders/{orderId}` are one route).
 */
function routeKey(route: string): string {
  if (route === ROOT_ROUTE) return '';
  return route
    .toLowerCase()
    .replace(/\{\*[^}]*\}/g, '{*}')
    .replace(/\{[^*}][^}]*\}/g, '{}');
}

const hasCors = (fn: SkyportFunction<'http'>) => fn.middleware.some((mw) => mw.name === 'cors');

function entryOf({ name, fn, settings }: HttpFunction): RouteEntry {
  const given =
    settings.route ?? (fn.routes ? ROUTER_ROUTE : fn.options.path ? toAzureRoute(fn.options.path) : undefined);
  const route = given ?? name;
  const declared = fn.routes === undefined ? (methodsOf(fn.options) ?? everyMethod) : everyMethod;
  return { name, fn, given, route, key: routeKey(route), declared, methods: [] };
}

/** The methods one request would reach both functions by. */
function shared(methods: readonly HttpMethod[], others: readonly HttpMethod[]): HttpMethod[] {
  return methods.filter((method) => others.includes(method));
}

/**
 * Refuses a function that serves a method of its route that another function serves too (the
 * same route, without regard to case or parameter names): the host would send every such
 * request to one of them, so the other would never run. Functions registered earlier are checked
 * with the methods they registered, HEAD and OPTIONS included.
 */
function refuseDuplicates(planned: readonly RouteEntry[], earlier: readonly RouteEntry[]): void {
  planned.forEach((entry, i) => {
    const others = [
      ...earlier.map((other) => ({ other, methods: other.methods })),
      ...planned.slice(0, i).map((other) => ({ other, methods: other.declared })),
    ];
    for (const { other, methods } of others) {
      if (other.key !== entry.key) continue;
      const both = shared(entry.declared, methods);
      if (both.length === 0) continue;
      const where = other.route === entry.route ? '' : ` (route ${other.route})`;
      const implied = both.filter((method) => !other.declared.includes(method));
      const hint =
        implied.length === 0
          ? ''
          : ` (register() gave it ${implied.join(', ')} when it was registered; register both in one call)`;
      throw invalidDefinition(
        entry.name,
        'http',
        `${both.join(', ')} ${entry.route} is also served by function "${other.name}"${where}${hint}; one of them would never run`,
      );
    }
  });
}

/** A segment of a route template, as far as `register()` needs to know it. */
type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param' | 'rest'; readonly constrained: boolean }
  | { readonly kind: 'other' };

/**
 * The segments of a route template: literals, `{name}` parameters (`{name:int}` constrained), a
 * catch-all `{*name}` (`rest`), and `other` for what takes more reasoning (an optional parameter,
 * a default, several parts in one segment), which no coverage check counts on.
 */
function segmentsOf(route: string): Segment[] {
  if (route === ROOT_ROUTE) return [];
  return route
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment): Segment => {
      if (!segment.includes('{') && !segment.includes('}')) return { kind: 'literal', text: segment };
      const param = /^\{(\*{1,2})?[A-Za-z_]\w*(:[^{}]*)?\}$/.exec(segment);
      if (param === null || segment.endsWith('?}')) return { kind: 'other' };
      return { kind: param[1] === undefined ? 'param' : 'rest', constrained: param[2] !== undefined };
    });
}

function sameLiteral(segment: Segment | undefined, text: string): boolean {
  return segment?.kind === 'literal' && segment.text.toLowerCase() === text.toLowerCase();
}

/**
 * The path a router on `router` sees for every request `route` matches (the segments its
 * catch-all takes; the whole path for a router without one), or undefined when some request of
 * `route` would not reach the router at all. The host compares literals without regard to case.
 */
function seenBy(route: readonly Segment[], router: readonly Segment[]): readonly Segment[] | undefined {
  for (let i = 0; i < router.length; i++) {
    const own = router[i] as Segment;
    if (own.kind === 'rest') return i === router.length - 1 && !own.constrained ? route.slice(i) : undefined;
    const segment = route[i];
    if (own.kind === 'literal') {
      if (!sameLiteral(segment, own.text)) return undefined;
    } else if (own.kind !== 'param' || own.constrained || (segment?.kind !== 'literal' && segment?.kind !== 'param')) {
      return undefined;
    }
  }
  return route.length === router.length ? route : undefined;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Whether one of a router's routes matches every path of `seen`, as core's router matches: a
 * literal exactly, `:name` any one segment, a trailing `*` whatever follows.
 */
function routerServes(router: SkyportFunction<'http'>, seen: readonly Segment[]): boolean {
  return (router.routes ?? []).some((route) => {
    const key = compilePath(route.options.path ?? '/').key;
    const parts = key === '/' ? [] : key.split('/').slice(1);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (part === '*') return true;
      const segment = seen[i];
      if (part.startsWith(':')) {
        if (segment?.kind !== 'literal' && segment?.kind !== 'param') return false;
      } else if (segment?.kind !== 'literal' || decoded(segment.text) !== part) return false;
    }
    return seen.length === parts.length;
  });
}

/**
 * Whether a router of the app answers OPTIONS for every path of `entry`'s route with a route of
 * its own: its route takes every request of `entry`'s route, and one of its routes matches
 * whatever path it then sees. A router without such a route answers 404, without CORS headers.
 */
function servedByRouter(entry: RouteEntry, all: readonly RouteEntry[]): boolean {
  const route = segmentsOf(entry.route);
  return all.some((other) => {
    if (other.fn.routes === undefined || other === entry) return false;
    const seen = seenBy(route, segmentsOf(other.route));
    return seen !== undefined && routerServes(other.fn, seen);
  });
}

/**
 * Whether a request could match both `route` and a catch-all router's `router` (the last segment
 * a catch-all): what the router's literals leave possible, as the host compares them.
 */
function overlaps(route: readonly Segment[], router: readonly Segment[]): boolean {
  for (let i = 0; i < router.length; i++) {
    const own = router[i] as Segment;
    const segment = route[i];
    if (own.kind === 'rest') return true;
    if (segment === undefined) return false;
    if (segment.kind === 'rest' || segment.kind === 'other') return true;
    if (own.kind === 'literal' && segment.kind === 'literal' && !sameLiteral(segment, own.text)) return false;
  }
  return route.length === router.length;
}

/**
 * The warning for catch-all routers that share paths with other http functions of the app, when
 * this call registers either: the host tries an app's routes in the order of the function names,
 * the first match winning, not the most specific route first, so a request for such a function
 * reaches the router whenever the router's name comes first.
 */
function sharedPathsWarning(planned: readonly RouteEntry[], all: readonly RouteEntry[]): string | undefined {
  const clauses: string[] = [];
  let example: string | undefined;
  for (const router of all) {
    const own = segmentsOf(router.route);
    if (router.fn.routes === undefined || own.at(-1)?.kind !== 'rest') continue;
    const beside = all.filter((other) => other !== router && overlaps(segmentsOf(other.route), own));
    if (beside.length === 0 || ![router, ...beside].some((entry) => planned.includes(entry))) continue;
    example ??= router.name;
    const names = beside.map((other) => `"${other.name}"`).join(', ');
    clauses.push(`the router "${router.name}" (route ${router.route}) takes paths of ${names} too`);
  }
  if (example === undefined) return undefined;
  return (
    `azure: warning: ${clauses.join('; ')}. The Functions host tries routes in function-name order, not the ` +
    'most specific first, so their requests reach whichever comes first. Put every route in the router, or ' +
    `give the router a sub-path route: register(app, fns, { functions: { ${example}: { route: 'shop/{*path}' } } })`
  );
}

/**
 * Refuses a function with `cors()` on a route whose OPTIONS an earlier `register()` call gave to a
 * function without it: registered in one call, the one with `cors()` would take OPTIONS, but the
 * host has the earlier registration already (the library neither changes nor removes one), so its
 * preflights would be answered with `Allow` alone, no CORS headers, and the browser would block
 * them. Only `register()`'s choice is refused: a function that takes OPTIONS itself keeps it, as
 * it does in one call.
 */
function refuseLateCors(planned: readonly RouteEntry[], earlier: readonly RouteEntry[]): void {
  const owner = earlier.find(
    (entry) => entry.methods.includes('OPTIONS') && !entry.declared.includes('OPTIONS') && !hasCors(entry.fn),
  );
  if (owner === undefined) return;
  const late = planned.find((entry) => hasCors(entry.fn));
  if (late === undefined) return;
  const where = owner.route === late.route ? '' : ` (route ${owner.route})`;
  throw invalidDefinition(
    late.name,
    'http',
    `OPTIONS ${late.route} goes to function "${owner.name}"${where}, which an earlier register() call gave it and which has no cors(), ` +
      'so preflights for this function would get no CORS headers; register the functions of the route in one call, where the one with cors() takes OPTIONS',
  );
}

/**
 * Which functions take OPTIONS for their route: one per route, preferring one with `cors()`;
 * none where a function of the route takes OPTIONS itself, or where a router answers OPTIONS for
 * every function of the route (see `servedByRouter`). A preflight for a method a function was not
 * registered with goes to whichever function of the app the host finds next, a catch-all router
 * when there is one; if that router has no route for the path, it answers 404. A function with
 * `cors()` on a route an earlier call gave OPTIONS to one without it is refused (`refuseLateCors`).
 */
function optionsOwners(planned: readonly RouteEntry[], all: readonly RouteEntry[]): Set<RouteEntry> {
  const owners = new Set<RouteEntry>();
  const byKey = new Map<string, RouteEntry[]>();
  for (const entry of planned) byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
  for (const [key, entries] of byKey) {
    const onRoute = all.filter((entry) => entry.key === key);
    if (onRoute.some((entry) => entry.declared.includes('OPTIONS') || entry.methods.includes('OPTIONS'))) {
      refuseLateCors(
        entries,
        onRoute.filter((entry) => !entries.includes(entry)),
      );
      continue;
    }
    if (onRoute.every((entry) => servedByRouter(entry, all))) continue;
    owners.add(entries.find((entry) => hasCors(entry.fn)) ?? (entries[0] as RouteEntry));
  }
  return owners;
}

/**
 * `handler` answering OPTIONS with the `Allow` of every function on its route (`methods`, which
 * functions registered later on the route add to), not its own methods alone.
 */
function withRouteAllow(handler: AzureHttpHandler, methods: ReadonlySet<HttpMethod>): AzureHttpHandler {
  return async (request: AzureHttpRequest, context: InvocationContext) => {
    const response = await handler(request, context);
    const headers = asRecord(response.headers);
    if (request.method.toUpperCase() === 'OPTIONS' && typeof headers?.allow === 'string') {
      headers.allow = allowHeader(methods);
    }
    return response;
  };
}

/** What `planRoutes` decided for the http functions of one `register()` call. */
export interface RoutePlan {
  /** The route to register a function with; undefined for none (the host then serves its name). */
  route(name: string): string | undefined;
  /** The methods to register a function with. */
  methods(name: string): HttpMethod[];
  /** The handler to register a function with: `handler`, answering OPTIONS for its route when it owns that. */
  handler(name: string, handler: AzureHttpHandler): AzureHttpHandler;
  /** One line to print when a catch-all router shares paths with other http functions of the app. */
  readonly warning: string | undefined;
  /** Records the planned functions on the app, once they are registered. */
  commit(): void;
}

/**
 * Plans the routes of the http functions of one `register()` call on `app`, checked against
 * those registered on it before; throws `INVALID_DEFINITION` for two functions one request would
 * reach alike.
 *
 * @example
 * const plan = planRoutes(app, [{ name: 'getOrder', fn: getOrder, settings: {} }]);
 * plan.methods('getOrder'); // ['GET', 'HEAD', 'OPTIONS']
 */
export function planRoutes(app: object, functions: readonly HttpFunction[]): RoutePlan {
  const state = apps.get(app);
  const earlier = state?.entries ?? [];
  const planned = functions.map(entryOf);
  refuseDuplicates(planned, earlier);
  const all = [...earlier, ...planned];
  const owners = optionsOwners(planned, all);
  const allow = new Map<string, Set<HttpMethod>>();
  for (const entry of planned) {
    const onRoute = all.filter((other) => other.key === entry.key && other !== entry);
    // GET answers HEAD unless another function of the route takes HEAD itself.
    const headTaken = onRoute.some((other) => other.declared.includes('HEAD') || other.methods.includes('HEAD'));
    entry.methods = azureMethods(entry.fn, owners.has(entry)).filter(
      (method) => method !== 'HEAD' || entry.declared.includes('HEAD') || !headTaken,
    );
    const methods = allow.get(entry.key) ?? new Set(state?.allow.get(entry.key));
    for (const method of entry.declared) methods.add(method);
    allow.set(entry.key, methods);
  }
  const byName = new Map(planned.map((entry) => [entry.name, entry]));
  const entryNamed = (name: string) => byName.get(name) as RouteEntry;
  return {
    warning: sharedPathsWarning(planned, all),
    route: (name) => entryNamed(name).given,
    methods: (name) => [...entryNamed(name).methods],
    handler(name, handler) {
      const entry = entryNamed(name);
      if (!owners.has(entry)) return handler;
      // The set the app keeps for the route once committed, so later functions of the route count too.
      const methods = state?.allow.get(entry.key) ?? (allow.get(entry.key) as Set<HttpMethod>);
      return withRouteAllow(handler, methods);
    },
    commit() {
      const target = state ?? { entries: [], allow: new Map<string, Set<HttpMethod>>() };
      target.entries.push(...planned);
      for (const [key, methods] of allow) {
        const kept = target.allow.get(key);
        if (kept === undefined) target.allow.set(key, methods);
        else for (const method of methods) kept.add(method);
      }
      if (state === undefined) apps.set(app, target);
    },
  };
}
