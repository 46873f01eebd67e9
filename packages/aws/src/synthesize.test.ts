import { router, setLogDestination } from '@skyport/core';
import { httpRequest, invoke, message, storageEvent } from '@skyport/testing';
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  S3Event,
  S3EventRecord,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { fromLambda } from './from-lambda.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

/** A legacy HTTP handler that keeps the events it got and answers their body, decoded, in hex. */
function recording(options: { method?: 'GET' | 'POST'; path?: string } = {}) {
  const events: APIGatewayProxyEventV2[] = [];
  const fn = fromLambda(
    async (event: APIGatewayProxyEventV2) => {
      events.push(event);
      const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
      return { statusCode: 200, body: bytes.toString('hex') };
    },
    { kind: 'http', ...options },
  );
  return { events, fn, last: () => events[events.length - 1] };
}

describe('the synthesised HTTP API 2.0 body', () => {
  it('is base64 for a body without a content type, so binary bytes arrive as they were sent', async () => {
    // Prepare: a JPEG header, not UTF-8
    const { fn, last } = recording();
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    // Act
    const res = await invoke(fn, { method: 'POST', path: '/upload', headers: {}, body: bytes });
    // Assert
    expect(last()).toMatchObject({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true });
    expect(res.text).toBe('ffd8ffe00010');
  });

  it('is base64 for a urlencoded form, as HTTP API sends it', async () => {
    const { fn, last } = recording();
    const form = 'a=1&b=%C3%A9';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    await invoke(fn, { method: 'POST', path: '/form', headers, body: form });
    expect(last()).toMatchObject({ body: Buffer.from(form).toString('base64'), isBase64Encoded: true });
  });

  it('is text for text/*, JSON, XML and JavaScript, +json and +xml types included, and base64 for others', async () => {
    // Prepare
    const { fn, last } = recording();
    const textTypes = [
      'text/plain',
      'text/csv; charset=utf-8',
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/xml',
      'application/javascript',
      'application/problem+json',
      'application/atom+xml',
    ];
    const binaryTypes = [
      'application/octet-stream',
      'image/png',
      'application/x-javascript-not',
      'multipart/form-data',
    ];
    for (const type of [...textTypes, ...binaryTypes]) {
      // Act
      await invoke(fn, { method: 'POST', path: '/', headers: { 'content-type': type }, body: 'é' });
      // Assert
      const text = textTypes.includes(type);
      expect([type, last()?.isBase64Encoded, last()?.body]).toEqual([type, !text, text ? 'é' : 'w6k=']);
    }
  });
});

