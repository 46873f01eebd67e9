/**
 * Realistic AWS events built from portable ones, for `fromLambda` handlers running outside
 * Lambda (through `invoke()`, the Node server, Azure or GCP): an HTTP API 2.0, REST API or load
 * balancer request (with the authorizer data of `ctx.auth`, when a middleware set it), an SQS,
 * Kinesis, DynamoDB Streams or S3 record, a scheduled event, an EventBridge event. Only needed
 * off Lambda, so `fromLambda` imports it on first use; it imports nothing from the package entry
 * (the DynamoDB encoder comes as an argument) so that no shared module is split out of it.
 */
import {
  type ChangeEvent,
  type CloudEvent,
  type Context,
  encodeBase64,
  type HttpRequest,
  type Message,
  type ScheduleTick,
  type StorageEvent,
  type StreamRecord,
  setOwn,
} from '@skyport/core';
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  DynamoDBRecord,
  EventBridgeEvent,
  KinesisStreamRecord,
  S3EventRecord,
  ScheduledEvent,
  SQSRecord,
} from 'aws-lambda';
import type { marshall } from './attribute-value.js';

/** The account id of synthesised ARNs and URLs (the one AWS's own sample events use). */
export const account = '123456789012';

/** MD5 hex of a body, as SQS reports it; `node:crypto` loads only when a record is synthesised. */
function md5(text: string): string {
  return md5Of([text]);
}

/** MD5 hex of the parts one after the other (text as UTF-8). */
function md5Of(parts: readonly (string | Uint8Array)[]): string {
  const crypto = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const hash = crypto.createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * `md5OfMessageAttributes` of string attributes, as SQS computes it: over the attributes sorted
 * by name, each as its name, its data type, the transport type 1 (a string value) and its
 * value, every one of these but the transport type after its UTF-8 length in four big-endian
 * bytes.
 */
function md5OfAttributes(attributes: Readonly<Record<string, string>>, dataType: string): string {
  const parts: Uint8Array[] = [];
  const field = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.byteLength);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field(dataType);
    parts.push(new Uint8Array([1]));
    field(attributes[name] as string);
  }
  return md5Of(parts);
}
/** The region of synthesised ARNs: the context's, else `us-east-1`. */
export const regionOf = (ctx: Context) => ctx.region ?? 'us-east-1';
/** An ISO 8601 time without milliseconds, as EventBridge writes `time`. */
export const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function clf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * Whether HTTP API passes a body of this content type as text: `text/*`, JSON, XML and
 * JavaScript (suffixes such as `+json` included). Any other body, one without a content type
 * and a urlencoded form among them, reaches the handler base64-encoded.
 */
function textual(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type) return false;
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    /\/[^/]*\+(?:json|xml)$/.test(type)
  );
}

/**
 * The request's path, percent-encoded as the client sent it: the portable request's own raw path
 * (an encoded `/` stays encoded), else the decoded path encoded again. The portable path, not the
 * one in `req.url`: that is the platform's (Azure's carries its `/api` prefix), and a Lambda
 * handler routes on the path the function is bound to.
 */
