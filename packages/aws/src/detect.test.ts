import { http, router } from '@skyport/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { detectAwsEvent } from './detect.js';
import { invokeLambda } from './invoke.js';

/** An HTTP API payload 2.0 event for `rawPath` with no route key, as events written by hand often are. */
function withoutRouteKey(rawPath: string, domainName?: string): Record<string, unknown> {
  const event = fixture<APIGatewayProxyEventV2 & Record<string, unknown>>('apigw-http/powertools-ts__no-auth.json');
  const { routeKey: _, ...rest } = event;
  const { routeKey: __, domainName: ___, ...requestContext } = event.requestContext;
  return {
    ...rest,
    rawPath,
    rawQueryString: '',
    pathParameters: undefined,
    requestContext: {
      ...requestContext,
      ...(domainName === undefined ? {} : { domainName }),
      http: { ...requestContext.http, method: 'GET', path: rawPath },
    },
  };
}

describe('detectAwsEvent for payload 2.0 events', () => {
  it('takes the domain over the route key: an execute-api domain is an HTTP API, a lambda-url one a Function URL', () => {
    expect(detectAwsEvent(withoutRouteKey('/', 'abc123.execute-api.eu-west-1.amazonaws.com'))).toBe('apigw-v2');
    expect(
      detectAwsEvent(withoutRouteKey('/', 'vpce-0b7a22d021cc42f88-gectb2xb.execute-api.us-east-2.vpce.amazonaws.com')),
    ).toBe('apigw-v2');
    expect(detectAwsEvent(withoutRouteKey('/', 'abc.lambda-url.eu-west-1.on.aws'))).toBe('function-url');
    expect(detectAwsEvent(withoutRouteKey('/', 'api.example.com'))).toBe('function-url');
    expect(detectAwsEvent(withoutRouteKey('/'))).toBe('function-url');
  });

  it('escapes again the path an HTTP API decoded, in an event without a route key', async () => {
    // Prepare: a request for /files/100%25, which HTTP API hands over decoded
    const fn = router(http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name })));
    const event = withoutRouteKey('/files/100%', 'abc123.execute-api.eu-west-1.amazonaws.com');
    // Act
    const result = (await invokeLambda(fn, event)) as { statusCode: number; body: string };
    // Assert
    expect([result.statusCode, JSON.parse(result.body)]).toEqual([200, { name: '100%' }]);
  });
});
