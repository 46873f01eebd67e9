import { createServer, type IncomingMessage, request as send } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMessage, HttpError, http, queue, router } from '@skyport/core';
import { tracing } from '@skyport/core/tracing';
import { aws, collectLogs, httpRequest, invoke, type LogCollector, type LogLine } from '@skyport/testing';
import fc from 'fast-check';
import type { Logger as PinoLogger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultRedactions, type LoggerOptions, logger } from './index.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
});

const createOrder = (options: Parameters<typeof logger>[0] = {}) =>
  http({ method: 'POST', path: '/orders' })
    .use(logger(options))
    .handle((req, ctx) => {
      ctx.log.info({ sku: 'a-1' }, 'creating order');
      ctx.log.warn({ headers: req.headers, body: req.body }, 'request seen');
      return { status: 201, body: { id: 'o-1' } };
    });

const request = httpRequest({
  method: 'POST',
  path: '/orders',
  headers: {
    traceparent,
    authorization: 'Bearer secret-token-value',
    cookie: 'session=secret-cookie',
    'x-api-key': 'secret-api-key',
  },
  body: { sku: 'a-1', password: 'hunter2' },
});

const base = { requestId: 'req-1', functionName: 'create-order', coldStart: true } as const;
const without = (line: LogLine | undefined, ...keys: string[]) => {
  const copy = { ...line };
  for (const key of keys) delete copy[key];
  return copy;
};

describe('logger() on AWS', () => {
  it('writes Lambda JSON lines with level text, requestId, X-Ray id and a summary', async () => {
    // Act
    const res = await invoke(createOrder(), request, { ...base, cloud: 'aws' });
    // Assert
    expect(res.status).toBe(201);
    expect(logs.lines).toHaveLength(3);
    const [info, , summary] = logs.lines;
    expect(typeof info?.timestamp).toBe('string');
    expect(new Date(String(info?.timestamp)).toISOString()).toBe(info?.timestamp);
    expect(without(info, 'timestamp')).toEqual({
      level: 'INFO',
      requestId: 'req-1',
      functionName: 'create-order',
      cloud: 'aws',
      coldStart: true,
      traceId,
      spanId,
      xrayTraceId: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
      sku: 'a-1',
      message: 'creating order',
    });
    expect(summary).toMatchObject({
      level: 'INFO',
      message: 'invocation completed',
      outcome: 'success',
      method: 'POST',
      route: '/orders',
      status: 201,
      coldStart: true,
      requestId: 'req-1',
    });
    expect(typeof summary?.durationMs).toBe('number');
    const rawSummary = logs.text().split('\n')[2] ?? '';
    expect(rawSummary.match(/"coldStart"/g)).toHaveLength(1);
  });

  it('never logs a negative duration when a test fakes the timers while the invocation runs', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = http()
      .use(logger())
      .handle(async () => {
        await gate;
        return 'ok';
      });
    const pending = invoke(fn, httpRequest());
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Fake timers start `performance.now()` over, near 0, below the time the invocation started.
    vi.useFakeTimers();
    try {
      release();
      expect((await pending).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
    const summary = logs.find('invocation completed')[0];
    expect(summary?.durationMs).toBe(0);
  });

  it('reads the X-Ray header from the platform carrier when the request has none', async () => {
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => ctx.log.info('hi'));
    await invoke(fn, httpRequest(), {
      ...base,
      cloud: 'aws',
      trace: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
    });
    expect(logs.lines[0]).toMatchObject({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793',
    });
  });
});

