import { HttpRequest, type HttpRequestInit, HttpResponse } from '@azure/functions';
import { http, NotFound, router, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture, invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';
import { fromAzureRequest, toAzureRoute } from './http.js';

const echo = http({ method: ['GET', 'POST'], path: '/orders/:id' }).handle((req) => ({
  method: req.method,
  path: req.path,
  params: req.params,
  query: req.query,
  all: req.queryAll.getAll('x'),
  body: req.body,
  ip: req.ip,
  agent: req.header('User-Agent'),
  cookies: req.cookies,
}));

const json = { 'content-type': 'application/json' };

describe('toAzure: http', () => {
  it('maps a real HttpRequest to the portable request and answers an exact HttpResponseInit', async () => {
    // Prepare
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://localhost:7071/api/orders/42?x=1&x=2',
      headers: { 'User-Agent': 'curl/8', 'X-Forwarded-For': '203.0.113.7:52814', Cookie: 'sid=abc; theme=dark' },
      params: { id: '42' },
    });
    const { context } = invocation();

    // Act
    const response = await toAzure(echo)(request, context);

    // Assert
    expect(response).toEqual({
      status: 200,
      headers: json,
      body: JSON.stringify({
        method: 'GET',
        path: '/orders/42',
        params: { id: '42' },
        query: { x: '1' },
        all: ['1', '2'],
        ip: '203.0.113.7',
        agent: 'curl/8',
        cookies: { sid: 'abc', theme: 'dark' },
      }),
    });
  });

  it('reads the body of the library test request (fixture) once, with its params and query', async () => {
    // Prepare: the RpcHttp-shaped init from the library's own HttpRequest test
    const init = fixture<ConstructorParameters<typeof HttpRequest>[0]>(
      'http/azure-functions-nodejs-library__HttpRequest.clone.rpc-http.json',
    );
    const fn = http({ method: 'POST' }).handle((req) => ({
      path: req.path,
      body: req.body,
      a: req.header('a'),
      params: req.params,
      query: req.query,
    }));

    // Act
    const response = await toAzure(fn)(new HttpRequest(init), invocation().context);

    // Assert
    expect(response).toEqual({
      status: 200,
      headers: json,
      body: JSON.stringify({ path: '/helloWorld', body: 'body1', a: 'b', params: { c: 'd' }, query: { e: 'f' } }),
    });
  });

  it('validates a JSON body from the custom-handler sample (fixture) and answers 201 with a location', async () => {
    // Prepare
    const sample = fixture<{
      Data: { req: { Url: string; Method: string; Headers: Record<string, string[]>; Body: string } };
    }>('http/azure-docs__custom-handler-http-request.json').Data.req;
    const Order = z.object({ id: z.number(), quantity: z.number().int(), color: z.string() });
    const create = http({ method: 'POST', path: '/order', body: Order }).handle((req) => ({
      status: 201,
      headers: { location: `/order/${req.body.id}` },
      body: { ...req.body, total: req.body.quantity * 10 },
    }));
    const headers = Object.fromEntries(Object.entries(sample.Headers).map(([k, v]) => [k, v.join(', ')]));
    const request = new HttpRequest({ method: sample.Method, url: sample.Url, headers, body: { string: sample.Body } });

    // Act
    const response = await toAzure(create)(request, invocation().context);

    // Assert
    expect(response).toEqual({
      status: 201,
      headers: { location: '/order/1005', 'content-type': 'application/json' },
      body: '{"id":1005,"quantity":2,"color":"black","total":20}',
    });
  });

  it('takes browser headers from the host trigger metadata sample (fixture)', async () => {
    // Prepare: for HTTP the host sends headers as a JSON string in the metadata; v4 drops the metadata
    const rpc = fixture<{ Headers: { json: string } }>(
      'http/azure-functions-nodejs-library__httpTrigger.trigger-metadata.rpc.json',
    );
    const headers = JSON.parse(rpc.Headers.json) as Record<string, string>;
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://localhost:7071/api/orders/7',
      headers,
      params: { id: '7' },
    });

    // Act
    const response = await toAzure(echo)(request, invocation({ triggerMetadata: undefined }).context);

    // Assert
    const body = JSON.parse(String(response.body)) as { agent: string; params: unknown };
    expect(body.agent).toBe(headers['User-Agent']);
    expect(body.params).toEqual({ id: '7' });
  });

  it('keeps request headers and route values named __proto__ or constructor, as other adapters do', async () => {
    // Prepare: the request as the library makes it with HTTP streams on, around a native request
    // (a header map given as a record would lose `__proto__` in the Headers constructor already);
    // JSON text makes `__proto__` an own key of the route values.
    const headers = [
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['x-a', '1'],
    ] as [string, string][];
    const nativeRequest = new Request('http://localhost:7071/api/a/7/8', { headers });
    const params = JSON.parse('{"__proto__":"7","constructor":"8"}') as Record<string, string>;
    const request = new HttpRequest({ nativeRequest, params } as HttpRequestInit);
    const fn = http().handle((req) => ({
      proto: req.header('__proto__'),
      ctor: req.header('constructor'),
      own: Object.keys(req.headers).filter((name) => name !== 'x-a'),
      params: Object.entries(req.params),
      inherited: Object.getPrototypeOf(req.headers) === Object.prototype,
    }));

    // Act
    const response = await toAzure(fn)(request, invocation().context);

    // Assert
    expect(JSON.parse(String(response.body))).toEqual({
      proto: 'p',
      ctor: 'c',
      own: expect.arrayContaining(['__proto__', 'constructor']),
      params: [
        ['__proto__', '7'],
        ['constructor', '8'],
      ],
      inherited: true,
    });
  });

  it('reads a catch-all the host did not bind as absent, whatever its name', async () => {
    // Prepare: a router on `{*constructor}` asked for the root, where the host binds no value
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/' });

    // Act
    const init = await fromAzureRequest(request, { routePrefix: 'api', catchAll: 'constructor' });

    // Assert
    expect(init.path).toBe('/');
  });

  it('renders errors as problem+json with the invocation id', async () => {
    // Prepare
    const strict = http({ method: 'POST', path: '/things', body: z.object({ n: z.number() }) }).handle(() => 'ok');
    const missing = http({ method: 'GET', path: '/things/:id' }).handle((req) => {
      throw new NotFound(`no thing ${req.params.id}`);
    });
    const post = (body: string) =>
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/things',
        headers: { 'content-type': 'application/json' },
        body: { string: body },
      });

    // Act
    const malformed = await toAzure(strict)(post('{"n":'), invocation({ invocationId: 'inv-400' }).context);
    const invalid = await toAzure(strict)(post('{"n":"x"}'), invocation({ invocationId: 'inv-422' }).context);
    const notFound = await toAzure(missing)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/things/9', params: { id: '9' } }),
      invocation({ invocationId: 'inv-404' }).context,
    );

    // Assert
    const problem = { 'content-type': 'application/problem+json' };
    expect(malformed).toEqual({
      status: 400,
      headers: problem,
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'the request body is not valid JSON',
        requestId: 'inv-400',
        code: 'MALFORMED_JSON',
      }),
    });
    expect(invalid.status).toBe(422);
    expect(JSON.parse(String(invalid.body))).toMatchObject({ requestId: 'inv-422', errors: [{ path: 'body.n' }] });
    expect(notFound).toEqual({
      status: 404,
      headers: problem,
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'no thing 9',
        requestId: 'inv-404',
      }),
    });
  });

  it('returns cookies as Azure cookie objects and binary bodies as bytes the library accepts', async () => {
    // Prepare
    const expires = new Date('2030-01-01T00:00:00Z');
    const fn = http({ method: 'GET', path: '/file' }).handle(() => ({
      status: 201,
      headers: { 'x-multi': ['1', '2'], 'set-cookie': 'raw=1; Path=/; Secure' },
      cookies: [
        { name: 'sid', value: 'a b', httpOnly: true, path: '/', sameSite: 'Lax' as const, maxAge: 60, expires },
      ],
      body: new Uint8Array([0, 1, 2, 255]),
    }));

    // Act
    const response = await toAzure(fn)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/file' }),
      invocation().context,
    );

    // Assert
    expect(response).toEqual({
      status: 201,
      headers: { 'x-multi': '1, 2', 'content-type': 'application/octet-stream' },
      cookies: [
        { name: 'raw', value: '1', path: '/', secure: true },
        { name: 'sid', value: 'a b', maxAge: 60, path: '/', expires, httpOnly: true, sameSite: 'Lax' },
      ],
      body: new Uint8Array([0, 1, 2, 255]),
    });
    const native = new HttpResponse(response);
    expect(new Uint8Array(await native.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(native.cookies).toHaveLength(2);
  });

  it('answers 204 without a body and a 500 that hides the error', async () => {
    // Prepare
    const empty = http({ method: 'DELETE', path: '/x' }).handle(() => undefined);
    const broken = http({ method: 'GET', path: '/x' }).handle(() => {
      throw new Error('database password is hunter2');
    });
    const { context, logs } = invocation({ invocationId: 'inv-500' });

    // Act
    const deleted = await toAzure(empty)(
      new HttpRequest({ method: 'DELETE', url: 'http://localhost:7071/api/x' }),
      invocation().context,
    );
    const failed = await toAzure(broken)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/x' }),
      context,
    );

    // Assert
    expect(deleted).toEqual({ status: 204, headers: {} });
    expect(failed).toEqual({
      status: 500,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, requestId: 'inv-500' }),
    });
    expect(logs.map((l) => l.level)).toEqual(['error']);
    expect(JSON.stringify(logs[0]?.line)).toContain('hunter2');
  });

  it('routes a router by the catch-all parameter of its route', async () => {
    // Prepare
    const list = http({ method: 'GET', path: '/orders' }).handle(() => ['a']);
    const one = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id, route: req.route }));
    const api = router(list, one);
    const handler = toAzure(api);
    const call = (method: string, path: string) =>
      handler(
        new HttpRequest({ method, url: `http://localhost:7071/api/${path}`, params: { path } }),
        invocation({ options: { trigger: { type: 'httpTrigger', name: 'request', route: '{*path}' } } }).context,
      );

    // Act
    const found = await call('GET', 'orders/7');
    const listed = await call('GET', 'orders');
    const unknown = await call('GET', 'nowhere');
    const wrong = await call('PUT', 'orders/7');

    // Assert
    expect(found).toEqual({ status: 200, headers: json, body: '{"id":"7","route":"/orders/:id"}' });
    expect(listed.body).toBe('["a"]');
    expect(unknown.status).toBe(404);
    expect(wrong).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } });
  });

  describe('router paths are decoded exactly once', () => {
    const files = router(
      http({ method: 'GET', path: '/files/:name' }).handle((req) => ({
        name: req.params.name,
        path: req.path,
        query: req.query,
      })),
    );
    const routed = invocation({ options: { trigger: { type: 'httpTrigger', name: 'request', route: '{*path}' } } });
    // The host decodes the path (all but `%2F`) before routing, so the catch-all value is decoded;
    // `request.url` is rebuilt from that decoded path, keeping any `%XX` it holds (`%2520` -> `%20`).
    const cases = [
      { sent: 'files/report.pdf', hostUrl: 'files/report.pdf', value: 'files/report.pdf', name: 'report.pdf' },
      { sent: 'files/100%25', hostUrl: 'files/100%25', value: 'files/100%', name: '100%' },
      { sent: 'files/a%2520b', hostUrl: 'files/a%20b', value: 'files/a%20b', name: 'a%20b' },
      { sent: 'files/what%3Fx', hostUrl: 'files/what%3Fx', value: 'files/what?x', name: 'what?x' },
      { sent: 'files/a%2Fb', hostUrl: 'files/a%2Fb', value: 'files/a%2Fb', name: 'a/b' },
    ];

    it.each(cases)('/api/$sent with the URL as sent: the handler sees $name', async ({ sent, value, name }) => {
      // Prepare
      const request = new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/${sent}`,
        params: { path: value },
      });

      // Act
      const response = await toAzure(files)(request, routed.context);

      // Assert
      expect(response).toEqual({
        status: 200,
        headers: json,
        body: JSON.stringify({ name, path: `/files/${name}`, query: {} }),
      });
    });

    it.each(cases)('/api/$sent with the URL as the host rebuilds it: the handler sees $name', async (c) => {
      // Prepare
      const request = new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/${c.hostUrl}`,
        params: { path: c.value },
      });

      // Act
      const response = await toAzure(files)(request, routed.context);

      // Assert
      expect(response).toEqual({
        status: 200,
        headers: json,
        body: JSON.stringify({ name: c.name, path: `/files/${c.name}`, query: {} }),
      });
    });

    it('takes the path from the catch-all value when the URL does not end with it', async () => {
      // Prepare: a URL that is not the request's (a proxy rewrote it)
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://localhost:7071/other',
        params: { path: 'files/50% off?#1' },
      });

      // Act
      const response = await toAzure(files)(request, routed.context);

      // Assert
      expect(response.body).toBe(JSON.stringify({ name: '50% off?#1', path: '/files/50% off?#1', query: {} }));
    });
  });

  describe('the path of a function on its own route is decoded exactly once', () => {
    const file = http({ method: 'GET', path: '/files/:name' }).handle((req) => ({
      name: req.params.name,
      path: req.path,
    }));
    const cases = [
      { sent: 'files/report.pdf', hostUrl: 'files/report.pdf', value: 'report.pdf', name: 'report.pdf' },
      { sent: 'files/a%20b', hostUrl: 'files/a%20b', value: 'a b', name: 'a b' },
      { sent: 'files/100%25', hostUrl: 'files/100%25', value: '100%', name: '100%' },
      { sent: 'files/a%2520b', hostUrl: 'files/a%20b', value: 'a%20b', name: 'a%20b' },
      { sent: 'files/%2541', hostUrl: 'files/%41', value: '%41', name: '%41' },
      { sent: 'files/what%3Fx', hostUrl: 'files/what%3Fx', value: 'what?x', name: 'what?x' },
      { sent: 'files/caf%C3%A9', hostUrl: 'files/caf%C3%A9', value: 'café', name: 'café' },
    ];

    it.each(cases)('/api/$sent with the URL as sent: the handler sees $name', async ({ sent, value, name }) => {
      // Prepare
      const request = new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/${sent}`,
        params: { name: value },
      });

      // Act
      const response = await toAzure(file)(request, invocation().context);

      // Assert
      expect(response).toEqual({ status: 200, headers: json, body: JSON.stringify({ name, path: `/files/${name}` }) });
    });

    it.each(cases)('/api/$sent with the URL as the host rebuilds it: the handler sees $name', async (c) => {
      // Prepare
      const request = new HttpRequest({
        method: 'GET',
        url: `http://localhost:7071/api/${c.hostUrl}`,
        params: { name: c.value },
      });

      // Act
      const response = await toAzure(file)(request, invocation().context);

      // Assert
      expect(response).toEqual({
        status: 200,
        headers: json,
        body: JSON.stringify({ name: c.name, path: `/files/${c.name}` }),
      });
    });

    it('decodes a catch-all value no further than the host did', async () => {
      // Prepare: sent as /api/files/a%2520b/..%2F..%2Fsecret, route files/{*rest} (the host keeps `%2F`)
      const rest = http({ method: 'GET', path: '/files/*' }).handle((req) => ({
        rest: req.params['*'],
        path: req.path,
      }));
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://localhost:7071/api/files/a%20b/..%2F..%2Fsecret',
        params: { rest: 'a%20b/..%2F..%2Fsecret' },
      });

      // Act
      const response = await toAzure(rest)(request, invocation().context);

      // Assert
      expect(response.body).toBe(JSON.stringify({ rest: 'a%20b/../../secret', path: '/files/a%20b/../../secret' }));
    });
  });

  it('strips the route prefix whatever its case, as the host matches it', async () => {
    // Prepare
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost:7071/API/orders/7', params: { id: '7' } });

    // Act
    const response = await toAzure(echo)(request, invocation().context);

    // Assert
    expect(JSON.parse(response.body as string)).toMatchObject({ path: '/orders/7', params: { id: '7' } });
  });

  it('strips a custom route prefix and never reads a consumed body', async () => {
    // Prepare
    const fn = http({ method: 'POST', path: '/hooks' }).handle((req) => req.path);
    const used = new HttpRequest({ method: 'POST', url: 'http://localhost:7071/v1/hooks', body: { string: 'x' } });
    await used.text();

    // Act
    const ok = await toAzure(fn, { routePrefix: 'v1' })(
      new HttpRequest({ method: 'POST', url: 'http://localhost:7071/v1/hooks', body: { string: 'x' } }),
      invocation().context,
    );
    const consumed = await toAzure(fn)(used, invocation({ invocationId: 'inv-used' }).context);

    // Assert
    expect(ok.body).toBe('/hooks');
    expect(consumed.status).toBe(500);
  });

  it('rejects inputs that are not requests with a SkyportError', async () => {
    // Prepare
    const handler = toAzure(echo);

    // Act
    const notRequest = handler({ hello: 'world' } as never, invocation().context);
    const queueShaped = handler({ orderId: 1 } as never, invocation({ triggerMetadata: { dequeueCount: 1 } }).context);

    // Assert
    await expect(notRequest).rejects.toMatchObject({ name: 'SkyportError', code: 'UNKNOWN_EVENT', kind: 'http' });
    await expect(queueShaped).rejects.toMatchObject({ code: 'KIND_MISMATCH', shape: 'queueTrigger' });
    await expect(notRequest).rejects.toBeInstanceOf(SkyportError);
  });

  it('converts portable paths to Azure route templates', () => {
    expect(toAzureRoute('/orders/:id')).toBe('orders/{id}');
    expect(toAzureRoute('/files/*')).toBe('files/{*rest}');
    expect(toAzureRoute('/a/:b/c/')).toBe('a/{b}/c');
    expect(toAzureRoute('/')).toBe('{root:maxlength(0)?}');
    expect(toAzureRoute('/repo/:Rest/:rest2/*')).toBe('repo/{Rest}/{rest2}/{*rest3}');
  });
});
