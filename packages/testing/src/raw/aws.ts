/**
 * Raw AWS event factories for adapter-level tests: each returns a realistic event, typed with
 * `@types/aws-lambda`, shaped like what the service really sends (lower-case v2 headers, null
 * maps on REST, string attributes on SQS, base64 Kinesis data, typed DynamoDB values). State
 * only what matters to a test; `overrides` replaces any top-level field.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamEvent,
  S3Event,
  ScheduledEvent,
  SNSEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

const account = '123456789012';
const region = 'us-east-1';
let counter = 0;
const nextId = () =>
  `${(++counter).toString(16).padStart(8, '0')}-0000-4000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;

/** What a test says about an HTTP request. */
export interface HttpEventOptions {
  /** Default `GET`. */
  readonly method?: string | undefined;
  /** Default `/`. */
  readonly path?: string | undefined;
  readonly query?: Readonly<Record<string, string | readonly string[]>> | undefined;
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** Request cookies as `name=value` strings. */
  readonly cookies?: readonly string[] | undefined;
  /**
   * A string, bytes (sent base64), or any other value (sent as JSON with a JSON content type).
   * A string or bytes get no content type: give one in `headers` when the request has one.
   */
  readonly body?: unknown | undefined;
  /**
   * The client address (default `203.0.113.10`): `sourceIp` of the request context, and the
   * `x-forwarded-for` header on HTTP APIs, Function URLs and ALB.
   */
  readonly sourceIp?: string | undefined;
  /** The stage (default `$default` on v2, `prod` on REST). */
  readonly stage?: string | undefined;
}

interface Body {
  body: string | undefined;
  isBase64Encoded: boolean;
  contentType: string | undefined;
}

function bodyOf(body: unknown): Body {
  if (body === undefined || body === null) return { body: undefined, isBase64Encoded: false, contentType: undefined };
  if (typeof body === 'string') return { body, isBase64Encoded: false, contentType: undefined };
  // Bytes go as the client sent them: with the content type the test gives, or none.
  if (body instanceof Uint8Array) {
    return { body: Buffer.from(body).toString('base64'), isBase64Encoded: true, contentType: undefined };
  }
  return { body: JSON.stringify(body), isBase64Encoded: false, contentType: 'application/json' };
}

const defaultSourceIp = '203.0.113.10';
const defaultUserAgent = 'curl/8.5.0';

/**
 * The headers every HTTP API, Function URL and ALB request carries: the client address and the
 * scheme and port the client used.
 */
