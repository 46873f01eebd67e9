/**
 * docs/aws.md, "HTTP": the request mapping table and its notes, the response mapping table, and
 * the problem+json answers, on the adapter's sample events and the raw factories of `@skyport/testing`.
 */
import { createLambdaContext, invokeLambda } from '@skyport/aws';
import { type HttpRequest, http, router } from '@skyport/core';
import { aws } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../../../packages/aws/src/__fixtures__/load.js';

type Obj = Record<string, unknown>;

interface Seen {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  all: [string, string][];
  params: Record<string, string>;
  ip: string | null;
  cookies: Record<string, string>;
  body: unknown;
  raw: number[];
}

const describeRequest = (req: HttpRequest): Seen => ({
  method: req.method,
  path: req.path,
  url: req.url,
  headers: { ...req.headers },
  query: { ...req.query },
  all: [...req.queryAll],
  params: { ...req.params },
  ip: req.ip ?? null,
  cookies: { ...req.cookies },
  body: req.body instanceof Uint8Array ? { bytes: [...req.body] } : (req.body ?? null),
  raw: [...req.rawBody],
});

/** Answers what it was given, as JSON. */
const echo = http({ path: '/*' }).handle((req) => describeRequest(req));

async function seen(event: unknown): Promise<Seen> {
  const result = (await invokeLambda(echo, event)) as { statusCode: number; body: string };
  expect(result.statusCode).toBe(200);
  return JSON.parse(result.body) as Seen;
}

