import { http } from '@skyport/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../../../aws/src/__fixtures__/load.js';
import { invokeLambda } from '../../../aws/src/invoke.js';
import {
  alb,
  apiGatewayV1,
  apiGatewayV2,
  dynamodb,
  eventBridge,
  functionUrl,
  kinesis,
  lambdaContext,
  s3,
  s3EventBridge,
  scheduled,
  sns,
  sqs,
} from './aws.js';

describe('raw AWS HTTP events', () => {
  it('takes query keys Object.prototype has (constructor, toString, __proto__) as plain keys', async () => {
    // Prepare
    const echo = http({ method: 'GET', path: '/q' }).handle((req) => ({ query: req.query }));
    const path = '/q?constructor=x&toString=y&__proto__=z&valueOf=1&valueOf=2';

    // Act
    const events = [
      apiGatewayV2({ path }),
      apiGatewayV1({ path }),
      apiGatewayV1({ path: '/q', query: { toString: 'y' } }),
      alb({ path }),
      alb({ path, multiValue: true }),
    ];

    // Assert
    expect(events[0]?.queryStringParameters).toEqual(
      JSON.parse('{"constructor":"x","toString":"y","__proto__":"z","valueOf":"1,2"}'),
    );
    expect((events[1] as APIGatewayProxyEvent).multiValueQueryStringParameters).toEqual(
      JSON.parse('{"constructor":["x"],"toString":["y"],"__proto__":["z"],"valueOf":["1","2"]}'),
    );
    expect(Object.getPrototypeOf(events[1]?.queryStringParameters)).toBe(Object.prototype);
    expect(events[2]?.queryStringParameters).toEqual({ toString: 'y' });
    for (const event of events.slice(0, 2)) {
      const result = (await invokeLambda(echo, event as never)) as { body: string };
      expect(JSON.parse(result.body).query).toMatchObject({ constructor: 'x', toString: 'y' });
    }
  });

  it('apiGatewayV2: lower-case headers, cookies array, raw query, JSON body', () => {
    const event = apiGatewayV2({
      method: 'post',
      path: '/orders?x=1',
      query: { tag: ['a', 'b'] },
      headers: { 'X-Tenant': 'acme' },
      cookies: ['s=1'],
      body: { sku: 'a' },
    });
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/orders',
      rawQueryString: 'x=1&tag=a&tag=b',
      queryStringParameters: { x: '1', tag: 'a,b' },
      cookies: ['s=1'],
      headers: { 'x-tenant': 'acme', 'content-type': 'application/json' },
      body: '{"sku":"a"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/orders' }, stage: '$default' },
    });
  });

  it('apiGatewayV2: bytes are base64, a named stage prefixes the path, overrides win', () => {
    const event = apiGatewayV2({ body: new Uint8Array([1, 2]), stage: 'prod' }, { routeKey: 'GET /x' });
    expect([event.body, event.isBase64Encoded, event.rawPath, event.routeKey]).toEqual([
      'AQI=',
      true,
      '/prod/',
      'GET /x',
    ]);
  });

  it('bytes get no content type the client did not send; one the test gives is kept', async () => {
    const bytes = new TextEncoder().encode('{"sku":"a"}');
    const events = [
      apiGatewayV2({ method: 'POST', body: bytes }),
      functionUrl({ method: 'POST', body: bytes }),
      apiGatewayV1({ method: 'POST', body: bytes }),
      alb({ method: 'POST', body: bytes }),
      alb({ method: 'POST', body: bytes, multiValue: true }),
    ];
    for (const event of events) {
      expect(event.isBase64Encoded).toBe(true);
      const multi = 'multiValueHeaders' in event ? event.multiValueHeaders : {};
      expect(Object.keys({ ...event.headers, ...multi }).map((name) => name.toLowerCase())).not.toContain(
        'content-type',
      );
    }
    const typed = apiGatewayV2({ method: 'POST', body: bytes, headers: { 'Content-Type': 'image/png' } });
    expect(typed.headers['content-type']).toBe('image/png');

    // Without a content type core reads a body schema's body as JSON, as on the platform.
    const fn = http({ method: 'POST', body: z.object({ sku: z.string() }) }).handle((req) => req.body);
    for (const event of events) {
      const result = (await invokeLambda(fn, event)) as { statusCode: number; body: string };
      expect([result.statusCode, JSON.parse(result.body)]).toEqual([200, { sku: 'a' }]);
    }
  });

  it('apiGatewayV2 hands over the path decoded, as an HTTP API does; functionUrl as sent', () => {
    const api = apiGatewayV2({ path: '/files/100%25?x=1' });
    const url = functionUrl({ path: '/files/100%25?x=1' });
    expect([api.rawPath, api.requestContext.http.path, api.rawQueryString]).toEqual([
      '/files/100%',
      '/files/100%',
      'x=1',
    ]);
    expect([url.rawPath, url.requestContext.http.path]).toEqual(['/files/100%25', '/files/100%25']);
    expect(apiGatewayV2({ path: '/bad%zz', stage: 'prod' }).rawPath).toBe('/prod/bad%zz');
  });

  it('functionUrl: lambda-url domain, route key $default', () => {
    const event = functionUrl({ method: 'POST', body: 'hi' });
    expect(event.requestContext.domainName).toMatch(/\.lambda-url\./);
    expect([event.routeKey, event.requestContext.routeKey]).toEqual(['$default', '$default']);
  });

  it('apiGatewayV1: both header maps, null maps when empty, stage in requestContext.path', () => {
    const empty = apiGatewayV1({ path: '/orders' });
    expect(empty).toMatchObject({
      path: '/orders',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: null,
      requestContext: { path: '/prod/orders', stage: 'prod' },
    });
    const full = apiGatewayV1({ query: { tag: ['a', 'b'] }, headers: { Accept: ['x', 'y'] } });
    expect(full.multiValueQueryStringParameters).toEqual({ tag: ['a', 'b'] });
    expect(full.queryStringParameters).toEqual({ tag: 'b' });
    expect(full.multiValueHeaders.Accept).toEqual(['x', 'y']);
    expect(full.headers.Accept).toBe('y');
  });

  it('apiGatewayV1: header names keep their case, with the headers a REST API adds, as the client spells them', () => {
    // Prepare: the names every REST sample with a client request spells so
    const real = fixture<APIGatewayProxyEvent>('apigw-rest/powertools-ts__no-auth.json');
    const defaults = [
      'Host',
      'User-Agent',
      'X-Amzn-Trace-Id',
      'X-Forwarded-For',
      'X-Forwarded-Port',
      'X-Forwarded-Proto',
    ];

    // Act
    const event = apiGatewayV1({
      method: 'POST',
      body: { sku: 'a' },
      headers: { 'X-Tenant': 'acme', 'user-agent': 'test/1', 'cache-control': 'no-cache' },
      cookies: ['s=1'],
      sourceIp: '198.51.100.7',
    });

    // Assert
    for (const name of defaults) expect(Object.keys(real.headers)).toContain(name);
    expect(Object.keys(event.headers).sort()).toEqual(
      [
        ...defaults.filter((name) => name !== 'User-Agent'),
        'Content-Type',
        'Cookie',
        'X-Tenant',
        'user-agent',
        'cache-control',
      ].sort(),
    );
    expect(event.headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-Tenant': 'acme',
      'user-agent': 'test/1',
      'X-Forwarded-For': '198.51.100.7',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Port': '443',
      Cookie: 's=1',
    });
    // What a handler reading the event as it is (fromLambda) finds: no lower-cased copy.
    expect(event.headers['content-type']).toBeUndefined();
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.requestContext.identity.userAgent).toBe('test/1');
    expect(Object.keys(event.multiValueHeaders)).toEqual(Object.keys(event.headers));
    for (const [name, value] of Object.entries(event.headers)) expect(event.multiValueHeaders[name]).toEqual([value]);
  });

  it('alb: single or multi-value mode, never both; query stays encoded', () => {
    const single = alb({ query: { q: 'a b' } });
    const multi = alb({ multiValue: true, query: { q: 'a b' } });
    expect(single.queryStringParameters).toEqual({ q: 'a%20b' });
    expect(single.multiValueHeaders).toBeUndefined();
    expect(multi.multiValueQueryStringParameters).toEqual({ q: ['a%20b'] });
    expect(multi.headers).toBeUndefined();
    expect(single.body).toBe('');
  });

  it('alb: a query value keeps every = after the first, in both modes', async () => {
    const path = '/cb?token=abc==&redirect=/a?b=c&flag';
    const single = alb({ path });
    const multi = alb({ path, multiValue: true });
    expect(single.queryStringParameters).toEqual({ token: 'abc==', redirect: '/a?b=c', flag: '' });
    expect(multi.multiValueQueryStringParameters).toEqual({ token: ['abc=='], redirect: ['/a?b=c'], flag: [''] });
    const fn = http({ path: '/cb' }).handle((req) => req.query);
    for (const event of [single, multi]) {
      const result = (await invokeLambda(fn, event)) as { body: string };
      expect(JSON.parse(result.body)).toEqual({ token: 'abc==', redirect: '/a?b=c', flag: '' });
    }
  });
});