function forwardedHeaders(options: HttpEventOptions): Record<string, string> {
  return {
    'x-forwarded-for': options.sourceIp ?? defaultSourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
}

/** An X-Ray trace header as the load balancer or API adds it (`Root=1-<epoch hex>-<24 hex>`). */
function traceHeader(now: Date): string {
  return `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** Lower-case headers: `host`, then `defaults`, the body's content type, and the test's headers over them. */
function lowerHeaders(
  options: HttpEventOptions,
  contentType: string | undefined,
  defaults: Readonly<Record<string, string>> = {},
): Record<string, string[]> {
  const headers: Record<string, string[]> = { host: ['abc123.execute-api.us-east-1.amazonaws.com'] };
  for (const [name, value] of Object.entries(defaults)) headers[name] = [value];
  if (contentType) headers['content-type'] = [contentType];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? [value] : [...value];
  }
  return headers;
}

/**
 * Headers as a REST API (or an HTTP API with payload 1.0) hands them over: each name as the
 * client sent it. The defaults are in the casing clients send (`Host`, `User-Agent`,
 * `X-Amzn-Trace-Id`, `X-Forwarded-*`, `Content-Type` for the body); a header the test gives
 * replaces a default of the same name in any case, and keeps its own spelling.
 */
function restHeaders(options: HttpEventOptions, contentType: string | undefined, now: Date): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  const set = (name: string, values: string[]) => {
    const lower = name.toLowerCase();
    for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
    headers[name] = values;
  };
  set('Host', ['abc123.execute-api.us-east-1.amazonaws.com']);
  set('User-Agent', [defaultUserAgent]);
  set('X-Amzn-Trace-Id', [traceHeader(now)]);
  set('X-Forwarded-For', [options.sourceIp ?? defaultSourceIp]);
  set('X-Forwarded-Port', ['443']);
  set('X-Forwarded-Proto', ['https']);
  if (contentType) set('Content-Type', [contentType]);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    set(name, typeof value === 'string' ? [value] : [...value]);
  }
  if (options.cookies && options.cookies.length > 0) set('Cookie', [options.cookies.join('; ')]);
  return headers;
}

/** The value of a header whatever the case of its name. */
function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function entries(query: HttpEventOptions['query']): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (typeof value === 'string') out.push([key, value]);
    else for (const v of value) out.push([key, v]);
  }
  return out;
}

/**
 * Sets `key` of a map as an own property, whatever the key: `constructor` or `__proto__` is a
 * query key like any other, as it is in an event parsed from JSON.
 */
function own<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function push(map: Record<string, string[]>, key: string, value: string): void {
  if (Object.hasOwn(map, key)) (map[key] as string[]).push(value);
  else own(map, key, [value]);
}

function clf(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function splitPath(path: string): { path: string; search: string } {
  const q = path.indexOf('?');
  return q < 0 ? { path, search: '' } : { path: path.slice(0, q), search: path.slice(q + 1) };
}

/**
 * An API Gateway HTTP API event (payload format 2.0): lower-case headers with repeated values
 * comma-joined, cookies in `cookies[]`, the true query in `rawQueryString`. As on a real API, the
 * headers include `user-agent` (the same as `requestContext.http.userAgent`, default
 * `curl/8.5.0`), `x-amzn-trace-id`, and `x-forwarded-for` (`sourceIp`), `x-forwarded-proto`
 * (`https`) and `x-forwarded-port` (`443`); a header the test gives wins.
 *
 * @example
 * const event = apiGatewayV2({ method: 'POST', path: '/orders', body: { sku: 'a' } });
 */
export function apiGatewayV2(
  options: HttpEventOptions = {},
  overrides: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const { path, search } = splitPath(options.path ?? '/');
  const body = bodyOf(options.body);
  const now = new Date();
  const headers: Record<string, string> = {};
  const defaults = {
    'user-agent': defaultUserAgent,
    'x-amzn-trace-id': traceHeader(now),
    ...forwardedHeaders(options),
  };
  for (const [name, values] of Object.entries(lowerHeaders(options, body.contentType, defaults)))
    headers[name] = values.join(',');
  const pairs = entries(options.query);
  const rawQueryString = [search, new URLSearchParams(pairs).toString()].filter(Boolean).join('&');
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString))
    own(query, key, Object.hasOwn(query, key) ? `${query[key]},${value}` : value);
  const method = (options.method ?? 'GET').toUpperCase();
  const stage = options.stage ?? '$default';
  // An HTTP API hands the function the path decoded (`/files/100%25` as `/files/100%`).
  const rawPath = stage === '$default' ? decodedPath(path) : `/${stage}${decodedPath(path)}`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: account,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? defaultSourceIp,
        userAgent: headers['user-agent'] ?? defaultUserAgent,
      },
      requestId: nextId(),
      routeKey: '$default',
      stage,
      time: clf(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: body.isBase64Encoded,
  };
  if (options.cookies && options.cookies.length > 0) event.cookies = [...options.cookies];
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (body.body !== undefined) event.body = body.body;
  return { ...event, ...overrides };
}

/** A path as an HTTP API decodes it; one with a malformed escape stays as it is. */
function decodedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A Lambda Function URL event: payload 2.0 with a `lambda-url` domain and route key `$default`,
 * the headers of {@link apiGatewayV2}, and the cookies sent twice as Function URLs do: in
 * `cookies[]` and as the `cookie` header.
 *
 * @example
 * const event = functionUrl({ method: 'POST', body: 'hello' });
 */
export function functionUrl(
  options: HttpEventOptions = {},
  overrides: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const base = apiGatewayV2({ ...options, stage: '$default' });
  // A Function URL hands the function the path as the client sent it.
  const rawPath = splitPath(options.path ?? '/').path;
  const domainName = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
  const headers: Record<string, string> = { ...base.headers, host: domainName };
  if (base.cookies !== undefined && headers.cookie === undefined) headers.cookie = base.cookies.join('; ');
  return {
    ...base,
    rawPath,
    headers,
    requestContext: {
      ...base.requestContext,
      http: { ...base.requestContext.http, path: rawPath },
      apiId: 'abcdefghijklmnop',
      domainName,
      domainPrefix: 'abcdefghijklmnop',
      authorizer: undefined,
    },
    ...overrides,
  } as APIGatewayProxyEventV2;
}

/**
 * An API Gateway REST API event (also the HTTP API payload 1.0 shape): both header maps, `null`
 * for missing maps and body, the stage in `requestContext.path` only. Header names keep the
 * case the test gives, as a REST API keeps the client's; the headers include `Host`,
 * `User-Agent` (default `curl/8.5.0`), `X-Amzn-Trace-Id`, and `X-Forwarded-For` (`sourceIp`),
 * `X-Forwarded-Proto` (`https`) and `X-Forwarded-Port` (`443`), with `Content-Type` for a JSON
 * body; a header the test gives replaces the one of the same name in any case. The resource is
 * the proxy resource `/{proxy+}` with the path in `pathParameters.proxy`; a request to `/`, which
 * a proxy resource does not match, goes to the root resource `/` with `pathParameters: null`.
 *
 * @example
 * const event = apiGatewayV1({ method: 'GET', path: '/orders', query: { tag: ['a', 'b'] } });
 */
export function apiGatewayV1(
  options: HttpEventOptions = {},
  overrides: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  const { path, search } = splitPath(options.path ?? '/');
  const body = bodyOf(options.body);
  const now = new Date();
  const multiValueHeaders = restHeaders(options, body.contentType, now);
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(multiValueHeaders)) headers[name] = values[values.length - 1] ?? '';
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of [...new URLSearchParams(search), ...entries(options.query)]) push(multiQuery, key, value);
  const query: Record<string, string> = {};
  for (const [key, values] of Object.entries(multiQuery)) own(query, key, values[values.length - 1] ?? '');
  const hasQuery = Object.keys(multiQuery).length > 0;
  const stage = options.stage ?? 'prod';
  const method = (options.method ?? 'GET').toUpperCase();
  // `{proxy+}` needs at least one path segment: the root is its own resource.
  const resource = path === '/' ? '/' : '/{proxy+}';
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: resource === '/' ? null : { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: account,
      apiId: 'abc123',
      authorizer: undefined,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      httpMethod: method,
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
        sourceIp: options.sourceIp ?? defaultSourceIp,
        user: null,
        userAgent: headerValue(headers, 'user-agent') ?? defaultUserAgent,
        userArn: null,
      },
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: nextId(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'abcdef',
      resourcePath: resource,
      stage,
    },
    body: body.body ?? null,
    isBase64Encoded: body.isBase64Encoded,
    ...overrides,
  };
}

/** A `name=value` pair of a query string, split at its first `=` only (`token=abc==` is `abc==`). */
function queryPair(pair: string): [string, string] {
  const at = pair.indexOf('=');
  return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
}

/**
 * An Application Load Balancer event, in single-value mode or (with `multiValue: true`) the
 * multi-value mode of a target group with multi-value headers on. Query values stay encoded,
 * as ALB sends them. The headers include `x-forwarded-for` (`sourceIp`), `x-forwarded-proto`
 * (`https`) and `x-forwarded-port` (`443`), as a listener adds them; a header the test gives wins.
 *
 * @example
 * const event = alb({ path: '/health', multiValue: true });
 */
export function alb(
  options: HttpEventOptions & { readonly multiValue?: boolean | undefined } = {},
  overrides: Partial<ALBEvent> = {},
): ALBEvent {
  const { path, search } = splitPath(options.path ?? '/');
  const body = bodyOf(options.body);
  const multiHeaders = lowerHeaders(options, body.contentType, forwardedHeaders(options));
  multiHeaders.host = ['my-alb-1234567890.us-east-1.elb.amazonaws.com'];
  if (options.cookies && options.cookies.length > 0) multiHeaders.cookie = [options.cookies.join('; ')];
  const multiQuery: Record<string, string[]> = {};
  const raw = [
    ...(search ? search.split('&').map(queryPair) : []),
    ...entries(options.query).map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)] as [string, string]),
  ];
  for (const [key, value] of raw) push(multiQuery, key, value);
  const base = {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/lambda-target/abcdef123456`,
      },
    },
    httpMethod: (options.method ?? 'GET').toUpperCase(),
    path,
    body: body.body ?? '',
    isBase64Encoded: body.isBase64Encoded,
  };
  if (options.multiValue) {
    return { ...base, multiValueHeaders: multiHeaders, multiValueQueryStringParameters: multiQuery, ...overrides };
  }
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(multiHeaders)) headers[name] = values[values.length - 1] ?? '';
  const query: Record<string, string> = {};
  for (const [key, values] of Object.entries(multiQuery)) own(query, key, values[values.length - 1] ?? '');
  return { ...base, headers, queryStringParameters: query, ...overrides };
}