function pathOf(req: HttpRequest): string {
  const raw = (req as { readonly rawPath?: unknown }).rawPath;
  try {
    // Escapes are kept as they are; a character a client would have escaped (a hand-made path
    // with a space) is escaped here.
    if (typeof raw === 'string' && raw.startsWith('/'))
      return raw.replace(/[^\w\-.~!$&'()*+,;=:@/%]/g, encodeURIComponent);
  } catch {
    // A lone surrogate, which `encodeURIComponent` rejects: the decoded path below.
  }
  const path = req.path;
  try {
    return encodeURI(path).replace(/[?#]/g, encodeURIComponent);
  } catch {
    // A hand-made path with a lone surrogate, which `encodeURI` rejects.
    return path;
  }
}

/**
 * A path as HTTP API hands it to the function, percent-decoded: `/files/100%25%20off.txt` is
 * `/files/100% off.txt`, and an encoded `/` a plain one. A run of escapes that does not decode (a
 * `%` not followed by two hex digits, bytes that are not UTF-8) stays as it is, so a malformed
 * path gives a path, never an error.
 */
function decodedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * The host the client asked for: its `host` header, else the host of the request URL (a request
 * made by hand may have no header), else `localhost`.
 */
function hostOf(req: HttpRequest): string {
  const header = req.header('host');
  if (header !== undefined && header !== '') return header;
  try {
    return new URL(req.url).host || 'localhost';
  } catch {
    return 'localhost';
  }
}

/**
 * The `host` and `x-forwarded-*` headers API Gateway and load balancers add to every request:
 * the host the client asked for, the client's address, and the port and scheme of the request URL
 * (443 and https when it gives none). Names are lower-case; each is added where the request has
 * none of its own.
 */
function forwardedHeaders(req: HttpRequest, host: string): [name: string, value: string][] {
  let url: URL | undefined;
  try {
    url = new URL(req.url);
  } catch {
    url = undefined;
  }
  const proto = url?.protocol === 'http:' ? 'http' : 'https';
  const port = url?.port || (proto === 'http' ? '80' : '443');
  const added: [string, string][] = [
    ['host', host],
    ['x-forwarded-for', req.ip ?? '127.0.0.1'],
    ['x-forwarded-port', port],
    ['x-forwarded-proto', proto],
  ];
  return added.filter(([name]) => req.header(name) === undefined);
}

/**
 * A header name as a REST API passes it on: as the client sent it. The portable request keeps
 * names lower-case only, so each dash-separated word is capitalised, as HTTP/1.1 clients (curl,
 * browsers, SDKs) send them: `content-type` is `Content-Type`, `x-api-key` is `X-Api-Key`.
 */
function restHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * The query of the request URL, when it parses to the request's query: a platform that hands
 * over the query parsed (Azure) keeps the text as sent in the URL.
 */
function urlQuery(req: HttpRequest, serialised: string): string | undefined {
  const url = req.url;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const hash = url.indexOf('#', q);
  const text = url.slice(q + 1, hash < 0 ? undefined : hash);
  return new URLSearchParams(text).toString() === serialised ? text : undefined;
}

/**
 * The query as the client sent it: the portable request's own raw query, or the query of its URL,
 * else the parsed query serialised. Only the characters a URL parser escapes in a query
 * (controls, space, `"`, `#`, `<`, `>`, non-ASCII), which a query written by hand or decoded by
 * the platform may hold, are escaped; every other character and escape stays as it is, so a
 * handler that checks a signature over the query sees the bytes that were signed.
 */
function queryOf(req: HttpRequest): string {
  const serialised = req.queryAll.toString();
  let raw = (req as { readonly rawQuery?: unknown }).rawQuery;
  if (raw === serialised) raw = urlQuery(req, serialised) ?? raw;
  try {
    // The class is printable ASCII without `"`, `#`, `<` and `>`.
    if (typeof raw === 'string') return raw.replace(/[^!$-;=?-~]/gu, encodeURIComponent);
  } catch {
    // A lone surrogate, which `encodeURIComponent` rejects: the parsed query below.
  }
  return serialised;
}

/**
 * The route key HTTP API gives a request of a route, `GET /items/{id}`: the matched route pattern
 * in HTTP API's syntax (`:name` is `{name}`, a trailing `*` is `{proxy+}`), after the request's
 * method, or `ANY` for a function that takes every method. `$default` when no route matched.
 */
function routeKeyOf(req: HttpRequest, anyMethod: boolean): string {
  const resource = resourceOf(req);
  return resource === undefined ? '$default' : `${anyMethod ? 'ANY' : req.method} ${resource}`;
}

/** The matched route in API Gateway's syntax (`/items/{id}`, `/files/{proxy+}`), if any. */
function resourceOf(req: HttpRequest): string | undefined {
  const route = req.route;
  if (route === undefined) return undefined;
  // A trailing slash is no part of the route (core ignores it when matching).
  const path = route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route;
  const segments = path.split('/').map((segment, i, all) => {
    if (segment.startsWith(':')) return `{${segment.slice(1)}}`;
    return segment === '*' && i === all.length - 1 ? '{proxy+}' : segment;
  });
  return segments.join('/');
}

/** The path parameters of a route in API Gateway's names (a trailing `*` is `proxy`), or null. */
function pathParametersOf(req: HttpRequest, resource: string | undefined): Record<string, string> | null {
  if (Object.keys(req.params).length === 0) return null;
  const { '*': rest, ...named } = req.params;
  // The rest of the path a trailing `*` binds is the `{proxy+}` parameter of the route.
  return rest !== undefined && resource?.endsWith('{proxy+}') ? { ...named, proxy: rest } : { ...req.params };
}

/** The body as an HTTP event carries it: text for text types, base64 for others; none when empty. */
function eventBody(req: HttpRequest): { body: string | undefined; isBase64Encoded: boolean } {
  const bytes = req.rawBody;
  if (bytes.byteLength === 0) return { body: undefined, isBase64Encoded: false };
  const binary = !textual(req.header('content-type'));
  return { body: binary ? encodeBase64(bytes) : textOf(bytes), isBase64Encoded: binary };
}

/** UTF-8 that fails on bytes that are not UTF-8 and keeps a byte order mark, so text is the bytes sent. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 that keeps a byte order mark (invalid sequences become U+FFFD). */
const utf8KeepingBom = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Text as AWS hands it over: every character sent, a leading byte order mark included (a handler
 * that checks a signature over the body needs the bytes that were signed).
 *
 * @example
 * textOf(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])); // '\ufeff{}'
 */
export function textOf(bytes: Uint8Array): string {
  return utf8KeepingBom.decode(bytes);
}

/**
 * The body as a REST API without `binaryMediaTypes` hands it over: UTF-8 text whatever its type
 * (a urlencoded form, a body without a content type), `null` when empty. Only bytes that are not
 * UTF-8, which such an API would not pass on intact, are base64: the handler still gets them as
 * they were sent, as it would with their type in `binaryMediaTypes`.
 */
function restBody(req: HttpRequest): { body: string | null; isBase64Encoded: boolean } {
  const bytes = req.rawBody;
  if (bytes.byteLength === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: strictUtf8.decode(bytes), isBase64Encoded: false };
  } catch {
    return { body: encodeBase64(bytes), isBase64Encoded: true };
  }
}

/** The caller an auth middleware (or a test's preset `auth`) put on the context, read defensively. */
interface Caller {
  readonly subject: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly scopes: readonly string[];
  /** A Lambda authorizer's principal: its claims are the context that authorizer returned. */
  readonly lambda: boolean;
}

/**
 * `ctx.auth` as a caller, or `undefined` when there is none. Any value may be preset in a test,
 * so each field is checked: claims that are not an object are none, scopes that are not strings
 * are dropped. Claims without `sub` (an API key's owner) get the subject as `sub`, as every
 * token an API Gateway JWT or Cognito authorizer accepts has one.
 */
function callerOf(ctx: Context): Caller | undefined {
  const auth = (ctx as { readonly auth?: unknown }).auth;
  if (typeof auth !== 'object' || auth === null) return undefined;
  const { subject, claims, scopes, source } = auth as Record<string, unknown>;
  const who = typeof subject === 'string' && subject !== '' ? subject : undefined;
  const own: Record<string, unknown> = {};
  if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) {
    for (const [name, value] of Object.entries(claims)) setOwn(own, name, value);
  }
  // A verified token always names its subject: an API key's owner becomes the `sub` a JWT would carry.
  if (who !== undefined && source !== 'aws-lambda-authorizer' && !Object.hasOwn(own, 'sub')) own.sub = who;
  return {
    subject: who,
    claims: own,
    scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string' && s !== '') : [],
    lambda: source === 'aws-lambda-authorizer',
  };
}

