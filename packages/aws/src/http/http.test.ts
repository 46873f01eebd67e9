import { http, router } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { collectLogs } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../__fixtures__/load.js';
import { createLambdaContext } from '../context.js';
import { invokeLambda } from '../invoke.js';
import { toLambda } from '../to-lambda.js';

const echo = http().handle((req) => ({
  method: req.method,
  path: req.path,
  query: req.query,
  all: [...req.queryAll],
  headers: req.headers,
  cookies: req.cookies,
  body: req.body instanceof Uint8Array ? { bytes: [...req.body] } : req.body,
  ip: req.ip,
  url: req.url,
  params: req.params,
}));

const parse = (result: { body?: string | undefined }) => JSON.parse(result.body ?? 'null');

const create = http({
  method: 'POST',
  path: '/orders',
  body: z.object({ sku: z.string(), qty: z.number().int() }),
}).handle((req) => ({
  status: 201,
  headers: { location: '/orders/1' },
  cookies: ['a=1; Path=/', 'b=2'],
  body: { id: '1', ...req.body },
}));

function v2(overrides: Record<string, unknown> = {}) {
  return {
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    rawQueryString: 'tag=a&tag=b',
    cookies: ['session=abc', 'theme=dark'],
    headers: { 'content-type': 'application/json', host: 'api.example.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'curl' },
      requestId: 'r',
      routeKey: 'POST /orders',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    body: '{"sku":"a","qty":2}',
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('HTTP API v2', () => {
  it('runs a validated POST and answers cookies in cookies[]', async () => {
    // Act
    const result = await invokeLambda(create, v2());
    // Assert
    expect(result).toEqual({
      statusCode: 201,
      headers: { location: '/orders/1', 'content-type': 'application/json' },
      cookies: ['a=1; Path=/', 'b=2'],
      body: '{"id":"1","sku":"a","qty":2}',
      isBase64Encoded: false,
    });
  });

  it('answers 422 problem+json listing every failing path', async () => {
    const result = await invokeLambda(
      create,
      v2({ body: '{"sku":1}' }),
      createLambdaContext({ awsRequestId: 'req-9' }),
    );
    expect(result).toMatchObject({ statusCode: 422, headers: { 'content-type': 'application/problem+json' } });
    const problem = parse(result as { body: string });
    expect(problem.requestId).toBe('req-9');
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.qty', 'body.sku']);
  });

  it('maps query, cookies, ip and url; decodes a base64 body', async () => {
    const result = await invokeLambda(
      echo,
      v2({ body: Buffer.from('{"x":1}').toString('base64'), isBase64Encoded: true }),
    );
    const seen = parse(result as { body: string });
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/orders',
      query: { tag: 'a' },
      all: [
        ['tag', 'a'],
        ['tag', 'b'],
      ],
      cookies: { session: 'abc', theme: 'dark' },
      body: { x: 1 },
      ip: '203.0.113.9',
      url: 'https://api.example.com/orders?tag=a&tag=b',
    });
  });

  it('lower-cases header names of a hand-made event wherever the capitals are', async () => {
    // Prepare: a real event's names first (remembered as checked), then the same with capitals
    const real = v2({ headers: { accept: '*/*', 'content-type': 'application/json', host: 'api.example.com' } });
    const later = v2({ headers: { accept: '*/*', 'Content-Type': 'application/json', host: 'api.example.com' } });
    const last = v2({ headers: { accept: '*/*', host: 'api.example.com', 'X-Trace': 't' } });
    // Act
    const first = parse((await invokeLambda(echo, real)) as { body: string });
    const second = parse((await invokeLambda(echo, later)) as { body: string });
    const third = parse((await invokeLambda(echo, last)) as { body: string });
    // Assert
    const headers = {
      accept: '*/*',
      'content-type': 'application/json',
      host: 'api.example.com',
      cookie: 'session=abc; theme=dark',
    };
    expect(first.headers).toEqual(headers);
    expect(second.headers).toEqual(headers);
    expect(second.body).toEqual({ sku: 'a', qty: 2 });
    expect(third.headers).toEqual({
      accept: '*/*',
      host: 'api.example.com',
      'x-trace': 't',
      cookie: 'session=abc; theme=dark',
    });
  });

  it('parses the body by its content type in any case, whether or not the handler reads the headers', async () => {
    const kinds = http({ method: 'POST' }).handle((req) => ({ body: req.body, type: typeof req.body }));
    const text = { 'Content-Type': 'text/plain', host: 'api.example.com' };
    const json = { 'content-type': 'application/json', 'X-Trace': 't' };
    // A body read alone, by the content type, then the headers, normalised.
    expect(parse((await invokeLambda(kinds, v2({ headers: text }))) as { body: string })).toEqual({
      body: '{"sku":"a","qty":2}',
      type: 'string',
    });
    expect(parse((await invokeLambda(kinds, v2({ headers: json }))) as { body: string })).toEqual({
      body: { sku: 'a', qty: 2 },
      type: 'object',
    });
    const second = parse((await invokeLambda(echo, v2({ headers: json }))) as { body: string });
    expect(second.headers).toEqual({
      'content-type': 'application/json',
      'x-trace': 't',
      cookie: 'session=abc; theme=dark',
    });
    expect(second.body).toEqual({ sku: 'a', qty: 2 });
    // A schema's body is JSON by the content type: a text one is a 415, in any case.
    const refused = (await invokeLambda(create, v2({ headers: text }))) as { statusCode: number };
    expect(refused.statusCode).toBe(415);
  });

  it('keeps a body flagged base64 that is not base64 as text', async () => {
    const result = await invokeLambda(
      echo,
      v2({ body: 'not base64!', isBase64Encoded: true, headers: { 'content-type': 'text/plain' } }),
    );
    expect(parse(result as { body: string }).body).toBe('not base64!');
  });

  it('strips a named stage from the path so routes match', async () => {
    const api = router(http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id })));
    const result = await invokeLambda(
      api,
      v2({
        rawPath: '/prod/orders/7',
        rawQueryString: '',
        body: undefined,
        requestContext: { ...v2().requestContext, stage: 'prod', http: { ...v2().requestContext.http, method: 'GET' } },
      }),
    );
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"id":"7"}',
      isBase64Encoded: false,
    });
  });

  it('takes an HTTP API path as decoded, so a % in it is no escape, while a Function URL path is as sent', async () => {
    // An HTTP API decodes the path before the function sees it: `/files/100%25` arrives as
    // `/files/100%`, and `/files/a%2520b` as `/files/a%20b`. A Function URL does not.
    const file = http({ method: 'GET', path: '/files/:name' }).handle((req) => ({
      name: req.params.name,
      url: req.url,
    }));
    const get = (rawPath: string, domainName: string) =>
      v2({
        routeKey: domainName.includes('lambda-url') ? '$default' : 'GET /files/{name}',
        rawPath,
        rawQueryString: '',
        headers: { host: domainName },
        body: undefined,
        requestContext: { ...v2().requestContext, domainName, http: { ...v2().requestContext.http, method: 'GET' } },
      });
    const api = 'api.example.com';
    const url = 'abc.lambda-url.eu-west-1.on.aws';

    const percent = parse((await invokeLambda(file, get('/files/100%', api))) as { body: string });
    const twice = parse((await invokeLambda(file, get('/files/a%20b', api))) as { body: string });
    const hash = parse((await invokeLambda(file, get('/files/c#1', api))) as { body: string });
    const question = parse((await invokeLambda(file, get('/files/what?', api))) as { body: string });
    const sent = parse((await invokeLambda(file, get('/files/a%20b', url))) as { body: string });

    expect(percent).toEqual({ name: '100%', url: 'https://api.example.com/files/100%25' });
    expect(twice).toEqual({ name: 'a%20b', url: 'https://api.example.com/files/a%2520b' });
    expect(hash).toEqual({ name: 'c#1', url: 'https://api.example.com/files/c%231' });
    expect(question).toEqual({ name: 'what?', url: 'https://api.example.com/files/what%3F' });
    expect(sent).toEqual({ name: 'a b', url: 'https://abc.lambda-url.eu-west-1.on.aws/files/a%20b' });
  });

  it('answers bytes as base64', async () => {
    const bin = http().handle(() => new Uint8Array([0, 255, 1]));
    const result = await invokeLambda(bin, v2());
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: 'AP8B',
      isBase64Encoded: true,
    });
  });

  it('reads the real HTTP API fixture (payload 2.0)', async () => {
    const result = await invokeLambda(echo, fixture('apigw-http/powertools-py__apiGatewayProxyV2Event.json'));
    const seen = parse(result as { body: string });
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/my/path',
      query: { parameter1: 'value1', parameter2: 'value' },
      headers: { header1: 'value1', header2: 'value1,value2', cookie: 'cookie1; cookie2' },
      ip: '192.168.0.1/32',
    });
  });

  it('reads a Function URL with cookies in both places once', async () => {
    const event = fixture('lambda-url/aws-lambda-go__function-url-request-with-headers-and-cookies-and-text-body.json');
    const seen = parse((await invokeLambda(echo, event)) as { body: string });
    expect(seen).toMatchObject({
      path: '/hello',
      cookies: { foo: 'bar', hello: 'hello' },
      headers: { cookie: 'foo=bar; hello=hello' },
      body: { hello: 'world' },
      query: { hello: 'world', foo: 'bar' },
    });
  });

  it('decodes a Function URL base64 body of an unknown type to bytes', async () => {
    const event = fixture('lambda-url/aws-lambda-go__function-url-domain-only-request-with-base64-encoded-body.json');
    const seen = parse((await invokeLambda(echo, event)) as { body: string });
    expect(Buffer.from(seen.body.bytes).toString()).toBe('<idk/>');
  });
});