/** What a test says about a queue message. */
export interface SqsMessageOptions {
  readonly id?: string | undefined;
  /** A string, or any other value sent as JSON. */
  readonly body?: unknown | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /**
   * The FIFO group (a fair queue's tenant on a standard queue); set on any message, it makes the
   * default queue `orders.fifo`. On a FIFO queue a message without one is in group `default`.
   */
  readonly groupId?: string | undefined;
  /** `ApproximateReceiveCount` (default 1). */
  readonly receiveCount?: number | undefined;
  readonly sentAt?: Date | undefined;
}

/** Writes `bytes` after their length as 4 big-endian bytes, as SQS's attribute digest does. */
function updateWithLength(hash: ReturnType<typeof createHash>, bytes: Uint8Array): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length).update(bytes);
}

/**
 * The `md5OfMessageAttributes` SQS computes for string attributes: per name in sorted order, the
 * name, the data type, transport type 1 (a string) and the value, each string after its length.
 */
function md5OfAttributes(attributes: Readonly<Record<string, string>>): string {
  const hash = createHash('md5');
  for (const name of Object.keys(attributes).sort()) {
    updateWithLength(hash, Buffer.from(name));
    updateWithLength(hash, Buffer.from('String'));
    hash.update(Buffer.from([1]));
    updateWithLength(hash, Buffer.from(attributes[name] ?? ''));
  }
  return hash.digest('hex');
}

