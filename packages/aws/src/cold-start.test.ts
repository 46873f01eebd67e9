/**
 * `ctx.coldStart` on Lambda: true for the first invocation of a process, except in one initialised
 * for provisioned concurrency (`AWS_LAMBDA_INITIALIZATION_TYPE`), whose init ran before any request.
 * The variable is read once per process, and core counts contexts per process: each test loads
 * fresh modules, so that each one is a new process whatever ran before it.
 */
import { aws } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const variable = 'AWS_LAMBDA_INITIALIZATION_TYPE';
const previous = process.env[variable];

/** A fresh process's handler answering with each invocation's `ctx.coldStart`. */
async function freshHandler(): Promise<(requestId: string) => Promise<unknown>> {
  const { http } = await import('@skyport/core');
  const { createLambdaContext, toLambda } = await import('./index.js');
  const handler = toLambda(http({ method: 'GET', path: '/' }).handle((_req, ctx) => ({ coldStart: ctx.coldStart })));
  return async (requestId) => {
    const result = await handler(
      aws.apiGatewayV2({ method: 'GET', path: '/' }),
      createLambdaContext({ awsRequestId: requestId }),
    );
    return JSON.parse(String((result as { body?: unknown }).body)).coldStart;
  };
}

beforeEach(() => {
  vi.resetModules();
});

afterEach(() => {
  if (previous === undefined) delete process.env[variable];
  else process.env[variable] = previous;
});

describe('ctx.coldStart on Lambda', () => {
  it('is false for the first invocation of a process initialised for provisioned concurrency', async () => {
    // Prepare
    process.env[variable] = 'provisioned-concurrency';
    const invoke = await freshHandler();
    // Act
    const first = await invoke('r1');
    const second = await invoke('r2');
    // Assert
    expect([first, second]).toEqual([false, false]);
  });

  it.each([['on-demand'], ['lambda-managed-instances'], [undefined]])(
    'is true for the first invocation only with the initialization type %s',
    async (type) => {
      // Prepare
      if (type === undefined) delete process.env[variable];
      else process.env[variable] = type;
      const invoke = await freshHandler();
      // Act
      const first = await invoke('r1');
      const second = await invoke('r2');
      // Assert
      expect([first, second]).toEqual([true, false]);
    },
  );
});
