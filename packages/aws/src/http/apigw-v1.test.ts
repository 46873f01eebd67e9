import { http, router } from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture } from '../__fixtures__/load.js';
import { invokeLambda } from '../invoke.js';
import { fromApiGatewayV1 } from './apigw-v1.js';

/** A REST API event for a path of a resource, with these path parameters. */
function rest(path: string, resource: string, pathParameters: Record<string, string> | null, stage = 'prod') {
  return {
    resource,
    path,
    httpMethod: 'GET',
    headers: { Host: 'api.example.com' },
    multiValueHeaders: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters,
    stageVariables: null,
    requestContext: { path: `/${stage}${path}`, stage, domainName: 'api.example.com' },
    body: null,
    isBase64Encoded: false,
  };
}

/**
 * The path within the API worked out the plain way: every span of a parameter tried, its
 * segments joined and decoded together. What `fromApiGatewayV1` gives must be the same.
 */
function expectedPath(path: string, resource: string, params: Record<string, string> | null): string {
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return undefined;
    }
  };
  const template = resource.split('/').filter((segment) => segment !== '');
  const segments = path.split('/').slice(1);
  const trailing = segments.length > 1 && segments.at(-1) === '';
  if (trailing) segments.pop();
  let end = segments.length;
  for (let t = template.length - 1; t >= 0; t--) {
    const part = template[t] as string;
    const name = part.startsWith('{') && part.endsWith('}') ? part.slice(1, part.endsWith('+}') ? -2 : -1) : undefined;
    if (name === undefined) {
      if (end === 0 || decode(segments[end - 1] as string) !== part) return path;
      end--;
      continue;
    }
    const value = params?.[name];
    if (value === undefined) return path;
    const most = Math.min(end, value.split('/').length);
    let span = 1;
    while (span <= most && decode(segments.slice(end - span, end).join('/')) !== value) span++;
    if (span > most) return path;
    end -= span;
  }
  if (end === 0) return path;
  return `/${segments.slice(end).join('/')}${trailing ? '/' : ''}`;
}

