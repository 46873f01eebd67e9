/**
 * docs/gcp.md, "Context" and the abort signal of "toGcp()": where each `ctx` field comes from on
 * GCP, over HTTP on the real Functions Framework where the framework takes part.
 */
import { type Context, events, http, queue } from '@skyport/core';
import { type GcpRequest, type GcpResponse, invokeGcp, register, toGcp } from '@skyport/gcp';
import { gcp } from '@skyport/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Running, send, start } from './serve.js';

const contexts: Context[] = [];
const record = (_event: unknown, ctx: Context) => {
  contexts.push(ctx);
};
const api = http({ path: '/*' }).handle((_req, ctx) => {
  contexts.push(ctx);
  return { requestId: ctx.requestId };
});
const orders = queue({ name: 'orders' }).handle(record);
const anything = events().handle(record);
const last = () => contexts[contexts.length - 1] as Context;

const environment = ['FUNCTION_TARGET', 'K_SERVICE', 'CLOUD_RUN_TIMEOUT_SECONDS', 'FUNCTION_REGION'] as const;
const saved = Object.fromEntries(environment.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of environment) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

let servers: Record<'api' | 'orders' | 'anything', Running>;
beforeAll(async () => {
  register({ gcpContextApi: api, gcpContextOrders: orders }, { signature: 'http' });
  register({ gcpContextAnything: anything }, { signature: 'cloudevent' });
  servers = {
    api: await start('gcpContextApi'),
    orders: await start('gcpContextOrders'),
    anything: await start('gcpContextAnything'),
  };
});
afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
});

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('requestId', () => {
  it.each([
    [
      'the Function-Execution-Id header',
      { 'function-execution-id': 'exec-1', 'x-cloud-trace-context': 'abc/1;o=1', traceparent },
      'exec-1',
    ],
    [
      'TRACE_ID/SPAN_ID of X-Cloud-Trace-Context',
      { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1', traceparent },
      '105445aa7843bc8bf206b12000100000/1',
    ],
    [
      'traceid-parentid of traceparent',
      { traceparent },
      `0af7651916cd43dd8448eb211c80319c-${traceparent.split('-')[2]}`,
    ],
  ])('is %s first', async (_name, headers, id) => {
    const res = await send(`${servers.api.url}/`, { headers });
    expect(res.json).toEqual({ requestId: id });
  });

  it("is the framework's generated execution id without any of those", async () => {
    const res = await send(`${servers.api.url}/`);
    const { requestId } = res.json as { requestId: string };
    expect(requestId.length).toBeGreaterThan(0);
    expect((await send(`${servers.api.url}/`)).json).not.toEqual({ requestId });
  });

  it('is the message id of an event before the trace headers', async () => {
    const envelope = gcp.pubsubPush({ messageId: 'm-77' });
    await send(servers.orders.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cloud-trace-context': 'abc/1;o=1' },
      body: JSON.stringify(envelope),
    });
    expect(last().requestId).toBe('m-77');
    await send(servers.anything.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(gcp.cloudEvent({ type: 't', id: 'ce-5' })),
    });
    expect(last().requestId).toBe('ce-5');
  });
});

describe('functionName', () => {
  const named = events({ gcp: { name: 'from-definition' } }).handle(record);
  const event = () => gcp.cloudEvent({ type: 't' });

  it.each([
    ['gcp.name on the function', named, { name: 'from-option' }, { FUNCTION_TARGET: 'target' }, 'from-definition'],
    [
      'the register() key or name option',
      anything,
      { name: 'from-option' },
      { FUNCTION_TARGET: 'target' },
      'from-option',
    ],
    ['FUNCTION_TARGET', anything, {}, { FUNCTION_TARGET: 'target', K_SERVICE: 'service' }, 'target'],
    ['K_SERVICE', anything, {}, { K_SERVICE: 'service' }, 'service'],
    ["'function'", anything, {}, {}, 'function'],
  ] as const)('is %s first', async (_name, fn, options, env, expected) => {
    delete process.env.FUNCTION_TARGET;
    delete process.env.K_SERVICE;
    Object.assign(process.env, env);
    await invokeGcp(fn, event(), options);
    expect(last().functionName).toBe(expected);
  });

  it('is the register() key on the framework', async () => {
    await send(`${servers.api.url}/`);
    expect(last().functionName).toBe('gcpContextApi');
  });
});