describe('the synthesised HTTP API 2.0 path and headers', () => {
  it('is the path decoded, as HTTP API hands it over, in rawPath and requestContext.http.path', async () => {
    // Prepare
    const { fn, events } = recording();
    const sent = ['/files/100%25%20off.txt', '/caf%C3%A9/a%2Fb', '/plain/path'];
    // Act
    for (const path of sent) await invoke(fn, httpRequest({ path }));
    // Assert
    expect(events.map((e) => [e.rawPath, e.requestContext.http.path])).toEqual([
      ['/files/100% off.txt', '/files/100% off.txt'],
      ['/café/a/b', '/café/a/b'],
      ['/plain/path', '/plain/path'],
    ]);
  });

  it('keeps an escape that does not decode as it is, and never fails on it', async () => {
    const { fn, events } = recording();
    const sent = ['/bad%zz/x', '/half%E0%A4/100%25', '/lone%', '/files/100% off.txt'];
    const statuses: number[] = [];
    for (const path of sent) statuses.push((await invoke(fn, httpRequest({ path }))).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(events.map((e) => e.rawPath)).toEqual(['/bad%zz/x', '/half%E0%A4/100%', '/lone%', '/files/100% off.txt']);
  });

  it('gives any path a handler can be called with as a string, escapes or not', async () => {
    const { fn, last } = recording();
    const segment = fc.stringMatching(/^(?:[\w.~ -]|%[0-9A-Fa-f]{0,2}|%[C-F][0-9A-F]|[éü])*$/);
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 4 }), async (segments) => {
        const res = await invoke(fn, httpRequest({ path: `/${segments.join('/')}` }));
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) expect(typeof last()?.rawPath).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  it('carries the host and x-forwarded-* headers HTTP API adds to every request', async () => {
    // Prepare: the headers of a real HTTP API event
    const real = fixture<APIGatewayProxyEventV2>('apigw-http/aws-lambda-go__apigw-v2-request-no-authorizer.json');
    const added = ['host', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'];
    const { fn, last } = recording();
    // Act
    await invoke(fn, httpRequest({ path: '/', headers: { host: 'api.example.com' } }));
    const plain = last()?.headers;
    await invoke(fn, { method: 'GET', path: '/', url: 'http://localhost:3000/', headers: { host: 'localhost:3000' } });
    const local = last()?.headers;
    await invoke(fn, httpRequest({ path: '/', headers: { 'x-forwarded-for': '203.0.113.7' } }));
    const proxied = last()?.headers;
    // Assert
    expect(added.filter((name) => name in real.headers)).toEqual(added);
    expect(plain).toMatchObject({
      host: 'api.example.com',
      'x-forwarded-for': expect.stringMatching(/^[\d.:a-f]+$/),
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    });
    expect(local).toMatchObject({ host: 'localhost:3000', 'x-forwarded-port': '3000', 'x-forwarded-proto': 'http' });
    expect(proxied?.['x-forwarded-for']).toBe('203.0.113.7');
  });
});

describe('the synthesised SQS and S3 records', () => {
  /** A legacy queue handler that keeps the records it got. */
  function records() {
    const seen: SQSRecord[] = [];
    const fn = fromLambda(
      async (event: SQSEvent) => {
        seen.push(...event.Records);
      },
      { kind: 'queue' },
    );
    return { fn, seen };
  }

  it('carries md5OfMessageAttributes, as SQS computes it, for a message with attributes only', async () => {
    // Prepare: the digest AWS documents for this attribute
    const { fn, seen } = records();
    // Act
    await invoke(fn, message({ body: {}, attributes: { SellerName: 'Example Store' } }));
    await invoke(fn, message({ body: {}, attributes: { b: '2', a: 'é' } }));
    await invoke(fn, message({ body: {} }));
    // Assert
    expect(seen[0]?.md5OfMessageAttributes).toBe('cd28f3b68aeee4b2eac9c66f2f694b58');
    expect(seen[1]?.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(seen[2]).not.toHaveProperty('md5OfMessageAttributes');
  });

  it('gives a deleted object no size and no eTag, as S3 sends a delete', async () => {
    // Prepare: the object of a real delete notification
    const real = fixture<S3Event>('s3/powertools-ts__delete-object.json').Records[0] as S3EventRecord;
    const seen: S3EventRecord[] = [];
    const fn = fromLambda(
      async (event: S3Event) => {
        seen.push(...event.Records);
      },
      { kind: 'storage', bucket: 'uploads' },
    );
    // Act
    await invoke(fn, storageEvent({ type: 'deleted', bucket: 'uploads', key: 'a b.txt' }));
    await invoke(fn, storageEvent({ type: 'created', bucket: 'uploads', key: 'a b.txt', size: 3, etag: 'abc' }));
    // Assert
    expect(Object.keys(seen[0]?.s3.object ?? {}).sort()).toEqual(Object.keys(real.s3.object).sort());
    expect(seen[0]?.eventName).toBe('ObjectRemoved:Delete');
    expect(seen[1]?.s3.object).toMatchObject({ key: 'a+b.txt', size: 3, eTag: 'abc' });
  });
});

describe('the synthesised rawQueryString', () => {
  const sent = 'shop=a.myshopify.com&flag&q=x%20y&t=~z&list=a,b&timestamp=1700000000';

  it('is the query as the client sent it, not the parsed query serialised again', async () => {
    // Prepare: the query as the Node server and Azure hand it over (in the path, in the URL)
    const { fn, last } = recording({ method: 'GET', path: '/cb' });
    // Act
    await invoke(fn, { method: 'GET', path: `/cb?${sent}`, headers: {} });
    const inPath = last()?.rawQueryString;
    await invoke(fn, { method: 'GET', path: '/cb', url: `https://shop.example/api/cb?${sent}#top`, headers: {} });
    const inUrl = last()?.rawQueryString;
    await invoke(fn, { method: 'GET', path: '/cb', query: sent, headers: {} });
    const asString = last()?.rawQueryString;
    // Azure parses the query, and keeps the URL as sent
    const parsed = new URLSearchParams(sent);
    await invoke(fn, { method: 'GET', path: '/cb', query: parsed, url: `https://shop.example/api/cb?${sent}` });
    const parsedWithUrl = last()?.rawQueryString;
    // Assert
    expect([inPath, inUrl, asString, parsedWithUrl]).toEqual([sent, sent, sent, sent]);
    expect(last()?.queryStringParameters).toMatchObject({ flag: '', q: 'x y', t: '~z' });
  });

  it('escapes only what a client cannot send in a query as it is', async () => {
    const { fn, last } = recording();
    await invoke(fn, { method: 'GET', path: '/?q=a b&name=café&tag="x"&sig=a%2Fb|c[0]', headers: {} });
    expect(last()?.rawQueryString).toBe('q=a%20b&name=caf%C3%A9&tag=%22x%22&sig=a%2Fb|c[0]');
  });

  it('is the parsed query serialised for a request made from parts, or whose URL has another query', async () => {
    const { fn, last } = recording();
    await invoke(fn, httpRequest({ path: '/', query: { tag: ['a', 'b'], q: 'x y' } }));
    expect(last()?.rawQueryString).toBe('tag=a&tag=b&q=x+y');
    await invoke(fn, { method: 'GET', path: '/', query: { a: '1' }, url: 'https://shop.example/?a=2' });
    expect(last()?.rawQueryString).toBe('a=1');
    await invoke(fn, httpRequest({ path: '/' }));
    expect(last()?.rawQueryString).toBe('');
  });
});

describe('the synthesised routeKey', () => {
  it('is the matched route in HTTP API syntax, after the method', async () => {
    // Prepare: a handler in the style of the HTTP API CRUD tutorial, which dispatches on routeKey
    const { fn, last } = recording({ method: 'GET', path: '/items/:id' });
    // Act
    await invoke(fn, httpRequest({ method: 'GET', path: '/items/42' }));
    // Assert
    expect(last()?.routeKey).toBe('GET /items/{id}');
    expect(last()?.requestContext.routeKey).toBe('GET /items/{id}');
    expect(last()?.pathParameters).toEqual({ id: '42' });
  });

  it('is ANY for a function that takes every method, and names a trailing * {proxy+}', async () => {
    const { fn, last } = recording({ path: '/files/:bucket/*' });
    await invoke(fn, httpRequest({ method: 'DELETE', path: '/files/b1/a/b.txt' }));
    expect(last()?.routeKey).toBe('ANY /files/{bucket}/{proxy+}');
    expect(last()?.pathParameters).toEqual({ bucket: 'b1', proxy: 'a/b.txt' });
  });

  it('is the route a router matched', async () => {
    const items = recording({ method: 'POST', path: '/items/' });
    const other = recording({ method: 'GET', path: '/other' });
    await invoke(router(items.fn, other.fn), httpRequest({ method: 'POST', path: '/items' }));
    expect(items.last()?.routeKey).toBe('POST /items');
  });

  it('is $default when no route was declared', async () => {
    const { fn, last } = recording();
    await invoke(fn, httpRequest({ method: 'GET', path: '/anything' }));
    expect(last()?.routeKey).toBe('$default');
    expect(last()?.requestContext.routeKey).toBe('$default');
  });
});

describe('the event made for a handler written for a REST API or a load balancer', () => {
  it('is a REST API proxy event with both header and query maps, the route as resource, and the client identity', async () => {
    // Prepare
    const events: APIGatewayProxyEvent[] = [];
    const fn = fromLambda(
      async (event: APIGatewayProxyEvent) => {
        events.push(event);
        return { statusCode: 200, body: `${event.httpMethod} ${event.path} ${event.pathParameters?.id}` };
      },
      { kind: 'http', source: 'apigw-v1', method: 'POST', path: '/items/:id' },
    );

    // Act
    const res = await invoke(
      fn,
      httpRequest({
        method: 'POST',
        path: '/items/7?tag=a&tag=b',
        headers: { 'content-type': 'application/json', 'user-agent': 'curl/8' },
        body: { n: 1 },
      }),
    );
    const event = events[0] as APIGatewayProxyEvent;

    // Assert
    expect(res.text).toBe('POST /items/7 7');
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/7',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      multiValueHeaders: { 'Content-Type': ['application/json'] },
      queryStringParameters: { tag: 'b' },
      multiValueQueryStringParameters: { tag: ['a', 'b'] },
      pathParameters: { id: '7' },
      body: '{"n":1}',
      isBase64Encoded: false,
      requestContext: { httpMethod: 'POST', resourcePath: '/items/{id}', identity: { userAgent: 'curl/8' } },
    });
    expect(event.requestContext.path).toBe(`/${event.requestContext.stage}/items/7`);
    // The request fields a REST API sends, which legacy handlers log or key on.
    expect(event.requestContext.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext).toMatchObject({
      extendedRequestId: expect.any(String),
      domainPrefix: expect.any(String),
    });
  });

  it('is a load balancer event with encoded query values, and its result without statusCode a 502', async () => {
    // Prepare
    const events: ALBEvent[] = [];
    const answer = fromLambda(
      async (event: ALBEvent) => {
        events.push(event);
        return { statusCode: 200, statusDescription: '200 OK', body: 'ok' };
      },
      { kind: 'http', source: 'alb' },
    );
    const malformed = fromLambda(async () => ({ body: 'no status' }), { kind: 'http', source: 'alb' });

    // Act
    const res = await invoke(answer, httpRequest({ path: '/health?q=a%20b', body: new Uint8Array([0, 255]) }));
    const bad = await invoke(malformed, httpRequest({ path: '/health' }));
    const event = events[0] as ALBEvent;

    // Assert
    expect(res.status).toBe(200);
    expect(event).toMatchObject({ httpMethod: 'GET', path: '/health', queryStringParameters: { q: 'a%20b' } });
    expect([event.body, event.isBase64Encoded]).toEqual(['AP8=', true]);
    expect(event.requestContext.elb.targetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:/);
    expect(bad.status).toBe(502);
  });

  it('gives a path-less REST handler the decoded path as its proxy parameter, and the root its own resource', async () => {
    const events: APIGatewayProxyEvent[] = [];
    const fn = fromLambda(
      async (event: APIGatewayProxyEvent) => {
        events.push(event);
        return { statusCode: 204 };
      },
      { kind: 'http', source: 'apigw-v1' },
    );
    await invoke(fn, httpRequest({ path: '/files/a%20b%2Fc' }));
    await invoke(fn, httpRequest({ path: '/' }));
    expect(events.map((e) => [e.resource, e.pathParameters])).toEqual([
      ['/{proxy+}', { proxy: 'files/a b/c' }],
      ['/', null],
    ]);
  });

  it('refuses a source it cannot make, and keeps an events function its own source filter', () => {
    expect(() => fromLambda(async () => undefined, { kind: 'http', source: 'sqs' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
    expect(fromLambda(async () => undefined, { kind: 'events', source: 'shop.orders' }).options).toMatchObject({
      source: 'shop.orders',
    });
  });
});

describe('names that are Object members, in the synthesised events', () => {
  it('keeps a message attribute named __proto__ as an attribute of the SQS record', async () => {
    // Prepare: attributes as a Pub/Sub or Service Bus message may carry them
    const attributes = JSON.parse('{"__proto__":"x","tenant":"acme"}') as Record<string, string>;
    const seen: unknown[] = [];
    const legacy = async (event: SQSEvent) => {
      const record = event.Records[0] as SQSRecord;
      seen.push(
        Object.keys(record.messageAttributes),
        Object.getOwnPropertyDescriptor(record.messageAttributes, '__proto__')?.value.stringValue,
      );
      seen.push((record.messageAttributes as { stringValue?: unknown }).stringValue);
    };
    // Act
    const result = await invoke(fromLambda(legacy, { kind: 'queue' }), message({ body: {}, attributes }));
    // Assert
    expect(result).toEqual({ ok: true, failures: [] });
    expect(seen).toEqual([['__proto__', 'tenant'], 'x', undefined]);
  });

  it('keeps a query key named __proto__ in the REST API and HTTP API events', async () => {
    const events: (APIGatewayProxyEvent | APIGatewayProxyEventV2)[] = [];
    const rest = async (event: APIGatewayProxyEvent) => {
      events.push(event);
      return { statusCode: 204, body: '' };
    };
    const v2 = async (event: APIGatewayProxyEventV2) => {
      events.push(event);
      return { statusCode: 204, body: '' };
    };
    const request = () => httpRequest({ path: '/?__proto__=q' });
    await invoke(fromLambda(rest, { kind: 'http', source: 'apigw-v1' }), request());
    await invoke(fromLambda(v2, { kind: 'http' }), request());
    const [v1Event, v2Event] = events as [APIGatewayProxyEvent, APIGatewayProxyEventV2];
    expect(Object.hasOwn(v1Event.multiValueQueryStringParameters ?? {}, '__proto__')).toBe(true);
    expect(Object.hasOwn(v1Event.queryStringParameters ?? {}, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(v2Event.queryStringParameters, '__proto__')?.value).toBe('q');
    expect(Object.hasOwn(v2Event.queryStringParameters ?? {}, '__proto__')).toBe(true);
  });
});

describe('the synthesised query maps', () => {
  /** The events a REST, an HTTP API and a load balancer handler get for the same request. */
  async function eventsFor(path: string) {
    const got: { v1?: APIGatewayProxyEvent; v2?: APIGatewayProxyEventV2; alb?: ALBEvent } = {};
    const ok = { statusCode: 204, body: '' };
    const v1 = fromLambda(
      async (event: APIGatewayProxyEvent) => {
        got.v1 = event;
        return ok;
      },
      { kind: 'http', source: 'apigw-v1' },
    );
    const v2 = fromLambda(
      async (event: APIGatewayProxyEventV2) => {
        got.v2 = event;
        return ok;
      },
      { kind: 'http' },
    );
    const alb = fromLambda(
      async (event: ALBEvent) => {
        got.alb = event;
        return ok;
      },
      { kind: 'http', source: 'alb' },
    );
    for (const fn of [v1, v2, alb]) await invoke(fn, httpRequest({ path }));
    return got as Required<typeof got>;
  }

  it('hold every value of a repeated key in order, keys in the order first sent, Object member names included', async () => {
    // Act
    const { v1, v2, alb } = await eventsFor('/?b=1&__proto__=x&constructor=c&a=2&b=3&__proto__=y&a=&toString=t');

    // Assert
    const multi = v1.multiValueQueryStringParameters ?? {};
    expect(Object.keys(multi)).toEqual(['b', '__proto__', 'constructor', 'a', 'toString']);
    expect(Object.entries(multi)).toEqual([
      ['b', ['1', '3']],
      ['__proto__', ['x', 'y']],
      ['constructor', ['c']],
      ['a', ['2', '']],
      ['toString', ['t']],
    ]);
    expect(Object.getPrototypeOf(multi)).toBe(Object.prototype);
    expect(Object.entries(v1.queryStringParameters ?? {})).toEqual([
      ['b', '3'],
      ['__proto__', 'y'],
      ['constructor', 'c'],
      ['a', ''],
      ['toString', 't'],
    ]);
    expect(Object.entries(v2.queryStringParameters ?? {})).toEqual([
      ['b', '1,3'],
      ['__proto__', 'x,y'],
      ['constructor', 'c'],
      ['a', '2,'],
      ['toString', 't'],
    ]);
    expect(Object.entries(alb.queryStringParameters ?? {})).toEqual([
      ['b', '3'],
      ['__proto__', 'y'],
      ['constructor', 'c'],
      ['a', ''],
      ['toString', 't'],
    ]);
  });

  it('give a load balancer handler each key and value as the client sent them, the last of a repeated key', async () => {
    // Act: ALB decodes no part of the query, `+` and escapes included
    const { alb } = await eventsFor('/?b=x+y&c=1&d=%41&c=2&flag&f=a=b&caf%C3%A9=%E2%82%AC&&sig=a%2Bb');

    // Assert
    expect(Object.entries(alb.queryStringParameters ?? {})).toEqual([
      ['b', 'x+y'],
      ['c', '2'],
      ['d', '%41'],
      ['flag', ''],
      ['f', 'a=b'],
      ['caf%C3%A9', '%E2%82%AC'],
      ['sig', 'a%2Bb'],
    ]);
  });

  it('hold a query of 8,000 keys, each sent twice, whole', async () => {
    // Prepare
    const keys = Array.from({ length: 8000 }, (_, i) => `k${i}`);
    const query = [...keys.map((key, i) => `${key}=${i}`), ...keys.map((key) => `${key}=again`)].join('&');

    // Act
    const { v1, v2 } = await eventsFor(`/?${query}`);

    // Assert
    expect(v1.multiValueQueryStringParameters).toEqual(
      Object.fromEntries(keys.map((key, i) => [key, [String(i), 'again']])),
    );
    expect(Object.keys(v1.multiValueQueryStringParameters ?? {})).toEqual(keys);
    expect(v2.queryStringParameters).toEqual(Object.fromEntries(keys.map((key, i) => [key, `${i},again`])));
  });
});

describe('a byte order mark in a message a wrapped handler gets off Lambda', () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":1}')]);

  it('stays in the SQS record body, as SQS passes the text on', async () => {
    const bodies: string[] = [];
    const legacy = async (event: SQSEvent) => {
      for (const record of event.Records) bodies.push(record.body);
    };
    const result = await invoke(fromLambda(legacy, { kind: 'queue' }), message({ id: 'm1', body: bom }));
    expect(result.ok).toBe(true);
    expect(bodies).toEqual(['\uFEFF{"a":1}']);
  });
});
