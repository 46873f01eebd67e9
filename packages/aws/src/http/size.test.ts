import { cors, http } from '@skyport/core';
import { aws, collectLogs } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from '../__fixtures__/load.js';
import { invokeLambda } from '../invoke.js';
import { ALB_RESULT_LIMIT, LAMBDA_RESULT_LIMIT } from './size.js';

/** An http function answering `body` as it is (a string as text, bytes as bytes). */
const answering = (body: string | Uint8Array) => http().handle(() => ({ status: 200, body }));

/** The bytes of a Lambda result as the runtime sends it. */
const weight = (result: unknown) => Buffer.byteLength(JSON.stringify(result));

type Result = { statusCode: number; body: string; statusDescription?: string; multiValueHeaders?: unknown };

const v2 = fixture('apigw-http/aws-lambda-go__apigw-v2-request-no-authorizer.json');
const v1 = fixture('apigw-rest/powertools-ts__no-auth.json');
const albSingle = fixture('alb/powertools-ts__base.json');
const albMulti = fixture('alb/aws-lambda-go__alb-lambda-target-request-multivalue-headers.json');

describe('the size of a buffered HTTP answer', () => {
  it('sends a result of exactly 6291556 bytes, and answers a logged 500 for one byte more', async () => {
    // Prepare: the bytes of everything but the body, read off an answer that fits.
    const probe = (await invokeLambda(answering('x'.repeat(2_000_000)), v2)) as Result;
    const envelope = weight(probe) - 2_000_000;
    const logs = collectLogs();
    try {
      // Act
      const most = (await invokeLambda(answering('x'.repeat(LAMBDA_RESULT_LIMIT - envelope)), v2)) as Result;
      const over = (await invokeLambda(answering('x'.repeat(LAMBDA_RESULT_LIMIT - envelope + 1)), v2)) as Result;

      // Assert
      expect(probe.statusCode).toBe(200);
      expect(weight(most)).toBe(LAMBDA_RESULT_LIMIT);
      expect(most.statusCode).toBe(200);
      expect(most.body).toHaveLength(LAMBDA_RESULT_LIMIT - envelope);
      expect(over.statusCode).toBe(500);
      const problem = JSON.parse(over.body) as { status: number; requestId?: string };
      expect(problem).toMatchObject({ status: 500, title: 'Internal Server Error' });
      expect(JSON.stringify(problem)).not.toContain('6291557');
      const [line] = logs.find('500 Internal Server Error');
      expect(line).toMatchObject({ level: 'ERROR', requestId: problem.requestId, err: { code: 'HANDLER_FAILED' } });
      expect(JSON.stringify(line)).toContain(`${LAMBDA_RESULT_LIMIT + 1} bytes of JSON`);
    } finally {
      logs.restore();
    }
  });

  it('weighs a body as JSON writes it: escapes and characters outside ASCII count in full', async () => {
    // Prepare: 3.2 million characters, each 2 bytes in the result.
    const quotes = '"'.repeat(1_600_000) + '\n'.repeat(1_600_000);
    const accented = 'é'.repeat(3_200_000);
    const logs = collectLogs();
    try {
      // Act
      const escaped = (await invokeLambda(answering(quotes), v2)) as Result;
      const wide = (await invokeLambda(answering(accented), v2)) as Result;
      const fits = (await invokeLambda(answering('é'.repeat(3_000_000)), v2)) as Result;

      // Assert
      expect(Buffer.byteLength(quotes)).toBeLessThan(LAMBDA_RESULT_LIMIT);
      expect(escaped.statusCode).toBe(500);
      expect(wide.statusCode).toBe(500);
      expect(fits.statusCode).toBe(200);
      expect(fits.body).toHaveLength(3_000_000);
      expect(logs.find('500 Internal Server Error')).toHaveLength(2);
    } finally {
      logs.restore();
    }
  });

  it('weighs a binary body as the base64 Lambda carries it', async () => {
    // Act: 4.5 MB is 6 MB of base64; 4.8 MB is 6.4 MB.
    const fits = (await invokeLambda(answering(new Uint8Array(4_500_000).fill(7)), v2)) as Result & {
      isBase64Encoded: boolean;
    };
    const logs = collectLogs();
    try {
      const over = (await invokeLambda(answering(new Uint8Array(4_800_000).fill(7)), v2)) as Result;

      // Assert
      expect(fits.statusCode).toBe(200);
      expect(fits.isBase64Encoded).toBe(true);
      expect(fits.body).toHaveLength(6_000_000);
      expect(over.statusCode).toBe(500);
      expect(logs.find('500 Internal Server Error')).toHaveLength(1);
    } finally {
      logs.restore();
    }
  });

  it('holds a REST API answer to the same limit', async () => {
    const logs = collectLogs();
    try {
      // Act
      const fits = (await invokeLambda(answering('x'.repeat(6_000_000)), v1)) as Result;
      const over = (await invokeLambda(answering('x'.repeat(6_300_000)), v1)) as Result;

      // Assert
      expect(fits.statusCode).toBe(200);
      expect(fits.body).toHaveLength(6_000_000);
      expect(over.statusCode).toBe(500);
      expect(JSON.parse(over.body)).toMatchObject({ status: 500 });
    } finally {
      logs.restore();
    }
  });

  it('holds a load balancer answer to 1 MB, in the header mode of the request', async () => {
    const logs = collectLogs();
    try {
      // Act
      const fits = (await invokeLambda(answering('x'.repeat(1_000_000)), albSingle)) as Result;
      const single = (await invokeLambda(answering('x'.repeat(1_100_000)), albSingle)) as Result;
      const multi = (await invokeLambda(answering('x'.repeat(1_100_000)), albMulti)) as Result;
      // Far under Lambda's own limit: only the load balancer refuses it.
      const lambda = (await invokeLambda(answering('x'.repeat(1_100_000)), v2)) as Result;

      // Assert
      expect(fits.statusCode).toBe(200);
      expect(weight(fits)).toBeLessThanOrEqual(ALB_RESULT_LIMIT);
      expect(single).toMatchObject({ statusCode: 500, statusDescription: '500 Internal Server Error' });
      expect(single.multiValueHeaders).toBeUndefined();
      expect(multi).toMatchObject({
        statusCode: 500,
        multiValueHeaders: { 'content-type': ['application/problem+json'] },
      });
      expect(lambda.statusCode).toBe(200);
      const lines = logs.find('500 Internal Server Error');
      expect(lines).toHaveLength(2);
      expect(JSON.stringify(lines[0])).toContain('a load balancer takes 1048576');
    } finally {
      logs.restore();
    }
  });

  it('keeps the CORS headers of the answer it refuses, so a browser reads the problem', async () => {
    const fn = http()
      .use(cors({ origin: '*' }))
      .handle(() => 'x'.repeat(7_000_000));
    const logs = collectLogs();
    try {
      const over = (await invokeLambda(
        fn,
        aws.apiGatewayV2({ headers: { origin: 'https://app.example' } }),
      )) as Result & {
        headers: Record<string, string>;
      };
      expect(over.statusCode).toBe(500);
      expect(over.headers['access-control-allow-origin']).toBe('*');
      expect(over.headers['content-type']).toBe('application/problem+json');
    } finally {
      logs.restore();
    }
  });

  it('leaves a streaming handler run whole off Lambda to the streaming limit', async () => {
    const exportCsv = http({ stream: true }).handle(async function* () {
      for (let i = 0; i < 70; i++) yield `${'x'.repeat(99_999)}\n`;
    });
    const logs = collectLogs();
    try {
      const streamed = (await invokeLambda(exportCsv, aws.functionUrl({ path: '/export' }), {
        stream: true,
      })) as Result;
      const buffered = (await invokeLambda(exportCsv, aws.functionUrl({ path: '/export' }))) as Result;
      expect(streamed.statusCode).toBe(200);
      expect(Buffer.from(streamed.body, 'base64')).toHaveLength(7_000_000);
      expect(buffered.statusCode).toBe(500);
      expect(logs.find('500 Internal Server Error')).toHaveLength(1);
    } finally {
      logs.restore();
    }
  });
});