describe('trace, region, raw, cloud', () => {
  it('takes traceparent, tracestate and x-cloud-trace-context from the headers (http signature)', async () => {
    const headers = { traceparent, tracestate: 'k=v', 'x-cloud-trace-context': 'abc/1;o=1', other: 'x' };
    await send(`${servers.api.url}/`, { headers });
    expect(last().trace).toEqual({ traceparent, tracestate: 'k=v', 'x-cloud-trace-context': 'abc/1;o=1' });
    expect(last().cloud).toBe('gcp');
    expect((last().raw as { method?: unknown }).method).toBe('GET');
  });

  it('takes them from the CloudEvent extensions with the cloudevent signature; raw is the CloudEvent', async () => {
    const event = gcp.cloudEvent({ type: 't', extensions: { traceparent, tracestate: 'k=v' } });
    await send(servers.anything.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    expect(last().trace).toEqual({ traceparent, tracestate: 'k=v' });
    expect(last().raw).toMatchObject({ id: event.id, type: 't' });
  });

  it('region is FUNCTION_REGION when set', async () => {
    process.env.FUNCTION_REGION = 'europe-west1';
    await invokeGcp(anything, gcp.cloudEvent({ type: 't' }));
    expect(last().region).toBe('europe-west1');
    delete process.env.FUNCTION_REGION;
    await invokeGcp(anything, gcp.cloudEvent({ type: 't' }));
    expect(last().region).toBeUndefined();
  });
});

describe('deadline', () => {
  const timed = events({ gcp: { timeoutSeconds: 5 } }).handle(record);

  it.each([
    ['the function', timed, { timeoutSeconds: 20 }, '40', 5],
    ['the register() / toGcp() option', anything, { timeoutSeconds: 20 }, '40', 20],
    ['CLOUD_RUN_TIMEOUT_SECONDS', anything, {}, '40', 40],
  ] as const)('is start + timeoutSeconds of %s first', async (_name, fn, options, env, seconds) => {
    process.env.CLOUD_RUN_TIMEOUT_SECONDS = env;
    const started = Date.now();
    await invokeGcp(fn, gcp.cloudEvent({ type: 't' }), options);
    const deadline = last().deadline as number;
    expect(deadline).toBeGreaterThanOrEqual(started + seconds * 1000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + seconds * 1000);
  });

  it('is undefined when none is set', async () => {
    delete process.env.CLOUD_RUN_TIMEOUT_SECONDS;
    await invokeGcp(anything, gcp.cloudEvent({ type: 't' }));
    expect(last().deadline).toBeUndefined();
    expect(last().remainingTimeMs()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ctx.signal', () => {
  const waiting = http({ path: '/*' }).handle(async (_req, ctx) => {
    const started = Date.now();
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    return { waited: Date.now() - started };
  });

  function exchange(abortController?: AbortController) {
    const req: GcpRequest = {
      method: 'GET',
      url: '/',
      headers: { host: 'localhost' },
      rawBody: new Uint8Array(0),
      ...(abortController ? { abortController } : {}),
    };
    let body = '';
    const res: GcpResponse = {
      statusCode: 200,
      setHeader: () => undefined,
      end: (chunk) => {
        body = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      },
    };
    return { req, res, body: () => JSON.parse(body) as { waited: number } };
  }

  it('aborts shortly before the declared deadline', async () => {
    const { req, res, body } = exchange();
    await toGcp(waiting, { timeoutSeconds: 1 })(req, res);
    // 500 ms before the deadline; anything before the deadline itself shows the margin at work.
    expect(body().waited).toBeLessThan(1000);
  });

  it("aborts when the framework's request timeout fires (http signature)", async () => {
    const controller = new AbortController();
    const { req, res, body } = exchange(controller);
    setTimeout(() => controller.abort('timeout'), 50);
    await toGcp(waiting)(req, res);
    expect(body().waited).toBeLessThan(1000);
  });
});
