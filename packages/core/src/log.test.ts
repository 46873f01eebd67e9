import { request as httpClientRequest } from 'node:http';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { invokeGcp } from '@skyport/gcp';
import { aws, collectLogs, gcp, httpRequest, invoke, type LogLine } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { http, queue } from './builders.js';
import {
  createJsonLogger,
  credentialHeaders,
  credentialKeys,
  envLevel,
  isCredentialKey,
  rootLoggerFor,
  safeJson,
} from './log.js';
import { logger } from './logger/index.js';
import type { Cloud } from './types.js';

const secrets = ['Bearer top-secret', 'session=cookie-secret', 'key-secret', 'cookie-secret'];
const headers = { authorization: 'Bearer top-secret', cookie: 'session=cookie-secret', 'x-api-key': 'key-secret' };

/** A built-in logger writing to an array, and the secrets each line it wrote leaked. */
function collect() {
  const lines: string[] = [];
  const log = createJsonLogger({ requestId: 'r1' }, 'info', (line) => lines.push(line));
  const leaks = () => lines.map((line) => secrets.filter((secret) => line.includes(secret)));
  return { lines, log, leaks };
}

describe('credentialKeys', () => {
  it('holds the credential header names, cookies and the AWS event fields that repeat a credential', () => {
    expect(credentialKeys).toEqual([...credentialHeaders, 'cookies', 'apikey', 'authorizationtoken', 'identitysource']);
    expect(credentialHeaders).not.toContain('cookies');
  });
});

/** The credential headers the platforms' own sign-in features put on a request, with made-up values. */
const platformTokens = {
  'x-amzn-oidc-accesstoken': 'alb-access-secret',
  'x-amzn-oidc-data': 'alb-claims-secret',
  'x-forwarded-authorization': 'Bearer espv2-secret',
  'x-serverless-authorization': 'Bearer cloud-run-secret',
  'x-ms-token-aad-access-token': 'aad-access-secret',
  'x-ms-token-aad-refresh-token': 'aad-refresh-secret',
  'x-ms-token-aad-id-token': 'aad-id-secret',
  'X-MS-TOKEN-GOOGLE-ACCESS-TOKEN': 'google-access-secret',
  'x-ms-token-facebook-access-token': 'facebook-access-secret',
  'x-ms-token-twitter-access-token-secret': 'twitter-secret',
  'x-ms-token-microsoftaccount-refresh-token': 'msa-refresh-secret',
};

describe('the credentials of platform sign-in features', () => {
  it("are redacted by the built-in logger, in objects and in a raw Node request's rawHeaders", () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger({}, 'info', (line) => lines.push(line));
    // Act
    log.info({ headers: { ...platformTokens, 'x-ms-client-principal-name': 'ada' } }, 'h');
    log.info({ rawHeaders: Object.entries(platformTokens).flat() }, 'raw');
    // Assert
    const first = JSON.parse(lines[0] as string) as { headers: Record<string, string> };
    for (const name of Object.keys(platformTokens)) expect(first.headers[name]).toBe('[Redacted]');
    expect(first.headers['x-ms-client-principal-name']).toBe('ada');
    for (const value of Object.values(platformTokens)) expect(lines.join('\n')).not.toContain(value);
    for (const name of Object.keys(platformTokens)) expect(isCredentialKey(name)).toBe(true);
    expect(isCredentialKey('x-ms-client-principal-id')).toBe(false);
  });
});

describe('the built-in logger with shared and cyclic values', () => {
  it('writes an object met twice in full each time, and only a way back up a cycle as [Circular]', () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger({ requestId: 'r1' }, 'info', (line) => lines.push(line));
    const address = { city: 'Lyon' };
    const order: Record<string, unknown> = { billing: address, shipping: address, items: [address, address] };
    order.self = order;
    // Act
    log.info({ order }, 'order');
    // Assert
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: 'r1',
      order: {
        billing: { city: 'Lyon' },
        shipping: { city: 'Lyon' },
        items: [{ city: 'Lyon' }, { city: 'Lyon' }],
        self: '[Circular]',
      },
      msg: 'order',
    });
  });

  it("writes errors that are each other's cause in full, with the level and request id, the way back as [Circular]", () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger({ requestId: 'r1' }, 'info', (line) => lines.push(line));
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;
    // Act
    log.error({ err: first }, 'failed');
    // Assert
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'error',
      requestId: 'r1',
      msg: 'failed',
      err: { type: 'Error', message: 'first', cause: { type: 'Error', message: 'second', cause: '[Circular]' } },
    });
  });

  it('writes the same error as the cause of two errors in full both times', () => {
    // Prepare
    const root = new Error('disk full');
    const value = { a: new Error('write a', { cause: root }), b: new Error('write b', { cause: root }) };
    // Act
    const line = JSON.parse(safeJson(value)) as Record<string, { cause: { message: string } }>;
    // Assert
    expect(line.a?.cause.message).toBe('disk full');
    expect(line.b?.cause.message).toBe('disk full');
  });
});

