/**
 * A process that runs several invocations at once, as Lambda Managed Instances starts it
 * (`AWS_LAMBDA_MAX_CONCURRENCY` set before the handler module loads). The runtime then keeps
 * `_X_AMZN_TRACE_ID` out of it: each invocation's X-Ray header is on its Lambda context only.
 */
import { http, queue } from '@skyport/core';
import { logger } from '@skyport/core/logger';
import { collectLogs } from '@skyport/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as aws from '../../testing/src/raw/aws.js';

vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '64');
vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-77777777-000000000000000000000007;Parent=7777777777777777;Sampled=1');
const { toLambda } = await import('./to-lambda.js');
const { createLambdaContext } = await import('./context.js');

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('concurrent invocations (Lambda Managed Instances)', () => {
  it("gives each invocation its own context's X-Ray header and never the variable's", async () => {
    // Prepare
    const header = (n: number) => `Root=1-6666666${n}-00000000000000000000000${n};Parent=222222222222222${n};Sampled=1`;
    const seen: [string, string | undefined][] = [];
    const fn = http().handle(async (req, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 5 - Number(req.query.n)));
      seen.push([ctx.requestId, ctx.trace['x-amzn-trace-id']]);
      return null;
    });
    const handler = toLambda(fn);
    const call = (n: number, xRayTraceId?: string) =>
      handler(
        aws.apiGatewayV2({ method: 'GET', path: '/', query: { n: String(n) } }),
        createLambdaContext({ awsRequestId: `r${n}`, xRayTraceId }),
      );

    // Act: four overlapping invocations, the last one without tracing.
    await Promise.all([call(1, header(1)), call(2, header(2)), call(3, header(3)), call(4)]);

    // Assert
    expect(seen.sort()).toEqual([
      ['r1', header(1)],
      ['r2', header(2)],
      ['r3', header(3)],
      ['r4', undefined],
    ]);
  });

  it("keeps a message's own trace header first, then the invocation's", async () => {
    const producer = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const own = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1';
    const seen: (string | undefined)[] = [];
    const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
      seen.push(ctx.trace['x-amzn-trace-id']);
    });
    const event = aws.sqs([{ body: '{}' }, { body: '{}' }]);
    (event.Records[0] as (typeof event.Records)[number]).attributes.AWSTraceHeader = producer;
    expect(await toLambda(fn)(event, createLambdaContext({ xRayTraceId: own }))).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([producer, own]);
  });

  it("writes each invocation's X-Ray trace id on its log lines", async () => {
    const logs = collectLogs();
    try {
      const fn = http()
        .use(logger())
        .handle(async (req, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, req.query.n === '1' ? 5 : 0));
          ctx.log.info('hi');
          return null;
        });
      const handler = toLambda(fn);
      const root = (n: number) => `1-6666666${n}-00000000000000000000000${n}`;
      await Promise.all(
        [1, 2].map((n) =>
          handler(
            aws.apiGatewayV2({ method: 'GET', path: '/', query: { n: String(n) } }),
            createLambdaContext({
              awsRequestId: `r${n}`,
              xRayTraceId: `Root=${root(n)};Parent=1111111111111111;Sampled=0`,
            }),
          ),
        ),
      );
      const lines = logs.find((line) => line.message === 'hi');
      expect(lines.map((line) => [line.requestId, line.xrayTraceId]).sort()).toEqual([
        ['r1', root(1)],
        ['r2', root(2)],
      ]);
    } finally {
      logs.restore();
    }
  });
});