/**
 * An SQS event with one record per message. The queue is `orders.fifo` when a message has a
 * `groupId` and `orders` otherwise, unless `queue` names it: a queue whose name ends in `.fifo` is
 * a FIFO queue (its records carry `MessageGroupId`, `default` for a message without a `groupId`,
 * `MessageDeduplicationId` and `SequenceNumber`);
 * any other is a standard queue, where a `groupId` is a fair queue's tenant (`MessageGroupId`
 * alone). `md5OfBody` is the MD5 of the body, and a message with attributes has the
 * `md5OfMessageAttributes` SQS computes for them.
 *
 * @example
 * const event = sqs([{ body: { orderId: 'o-1' } }, { body: 'plain text' }], { queue: 'orders' });
 */
export function sqs(
  messages: readonly SqsMessageOptions[] = [{}],
  options: { readonly queue?: string | undefined } = {},
): SQSEvent {
  const queue = options.queue ?? (messages.some((m) => m.groupId !== undefined) ? 'orders.fifo' : 'orders');
  const Records = messages.map((m, i): SQSRecord => {
    const id = m.id ?? nextId();
    const sent = String((m.sentAt ?? new Date()).getTime());
    const body = typeof m.body === 'string' ? m.body : JSON.stringify(m.body ?? {});
    const record: SQSRecord = {
      messageId: id,
      receiptHandle: `AQEB${Buffer.from(id).toString('base64')}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount ?? 1),
        SentTimestamp: sent,
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: sent,
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.attributes ?? {}).map(([k, v]) => [
          k,
          { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' },
        ]),
      ),
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:${account}:${queue}`,
      awsRegion: region,
    };
    if (m.attributes !== undefined && Object.keys(m.attributes).length > 0) {
      record.md5OfMessageAttributes = md5OfAttributes(m.attributes);
    }
    // SQS refuses a message without a group on a FIFO queue: every FIFO record has one.
    const fifo = queue.endsWith('.fifo');
    const group = m.groupId ?? (fifo ? 'default' : undefined);
    if (group !== undefined) record.attributes.MessageGroupId = group;
    if (fifo) {
      record.attributes.MessageDeduplicationId = id;
      record.attributes.SequenceNumber = String(18_000_000_000_000_000_000n + BigInt(i));
    }
    return record;
  });
  return { Records };
}