describe('REST API v1', () => {
  function v1(overrides: Record<string, unknown> = {}) {
    return {
      resource: '/{proxy+}',
      path: '/orders',
      httpMethod: 'GET',
      headers: { Accept: 'b', 'X-Multi': 'two' },
      multiValueHeaders: { Accept: ['a', 'b'], 'X-Multi': ['one', 'two'], Cookie: ['s=1', 't=2'] },
      queryStringParameters: { tag: 'b' },
      multiValueQueryStringParameters: { tag: ['a', 'b'] },
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        path: '/prod/orders',
        stage: 'prod',
        domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
        identity: { sourceIp: '198.51.100.1' },
      },
      body: null,
      isBase64Encoded: false,
      ...overrides,
    };
  }

  it('uses multi-value headers and query, lower-cases names, keeps the stage in url only', async () => {
    const seen = parse((await invokeLambda(echo, v1())) as { body: string });
    expect(seen).toMatchObject({
      path: '/orders',
      headers: { accept: 'a, b', 'x-multi': 'one, two', cookie: 's=1; t=2' },
      cookies: { s: '1', t: '2' },
      all: [
        ['tag', 'a'],
        ['tag', 'b'],
      ],
      ip: '198.51.100.1',
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/orders?tag=a&tag=b',
    });
  });

  it.each([
    ['a resource with a parameter', '/orders/{id}', { id: '7' }, '/shop/orders/7', '/orders/7'],
    ['a greedy proxy resource', '/{proxy+}', { proxy: 'orders/7' }, '/shop/orders/7', '/orders/7'],
    ['a base path of two segments', '/orders/{id}', { id: '7' }, '/v1/shop/orders/7', '/orders/7'],
    ['the root resource', '/', null, '/shop', '/'],
    ['a trailing slash', '/orders/{id}', { id: '7' }, '/shop/orders/7/', '/orders/7/'],
  ])(
    'drops the base path of a custom domain mapping from the path (%s)',
    async (_case, resource, params, path, expected) => {
      // Prepare: what a REST API answers through api.example.com with a base path mapping
      const api = router(
        http({ method: 'GET', path: '/' }).handle((req) => ({ path: req.path, url: req.url })),
        http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({
          path: req.path,
          url: req.url,
          id: req.params.id,
        })),
      );
      const event = v1({
        resource,
        path,
        pathParameters: params,
        multiValueQueryStringParameters: null,
        queryStringParameters: null,
        requestContext: { path, stage: 'prod', domainName: 'api.example.com', identity: { sourceIp: '198.51.100.1' } },
      });

      // Act
      const result = (await invokeLambda(api, event)) as { statusCode: number; body: string };

      // Assert
      expect(result.statusCode).toBe(200);
      expect(parse(result)).toMatchObject({ path: expected, url: `https://api.example.com${path}` });
    },
  );

  it.each([
    ['a decoded slash in a parameter', '/files/{name}', { name: 'x/admin/delete' }, '/files/x/admin/delete'],
    ['a resource the path does not end with', '/status/{id}', { id: '7' }, '/x/admin/delete'],
    ['a greedy resource without its parameter', '/{proxy+}', null, '/x/admin/delete'],
  ])('keeps the path as sent when the resource does not match its end (%s)', async (_case, resource, params, path) => {
    // Prepare: a route another request path could be cut down to
    const api = router(
      http({ method: 'GET', path: '/files/:name' }).handle(() => 'files'),
      http({ method: 'GET', path: '/admin/:action' }).handle(() => 'ADMIN'),
    );
    const event = v1({
      resource,
      path,
      pathParameters: params,
      multiValueQueryStringParameters: null,
      queryStringParameters: null,
    });

    // Act
    const result = (await invokeLambda(api, event)) as { statusCode: number; body: string };

    // Assert
    expect(result.body).not.toContain('ADMIN');
    expect(result.statusCode).toBe(404);
  });

  it('drops a base path before a parameter whose slash arrived encoded', async () => {
    // Prepare
    const files = http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name }));
    const event = v1({
      resource: '/files/{name}',
      path: '/shop/files/a%2Fb',
      pathParameters: { name: 'a/b' },
      multiValueQueryStringParameters: null,
      queryStringParameters: null,
    });

    // Act
    const result = (await invokeLambda(router(files), event)) as { statusCode: number; body: string };

    // Assert
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ name: 'a/b' });
  });

  it('keeps the query in the stage-qualified url, encoded, and leaves it out when there is none', async () => {
    // Prepare
    const withQuery = v1({
      queryStringParameters: { q: 'a b', ü: '&' },
      multiValueQueryStringParameters: { q: ['a b'], ü: ['x', '&'] },
    });
    const without = v1({ queryStringParameters: null, multiValueQueryStringParameters: null });
    // Act
    const seen = parse((await invokeLambda(echo, withQuery)) as { body: string });
    const bare = parse((await invokeLambda(echo, without)) as { body: string });
    // Assert
    expect(seen.url).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod/orders?q=a+b&%C3%BC=x&%C3%BC=%26');
    expect(seen.all).toEqual([
      ['q', 'a b'],
      ['ü', 'x'],
      ['ü', '&'],
    ]);
    expect(bare.url).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod/orders');
  });

  it('accepts null maps and a base64 flag with a null body (payload 1.0)', async () => {
    const event = v1({
      headers: null,
      multiValueHeaders: null,
      multiValueQueryStringParameters: null,
      queryStringParameters: null,
      isBase64Encoded: true,
    });
    const seen = parse((await invokeLambda(echo, event)) as { body: string });
    expect(seen).toMatchObject({ path: '/orders', headers: {}, query: {} });
    expect(seen.body).toBeUndefined();
  });

  it('falls back to the single-value maps when the multi-value ones are empty', async () => {
    const event = v1({ multiValueHeaders: {}, multiValueQueryStringParameters: {}, headers: { 'X-One': '1' } });
    const seen = parse((await invokeLambda(echo, event)) as { body: string });
    expect(seen).toMatchObject({ headers: { 'x-one': '1' }, query: { tag: 'b' } });
  });

  it('sends Set-Cookie through multiValueHeaders', async () => {
    const fn = http().handle(() => ({ status: 200, cookies: ['a=1', 'b=2'], body: 'ok' }));
    expect(await invokeLambda(fn, v1())).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: 'ok',
      isBase64Encoded: false,
    });
  });

  it('answers 204 with an empty string body', async () => {
    const fn = http().handle(() => undefined);
    expect(await invokeLambda(fn, v1())).toEqual({ statusCode: 204, headers: {}, body: '', isBase64Encoded: false });
  });

  it('reads the real REST fixture', async () => {
    const seen = parse(
      (await invokeLambda(echo, fixture('apigw-rest/aws-lambda-go__apigw-request.json'))) as { body: string },
    );
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/hello/world',
      query: { name: 'me' },
      body: { a: 1 },
      params: { proxy: 'hello/world' },
    });
    expect(seen.headers['content-type']).toBe('application/json');
  });

  it("gives a function on {proxy+} its route's parameters only, as every other runtime does", async () => {
    // Prepare: the platform's own `proxy` parameter is no parameter of the route
    const hello = http({ method: 'POST', path: '/hello/:name', params: z.strictObject({ name: z.string() }) }).handle(
      (req) => ({ params: req.params }),
    );

    // Act
    const result = (await invokeLambda(hello, fixture('apigw-rest/aws-lambda-go__apigw-request.json'))) as {
      statusCode: number;
      body: string;
    };

    // Assert
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ params: { name: 'world' } });
  });

  it('reads an HTTP API payload 1.0 event as REST', async () => {
    const seen = parse(
      (await invokeLambda(echo, fixture('apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json'))) as {
        body: string;
      },
    );
    expect(seen).toMatchObject({ method: 'GET', path: '/api/resourcepath' });
    expect(seen.headers.host).toBe('atm5u4y7o1.execute-api.us-west-2.amazonaws.com');
  });

  it('takes an HTTP API payload 1.0 path as decoded, and a REST path as sent', async () => {
    const rest = fixture('apigw-rest/powertools-ts__no-auth.json') as Record<string, unknown>;
    const event = (version: string | undefined, path: string) => ({
      ...rest,
      version,
      httpMethod: 'GET',
      path,
      resource: '/{proxy+}',
      pathParameters: { proxy: path.slice(1) },
      requestContext: { ...(rest.requestContext as object), path: `/prod${path}` },
      body: null,
    });
    const payload1 = parse((await invokeLambda(echo, event('1.0', '/files/100%'))) as { body: string });
    const restApi = parse((await invokeLambda(echo, event(undefined, '/files/100%25'))) as { body: string });
    expect(payload1.path).toBe('/files/100%');
    expect(restApi.path).toBe('/files/100%');
  });
});

