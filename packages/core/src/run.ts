/**
 * What adapters call: `runHttp` turns a request into a response (it never throws: errors become
 * problem+json), `runEvent` runs one non-HTTP event (it throws when the handler fails, so the
 * platform retries), and `runBatch` (in `batch.ts`) runs a batch with its failure semantics.
 */
import { endContext } from './context.js';
import { MethodNotAllowed, SkyportError, toHttpError } from './errors.js';
import { createHttpRequest, type HttpRequestInit, isRequestImpl, type RequestImpl } from './http/request.js';
import { problemResponse } from './http/response.js';
import { compilePath, type PathPattern } from './path.js';
import { allowHeader, allowsMethod, methodsOf } from './router.js';
import type { Context, EventOf, HttpRequest, HttpResponse, Kind, SkyportFunction } from './types.js';

const patterns = new WeakMap<SkyportFunction<'http'>, PathPattern | undefined>();

function patternOf(fn: SkyportFunction<'http'>): PathPattern | undefined {
  if (!patterns.has(fn)) patterns.set(fn, fn.options.path === undefined ? undefined : compilePath(fn.options.path));
  return patterns.get(fn);
}

/** Checks the method of a single (unrouted) function and binds its path parameters. */
function bind(fn: SkyportFunction<'http'>, req: RequestImpl): void {
  const methods = methodsOf(fn.options);
  if (!allowsMethod(methods, req.method)) {
    throw new MethodNotAllowed(`${req.method} is not allowed here`, { headers: { allow: allowHeader(methods ?? []) } });
  }
  const pattern = patternOf(fn);
  if (pattern === undefined) return;
  req.route = pattern.pattern;
  // The platform routed the request already; a path that does not match the pattern (a stage
  // or base-path prefix) keeps the parameters the platform extracted.
  const params = pattern.match(req.path);
  if (params !== undefined && Object.keys(params).length > 0) req.setParams({ ...req.params, ...params });
}

/**
 * Runs an http function for one request and returns the normalised response. Never throws:
 * an error becomes RFC 9457 problem+json (500s are logged in full and say nothing more).
 *
 * @example
 * const response = await runHttp(fn, { method: 'GET', path: '/users/1', headers }, ctx);
 */
export async function runHttp(
  fn: SkyportFunction<'http'>,
  request: HttpRequestInit | HttpRequest,
  ctx: Context,
): Promise<HttpResponse> {
  try {
    if (fn.kind !== 'http') {
      throw new SkyportError('KIND_MISMATCH', `runHttp() got a ${fn.kind} function`, { kind: fn.kind, shape: 'http' });
    }
    const req = isRequestImpl(request) ? request : (createHttpRequest(request as HttpRequestInit) as RequestImpl);
    if (!fn.routes) bind(fn, req);
    const response = await fn.dispatch(req, ctx);
    return req.method === 'HEAD' && response.body !== undefined ? { ...response, body: undefined } : response;
  } catch (error) {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) ctx.log.error({ err: error }, `${httpError.status} ${httpError.title}`);
    return problemResponse(httpError, ctx.requestId);
  } finally {
    endContext(ctx);
  }
}

/**
 * Runs a non-HTTP function for one event. Resolves when the handler succeeded (or the event was
 * filtered out by the definition); rejects with the handler's error otherwise, after logging it.
 *
 * @example
 * await runEvent(fn, createScheduleTick({ name: 'nightly', scheduledTime: event.time }), ctx);
 */
export async function runEvent<K extends Kind>(
  fn: SkyportFunction<K>,
  event: EventOf<K>,
  ctx: Context,
): Promise<unknown> {
  try {
    return await fn.dispatch(event, ctx);
  } catch (error) {
    ctx.log.error({ err: error }, `${fn.kind} function failed`);
    throw error;
  } finally {
    endContext(ctx);
  }
}