describe('the built-in logger', () => {
  it('redacts credentials in %j, %o and %O arguments', () => {
    // Prepare
    const { lines, log, leaks } = collect();
    // Act
    log.info('headers %j', headers);
    log.info('headers %o then %O', { request: { headers } }, [headers]);
    log.info({ step: 'seen' }, 'then %j', headers);
    // Assert
    expect(lines).toHaveLength(3);
    expect(leaks()).toEqual([[], [], []]);
    expect(JSON.parse(lines[0] as string).msg).toBe(
      'headers {"authorization":"[Redacted]","cookie":"[Redacted]","x-api-key":"[Redacted]"}',
    );
    for (const line of lines) expect(line).toContain('[Redacted]');
  });

  it('redacts credentials in child bindings, nested children included', () => {
    // Prepare
    const { lines, log, leaks } = collect();
    // Act
    log.child({ headers }).info('child');
    log
      .child({ step: 'charge' })
      .child({ upstream: { request: { Authorization: 'Bearer top-secret' } } })
      .warn('grandchild');
    // Assert
    expect(leaks()).toEqual([[], []]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: 'r1',
      headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'x-api-key': '[Redacted]' },
    });
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      step: 'charge',
      upstream: { request: { Authorization: '[Redacted]' } },
    });
  });

  it('treats cookies as a credential: parsed cookies and the API Gateway v2 cookie array', () => {
    // Prepare
    const { lines, log, leaks } = collect();
    const event = aws.apiGatewayV2({ path: '/x', headers, cookies: ['session=cookie-secret'] });
    // Act
    log.info({ event }, 'raw event');
    log.info({ cookies: { session: 'cookie-secret' } }, 'parsed cookies');
    log.child({ Cookies: ['session=cookie-secret'] }).info('cookies %j', { cookies: event.cookies });
    // Assert
    expect(event.cookies).toEqual(['session=cookie-secret']);
    expect(leaks()).toEqual([[], [], []]);
    expect(JSON.parse(lines[0] as string).event).toMatchObject({
      cookies: '[Redacted]',
      headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'x-api-key': '[Redacted]' },
    });
    expect(JSON.parse(lines[1] as string).cookies).toBe('[Redacted]');
    expect(JSON.parse(lines[2] as string)).toMatchObject({
      Cookies: '[Redacted]',
      msg: 'cookies {"cookies":"[Redacted]"}',
    });
  });

  it("redacts the value after a credential name in Node's rawHeaders and rawTrailers lists, and no other list", () => {
    // Prepare
    const { lines, log, leaks } = collect();
    const raw = {
      rawHeaders: ['Host', 'api.example', 'Authorization', 'Bearer top-secret', 'COOKIE', 'session=cookie-secret'],
    };
    // Act
    log.info({ raw }, 'raw request');
    log.info('%j', { rawTrailers: ['x-api-key', 'key-secret'] });
    log.info(
      { cors: { allowHeaders: ['Authorization', 'Content-Type'] }, vary: ['Cookie', 'Accept-Encoding'] },
      'names',
    );
    // Assert
    expect(leaks()).toEqual([[], [], []]);
    // Lists of header names elsewhere are ordinary data.
    expect(JSON.parse(lines[2] as string)).toMatchObject({
      cors: { allowHeaders: ['Authorization', 'Content-Type'] },
      vary: ['Cookie', 'Accept-Encoding'],
    });
    expect(JSON.parse(lines[0] as string).raw.rawHeaders).toEqual([
      'Host',
      'api.example',
      'Authorization',
      '[Redacted]',
      'COOKIE',
      '[Redacted]',
    ]);
  });

  it('redacts the value of a [name, value] pair naming a credential, in lists of fetch headers at any depth', () => {
    // Prepare
    const { lines, log, leaks } = collect();
    const fetched = new Headers({ Authorization: 'Bearer top-secret', accept: 'json', 'X-API-Key': 'key-secret' });
    // Act
    log.info(
      {
        entries: [
          ['authorization', 'Bearer top-secret'],
          ['x', 'y'],
        ],
      },
      'entries',
    );
    log.info({ upstream: { request: { headers: [...fetched] } } }, 'fetch %j', [['Cookie', 'session=cookie-secret']]);
    log.info({ pairs: [['accept', 'json'], ['authorization'], ['cookie', 'a', 'b'], ['Cookie', ['cookie-secret']]] });
    // Assert
    expect(leaks()).toEqual([[], [], []]);
    expect(JSON.parse(lines[0] as string).entries).toEqual([
      ['authorization', '[Redacted]'],
      ['x', 'y'],
    ]);
    const second = JSON.parse(lines[1] as string);
    expect(second.upstream.request.headers).toEqual([
      ['accept', 'json'],
      ['authorization', '[Redacted]'],
      ['x-api-key', '[Redacted]'],
    ]);
    expect(second.msg).toBe('fetch [["Cookie","[Redacted]"]]');
    // Only a pair is one: other lists stay as they are.
    expect(JSON.parse(lines[2] as string).pairs).toEqual([
      ['accept', 'json'],
      ['authorization'],
      ['cookie', 'a', 'b'],
      ['Cookie', '[Redacted]'],
    ]);
  });

  it('writes [name, value] pairs of credentials as they are with redaction off', () => {
    const value = { entries: [['authorization', 'Bearer t']] };
    expect(JSON.parse(safeJson(value))).toEqual({ entries: [['authorization', '[Redacted]']] });
    expect(JSON.parse(safeJson(value, false))).toEqual(value);
  });

  it('redacts at any depth, and replaces a line too deep to serialise rather than leak it', () => {
    // Prepare
    const { lines, log, leaks } = collect();
    const deep = { a: { b: { c: { d: { e: { f: { g: { authorization: 'Bearer top-secret' } } } } } } } };
    let chain: Record<string, unknown> = { authorization: 'Bearer top-secret' };
    for (let i = 0; i < 100_000; i++) chain = { next: chain };
    // Act
    log.info({ deep }, 'deep');
    log.child({ deep }).info('deep child %j', deep);
    log.info({ chain }, 'chain');
    // Assert
    expect(leaks()).toEqual([[], [], []]);
    expect(JSON.parse(lines[0] as string).deep.a.b.c.d.e.f.g.authorization).toBe('[Redacted]');
    expect(lines[1]?.match(/\[Redacted\]/g)).toHaveLength(2);
    expect(JSON.parse(lines[2] as string)).toMatchObject({ level: 'info', msg: 'chain', logged: '[Unserialisable]' });
  });

  it('keeps the level, bindings and message of a line whose fields cannot be written', () => {
    // Prepare: a value no read of which succeeds (a revoked proxy), and one too deep to write
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    let chain: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) chain = { next: chain };
    const lines: [string, string][] = [];
    const log = createJsonLogger({ requestId: 'req-1' }, 'info', (line, level) => lines.push([level, line]));
    // Act
    log.error({ err: proxy }, 'payment failed');
    log.warn({ chain }, 'order skipped %s', 'ord_1');
    // Assert
    expect(lines.map(([level]) => level)).toEqual(['error', 'warn']);
    expect(JSON.parse(safeJson(chain))).toMatchObject({
      msg: 'unserialisable log line',
      reason: expect.stringMatching(/^RangeError/),
    });
    expect(JSON.parse(lines[0]?.[1] as string)).toMatchObject({
      level: 'error',
      requestId: 'req-1',
      msg: 'payment failed',
      logged: '[Unserialisable]',
    });
    expect(JSON.parse(lines[1]?.[1] as string)).toMatchObject({
      level: 'warn',
      requestId: 'req-1',
      msg: 'order skipped ord_1',
    });
  });
});

