/**
 * A middleware's answer, edited freely (`{ ...res, headers: { ...res.headers, ... } }`), reaches
 * every adapter in the shape a handler's answer has: asserted on `runHttp`'s response, which
 * every adapter writes back, and on what `toLambda` gives API Gateway.
 */
import { createLambdaContext, toLambda } from '@skyport/aws';
import { aws } from '@skyport/testing';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { Conflict } from '../errors.js';
import { setLogDestination } from '../log.js';
import { createMiddleware } from '../middleware/create.js';
import { runHttp } from '../run.js';
import type { HttpResponse, SkyportFunction } from '../types.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

const ctx = () =>
  createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test', coldStart: false });

/** A function answering `{ a: 1 }` behind a middleware that edits the answer with `edit`. */
function editedBy(edit: (res: HttpResponse) => unknown): SkyportFunction<'http'> {
  return http()
    .use(
      createMiddleware({
        name: 'edit',
        handle: async (_req, _ctx, next) => edit(await next()) as HttpResponse,
      }),
    )
    .handle(() => ({ a: 1 }));
}

/** What `runHttp` and `toLambda` (an HTTP API event) answer for `fn`. */
async function both(fn: SkyportFunction<'http'>) {
  const core = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
  const lambda = (await toLambda(fn)(
    aws.apiGatewayV2({ path: '/' }),
    createLambdaContext(aws.lambdaContext()),
  )) as APIGatewayProxyStructuredResultV2;
  return { core, lambda };
}

