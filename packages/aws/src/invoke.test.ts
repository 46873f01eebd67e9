import { type Message, queue, type SkyportError } from '@skyport/core';
import { aws } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { type InvokeLambdaOptions, invokeLambda } from './invoke.js';

/** A queue function whose message `m-2` fails. */
const failingQueue = () =>
  queue({ name: 'orders' }).handle((msg) => {
    if (msg.id === 'm-2') throw new Error('m-2 failed');
  });

const twoMessages = () => aws.sqs([{ id: 'm-1' }, { id: 'm-2' }]);

describe('invokeLambda options', () => {
  it('fails the whole invocation with reportBatchItemFailures: false, as toLambda deployed so would', async () => {
    // Prepare
    const fn = failingQueue();

    // Act
    const reported = await invokeLambda(fn, twoMessages());
    const whole = await invokeLambda(fn, twoMessages(), { reportBatchItemFailures: false }).catch((e: unknown) => e);

    // Assert
    expect(reported).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(whole).toBeInstanceOf(Error);
    expect((whole as Error).message).toBe('m-2 failed');
  });

  it('unwraps SNS envelopes delivered through SQS with unwrapSns: true', async () => {
    // Prepare
    const seen: Message[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      seen.push(msg);
    });
    const event = fixture('sqs/powertools-py__snsSqsFifoEvent.json');

    // Act
    const result = await invokeLambda(fn, event, { unwrapSns: true });

    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen[0]?.body).toEqual({ message: 'hello world', username: 'lessa' });
  });

  it('hands the function its options and the Lambda context given as { context }', async () => {
    // Prepare
    const names: string[] = [];
    const ids: string[] = [];
    const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
      names.push(ctx.functionName);
      ids.push(ctx.requestId);
    });
    const context = createLambdaContext({ awsRequestId: 'req-7', functionName: 'orders-worker' });

    // Act
    await invokeLambda(fn, aws.sqs(), { functionName: 'fulfil' });
    await invokeLambda(fn, aws.sqs(), { context, reportBatchItemFailures: true });

    // Assert
    expect(names).toEqual(['fulfil', 'orders-worker']);
    expect(ids[1]).toBe('req-7');
  });

  it('still takes a Lambda context on its own as the third argument', async () => {
    // Prepare
    const ids: string[] = [];
    const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
      ids.push(ctx.requestId);
    });

    // Act
    const result = await invokeLambda(fn, aws.sqs(), createLambdaContext({ awsRequestId: 'req-1' }));
    await invokeLambda(fn, aws.sqs(), aws.lambdaContext({ awsRequestId: 'req-2' }));

    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ids).toEqual(['req-1', 'req-2']);
  });

  it('takes a hand-built context by any key of a Lambda context (tenantId too), and null as none', async () => {
    // Prepare
    const names: string[] = [];
    const fn = queue({ name: 'q' }).handle((_msg, ctx) => {
      names.push(ctx.functionName);
    });

    // Act
    const partial = await invokeLambda(fn, aws.sqs(), { functionName: 'tenant-fn', tenantId: 'acme' } as never);
    const none = await invokeLambda(fn, aws.sqs(), null as never);

    // Assert
    expect([partial, none]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(names[0]).toBe('tenant-fn');
  });

  it('refuses an option value toLambda refuses on every call, whatever ran before, with INVALID_DEFINITION', async () => {
    // Prepare: values JSON cannot write, or writes as a valid one's null
    const fn = failingQueue();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await invokeLambda(fn, aws.sqs(), { unwrapSns: undefined });
    const odd = [{ unwrapSns: Number.NaN }, { functionName: () => 1 }, { functionName: 1n }, { stream: cycle }];

    // Act
    const codes = await Promise.all(
      odd.map((options) =>
        invokeLambda(fn, aws.sqs(), options as never).then(
          () => 'ran',
          (error: SkyportError) => error.code,
        ),
      ),
    );

    // Assert
    expect(codes).toEqual(['INVALID_DEFINITION', 'INVALID_DEFINITION', 'INVALID_DEFINITION', 'INVALID_DEFINITION']);
  });

  it('passes options on to toLambda, which refuses what it refuses', async () => {
    // Act
    const error = (await invokeLambda(failingQueue(), twoMessages(), { stream: true }).catch(
      (e: unknown) => e,
    )) as SkyportError;

    // Assert
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toContain('only an http function answers with a stream');
  });

  it('refuses a misspelt option rather than running without it', async () => {
    // Prepare: from JavaScript, or past the type checker
    const misspelt = { reportBatchItemFailure: false } as unknown as InvokeLambdaOptions;

    // Act
    const error = (await invokeLambda(failingQueue(), twoMessages(), misspelt).catch(
      (e: unknown) => e,
    )) as SkyportError;

    // Assert
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe(
      'aws: invokeLambda(): unknown option "reportBatchItemFailure" (did you mean "reportBatchItemFailures"?)',
    );
  });

  it('refuses a Lambda context with options beside it, which it would otherwise leave out', async () => {
    // Prepare
    const mixed = { ...createLambdaContext(), reportBatchItemFailures: false };

    // Act
    const error = (await invokeLambda(failingQueue(), twoMessages(), mixed).catch((e: unknown) => e)) as SkyportError;

    // Assert
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toContain('pass { context, ...options }');
  });

  it('runs each call with its own options, whichever ran before on the same function', async () => {
    // Prepare
    const fn = failingQueue();

    // Act
    const first = await invokeLambda(fn, twoMessages(), { reportBatchItemFailures: false }).catch((e: unknown) => e);
    const reported = await invokeLambda(fn, twoMessages());
    const explicit = await invokeLambda(fn, twoMessages(), { reportBatchItemFailures: true });
    const again = await invokeLambda(fn, twoMessages(), { reportBatchItemFailures: false }).catch((e: unknown) => e);

    // Assert
    expect(first).toBeInstanceOf(Error);
    expect((first as Error).message).toBe('m-2 failed');
    expect(reported).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(explicit).toEqual(reported);
    expect((again as Error).message).toBe('m-2 failed');
  });
});
