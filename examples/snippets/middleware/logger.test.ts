/** `logger()` in docs/middleware.md: bound fields, the summary line, formats, redaction and trace ids. */
import { HttpError, http, NotFound, queue } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { collectLogs, httpRequest, invoke, type LogCollector, message } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => {
  logs.restore();
  vi.unstubAllEnvs();
});

const getOrder = http({ method: 'GET', path: '/orders/:id' })
  .use(logger())
  .handle((req, ctx) => {
    ctx.log.info({ orderId: req.params.id }, 'loading');
    if (req.params.id === 'gone') throw new NotFound('no such order');
    if (req.params.id === 'boom') throw new Error('database down');
    return { id: req.params.id };
  });
const summaries = () => logs.find((line) => line.outcome !== undefined);

describe('lines', () => {
  it('bind the invocation to every line and end with one summary line (JSON lines on Node)', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/7' }), {
      requestId: 'req-7',
      functionName: 'get-order',
      coldStart: true,
    });
    const bound = { requestId: 'req-7', functionName: 'get-order', cloud: 'node', coldStart: true };
    expect(logs.lines).toEqual([
      expect.objectContaining({ ...bound, level: 'info', time: expect.any(Number), msg: 'loading', orderId: '7' }),
      expect.objectContaining({
        ...bound,
        level: 'info',
        msg: 'invocation completed',
        outcome: 'success',
        durationMs: expect.any(Number),
        method: 'GET',
        route: '/orders/:id',
        status: 200,
      }),
    ]);
  });

  it('call a 4xx a client error, and a 5xx an error at level error with its errorType', async () => {
    await invoke(getOrder, httpRequest({ path: '/orders/gone' }));
    await invoke(getOrder, httpRequest({ path: '/orders/boom' }), { requestId: 'req-boom' });
    expect(summaries()).toEqual([
      expect.objectContaining({ level: 'info', outcome: 'client-error', status: 404 }),
      expect.objectContaining({ level: 'error', outcome: 'error', status: 500, errorType: 'Error' }),
    ]);
    // The 500 that runHttp logs goes through the same child.
    expect(logs.find('500 Internal Server Error')).toEqual([
      expect.objectContaining({ requestId: 'req-boom', functionName: 'test-function', cloud: 'node' }),
    ]);
  });

  it('log a 5xx response returned without throwing at error, without errorType', async () => {
    const unavailable = http()
      .use(logger())
      .handle(() => ({ status: 503, body: 'maintenance' }));
    await invoke(unavailable, httpRequest());
    const [line] = summaries();
    expect(line).toMatchObject({ level: 'error', outcome: 'error', status: 503 });
    expect(line).not.toHaveProperty('errorType');
  });

  it('summarise a failed message as an error', async () => {
    const ship = queue({ name: 'orders' })
      .use(logger())
      .handle(() => {
        throw new HttpError(409, 'already shipped');
      });
    const out = await invoke(ship, message({ body: {} }));
    expect(out.ok).toBe(false);
    expect(summaries()).toEqual([
      expect.objectContaining({ level: 'error', outcome: 'error', errorType: 'HttpError' }),
    ]);
  });

  it('honour level, base and summary', async () => {
    const quiet = http()
      .use(logger({ level: 'warn', base: { service: 'orders', version: '1.4.0' }, summary: false }))
      .handle((_req, ctx) => {
        ctx.log.info('not written');
        ctx.log.warn('written');
        return 'ok';
      });
    await invoke(quiet, httpRequest());
    expect(logs.lines).toEqual([expect.objectContaining({ msg: 'written', service: 'orders', version: '1.4.0' })]);
  });

  it('read LOG_LEVEL when no level is given', async () => {
    vi.stubEnv('LOG_LEVEL', 'debug');
    const chatty = http()
      .use(logger({ summary: false }))
      .handle((_req, ctx) => {
        ctx.log.debug('details');
        return 'ok';
      });
    await invoke(chatty, httpRequest());
    expect(logs.find('details')).toHaveLength(1);
  });
});

describe('formats', () => {
  const fn = http({ method: 'GET', path: '/orders/:id' })
    .use(logger({ gcpProject: 'shop-prod' }))
    .handle(() => 'ok');

  it('writes Lambda JSON on AWS', async () => {
    await invoke(fn, httpRequest({ path: '/orders/7', headers: { traceparent } }), { cloud: 'aws', requestId: 'r-1' });
    expect(summaries()[0]).toMatchObject({
      level: 'INFO',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      message: 'invocation completed',
      requestId: 'r-1',
      traceId,
      spanId,
      xrayTraceId: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
    });
  });

  it('writes Cloud Logging structured JSON on GCP', async () => {
    await invoke(fn, httpRequest({ path: '/orders/7', headers: { traceparent } }), { cloud: 'gcp' });
    expect(summaries()[0]).toMatchObject({
      severity: 'INFO',
      message: 'invocation completed',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'logging.googleapis.com/trace': `projects/shop-prod/traces/${traceId}`,
      'logging.googleapis.com/spanId': spanId,
    });
  });

  it('writes traceId and spanId on GCP when the project is not known', async () => {
    vi.stubEnv('GOOGLE_CLOUD_PROJECT', undefined);
    vi.stubEnv('GCLOUD_PROJECT', undefined);
    const unknownProject = http()
      .use(logger())
      .handle(() => 'ok');
    await invoke(unknownProject, httpRequest({ headers: { traceparent } }), { cloud: 'gcp' });
    const [line] = summaries();
    expect(line).toMatchObject({ severity: 'INFO', traceId, spanId });
    expect(Object.keys(line ?? {}).filter((key) => key.startsWith('logging.googleapis.com/'))).toEqual([]);
  });

  it('passes each line to the Azure InvocationContext method of its level', async () => {
    const written: [string, string][] = [];
    const sink = (level: string) => (line: string) => written.push([level, line]);
    const invocationContext = { info: sink('info'), warn: sink('warn'), error: sink('error'), debug: sink('debug') };
    const failing = http()
      .use(logger())
      .handle((_req, ctx) => {
        ctx.log.warn('slow backend');
        throw new Error('backend down');
      });
    await invoke(failing, httpRequest(), { cloud: 'azure', raw: invocationContext });
    expect(written.map(([level, line]) => [level, JSON.parse(line).msg])).toEqual([
      ['warn', 'slow backend'],
      ['error', 'invocation failed'],
      ['error', '500 Internal Server Error'],
    ]);
  });
});