/** JSON of a value, or its `String()` when it has none (a cycle, a BigInt inside). */
function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * How API Gateway writes claims: `http-api`, an HTTP API JWT authorizer, writes a list as
 * `[admin reader]`; `cognito`, a REST API Cognito authorizer, as `admin,reader`, and `exp` and
 * `iat` as dates; `rest-api`, a REST API Lambda authorizer's context, its values as text.
 */
type ClaimForm = 'http-api' | 'cognito' | 'rest-api';

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Tue Apr 04 18:39:39 UTC 2023`, a REST API Cognito authorizer's form of `exp` and `iat`, or undefined. */
function cognitoDate(value: unknown): string | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const day = `${weekdays[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${pad(date.getUTCDate())}`;
  return `${day} ${time} UTC ${date.getUTCFullYear()}`;
}

/**
 * A claim as API Gateway passes it on, always a string: numbers and booleans as text, a list in
 * the form's way, an object as JSON.
 */
function claimText(value: unknown, form: ClaimForm): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => (typeof item === 'object' && item !== null ? json(item) : String(item)));
    return form === 'http-api' ? `[${items.join(' ')}]` : items.join(',');
  }
  return typeof value === 'object' && value !== null ? json(value) : String(value);
}

/** Claims as strings (see `claimText`); a claim that is `null` or `undefined` is left out. */
function claimTexts(claims: Readonly<Record<string, unknown>>, form: ClaimForm): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === null || value === undefined) continue;
    const date = form === 'cognito' && (name === 'exp' || name === 'iat') ? cognitoDate(value) : undefined;
    setOwn(texts, name, date ?? claimText(value, form));
  }
  return texts;
}

/**
 * `requestContext.authorizer` of an HTTP API event for a caller: a Lambda authorizer's
 * `{ lambda: context }` for a Lambda authorizer's principal, else a JWT authorizer's
 * `{ jwt: { claims, scopes } }` (claims as strings, scopes `null` when there are none) with the
 * subject as `principalId`.
 */
function httpApiAuthorizer(caller: Caller): Record<string, unknown> {
  if (caller.lambda) return { lambda: { ...caller.claims } };
  const scopes = caller.scopes.length > 0 ? [...caller.scopes] : null;
  const authorizer: Record<string, unknown> = { jwt: { claims: claimTexts(caller.claims, 'http-api'), scopes } };
  if (caller.subject !== undefined) authorizer.principalId = caller.subject;
  return authorizer;
}

/**
 * `requestContext.authorizer` of a REST API event for a caller: for a Lambda authorizer's
 * principal, its context's keys as strings beside `principalId` and `integrationLatency`; else a
 * Cognito authorizer's `{ claims }` (as strings) with the subject as `principalId`.
 */
function restAuthorizer(caller: Caller): Record<string, unknown> {
  if (caller.lambda) {
    const context: Record<string, unknown> = claimTexts(caller.claims, 'rest-api');
    if (caller.subject !== undefined) context.principalId = caller.subject;
    context.integrationLatency = 0;
    return context;
  }
  const authorizer: Record<string, unknown> = { claims: claimTexts(caller.claims, 'cognito') };
  if (caller.subject !== undefined) authorizer.principalId = caller.subject;
  return authorizer;
}

/** Every value of each query key, as sent (percent-decoded), in order; keys in first-seen order. */
function queryValues(req: HttpRequest): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  // One pass: `getAll()` for each key would scan the whole query once per key.
  for (const [key, value] of req.queryAll) {
    const list = Object.hasOwn(values, key) ? values[key] : undefined;
    if (list === undefined) setOwn(values, key, [value]);
    else list.push(value);
  }
  return values;
}

/** The last of each list, as the single-value maps of a REST API hold them. */
function lastOfEach(lists: Record<string, string[]>): Record<string, string> {
  const last: Record<string, string> = {};
  for (const [key, values] of Object.entries(lists)) setOwn(last, key, values[values.length - 1] ?? '');
  return last;
}

/**
 * A REST API (payload 1.0) proxy event for a portable request: both header maps, names cased
 * as clients send them (`Content-Type`), with the `Host` and `X-Forwarded-*` headers a REST API
 * adds; both query maps (`null` when empty), the matched route as `resource` (`/{proxy+}` when
 * none), the stage `local` in `requestContext.path` only, the client in
 * `requestContext.identity`, and the authorizer data of `ctx.auth` when it is set. The body is
 * UTF-8 text, as a REST API without `binaryMediaTypes` sends it, or base64 when it is not UTF-8.
 *
 * @example
 * const event = apiGatewayV1FromRequest(req, ctx);
 */
export function apiGatewayV1FromRequest(req: HttpRequest, ctx: Context): APIGatewayProxyEvent {
  const host = hostOf(req);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers as Record<string, string>)) {
    setOwn(headers, restHeaderName(name), value);
  }
  for (const [name, value] of forwardedHeaders(req, host)) setOwn(headers, restHeaderName(name), value);
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) setOwn(multiValueHeaders, name, [value]);
  const multiQuery = queryValues(req);
  const hasQuery = Object.keys(multiQuery).length > 0;
  const path = pathOf(req);
  // `{proxy+}` needs a segment: a request for the root goes to the root resource.
  const resource = resourceOf(req) ?? (req.path === '/' ? '/' : '/{proxy+}');
  const now = new Date();
  const { body, isBase64Encoded } = restBody(req);
  const caller = callerOf(ctx);
  const stage = 'local';
  const pathParameters =
    // The proxy parameter holds the path decoded, as API Gateway gives path parameters.
    pathParametersOf(req, resource) ?? (resource === '/{proxy+}' ? { proxy: req.path.slice(1) } : null);
  return {
    resource,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastOfEach(multiQuery) : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: account,
      apiId: host.split('.')[0] ?? 'local',
      authorizer: caller === undefined ? undefined : restAuthorizer(caller),
      domainName: host,
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.ip ?? '127.0.0.1',
        user: null,
        userAgent: req.header('user-agent') ?? '',
        userArn: null,
      },
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: ctx.requestId,
      extendedRequestId: ctx.requestId,
      requestTime: clf(now),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: resource,
      stage,
      domainPrefix: host.split('.')[0] ?? host,
    },
    body,
    isBase64Encoded,
  };
}

/**
 * The query map of a load balancer in single-value mode: each key and value as the client sent
 * it (ALB decodes neither, so `b=x+y` stays `x+y` and `a%20b` stays `a%20b`), the last value of a
 * repeated key, keys in the order first sent. A pair without `=` has the value `''`.
 */
function albQuery(req: HttpRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of queryOf(req).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    setOwn(query, eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
  }
  return query;
}

/**
 * An Application Load Balancer event (single-value mode) for a portable request: the headers,
 * with the `host` and `x-forwarded-*` headers a load balancer adds, the last value of each query
 * key, query keys and values as the client sent them (ALB does not decode them), and the body as
 * ALB sends it (text for text types, else base64).
 *
 * @example
 * const event = albFromRequest(req, ctx);
 */
export function albFromRequest(req: HttpRequest, ctx: Context): ALBEvent {
  const query = albQuery(req);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers as Record<string, string>)) setOwn(headers, name, value);
  for (const [name, value] of forwardedHeaders(req, hostOf(req))) setOwn(headers, name, value);
  const { body, isBase64Encoded } = eventBody(req);
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${regionOf(ctx)}:${account}:targetgroup/local/0000000000000000`,
      },
    },
    httpMethod: req.method,
    path: pathOf(req),
    queryStringParameters: query,
    headers,
    body: body ?? '',
    isBase64Encoded,
  };
}

