/**
 * docs/gcp.md, "HTTP": the request mapping table, the response, the status codes and the
 * framework's own JSON parsing, checked over HTTP on the real Functions Framework.
 */
import { createHash } from 'node:crypto';
import { type HttpRequest, http, router } from '@skyport/core';
import { register } from '@skyport/gcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Running, send, start } from './serve.js';

let calls = 0;
const echo = http({ path: '/*' }).handle((req: HttpRequest) => {
  calls++;
  return {
    method: req.method,
    path: req.path,
    query: req.query,
    all: [...req.queryAll],
    headers: req.headers,
    cookies: req.cookies,
    ip: req.ip ?? null,
    url: req.url,
    body: req.body instanceof Uint8Array ? { bytes: req.body.byteLength } : (req.body ?? null),
    sha256: createHash('sha256').update(req.rawBody).digest('hex'),
  };
});

const answers = http({ path: '/*' }).handle(() => ({
  status: 201,
  headers: { 'x-one': '1', 'content-type': 'application/octet-stream' },
  cookies: ['a=1; Path=/', 'b=2'],
  body: new Uint8Array([0, 1, 2, 253, 254, 255]),
}));

const Order = z.object({ sku: z.string(), qty: z.number().int().positive() });
const orders = router(
  http({ method: 'POST', path: '/orders', body: Order, bodyLimit: 100 }).handle((req) => ({
    status: 201,
    body: req.body,
  })),
  http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id })),
);

let servers: Record<'echo' | 'answers' | 'orders', Running>;
beforeAll(async () => {
  register({ gcpHttpEcho: echo, gcpHttpAnswers: answers, gcpHttpOrders: orders });
  servers = {
    echo: await start('gcpHttpEcho'),
    answers: await start('gcpHttpAnswers'),
    orders: await start('gcpHttpOrders'),
  };
});
afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the portable request', () => {
  it('is built from what the client sent', async () => {
    const body = '{ "sku" : "book",\n  "qty": 2 }';
    const res = await send(`${servers.echo.url}/files/a%20b?tag=a&tag=b&x=1`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Multi': ['one', 'two'],
        Cookie: ['s=1', 't=2'],
        'X-Forwarded-For': '203.0.113.7',
        'X-Forwarded-Proto': 'https',
        Host: 'shop.example.com',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      method: 'POST',
      path: '/files/a b',
      query: { tag: 'a', x: '1' },
      all: [
        ['tag', 'a'],
        ['tag', 'b'],
        ['x', '1'],
      ],
      headers: { 'x-multi': 'one, two', cookie: 's=1; t=2', 'content-type': 'application/json' },
      cookies: { s: '1', t: '2' },
      ip: '203.0.113.7',
      url: 'https://shop.example.com/files/a%20b?tag=a&tag=b&x=1',
      body: { sku: 'book', qty: 2 },
      sha256: sha(body),
    });
  });

  it.each([
    ['text/plain', 'plain words'],
    ['application/x-www-form-urlencoded', 'a=1&b=%20'],
    ['application/vnd.custom+xml', '<a> b </a>'],
    [undefined, 'no content type at all'],
  ])('keeps the exact bytes of a %s body', async (type, body) => {
    const res = await send(`${servers.echo.url}/`, {
      method: 'POST',
      headers: type === undefined ? {} : { 'content-type': type },
      body,
    });
    expect(res.status).toBe(200);
    expect((res.json as { sha256: string }).sha256).toBe(sha(body));
  });
});

describe('the response', () => {
  it('writes status, headers, each cookie as its own Set-Cookie, and bytes as they are', async () => {
    const res = await send(servers.answers.url);
    expect(res.status).toBe(201);
    expect(res.headers['x-one']).toBe('1');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect([...res.body]).toEqual([0, 1, 2, 253, 254, 255]);
  });
});

describe('status codes', () => {
  const json = { 'content-type': 'application/json' };
  it.each([
    ['an unknown route', 'GET', '/nope', {}, undefined, 404],
    ['a known path with another method', 'DELETE', '/orders/1', {}, undefined, 405],
    ['a body over the limit', 'POST', '/orders', json, JSON.stringify({ sku: 'x'.repeat(200), qty: 1 }), 413],
    ['a body that is not JSON', 'POST', '/orders', { 'content-type': 'text/plain' }, 'sku=book', 415],
    ['a body failing its schema', 'POST', '/orders', json, '{"sku":1,"qty":-1}', 422],
  ] as const)('%s: %i problem+json', async (_name, method, path, headers, body, status) => {
    const res = await send(`${servers.orders.url}${path}`, { method, headers, ...(body ? { body } : {}) });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ status });
    if (status === 405) expect(res.headers.allow).toContain('GET');
    if (status === 422) expect((res.json as { errors: unknown[] }).errors).toHaveLength(2);
  });

  it.each([
    ['malformed JSON', '{"sku":'],
    ['a bare JSON string', '"book"'],
    ['a bare JSON number', '42'],
  ])('%s is answered 400 by the framework, without invoking the function', async (_name, body) => {
    const before = calls;
    const res = await send(`${servers.echo.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).not.toMatch(/problem\+json/);
    expect(calls).toBe(before);
  });

  it('a malformed body of another type reaches the function', async () => {
    const res = await send(`${servers.echo.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"sku":',
    });
    expect(res.status).toBe(200);
    expect((res.json as { body: unknown }).body).toBe('{"sku":');
  });
});