describe('raw AWS message events', () => {
  it('sqs: string attributes, FIFO fields when grouped', () => {
    const event = sqs([
      { id: 'm1', body: { a: 1 }, attributes: { t: 'x' } },
      { id: 'm2', body: 'text', groupId: 'g' },
    ]);
    expect(event.Records[0]).toMatchObject({
      messageId: 'm1',
      body: '{"a":1}',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { t: { stringValue: 'x', dataType: 'String' } },
      eventSource: 'aws:sqs',
    });
    expect(event.Records[1]?.attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'm2' });
    expect(event.Records[1]?.eventSourceARN).toMatch(/\.fifo$/);
  });

  it('sqs: every record of a FIFO queue has a group, as SQS requires', () => {
    const event = sqs([{ id: 'm1' }, { id: 'm2', groupId: 'g' }]);
    expect(event.Records.map((record) => record.attributes.MessageGroupId)).toEqual(['default', 'g']);
    expect(event.Records[0]?.attributes).toMatchObject({ MessageDeduplicationId: 'm1' });
    expect(event.Records[0]?.attributes.SequenceNumber).toMatch(/^\d+$/);
    const named = sqs([{ id: 'm3' }], { queue: 'jobs.fifo' }).Records[0];
    expect(named?.attributes.MessageGroupId).toBe('default');
    expect(sqs([{ id: 'm4' }]).Records[0]?.attributes).not.toHaveProperty('MessageGroupId');
  });

  it("sqs: a standard (fair) queue's group is its tenant, with none of a FIFO queue's fields", () => {
    const record = sqs([{ id: 'm1', groupId: 'tenant-a' }], { queue: 'orders' }).Records[0];
    expect(record?.eventSourceARN).toMatch(/:orders$/);
    expect(record?.attributes.MessageGroupId).toBe('tenant-a');
    expect(record?.attributes).not.toHaveProperty('MessageDeduplicationId');
    expect(record?.attributes).not.toHaveProperty('SequenceNumber');
  });

  it('sns: capitalised Sns with Type/Value attributes', () => {
    const record = sns({ message: { a: 1 }, attributes: { k: 'v' } }).Records[0];
    expect(record?.Sns).toMatchObject({
      Message: '{"a":1}',
      MessageAttributes: { k: { Type: 'String', Value: 'v' } },
      Type: 'Notification',
    });
  });

  it('s3: encoded keys, no size on deletes; via EventBridge unencoded', () => {
    const [created, deleted] = s3([
      { key: 'My Photos/a.png', size: 3 },
      { key: 'x', type: 'deleted' },
    ]).Records;
    expect(created?.s3.object).toMatchObject({ key: 'My+Photos/a.png', size: 3 });
    expect(deleted?.eventName).toBe('ObjectRemoved:Delete');
    expect(deleted?.s3.object.size).toBeUndefined();
    const viaEb = s3EventBridge({ key: 'a b.png' });
    expect(viaEb).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { object: { key: 'a b.png' } },
    });
  });

  it('eventBridge and scheduled: hyphenated detail-type, rule or schedule ARN', () => {
    expect(eventBridge({ detailType: 'X', detail: { a: 1 } })).toMatchObject({ 'detail-type': 'X', detail: { a: 1 } });
    const rule = scheduled({ name: 'nightly', time: new Date('2024-05-01T03:00:00.500Z') });
    expect(rule).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: '2024-05-01T03:00:00Z',
      detail: {},
    });
    expect(rule.resources[0]).toMatch(/:rule\/nightly$/);
    expect(scheduled({ scheduler: true }).resources[0]).toMatch(/:schedule\/default\/my-schedule$/);
  });

  it('kinesis: base64 data; dynamodb: typed values', () => {
    const record = kinesis([{ data: { a: 1 }, partitionKey: 'p' }]).Records[0];
    expect(Buffer.from(record?.kinesis.data ?? '', 'base64').toString()).toBe('{"a":1}');
    const change = dynamodb([{ op: 'update', keys: { id: 'o' }, before: { n: 1 }, after: { n: 2, tags: ['a'] } }])
      .Records[0];
    expect(change).toMatchObject({
      eventName: 'MODIFY',
      dynamodb: {
        Keys: { id: { S: 'o' } },
        OldImage: { n: { N: '1' } },
        NewImage: { n: { N: '2' }, tags: { L: [{ S: 'a' }] } },
      },
    });
  });

  it('lambdaContext: string memory, counting-down remaining time', () => {
    const context = lambdaContext({ remainingMs: 1000 });
    expect(context.memoryLimitInMB).toBe('128');
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1000);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(900);
  });

  it("lambdaContext: the X-Ray header as the runtime's xRayTraceId, absent unless given", () => {
    expect(lambdaContext({ xRayTraceId: 'Root=1-5759e988-bd862e3fe1be46a994272793' })).toMatchObject({
      xRayTraceId: 'Root=1-5759e988-bd862e3fe1be46a994272793',
    });
    expect('xRayTraceId' in lambdaContext()).toBe(false);
  });
});
