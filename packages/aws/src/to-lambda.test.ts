import { http, queue, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import * as aws from '../../testing/src/raw/aws.js';
import { fromLambda } from './from-lambda.js';
import { toLambda } from './to-lambda.js';

const failing = queue({ name: 'orders' }).handle((msg) => {
  if (msg.id === 'm2') throw new Error('no m2');
});

function refusal(run: () => unknown): SkyportError {
  try {
    run();
  } catch (error) {
    if (error instanceof SkyportError) return error;
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('toLambda() options', () => {
  it('refuses a misspelt option, naming the one meant, instead of reporting batch item failures', () => {
    // Prepare
    const options = { reportBatchItemFailure: false };

    // Act
    const error = refusal(() => toLambda(failing, options as never));

    // Assert
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws', kind: 'queue' });
    expect(error.message).toBe(
      'aws: toLambda(): unknown option "reportBatchItemFailure" (did you mean "reportBatchItemFailures"?)',
    );
  });

  it.each([
    ['reportBatchItemFailures', 'false', 'aws: toLambda() reportBatchItemFailures must be true or false, got "false"'],
    ['unwrapSns', 1, 'aws: toLambda() unwrapSns must be true or false, got 1'],
    ['stream', 'true', 'aws: toLambda() stream must be true or false, got "true"'],
    ['functionName', 42, 'aws: toLambda() functionName must be a non-empty string, got 42'],
    ['functionName', '', 'aws: toLambda() functionName must be a non-empty string, got ""'],
  ])('refuses %s set to %j', (name, value, message) => {
    const error = refusal(() => toLambda(failing, { [name]: value } as never));
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws', message });
  });

  it('refuses options that are no object', () => {
    const error = refusal(() => toLambda(failing, 'false' as never));
    expect(error.message).toBe('aws: toLambda(): options must be an object, got a string');
  });

  it('refuses a misspelt name in the function aws settings', () => {
    const fn = queue({ name: 'orders', aws: { unwrapSNS: true } }).handle(() => undefined);
    const error = refusal(() => toLambda(fn));
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws', kind: 'queue' });
    expect(error.message).toBe('aws: queue() aws settings: unknown option "unwrapSNS" (did you mean "unwrapSns"?)');
    const wrongType = queue({ name: 'orders', aws: { unwrapSns: 'yes' } }).handle(() => undefined);
    expect(refusal(() => toLambda(wrongType)).message).toContain('aws.unwrapSns of the function must be true or false');
  });

  it('still reports only the failed message with the options given right', async () => {
    const handler = toLambda(failing, { reportBatchItemFailures: true, unwrapSns: false, functionName: 'orders' });
    const result = await handler(aws.sqs([{ id: 'm1' }, { id: 'm2' }]), aws.lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });

  it('says a definition without .handle() is not a Skyport function', () => {
    const unfinished = http({ method: 'GET', path: '/orders' });
    const error = refusal(() => toLambda(unfinished as never));
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws' });
    expect(error.message).toBe(
      'aws: toLambda() needs a Skyport function, got a definition without .handle(handler), which is not a Skyport function yet: finish it with .handle()',
    );
  });

  it.each([
    ['undefined', undefined, 'undefined, which is not a Skyport function'],
    ['an object', { kind: 'http' }, 'an object with keys kind, which is not a Skyport function'],
    [
      'a Lambda handler',
      async () => ({ statusCode: 200 }),
      'a plain function, which is not a Skyport function: wrap a Lambda handler',
    ],
  ])('says %s is not a Skyport function', (_label, value, problem) => {
    const error = refusal(() => toLambda(value as never));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toContain(`aws: toLambda() needs a Skyport function, got ${problem}`);
  });
});

describe('fromLambda() options', () => {
  const handler = async () => ({ statusCode: 200 });

  it('refuses a kind that names no function kind, rather than wrapping an events function', () => {
    const error = refusal(() => fromLambda(handler, { kind: 'htpp' } as never));
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws' });
    expect(error.message).toBe(
      'fromLambda() kind must be one of http, queue, stream, changes, storage, schedule, events, got "htpp"',
    );
    expect(refusal(() => fromLambda(handler, {} as never)).message).toContain(', got none');
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    ['http', 'string'],
    [['http'], 'an array'],
  ])('refuses options %j', (options, got) => {
    const error = refusal(() => fromLambda(handler, options as never));
    expect(error.message).toBe(`fromLambda() needs options with a kind ({ kind: 'http' }), got ${got}`);
  });

  it('names fromLambda() when the kind refuses an option', () => {
    const error = refusal(() => fromLambda(handler, { kind: 'queue', reportBatchItemFailures: false } as never));
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws', kind: 'queue' });
    expect(error.message).toMatch(
      /^fromLambda\(\{ kind: 'queue' \}\): queue\(\): unknown option "reportBatchItemFailures"/,
    );
    const typo = refusal(() => fromLambda(handler, { kind: 'queue', nmae: 'orders' } as never));
    expect(typo.message).toBe(`fromLambda({ kind: 'queue' }): queue(): unknown option "nmae" (did you mean "name"?)`);
  });
});