describe('redaction', () => {
  const logged = (value: object, options: Parameters<typeof logger>[0] = {}) => {
    const fn = http()
      .use(logger({ summary: false, ...options }))
      .handle((_req, ctx) => {
        ctx.log.info(value, 'logged');
        return 'ok';
      });
    return invoke(fn, httpRequest()).then(() => logs.text());
  };

  it('replaces credential keys in any case, nested, without touching the object logged', async () => {
    const headers = {
      Authorization: 'Bearer secret-1',
      'X-Api-Key': 'secret-2',
      cookie: 'sid=secret-3',
      accept: '*/*',
    };
    const cookies = { sid: 'secret-4' };
    const text = await logged({ request: { headers, cookies } });
    expect(text).not.toMatch(/secret-/);
    expect(logs.lines[0]).toMatchObject({
      request: {
        headers: { Authorization: '[Redacted]', 'X-Api-Key': '[Redacted]', accept: '*/*' },
        cookies: '[Redacted]',
      },
    });
    expect(headers.Authorization).toBe('Bearer secret-1');
  });

  it('looks at any depth, and replaces what is nested too deep to walk', async () => {
    const nest = (depth: number): object =>
      depth === 1
        ? { authorization: `secret-at-${depth}`, cookies: { sid: 'secret-cookie' } }
        : { inner: nest(depth - 1) };
    const deep = await logged(nest(40));
    expect(deep).not.toContain('secret-');
    expect(deep.match(/\[Redacted\]/g)).toHaveLength(2);
    const tooDeep = await logged(nest(150));
    expect(tooDeep).not.toContain('secret-');
    expect(tooDeep).toContain('[Too deep]');
  });

  it('applies pino redaction paths given in redact', async () => {
    const text = await logged(
      { headers: { 'x-shop-key': 'secret-4' }, body: { password: 'secret-5', user: 'ada' } },
      { redact: ['headers["x-shop-key"]', 'body.password'] },
    );
    expect(text).not.toMatch(/secret-/);
    expect(logs.lines[0]).toMatchObject({ headers: { 'x-shop-key': '[Redacted]' }, body: { user: 'ada' } });
  });
});

describe('trace ids without tracing()', () => {
  const fn = http()
    .use(logger())
    .handle(() => 'ok');
  const idsOf = () => {
    const [line] = summaries();
    return { traceId: line?.traceId, spanId: line?.spanId };
  };

  it('come from traceparent, X-Amzn-Trace-Id or X-Cloud-Trace-Context', async () => {
    await invoke(fn, httpRequest({ headers: { traceparent } }));
    expect(idsOf()).toEqual({ traceId, spanId });
    logs.lines.length = 0;
    await invoke(
      fn,
      httpRequest({
        headers: { 'x-amzn-trace-id': `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=1` },
      }),
    );
    expect(idsOf()).toEqual({ traceId, spanId });
    logs.lines.length = 0;
    await invoke(fn, httpRequest({ headers: { 'x-cloud-trace-context': `${traceId}/1;o=1` } }));
    expect(idsOf()).toEqual({ traceId, spanId: '0000000000000001' });
  });

  it('then from the platform carrier, then _X_AMZN_TRACE_ID on AWS', async () => {
    await invoke(fn, httpRequest(), { trace: { traceparent } });
    expect(idsOf()).toEqual({ traceId, spanId });
    logs.lines.length = 0;
    vi.stubEnv('_X_AMZN_TRACE_ID', `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=1`);
    await invoke(fn, httpRequest(), { cloud: 'aws' });
    expect(idsOf()).toEqual({ traceId, spanId });
    logs.lines.length = 0;
    await invoke(fn, httpRequest(), { cloud: 'node' });
    expect(idsOf()).toEqual({ traceId: undefined, spanId: undefined });
  });

  it('come from a message’s attributes', async () => {
    const ship = queue({ name: 'orders' })
      .use(logger())
      .handle(() => {});
    await invoke(ship, message({ body: {}, attributes: { traceparent } }));
    expect(idsOf()).toEqual({ traceId, spanId });
  });
});
