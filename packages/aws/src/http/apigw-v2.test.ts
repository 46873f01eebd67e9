import { createMiddleware } from '@skyport/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fixture } from '../__fixtures__/load.js';
import { fromLambda } from '../from-lambda.js';
import { invokeLambda } from '../invoke.js';

const v2 = () => fixture<APIGatewayProxyEventV2>('apigw-http/powertools-ts__no-auth.json');

describe('HTTP API v2 request', () => {
  it('keeps the path as it arrived, stage stripped, when legacy code rewrites the path and stage of its event', async () => {
    const seen: string[] = [];
    const after = createMiddleware({
      name: 'after',
      kinds: ['http'],
      handle: async (req, _ctx, next) => {
        const out = await next();
        seen.push(req.path, req.url);
        return out;
      },
    });
    const legacy = async (event: APIGatewayProxyEventV2) => {
      event.rawPath = '/rewritten/100%';
      event.requestContext.stage = 'rewritten';
      return { statusCode: 204 };
    };
    const fn = fromLambda(legacy, { kind: 'http' }).use(after);
    const event = v2();
    event.rawPath = '/prod/orders/7';
    event.requestContext.stage = 'prod';
    await invokeLambda(fn, event);
    expect(seen).toEqual(['/orders/7', 'https://lsw1ro4ipb.execute-api.eu-west-1.amazonaws.com/prod/orders/7']);
  });

  it('removes a named stage through a custom domain too, where HTTP API also puts it in rawPath', async () => {
    // Prepare: GET https://shop.example.com/orders/7 through an API mapping to the stage `api`,
    // which HTTP API hands over as /api/orders/7 (the mapping's own path is never in rawPath)
    const seen: string[] = [];
    const fn = fromLambda(async () => ({ statusCode: 204 }), { kind: 'http' }).use(
      createMiddleware({
        name: 'seen',
        kinds: ['http'],
        handle: async (req, _ctx, next) => {
          seen.push(req.path);
          return next();
        },
      }),
    );
    const event = v2();
    event.rawPath = '/api/orders/7';
    event.requestContext.stage = 'api';
    event.requestContext.domainName = 'shop.example.com';
    // Act
    await invokeLambda(fn, event);
    // Assert
    expect(seen).toEqual(['/orders/7']);
  });
});