describe('ALB', () => {
  const single = fixture('alb/aws-lambda-go__alb-lambda-target-request-headers-only.json');
  const multi = fixture('alb/aws-lambda-go__alb-lambda-target-request-multivalue-headers.json');
  const withCookies = http().handle(() => ({
    status: 201,
    cookies: ['a=1', 'b=2'],
    headers: { 'x-id': '7' },
    body: 'made',
  }));

  it('answers single-value mode with statusDescription and case-varied Set-Cookie names', async () => {
    expect(await invokeLambda(withCookies, single)).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      headers: { 'x-id': '7', 'content-type': 'text/plain; charset=utf-8', 'set-cookie': 'a=1', 'Set-cookie': 'b=2' },
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it('answers multi-value mode in multiValueHeaders only', async () => {
    expect(await invokeLambda(withCookies, multi)).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      multiValueHeaders: { 'x-id': ['7'], 'content-type': ['text/plain; charset=utf-8'], 'set-cookie': ['a=1', 'b=2'] },
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it('answers a logged 500 in single-value mode for more cookies than set-cookie has spellings (512)', async () => {
    // Prepare
    const setting = (count: number) =>
      http().handle(() => ({
        status: 200,
        cookies: Array.from({ length: count }, (_, i) => `c${i}=${i}`),
        body: 'ok',
      }));
    const logs = collectLogs();
    try {
      // Act
      const most = (await invokeLambda(setting(512), single)) as { headers: Record<string, string> };
      const tooMany = (await invokeLambda(setting(513), single)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      const multiValue = (await invokeLambda(setting(513), multi)) as { multiValueHeaders: Record<string, string[]> };

      // Assert
      const sent = Object.keys(most.headers).filter((name) => name.toLowerCase() === 'set-cookie');
      expect(sent).toHaveLength(512);
      expect(new Set(sent.map((name) => most.headers[name])).size).toBe(512);
      expect(tooMany.statusCode).toBe(500);
      expect(JSON.stringify(tooMany.headers).toLowerCase()).not.toContain('set-cookie');
      expect(JSON.parse(tooMany.body)).toMatchObject({ status: 500, title: 'Internal Server Error' });
      const [line] = logs.find('500 Internal Server Error');
      expect(line).toMatchObject({ level: 'ERROR', err: { code: 'HANDLER_FAILED' } });
      expect(JSON.stringify(line)).toContain('513 cookies');
      // Logged through the invocation's context, in Lambda's shape: the line and the problem name its request.
      const requestId = (JSON.parse(tooMany.body) as { requestId?: unknown }).requestId;
      expect(requestId).toEqual(expect.any(String));
      expect(line).toMatchObject({ requestId });
      expect(multiValue.multiValueHeaders['set-cookie']).toHaveLength(513);
    } finally {
      logs.restore();
    }
  });

  it('decodes the query ALB passes encoded', async () => {
    const event = { ...single, queryStringParameters: { 'na%20me': 'J%C3%BCrgen+X' } };
    const seen = parse((await invokeLambda(echo, event)) as { body: string });
    expect(seen.query).toEqual({ 'na me': 'Jürgen X' });
  });

  it('decodes the base64 body of the BOM fixture', async () => {
    const seen = parse(
      (await invokeLambda(echo, fixture('alb/aws-lambda-dotnet__values-put-binary-alb-request.json'))) as {
        body: string;
      },
    );
    expect(seen).toMatchObject({ method: 'PUT', path: '/api/binary', body: 'Greetings, programs!' });
  });

  it('takes the client address ALB appended, not one the client put first in x-forwarded-for', async () => {
    const headers = { ...(single.headers as Record<string, string>), 'x-forwarded-for': '10.0.0.1, 203.0.113.9' };
    expect(parse((await invokeLambda(echo, { ...single, headers })) as { body: string }).ip).toBe('203.0.113.9');
    const multiValueHeaders = {
      ...(multi.multiValueHeaders as Record<string, string[]>),
      'x-forwarded-for': ['10.0.0.1', '10.0.0.2, 198.51.100.7'],
    };
    const seen = parse((await invokeLambda(echo, { ...multi, multiValueHeaders })) as { body: string });
    expect(seen.ip).toBe('198.51.100.7');
  });

  it('reads multi-value headers of the real fixture', async () => {
    const seen = parse((await invokeLambda(echo, multi)) as { body: string });
    expect(seen).toMatchObject({ query: { key: 'hello' }, headers: { 'x-myheader': '123' }, ip: '72.21.198.67' });
  });
});

describe('context', () => {
  it('sets requestId, functionName, deadline and raw from the Lambda context', async () => {
    const lambda = createLambdaContext({ awsRequestId: 'abc-1', functionName: 'orders', timeoutMs: 5000 });
    const seen = http().handle((_req, ctx) => ({
      cloud: ctx.cloud,
      requestId: ctx.requestId,
      functionName: ctx.functionName,
      left: ctx.remainingTimeMs(),
      raw: ctx.raw === lambda,
    }));
    const body = parse((await toLambda(seen)(v2() as never, lambda)) as { body: string });
    expect(body).toMatchObject({ cloud: 'aws', requestId: 'abc-1', functionName: 'orders', raw: true });
    expect(body.left).toBeGreaterThan(4000);
    expect(body.left).toBeLessThanOrEqual(5000);
    expect(lambda.callbackWaitsForEmptyEventLoop).toBe(true);
  });

  it('exposes the X-Ray header of the running invocation as ctx.trace', async () => {
    const previous = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    try {
      const fn = http().handle((_req, ctx) => ({ trace: ctx.trace['x-amzn-trace-id'], region: ctx.region }));
      const body = parse((await invokeLambda(fn, v2())) as { body: string });
      expect(body.trace).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    } finally {
      if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = previous;
    }
  });
});

describe('logging a REST API event', () => {
  it("never writes the caller's API key, which the event repeats in requestContext.identity", async () => {
    const logs = collectLogs();
    try {
      const fn = http()
        .use(logger())
        .handle((req, ctx) => {
          ctx.log.info({ event: req.raw }, 'event');
          return null;
        });
      await invokeLambda(fn, fixture('apigw-rest/aws-lambda-go__apigw-request.json'));
      const [line] = logs.find((entry) => entry.message === 'event');
      expect(JSON.stringify(line)).not.toContain('theApiKey"');
      expect(line).toMatchObject({ event: { requestContext: { identity: { apiKey: '[Redacted]' } } } });
    } finally {
      logs.restore();
    }
  });
});