describe('the path of a REST API request within the API', () => {
  it.each([
    ['a greedy parameter', '/shop/files/a/b/c', '/files/{proxy+}', { proxy: 'a/b/c' }, '/files/a/b/c'],
    [
      'an encoded slash in a greedy parameter',
      '/shop/files/a%2Fb/c',
      '/files/{proxy+}',
      { proxy: 'a/b/c' },
      '/files/a%2Fb/c',
    ],
    ['an encoded slash in a parameter', '/shop/files/a%2Fb', '/files/{name}', { name: 'a/b' }, '/files/a%2Fb'],
    ['a lower-case encoded slash', '/shop/files/a%2fb', '/files/{name}', { name: 'a/b' }, '/files/a%2fb'],
    ['encoded characters in a literal', '/shop/caf%C3%A9/7', '/café/{id}', { id: '7' }, '/caf%C3%A9/7'],
    ['empty segments in a greedy parameter', '/shop/files/a//b', '/files/{proxy+}', { proxy: 'a//b' }, '/files/a//b'],
    ['an empty parameter', '/shop/files//x', '/files/{name}/x', { name: '' }, '/files//x'],
    ['a trailing slash', '/shop/files/a/b/', '/files/{proxy+}', { proxy: 'a/b' }, '/files/a/b/'],
    ['two parameters', '/v1/shop/u/1/f/a/b', '/u/{id}/f/{proxy+}', { id: '1', proxy: 'a/b' }, '/u/1/f/a/b'],
    ['no base path', '/files/a/b', '/files/{proxy+}', { proxy: 'a/b' }, '/files/a/b'],
    ['a value longer than the path', '/files/a', '/files/{proxy+}', { proxy: 'a/b/c' }, '/files/a'],
    ['a value that is not the segments', '/shop/files/a/b', '/files/{proxy+}', { proxy: 'a/c' }, '/shop/files/a/b'],
    [
      'a segment that does not decode',
      '/shop/files/%E2%82/x',
      '/files/{proxy+}',
      { proxy: '%E2%82/x' },
      '/shop/files/%E2%82/x',
    ],
    ['a base path named like the stage', '/prod/orders/7', '/orders/{id}', { id: '7' }, '/orders/7'],
  ])('is what API Gateway matched (%s)', (_case, path, resource, params, expected) => {
    // Act
    const init = fromApiGatewayV1(rest(path, resource, params));

    // Assert
    expect(init.path).toBe(expected);
    expect(expectedPath(path, resource, params)).toBe(expected);
  });

  it('is the same as matching every span of the parameters, whatever the path', () => {
    const segment = fc.constantFrom(
      'a',
      'b',
      '',
      '%2F',
      '%2f',
      'a%2Fb',
      '%',
      '%E2%82',
      '%AC',
      'caf%C3%A9',
      'café',
      '%61',
    );
    const segments = fc.array(segment, { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(segments, fc.integer({ min: 0, max: 4 }), fc.boolean(), (parts, proxyFrom, named) => {
        // Prepare: a resource whose parameters are what the path's last segments decode to, or not
        const path = `/${parts.join('/')}`;
        const decode = (text: string) => {
          try {
            return decodeURIComponent(text);
          } catch {
            return text;
          }
        };
        const tail = parts.slice(Math.max(0, parts.length - proxyFrom - 1));
        const resource = named ? '/x/{id}/{proxy+}' : '/{proxy+}';
        const params: Record<string, string> = named
          ? { id: decode(parts.at(-2) ?? ''), proxy: decode(parts.at(-1) ?? '') }
          : { proxy: tail.map(decode).join('/') };

        // Act
        const init = fromApiGatewayV1(rest(path, resource, params));

        // Assert
        expect(init.path).toBe(expectedPath(path, resource, params));
      }),
      { numRuns: 500 },
    );
  });

  it('drops the base path before a greedy parameter of 5,000 segments', () => {
    // Prepare
    const rest5000 = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 'x%2Fy' : `s${i}`)).join('/');
    const params = { proxy: rest5000.replaceAll('%2F', '/') };

    // Act
    const init = fromApiGatewayV1(rest(`/shop/files/${rest5000}`, '/files/{proxy+}', params));

    // Assert
    expect(init.path).toBe(`/files/${rest5000}`);
  });

  it('routes a long path under a greedy resource of a real event', async () => {
    // Prepare
    const event = fixture('apigw-rest/aws-lambda-go__apigw-request.json');
    const path = `/files/${Array.from({ length: 5000 }, () => 'a').join('/')}`;
    const api = router(http({ path: '/files/*' }).handle((req) => ({ path: req.path, rest: req.params['*'] })));

    // Act
    const result = (await invokeLambda(api, {
      ...event,
      httpMethod: 'GET',
      body: null,
      path,
      pathParameters: { proxy: path.slice(1) },
    })) as { statusCode: number; body: string };

    // Assert
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ path, rest: path.slice('/files/'.length) });
  });
});

describe('the url of a REST event without a Host header', () => {
  it('names the domain of the request context, not localhost', async () => {
    // Prepare
    const event = fixture('apigw-rest/powertools-py__apiGatewayProxyEvent_noVersionAuth.json');
    const fn = http({ method: 'GET' }).handle((req) => req.url);

    // Act
    const result = await invokeLambda(fn, event);

    // Assert
    expect(result.body).toBe(
      'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
    );
  });

  it('keeps the Host header when there is one', () => {
    // Prepare
    const event = rest('/orders/7', '/orders/{id}', { id: '7' }, '$default');
    event.requestContext.path = '/orders/7';
    event.requestContext.domainName = 'abc.execute-api.us-east-1.amazonaws.com';

    // Act
    const init = fromApiGatewayV1(event);

    // Assert
    expect(init.url).toBeUndefined();
  });
});