/**
 * An SNS event with one notification.
 *
 * @example
 * const event = sns({ message: { orderId: 'o-1' }, topic: 'orders' });
 */
export function sns(
  options: {
    readonly message?: unknown | undefined;
    readonly topic?: string | undefined;
    readonly subject?: string | undefined;
    readonly attributes?: Readonly<Record<string, string>> | undefined;
  } = {},
): SNSEvent {
  const topicArn = `arn:aws:sns:${region}:${account}:${options.topic ?? 'orders'}`;
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: new Date().toISOString(),
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          MessageId: nextId(),
          Message: typeof options.message === 'string' ? options.message : JSON.stringify(options.message ?? {}),
          MessageAttributes: Object.fromEntries(
            Object.entries(options.attributes ?? {}).map(([k, v]) => [k, { Type: 'String', Value: v }]),
          ),
          Type: 'Notification',
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          TopicArn: topicArn,
          Subject: options.subject ?? '',
        },
      },
    ],
  };
}

/** What a test says about an S3 object event. */
export interface S3ObjectOptions {
  readonly bucket?: string | undefined;
  /** The decoded key; it is URL-encoded (spaces as `+`) as S3 does. */
  readonly key?: string | undefined;
  readonly type?: 'created' | 'deleted' | undefined;
  readonly size?: number | undefined;
  readonly etag?: string | undefined;
  readonly time?: Date | undefined;
}

/**
 * An S3 event notification with one record per object.
 *
 * @example
 * const event = s3([{ bucket: 'uploads', key: 'My Photos/cat.png', size: 1024 }]);
 */
export function s3(objects: readonly S3ObjectOptions[] = [{}]): S3Event {
  return {
    Records: objects.map((o) => {
      const bucket = o.bucket ?? 'uploads';
      const deleted = o.type === 'deleted';
      const object: S3Event['Records'][number]['s3']['object'] = {
        key: encodeURIComponent(o.key ?? 'file.txt')
          .replaceAll('%20', '+')
          .replaceAll('%2F', '/'),
        sequencer: '0A1B2C3D4E5F678901',
      } as S3Event['Records'][number]['s3']['object'];
      if (!deleted) {
        object.size = o.size ?? 1024;
        object.eTag = o.etag ?? 'd41d8cd98f00b204e9800998ecf8427e';
      }
      return {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: (o.time ?? new Date()).toISOString(),
        eventName: deleted ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.10' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'skyport',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object,
        },
      };
    }),
  };
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * An EventBridge event (custom or from an AWS service).
 *
 * @example
 * const event = eventBridge({ source: 'orders', detailType: 'OrderPlaced', detail: { id: 'o-1' } });
 */
export function eventBridge<TDetail = unknown>(
  options: {
    readonly source?: string | undefined;
    readonly detailType?: string | undefined;
    readonly detail?: TDetail | undefined;
    readonly resources?: readonly string[] | undefined;
    readonly time?: Date | undefined;
  } = {},
): EventBridgeEvent<string, TDetail> {
  return {
    version: '0',
    id: nextId(),
    'detail-type': options.detailType ?? 'OrderPlaced',
    source: options.source ?? 'com.example.orders',
    account,
    time: isoSeconds(options.time ?? new Date()),
    region,
    resources: [...(options.resources ?? [])],
    detail: (options.detail ?? {}) as TDetail,
  };
}

