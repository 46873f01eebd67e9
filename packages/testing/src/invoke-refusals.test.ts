import { createJsonLogger, http, queue, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import type { FakeContextOptions } from './context.js';
import { message } from './factories.js';
import { type InvokeOptions, invoke } from './invoke.js';

const request = { method: 'GET', path: '/x' } as const;
const echo = http({ method: 'GET', path: '/x' }).handle((_req, ctx) => ({ cloud: ctx.cloud }));

/** What plain JavaScript can pass where TypeScript would refuse it. */
const untyped = <T>(value: unknown): T => value as T;

async function refusal(run: () => Promise<unknown>): Promise<SkyportError> {
  const error: unknown = await run().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SkyportError);
  return error as SkyportError;
}

describe('invoke(): what is no Skyport function', () => {
  it('refuses a definition whose .handle() was left out, saying to finish it', async () => {
    const unfinished = untyped<typeof echo>(http({ method: 'GET', path: '/x' }));
    const error = await refusal(() => invoke(unfinished, request));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe(
      'invoke() needs a Skyport function, got a definition without .handle(handler), which is not a Skyport function yet: finish it with .handle()',
    );
  });

  it('refuses undefined (an import misspelt) with no TypeError from inside', async () => {
    const error = await refusal(() => invoke(untyped<typeof echo>(undefined), request));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe('invoke() needs a Skyport function, got undefined, which is not a Skyport function');
  });

  it('refuses an empty object given an empty object', async () => {
    const error = await refusal(() => invoke(untyped<typeof echo>({}), untyped<typeof request>({})));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe('invoke() needs a Skyport function, got an object, which is not a Skyport function');
  });

  it('names what it got instead: a request in the place of the function, a plain function, null', async () => {
    const swapped = await refusal(() => invoke(untyped<typeof echo>(request), request));
    expect(swapped.message).toBe('invoke() needs a Skyport function, got a request, which is not a Skyport function');
    const plain = await refusal(() =>
      invoke(
        untyped<typeof echo>(() => 'hi'),
        request,
      ),
    );
    expect(plain.code).toBe('INVALID_DEFINITION');
    expect(plain.message).toMatch(/^invoke\(\) needs a Skyport function, got a plain function, which is not/);
    const none = await refusal(() => invoke(untyped<typeof echo>(null), request));
    expect(none.message).toBe('invoke() needs a Skyport function, got null, which is not a Skyport function');
  });

  it('refuses an object of an unknown kind', async () => {
    const odd = untyped<typeof echo>({ ...echo, kind: 'cron', dispatch: echo.dispatch });
    const error = await refusal(() => invoke(odd, request));
    expect(error.code).toBe('INVALID_DEFINITION');
  });
});

describe('invoke(): its options, checked as the adapters check theirs', () => {
  it('refuses a misspelt option, naming the one meant', async () => {
    const error = await refusal(() => invoke(echo, request, untyped<InvokeOptions>({ clod: 'aws' })));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe('invoke(): unknown option "clod" (did you mean "cloud"?)');
  });

  it('refuses an unknown option with nothing near it, listing the options it takes', async () => {
    const error = await refusal(() => invoke(echo, request, untyped<InvokeOptions>({ kind: 'queue' })));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toMatch(/^invoke\(\): unknown option "kind" \(known options: cloud, requestId, .*stream\)$/);
  });

  it('refuses a cloud there is none of, listing the clouds', async () => {
    const error = await refusal(() => invoke(echo, request, untyped<InvokeOptions>({ cloud: 'gcloud' })));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe('invoke(): cloud must be one of aws, azure, gcp, node, got "gcloud"');
  });

  it('refuses a batch mode there is none of, and a stream that is no boolean', async () => {
    const fn = queue({ name: 'orders' }).handle(() => {});
    const mode = await refusal(() => invoke(fn, message({ body: {} }), untyped<InvokeOptions>({ mode: 'FIFO' })));
    expect(mode.code).toBe('INVALID_DEFINITION');
    expect(mode.message).toBe('invoke(): mode must be one of independent, ordered, fifo, got "FIFO"');
    const stream = await refusal(() => invoke(echo, request, untyped<InvokeOptions>({ stream: 'true' })));
    expect(stream.code).toBe('INVALID_DEFINITION');
    expect(stream.message).toBe('invoke(): stream must be true or false, got "true"');
  });

  it('refuses options that are no object', async () => {
    const error = await refusal(() => invoke(echo, request, untyped<InvokeOptions>(null)));
    expect(error.code).toBe('INVALID_DEFINITION');
    expect(error.message).toBe('invoke(): options must be an object, got null');
  });

  it('still takes every option it has, each cloud, and an option set to undefined', async () => {
    for (const cloud of ['aws', 'azure', 'gcp', 'node'] as const) {
      expect((await invoke(echo, request, { cloud })).body).toEqual({ cloud });
    }
    const all: Required<InvokeOptions> = {
      cloud: 'aws',
      requestId: 'r-1',
      functionName: 'echo',
      coldStart: true,
      now: 0,
      deadline: 10_000,
      deadlineInMs: 5_000,
      trace: {},
      region: 'eu-west-1',
      log: createJsonLogger({}, 'error'),
      raw: {},
      auth: { sub: 'u-1' },
      extra: { tenant: 't-1' },
      mode: 'ordered',
      stream: false,
    };
    expect((await invoke(echo, request, all)).status).toBe(200);
    expect((await invoke(echo, request, { cloud: undefined, mode: undefined, stream: undefined })).body).toEqual({
      cloud: 'node',
    });
  });

  it('takes the options of a fake context (its kind when that is the kind of the function) and keys set to undefined', async () => {
    // Prepare: what type-checks as InvokeOptions
    const shared: FakeContextOptions = { cloud: 'aws', kind: 'http', deadlineInMs: 3000 };
    const spread = { ...shared, region: undefined, extraField: undefined };

    // Act
    const fromFake = await invoke(echo, request, shared);
    const fromSpread = await invoke(echo, request, untyped<InvokeOptions>(spread));
    const otherKind = await refusal(() => invoke(echo, request, untyped<InvokeOptions>({ kind: 'queue' })));

    // Assert
    expect([fromFake.body, fromSpread.body]).toEqual([{ cloud: 'aws' }, { cloud: 'aws' }]);
    expect(otherKind.message).toContain('unknown option "kind"');
  });
});
