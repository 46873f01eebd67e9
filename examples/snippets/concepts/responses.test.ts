/**
 * docs/concepts.md, "Responses": the table of what a handler returns, when an object is an
 * explicit response, cookies, and `response` schemas.
 */
import { invokeLambda } from '@skyport/aws';
import { http } from '@skyport/core';
import { aws, httpRequest, invoke } from '@skyport/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

afterEach(() => {
  vi.unstubAllEnvs();
});

const answer = async (result: unknown) => {
  const res = await invoke(
    http({ method: 'GET', path: '/' }).handle(() => result),
    httpRequest(),
  );
  return { status: res.status, type: res.headers['content-type'], body: res.response.body, headers: res.headers };
};

describe('what the handler returns', () => {
  it('a value (object, array, number, null): 200 application/json', async () => {
    for (const [value, text] of [
      [{ a: 1 }, '{"a":1}'],
      [[1, 2], '[1,2]'],
      [42, '42'],
      [null, 'null'],
    ] as const) {
      expect(await answer(value)).toMatchObject({ status: 200, type: 'application/json', body: text });
    }
  });

  it('undefined: 204', async () => {
    expect(await answer(undefined)).toMatchObject({ status: 204, body: undefined });
  });

  it('a string: 200 text/plain; charset=utf-8', async () => {
    expect(await answer('hi')).toMatchObject({ status: 200, type: 'text/plain; charset=utf-8', body: 'hi' });
  });

  it('a Uint8Array: 200 application/octet-stream', async () => {
    expect(await answer(new Uint8Array([1, 2]))).toMatchObject({
      status: 200,
      type: 'application/octet-stream',
      body: new Uint8Array([1, 2]),
    });
  });

  it('bytes are base64 on AWS', async () => {
    const fn = http({ method: 'GET', path: '/' }).handle(() => new Uint8Array([1, 2]));
    expect(await invokeLambda(fn, aws.apiGatewayV2({ path: '/' }))).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      body: 'AQI=',
    });
  });

  it('a web Response: its status, headers, cookies and body', async () => {
    const headers = new Headers({ 'content-type': 'text/csv', 'x-a': '1' });
    headers.append('set-cookie', 'sid=1; Path=/');
    const res = await invoke(
      http({ method: 'GET', path: '/' }).handle(() => new Response('a,b', { status: 202, headers })),
      httpRequest(),
    );
    expect(res).toMatchObject({
      status: 202,
      headers: { 'content-type': 'text/csv', 'x-a': '1' },
      cookies: ['sid=1; Path=/'],
      body: 'a,b',
    });
  });

  it('{ status, headers?, cookies?, body? }: exactly that', async () => {
    const res = await invoke(
      http({ method: 'POST', path: '/' }).handle(() => ({
        status: 201,
        headers: { Location: '/orders/1' },
        cookies: ['a=1', { name: 'b', value: '2', httpOnly: true, sameSite: 'Lax' }],
        body: { id: 1 },
      })),
      httpRequest({ method: 'POST' }),
    );
    expect(res.status).toBe(201);
    expect(res.headers).toEqual({ location: '/orders/1', 'content-type': 'application/json' });
    expect(res.cookies).toEqual(['a=1', expect.stringMatching(/^b=2; .*HttpOnly/)]);
    expect(res.cookies[1]).toContain('SameSite=Lax');
    expect(res.body).toEqual({ id: 1 });
  });

  it('an object with other keys, or a non-numeric status, is a JSON body', async () => {
    expect(await answer({ status: 'shipped', id: 1 })).toMatchObject({
      status: 200,
      body: '{"status":"shipped","id":1}',
    });
    expect(await answer({ status: 404, id: 1 })).toMatchObject({ status: 200, body: '{"status":404,"id":1}' });
    expect(await answer({ status: 42, body: 'x' })).toMatchObject({ status: 200, body: '{"status":42,"body":"x"}' });
  });
});

describe('response schemas', () => {
  const Out = z.object({ id: z.string() });

  it('a body that does not match is a 500 outside production', async () => {
    const fn = http({ method: 'GET', path: '/', response: Out }).handle(
      // @ts-expect-error: the return type is checked against the response schema
      () => ({ id: 1 }),
    );
    const res = await invoke(fn, httpRequest());
    expect(res.status).toBe(500);
  });

  it('checks the body of 2xx responses only', async () => {
    const fn = http({ method: 'GET', path: '/', response: Out }).handle(() => ({
      status: 404,
      body: { id: 1 } as unknown as { id: string },
    }));
    expect((await invoke(fn, httpRequest())).status).toBe(404);
  });

  it('is not checked when NODE_ENV is production as the function is defined', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const fn = http({ method: 'GET', path: '/', response: Out }).handle(() => ({ id: 1 }) as unknown as { id: string });
    vi.unstubAllEnvs();
    const res = await invoke(fn, httpRequest());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 1 });
  });
});
