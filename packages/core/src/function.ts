/**
 * The runtime behind every portable function: the inert definition (kind, options, middleware,
 * handler) and the dispatch that runs middleware, validation and the handler for one event.
 */
import { compose, type Dispatch } from './compose.js';
import { SkyportError, UnsupportedMediaType, type ValidationIssue } from './errors.js';
import { hasSettableBody } from './events.js';
import { checkBodyLimit, DEFAULT_BODY_LIMIT, isRequestImpl, type RequestImpl } from './http/request.js';
import { isHttpResponse, isResponseInit, normalizeResponse } from './http/response.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type {
  AnyMiddleware,
  ChangeEvent,
  CloudEvent,
  Context,
  EventOf,
  HttpResponse,
  Kind,
  KindOptions,
  MiddlewareResult,
  SkyportFunction,
  StorageEvent,
} from './types.js';
import { validate } from './validate.js';

/** A handler as stored at run time. */
export type AnyHandler = (event: never, ctx: never) => unknown;

/** Normalises what a middleware returned into an `HttpResponse`. */
function toResponse(value: unknown): HttpResponse | Promise<HttpResponse> {
  return isHttpResponse(value) ? value : normalizeResponse(value);
}

const production = () => process.env.NODE_ENV === 'production';

/** Collects validation issues of several parts before failing once with all of them. */
function collect(
  issues: ValidationIssue[],
  schema: StandardSchemaV1,
  value: unknown,
  location: string,
  set: (value: unknown) => void,
): Promise<void> | undefined {
  const settle = (result: unknown) => set(result);
  const fail = (error: unknown) => {
    if (error instanceof SkyportError && error.errors) issues.push(...error.errors);
    else throw error;
  };
  try {
    const result = validate(schema, value, location);
    if (result instanceof Promise) return result.then(settle, fail);
    settle(result);
  } catch (error) {
    fail(error);
  }
  return undefined;
}

function validationError(issues: ValidationIssue[]): SkyportError {
  const parts = [...new Set(issues.map((issue) => issue.path.split('.')[0]))].join(', ');
  return new SkyportError('VALIDATION', `invalid request ${parts}`, { errors: issues });
}