/**
 * An S3 `Object Created` / `Object Deleted` event delivered through EventBridge (keys not encoded).
 *
 * @example
 * const event = s3EventBridge({ bucket: 'uploads', key: 'a b.png' });
 */
export function s3EventBridge(
  options: S3ObjectOptions = {},
): EventBridgeEvent<'Object Created' | 'Object Deleted', Record<string, unknown>> {
  const bucket = options.bucket ?? 'uploads';
  const deleted = options.type === 'deleted';
  const object: Record<string, unknown> = { key: options.key ?? 'file.txt', sequencer: '006408CAD69598B05E' };
  if (!deleted) {
    object.size = options.size ?? 1024;
    object.etag = options.etag ?? 'd41d8cd98f00b204e9800998ecf8427e';
  }
  return {
    ...eventBridge({
      source: 'aws.s3',
      detailType: deleted ? 'Object Deleted' : 'Object Created',
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object,
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: account,
        reason: deleted ? 'DeleteObject' : 'PutObject',
      },
      ...(options.time ? { time: options.time } : {}),
    }),
    'detail-type': deleted ? 'Object Deleted' : 'Object Created',
  };
}

/**
 * A scheduled event of an EventBridge rule (or, with `scheduler: true`, EventBridge Scheduler).
 *
 * @example
 * const event = scheduled({ name: 'nightly', time: new Date('2024-05-01T03:00:00Z') });
 */
export function scheduled(
  options: {
    readonly name?: string | undefined;
    readonly time?: Date | undefined;
    readonly scheduler?: boolean | undefined;
  } = {},
): ScheduledEvent {
  const name = options.name ?? 'my-schedule';
  const resource = options.scheduler
    ? `arn:aws:scheduler:${region}:${account}:schedule/default/${name}`
    : `arn:aws:events:${region}:${account}:rule/${name}`;
  return {
    ...eventBridge({
      source: options.scheduler ? 'aws.scheduler' : 'aws.events',
      detailType: 'Scheduled Event',
      resources: [resource],
      detail: {},
      ...(options.time ? { time: options.time } : {}),
    }),
    'detail-type': 'Scheduled Event',
  } as ScheduledEvent;
}

/**
 * A Kinesis Data Streams event; `data` is base64 of the record's bytes: bytes (a `Uint8Array`)
 * as they are, a string as UTF-8, any other value as JSON.
 *
 * @example
 * const event = kinesis([{ data: { click: 1 }, partitionKey: 'u-1' }], { stream: 'clicks' });
 */