/**
 * An HTTP API 2.0 event for a portable request: the path percent-decoded in `rawPath` and
 * `requestContext.http.path`, as HTTP API hands it over, cookies moved to `cookies[]`, the
 * `host` and `x-forwarded-*` headers HTTP API adds, repeated query values comma-joined in
 * `queryStringParameters`, the query as sent in `rawQueryString`, the matched route in
 * `routeKey` (`anyMethod`: the function takes every method, so the route is `ANY`), bodies
 * base64 unless their type is text, and the authorizer data of `ctx.auth` when it is set.
 *
 * @example
 * const event = apiGatewayV2FromRequest(req, ctx);
 */
export function apiGatewayV2FromRequest(req: HttpRequest, ctx: Context, anyMethod = false): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers as Record<string, string>)) {
    if (name !== 'cookie') setOwn(headers, name, value);
  }
  const cookieHeader = req.header('cookie');
  const query: Record<string, string> = {};
  for (const [key, values] of Object.entries(queryValues(req))) setOwn(query, key, values.join(','));
  const host = hostOf(req);
  for (const [name, value] of forwardedHeaders(req, host)) setOwn(headers, name, value);
  const now = new Date();
  // HTTP API decodes the path (a Function URL would not; `fromLambda` makes no Function URL event).
  const path = decodedPath(pathOf(req));
  const routeKey = routeKeyOf(req, anyMethod);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: queryOf(req),
    headers,
    requestContext: {
      accountId: account,
      apiId: host.split('.')[0] ?? 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: req.ip ?? '127.0.0.1',
        userAgent: req.header('user-agent') ?? '',
      },
      requestId: ctx.requestId,
      routeKey,
      stage: '$default',
      time: clf(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  const caller = callerOf(ctx);
  if (caller !== undefined) {
    // The event type has no authorizer; the typed variants (`APIGatewayProxyEventV2WithJWTAuthorizer`) do.
    (event.requestContext as { authorizer?: unknown }).authorizer = httpApiAuthorizer(caller);
  }
  if (cookieHeader) event.cookies = cookieHeader.split(/;\s*/).filter(Boolean);
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  const pathParameters = pathParametersOf(req, resourceOf(req));
  if (pathParameters !== null) event.pathParameters = pathParameters;
  const { body, isBase64Encoded } = eventBody(req);
  if (body !== undefined) {
    event.body = body;
    event.isBase64Encoded = isBase64Encoded;
  }
  return event;
}