describe('safeJson', () => {
  it('redacts credential keys in any case, and writes them with redact off', () => {
    const value = { COOKIES: ['a=1'], nested: [{ 'Set-Cookie': 'sid=2' }], other: 'kept' };
    expect(JSON.parse(safeJson(value))).toEqual({
      COOKIES: '[Redacted]',
      nested: [{ 'Set-Cookie': '[Redacted]' }],
      other: 'kept',
    });
    expect(JSON.parse(safeJson(value, false))).toEqual(value);
  });

  it("redacts the credentials AWS events repeat: a REST caller's apiKey, a TOKEN authorizer's authorizationToken", () => {
    const authorizer = { type: 'TOKEN', authorizationToken: 'Bearer eyJhbGciOi', methodArn: 'arn:aws:execute-api:x' };
    const request = { type: 'REQUEST', identitySource: ['Bearer eyJhbGciOi'], routeArn: 'arn:aws:execute-api:x' };
    expect(JSON.parse(safeJson(request))).toEqual({ ...request, identitySource: '[Redacted]' });
    const rest = { requestContext: { identity: { apiKey: 'theApiKey', apiKeyId: 'theApiKeyId' } } };
    expect(JSON.parse(safeJson(authorizer))).toEqual({ ...authorizer, authorizationToken: '[Redacted]' });
    expect(JSON.parse(safeJson(rest))).toEqual({
      requestContext: { identity: { apiKey: '[Redacted]', apiKeyId: 'theApiKeyId' } },
    });
  });
});