describe("a middleware's answer", () => {
  it('has its header names lower-cased, the value given last winning over one in another case', async () => {
    // Prepare
    const fn = editedBy((res) => ({
      ...res,
      headers: { ...res.headers, 'Content-Type': 'text/html; charset=utf-8', 'X-Trace': 'a' },
    }));

    // Act
    const { core, lambda } = await both(fn);

    // Assert
    expect(core.headers).toEqual({ 'content-type': 'text/html; charset=utf-8', 'x-trace': 'a' });
    expect(lambda.headers).toEqual({ 'content-type': 'text/html; charset=utf-8', 'x-trace': 'a' });
    expect(lambda.body).toBe('{"a":1}');
  });

  it('has a set-cookie header sent as its cookies, after those it had', async () => {
    // Prepare
    const fn = editedBy((res) => ({
      ...res,
      headers: { ...res.headers, 'Set-Cookie': ['a=1', 'b=2'] },
      cookies: ['z=0'],
    }));
    const single = editedBy((res) => ({ ...res, headers: { ...res.headers, 'set-cookie': 'sid=x' } }));

    // Act
    const { core, lambda } = await both(fn);
    const one = await both(single);

    // Assert
    expect(core.cookies).toEqual(['z=0', 'a=1', 'b=2']);
    expect(core.headers).toEqual({ 'content-type': 'application/json' });
    expect(lambda.cookies).toEqual(['z=0', 'a=1', 'b=2']);
    expect(lambda.headers).toEqual({ 'content-type': 'application/json' });
    expect(one.core.cookies).toEqual(['sid=x']);
    expect(one.lambda.cookies).toEqual(['sid=x']);
    expect(one.lambda.headers?.['set-cookie']).toBeUndefined();
  });

  it('has a cookie given as an object (as a handler may) serialised, and a malformed one refused with a 500', async () => {
    // Prepare
    const cookie = { name: 'sid', value: 'x', httpOnly: true, path: '/' };
    const fn = editedBy((res) => ({ ...res, cookies: [...res.cookies, 'a=1', cookie] }));
    const badName = editedBy((res) => ({ ...res, cookies: [{ name: 'a b', value: 'x' }] }));

    // Act
    const { core, lambda } = await both(fn);
    const bad = await both(badName);

    // Assert
    expect(core.cookies).toEqual(['a=1', 'sid=x; Path=/; HttpOnly']);
    expect(lambda.cookies).toEqual(['a=1', 'sid=x; Path=/; HttpOnly']);
    expect(bad.core.status).toBe(500);
    expect(bad.core.cookies).toEqual([]);
    expect(bad.lambda.statusCode).toBe(500);
  });

  it('has a body of data serialised as JSON, and header values that are not text made text', async () => {
    // Prepare
    const object = editedBy((res) => ({ ...res, body: { b: 2 } }));
    const number = editedBy(() => ({
      status: 200,
      headers: { 'x-count': 5, vary: ['origin', 'accept'] },
      cookies: [],
      body: 5,
    }));
    const typed = editedBy(() => ({
      status: 201,
      headers: { 'content-type': 'application/x-thing' },
      cookies: [],
      body: [1],
    }));
    const nothing = editedBy((res) => ({ ...res, body: null }));

    // Act
    const results = [await both(object), await both(number), await both(typed), await both(nothing)];

    // Assert
    expect(results.map((r) => [r.core.status, r.core.headers, r.core.body])).toEqual([
      [200, { 'content-type': 'application/json' }, '{"b":2}'],
      [200, { 'x-count': '5', vary: 'origin, accept', 'content-type': 'application/json' }, '5'],
      [201, { 'content-type': 'application/x-thing' }, '[1]'],
      [200, { 'content-type': 'application/json' }, undefined],
    ]);
    expect(results.map((r) => [r.lambda.statusCode, r.lambda.headers, r.lambda.body])).toEqual([
      [200, { 'content-type': 'application/json' }, '{"b":2}'],
      [200, { 'x-count': '5', vary: 'origin, accept', 'content-type': 'application/json' }, '5'],
      [201, { 'content-type': 'application/x-thing' }, '[1]'],
      [200, { 'content-type': 'application/json' }, ''],
    ]);
  });

  it('with a web body in `body` is a 500 problem on every adapter', async () => {
    // Prepare
    const fn = editedBy((res) => ({ ...res, body: new Blob(['x']) }));

    // Act
    const { core, lambda } = await both(fn);

    // Assert
    expect(core.status).toBe(500);
    expect(core.headers['content-type']).toBe('application/problem+json');
    expect(lambda.statusCode).toBe(500);
    expect(lambda.headers?.['content-type']).toBe('application/problem+json');
  });

  it('keeps a stream it answers with', async () => {
    // Prepare
    const fn = http({ stream: true })
      .use(
        createMiddleware({
          name: 'stream',
          handle: async (_req, _ctx, next) => {
            const res = await next();
            const stream = new Response('streamed').body as ReadableStream<Uint8Array>;
            return { ...res, headers: { 'Content-Type': 'text/plain' }, body: undefined, stream };
          },
        }),
      )
      .handle(() => 'x');

    // Act
    const { core, lambda } = await both(fn);

    // Assert
    expect([core.headers, core.body]).toEqual([{ 'content-type': 'text/plain' }, 'streamed']);
    expect([lambda.headers, lambda.body]).toEqual([{ 'content-type': 'text/plain' }, 'streamed']);
  });
});

describe('the problem answer of an error', () => {
  it('sends a set-cookie header of the error as its cookies, an array as several', async () => {
    // Prepare
    const one = http().handle(() => {
      throw new Conflict('c', { headers: { 'Set-Cookie': 'sid=; Max-Age=0', 'X-Why': 'taken' } });
    });
    const several = http().handle(() => {
      throw new Conflict('c', { headers: { 'set-cookie': ['a=; Max-Age=0', 'b=; Max-Age=0'] } as never });
    });

    // Act
    const first = await both(one);
    const second = await both(several);

    // Assert
    expect(first.core.cookies).toEqual(['sid=; Max-Age=0']);
    expect(first.core.headers).toEqual({ 'x-why': 'taken', 'content-type': 'application/problem+json' });
    expect(first.lambda.cookies).toEqual(['sid=; Max-Age=0']);
    expect(first.lambda.headers?.['set-cookie']).toBeUndefined();
    expect(second.core.cookies).toEqual(['a=; Max-Age=0', 'b=; Max-Age=0']);
    expect(second.lambda.cookies).toEqual(['a=; Max-Age=0', 'b=; Max-Age=0']);
  });
});
