/**
 * `cors()`: answers preflight requests and adds CORS headers to every response, error
 * responses included (so browsers can read problem details).
 */
import { addErrorAnswerHeaders, SkyportError } from '../errors.js';
import { isRequestImpl } from '../http/request.js';
import { checkOptions } from '../options.js';
import type { HttpRequest, HttpResponse, Middleware } from '../types.js';
import { createMiddleware } from './create.js';

/** Which origins may call. */
export type CorsOrigin = '*' | string | readonly string[] | RegExp | ((origin: string) => boolean);

/** Options of `cors()`. */
export interface CorsOptions {
  /** Allowed origins (default `*`). */
  readonly origin?: CorsOrigin | undefined;
  /** Allowed methods for preflight (default GET, HEAD, PUT, PATCH, POST, DELETE). */
  readonly methods?: readonly string[] | undefined;
  /**
   * Allowed request headers (default: echo `Access-Control-Request-Headers` when it is a
   * comma-separated list of header names; any other value is not echoed, and the preflight is
   * answered without `Access-Control-Allow-Headers`, so the browser refuses the request).
   */
  readonly allowHeaders?: readonly string[] | undefined;
  /** Response headers the browser may read. */
  readonly exposeHeaders?: readonly string[] | undefined;
  /** Whether cookies / credentials may be sent; needs an explicit `origin` (not `*`). */
  readonly credentials?: boolean | undefined;
  /** Seconds a preflight may be cached: a whole number of at least 0. */
  readonly maxAge?: number | undefined;
}

/** Every option `cors()` takes. */
const optionNames = ['origin', 'methods', 'allowHeaders', 'exposeHeaders', 'credentials', 'maxAge'] as const;

/** A value for a definition error: names and origins, never anything secret, are shown. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

/**
 * Refuses what `origin` cannot be. `true` (Express's "reflect the request's origin") would fail
 * every request; anything else would be taken for `'*'` or match nothing.
 */
function checkOriginType(option: unknown): void {
  if (typeof option === 'string' || Array.isArray(option) || option instanceof RegExp) return;
  if (typeof option === 'function') return;
  const express =
    option === true ? ': to allow any origin write "*" (without credentials), or list the origins allowed' : '';
  throw new SkyportError(
    'INVALID_DEFINITION',
    `cors() origin must be "*", an origin, a list of origins, a RegExp or a function (origin) => boolean, got ${shown(option)}${express}`,
  );
}

/**
 * Refuses a list option given as something else: a comma-separated string (`'GET,POST'`, as
 * Express takes it) would fail every request or every preflight, and a list of other things
 * would be sent as their text.
 */
function checkList(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string') {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cors() ${option} must be a list of names, got the string ${shown(value)}: write ${JSON.stringify(items)}`,
    );
  }
  if (!Array.isArray(value)) {
    throw new SkyportError('INVALID_DEFINITION', `cors() ${option} must be a list of names, got ${shown(value)}`);
  }
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `cors() ${option} must list non-empty names, got ${shown(item)} in it`,
      );
    }
  }
}

/**
 * What an `Origin` header may hold to be echoed: visible ASCII, as every origin a browser sends
 * is. Anything else (a byte outside ASCII, a space, a control character) is no origin, and no
 * response header could carry it.
 */
const ORIGIN_TEXT = /^[\x21-\x7e]+$/;

/** One element of a header-name list: an HTTP token, spaces or tabs around it. */
const LISTED_NAME = /^[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]*[ \t]*$/;

/**
 * Whether `value` (an `Access-Control-Request-Headers`) is a comma-separated list of header
 * names, empty elements allowed, as HTTP lists are: only then is it echoed. Anything else (a
 * byte outside ASCII, a control character) is no list of names, and no response header could
 * carry it.
 */
function headerNameList(value: string): boolean {
  return value.split(',').every((name) => LISTED_NAME.test(name));
}

/**
 * The `Access-Control-Allow-Origin` for a request from `origin` (`undefined`: none). An origin
 * a RegExp or a function matches is echoed, so one no header can carry (see `ORIGIN_TEXT`) is
 * not allowed, whatever the option says: it is never given to the option.
 */