describe('envLevel', () => {
  it("is LOG_LEVEL, else Lambda's AWS_LAMBDA_LOG_LEVEL, and sets the built-in logger's level", () => {
    const previous = { LOG_LEVEL: process.env.LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL };
    try {
      delete process.env.LOG_LEVEL;
      delete process.env.AWS_LAMBDA_LOG_LEVEL;
      expect(envLevel()).toBeUndefined();
      process.env.AWS_LAMBDA_LOG_LEVEL = 'ERROR';
      expect(envLevel()).toBe('ERROR');
      const lines: string[] = [];
      const log = createJsonLogger({}, undefined, (line) => lines.push(line));
      log.warn('dropped');
      log.error('kept');
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['kept']);
      process.env.LOG_LEVEL = 'debug';
      expect(envLevel()).toBe('debug');
      process.env.LOG_LEVEL = 'silent';
      const silent = createJsonLogger({}, undefined, (line) => lines.push(line));
      silent.fatal('not written');
      expect(lines).toHaveLength(1);
      // A name that is no level, an Object member included, is info.
      process.env.LOG_LEVEL = 'constructor';
      const fallback = createJsonLogger({}, undefined, (line) => lines.push(line));
      fallback.debug('below info');
      fallback.info('at info');
      expect(lines.slice(1).map((line) => JSON.parse(line).msg)).toEqual(['at info']);
    } finally {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

/** Runs `act` with a log collector, and gives the lines it collected. */
async function linesOf(act: () => Promise<unknown>): Promise<LogLine[]> {
  const logs = collectLogs();
  try {
    await act();
    return logs.lines;
  } finally {
    logs.restore();
  }
}

const isoTime = (value: unknown) => typeof value === 'string' && new Date(value).toISOString() === value;

const failingHttp = http({ method: 'GET', path: '/boom' }).handle((_req, ctx) => {
  ctx.log.warn('about to fail');
  throw new Error('database down');
});

describe('the built-in logger on each host', () => {
  it("writes Lambda's JSON log format through toLambda: upper-case level, ISO timestamp, message", async () => {
    // Prepare
    const handler = toLambda(failingHttp);
    const event = aws.apiGatewayV2({ method: 'GET', path: '/boom' });
    const context = createLambdaContext({ awsRequestId: 'req-aws', functionName: 'orders-api' });
    // Act
    const lines = await linesOf(() => handler(event, context));
    // Assert
    const [warning, failure] = lines;
    expect(warning).toEqual({
      level: 'WARN',
      timestamp: expect.any(String),
      requestId: 'req-aws',
      functionName: 'orders-api',
      message: 'about to fail',
    });
    expect(failure).toMatchObject({
      level: 'ERROR',
      requestId: 'req-aws',
      functionName: 'orders-api',
      err: { type: 'Error', message: 'database down' },
      message: '500 Internal Server Error',
    });
    expect(isoTime(failure?.timestamp)).toBe(true);
    for (const line of lines) expect(line).not.toHaveProperty('msg');
    for (const line of lines) expect(line).not.toHaveProperty('time');
  });

  it('writes a failed SQS message at ERROR through toLambda', async () => {
    // Prepare
    const fn = queue({ name: 'orders' }).handle(() => {
      throw new Error('payment declined');
    });
    const context = createLambdaContext({ awsRequestId: 'req-sqs', functionName: 'orders-worker' });
    // Act
    const lines = await linesOf(() => toLambda(fn)(aws.sqs([{ body: { orderId: 'o-1' } }]), context));
    // Assert
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId: 'req-sqs', err: { message: 'payment declined' } });
    expect(typeof errors[0]?.message).toBe('string');
    expect(lines.every((line) => typeof line.level === 'string' && line.level === line.level.toUpperCase())).toBe(true);
  });

  it("writes Cloud Logging's severity, message and ISO time through the GCP adapter, the stack as stack_trace", async () => {
    // Act
    const lines = await linesOf(() => invokeGcp(failingHttp, { method: 'GET', path: '/boom' }));
    // Assert
    const [warning, failure] = lines;
    expect(warning).toMatchObject({ severity: 'WARNING', message: 'about to fail' });
    expect(failure).toMatchObject({
      severity: 'ERROR',
      err: { type: 'Error', message: 'database down' },
      message: '500 Internal Server Error',
    });
    expect(typeof failure?.requestId).toBe('string');
    expect(isoTime(failure?.time)).toBe(true);
    expect(failure?.stack_trace).toBe((failure?.err as { stack?: unknown } | undefined)?.stack);
    expect(String(failure?.stack_trace)).toMatch(/^Error: database down\n\s+at /);
    expect(warning).not.toHaveProperty('stack_trace');
    for (const line of lines) expect(line).not.toHaveProperty('level');
    for (const line of lines) expect(line).not.toHaveProperty('msg');
  });

  it('writes a failed Pub/Sub message at ERROR through the GCP adapter', async () => {
    // Prepare
    const fn = queue({ name: 'orders' }).handle(() => {
      throw new Error('payment declined');
    });
    // Act
    const lines = await linesOf(() => invokeGcp(fn, gcp.pubsubCloudEvent({ data: { orderId: 'o-1' } })));
    // Assert
    const errors = lines.filter((line) => line.severity === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.err).toMatchObject({ message: 'payment declined' });
    expect(String(errors[0]?.stack_trace)).toContain('payment declined');
  });

  it("keeps plain JSON lines on Node and Azure: pino's level name, time in epoch ms, msg", async () => {
    for (const cloud of ['node', 'azure'] as const) {
      // Act
      const lines = await linesOf(() =>
        invoke(failingHttp, httpRequest({ path: '/boom' }), { cloud, requestId: 'r-1' }),
      );
      // Assert
      expect(lines[0]).toEqual({
        level: 'warn',
        time: expect.any(Number),
        requestId: 'r-1',
        functionName: expect.any(String),
        msg: 'about to fail',
      });
      expect(lines[1]).toMatchObject({
        level: 'error',
        msg: '500 Internal Server Error',
        err: { message: 'database down' },
      });
      expect(lines[1]).not.toHaveProperty('stack_trace');
    }
  });

  it('names levels and times with the fields logger() writes on the same host, at every level', async () => {
    // Prepare: one function that logs at each level, with logger() and without.
    const levelsLogged = ['info', 'warn', 'error', 'fatal'] as const;
    const each = (withLogger: boolean) => {
      const base = http({ method: 'GET', path: '/levels' });
      return (withLogger ? base.use(logger({ summary: false })) : base).handle((_req, ctx) => {
        for (const level of levelsLogged) ctx.log[level]({ err: new Error(level) }, level);
        return null;
      });
    };
    const shapeOf = (line: LogLine | undefined) => {
      const fields = ['level', 'severity', 'message', 'msg', 'stack_trace'].filter((key) => line?.[key] !== undefined);
      return { fields, level: line?.level ?? line?.severity, time: line?.timestamp ?? line?.time };
    };
    for (const cloud of ['aws', 'gcp', 'node', 'azure'] satisfies Cloud[]) {
      // Act
      const run = (withLogger: boolean) =>
        linesOf(() => invoke(each(withLogger), httpRequest({ path: '/levels' }), { cloud }));
      const builtIn = await run(false);
      const pino = await run(true);
      // Assert
      expect(builtIn).toHaveLength(levelsLogged.length);
      builtIn.forEach((line, i) => {
        const ours = shapeOf(line);
        const theirs = shapeOf(pino[i]);
        expect({ cloud, ...ours, time: typeof ours.time }).toEqual({ cloud, ...theirs, time: typeof theirs.time });
        expect(Object.keys(line).filter((key) => key === 'timestamp' || key === 'time')).toEqual(
          Object.keys(pino[i] ?? {}).filter((key) => key === 'timestamp' || key === 'time'),
        );
      });
    }
  });

  it('gives the process-wide logger of each cloud, the same one each time, the root one on Node and Azure', () => {
    expect(rootLoggerFor('aws')).toBe(rootLoggerFor('aws'));
    expect(rootLoggerFor('gcp')).toBe(rootLoggerFor('gcp'));
    expect(rootLoggerFor('node')).toBe(rootLoggerFor('azure'));
    expect(rootLoggerFor('aws')).not.toBe(rootLoggerFor('gcp'));
  });
});

/** An AWS SDK v3 service error: its status and request id are fields of its own. */
class ServiceError extends Error {
  readonly statusCode = 429;
  readonly $metadata = { httpStatusCode: 429, requestId: 'abc', attempts: 3 };
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * The `err` of the line a handler's throw of `error` is logged with, on AWS unless `cloud` names
 * another host, by the built-in logger and by `logger()`.
 */
async function errOfBoth(error: unknown, cloud: Cloud = 'aws'): Promise<{ builtIn: unknown; pino: unknown }> {
  const errOf = async (withLogger: boolean) => {
    const base = http({ method: 'GET', path: '/fails' });
    const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle(() => {
      throw error;
    });
    const lines = await linesOf(() => invoke(fn, httpRequest({ path: '/fails' }), { cloud }));
    const failure = lines.find((line) => /^500 /.test(String(line.message ?? line.msg)));
    return failure?.err;
  };
  return { builtIn: await errOf(false), pino: await errOf(true) };
}

describe('an error, written by the built-in logger and by logger() alike', () => {
  it("keeps the error's own fields, an AWS SDK error's statusCode and $metadata", async () => {
    // Act
    const { builtIn, pino } = await errOfBoth(new ServiceError('throttled'));
    // Assert
    const expected = {
      type: 'ServiceError',
      message: 'throttled',
      stack: expect.stringContaining('ServiceError: throttled'),
      statusCode: 429,
      $metadata: { httpStatusCode: 429, requestId: 'abc', attempts: 3 },
      name: 'ServiceError',
    };
    expect(builtIn).toEqual(expected);
    expect(pino).toEqual(expected);
  });

  it('redacts credentials in its fields, and lets none replace the type it writes', async () => {
    // Prepare
    const error = Object.assign(new Error('upstream said 401'), {
      type: 'https://example.com/problems/unauthorised',
      config: { headers: { Authorization: 'Bearer field-secret', accept: 'application/json' } },
    });
    // Act
    const { builtIn, pino } = await errOfBoth(error);
    // Assert
    const expected = {
      type: 'Error',
      message: 'upstream said 401',
      stack: expect.stringContaining('Error: upstream said 401'),
      config: { headers: { Authorization: '[Redacted]', accept: 'application/json' } },
    };
    expect(builtIn).toEqual(expected);
    expect(pino).toEqual(expected);
  });
});

describe("an HTTP client's error, written by the built-in logger and by logger() alike", () => {
  it('writes the request it carries as its type, not its raw header text with the credentials in it', async () => {
    // Prepare: an axios-style error holding the Node.js request it made, also under response.request
    const req = httpClientRequest({
      host: '127.0.0.1',
      port: 9,
      path: '/v1/charge',
      method: 'POST',
      headers: { Authorization: 'Bearer sk_live_SECRET123', 'x-custom-token': 'tok_SECRET456' },
    });
    const failed = await new Promise<Error>((resolve) => {
      req.on('error', resolve);
      req.end('{}');
    });
    const error = Object.assign(new Error('Request failed with status code 401', { cause: failed }), {
      name: 'AxiosError',
      request: req,
      response: { status: 401, request: req, data: { message: 'bad token' } },
    });

    // Act
    const { builtIn, pino } = await errOfBoth(error);

    // Assert
    for (const err of [builtIn, pino]) {
      expect(JSON.stringify(err)).not.toContain('SECRET');
      expect(err).toMatchObject({
        request: '[ClientRequest]',
        response: { status: 401, request: '[ClientRequest]', data: { message: 'bad token' } },
      });
    }
  });
});

describe('the class instances in an error, written by the built-in logger and by logger() alike', () => {
  it('writes each by its type, in a field or deeper, and keeps plain data', async () => {
    // Prepare: no field is named like a credential, so nothing is redacted by name
    class Wire {
      readonly sent = 'GET / HTTP/1.1\r\nAuthorization: Bearer TOPSECRET\r\n';
    }
    const error = Object.assign(new Error('upstream failed'), {
      wire: new Wire(),
      detail: { attempts: [1, 2], via: new Wire(), at: new Date(0) },
    });

    // Act
    const { builtIn, pino } = await errOfBoth(error);

    // Assert
    for (const err of [builtIn, pino]) {
      expect(JSON.stringify(err)).not.toContain('TOPSECRET');
      expect(err).toMatchObject({
        wire: '[Wire]',
        detail: { attempts: [1, 2], via: '[Wire]', at: '1970-01-01T00:00:00.000Z' },
      });
    }
  });
});

describe('a DOMException, written by the built-in logger and by logger() alike', () => {
  it('keeps its name, message and code, not the twenty-five constants it inherits', async () => {
    // Act: what fetch or AbortSignal.timeout() reject with
    const { builtIn, pino } = await errOfBoth(new DOMException('the upstream took too long', 'AbortError'));

    // Assert
    for (const err of [builtIn, pino]) {
      expect(err).toMatchObject({ message: 'the upstream took too long', name: 'AbortError', code: 20 });
      expect(Object.keys(err as object).filter((key) => /^[A-Z_]+$/.test(key))).toEqual([]);
    }
  });
});

describe('a cause that is no error, written by the built-in logger and by logger() alike', () => {
  it('is written as the value it is: an object, a string', async () => {
    for (const cause of [{ code: 'ECONNREFUSED', port: 5432 }, 'inner string cause']) {
      // Act
      const { builtIn, pino } = await errOfBoth(new Error('outer', { cause }));
      // Assert
      const expected = { type: 'Error', message: 'outer', stack: expect.stringContaining('Error: outer'), cause };
      expect(builtIn).toEqual(expected);
      expect(pino).toEqual(expected);
    }
  });

  it('has its credentials redacted', async () => {
    // Prepare
    const cause = { request: { headers: { authorization: 'Bearer cause-secret', host: 'db.internal' } } };
    // Act
    const { builtIn, pino } = await errOfBoth(new Error('outer', { cause }));
    // Assert
    const expected = { request: { headers: { authorization: '[Redacted]', host: 'db.internal' } } };
    expect(builtIn).toMatchObject({ message: 'outer', cause: expected });
    expect(pino).toMatchObject({ message: 'outer', cause: expected });
    expect(cause.request.headers.authorization).toBe('Bearer cause-secret');
  });

  it('leaves an error cause as each logger wrote it: nested by the built-in one, in the message and stack by pino', async () => {
    // Act
    const { builtIn, pino } = await errOfBoth(new Error('outer', { cause: new Error('inner') }));
    // Assert
    expect(builtIn).toMatchObject({ message: 'outer', cause: { type: 'Error', message: 'inner' } });
    expect(pino).toMatchObject({ message: 'outer: inner', stack: expect.stringContaining('caused by: Error: inner') });
    expect(pino).not.toHaveProperty('cause');
  });
});

describe('the errors in an error, written by the built-in logger and by logger() alike', () => {
  /** A driver's connection error, as Node's `net` makes it. */
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), {
      errno: -111,
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '10.0.0.5',
      port: 5432,
    });
  const refusedAs = (error: Error) => ({
    type: 'Error',
    message: 'connect ECONNREFUSED 10.0.0.5:5432',
    stack: error.stack,
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: '10.0.0.5',
    port: 5432,
  });

  it('writes an error in a field as an error, with its type, message, stack and fields: the root cause', async () => {
    // Prepare: an ORM's error wrapping the driver's, as Sequelize's `original`
    const original = refused();
    const error = Object.assign(new Error('query failed'), { original });
    // Act
    const { builtIn, pino } = await errOfBoth(error);
    // Assert
    const expected = { type: 'Error', message: 'query failed', stack: error.stack, original: refusedAs(original) };
    expect(builtIn).toEqual(expected);
    expect(pino).toEqual(expected);
  });

  it("writes an AggregateError's errors as errors, under errors", async () => {
    // Prepare
    const shard1 = new Error('shard 1 down');
    const shard2 = Object.assign(new TypeError('shard 2 down'), { shard: 2 });
    const error = new AggregateError([shard1, shard2], 'all shards down');
    // Act
    const { builtIn, pino } = await errOfBoth(error);
    // Assert
    const expected = {
      type: 'AggregateError',
      message: 'all shards down',
      stack: error.stack,
      errors: [
        { type: 'Error', message: 'shard 1 down', stack: shard1.stack },
        { type: 'TypeError', message: 'shard 2 down', stack: shard2.stack, shard: 2 },
      ],
    };
    expect(builtIn).toEqual(expected);
    expect(pino).toEqual(expected);
  });

  it('writes errors deeper in a field, in a list, and in the errors of a nested error, redacting their credentials', async () => {
    // Prepare
    const original = refused();
    const call = Object.assign(new Error('upstream said 401'), {
      config: { headers: { Authorization: 'Bearer nested-secret', accept: 'application/json' } },
    });
    const inner = new AggregateError([call], 'every retry failed');
    const error = Object.assign(new Error('sync failed'), {
      details: { attempt: 3, last: original },
      retries: [inner],
    });
    // Act
    const { builtIn, pino } = await errOfBoth(error);
    // Assert
    const expected = {
      type: 'Error',
      message: 'sync failed',
      stack: error.stack,
      details: { attempt: 3, last: refusedAs(original) },
      retries: [
        {
          type: 'AggregateError',
          message: 'every retry failed',
          stack: inner.stack,
          errors: [
            {
              type: 'Error',
              message: 'upstream said 401',
              stack: call.stack,
              config: { headers: { Authorization: '[Redacted]', accept: 'application/json' } },
            },
          ],
        },
      ],
    };
    expect(builtIn).toEqual(expected);
    expect(pino).toEqual(expected);
  });

  it('writes the error cause of a nested error nested, as the built-in logger writes causes', async () => {
    // Prepare
    const root = refused();
    const original = new Error('pool exhausted', { cause: root });
    const error = Object.assign(new Error('query failed'), { original });
    // Act
    const { builtIn, pino } = await errOfBoth(error);
    // Assert
    const expected = {
      type: 'Error',
      message: 'pool exhausted',
      stack: original.stack,
      cause: refusedAs(root),
    };
    expect((builtIn as { original?: unknown }).original).toEqual(expected);
    expect((pino as { original?: unknown }).original).toEqual(expected);
  });

  it('writes at most 20 errors of a list, then how many more there are', async () => {
    // Prepare
    const shards = Array.from({ length: 25 }, (_, i) => new Error(`shard ${i} down`));
    // Act
    const { builtIn, pino } = await errOfBoth(new AggregateError(shards, 'all shards down'));
    // Assert
    const expected = [
      ...shards.slice(0, 20).map((shard) => ({ type: 'Error', message: shard.message, stack: shard.stack })),
      '[5 more]',
    ];
    expect((builtIn as { errors?: unknown }).errors).toEqual(expected);
    expect((pino as { errors?: unknown }).errors).toEqual(expected);
  });

  it('writes a line with a cause that is a cyclic graph with shared parts, on both loggers, without writing 2^24 paths', async () => {
    // Prepare: every level points twice at the next and back at the root, 2^24 paths to write
    const root: Record<string, unknown> = { leaf: true };
    let node: Record<string, unknown> = { root };
    for (let i = 0; i < 24; i++) node = { a: node, b: node, root };
    root.child = node;
    const error = new Error('graph failed', { cause: root });
    // Act
    const builtIn = await linesOf(() =>
      invoke(
        http().handle(() => {
          throw error;
        }),
        httpRequest(),
        { cloud: 'aws', requestId: 'r-graph' },
      ),
    );
    const { pino } = await errOfBoth(error);
    // Assert: the built-in logger's line says it could not be written; logger() writes the error
    expect(builtIn.find((line) => line.level === 'ERROR')).toMatchObject({
      requestId: 'r-graph',
      logged: '[Unserialisable]',
      message: '500 Internal Server Error',
    });
    expect(pino).toEqual({ type: 'Error', message: 'graph failed', stack: error.stack });
  });
});

describe('a thrown value that is no error, written by the built-in logger and by logger() alike', () => {
  it('writes undefined, a symbol and a function, which JSON drops, by their type', async () => {
    // Prepare
    function reconnect() {}
    const cases: [unknown, unknown][] = [
      [undefined, { type: 'undefined', message: 'undefined' }],
      [Symbol('lock lost'), { type: 'symbol', message: 'Symbol(lock lost)' }],
      [reconnect, { type: 'function', message: 'reconnect' }],
      [() => {}, { type: 'function', message: 'anonymous' }],
    ];
    for (const cloud of ['aws', 'gcp', 'node'] as const) {
      for (const [thrown, expected] of cases) {
        // Act
        const { builtIn, pino } = await errOfBoth(thrown, cloud);
        // Assert
        expect(builtIn).toEqual(expected);
        expect(pino).toEqual(expected);
      }
    }
  });

  it('writes an object of a class with its type name, which no field of its replaces', async () => {
    // Prepare
    class Custom {
      a = 1;
    }
    class Outcome {
      readonly type = 'conflict';
      readonly message = 'version 3 is taken';
      readonly headers = { authorization: 'Bearer class-secret' };
    }
    // Act
    const custom = await errOfBoth(new Custom());
    const outcome = await errOfBoth(new Outcome());
    // Assert
    expect(custom.builtIn).toEqual({ type: 'Custom', a: 1 });
    expect(custom.pino).toEqual({ type: 'Custom', a: 1 });
    const expected = { type: 'Outcome', message: 'version 3 is taken', headers: { authorization: '[Redacted]' } };
    expect(outcome.builtIn).toEqual(expected);
    expect(outcome.pino).toEqual(expected);
  });

  it('writes a plain object, a string, a number and null as they are', async () => {
    for (const thrown of [{ code: 'ConditionalCheckFailed', retry: false }, 'lock lost', 42, null]) {
      // Act
      const { builtIn, pino } = await errOfBoth(thrown);
      // Assert
      expect(builtIn).toEqual(thrown);
      expect(pino).toEqual(thrown);
    }
  });
});

describe("the built-in logger's errors", () => {
  it('writes a field leading back to the error as [Circular], an error in a field as an error, and a throwing getter as [Unserialisable]', () => {
    // Prepare
    const { lines, log } = collect();
    const error = new Error('failed') as Error & Record<string, unknown>;
    error.retry = { after: 1 };
    error.self = error;
    error.upstream = Object.assign(new Error('upstream'), { status: 503 });
    Object.defineProperty(error, 'broken', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    // Act
    log.error({ err: error }, 'failed');
    // Assert
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      msg: 'failed',
      err: {
        type: 'Error',
        message: 'failed',
        retry: { after: 1 },
        self: '[Circular]',
        upstream: { type: 'Error', message: 'upstream', status: 503 },
        broken: '[Unserialisable]',
      },
    });
  });
});