/** Validates the request parts the definition has schemas for, then runs the handler. */
function httpInner(options: KindOptions['http'], handler: AnyHandler): Dispatch<RequestImpl, HttpResponse> {
  const { body, query, params, headers, response } = options;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const hasSchemas = body !== undefined || query !== undefined || params !== undefined || headers !== undefined;
  const run = handler as (req: RequestImpl, ctx: Context) => unknown;

  const respond = async (req: RequestImpl, ctx: Context): Promise<HttpResponse> => {
    const result = await run(req, ctx);
    if (response !== undefined && !production() && !(result instanceof Response)) {
      const value = isResponseInit(result) ? result.body : result;
      const status = isResponseInit(result) ? result.status : 200;
      if (status < 300 && value !== undefined) await validate(response, value, 'response');
    }
    return normalizeResponse(result);
  };

  if (!hasSchemas) {
    return (req, ctx) => {
      checkBodyLimit(req, limit);
      return respond(req, ctx);
    };
  }

  return async (req, ctx) => {
    checkBodyLimit(req, limit);
    const issues: ValidationIssue[] = [];
    const pending: Promise<void>[] = [];
    const add = (p: Promise<void> | undefined) => p && pending.push(p);
    if (params) add(collect(issues, params, req.params, 'params', (v) => req.setValidated('params', v)));
    if (query) add(collect(issues, query, req.query, 'query', (v) => req.setValidated('query', v)));
    if (headers) add(collect(issues, headers, req.rawHeaders, 'headers', (v) => req.setValidated('headers', v)));
    if (body) {
      const type = req.empty ? 'none' : bodyTypeFor(req);
      if (type !== 'json' && type !== 'form' && type !== 'none') {
        throw new UnsupportedMediaType(`expected a JSON body, got ${req.header('content-type')}`, {
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      const parsed = req.parseBody(type);
      add(collect(issues, body, parsed, 'body', (v) => req.setValidated('body', v)));
    }
    if (pending.length > 0) await Promise.all(pending);
    if (issues.length > 0) throw validationError(issues);
    return respond(req, ctx);
  };
}

/** The body type for a request to a function with a body schema: no content type means JSON. */
function bodyTypeFor(req: RequestImpl): 'json' | 'form' | 'text' | 'binary' {
  const contentType = req.header('content-type');
  if (!contentType) return 'json';
  const semi = contentType.indexOf(';');
  const media = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json' || media.endsWith('+json')) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  return media.startsWith('text/') ? 'text' : 'binary';
}

/** Whether a non-http event passes the definition's filters (storage `on`/prefix, event `type`). */
function accepts(kind: Kind, options: KindOptions[Kind], event: unknown): boolean {
  if (kind === 'storage') {
    const o = options as KindOptions['storage'];
    const e = event as StorageEvent;
    if (o.on && !o.on.includes(e.type)) return false;
    if (o.prefix && !e.key.startsWith(o.prefix)) return false;
    if (o.suffix && !e.key.endsWith(o.suffix)) return false;
  } else if (kind === 'events') {
    const o = options as KindOptions['events'];
    const e = event as CloudEvent;
    if (o.type !== undefined && !(typeof o.type === 'string' ? o.type === e.type : o.type.includes(e.type)))
      return false;
    if (o.source !== undefined && o.source !== e.source) return false;
  }
  return true;
}

/** Validates the payload of a non-http event against the definition's schema. */
async function validateEvent(kind: Kind, options: KindOptions[Kind], event: unknown): Promise<unknown> {
  if (kind === 'queue' || kind === 'stream') {
    const schema = (options as KindOptions['queue']).body;
    if (schema === undefined || !hasSettableBody(event)) return event;
    const value = await validate(schema, (event as unknown as { body: unknown }).body, 'body');
    event.setBody(value);
    return event;
  }
  if (kind === 'changes') {
    const schema = (options as KindOptions['changes']).item;
    if (schema === undefined) return event;
    const change = event as ChangeEvent;
    const before = change.before === undefined ? undefined : await validate(schema, change.before, 'before');
    const after = change.after === undefined ? undefined : await validate(schema, change.after, 'after');
    return { ...change, before, after };
  }
  if (kind === 'events') {
    const schema = (options as KindOptions['events']).data;
    if (schema === undefined) return event;
    const cloudEvent = event as CloudEvent;
    return { ...cloudEvent, data: await validate(schema, cloudEvent.data, 'data') };
  }
  return event;
}

/** The runtime class behind `SkyportFunction`. */
export class PortableFunction<K extends Kind> implements SkyportFunction<K> {
  readonly kind: K;
  readonly options: KindOptions[K];
  readonly middleware: readonly AnyMiddleware[];
  readonly routes: readonly SkyportFunction<'http'>[] | undefined;
  readonly handler: AnyHandler;
  readonly #dispatch: Dispatch<EventOf<K>, MiddlewareResult<K>>;

  constructor(
    kind: K,
    options: KindOptions[K],
    middleware: readonly AnyMiddleware[],
    handler: AnyHandler,
    routes?: readonly SkyportFunction<'http'>[],
  ) {
    this.kind = kind;
    this.options = options;
    this.middleware = middleware;
    this.handler = handler;
    this.routes = routes;
    this.#dispatch = this.#build();
  }

  #build(): Dispatch<EventOf<K>, MiddlewareResult<K>> {
    const { kind, options, middleware, handler } = this;
    if (kind === 'http') {
      const inner = this.routes
        ? (handler as unknown as Dispatch<RequestImpl, HttpResponse>)
        : httpInner(options as KindOptions['http'], handler);
      const chain = compose(middleware, inner, toResponse);
      return ((req: EventOf<'http'>, ctx: Context) => {
        if (!isRequestImpl(req)) {
          return Promise.reject(
            new SkyportError('INVALID_EVENT', 'an http function needs a request made by createHttpRequest()'),
          );
        }
        return chain(req, ctx);
      }) as unknown as Dispatch<EventOf<K>, MiddlewareResult<K>>;
    }
    const run = handler as (event: unknown, ctx: Context) => unknown;
    const needsValidation = kind === 'queue' || kind === 'stream' || kind === 'changes' || kind === 'events';
    const inner: Dispatch<unknown, unknown> = needsValidation
      ? async (event, ctx) => run(await validateEvent(kind, options, event), ctx)
      : async (event, ctx) => run(event, ctx);
    const chain = compose(middleware, inner);
    return ((event: unknown, ctx: Context) =>
      accepts(kind, options, event) ? chain(event, ctx) : Promise.resolve(undefined)) as Dispatch<
      EventOf<K>,
      MiddlewareResult<K>
    >;
  }

  dispatch(event: EventOf<K>, ctx: Context): Promise<MiddlewareResult<K>> {
    return this.#dispatch(event, ctx);
  }

  use(mw: object): SkyportFunction<K> {
    const any = mw as unknown as AnyMiddleware;
    checkKind(this.kind, any);
    return new PortableFunction(this.kind, this.options, [...this.middleware, any], this.handler, this.routes);
  }
}

/** Rejects, at definition time, a middleware that does not accept the function's kind. */
export function checkKind(kind: Kind, mw: AnyMiddleware): void {
  if (mw.kinds !== undefined && !mw.kinds.includes(kind)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `middleware "${mw.name}" accepts ${mw.kinds.join(', ')} functions, not ${kind}`,
      { kind },
    );
  }
}
