/**
 * The raw factories against real sample events: each test runs a factory event and a real
 * fixture of the same source through the adapter and checks that the handler sees the same
 * values.
 */
import { createHash } from 'node:crypto';
import {
  type ChangeEvent,
  changes,
  type HttpRequest,
  http,
  type Message,
  queue,
  type StreamRecord,
  stream,
} from '@skyport/core';
import type { ALBEvent, APIGatewayProxyEventV2, DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../aws/src/__fixtures__/load.js';
import { invokeLambda } from '../../../aws/src/invoke.js';
import { invokeAzure } from '../../../azure/src/invoke.js';
import { fixture as azureFixture, fromRpcMetadata } from '../../../azure/test/helpers.js';
import * as aws from './aws.js';
import * as azure from './azure.js';

/** The requests an http function sees, one per invocation. */
function httpSpy(): { fn: ReturnType<ReturnType<typeof http>['handle']>; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  const fn = http().handle((req) => {
    seen.push(req);
    return { ok: true };
  });
  return { fn, seen };
}

/** What a real request and a factory request must agree on. */
function httpView(req: HttpRequest | undefined) {
  const headers = req?.headers ?? {};
  return {
    ip: req?.ip,
    forwardedFor: headers['x-forwarded-for'],
    // The names only: a real request carries its own trace id, scheme and port.
    forwardedNames: Object.keys(headers)
      .filter((name) => name.startsWith('x-forwarded-') || name === 'x-amzn-trace-id')
      .sort(),
  };
}

const base64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('base64');

describe('raw factories match real events through the adapter', () => {
  it('kinesis: bytes data reaches the handler as the same bytes as a real record', async () => {
    const real = fixture<KinesisStreamEvent>('kinesis/aws-lambda-go__kinesis-event.json');
    const first = real.Records[0];
    if (!first) throw new Error('fixture has no record');
    const bytes = new Uint8Array(Buffer.from(first.kinesis.data, 'base64'));
    const seen: StreamRecord[] = [];
    const fn = stream({ name: 'events' }).handle((record) => {
      seen.push(record);
    });

    await invokeLambda(fn, { Records: [first] });
    await invokeLambda(fn, aws.kinesis([{ data: bytes, partitionKey: first.kinesis.partitionKey }]));

    const [fromReal, fromFactory] = seen;
    expect(base64(fromFactory?.rawBody)).toBe(base64(fromReal?.rawBody));
    expect(fromFactory?.body).toEqual(fromReal?.body);
    // Bytes that are not text stay the same bytes.
    const binary = aws.kinesis([{ data: new Uint8Array([0x08, 0x96, 0x01]) }]).Records[0];
    expect(binary?.kinesis.data).toBe('CJYB');
  });

  it('alb: sourceIp becomes the x-forwarded-* headers, so req.ip is the client as on a real ALB', async () => {
    const { fn, seen } = httpSpy();
    const single = fixture<ALBEvent>('alb/aws-lambda-go__alb-lambda-target-request-headers-only.json');
    const multi = fixture<ALBEvent>('alb/powertools-ts__multi-fields.json');

    await invokeLambda(fn, single);
    await invokeLambda(fn, aws.alb({ sourceIp: '25.12.198.67', query: { key: 'hello' } }));
    await invokeLambda(fn, multi);
    await invokeLambda(fn, aws.alb({ sourceIp: '123.123.123.123', path: '/lambda', multiValue: true }));

    const [realSingle, factorySingle, realMulti, factoryMulti] = seen.map(httpView);
    expect(realSingle?.ip).toBe('25.12.198.67');
    expect(realMulti?.ip).toBe('123.123.123.123');
    // Real ALB events carry a trace id too; the three x-forwarded-* names must be there.
    const forwarded = (view: typeof realSingle) => view?.forwardedNames.filter((n) => n.startsWith('x-forwarded-'));
    expect({ ...factorySingle, forwardedNames: forwarded(factorySingle) }).toEqual({
      ...realSingle,
      forwardedNames: forwarded(realSingle),
    });
    expect({ ...factoryMulti, forwardedNames: forwarded(factoryMulti) }).toEqual({
      ...realMulti,
      forwardedNames: forwarded(realMulti),
    });
    expect(seen[1]?.headers['x-forwarded-proto']).toBe('https');
    expect(seen[1]?.headers['x-forwarded-port']).toBe('443');
  });

  it('dynamodb: Sets, bytes and Dates are marshalled as DynamoDB streams them', async () => {
    const real = fixture<DynamoDBStreamEvent>('dynamodb/aws-lambda-go__dynamodb-event.json');
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'orders' }).handle((change) => {
      seen.push(change);
    });
    await invokeLambda(fn, real);
    const [binary, typed] = seen;
    const bytes1 = new Uint8Array(Buffer.from('AAEqQQ==', 'base64'));
    const bytes2 = new Uint8Array(Buffer.from('QSoBAA==', 'base64'));
    const factory = aws.dynamodb([
      {
        keys: { val: 'data', key: 'binary' },
        after: { val: 'data', asdf1: bytes1, asdf2: new Set([bytes1, bytes2]), key: 'binary' },
      },
      {
        keys: { id: 'x' },
        after: {
          StringSet: new Set(['Giraffe', 'Zebra']),
          NumberSet: new Set([1234, 567.8]),
          at: new Date('2024-05-01T03:00:00.000Z'),
        },
      },
    ]);
    seen.length = 0;
    await invokeLambda(fn, factory);
    const [factoryBinary, factoryTyped] = seen;

    expect(factoryBinary?.after).toEqual(binary?.after);
    const pick = (after: unknown) => {
      const { StringSet, NumberSet } = (after ?? {}) as Record<string, unknown>;
      return { StringSet, NumberSet };
    };
    expect(pick(factoryTyped?.after)).toEqual(pick(typed?.after));
    expect(factoryTyped?.after).toMatchObject({ at: '2024-05-01T03:00:00.000Z' });
    expect(factory.Records[1]?.dynamodb?.NewImage?.at).toEqual({ S: '2024-05-01T03:00:00.000Z' });
    expect(() => aws.dynamodb([{ after: { empty: new Set() } }])).toThrow(TypeError);
  });

  it('azure.httpRequest: the handler sees the host header the Functions host forwards', async () => {
    const rpc = azureFixture<Record<string, Record<string, unknown>>>(
      'http/azure-functions-nodejs-library__httpTrigger.trigger-metadata.rpc.json',
    );
    const realHeaders = fromRpcMetadata(rpc).headers as Record<string, string>;
    const { fn, seen } = httpSpy();

    await invokeAzure(fn, { method: 'GET', url: 'http://localhost:7071/api/orders', headers: realHeaders });
    await invokeAzure(fn, azure.httpRequest({ path: '/orders' }));

    const [real, factory] = seen;
    expect(real?.headers.host).toBe('localhost:7071');
    expect(factory?.headers.host).toBe(real?.headers.host);
    expect(factory?.url).toBe(real?.url);
    // A host header the test gives wins.
    expect(azure.httpRequest({ headers: { Host: 'example.com' } }).headers.host).toBe('example.com');
  });

  it('apiGatewayV2: user-agent matches requestContext.http.userAgent, with the forwarding headers of a real API', async () => {
    const real = fixture<APIGatewayProxyEventV2>('apigw-http/aws-lambda-go__apigw-v2-request-no-authorizer.json');
    const { fn, seen } = httpSpy();

    await invokeLambda(fn, real);
    await invokeLambda(fn, aws.apiGatewayV2({ sourceIp: '1.2.3.4' }));

    const agents = seen.map((req) => [
      req.headers['user-agent'],
      (req.raw as APIGatewayProxyEventV2).requestContext.http.userAgent,
    ]);
    expect(agents[0]?.[0]).toBe(agents[0]?.[1]);
    expect(agents[1]).toEqual(['curl/8.5.0', 'curl/8.5.0']);
    expect(httpView(seen[1])).toEqual(httpView(seen[0]));
    expect(seen[1]?.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    // A user agent the test gives is in both places.
    const given = aws.apiGatewayV2({ headers: { 'User-Agent': 'k6/0.50' } });
    expect([given.headers['user-agent'], given.requestContext.http.userAgent]).toEqual(['k6/0.50', 'k6/0.50']);
  });

  it('functionUrl: user-agent, forwarding headers, route key and cookies as a real Function URL sends them', async () => {
    const real = fixture<APIGatewayProxyEventV2>(
      'lambda-url/aws-lambda-go__function-url-request-with-headers-and-cookies-and-text-body.json',
    );
    const { fn, seen } = httpSpy();
    const event = aws.functionUrl({
      method: 'POST',
      path: '/hello',
      query: { hello: 'world', foo: 'bar' },
      cookies: ['foo=bar', 'hello=hello'],
      headers: { 'content-type': 'application/json' },
      body: '{"hello": "world"}',
      sourceIp: '127.0.0.1',
    });

    await invokeLambda(fn, real);
    await invokeLambda(fn, event);

    const view = (req: HttpRequest | undefined) => {
      const raw = req?.raw as APIGatewayProxyEventV2;
      return {
        ...httpView(req),
        agentsAgree: req?.headers['user-agent'] === raw.requestContext.http.userAgent,
        cookieHeader: req?.headers.cookie,
        // Sent twice by Function URLs: as the header and in `cookies[]`.
        rawCookieHeader: raw.headers.cookie,
        cookies: req?.cookies,
        rawCookies: raw.cookies,
        routeKeys: [raw.routeKey, raw.requestContext.routeKey],
        query: req?.query,
        body: req?.body,
      };
    };
    expect(view(seen[1])).toEqual(view(seen[0]));
    expect(view(seen[0]).agentsAgree).toBe(true);
  });

  it('apiGatewayV1: a request to / goes to the root resource with no path parameters', async () => {
    const real = fixture<Record<string, unknown>>('apigw-rest/powertools-ts__no-auth.json');
    const { fn, seen } = httpSpy();

    await invokeLambda(fn, real);
    const event = aws.apiGatewayV1({ path: '/' });
    await invokeLambda(fn, event);

    expect(real.pathParameters).toBeNull();
    expect(seen[1]?.params).toEqual(seen[0]?.params);
    expect([event.resource, event.requestContext.resourcePath, event.pathParameters]).toEqual(['/', '/', null]);
    // Below the root, the proxy resource takes the path.
    expect(aws.apiGatewayV1({ path: '/orders/7' }).pathParameters).toEqual({ proxy: 'orders/7' });
  });

  it('sqs: md5OfBody and md5OfMessageAttributes are the digests SQS computes', async () => {
    const real = fixture<SQSEvent>('sqs/powertools-ts__base.json');
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle((message) => {
      seen.push(message);
    });
    const first = real.Records[0];
    if (!first) throw new Error('fixture has no record');

    await invokeLambda(fn, { Records: [first] });
    await invokeLambda(fn, aws.sqs([{ body: first.body }]));

    const md5 = (message: Message | undefined) => {
      const raw = message?.raw as { body: string; md5OfBody: string };
      return [raw.md5OfBody, createHash('md5').update(raw.body).digest('hex')];
    };
    expect(md5(seen[0])).toEqual(['e4e68fb7bd0e697a0ae8f1bb342846b3', 'e4e68fb7bd0e697a0ae8f1bb342846b3']);
    expect(md5(seen[1])).toEqual(md5(seen[0]));
    // The digest of the aws-md5-of-message-attributes README for one String attribute.
    const [withAttributes, without] = aws.sqs([{ attributes: { attribName1: 'attribValue 1' } }, {}]).Records;
    expect(withAttributes?.md5OfMessageAttributes).toBe('19e27d4e946b072f3f58da80d94fd778');
    expect(without && 'md5OfMessageAttributes' in without).toBe(false);
  });
});