function allowedOrigin(option: CorsOrigin, origin: string | undefined): string | undefined {
  if (option === '*') return '*';
  if (origin === undefined || !ORIGIN_TEXT.test(origin)) return undefined;
  if (typeof option === 'string') return option === origin ? origin : undefined;
  if (option instanceof RegExp) {
    // A `g` or `y` regex keeps where its last match ended: each request starts from the beginning.
    option.lastIndex = 0;
    return option.test(origin) ? origin : undefined;
  }
  if (typeof option === 'function') return option(origin) ? origin : undefined;
  return option.includes(origin) ? origin : undefined;
}

/**
 * The CORS headers with the response's own `Vary` kept: `Origin` is added to the list unless it
 * is one of its fields already (or `*`). A field is a whole name: `X-Origin-Id` is not `Origin`.
 */
function withVary(headers: Record<string, string>, vary: string | undefined): Record<string, string> {
  if (!vary) return headers;
  if (headers.vary === undefined) return { ...headers, vary };
  const fields = vary.split(',').map((field) => field.trim().toLowerCase());
  return fields.includes('origin') || fields.includes('*')
    ? { ...headers, vary }
    : { ...headers, vary: `${vary}, Origin` };
}

/**
 * The spelling a browser gives `origin` in its `Origin` header (the Fetch standard's serialised
 * origin: lower-case, no default port, no path), or `undefined` when it is one already. `null`
 * and origins of other schemes (`chrome-extension://id`, whose URL has no origin of its own) are
 * taken as written when they name no path.
 */
function misspeltOrigin(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'scheme://host[:port]';
  }
  if (url.origin === 'null') return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+$/.test(origin) ? undefined : 'scheme://host';
  return url.origin === origin ? undefined : url.origin;
}

/** Refuses an origin no browser sends: it would match no request, and CORS would quietly fail. */
function checkOrigins(option: CorsOrigin): void {
  const listed = typeof option === 'string' ? (option === '*' ? [] : [option]) : Array.isArray(option) ? option : [];
  for (const origin of listed as readonly unknown[]) {
    const meant = typeof origin === 'string' ? misspeltOrigin(origin) : 'a string';
    if (meant !== undefined) {
      const write = meant.startsWith('scheme:') || meant === 'a string' ? `it as ${meant}` : JSON.stringify(meant);
      throw new SkyportError(
        'INVALID_DEFINITION',
        `cors() origin ${JSON.stringify(origin)} is no origin a browser sends (lower case, no default port, no path): write ${write}`,
      );
    }
  }
}

/**
 * CORS for http functions (a type error on any other kind).
 *
 * What it would echo of the request is checked first, and what fails is answered as any other
 * request it does not allow: an `Origin` with a character no header can carry (outside visible ASCII) is not allowed, even
 * by a RegExp or function `origin`; an `Access-Control-Request-Headers` that is not a
 * comma-separated list of header names is not echoed (the preflight is answered 204 without
 * `Access-Control-Allow-Headers`, and the browser refuses the request).
 *
 * @example
 * export const api = router(getOrder, createOrder).use(cors({ origin: ['https://shop.example'], credentials: true }));
 */