describe('request mapping', () => {
  it('REST v1: method, path without stage, url with stage, multi-value headers and query, ip, params', async () => {
    const event = aws.apiGatewayV1({
      method: 'POST',
      path: '/orders/7',
      query: { tag: ['a', 'b'] },
      headers: { 'X-Multi': ['one', 'two'], accept: 'text/plain' },
      cookies: ['s=1', 't=2'],
      sourceIp: '198.51.100.1',
      body: { x: 1 },
      stage: 'prod',
    });
    const got = await seen(event);
    expect(got).toMatchObject({
      method: 'POST',
      path: '/orders/7',
      url: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders/7?tag=a&tag=b',
      all: [
        ['tag', 'a'],
        ['tag', 'b'],
      ],
      query: { tag: 'a' },
      params: { '*': 'orders/7' },
      ip: '198.51.100.1',
      cookies: { s: '1', t: '2' },
      body: { x: 1 },
    });
    expect(got.headers).toMatchObject({ 'x-multi': 'one, two', accept: 'text/plain', cookie: 's=1; t=2' });
  });

  it('REST v1: every value of multiValueHeaders (joined ", "; cookies "; "), names lower-cased', async () => {
    const event = {
      ...aws.apiGatewayV1({ path: '/' }),
      headers: { Accept: 'b', Cookie: 't=2' },
      multiValueHeaders: { Accept: ['a', 'b'], Cookie: ['s=1', 't=2'] },
    };
    expect((await seen(event)).headers).toEqual({ accept: 'a, b', cookie: 's=1; t=2' });
  });

  it('REST v1: the single-value maps when there are no multi-value ones', async () => {
    const event = {
      ...aws.apiGatewayV1({ path: '/' }),
      headers: { 'X-One': '1' },
      multiValueHeaders: null,
      queryStringParameters: { tag: 'b' },
      multiValueQueryStringParameters: null,
    };
    expect(await seen(event)).toMatchObject({ headers: { 'x-one': '1' }, all: [['tag', 'b']] });
  });

  it('REST v1: reads the real sample event', async () => {
    const got = await seen(fixture('apigw-rest/aws-lambda-go__apigw-request.json'));
    expect(got).toMatchObject({
      method: 'POST',
      path: '/hello/world',
      params: { '*': 'hello/world' },
      ip: '192.168.196.186',
      all: [['name', 'me']],
      body: { a: 1 },
    });
    expect(got.headers).toMatchObject({ 'content-type': 'application/json', headername: 'headerValue' });
  });

  it('HTTP API v2: method, path, url, headers as they are, cookies[] into cookie, rawQueryString, ip', async () => {
    const got = await seen(fixture('apigw-http/powertools-py__apiGatewayProxyV2Event.json'));
    expect(got).toMatchObject({
      method: 'POST',
      path: '/my/path',
      url: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
      all: [
        ['parameter1', 'value1'],
        ['parameter1', 'value2'],
        ['parameter2', 'value'],
      ],
      params: { '*': 'my/path' },
      ip: '192.168.0.1/32',
    });
    expect(Buffer.from(got.raw).toString()).toBe('{"message": "hello world", "username": "tom"}');
    expect(got.headers).toEqual({ header1: 'value1', header2: 'value1,value2', cookie: 'cookie1; cookie2' });
  });

  it('HTTP API v2: a named stage is removed from the path, kept in url', async () => {
    const api = router(http({ method: 'GET', path: '/orders/:id' }).handle((req) => describeRequest(req)));
    const event = aws.apiGatewayV2({ path: '/orders/7?x=1', stage: 'prod' });
    expect(event.rawPath).toBe('/prod/orders/7');
    const result = (await invokeLambda(api, event)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      path: '/orders/7',
      params: { id: '7' },
      url: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders/7?x=1',
    });
  });

  it('Function URL: cookies sent both in headers.cookie and in cookies[] are used once', async () => {
    const event = fixture<Obj>(
      'lambda-url/aws-lambda-go__function-url-request-with-headers-and-cookies-and-text-body.json',
    );
    expect(event.cookies).toEqual(['foo=bar', 'hello=hello']);
    expect((event.headers as Obj).cookie).toBe('foo=bar; hello=hello');
    const got = await seen(event);
    expect(got.headers.cookie).toBe('foo=bar; hello=hello');
    expect(got.cookies).toEqual({ foo: 'bar', hello: 'hello' });
  });

  it('HTTP API v2: a hand-written event with capitals or non-string values is normalised', async () => {
    const event = aws.apiGatewayV2({ path: '/' });
    const headers = { Accept: '*/*', 'x-Trace': 't', 'x-count': 3 } as unknown as Record<string, string>;
    const got = await seen({ ...event, headers });
    expect(got.headers).toMatchObject({ accept: '*/*', 'x-trace': 't', 'x-count': '3' });
    expect(Object.keys(got.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('ALB: query percent-decoded (the url keeps it as sent), ip the last x-forwarded-for entry, url from host and x-forwarded-proto', async () => {
    const single = fixture<Obj>('alb/aws-lambda-go__alb-lambda-target-request-headers-only.json');
    const event = {
      ...single,
      path: '/search',
      queryStringParameters: { 'na%20me': 'J%C3%BCrgen+X' },
      headers: { ...(single.headers as Obj), 'x-forwarded-for': '10.0.0.1, 203.0.113.9' },
    };
    expect(await seen(event)).toMatchObject({
      method: 'GET',
      path: '/search',
      all: [['na me', 'Jürgen X']],
      ip: '203.0.113.9',
      url: 'http://lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com/search?na%20me=J%C3%BCrgen+X',
    });
  });

  it('ALB: multi-value mode reads multiValueHeaders and multiValueQueryStringParameters', async () => {
    const multi = fixture<Obj>('alb/aws-lambda-go__alb-lambda-target-request-multivalue-headers.json');
    const event = {
      ...multi,
      multiValueQueryStringParameters: { tag: ['a', 'b%20c'] },
      multiValueHeaders: { ...(multi.multiValueHeaders as Obj), 'x-multi': ['one', 'two'] },
    };
    const got = await seen(event);
    expect(got).toMatchObject({
      all: [
        ['tag', 'a'],
        ['tag', 'b c'],
      ],
      ip: '72.21.198.67',
    });
    expect(got.headers).toMatchObject({ 'x-myheader': '123', 'x-multi': 'one, two' });
  });

  it('ALB: params come from router matching', async () => {
    const api = router(http({ method: 'GET', path: '/orders/:id' }).handle((req) => req.params));
    const result = (await invokeLambda(api, aws.alb({ path: '/orders/42' }))) as { body: string };
    expect(JSON.parse(result.body)).toEqual({ id: '42' });
  });

  it.each([
    ['REST', aws.apiGatewayV1({ method: 'POST', body: new Uint8Array([0, 1, 255]) })],
    ['HTTP API', aws.apiGatewayV2({ method: 'POST', body: new Uint8Array([0, 1, 255]) })],
    ['ALB', aws.alb({ method: 'POST', body: new Uint8Array([0, 1, 255]) })],
  ])('%s: body base64-decoded when isBase64Encoded', async (_name, event) => {
    expect(event.isBase64Encoded).toBe(true);
    expect((await seen(event)).body).toEqual({ bytes: [0, 1, 255] });
  });
});

describe('request notes', () => {
  it('missing maps and bodies are null on REST: treated as empty', async () => {
    const event = {
      ...aws.apiGatewayV1({ path: '/' }),
      headers: null,
      multiValueHeaders: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      body: null,
    };
    expect(await seen(event)).toMatchObject({ headers: {}, all: [], params: {}, body: null, raw: [] });
  });

  it.each([
    ['not base64!', 'not base64!'],
    ['aGk', 'aGk'], // no padding
    ['a-b_', 'a-b_'], // URL alphabet
  ])('isBase64Encoded: true with %j keeps the text', async (body, text) => {
    const event = aws.apiGatewayV2({ method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect((await seen({ ...event, isBase64Encoded: true })).body).toBe(text);
  });

  it('isBase64Encoded: true with body: null (payload 1.0) is an empty body', async () => {
    const event = fixture<Obj>('apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json');
    const got = await seen({ ...event, body: null, isBase64Encoded: true });
    expect(got).toMatchObject({ body: null, raw: [] });
  });
});

describe('response mapping', () => {
  const answer = http({ path: '/*' }).handle(() => ({
    status: 201,
    headers: { 'x-id': '7' },
    cookies: ['a=1', 'b=2'],
    body: 'made',
  }));
  const bytes = http({ path: '/*' }).handle(() => new Uint8Array([0, 255, 1]));
  const empty = http({ path: '/*' }).handle(() => undefined);

  const v2 = () => aws.apiGatewayV2({ path: '/' });
  const url = () => aws.functionUrl({ path: '/' });
  const v1 = () => aws.apiGatewayV1({ path: '/' });
  const single = () => aws.alb({ path: '/' });
  const multi = () => aws.alb({ path: '/', multiValue: true });

  it.each([
    ['HTTP API v2', v2],
    ['Function URL', url],
  ])('%s: statusCode, headers, cookies[]', async (_name, event) => {
    expect(await invokeLambda(answer, event())).toEqual({
      statusCode: 201,
      headers: { 'x-id': '7', 'content-type': 'text/plain; charset=utf-8' },
      cookies: ['a=1', 'b=2'],
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it('REST v1: Set-Cookie in multiValueHeaders["set-cookie"]', async () => {
    expect(await invokeLambda(answer, v1())).toEqual({
      statusCode: 201,
      headers: { 'x-id': '7', 'content-type': 'text/plain; charset=utf-8' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it('ALB single-value: statusDescription, headers, one Set-Cookie per spelling', async () => {
    expect(await invokeLambda(answer, single())).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      headers: { 'x-id': '7', 'content-type': 'text/plain; charset=utf-8', 'set-cookie': 'a=1', 'Set-cookie': 'b=2' },
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it('ALB multi-value: only multiValueHeaders', async () => {
    expect(await invokeLambda(answer, multi())).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      multiValueHeaders: { 'x-id': ['7'], 'content-type': ['text/plain; charset=utf-8'], 'set-cookie': ['a=1', 'b=2'] },
      body: 'made',
      isBase64Encoded: false,
    });
  });

  it.each([
    ['HTTP API v2', v2],
    ['REST v1', v1],
    ['ALB', single],
  ])('%s: bytes as base64 with isBase64Encoded, an empty body as ""', async (_name, event) => {
    expect(await invokeLambda(bytes, event())).toMatchObject({ body: 'AP8B', isBase64Encoded: true });
    expect(await invokeLambda(empty, event())).toMatchObject({ statusCode: 204, body: '', isBase64Encoded: false });
  });
});

describe('errors become problem+json with the awsRequestId', () => {
  const Order = z.object({ sku: z.string(), qty: z.number().int() });
  const create = http({ method: 'POST', path: '/orders', body: Order, bodyLimit: 64 }).handle((req) => req.body);
  const crash = http({ path: '/*' }).handle(() => {
    throw new Error('database password is hunter2');
  });
  const post = (body: string, type = 'application/json') =>
    aws.apiGatewayV2({ method: 'POST', path: '/orders', body, headers: { 'content-type': type } });

  it.each([
    ['malformed JSON', create, post('{"sku":'), 400],
    ['a body that is not JSON', create, post('sku=a', 'text/plain'), 415],
    ['a body failing its schema', create, post('{"sku":1,"qty":"x"}'), 422],
    ['a body over the limit', create, post(JSON.stringify({ sku: 'a'.repeat(100), qty: 1 })), 413],
    ['a thrown error', crash, aws.apiGatewayV2({ path: '/' }), 500],
  ] as const)('%s: %#', async (_name, fn, event, status) => {
    const result = (await invokeLambda(fn, event, createLambdaContext({ awsRequestId: 'req-42' }))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(result.statusCode).toBe(status);
    expect(result.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(result.body) as { status: number; requestId: string; detail?: string; errors?: unknown };
    expect(problem).toMatchObject({ status, requestId: 'req-42' });
    if (status === 422) {
      expect(problem.errors).toEqual([
        expect.objectContaining({ path: 'body.sku' }),
        expect.objectContaining({ path: 'body.qty' }),
      ]);
    }
    if (status === 500) expect(result.body).not.toContain('hunter2');
  });
});