describe('createJsonLogger() in the format of a cloud', () => {
  it('writes the lines the built-in logger writes on that cloud, with a sink given or the destination', () => {
    // Prepare
    const lines: string[] = [];
    const sink = (line: string) => lines.push(line);
    const error = new Error('down');

    // Act
    createJsonLogger({ requestId: 'r-1' }, 'debug', { cloud: 'aws', sink }).debug({ step: 1 }, 'looking up');
    createJsonLogger({ requestId: 'r-1' }, 'debug', { cloud: 'gcp', sink }).error(error, 'failed');
    createJsonLogger({}, 'info', { cloud: 'azure', sink }).warn('slow');
    createJsonLogger({}, 'info', { sink }).info('plain');
    createJsonLogger({}, 'info', sink).info('as before');
    const logs = collectLogs();
    try {
      createJsonLogger({}, 'info', { cloud: 'aws' }).info('to the destination');
    } finally {
      logs.restore();
    }

    // Assert
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed[0]).toEqual({
      level: 'DEBUG',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestId: 'r-1',
      step: 1,
      message: 'looking up',
    });
    expect(parsed[1]).toMatchObject({ severity: 'ERROR', message: 'failed', stack_trace: error.stack });
    expect(parsed[1]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(parsed[2]).toMatchObject({ level: 'warn', time: expect.any(Number), msg: 'slow' });
    expect(parsed[3]).toMatchObject({ level: 'info', msg: 'plain' });
    expect(parsed[4]).toMatchObject({ level: 'info', msg: 'as before' });
    expect(logs.lines).toEqual([expect.objectContaining({ level: 'INFO', message: 'to the destination' })]);
  });
});