describe('logger() with an unsampled X-Ray trace (Active tracing off)', () => {
  const root = '1-65a1b2c3-0123456789abcdef01234567';
  afterEach(() => {
    delete process.env._X_AMZN_TRACE_ID;
  });

  it("still writes the trace id of Lambda's unsampled _X_AMZN_TRACE_ID, so lines correlate", async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=1111111111111111;Sampled=0;Lineage=a:1`;
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => ctx.log.info('hi'));
    await invoke(fn, httpRequest(), { ...base, cloud: 'aws' });
    expect(logs.lines[0]).toMatchObject({
      traceId: '65a1b2c30123456789abcdef01234567',
      spanId: '1111111111111111',
      xrayTraceId: root,
    });
  });

  it('writes the trace id of a header without a parent span, and no span id', async () => {
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => ctx.log.info('hi'));
    await invoke(fn, httpRequest({ headers: { 'x-amzn-trace-id': `Root=${root}` } }), { ...base, cloud: 'aws' });
    expect(logs.lines[0]).toMatchObject({ traceId: '65a1b2c30123456789abcdef01234567', xrayTraceId: root });
    expect(logs.lines[0]).not.toHaveProperty('spanId');
  });
});

describe('logger() redaction', () => {
  it('redacts credential headers and configured paths, and no line holds a secret', async () => {
    await invoke(createOrder({ redact: ['body.password'] }), request, { ...base, cloud: 'aws' });
    const seen = logs.find((line) => line.message === 'request seen')[0] as {
      headers: Record<string, string>;
      body: Record<string, string>;
    };
    expect(seen.headers.authorization).toBe('[Redacted]');
    expect(seen.headers.cookie).toBe('[Redacted]');
    expect(seen.headers['x-api-key']).toBe('[Redacted]');
    expect(seen.headers.traceparent).toBe(traceparent);
    expect(seen.body).toEqual({ sku: 'a-1', password: '[Redacted]' });
    for (const secret of ['secret-token-value', 'secret-cookie', 'secret-api-key', 'hunter2']) {
      expect(logs.text()).not.toContain(secret);
    }
  });

  it("redacts the credential headers of the platforms' own sign-in features (ALB OIDC, ESPv2, Cloud Run, App Service)", async () => {
    // Prepare
    const tokens = {
      'x-amzn-oidc-accesstoken': 'alb-access-secret',
      'x-amzn-oidc-data': 'alb-claims-secret',
      'x-forwarded-authorization': 'Bearer espv2-secret',
      'x-serverless-authorization': 'Bearer cloud-run-secret',
      'x-ms-token-aad-access-token': 'aad-access-secret',
      'x-ms-token-aad-refresh-token': 'aad-refresh-secret',
      'x-ms-token-aad-id-token': 'aad-id-secret',
      'x-ms-token-google-access-token': 'google-access-secret',
      'x-ms-token-facebook-access-token': 'facebook-access-secret',
      'x-ms-token-twitter-access-token-secret': 'twitter-secret',
      'x-ms-token-microsoftaccount-refresh-token': 'msa-refresh-secret',
    };
    const fn = http()
      .use(logger({ summary: false }))
      .handle((req, ctx) => {
        ctx.log.info({ headers: req.headers }, 'h');
        ctx.log.info({ rawHeaders: Object.entries(tokens).flat() }, 'raw');
        return 'ok';
      });
    // Act
    await invoke(fn, httpRequest({ headers: { ...tokens, 'x-ms-client-principal-name': 'ada' } }), base);
    // Assert
    const headers = logs.lines[0]?.headers as Record<string, string>;
    for (const name of Object.keys(tokens)) expect(headers[name]).toBe('[Redacted]');
    expect(headers['x-ms-client-principal-name']).toBe('ada');
    for (const value of Object.values(tokens)) expect(logs.text()).not.toContain(value);
  });

  it('redacts credential keys in any case, nested, without touching the logged object', async () => {
    const logged = {
      request: { headers: { Authorization: 'Bearer abc.def', 'X-Api-Key': 'k-1', accept: 'json' } },
      list: [1],
    };
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => ctx.log.info(logged, 'nested'));
    await invoke(fn, httpRequest(), base);
    expect(logs.lines[0]).toMatchObject({
      request: { headers: { Authorization: '[Redacted]', 'X-Api-Key': '[Redacted]', accept: 'json' } },
      list: [1],
    });
    expect(logged.request.headers.Authorization).toBe('Bearer abc.def');
  });

  it('redacts exactly the keys that lower-case to a credential name', async () => {
    // Prepare: credential names in mixed case (with the Kelvin sign, which lower-cases to k),
    // near misses, and arbitrary strings
    const variant = fc
      .tuple(
        fc.constantFrom(...defaultRedactions, 'x-ms-token-aad-access-token', 'x-ms-token-'),
        fc.infiniteStream(fc.constantFrom('lower', 'upper', 'kelvin')),
      )
      .map(([name, cases]) =>
        [...name]
          .map((c) => {
            const mode = cases.next().value;
            if (mode === 'kelvin' && c === 'k') return '\u212a';
            return mode === 'upper' ? c.toUpperCase() : c;
          })
          .join(''),
      );
    const key = fc.oneof(
      variant,
      variant.map((name) => `${name}s`),
      variant.map((name) => name.replace('i', '\u0130')),
      fc.string({ maxLength: 14 }),
    );
    let line: Record<string, unknown> = {};
    const fn = http()
      .use(logger({ summary: false }))
      .handle((req, ctx) => ctx.log.info({ [req.header('x-key') ?? '']: 'v' }, 'k'));
    await fc.assert(
      fc.asyncProperty(key, async (name) => {
        fc.pre(!['level', 'time', 'msg', 'requestId', 'functionName', 'cloud', 'coldStart'].includes(name));
        logs.lines.length = 0;
        // Act
        await invoke(fn, httpRequest({ headers: { 'x-key': name } }), base);
        line = logs.lines[0] ?? {};
        // Assert
        const lower = name.toLowerCase();
        const secret = defaultRedactions.includes(lower) || lower.startsWith('x-ms-token-');
        expect(line[name]).toBe(secret ? '[Redacted]' : 'v');
      }),
      { numRuns: 300 },
    );
  });

  it('redacts inside logged requests, errors and arrays, where secrets usually hide', async () => {
    const upstream = Object.assign(new Error('upstream said 401'), {
      config: { url: 'https://api.example', headers: { Authorization: 'Bearer upstream-secret' } },
    });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((req, ctx) => {
        ctx.log.info({ req }, 'the whole request');
        ctx.log.info({ calls: [{ headers: { cookie: 'sid=array-secret' } }] }, 'calls');
        throw upstream;
      });
    const raw = { headers: { authorization: 'Bearer raw-event-secret' }, body: '{}' };
    const res = await invoke(fn, { ...httpRequest({ headers: { authorization: 'Bearer header-secret' } }), raw }, base);

    expect(res.status).toBe(500);
    for (const secret of ['raw-event-secret', 'header-secret', 'array-secret', 'upstream-secret']) {
      expect(logs.text()).not.toContain(secret);
    }
    const failure = logs.lines.find(
      (line) => line.level === 50 || line.level === 'error' || line.msg === '500 Internal Server Error',
    );
    expect(JSON.stringify(failure)).toContain('upstream said 401');
  });

  it("redacts credential values in a raw Node request's rawHeaders, and leaves other lists of names alone", async () => {
    const raw = await incoming({ Authorization: 'Bearer raw-header-secret', cookie: 'sid=raw-cookie-secret' });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ raw }, 'the raw request');
        ctx.log.info({ trailers: { rawTrailers: ['cookie', 'sid=list-secret'] }, vary: ['Cookie', 'Accept'] }, 'lists');
      });
    await invoke(fn, httpRequest(), base);

    for (const secret of ['raw-header-secret', 'raw-cookie-secret', 'list-secret']) {
      expect(logs.text()).not.toContain(secret);
    }
    expect(logs.lines[0]?.raw).toMatchObject({ rawHeaders: expect.arrayContaining(['Authorization', '[Redacted]']) });
    expect(logs.lines[1]).toMatchObject({
      trailers: { rawTrailers: ['cookie', '[Redacted]'] },
      vary: ['Cookie', 'Accept'],
    });
  });

  it('redacts top-level credential keys and set-cookie on logged responses', async () => {
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => {
        ctx.log.info({ authorization: 'Basic abc', res: { headers: { 'set-cookie': 'sid=1' } } }, 'x');
      });
    await invoke(fn, httpRequest(), base);
    expect(logs.lines[0]).toMatchObject({
      authorization: '[Redacted]',
      res: { headers: { 'set-cookie': '[Redacted]' } },
    });
  });
});

describe('logger() redaction beyond the logged object', () => {
  const secrets = ['Bearer top-secret', 'session=cookie-secret', 'key-secret', 'cookie-secret'];
  const secretRequest = httpRequest({
    headers: { authorization: 'Bearer top-secret', cookie: 'session=cookie-secret', 'x-api-key': 'key-secret' },
  });
  /** Each line the handler wrote, serialised as written, with the secrets it leaked. */
  const leaksByLine = () =>
    logs
      .text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => ({ line, leaked: secrets.filter((secret) => line.includes(secret)) }));

  for (const options of [{}, { redact: ['body.password'] }] as const) {
    const label = options.redact === undefined ? '' : ' (with configured paths)';

    it(`redacts credentials in %j, %o, %O arguments and an object given as the message${label}`, async () => {
      // Prepare
      const fn = http()
        .use(logger({ ...options, summary: false, format: 'aws' }))
        .handle((req, ctx) => {
          ctx.log.info('headers %j', req.headers);
          ctx.log.info('headers %o', req.headers);
          ctx.log.info('headers %O and %j', req.headers, { nested: { headers: req.headers } });
          ctx.log.info({ step: 'seen' }, 'then %j', req.headers);
          // @ts-expect-error: JavaScript callers can give an object as the message, which pino writes whole
          ctx.log.info({ step: 'seen' }, req.headers);
          ctx.log.info('ignored extra argument', req.headers);
        });
      // Act
      await invoke(fn, secretRequest, { ...base, cloud: 'aws' });
      // Assert
      const lines = leaksByLine();
      expect(lines).toHaveLength(6);
      for (const { leaked } of lines) expect(leaked).toEqual([]);
      for (const { line } of lines.slice(0, 5)) expect(line).toContain('[Redacted]');
      expect(logs.lines[0]?.message).toBe(
        'headers {"authorization":"[Redacted]","cookie":"[Redacted]","x-api-key":"[Redacted]"}',
      );
    });

    it(`redacts credentials in child bindings, nested children included${label}`, async () => {
      // Prepare
      const fn = http()
        .use(logger({ ...options, summary: false }))
        .handle((req, ctx) => {
          ctx.log.child({ headers: req.headers }).info('child');
          ctx.log
            .child({ step: 'charge' })
            .child({ upstream: { request: { Authorization: 'Bearer top-secret' } } })
            .warn('grandchild');
          const bound = ctx.log.child({ step: 'bound' }) as PinoLogger;
          bound.setBindings({ cookies: { session: 'cookie-secret' } });
          bound.info('rebound');
        });
      // Act
      await invoke(fn, secretRequest, base);
      // Assert
      const lines = leaksByLine();
      expect(lines).toHaveLength(3);
      for (const { line, leaked } of lines) {
        expect(leaked).toEqual([]);
        expect(line).toContain('[Redacted]');
      }
      expect(logs.lines[0]).toMatchObject({
        msg: 'child',
        requestId: 'req-1',
        headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'x-api-key': '[Redacted]' },
      });
      expect(logs.lines[1]).toMatchObject({
        step: 'charge',
        upstream: { request: { Authorization: '[Redacted]' } },
      });
      expect(logs.lines[2]).toMatchObject({ step: 'bound', cookies: '[Redacted]' });
    });
  }

  it('keeps configured paths working in child bindings and interpolated arguments', async () => {
    // Prepare
    const fn = http()
      .use(logger({ redact: ['body.password'], summary: false }))
      .handle((_req, ctx) => {
        ctx.log.child({ body: { sku: 'a-1', password: 'hunter2' } }).info('bound body');
        ctx.log.info({ body: { password: 'hunter2' } }, 'logged body');
      });
    // Act
    await invoke(fn, httpRequest(), base);
    // Assert
    expect(logs.lines[0]).toMatchObject({ body: { sku: 'a-1', password: '[Redacted]' } });
    expect(logs.lines[1]).toMatchObject({ body: { password: '[Redacted]' } });
    expect(logs.text()).not.toContain('hunter2');
  });

  it('treats cookies as a credential: the parsed cookies and the API Gateway v2 cookie array', async () => {
    // Prepare
    const event = aws.apiGatewayV2({
      path: '/x',
      headers: { authorization: 'Bearer top-secret' },
      cookies: ['session=cookie-secret'],
    });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((req, ctx) => {
        ctx.log.info({ event }, 'raw event');
        ctx.log.info({ cookies: req.cookies }, 'parsed cookies');
        ctx.log.info('cookies %j', { Cookies: req.cookies });
      });
    // Act
    await invoke(fn, secretRequest, base);
    // Assert
    expect(event.cookies).toEqual(['session=cookie-secret']);
    const [raw, parsed, interpolated] = logs.lines;
    expect(raw).toMatchObject({ event: { cookies: '[Redacted]', headers: { authorization: '[Redacted]' } } });
    expect(parsed).toMatchObject({ cookies: '[Redacted]' });
    expect(interpolated?.msg).toBe('cookies {"Cookies":"[Redacted]"}');
    for (const { leaked } of leaksByLine()) expect(leaked).toEqual([]);
  });

  it('redacts at any depth a line serialises, and writes what lies past 100 levels as [Too deep]', async () => {
    // Prepare: 8 levels (past the former cap of 6), and a chain deeper than the walk goes
    const deep = { a: { b: { c: { d: { e: { f: { g: { authorization: 'Bearer top-secret' } } } } } } } };
    let chain: Record<string, unknown> = { authorization: 'Bearer top-secret' };
    for (let i = 0; i < 150; i++) chain = { next: chain };
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ deep }, 'deep');
        ctx.log.info({ chain }, 'chain');
        ctx.log.info('deep %j', deep);
        ctx.log.child({ deep }).info('deep child');
      });
    // Act
    await invoke(fn, httpRequest(), base);
    // Assert
    const lines = leaksByLine();
    expect(lines).toHaveLength(4);
    for (const { line, leaked } of lines) {
      expect(leaked).toEqual([]);
      expect(line).toMatch(/\[Redacted\]|\[Too deep\]/);
    }
    expect(logs.lines[0]).toMatchObject({
      deep: { a: { b: { c: { d: { e: { f: { g: { authorization: '[Redacted]' } } } } } } } },
    });
    expect(lines[1]?.line).toContain('[Too deep]');
    expect(lines[1]?.line.match(/"next"/g)?.length).toBeGreaterThanOrEqual(100);
  });

  it('redacts inside cycles and aggregated errors, which pino writes past the first copy', async () => {
    // Prepare
    const cyclic: Record<string, unknown> = { authorization: 'Bearer top-secret', n: 1 };
    cyclic.self = cyclic;
    const upstream = Object.assign(new Error('upstream said 401'), {
      config: { headers: { 'X-Api-Key': 'key-secret' } },
    });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ cyclic }, 'cycle');
        ctx.log.error({ err: new AggregateError([upstream], 'all calls failed') }, 'aggregate');
      });
    // Act
    await invoke(fn, httpRequest(), base);
    // Assert
    expect(logs.lines[0]).toMatchObject({ cyclic: { authorization: '[Redacted]', n: 1, self: '[Circular]' } });
    expect(logs.lines[1]).toMatchObject({
      err: {
        type: 'AggregateError',
        message: 'all calls failed',
        errors: [{ type: 'Error', config: { headers: { 'X-Api-Key': '[Redacted]' } } }],
      },
    });
    for (const { leaked } of leaksByLine()) expect(leaked).toEqual([]);
    expect(cyclic.authorization).toBe('Bearer top-secret');
  });
  it('keeps a cyclic graph with shared parts a bounded line, redacted', async () => {
    // Prepare: every level points twice at the next and back at the root, so a copy that
    // replaced the cycles would serialise 2^24 paths
    const root: Record<string, unknown> = { authorization: 'Bearer top-secret' };
    let node: Record<string, unknown> = { leaf: true, root };
    for (let i = 0; i < 24; i++) node = { a: node, b: node, root, cookie: 'session=cookie-secret' };
    root.child = node;
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => ctx.log.info({ graph: root }, 'graph'));
    // Act
    await invoke(fn, httpRequest(), base);
    // Assert
    const line = JSON.stringify(logs.lines[0]);
    expect(line.length).toBeLessThan(20_000);
    expect(logs.lines[0]).toMatchObject({ msg: 'graph', graph: { authorization: '[Redacted]' } });
    for (const { leaked } of leaksByLine()) expect(leaked).toEqual([]);
  });

  it('redacts the value of a [name, value] pair naming a credential in a list, at any depth', async () => {
    // Prepare
    const entries = [
      ['authorization', 'Bearer LEAK1'],
      ['x', 'y'],
    ];
    const headers = new Headers({ Authorization: 'Bearer LEAK2', cookie: 'sid=LEAK3', accept: 'text/html' });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ entries }, 'pairs');
        ctx.log.info(
          { req: { headers: [...headers], meta: { all: [Object.entries({ 'X-Api-Key': 'LEAK4' })] } } },
          'nested',
        );
        ctx.log.info('%j', [['X-MS-TOKEN-AAD-ACCESS-TOKEN', 'LEAK5']]);
        ctx.log.child({ sent: [['proxy-authorization', 'Basic LEAK6']] }).info('child');
        ctx.log.info(
          {
            lists: [
              ['cookie', 'accept'],
              ['authorization', 'a', 'third'],
            ],
            vary: ['Cookie', 'x'],
          },
          'kept',
        );
      });

    // Act
    await invoke(fn, httpRequest(), base);

    // Assert
    for (const secret of ['LEAK1', 'LEAK2', 'LEAK3', 'LEAK4', 'LEAK5', 'LEAK6'])
      expect(logs.text()).not.toContain(secret);
    expect(logs.find('pairs')[0]).toMatchObject({
      entries: [
        ['authorization', '[Redacted]'],
        ['x', 'y'],
      ],
    });
    expect(logs.find('nested')[0]).toMatchObject({
      req: {
        headers: [
          ['accept', 'text/html'],
          ['authorization', '[Redacted]'],
          ['cookie', '[Redacted]'],
        ],
        meta: { all: [[['X-Api-Key', '[Redacted]']]] },
      },
    });
    expect(logs.find('X-MS-TOKEN')[0]?.msg).toBe('[["X-MS-TOKEN-AAD-ACCESS-TOKEN","[Redacted]"]]');
    expect(logs.find('child')[0]).toMatchObject({ sent: [['proxy-authorization', '[Redacted]']] });
    // A pair's value is the second item of a two-item list: other lists are written as they are.
    expect(logs.find('kept')[0]).toMatchObject({
      lists: [
        ['cookie', '[Redacted]'],
        ['authorization', 'a', 'third'],
      ],
      vary: ['Cookie', 'x'],
    });
    expect(entries[0]).toEqual(['authorization', 'Bearer LEAK1']);
  });

  it('redacts credential pairs in a logged value with a cycle too', async () => {
    // Prepare
    const cyclic: Record<string, unknown> = { headers: [['cookie', 'sid=LEAK7']] };
    cyclic.self = cyclic;
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => ctx.log.info({ cyclic }, 'cycle'));

    // Act
    await invoke(fn, httpRequest(), base);

    // Assert
    expect(logs.text()).not.toContain('LEAK7');
    expect(logs.lines[0]).toMatchObject({ cyclic: { headers: [['cookie', '[Redacted]']], self: '[Circular]' } });
  });

  it("redacts an error's cause that is no error, logged first or as err, on every host, with a cycle too", async () => {
    // Prepare
    const cause: Record<string, unknown> = { code: 'EAUTH', headers: { 'x-api-key': 'key-secret' } };
    const error = new Error('login failed', { cause });
    const cyclic = new Error('cyclic', { cause: { cookie: 'session=cookie-secret' } });
    (cyclic.cause as Record<string, unknown>).error = cyclic;
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.error(error);
        ctx.log.error({ err: error }, 'as err');
        ctx.log.error({ err: cyclic }, 'cyclic');
      });
    for (const cloud of ['aws', 'gcp', 'azure', 'node'] as const) {
      // Act
      logs.lines.length = 0;
      await invoke(fn, httpRequest(), { ...base, cloud, raw: undefined });
      // Assert
      expect(logs.lines).toHaveLength(3);
      const [first, second, third] = logs.lines;
      const written = { code: 'EAUTH', headers: { 'x-api-key': '[Redacted]' } };
      expect(first?.err).toMatchObject({ message: 'login failed', cause: written });
      expect(second?.err).toMatchObject({ message: 'login failed', cause: written });
      expect(third?.err).toMatchObject({ message: 'cyclic', cause: { cookie: '[Redacted]' } });
    }
    for (const { leaked } of leaksByLine()) expect(leaked).toEqual([]);
    // What was logged is not changed.
    expect(cause.headers).toEqual({ 'x-api-key': 'key-secret' });
    expect(Object.keys(error)).toEqual([]);
  });
});

describe('logger() on GCP', () => {
  it('gives an error logged as the first argument its stack_trace too, and keeps a redacted stack redacted', async () => {
    const fn = http()
      .use(logger({ summary: false, redact: ['err.message', 'err.stack'] }))
      .handle((_req, ctx) => {
        ctx.log.error(new Error('direct failure'));
        ctx.log.error({ err: new Error('token=abc') }, 'wrapped');
      });
    const plain = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => ctx.log.error(new Error('direct failure')));
    await invoke(fn, httpRequest(), { ...base, cloud: 'gcp' });
    await invoke(plain, httpRequest(), { ...base, cloud: 'gcp' });
    const [direct, wrapped, unredacted] = logs.lines;
    expect(direct?.stack_trace).toBe('[Redacted]');
    expect(wrapped).toMatchObject({ message: 'wrapped', stack_trace: '[Redacted]' });
    expect(JSON.stringify(wrapped)).not.toContain('token=abc');
    expect(unredacted).toMatchObject({ severity: 'ERROR', message: 'direct failure' });
    expect(String(unredacted?.stack_trace)).toMatch(/^Error: direct failure\n\s+at /);
  });

  it('gives error lines with an err its stack as stack_trace, for Error Reporting, and no other line', async () => {
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.warn({ err: new Error('retrying') }, 'upstream slow');
        throw new Error('database down');
      });
    const res = await invoke(fn, httpRequest(), { ...base, cloud: 'gcp' });
    expect(res.status).toBe(500);
    const [warn, error] = logs.lines;
    expect(warn?.severity).toBe('WARNING');
    expect(warn).not.toHaveProperty('stack_trace');
    expect(error?.severity).toBe('ERROR');
    expect(String(error?.stack_trace)).toMatch(/^Error: database down\n\s+at /);
  });

  it('writes severity, message and the Cloud Logging trace fields', async () => {
    await invoke(createOrder({ gcpProject: 'shop-prod' }), request, { ...base, cloud: 'gcp' });
    const [info, warn, summary] = logs.lines;
    expect(without(info, 'time')).toEqual({
      severity: 'INFO',
      requestId: 'req-1',
      functionName: 'create-order',
      cloud: 'gcp',
      coldStart: true,
      'logging.googleapis.com/trace': `projects/shop-prod/traces/${traceId}`,
      'logging.googleapis.com/spanId': spanId,
      'logging.googleapis.com/trace_sampled': true,
      sku: 'a-1',
      message: 'creating order',
    });
    expect(warn?.severity).toBe('WARNING');
    expect(summary).toMatchObject({ severity: 'INFO', message: 'invocation completed', status: 201 });
  });

  it('reads X-Cloud-Trace-Context (decimal span id) and the project from GOOGLE_CLOUD_PROJECT', async () => {
    const previous = process.env.GOOGLE_CLOUD_PROJECT;
    process.env.GOOGLE_CLOUD_PROJECT = 'from-env';
    try {
      const fn = http()
        .use(logger())
        .handle((_req, ctx) => ctx.log.error('boom'));
      await invoke(
        fn,
        httpRequest({ headers: { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=1' } }),
        {
          ...base,
          cloud: 'gcp',
        },
      );
    } finally {
      if (previous === undefined) delete process.env.GOOGLE_CLOUD_PROJECT;
      else process.env.GOOGLE_CLOUD_PROJECT = previous;
    }
    expect(logs.lines[0]).toMatchObject({
      severity: 'ERROR',
      'logging.googleapis.com/trace': 'projects/from-env/traces/105445aa7843bc8bf206b12000100000',
      'logging.googleapis.com/spanId': '00000000000000ff',
    });
  });

  it('takes an empty GOOGLE_CLOUD_PROJECT as unset: GCLOUD_PROJECT, else the plain trace id', async () => {
    // Prepare
    vi.stubEnv('GOOGLE_CLOUD_PROJECT', '');
    vi.stubEnv('GCLOUD_PROJECT', 'legacy-project');
    const withLegacy = logger({ gcpProject: '' });
    vi.stubEnv('GCLOUD_PROJECT', '');
    const withNone = logger();
    vi.unstubAllEnvs();
    const header = { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=1' };
    const fn = (mw: typeof withNone) =>
      http()
        .use(mw)
        .handle((_req, ctx) => ctx.log.info('seen'));
    // Act
    await invoke(fn(withLegacy), httpRequest({ headers: header }), { ...base, cloud: 'gcp' });
    await invoke(fn(withNone), httpRequest({ headers: header }), { ...base, cloud: 'gcp' });
    // Assert
    const seen = logs.find('seen');
    expect(seen[0]).toMatchObject({
      'logging.googleapis.com/trace': 'projects/legacy-project/traces/105445aa7843bc8bf206b12000100000',
    });
    expect(seen[1]).toMatchObject({ traceId: '105445aa7843bc8bf206b12000100000', spanId: '00000000000000ff' });
    expect(seen[1]).not.toHaveProperty(['logging.googleapis.com/trace']);
    expect(seen[1]).not.toHaveProperty(['logging.googleapis.com/trace_sampled']);
  });

  // Without and with redaction paths: the bindings are serialised by hand, or by pino's child().
  for (const [label, redact] of [
    ['', undefined],
    [' (with redact paths)', ['never.present']],
  ] as const) {
    it(`writes trace_sampled from the caller's sampled flag, whatever header carried it${label}`, async () => {
      // Prepare
      const fn = http()
        .use(logger({ gcpProject: 'shop-prod', redact }))
        .handle((_req, ctx) => ctx.log.info('seen'));
      const headers: Record<string, string>[] = [
        { traceparent: `00-${traceId}-${spanId}-01` },
        { traceparent: `00-${traceId}-${spanId}-00` },
        { traceparent: `00-${traceId}-${spanId}-03` },
        { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=1' },
        { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=0' },
        { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255' },
      ];

      // Act
      for (const header of headers) await invoke(fn, httpRequest({ headers: header }), { ...base, cloud: 'gcp' });

      // Assert
      const sampled = logs.find('seen').map((line) => line['logging.googleapis.com/trace_sampled']);
      expect(sampled).toEqual([true, false, true, true, false, false]);
    });

    it(`writes trace_sampled on every line of the invocation, the summary included, behind tracing()${label}`, async () => {
      // Prepare: no SDK is registered, so tracing() passes the caller's parent on.
      const fn = http()
        .use(tracing())
        .use(logger({ gcpProject: 'shop-prod', redact }))
        .handle((_req, ctx) => ctx.log.info('seen'));

      // Act
      await invoke(fn, httpRequest({ headers: { traceparent: `00-${traceId}-${spanId}-01` } }), {
        ...base,
        cloud: 'gcp',
      });
      await invoke(fn, httpRequest({ headers: { traceparent: `00-${traceId}-${spanId}-00` } }), {
        ...base,
        cloud: 'gcp',
      });

      // Assert
      expect(logs.lines).toHaveLength(4);
      expect(logs.lines.map((line) => line['logging.googleapis.com/trace_sampled'])).toEqual([
        true,
        true,
        false,
        false,
      ]);
      expect(logs.lines[0]).toMatchObject({
        'logging.googleapis.com/trace': `projects/shop-prod/traces/${traceId}`,
        'logging.googleapis.com/spanId': spanId,
      });
    });
  }
});

describe('logger() on Azure', () => {
  it('routes each line to the InvocationContext method of its level', async () => {
    const calls: [string, string][] = [];
    const record = (method: string) => (text: unknown) => calls.push([method, String(text)]);
    const invocation = {
      invocationId: 'inv-1',
      trace: record('trace'),
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const fn = http()
      .use(logger({ level: 'debug' }))
      .handle((_req, ctx) => {
        ctx.log.debug('details');
        ctx.log.info({ n: 1 }, 'hello');
        ctx.log.warn('careful');
        throw new Error('kaput');
      });
    const res = await invoke(fn, httpRequest({ headers: { traceparent } }), {
      ...base,
      cloud: 'azure',
      raw: invocation,
    });
    expect(res.status).toBe(500);
    expect(calls.map(([method]) => method)).toEqual(['debug', 'info', 'warn', 'error', 'error']);
    expect(JSON.parse(calls[1]?.[1] ?? '')).toEqual({
      level: 'info',
      time: expect.any(Number),
      requestId: 'req-1',
      functionName: 'create-order',
      cloud: 'azure',
      coldStart: true,
      traceId,
      spanId,
      n: 1,
      msg: 'hello',
    });
    expect(JSON.parse(calls[3]?.[1] ?? '')).toMatchObject({
      msg: 'invocation failed',
      outcome: 'error',
      status: 500,
      errorType: 'Error',
    });
    expect(JSON.parse(calls[4]?.[1] ?? '')).toMatchObject({
      msg: '500 Internal Server Error',
      err: { message: 'kaput' },
    });
    expect(logs.lines).toEqual([]);
  });
});

describe('logger() with hostile logged values', () => {
  it('keeps a logged requestId or level from routing an Azure line to another invocation', async () => {
    // Prepare: two invocations in flight; the first logs a body carrying the second's request id
    const calls: [string, string, string][] = [];
    const sink = (owner: string) => ({
      invocationId: owner,
      trace: (text: unknown) => calls.push([owner, 'trace', String(text)]),
      debug: (text: unknown) => calls.push([owner, 'debug', String(text)]),
      info: (text: unknown) => calls.push([owner, 'info', String(text)]),
      warn: (text: unknown) => calls.push([owner, 'warn', String(text)]),
      error: (text: unknown) => calls.push([owner, 'error', String(text)]),
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const victim = http()
      .use(logger({ summary: false }))
      .handle(async () => {
        await held;
        return 'ok';
      });
    const attacker = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ requestId: 'victim', level: 'error', note: 'forged' }, 'order');
        return 'ok';
      });

    // Act
    const pending = invoke(victim, httpRequest(), {
      ...base,
      requestId: 'victim',
      cloud: 'azure',
      raw: sink('victim'),
    });
    await invoke(attacker, httpRequest(), { ...base, requestId: 'attacker', cloud: 'azure', raw: sink('attacker') });
    release();
    await pending;

    // Assert
    expect(calls.map(([owner, level]) => [owner, level])).toEqual([['attacker', 'info']]);
  });

  it('writes a line for an object whose toJSON returns credentials, with them redacted', async () => {
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info({ req: { toJSON: () => ({ headers: { authorization: 'Bearer TOJSON-SECRET' } }) } }, 'x');
        return 'ok';
      });
    const res = await invoke(fn, httpRequest(), base);
    expect(res.status).toBe(200);
    expect(JSON.stringify(logs.lines)).not.toContain('TOJSON-SECRET');
  });

  it('redacts credentials an error inherits as enumerable fields', async () => {
    class ClientError extends Error {}
    Object.defineProperty(ClientError.prototype, 'headers', {
      value: { authorization: 'Bearer PROTO-SECRET' },
      enumerable: true,
    });
    const fn = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.error({ err: new ClientError('upstream failed') }, 'call failed');
        return 'ok';
      });
    await invoke(fn, httpRequest(), base);
    expect(JSON.stringify(logs.lines)).not.toContain('PROTO-SECRET');
  });

  it('never fails a request for a logged value whose getter throws, with logger() or the built-in log', async () => {
    const hostile = {
      get boom(): string {
        throw new Error('getter');
      },
    };
    const handler = (_req: unknown, ctx: { log: { info: (o: object, m: string) => void } }) => {
      ctx.log.info(hostile, 'with a getter');
      return 'ok';
    };
    const withLogger = await invoke(
      http()
        .use(logger({ summary: false }))
        .handle(handler),
      httpRequest(),
      base,
    );
    const builtIn = await invoke(http().handle(handler), httpRequest(), base);
    expect([withLogger.status, builtIn.status]).toEqual([200, 200]);
    expect(logs.lines.filter((line) => line.msg === 'with a getter')).toHaveLength(2);
  });
});

