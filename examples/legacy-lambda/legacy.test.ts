import { invokeLambda } from '@skyport/aws';
import { invokeAzure } from '@skyport/azure';
import { invokeGcp } from '@skyport/gcp';
import { aws, httpRequest, invoke } from '@skyport/testing';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { rates } from './functions.js';

const body = JSON.stringify({ service: 'express', weightKg: 2 });
const headers = { 'content-type': 'application/json', origin: 'https://shop.example' };

function outcome(status: number, h: Record<string, unknown>, text: string | undefined) {
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, cors: lower['access-control-allow-origin'], body: text ? JSON.parse(text) : undefined };
}

describe('a legacy Lambda handler wrapped with fromLambda', () => {
  const expected = { status: 200, cors: 'https://shop.example', body: { service: 'express', price: 24 } };

  it('runs in-process with the added middleware', async () => {
    const res = await invoke(rates, httpRequest({ method: 'POST', path: '/rates', headers, body }));
    expect(outcome(res.status, res.headers, res.text)).toEqual(expected);
  });

  it('runs on Lambda with the original event', async () => {
    const event: APIGatewayProxyEventV2 = aws.apiGatewayV2({ method: 'POST', path: '/rates', headers, body });
    const result = (await invokeLambda(rates, event)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(outcome(result.statusCode, result.headers, result.body)).toEqual(expected);
    expect(result.headers['x-request-id']).toMatch(/\S+/);
  });

  it('runs on Azure and Google Cloud through synthesised events', async () => {
    const azure = await invokeAzure(rates, { method: 'POST', url: '/api/rates', headers, body });
    expect(outcome(azure.status ?? 200, azure.headers as Record<string, string>, azure.body as string)).toEqual(
      expected,
    );
    const gcp = await invokeGcp(rates, { method: 'POST', path: '/rates', headers, body });
    expect(outcome(gcp.status, gcp.headers, JSON.stringify(gcp.body))).toEqual(expected);
  });

  it('keeps the legacy error answers', async () => {
    const res = await invoke(
      rates,
      httpRequest({ method: 'POST', path: '/rates', headers, body: '{"service":"pigeon","weightKg":1}' }),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text ?? '')).toEqual({ message: 'unknown service or bad weight' });
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('answers an error without a content type as JSON everywhere, as API Gateway does', async () => {
    // Prepare: the handler's 400 sets no content type; API Gateway sends application/json
    const bad = '{"service":"pigeon","weightKg":1}';
    // Act
    const local = await invoke(rates, httpRequest({ method: 'POST', path: '/rates', headers, body: bad }));
    const azure = await invokeAzure(rates, { method: 'POST', url: '/api/rates', headers, body: bad });
    const gcp = await invokeGcp(rates, { method: 'POST', path: '/rates', headers, body: bad });
    const lambda = (await invokeLambda(
      rates,
      aws.apiGatewayV2({ method: 'POST', path: '/rates', headers, body: bad }),
    )) as { statusCode: number; headers: Record<string, string> };
    // Assert: off Lambda, the type the platform would have added; on Lambda, left to it
    const azureHeaders = Object.fromEntries(
      Object.entries(azure.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    ) as Record<string, unknown>;
    expect([local.status, local.headers['content-type']]).toEqual([400, 'application/json']);
    expect([azure.status, azureHeaders['content-type']]).toEqual([400, 'application/json']);
    expect([gcp.status, gcp.headers['content-type']]).toEqual([400, 'application/json']);
    expect(lambda.statusCode).toBe(400);
    expect(lambda.headers['content-type']).toBeUndefined();
  });
});
