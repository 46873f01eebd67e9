import { http, router } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { requestUrl } from './http/apigw-v2.js';
import { invokeLambda } from './invoke.js';

// A query as a webhook sender signs it: an escaped `+`, a key without `=`, UTF-8 and a space
// escaped, a `~` left as it is. `URLSearchParams` would write `flag=`, `+` and `%7E` instead.
const signed = 'sig=a%2Bb&flag&name=J%C3%BCrgen%20X&t=~x';

const echo = router(
  http({ method: 'GET', path: '/t/echo/:name' }).handle((req) => ({
    path: req.path,
    name: req.params.name,
    url: req.url,
  })),
  http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ path: req.path, id: req.params.id, url: req.url })),
  http({ method: 'GET', path: '/' }).handle((req) => ({ path: req.path, url: req.url })),
);

const parse = (result: unknown): Record<string, unknown> => {
  const { statusCode, body } = result as { statusCode: number; body: string };
  return { status: statusCode, ...(JSON.parse(body) as Record<string, unknown>) };
};

/** An HTTP API payload 2.0 (or, with a `lambda-url` domain, Function URL) GET. */
function v2(rawPath: string, options: { stage?: string; domainName?: string; host?: boolean } = {}) {
  const domainName = options.domainName ?? 'api.example.com';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: signed,
    headers: options.host === false ? { accept: '*/*' } : { accept: '*/*', host: domainName },
    queryStringParameters: { sig: 'a+b', flag: '', name: 'Jürgen X', t: '~x' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'curl' },
      requestId: 'r',
      routeKey: '$default',
      stage: options.stage ?? '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    isBase64Encoded: false,
  };
}

/** An HTTP API payload 1.0 GET on the `$default` route (a REST-shaped event with `version: '1.0'`). */
function v1(path: string, stage: string, query: Record<string, string[]> | null = null) {
  return {
    version: '1.0',
    resource: '$default',
    path,
    httpMethod: 'GET',
    headers: { Host: 'api.example.com', accept: '*/*' },
    multiValueHeaders: { Host: ['api.example.com'], accept: ['*/*'] },
    queryStringParameters: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.at(-1)])),
    multiValueQueryStringParameters: query,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      extendedRequestId: 'x',
      httpMethod: 'GET',
      identity: { sourceIp: '203.0.113.9', userAgent: 'curl' },
      path,
      protocol: 'HTTP/1.1',
      requestId: 'r',
      requestTime: '12/Mar/2020:19:03:58 +0000',
      requestTimeEpoch: 1583348638390,
      resourceId: '$default',
      resourcePath: '$default',
      stage,
    },
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
  };
}

describe('req.url keeps the query as the client sent it', () => {
  it.each([
    ['an HTTP API on the $default stage', v2('/t/echo/a'), 'https://api.example.com/t/echo/a'],
    ['an HTTP API on a named stage', v2('/dev/t/echo/a', { stage: 'dev' }), 'https://api.example.com/dev/t/echo/a'],
    [
      'a Function URL',
      v2('/t/echo/a', { domainName: 'abc.lambda-url.eu-west-1.on.aws' }),
      'https://abc.lambda-url.eu-west-1.on.aws/t/echo/a',
    ],
    [
      'a Function URL event without a host header',
      v2('/t/echo/a', { domainName: 'abc.lambda-url.eu-west-1.on.aws', host: false }),
      'https://abc.lambda-url.eu-west-1.on.aws/t/echo/a',
    ],
  ])('%s', async (_case, event, base) => {
    // Act
    const seen = parse(await invokeLambda(echo, event));

    // Assert
    expect(seen).toMatchObject({ status: 200, path: '/t/echo/a', url: `${base}?${signed}` });
  });
});

describe('req.url escapes a path the platform decoded', () => {
  it.each([
    ['an HTTP API on the $default stage', v2('/t/echo/café x'), 'https://api.example.com/t/echo/caf%C3%A9%20x'],
    [
      'an HTTP API on a named stage',
      v2('/dev/t/echo/café x', { stage: 'dev' }),
      'https://api.example.com/dev/t/echo/caf%C3%A9%20x',
    ],
  ])('payload 2.0: %s', async (_case, event, base) => {
    const seen = parse(await invokeLambda(echo, event));

    expect(seen).toMatchObject({ status: 200, path: '/t/echo/café x', name: 'café x', url: `${base}?${signed}` });
    expect(new URL(seen.url as string).href).toBe(seen.url);
  });

  it.each([
    ['the $default stage', v1('/t/echo/café x', '$default'), 'https://api.example.com/t/echo/caf%C3%A9%20x'],
    ['a named stage', v1('/dev/t/echo/café x', 'dev'), 'https://api.example.com/dev/t/echo/caf%C3%A9%20x'],
  ])('payload 1.0: %s', async (_case, event, url) => {
    const seen = parse(await invokeLambda(echo, event));

    expect(seen).toMatchObject({ status: 200, path: '/t/echo/café x', name: 'café x', url });
    expect(new URL(seen.url as string).href).toBe(url);
  });

  it('keeps escapes and what a URL may hold, escapes only what it may not', () => {
    expect(requestUrl('h', "/a/100%25/[x]|y^z~!$&'()*+,;=:@", 'q=%2B&r=a/b?c')).toBe(
      "https://h/a/100%25/[x]|y^z~!$&'()*+,;=:@?q=%2B&r=a/b?c",
    );
    expect(requestUrl('h', '/a b/"#<>?\\`{}/ü', 'q=a b"#<>`{}ü')).toBe(
      'https://h/a%20b/%22%23%3C%3E%3F%5C%60%7B%7D/%C3%BC?q=a%20b%22%23%3C%3E`{}%C3%BC',
    );
    expect(requestUrl('h', '/\ud800', undefined)).toBe('https://h/%EF%BF%BD');
  });
});

describe('HTTP API payload 1.0 on a named stage', () => {
  it.each([
    ['a path under the stage', '/dev/orders/7', { status: 200, path: '/orders/7', id: '7' }],
    ['the stage alone', '/dev', { status: 200, path: '/' }],
    ['the stage with a slash', '/dev/', { status: 200, path: '/' }],
  ])('routes %s without the stage, and keeps it in url', async (_case, path, expected) => {
    // Prepare: what API Gateway sends for GET https://api.example.com<path> on the stage `dev`
    const event = v1(path, 'dev', { tag: ['a b', 'c'] });

    // Act
    const seen = parse(await invokeLambda(echo, event));

    // Assert
    expect(seen).toMatchObject({ ...expected, url: `https://api.example.com${path}?tag=a+b&tag=c` });
  });

  it('leaves a path that only starts with the letters of the stage', async () => {
    const seen = parse(await invokeLambda(echo, v1('/devices/7', 'dev')));

    expect(seen).toMatchObject({ status: 404 });
  });

  it('leaves a REST path alone, which never carries the stage', async () => {
    // Prepare: a REST API whose stage is named like the first segment of a route
    const event = { ...v1('/orders/7', 'orders'), version: undefined, resource: '/orders/{id}' };
    const rest = {
      ...event,
      pathParameters: { id: '7' },
      requestContext: { ...event.requestContext, path: '/orders/orders/7' },
    };

    // Act
    const seen = parse(await invokeLambda(echo, rest));

    // Assert
    expect(seen).toMatchObject({
      status: 200,
      path: '/orders/7',
      id: '7',
      url: 'https://api.example.com/orders/orders/7',
    });
  });
});