describe('logger() on Node and for other kinds', () => {
  it('writes plain JSON lines and a client-error summary for a 4xx', async () => {
    const fn = http()
      .use(logger())
      .handle(() => {
        throw new HttpError(404, 'no such order');
      });
    const res = await invoke(fn, httpRequest({ path: '/orders/9' }), base);
    expect(res.status).toBe(404);
    expect(logs.lines).toHaveLength(1);
    expect(without(logs.lines[0], 'time', 'durationMs')).toEqual({
      level: 'info',
      requestId: 'req-1',
      functionName: 'create-order',
      cloud: 'node',
      coldStart: true,
      outcome: 'client-error',
      method: 'GET',
      route: '/orders/9',
      status: 404,
      msg: 'invocation completed',
    });
  });

  it('writes the summary of the 400 a path that is not valid percent-encoding gets, naming the path as sent', async () => {
    // Prepare: a router, so no route is bound before the path is decoded
    const files = router(
      http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name })),
    ).use(logger());
    // Act
    const res = await invoke(files, httpRequest({ path: '/files/%E0%A4%A' }), base);
    // Assert
    expect(res.status).toBe(400);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({
      msg: 'invocation completed',
      outcome: 'client-error',
      method: 'GET',
      route: '/files/%E0%A4%A',
      status: 400,
    });
  });

  it('takes the producer trace from a message attribute and logs a failed message', async () => {
    const fn = queue({ name: 'orders' })
      .use(logger())
      .handle(() => {
        throw new TypeError('bad order');
      });
    const out = await invoke(
      fn,
      createMessage({ id: 'm-1', body: '{}', source: 'orders', attributes: { Traceparent: traceparent } }),
      base,
    );
    expect(out.ok).toBe(false);
    const summary = logs.find('invocation failed')[0];
    expect(summary).toMatchObject({ level: 'error', outcome: 'error', errorType: 'TypeError', traceId, spanId });
    expect(summary).not.toHaveProperty('status');
  });

  it('writes an error summary for a handler that fails without a reason (throw undefined, Promise.reject())', async () => {
    // Prepare
    const rejects = queue({ name: 'q' })
      .use(logger())
      .handle(() => Promise.reject());
    const throws = queue({ name: 'q' })
      .use(logger({ format: 'aws' }))
      .handle(() => {
        throw undefined;
      });
    const message = createMessage({ id: 'm-1', body: '{}', source: 'q' });
    // Act
    const first = await invoke(rejects, message, base);
    const second = await invoke(throws, message, base);
    // Assert
    expect([first.ok, second.ok]).toEqual([false, false]);
    expect(logs.find('invocation completed')).toEqual([]);
    const summaries = logs.find('invocation failed');
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatchObject({ level: 'error', outcome: 'error' });
    expect(summaries[1]).toMatchObject({ level: 'ERROR', outcome: 'error' });
    expect(summaries[0]).not.toHaveProperty('errorType');
  });

  it('logs a failed message of a batch in the format of the cloud, through the message logger', async () => {
    const fn = queue({ name: 'orders' })
      .use(logger())
      .handle((msg) => {
        if (msg.id === 'm-2') throw new TypeError('bad order');
      });
    const batch = [
      createMessage({ id: 'm-1', body: '{}', source: 'orders' }),
      createMessage({ id: 'm-2', body: '{}', source: 'orders' }),
    ];
    const out = await invoke(fn, batch, { ...base, cloud: 'gcp' });
    expect(out.ok).toBe(false);
    const failure = logs.find('message m-2 failed');
    expect(failure).toEqual([
      expect.objectContaining({ severity: 'ERROR', cloud: 'gcp', requestId: 'req-1', messageId: 'm-2' }),
    ]);
    expect(logs.lines.every((line) => line.severity !== undefined)).toBe(true);
  });

  it('names the message in the summary line of each message of a batch, and once in its failure line', async () => {
    // Prepare
    const fn = queue({ name: 'orders' })
      .use(logger())
      .handle((msg, ctx) => {
        ctx.log.info('shipping');
        if (msg.id === 'm-2') throw new Error('no stock');
      });
    const batch = ['m-1', 'm-2'].map((id) => createMessage({ id, body: '{}', source: 'orders' }));

    // Act
    await invoke(fn, batch, base);

    // Assert
    expect(logs.find('invocation completed').map((line) => line.messageId)).toEqual(['m-1']);
    expect(logs.find('invocation failed').map((line) => line.messageId)).toEqual(['m-2']);
    // Every line is JSON with each key once: the failure line names the message a single time.
    const raw = logs.text().split('\n');
    expect(raw.some((text) => text.includes('"messageId"'))).toBe(true);
    expect(raw.every((text) => (text.match(/"messageId"/g) ?? []).length <= 1)).toBe(true);
    expect(logs.find('message m-2 failed')).toEqual([expect.objectContaining({ messageId: 'm-2' })]);
    // An http request is no message of a batch.
    await invoke(
      http()
        .use(logger())
        .handle(() => 'ok'),
      httpRequest(),
      base,
    );
    expect(logs.find('invocation completed')[1]).not.toHaveProperty('messageId');
  });

  it('writes the errors an error lists in a field of its own (the record errors of a batch library) in full', async () => {
    // Prepare: what Powertools' BatchProcessor throws when every record of its batch failed.
    const failure = Object.assign(new Error('All records failed processing. See individual errors below.'), {
      recordErrors: [new TypeError('no order bad'), 'not an error'],
    });
    const fn = queue({ name: 'orders' })
      .use(logger())
      .handle(() => {
        throw failure;
      });

    // Act
    await invoke(fn, [createMessage({ id: 'm-1', body: '{}', source: 'orders' })], { ...base, cloud: 'aws' });

    // Assert
    const line = logs.find('message m-1 failed')[0] as { err?: { recordErrors?: unknown[] } };
    expect(line.err?.recordErrors).toEqual([
      expect.objectContaining({ type: 'TypeError', message: 'no order bad' }),
      'not an error',
    ]);
  });

  it('never changes what was logged as err, and writes at most 20 listed errors', async () => {
    // Prepare: an object that is no error, a frozen one, and an error listing 25 errors.
    const plain = { code: 'BATCH_FAILED', errors: [new Error('record 1 failed')] };
    const frozen = Object.freeze({ code: 'E', errors: [new Error('r1')] });
    const many = Object.assign(new Error('many'), {
      recordErrors: Array.from({ length: 25 }, (_, i) => new Error(`r${i}`)),
    });
    const fn = http()
      .use(logger())
      .handle((_req, ctx) => {
        ctx.log.error({ err: plain }, 'plain');
        ctx.log.error({ err: frozen }, 'frozen');
        ctx.log.error({ err: many }, 'many');
        return 'ok';
      });

    // Act
    const res = await invoke(fn, httpRequest(), base);

    // Assert
    expect(res.status).toBe(200);
    expect(plain.errors[0]).toBeInstanceOf(Error);
    expect((logs.find('plain')[0] as { err: { errors: unknown[] } }).err.errors).toEqual([
      expect.objectContaining({ message: 'record 1 failed' }),
    ]);
    const listed = (logs.find('many')[0] as { err: { recordErrors: unknown[] } }).err.recordErrors;
    expect(listed).toHaveLength(21);
    expect(listed[20]).toBe('[5 more]');
  });

  it('takes the level from LOG_LEVEL, and options over LOG_LEVEL', async () => {
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      const handler = (_req: unknown, ctx: { log: { info: (m: string) => void; warn: (m: string) => void } }) => {
        ctx.log.info('quiet');
        ctx.log.warn('loud');
      };
      await invoke(http().use(logger()).handle(handler), httpRequest(), base);
      expect(logs.lines.map((l) => l.msg)).toEqual(['loud']);
      await invoke(
        http()
          .use(logger({ level: 'debug', summary: false }))
          .handle(handler),
        httpRequest(),
        base,
      );
      expect(logs.lines.map((l) => l.msg)).toEqual(['loud', 'quiet', 'loud']);
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });

  it('writes nothing, the summary included, with LOG_LEVEL=silent or level silent', async () => {
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'silent';
    try {
      const handler = (_req: unknown, ctx: { log: { error: (m: string) => void } }) => {
        ctx.log.error('not even this');
      };
      await invoke(http().use(logger()).handle(handler), httpRequest(), base);
      delete process.env.LOG_LEVEL;
      await invoke(
        http()
          .use(logger({ level: 'silent' }))
          .handle(handler),
        httpRequest(),
        base,
      );
      expect(logs.lines).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });

  it("takes Lambda's AWS_LAMBDA_LOG_LEVEL when LOG_LEVEL is unset, and LOG_LEVEL over it", async () => {
    const previous = { LOG_LEVEL: process.env.LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL };
    delete process.env.LOG_LEVEL;
    process.env.AWS_LAMBDA_LOG_LEVEL = 'WARN';
    try {
      // The level is read when logger() is called, as a function is defined.
      const define = () =>
        http()
          .use(logger({ summary: false }))
          .handle((_req, ctx) => {
            ctx.log.info('quiet');
            ctx.log.warn('loud');
          });
      await invoke(define(), httpRequest(), base);
      expect(logs.lines.map((l) => l.msg)).toEqual(['loud']);
      process.env.LOG_LEVEL = 'info';
      await invoke(define(), httpRequest(), base);
      expect(logs.lines.map((l) => l.msg)).toEqual(['loud', 'quiet', 'loud']);
    } finally {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('adds base fields to every line', async () => {
    const fn = http()
      .use(logger({ base: { service: 'orders', version: '1.2.3' }, summary: false }))
      .handle((_req, ctx) => ctx.log.info('x'));
    await invoke(fn, httpRequest(), base);
    expect(logs.lines[0]).toMatchObject({ service: 'orders', version: '1.2.3', requestId: 'req-1' });
  });
});

describe('logger() options', () => {
  const invalidDefinition = expect.objectContaining({ code: 'INVALID_DEFINITION' });

  it('reads a level in any case and an empty one as none, as the environment variables are read', async () => {
    // As `process.env.LOG_LEVEL as LevelName` gives it on Lambda (`AWS_LAMBDA_LOG_LEVEL` is upper case).
    for (const read of ['DEBUG', 'Warn', '']) {
      expect(() => logger({ level: read as LoggerOptions['level'] }), read).not.toThrow();
    }
    const fn = http()
      .use(logger({ level: 'WARN' as LoggerOptions['level'], summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info('dropped');
        ctx.log.warn('kept');
      });
    await invoke(fn, httpRequest(), base);
    expect(logs.lines.map((line) => line.msg)).toEqual(['kept']);
  });

  it('refuses a level that is no level name when the function is defined, naming the levels', () => {
    for (const read of ['verbose', 'constructor']) {
      // As `process.env.APP_LOG_LEVEL as LevelName` would give it.
      const level = read as LoggerOptions['level'];
      expect(() => logger({ level }), read).toThrow(invalidDefinition);
      expect(() => logger({ level }), read).toThrow(/trace, debug, info, warn, error, fatal or silent/);
    }
  });

  it('refuses a misspelt option, so redaction meant for secrets is not dropped without a word', () => {
    // Prepare
    const misspelt = [
      [
        { redactPaths: ['body.password'] },
        'logger(): unknown option "redactPaths" (known options: level, format, redact, gcpProject, summary, base)',
      ],
      [
        { redaction: ['body.password'] },
        'logger(): unknown option "redaction" (known options: level, format, redact, gcpProject, summary, base)',
      ],
      [{ Level: 'debug' }, 'logger(): unknown option "Level" (did you mean "level"?)'],
    ] as const;

    // Act / Assert
    for (const [options, message] of misspelt) {
      expect(() => logger(options as LoggerOptions)).toThrow(invalidDefinition);
      expect(() => logger(options as LoggerOptions)).toThrow(message);
    }
    expect(() => logger('debug' as LoggerOptions)).toThrow('logger(): options must be an object, got a string');
  });

  it('refuses summary, gcpProject and base of the wrong type', () => {
    const wrong = [
      [{ summary: 'false' }, 'logger() summary must be true or false, got "false"'],
      [{ gcpProject: 42 }, 'logger() gcpProject must be a string, got 42'],
      [{ base: 'orders' }, 'logger() base must be an object of fields, got "orders"'],
      [{ base: ['orders'] }, 'logger() base must be an object of fields, got an array'],
    ] as const;
    for (const [options, message] of wrong) {
      expect(() => logger(options as unknown as LoggerOptions)).toThrow(invalidDefinition);
      expect(() => logger(options as unknown as LoggerOptions)).toThrow(message);
    }
  });

  it('refuses a format other than auto, aws, gcp, azure and json, naming them', () => {
    for (const read of ['GCP', 'xml', '']) {
      const format = read as LoggerOptions['format'];
      expect(() => logger({ format }), read).toThrow(invalidDefinition);
      expect(() => logger({ format }), read).toThrow(/auto, aws, gcp, azure, json/);
    }
  });

  it('refuses a redact path pino cannot parse, and a lone string, when the function is defined', () => {
    expect(() => logger({ redact: ['body..password'] })).toThrow(invalidDefinition);
    expect(() => logger({ redact: [''] })).toThrow(/redact path "" is empty/);
    expect(() => logger({ redact: ['  '] })).toThrow(/redact path " {2}" is empty/);
    expect(() => logger({ redact: ['headers["x-shop-key'] })).toThrow(invalidDefinition);
    const lone = String('body.password') as unknown as LoggerOptions['redact'];
    expect(() => logger({ redact: lone })).toThrow(invalidDefinition);
  });

  it('takes every level name, silent and each format', async () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent', undefined] as const) {
      for (const format of ['auto', 'aws', 'gcp', 'azure', 'json', undefined] as const) {
        const fn = http()
          .use(logger({ level, format, redact: ['body.card'] }))
          .handle(() => ({ ok: true }));
        expect((await invoke(fn, httpRequest(), base)).status, `${level} ${format}`).toBe(200);
      }
    }
  });

  it("falls back to info for a LOG_LEVEL that is no level name, one of Object's keys included", async () => {
    const previous = process.env.LOG_LEVEL;
    try {
      for (const env of ['verbose', 'constructor', 'toString']) {
        process.env.LOG_LEVEL = env;
        const fn = http()
          .use(logger({ summary: false }))
          .handle((_req, ctx) => {
            ctx.log.debug('quiet');
            ctx.log.info(env);
          });
        expect((await invoke(fn, httpRequest(), base)).status, env).toBe(204);
      }
      expect(logs.lines.map((l) => l.msg)).toEqual(['verbose', 'constructor', 'toString']);
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });
});

describe('logger() invocation bindings', () => {
  const formats = ['aws', 'gcp', 'json'] as const;
  const awkward = { ...base, requestId: 'req "1"\n\u2028é', coldStart: false } as const;
  const handlerLines = (options: Parameters<typeof logger>[0]) =>
    http({ method: 'POST', path: '/orders' })
      .use(logger({ gcpProject: 'shop-1', ...options }))
      .handle((_req, ctx) => {
        ctx.log.info({ sku: 'a-1' }, 'creating order');
        ctx.log.child({ step: 'charge' }).warn('charged');
        return { status: 201, body: { id: 'o-1' } };
      });
  const rawLines = (from: number) =>
    logs
      .text()
      .split('\n')
      .slice(from)
      .map((line) => line.replace(/"(time|timestamp)":("[^"]*"|\d+)/, '').replace(/"durationMs":[0-9.e-]+/, ''));

  for (const format of formats) {
    it(`writes the same ${format} lines as a pino child bound to the same fields`, async () => {
      // Prepare: a redaction path that matches nothing makes the middleware use pino's own child()
      await invoke(handlerLines({ format, redact: ['never.present'] }), request, { ...awkward, cloud: 'aws' });
      const expected = rawLines(0);
      // Act
      await invoke(handlerLines({ format }), request, { ...awkward, cloud: 'aws' });
      // Assert
      expect(expected).toHaveLength(3);
      expect(rawLines(3)).toEqual(expected);
      expect(logs.lines[3]).toMatchObject({ requestId: awkward.requestId, coldStart: false, sku: 'a-1' });
      expect(logs.lines[4]).toMatchObject({ requestId: awkward.requestId, step: 'charge' });
    });

    it(`writes the same ${format} failure summary as a logged object`, async () => {
      // Prepare
      const failing = (options: Parameters<typeof logger>[0]) =>
        http({ method: 'POST', path: '/orders/:id' })
          .use(logger({ gcpProject: 'shop-1', ...options }))
          .handle(() => {
            throw new RangeError('no "stock"');
          });
      const path = httpRequest({ method: 'POST', path: '/orders/a"b\\c' });
      await invoke(failing({ format, redact: ['never.present'] }), path, { ...awkward, cloud: 'aws' });
      const expected = rawLines(0);
      // Act
      const res = await invoke(failing({ format }), path, { ...awkward, cloud: 'aws' });
      // Assert
      expect(res.status).toBe(500);
      const summaries = rawLines(0).filter((line) => line.includes('invocation failed'));
      expect(summaries).toHaveLength(2);
      expect(summaries[1]).toBe(summaries[0]);
      expect(summaries[0]).toContain('"errorType":"RangeError"');
      expect(summaries[0]).toContain('"status":500');
      expect(expected.length).toBeGreaterThan(0);
    });
  }

  it('keeps each invocation on its own bindings when invocations overlap', async () => {
    // Prepare
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = http()
      .use(logger({ summary: false }))
      .handle(async (_req, ctx) => {
        ctx.log.info('before');
        await gate;
        ctx.log.child({ step: 'after' }).info('after');
        return { status: 204 };
      });
    // Act
    const first = invoke(fn, httpRequest({ headers: { traceparent } }), { ...base, requestId: 'a' });
    const second = invoke(fn, httpRequest(), { ...base, requestId: 'b', coldStart: false });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, second]);
    // Assert
    const after = logs.find('after');
    const common = { level: 'info', functionName: 'create-order', cloud: 'node', step: 'after', msg: 'after' };
    expect(after.map((line) => line.requestId).sort()).toEqual(['a', 'b']);
    for (const line of after) {
      expect(without(line, 'time')).toEqual(
        line.requestId === 'a'
          ? { ...common, requestId: 'a', coldStart: true, traceId, spanId }
          : { ...common, requestId: 'b', coldStart: false },
      );
    }
  });
});

/** A real request as Node's server hands it over, sent with `headers`. */
async function incoming(headers: Record<string, string>): Promise<IncomingMessage> {
  let received: IncomingMessage | undefined;
  const server = createServer((req, res) => {
    received = req;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    send({ port, host: '127.0.0.1', headers }, (res) => res.resume().on('end', resolve))
      .on('error', reject)
      .end();
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return received as IncomingMessage;
}
