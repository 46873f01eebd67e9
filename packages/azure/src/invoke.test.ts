import { HttpRequest, type TraceContext } from '@azure/functions';
import { http, queue, router, SkyportError, stream } from '@skyport/core';
import { collectLogs } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchFailedError } from './errors.js';
import { invokeAzure } from './invoke.js';
import type { AzureHttpInput } from './types.js';

const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({
  id: req.params.id,
  expand: req.query.expand,
}));
const createOrder = http({ method: 'POST', path: '/orders', body: z.object({ sku: z.string() }) }).handle((req) => ({
  status: 201,
  body: { sku: req.body.sku },
}));
const upload = http({ method: 'PUT', path: '/blobs/:name' }).handle((req) => ({
  size: req.rawBody.byteLength,
  type: req.header('content-type'),
}));

describe('invokeAzure', () => {
  it('runs http functions from a JSON request through a real HttpRequest', async () => {
    // Act
    const routed = await invokeAzure(router(getOrder, createOrder), {
      method: 'POST',
      url: '/api/orders',
      body: { sku: 'book' },
    });
    const single = await invokeAzure(getOrder, {
      url: 'http://localhost:7071/api/orders/42',
      query: { expand: 'lines' },
      params: { id: '42' },
    });
    const binary = await invokeAzure(upload, {
      method: 'PUT',
      url: '/api/blobs/a.bin',
      headers: { 'Content-Type': 'application/octet-stream' },
      bodyBase64: Buffer.from([1, 2, 3]).toString('base64'),
    });

    const initForm = await invokeAzure(upload, {
      method: 'PUT',
      url: 'http://localhost:7071/api/blobs/b.txt?x=1',
      query: { x: '1' },
      headers: { 'content-type': 'text/plain' },
      body: { bytes: [104, 105] },
    });

    // Assert
    expect(routed).toEqual({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"sku":"book"}' });
    expect(single.body).toBe('{"id":"42","expand":"lines"}');
    expect(binary.body).toBe('{"size":3,"type":"application/octet-stream"}');
    expect(initForm.body).toBe('{"size":2,"type":"text/plain"}');
  });

  it('takes a path under the route prefix when the input has no url, as the portable request names it', async () => {
    // Act
    const routed = await invokeAzure(router(getOrder, createOrder), {
      method: 'POST',
      path: '/orders',
      body: { sku: 'a' },
    });
    const prefixed = await invokeAzure(
      getOrder,
      { path: '/orders/7?expand=lines', params: { id: '7' } },
      { routePrefix: 'v1' },
    );
    const neither = invokeAzure(getOrder, { method: 'GET' } as never);

    // Assert
    expect(routed).toMatchObject({ status: 201, body: '{"sku":"a"}' });
    expect(prefixed.body).toBe('{"id":"7","expand":"lines"}');
    await expect(neither).rejects.toThrow(/"url" \(or a "path" starting with \/\)/);
  });

  it('routes percent-encoded router paths as the host would, decoding them exactly once', async () => {
    // Prepare
    const files = router(
      http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name, path: req.path })),
    );
    const get = (url: string) => invokeAzure(files, { url });

    // Act
    const plain = await get('/api/files/report.pdf');
    const percent = await get('/api/files/100%25');
    const encoded = await get('/api/files/a%2520b');
    const question = await get('/api/files/what%3Fx');
    const slash = await get('/api/files/a%2Fb');
    const malformed = await get('/api/files/%zz');

    // Assert
    expect(plain.body).toBe('{"name":"report.pdf","path":"/files/report.pdf"}');
    expect(percent.body).toBe('{"name":"100%","path":"/files/100%"}');
    expect(encoded.body).toBe('{"name":"a%20b","path":"/files/a%20b"}');
    expect(question.body).toBe('{"name":"what?x","path":"/files/what?x"}');
    expect(slash.body).toBe('{"name":"a/b","path":"/files/a/b"}');
    expect(malformed).toMatchObject({ status: 400, body: expect.stringContaining('"code":"BAD_PATH"') });
  });

  it('runs message functions from { trigger, triggerMetadata } and rejects as the host would see it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const logs: string[] = [];
    const fn = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle((msg, ctx) => {
      seen.push([msg.id, msg.attempt, msg.body, ctx.requestId]);
      ctx.log.info('ok');
    });

    // Act
    const done = await invokeAzure(
      fn,
      { trigger: { orderId: 'ord_1' }, triggerMetadata: { id: 'm-1', dequeueCount: 2 } },
      { invocationId: 'inv-9', logHandler: (level) => logs.push(level) },
    );
    const failed = await invokeAzure(fn, { trigger: { nope: true } }, { logHandler: () => undefined }).catch(
      (e: unknown) => e,
    );

    // Assert
    expect(done).toBeUndefined();
    expect(seen).toEqual([['m-1', 2, { orderId: 'ord_1' }, 'inv-9']]);
    expect(logs).toEqual(['information']);
    expect(failed).toBeInstanceOf(BatchFailedError);
  });

  it('writes the context lines to the log destination without a logHandler, so collectLogs() captures them', async () => {
    // Prepare
    const fn = queue({ name: 'orders' }).handle((_msg, ctx) => {
      ctx.log.error('about to fail');
      throw new Error('nope');
    });
    const api = http({ method: 'GET', path: '/boom' }).handle(() => {
      throw new Error('boom');
    });
    const logs = collectLogs();

    // Act
    try {
      await invokeAzure(fn, { trigger: { a: 1 }, triggerMetadata: { id: 'm-1' } }).catch(() => undefined);
      await invokeAzure(api, { path: '/boom' });
    } finally {
      logs.restore();
    }

    // Assert: Skyport's own JSON lines, parsed, in the Node format Azure's lines have
    expect(logs.find('about to fail')).toMatchObject([{ level: 'error', functionName: 'skyport' }]);
    expect(logs.find('500 Internal Server Error')).toMatchObject([{ level: 'error' }]);
  });

  it('honours an explicit trigger type', async () => {
    // Prepare
    const seen: string[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(`${record.source}:${record.sequence}`);
    });

    // Act
    await invokeAzure(fn, {
      trigger: [{ a: 1 }, { a: 2 }],
      triggerMetadata: { sequenceNumberArray: [5, 6] },
      triggerType: 'eventHubTrigger',
    });

    // Assert
    expect(seen).toEqual(['clicks:5', 'clicks:6']);
  });

  it('refuses inputs it cannot describe to Azure', async () => {
    const fn = queue({ name: 'q' }).handle(() => undefined);
    await expect(invokeAzure(fn, { payload: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(invokeAzure(getOrder, { method: 'GET' } as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(invokeAzure(fn, null as never)).rejects.toBeInstanceOf(SkyportError);
  });

  it('refuses a built HttpRequest, whose headers and body it cannot read, rather than run an empty request', async () => {
    // Prepare
    const request = new HttpRequest({
      method: 'PUT',
      url: 'http://localhost:7071/api/blobs/a.bin',
      headers: { 'content-type': 'application/octet-stream' },
      body: { bytes: new Uint8Array([1, 2, 3]) },
    });

    // Act
    const attempt = invokeAzure(upload, request as never);

    // Assert
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(attempt).rejects.toThrow('not an HttpRequest');
  });
});

describe('invokeAzure: the query and headers of an http input', () => {
  const echo = http({ path: '/*' }).handle((req) => ({
    url: req.url,
    queryAll: [...req.queryAll],
    multi: req.headers['x-multi'] ?? null,
    cookies: req.cookies,
    n: req.headers['x-n'] ?? null,
  }));
  // As `skyport invoke --cloud azure` reads it from a JSON file, beyond what the input type names.
  const seen = async (input: object) =>
    JSON.parse(String((await invokeAzure(echo, input as AzureHttpInput)).body)) as Record<string, unknown>;

  it('follows the query string of "path" with "query", a list as a repeated name, as invokeGcp() and the node invoker do', async () => {
    // Act
    const mapped = await seen({ path: '/x?a=1', query: { a: '2', b: ['3', 4] } });
    const text = await seen({ path: '/x?a=1', query: '?b=3' });

    // Assert
    expect(mapped.url).toBe('http://localhost:7071/api/x?a=1&a=2&b=3&b=4');
    expect(mapped.queryAll).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', '3'],
      ['b', '4'],
    ]);
    expect(text.url).toBe('http://localhost:7071/api/x?a=1&b=3');
  });

  it('beside a "url", adds only the names its query lacks: the host mirrors that query in the map', async () => {
    // Act: the init azure.httpRequest({ path: '/x?a=1', query: { b: '2' } }) of @skyport/testing builds
    const mirrored = await seen({
      url: 'http://localhost:7071/api/x?a=1&b=2',
      query: { a: '1', b: '2', c: ['3', '4'] },
    });

    // Assert
    expect(mirrored.url).toBe('http://localhost:7071/api/x?a=1&b=2&c=3&c=4');
  });

  it('joins a header list as the Functions host joins a repeated header (a bare ","), Cookie with "; "', async () => {
    // Act
    const req = await seen({
      path: '/x',
      headers: { 'X-Multi': ['p', 'q'], 'x-multi': 'r', cookie: ['a=1', 'b=2'], 'x-n': 2 },
    });

    // Assert
    expect([req.multi, req.cookies, req.n]).toEqual(['p,q,r', { a: '1', b: '2' }, '2']);
  });

  it('takes lists and a query string in the typed input, and a body without a method as a POST', async () => {
    // Act: no cast, so the input type must allow what the JSON form allows
    const res = await invokeAzure(echo, {
      path: '/x',
      headers: { 'x-multi': ['p', 'q'] },
      query: { a: ['1', '2'] },
      body: { ok: true },
    });
    const text = await invokeAzure(echo, { path: '/x', query: 'a=1' });
    const methodOf = http({ path: '/*' }).handle((req) => req.method);

    // Assert
    expect(JSON.parse(String(res.body))).toMatchObject({ multi: 'p,q', url: 'http://localhost:7071/api/x?a=1&a=2' });
    expect(JSON.parse(String(text.body))).toMatchObject({ url: 'http://localhost:7071/api/x?a=1' });
    expect((await invokeAzure(methodOf, { path: '/x', body: 'hi' })).body).toBe('POST');
    expect((await invokeAzure(methodOf, { path: '/x' })).body).toBe('GET');
  });
});

describe('invokeAzure: an http input read from JSON is checked field by field', () => {
  const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');

  it.each([
    [{ url: 'http://[' }, 'got a "url" that is not a URL or a path: http://['],
    [{ url: '/api/hello', method: 5 }, 'needs "method" as a string'],
    [{ url: '/api/hello', headers: 'x' }, 'needs "headers" as an object'],
    [{ url: '/api/hello', params: [1] }, 'needs "params" as an object'],
    [{ url: '/api/hello', query: 3 }, 'needs "query" as a string or an object'],
    [{ url: '/api/hello', headers: { 'x-a': { b: 1 } } }, 'needs the header x-a as a string or a list of strings'],
    [{ url: '/api/hello', query: { tag: [null] } }, 'needs the query parameter tag as a string or a list of strings'],
    [{ url: '/api/hello', headers: { 'x-a': 'one\ntwo' } }, 'got a request @azure/functions refuses'],
    [{ url: '/api/hello', headers: { 'bad name': 'x' } }, 'got a request @azure/functions refuses'],
  ])('%j is refused with INVALID_EVENT: %s', async (input, message) => {
    const attempt = invokeAzure(hello, input as never);
    await expect(attempt).rejects.toBeInstanceOf(SkyportError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('invokeAzure: its options are checked before anything runs', () => {
  it('takes every InvokeAzureOptions name, each reaching the invocation', async () => {
    // Prepare
    const seen: unknown[] = [];
    const lines: string[] = [];
    const fn = queue({ name: 'orders' }).handle((_msg, ctx) => {
      seen.push([ctx.requestId, ctx.functionName, ctx.trace?.traceparent, ctx.deadline !== undefined]);
      ctx.log.info('ok');
    });
    const traceParent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    // The library's own type, whose attributes it carries along.
    const traceContext: TraceContext = { traceParent, traceState: 'az=1', attributes: { a: 'b' } };

    // Act
    await invokeAzure(
      fn,
      { trigger: { a: 1 }, triggerMetadata: { id: 'm-1' } },
      {
        invocationId: 'inv-7',
        functionName: 'fulfilOrder',
        traceContext,
        logHandler: (level) => lines.push(level),
        functionTimeout: '00:05:00',
        routePrefix: 'api',
        signalMarginMs: 100,
        azure: { queueName: 'orders' },
      },
    );

    // Assert
    expect(seen).toEqual([['inv-7', 'fulfilOrder', traceParent, true]]);
    expect(lines).toEqual(['information']);
  });

  it.each([
    [{ invocationID: 'inv-1' }, 'azure: invokeAzure(): unknown option "invocationID" (did you mean "invocationId"?)'],
    [{ loghandler: () => undefined }, 'azure: invokeAzure(): unknown option "loghandler" (did you mean "logHandler"?)'],
    [{ routeprefix: '' }, 'azure: invokeAzure(): unknown option "routeprefix" (did you mean "routePrefix"?)'],
    [{ context: {} }, 'azure: invokeAzure(): unknown option "context" (known options: '],
    [null, 'azure: invokeAzure(): options must be an object, got null'],
    [{ functionName: 5 }, 'azure: invokeAzure() functionName must be a non-empty string, got a number'],
    [{ invocationId: '' }, 'azure: invokeAzure() invocationId must be a non-empty string, got an empty one'],
    [{ logHandler: 'console' }, 'azure: invokeAzure() logHandler must be a function (level, ...args), got a string'],
    [{ traceContext: '00-abc' }, 'azure: invokeAzure() traceContext: options must be an object, got a string'],
    [
      { traceContext: { traceparent: '00-abc' } },
      'azure: invokeAzure() traceContext: unknown option "traceparent" (did you mean "traceParent"?)',
    ],
    [
      { traceContext: { traceParent: 1 } },
      'azure: invokeAzure() traceContext.traceParent must be a string, got a number',
    ],
    [{ traceContext: { attributes: 'x' } }, 'azure: invokeAzure() traceContext.attributes must be an object'],
    [{ signalMarginMs: '500' }, 'azure: invokeAzure() signalMarginMs must be a number of milliseconds'],
    [{ functionTimeout: {} }, 'azure: invokeAzure() functionTimeout must be a TimeSpan string or milliseconds'],
    [{ azure: { queuename: 'orders' } }, 'unknown option "queuename" (did you mean "queueName"?)'],
  ])('refuses %j with INVALID_DEFINITION: %s', async (options, message) => {
    // Prepare
    let ran = false;
    const fn = queue({ name: 'orders' }).handle(() => {
      ran = true;
    });

    // Act
    const attempt = invokeAzure(fn, { trigger: { a: 1 }, triggerMetadata: { id: 'm-1' } }, options as never);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(SkyportError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'azure' });
    await expect(attempt).rejects.toThrow(message);
    expect(ran).toBe(false);
  });
});

describe('invokeAzure: an http body JSON cannot write is refused with INVALID_EVENT', () => {
  /** Valid JSON nested deeper than `JSON.stringify` reaches: `JSON.parse` reads it. */
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  const cycle = (): Record<string, unknown> => {
    const value: Record<string, unknown> = { sku: 'book' };
    value.self = value;
    return value;
  };

  it.each([
    ['a BigInt', { '': 0n }, 'cannot send "body" as JSON: Do not know how to serialize a BigInt'],
    ['a cycle', cycle(), 'cannot send "body" as JSON: Converting circular structure to JSON'],
    ['20 000 levels of nesting', nested(20000), 'cannot send "body" as JSON: it is nested too deeply'],
  ])('%s', async (_name, body, message) => {
    // Act
    const attempt = invokeAzure(createOrder, { method: 'POST', url: '/api/orders', body });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(SkyportError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_EVENT', adapter: 'azure', kind: 'http' });
    await expect(attempt).rejects.toThrow(message);
  });
});
