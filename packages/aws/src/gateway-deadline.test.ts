import { http, SkyportError, timeout } from '@skyport/core';
import { aws, collectLogs } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { invokeLambda } from './invoke.js';
import { toLambda } from './to-lambda.js';

/** Answers the milliseconds its context says are left. */
const left = http().handle((_req, ctx) => ({ left: ctx.remainingTimeMs() }));

/** The time left, as `left` answers it, for `event` in a Lambda function of `timeoutMs`. */
async function timeLeft(event: unknown, timeoutMs: number, integrationTimeoutMs?: number): Promise<number> {
  const handler = toLambda(left, integrationTimeoutMs === undefined ? {} : { integrationTimeoutMs });
  const result = (await handler(event as never, createLambdaContext({ timeoutMs }) as never)) as {
    body: string;
  };
  return (JSON.parse(result.body) as { left: number }).left;
}

describe('the deadline of a request through API Gateway', () => {
  it("is the HTTP API's 30 s, or the REST API's 29 s, when the Lambda timeout is longer", async () => {
    // Act
    const httpApi = await timeLeft(aws.apiGatewayV2(), 120_000);
    const restApi = await timeLeft(aws.apiGatewayV1(), 120_000);

    // Assert: a little less, for the time the invocation took to read it.
    expect(httpApi).toBeLessThanOrEqual(30_000);
    expect(httpApi).toBeGreaterThan(29_000);
    expect(restApi).toBeLessThanOrEqual(29_000);
    expect(restApi).toBeGreaterThan(28_000);
  });

  it('counts from when the gateway received the request', async () => {
    // Prepare: received 10 s before the function reads its deadline (a cold start, an authorizer).
    const event = aws.apiGatewayV2();
    const received = { ...event, requestContext: { ...event.requestContext, timeEpoch: Date.now() - 10_000 } };

    // Act
    const remaining = await timeLeft(received, 120_000);

    // Assert
    expect(remaining).toBeLessThanOrEqual(20_000);
    expect(remaining).toBeGreaterThan(19_000);
  });

  it('is the Lambda timeout when that is sooner', async () => {
    expect(await timeLeft(aws.apiGatewayV2(), 10_000)).toBeLessThanOrEqual(10_000);
    expect(await timeLeft(aws.apiGatewayV2(), 10_000)).toBeGreaterThan(9_000);
  });

  it('takes a raised REST API integration timeout from integrationTimeoutMs', async () => {
    // Act
    const raised = await timeLeft(aws.apiGatewayV1(), 120_000, 90_000);
    const lowered = await timeLeft(aws.apiGatewayV2(), 120_000, 5_000);

    // Assert
    expect(raised).toBeLessThanOrEqual(90_000);
    expect(raised).toBeGreaterThan(89_000);
    expect(lowered).toBeLessThanOrEqual(5_000);
    expect(lowered).toBeGreaterThan(4_000);
  });

  it('leaves the Lambda timeout for a Function URL, a load balancer, and a sample event replayed', async () => {
    // Act
    const url = await timeLeft(aws.functionUrl(), 120_000);
    const alb = await timeLeft(aws.alb(), 120_000);
    // A real event of 2020: its gateway stopped waiting long ago, so it is no gateway's request now.
    const replayed = await timeLeft(fixture('apigw-http/aws-lambda-go__apigw-v2-request-no-authorizer.json'), 120_000);
    const replayedRest = await timeLeft(fixture('apigw-rest/aws-lambda-go__apigw-request.json'), 120_000);

    // Assert
    for (const remaining of [url, alb, replayed, replayedRest]) {
      expect(remaining).toBeLessThanOrEqual(120_000);
      expect(remaining).toBeGreaterThan(119_000);
    }
  });

  it('has timeout() answer 504 before the gateway gives up, not 200 after it', async () => {
    // Prepare: a gateway that waits 300 ms, a Lambda timeout of two minutes, a handler of 1.5 s.
    let signal: AbortSignal | undefined;
    const slow = http()
      .use(timeout({ marginMs: 50 }))
      .handle(async (_req, ctx) => {
        signal = ctx.signal;
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { done: true };
      });
    const logs = collectLogs();
    try {
      // Act
      const result = (await toLambda(slow, { integrationTimeoutMs: 300 })(
        aws.apiGatewayV2() as never,
        createLambdaContext({ timeoutMs: 120_000 }) as never,
      )) as { statusCode: number; body: string };

      // Assert
      expect(result.statusCode).toBe(504);
      expect(JSON.parse(result.body)).toMatchObject({ status: 504 });
      expect(signal?.aborted).toBe(true);
    } finally {
      logs.restore();
    }
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '29000', null])(
    'refuses integrationTimeoutMs %s when the handler is made',
    (value) => {
      expect(() => toLambda(left, { integrationTimeoutMs: value as number })).toThrow(SkyportError);
      expect(() => toLambda(left, { integrationTimeoutMs: value as number })).toThrow(/integrationTimeoutMs/);
    },
  );

  it('reaches the handler through invokeLambda, which takes integrationTimeoutMs', async () => {
    // Act
    const context = createLambdaContext({ timeoutMs: 120_000 });
    const deployed = (await invokeLambda(left, aws.apiGatewayV2(), { context })) as { body: string };
    const raised = (await invokeLambda(left, aws.apiGatewayV1(), { context, integrationTimeoutMs: 60_000 })) as {
      body: string;
    };

    // Assert
    expect((JSON.parse(deployed.body) as { left: number }).left).toBeLessThanOrEqual(30_000);
    expect((JSON.parse(raised.body) as { left: number }).left).toBeGreaterThan(59_000);
    await expect(invokeLambda(left, aws.apiGatewayV1(), { integrationTimeoutMs: -5 })).rejects.toThrow(
      /integrationTimeoutMs/,
    );
  });

  it('leaves a streaming handler the Lambda timeout, off Lambda as on it', async () => {
    const result = (await invokeLambda(left, aws.apiGatewayV1(), {
      context: createLambdaContext({ timeoutMs: 120_000 }),
      stream: true,
    })) as { body: string };
    expect((JSON.parse(result.body) as { left: number }).left).toBeGreaterThan(119_000);
  });
});
