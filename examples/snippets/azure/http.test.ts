/**
 * docs/azure.md, "HTTP routes and routers" and the HTTP row of "How each trigger maps": real
 * `HttpRequest`s through `toAzure()` and `invokeAzure()`.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { invokeAzure, toAzure } from '@skyport/azure';
import { http, router } from '@skyport/core';
import { azure } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { invocation } from './helpers.js';

const echo = http({ method: ['GET', 'POST'], path: '/orders/:id' }).handle((req) => ({
  method: req.method,
  path: req.path,
  params: req.params,
  headers: { agent: req.headers['user-agent'], multi: req.header('X-Multi') },
  query: req.query,
  all: req.queryAll.getAll('tag'),
  body: req.body,
  ip: req.ip,
  raw: req.raw instanceof HttpRequest,
}));

const bodyOf = (response: { body?: unknown }) => JSON.parse(String(response.body)) as Record<string, unknown>;

describe('HTTP mapping', () => {
  it('maps method, prefix-less path, lower-case headers, every query value, params and body', async () => {
    const headers = new Headers({ 'User-Agent': 'curl/8', 'content-type': 'application/json' });
    headers.append('X-Multi', 'a');
    headers.append('X-Multi', 'b');
    const request = new HttpRequest({
      method: 'post',
      url: 'http://localhost:7071/api/orders/42?tag=a&tag=b',
      headers: Object.fromEntries(headers),
      params: { id: '42' },
      body: { string: '{"qty":2}' },
    });

    const response = await toAzure(echo)(request, invocation().context);

    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({
      method: 'POST',
      path: '/orders/42',
      params: { id: '42' },
      headers: { agent: 'curl/8', multi: 'a, b' },
      query: { tag: 'a' },
      all: ['a', 'b'],
      body: { qty: 2 },
      raw: true,
    });
  });

  it('takes ip from x-forwarded-for (else client-ip) without the port Azure appends', async () => {
    const cases: [string, string][] = [
      ['203.0.113.7:52814', '203.0.113.7'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['198.51.100.2, 10.0.0.1', '198.51.100.2'],
    ];
    for (const [forwarded, ip] of cases) {
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://localhost:7071/api/orders/1',
        headers: { 'x-forwarded-for': forwarded },
      });
      expect(bodyOf(await toAzure(echo)(request, invocation().context)).ip).toBe(ip);
    }
    const viaClientIp = new HttpRequest({
      method: 'GET',
      url: 'http://localhost:7071/api/orders/1',
      headers: { 'client-ip': '192.0.2.1:61234' },
    });
    expect(bodyOf(await toAzure(echo)(viaClientIp, invocation().context)).ip).toBe('192.0.2.1');
  });

  it('answers 500 when the body stream was read before the handler', async () => {
    const request = new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/orders/1',
      body: { string: 'early' },
    });
    await request.text();
    const response = await toAzure(echo)(request, invocation().context);
    expect(response.status).toBe(500);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
  });

  it('never throws for a request: errors are problem responses', async () => {
    const broken = http({ method: 'GET', path: '/boom' }).handle(() => {
      throw new Error('secret detail');
    });
    const response = await toAzure(broken)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/boom' }),
      invocation({ invocationId: 'inv-500' }).context,
    );
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      requestId: 'inv-500',
    });
  });

  it('sends cookies as Azure cookie objects and bytes as they are', async () => {
    const fn = http({ method: 'GET', path: '/c' }).handle(() => ({
      status: 200,
      cookies: ['sid=abc; Path=/; HttpOnly'],
      body: new Uint8Array([1, 2, 3]),
    }));
    const response = await toAzure(fn)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/c' }),
      invocation().context,
    );
    expect(response.cookies).toEqual([
      expect.objectContaining({ name: 'sid', value: 'abc', path: '/', httpOnly: true }),
    ]);
    expect(response.body).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('HTTP routes and routers', () => {
  it('GET /api/orders/42 on route orders/{id}: path /orders/42, params.id 42', async () => {
    const request = new HttpRequest(azure.httpRequest({ path: '/orders/42', params: { id: '42' } }));
    const response = await toAzure(echo)(request, invocation().context);
    expect(bodyOf(response)).toMatchObject({ path: '/orders/42', params: { id: '42' } });
  });

  it('strips another prefix when told with routePrefix', async () => {
    const request = new HttpRequest(azure.httpRequest({ path: '/orders/42', routePrefix: 'v1', params: { id: '42' } }));
    expect(request.url).toBe('http://localhost:7071/v1/orders/42');
    expect(bodyOf(await toAzure(echo, { routePrefix: 'v1' })(request, invocation().context)).path).toBe('/orders/42');
    // Without the option the prefix is taken to be `api`, so `/v1` stays in the path.
    expect(bodyOf(await toAzure(echo)(request, invocation().context)).path).toBe('/v1/orders/42');
  });

  const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({
    id: req.params.id,
    path: req.path,
  }));
  const createOrder = http({ method: 'POST', path: '/orders' }).handle(() => ({ status: 201 }));
  const api = router(getOrder, createOrder);

  function routerContext(route: string) {
    return new InvocationContext({
      invocationId: 'r-1',
      functionName: 'api',
      logHandler: () => undefined,
      options: { trigger: { type: 'httpTrigger', name: 'request', route } },
    });
  }

  it('a router sees the catch-all value as its path and answers 404, 405 and OPTIONS itself', async () => {
    const handler = toAzure(api);
    const call = (method: string, path: string) =>
      handler(
        new HttpRequest({
          method,
          url: `http://localhost:7071/api/${path}`,
          params: { path },
        }),
        routerContext('{*path}'),
      );

    expect(bodyOf(await call('GET', 'orders/7'))).toEqual({ id: '7', path: '/orders/7' });
    expect((await call('GET', 'nothing/here')).status).toBe(404);
    const wrong = await call('DELETE', 'orders');
    expect(wrong.status).toBe(405);
    expect(wrong.headers).toMatchObject({ allow: 'POST, OPTIONS' });
    const options = await call('OPTIONS', 'orders');
    expect(options.status).toBe(204);
    expect(options.headers).toMatchObject({ allow: 'POST, OPTIONS' });
  });

  it('under a sub-path route, /api/shop/orders/7 is /orders/7', async () => {
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://localhost:7071/api/shop/orders/7',
      params: { path: 'orders/7' },
    });
    const response = await toAzure(api, { azure: { route: 'shop/{*path}' } })(request, routerContext('shop/{*path}'));
    expect(bodyOf(response)).toEqual({ id: '7', path: '/orders/7' });

    const invoked = await invokeAzure(
      api,
      { url: '/api/shop/orders/7' },
      { azure: { route: 'shop/{*path}' }, logHandler: () => undefined },
    );
    expect(bodyOf(invoked)).toEqual({ id: '7', path: '/orders/7' });
  });
});

describe('HTTP streaming and authentication headers', () => {
  it('passes x-ms-client-principal headers on like any header', async () => {
    const fn = http({ method: 'GET', path: '/me' }).handle((req) => ({ id: req.header('x-ms-client-principal-id') }));
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://localhost:7071/api/me',
      headers: { 'X-MS-CLIENT-PRINCIPAL-ID': 'user-1' },
    });
    expect(bodyOf(await toAzure(fn)(request, invocation().context))).toEqual({ id: 'user-1' });
  });
});