export function kinesis(
  records: readonly {
    readonly data?: unknown;
    readonly partitionKey?: string | undefined;
    readonly sequenceNumber?: string | undefined;
  }[] = [{}],
  options: { readonly stream?: string | undefined } = {},
): KinesisStreamEvent {
  const arn = `arn:aws:kinesis:${region}:${account}:stream/${options.stream ?? 'events'}`;
  return {
    Records: records.map((r, i) => {
      const sequenceNumber =
        r.sequenceNumber ?? `4959033827149025660855969253836157109592157598913658${String(8000 + i).padStart(4, '0')}`;
      const bytes =
        r.data instanceof Uint8Array
          ? r.data
          : Buffer.from(typeof r.data === 'string' ? r.data : JSON.stringify(r.data ?? {}));
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.partitionKey ?? '1',
          sequenceNumber,
          data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000006:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::${account}:role/lambda-role`,
        awsRegion: region,
        eventSourceARN: arn,
      };
    }),
  };
}

type AttributeValue = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['Keys']>[string];

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** A set as DynamoDB stores one: `SS`, `NS` or `BS`, never empty and never mixed. */
function marshalSet(set: ReadonlySet<unknown>): AttributeValue {
  const items = [...set];
  if (items.length > 0 && items.every((item) => typeof item === 'string')) return { SS: items as string[] };
  if (items.length > 0 && items.every((item) => typeof item === 'number' || typeof item === 'bigint')) {
    return { NS: items.map(String) };
  }
  if (items.length > 0 && items.every((item) => item instanceof Uint8Array)) {
    return { BS: (items as Uint8Array[]).map(base64) };
  }
  throw new TypeError(
    'dynamodb(): a Set must hold only strings, only numbers or only Uint8Arrays, and at least one (DynamoDB has no empty or mixed sets)',
  );
}

function marshal(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: base64(value) };
  if (value instanceof Date) return { S: value.toISOString() };
  if (value instanceof Set) return marshalSet(value);
  if (Array.isArray(value)) return { L: value.map(marshal) };
  return { M: marshalItem(value as Record<string, unknown>) };
}

function marshalItem(item: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, marshal(v)]));
}

/**
 * A DynamoDB Streams event (NEW_AND_OLD_IMAGES) from plain items, marshalled to AttributeValues
 * as DynamoDB stores them: strings `S`, numbers (and bigints) `N`, booleans `BOOL`, `null` and
 * `undefined` `NULL`, arrays `L`, objects `M`, a `Uint8Array` `B` (base64), and a `Set` of
 * strings, numbers or `Uint8Array`s `SS`, `NS` or `BS` (an empty or mixed set throws, as
 * DynamoDB has none). DynamoDB has no date type: a `Date` becomes its ISO 8601 string (`S`).
 *
 * @example
 * const event = dynamodb([{ op: 'insert', keys: { id: 'o-1' }, after: { id: 'o-1', total: 5 } }], { table: 'orders' });
 */
export function dynamodb(
  changes: readonly {
    readonly op?: 'insert' | 'update' | 'delete' | undefined;
    readonly keys?: Readonly<Record<string, unknown>> | undefined;
    readonly before?: Readonly<Record<string, unknown>> | undefined;
    readonly after?: Readonly<Record<string, unknown>> | undefined;
    readonly sequenceNumber?: string | undefined;
  }[] = [{}],
  options: { readonly table?: string | undefined } = {},
): DynamoDBStreamEvent {
  const arn = `arn:aws:dynamodb:${region}:${account}:table/${options.table ?? 'orders'}/stream/2024-01-01T00:00:00.000`;
  const names = { insert: 'INSERT', update: 'MODIFY', delete: 'REMOVE' } as const;
  return {
    Records: changes.map((c, i) => {
      const op = c.op ?? 'insert';
      const keys = c.keys ?? { id: `item-${i + 1}` };
      const ddb: NonNullable<DynamoDBRecord['dynamodb']> = {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: marshalItem(keys),
        SequenceNumber: c.sequenceNumber ?? String(111 * (i + 1)),
        SizeBytes: 26,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      };
      const after = c.after ?? (op === 'delete' ? undefined : keys);
      if (after !== undefined) ddb.NewImage = marshalItem(after);
      if (c.before !== undefined) ddb.OldImage = marshalItem(c.before);
      return {
        eventID: nextId(),
        eventName: names[op],
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        dynamodb: ddb,
        eventSourceARN: arn,
      };
    }),
  };
}

/**
 * A Lambda context as the Node.js runtime passes it (`memoryLimitInMB` is a string).
 *
 * @example
 * const context = lambdaContext({ functionName: 'orders-api', remainingMs: 3000 });
 */
export function lambdaContext(
  options: {
    readonly functionName?: string | undefined;
    readonly awsRequestId?: string | undefined;
    readonly remainingMs?: number | undefined;
    readonly memoryLimitInMB?: string | undefined;
    /** The invocation's X-Ray header, which the runtime hands over as `xRayTraceId`. */
    readonly xRayTraceId?: string | undefined;
  } = {},
): Context {
  const functionName = options.functionName ?? 'skyport-function';
  const deadline = Date.now() + (options.remainingMs ?? 30_000);
  const noop = () => undefined;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '128',
    awsRequestId: options.awsRequestId ?? nextId(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2024/01/01/[$LATEST]${'0'.repeat(32)}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
  return options.xRayTraceId === undefined ? context : Object.assign(context, { xRayTraceId: options.xRayTraceId });
}