export function cors(options: CorsOptions = {}): Middleware<'http'> {
  if (typeof options === 'string') {
    // `cors('https://shop.example')`, as some frameworks take the origin: it would allow any.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cors() takes an options object, not an origin: write cors({ origin: ${JSON.stringify(options)} })`,
    );
  }
  // A misspelt name would be dropped: `origins` would leave the default, any origin.
  checkOptions('cors()', options, optionNames);
  if (options.origin !== undefined) checkOriginType(options.origin);
  for (const option of ['methods', 'allowHeaders', 'exposeHeaders'] as const) checkList(option, options[option]);
  // A string such as 'false' would be read as true.
  if (options.credentials !== undefined && typeof options.credentials !== 'boolean') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cors() credentials must be true or false, got ${shown(options.credentials)}`,
    );
  }
  const option = options.origin ?? '*';
  const credentials = options.credentials ?? false;
  if (credentials && option === '*') {
    // Echoing any origin with credentials lets every website make logged-in requests.
    throw new SkyportError(
      'INVALID_DEFINITION',
      'cors({ credentials: true }) needs an explicit origin allowlist, not "*"',
    );
  }
  if (Array.isArray(option) && option.some((origin) => typeof origin === 'string' && origin.trim() === '*')) {
    // No browser sends the origin `*`: in a list it would match nothing, and CORS would quietly fail.
    throw new SkyportError(
      'INVALID_DEFINITION',
      'cors() origin lists name origins ("https://shop.example"); "*" in a list matches none: write origin: "*" (without credentials)',
    );
  }
  checkOrigins(option);
  const seconds = options.maxAge;
  if (seconds !== undefined && !(Number.isSafeInteger(seconds) && seconds >= 0)) {
    // `Access-Control-Max-Age` is a whole number of seconds: browsers ignore anything else, and
    // every request would be preflighted again, with no word of why.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cors(): maxAge must be a whole number of seconds of at least 0, got ${String(seconds)}`,
    );
  }
  const methods = (options.methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']).join(', ');
  const expose = options.exposeHeaders?.join(', ');
  const varies = option !== '*' || credentials;
  const maxAge = options.maxAge === undefined ? undefined : String(options.maxAge);

  const headersFor = (req: HttpRequest): Record<string, string> => {
    const headers: Record<string, string> = {};
    const origin = allowedOrigin(option, req.header('origin'));
    if (origin !== undefined) headers['access-control-allow-origin'] = origin;
    if (origin !== undefined && credentials) headers['access-control-allow-credentials'] = 'true';
    if (origin !== undefined && expose) headers['access-control-expose-headers'] = expose;
    if (varies) headers.vary = 'Origin';
    return headers;
  };

  return createMiddleware<'http'>({
    name: 'cors',
    kinds: ['http'],
    async handle(req, _ctx, next): Promise<HttpResponse> {
      const headers = headersFor(req);
      // Asked for before anything else runs, not when `next()` rejects: an error answered outside
      // (a `timeout()` 504 while `next()` is awaited, a middleware failing after this returned)
      // carries them too. The error itself goes on as thrown, for middleware outside to map.
      if (isRequestImpl(req)) addErrorAnswerHeaders(req, headers);
      if (req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined) {
        // A copy: the headers asked for on the error answer are those of any other response.
        const preflight = { ...headers };
        if (preflight['access-control-allow-origin'] !== undefined) {
          preflight['access-control-allow-methods'] = methods;
          const asked = req.header('access-control-request-headers');
          // An echoed value that is no list of names would be a header no platform can send.
          const requested =
            options.allowHeaders?.join(', ') ?? (asked !== undefined && headerNameList(asked) ? asked : undefined);
          if (requested) preflight['access-control-allow-headers'] = requested;
          // Echoed, the allowed headers depend on the request's: a cache must not replay them.
          if (options.allowHeaders === undefined) {
            preflight.vary = preflight.vary
              ? `${preflight.vary}, Access-Control-Request-Headers`
              : 'Access-Control-Request-Headers';
          }
          if (maxAge !== undefined) preflight['access-control-max-age'] = maxAge;
        }
        return { status: 204, headers: preflight, cookies: [], body: undefined };
      }
      const response = await next();
      // The answer's `Vary` under any spelling (`Vary` from a middleware that spreads headers in),
      // its values kept and joined: a cache must not replay one origin's answer to another.
      let vary: string | undefined;
      let own = response.headers;
      for (const key in response.headers) {
        if (key !== 'vary' && key.length === 4 && key.toLowerCase() === 'vary') {
          if (own === response.headers) own = { ...response.headers };
          vary = vary === undefined ? own[key] : `${vary}, ${own[key]}`;
          delete own[key];
        }
      }
      if (own.vary !== undefined) vary = vary === undefined ? own.vary : `${own.vary}, ${vary}`;
      return { ...response, headers: { ...own, ...withVary(headers, vary) } };
    },
  });
}