/**
 * An SQS record for a portable message (FIFO attributes when it has a group).
 *
 * @example
 * const record = sqsRecordFromMessage(msg, ctx);
 */
export function sqsRecordFromMessage(msg: Message, ctx: Context): SQSRecord {
  const body = textOf(msg.rawBody);
  const sent = String(msg.publishedAt.getTime());
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(msg.attributes)) {
    setOwn(messageAttributes, name, {
      stringValue: value,
      stringListValues: [],
      binaryListValues: [],
      dataType: 'String',
    });
  }
  const region = regionOf(ctx);
  const record: SQSRecord = {
    messageId: msg.id,
    receiptHandle: `skyport-${msg.id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(msg.attempt),
      SentTimestamp: sent,
      SenderId: account,
      ApproximateFirstReceiveTimestamp: sent,
    },
    messageAttributes,
    md5OfBody: md5(body),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region}:${account}:${msg.source}`,
    awsRegion: region,
  };
  // SQS reports the digest of the attributes only when the message has some.
  if (Object.keys(msg.attributes).length > 0) {
    record.md5OfMessageAttributes = md5OfAttributes(msg.attributes, 'String');
  }
  if (msg.groupId !== undefined) {
    record.attributes.MessageGroupId = msg.groupId;
    record.attributes.MessageDeduplicationId = msg.id;
    record.attributes.SequenceNumber = sent;
  }
  return record;
}