/** The keys a platform checks before the function runs, with made-up values: Azure Functions' and API Management's. */
const platformKeys = { 'x-functions-key': 'function-key-secret', 'Ocp-Apim-Subscription-Key': 'apim-key-secret' };

describe("the keys a platform checks, in a request's headers", () => {
  it.each([
    ['the built-in logger', false],
    ['logger()', true],
  ])('are redacted by %s when the headers are logged', async (_name, withLogger) => {
    // Prepare: a function with authLevel 'function' receives its key in x-functions-key.
    const base = http({ method: 'GET', path: '/orders' });
    const fn = (withLogger ? base.use(logger({ summary: false })) : base).handle((req, ctx) => {
      ctx.log.info({ headers: req.headers, raw: Object.entries(req.headers) }, 'request');
      return 'ok';
    });

    // Act
    const lines = await linesOf(() =>
      invoke(fn, httpRequest({ path: '/orders', headers: { ...platformKeys, 'x-ms-client-principal-name': 'ada' } }), {
        cloud: 'azure',
      }),
    );

    // Assert
    const [line] = lines.filter((each) => each.msg === 'request' || each.message === 'request');
    const logged = (line as { headers: Record<string, string> }).headers;
    expect(logged['x-functions-key']).toBe('[Redacted]');
    expect(logged['ocp-apim-subscription-key']).toBe('[Redacted]');
    expect(logged['x-ms-client-principal-name']).toBe('ada');
    const text = JSON.stringify(lines);
    for (const secret of Object.values(platformKeys)) expect(text).not.toContain(secret);
  });

  it('are credential keys in any case, in a rawHeaders list too', () => {
    // Prepare
    const { lines, log } = collect();

    // Act
    log.info({ rawHeaders: Object.entries(platformKeys).flat() }, 'raw');

    // Assert
    for (const name of ['x-functions-key', 'X-Functions-Key', 'ocp-apim-subscription-key']) {
      expect(isCredentialKey(name)).toBe(true);
    }
    expect(credentialHeaders).toEqual(expect.arrayContaining(['x-functions-key', 'ocp-apim-subscription-key']));
    for (const secret of Object.values(platformKeys)) expect(lines.join('\n')).not.toContain(secret);
  });
});
