/** What docs/aws.md says about `fromLambda`, checked against `from-lambda.ts` and a few handler styles. */
import { fromLambda, invokeLambda } from '@skyport/aws';
import { aws, httpRequest, invoke } from '@skyport/testing';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Callback, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { api, handler } from './from-lambda.js';
import { handler as legacy } from './legacy-api.js';

const origin = { origin: 'https://shop.example' };

describe('a legacy handler wrapped with fromLambda', () => {
  it('gets the original event and the Lambda context on Lambda, and keeps its answer', async () => {
    // Prepare
    const event = aws.apiGatewayV2({ path: '/status', headers: origin, stage: 'prod' });
    const context = aws.lambdaContext({ awsRequestId: 'req-1' });

    // Act
    const direct = await legacy(event, context);
    const wrapped = await handler(event, context);

    // Assert
    expect(direct).toMatchObject({ statusCode: 200 });
    expect(wrapped).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
    });
    const body = JSON.parse((wrapped as { body: string }).body);
    expect(body).toEqual({ path: '/prod/status', stage: 'prod', requestId: 'req-1' });
    expect(body).toEqual(JSON.parse((direct as { body: string }).body));
  });

  it('gives up 500 ms before the deadline, through the added timeout()', async () => {
    const event = aws.apiGatewayV2({ path: '/status' });
    const result = await handler(event, aws.lambdaContext({ remainingMs: 400 }));
    expect(result).toMatchObject({ statusCode: 504 });
  });

  it('gets a synthesised HTTP API 2.0 event and context elsewhere', async () => {
    const res = await invoke(api, httpRequest({ path: '/status', headers: origin }), { requestId: 'test-7' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toMatchObject({ path: '/status', requestId: 'test-7' });
  });
});

describe('handler styles', () => {
  const event = aws.apiGatewayV2({ path: '/' });

  it('completes a callback-style handler with its callback', async () => {
    const callbackStyle = (
      _event: APIGatewayProxyEventV2,
      _context: Context,
      callback: Callback<APIGatewayProxyResultV2>,
    ) => {
      setTimeout(() => callback(null, { statusCode: 202, body: 'queued' }), 5);
    };
    const result = await invokeLambda(fromLambda(callbackStyle, { kind: 'http' }), event);
    expect(result).toMatchObject({ statusCode: 202, body: 'queued' });
  });

  it('completes a handler that calls context.succeed, and fails one that calls back with a string', async () => {
    const succeeds = (_event: APIGatewayProxyEventV2, context: Context) => {
      context.succeed({ statusCode: 201, body: 'made' });
    };
    const fails = (_event: APIGatewayProxyEventV2, _context: Context, callback: Callback) => callback('boom');
    expect(await invokeLambda(fromLambda(succeeds, { kind: 'http' }), event)).toMatchObject({ statusCode: 201 });
    expect(await invokeLambda(fromLambda(fails, { kind: 'http' }), event)).toMatchObject({ statusCode: 500 });
  });

  it('reads a result without statusCode as a 200 JSON body', async () => {
    const bare = async () => ({ ok: true });
    const result = await invokeLambda(fromLambda(bare, { kind: 'http' }), event);
    expect(result).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
    expect((result as { headers?: Record<string, string> }).headers?.['content-type']).toMatch(/^application\/json/);
  });

  it('takes what a one-parameter handler returns as its result', async () => {
    const oneParameter = (incoming: APIGatewayProxyEventV2) => ({ statusCode: 200, body: incoming.rawPath });
    const result = await invokeLambda(fromLambda(oneParameter, { kind: 'http' }), aws.apiGatewayV2({ path: '/x' }));
    expect(result).toMatchObject({ statusCode: 200, body: '/x' });
  });
});