/**
 * A Kinesis record for a portable stream record.
 *
 * @example
 * const record = kinesisRecordFromStreamRecord(rec, ctx);
 */
export function kinesisRecordFromStreamRecord(rec: StreamRecord, ctx: Context): KinesisStreamRecord {
  const region = regionOf(ctx);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: rec.partitionKey,
      sequenceNumber: rec.sequence,
      data: encodeBase64(rec.rawBody),
      approximateArrivalTimestamp: rec.publishedAt.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${rec.sequence}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${account}:role/lambda-role`,
    awsRegion: region,
    eventSourceARN: `arn:aws:kinesis:${region}:${account}:stream/${rec.source}`,
  };
}

let sequence = 0;

/**
 * A DynamoDB Streams record (NEW_AND_OLD_IMAGES) for a portable change; `encode` is `marshall`.
 *
 * @example
 * const record = dynamodbRecordFromChange(change, ctx, marshall);
 */
export function dynamodbRecordFromChange(change: ChangeEvent, ctx: Context, encode: typeof marshall): DynamoDBRecord {
  const region = regionOf(ctx);
  const names = { insert: 'INSERT', update: 'MODIFY', delete: 'REMOVE' } as const;
  const seq = String(++sequence).padStart(21, '0');
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ApproximateCreationDateTime: Math.floor(change.time.getTime() / 1000),
    Keys: encode(change.key) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
    SequenceNumber: seq,
    SizeBytes: JSON.stringify(change.after ?? change.before ?? change.key).length,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  };
  if (change.after !== undefined) dynamodb.NewImage = encode(change.after) as typeof dynamodb.NewImage;
  if (change.before !== undefined) dynamodb.OldImage = encode(change.before) as typeof dynamodb.OldImage;
  return {
    eventID: seq,
    eventName: names[change.op],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: `arn:aws:dynamodb:${region}:${account}:table/${change.collection}/stream/2024-01-01T00:00:00.000`,
  };
}

/** URL-encodes a key the way S3 notifications do (spaces as `+`). */
function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/');
}

/**
 * An S3 notification record for a portable storage event (`size` and `eTag` on a created
 * object only, as S3 sends them).
 *
 * @example
 * const record = s3RecordFromStorageEvent(object, ctx);
 */
export function s3RecordFromStorageEvent(object: StorageEvent, ctx: Context): S3EventRecord {
  const region = regionOf(ctx);
  const sequencer = object.time.getTime().toString(16).toUpperCase();
  // A delete notification names the object only: no size and no eTag.
  const s3Object =
    object.type === 'created'
      ? { key: encodeS3Key(object.key), size: object.size ?? 0, eTag: object.etag ?? '', sequencer }
      : ({ key: encodeS3Key(object.key), sequencer } as S3EventRecord['s3']['object']);
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: object.time.toISOString(),
    eventName: object.type === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
    userIdentity: { principalId: `AWS:${account}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': ctx.requestId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'skyport',
      bucket: { name: object.bucket, ownerIdentity: { principalId: account }, arn: `arn:aws:s3:::${object.bucket}` },
      object: s3Object,
    },
  };
}

/**
 * An EventBridge `Scheduled Event` for a portable tick.
 *
 * @example
 * const event = scheduledEventFromTick(tick, ctx);
 */
export function scheduledEventFromTick(tick: ScheduleTick, ctx: Context): ScheduledEvent {
  const region = regionOf(ctx);
  return {
    version: '0',
    id: ctx.requestId,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: isoSeconds(tick.scheduledTime),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${tick.name}`],
    detail: {},
  };
}

/**
 * An EventBridge event for a portable CloudEvent.
 *
 * @example
 * const event = eventBridgeFromCloudEvent(cloudEvent, ctx);
 */
export function eventBridgeFromCloudEvent(event: CloudEvent, ctx: Context): EventBridgeEvent<string, unknown> {
  const resources = event.extensions.resources;
  return {
    version: '0',
    id: event.id,
    'detail-type': event.type,
    source: event.source,
    account: typeof event.extensions.account === 'string' ? event.extensions.account : account,
    time: isoSeconds(event.time ?? new Date()),
    region: typeof event.extensions.region === 'string' ? event.extensions.region : regionOf(ctx),
    resources: Array.isArray(resources) ? resources.filter((r): r is string => typeof r === 'string') : [],
    detail: event.data,
  };
}
