import {
  cors,
  createContext,
  createMessage,
  createMiddleware,
  createScheduleTick,
  type SkyportError,
  setLogDestination,
  timeout,
} from '@skyport/core';
import { aws, httpRequest, invoke, message, scheduleTick, storageEvent } from '@skyport/testing';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  Callback,
  Context as LambdaContext,
  S3Event,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture } from './__fixtures__/load.js';
import { createLambdaContext } from './context.js';
import { fromLambda, httpResultToResponse } from './from-lambda.js';
import { invokeLambda } from './invoke.js';
import { toLambda } from './to-lambda.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

const v2 = () => fixture<APIGatewayProxyEventV2>('apigw-http/powertools-ts__no-auth.json');

describe('fromLambda through toLambda', () => {
  it('passes the original HTTP event and the Lambda context unchanged, and maps the result back', async () => {
    // Prepare
    const seen: { event?: unknown; context?: LambdaContext } = {};
    const legacy = async (event: APIGatewayProxyEventV2, context: LambdaContext) => {
      seen.event = event;
      seen.context = context;
      return { statusCode: 201, headers: { 'X-Legacy': 'yes' }, cookies: ['s=1'], body: '{"ok":true}' };
    };
    const fn = fromLambda(legacy, { kind: 'http' }).use(cors());
    const event = { ...v2(), headers: { ...v2().headers, origin: 'https://shop.example' } };
    const context = createLambdaContext({ awsRequestId: 'req-1', functionName: 'orders' });
    // Act
    const result = await invokeLambda(fn, event, context);
    // Assert
    expect(seen.event).toBe(event);
    // Every property as it was; only succeed / fail / done are the call's own (see below).
    const { succeed, fail, done, ...properties } = context;
    expect(seen.context).toMatchObject(properties);
    expect(seen.context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'x-legacy': 'yes', 'access-control-allow-origin': '*' },
      cookies: ['s=1'],
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });

  it('supports callback-style handlers and REST results with multi-value Set-Cookie', async () => {
    const legacy = (_event: unknown, _context: LambdaContext, callback: Callback<APIGatewayProxyResult>) => {
      setTimeout(() =>
        callback(null, {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
          body: Buffer.from('{"x":1}').toString('base64'),
          isBase64Encoded: true,
        }),
      );
    };
    const fn = fromLambda(legacy, { kind: 'http' });
    const result = await invokeLambda(fn, fixture('apigw-rest/aws-lambda-go__apigw-request.json'));
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: 'eyJ4IjoxfQ==',
      isBase64Encoded: true,
    });
  });

  it('turns a callback error into a 500 problem without its message', async () => {
    const fn = fromLambda((_e: unknown, _c: LambdaContext, cb: Callback) => cb('secret failure'), {
      kind: 'http',
    });
    const result = await invokeLambda(fn, v2());
    expect(result).toMatchObject({ statusCode: 500 });
    expect(JSON.stringify(result)).not.toContain('secret failure');
  });

  it('passes a legacy result without a content type back without one, for every HTTP source', async () => {
    // Prepare
    const legacy = async () => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });
    const binary = async () => ({ statusCode: 200, body: 'AAEC', isBase64Encoded: true });
    const fn = fromLambda(legacy, { kind: 'http' });
    // Act
    const rest = await invokeLambda(fn, fixture('apigw-rest/powertools-ts__no-auth.json'));
    const httpApi = await invokeLambda(fn, v2());
    const alb = await invokeLambda(fn, fixture('alb/aws-lambda-go__alb-lambda-target-request-headers-only.json'));
    const bytes = await invokeLambda(fromLambda(binary, { kind: 'http' }), v2());
    // Assert
    expect(rest).toEqual({ statusCode: 200, headers: {}, body: '{"ok":true}', isBase64Encoded: false });
    expect(httpApi).toEqual({ statusCode: 200, headers: {}, body: '{"ok":true}', isBase64Encoded: false });
    expect(alb).toEqual({
      statusCode: 200,
      statusDescription: '200 OK',
      headers: {},
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
    expect(bytes).toEqual({ statusCode: 200, headers: {}, body: 'AAEC', isBase64Encoded: true });
  });

  it('runs an SQS batch one record at a time and honours its batchItemFailures', async () => {
    const event = fixture<SQSEvent>('sqs/powertools-ts__base.json');
    const received: SQSEvent[] = [];
    const legacy = async (one: SQSEvent): Promise<SQSBatchResponse> => {
      received.push(one);
      const record = one.Records[0];
      return { batchItemFailures: record?.body === 'Test message.' ? [{ itemIdentifier: record.messageId }] : [] };
    };
    const fn = fromLambda(legacy, { kind: 'queue', name: 'my-queue' });
    const result = await invokeLambda(fn, event);
    expect(received.map((e) => e.Records)).toEqual(event.Records.map((r) => [r]));
    expect(received[0]?.Records[0]).toBe(event.Records[0]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
  });

  it('fails the record, with no unhandled rejection, when the handler fails with a value JSON cannot write', async () => {
    // Prepare: a cyclic object, a BigInt and an object whose toJSON throws, rejected or called back.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const values: unknown[] = [
      cyclic,
      10n,
      {
        toJSON: () => {
          throw new Error('no');
        },
      },
    ];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const event = fixture<SQSEvent>('sqs/powertools-ts__base.json');
    const ids = event.Records.map((r) => ({ itemIdentifier: r.messageId }));

    // Act
    const results: unknown[] = [];
    try {
      for (const value of values) {
        results.push(
          await invokeLambda(
            fromLambda(async () => Promise.reject(value), { kind: 'queue' }),
            event,
          ),
        );
        const callingBack = (_e: SQSEvent, _c: LambdaContext, callback: Callback<void>) => callback(value as Error);
        results.push(await invokeLambda(fromLambda(callingBack, { kind: 'queue' }), event));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }

    // Assert
    expect(results).toEqual(values.flatMap(() => [{ batchItemFailures: ids }, { batchItemFailures: ids }]));
    expect(unhandled).toEqual([]);
  });

  it('lets middleware run around legacy code', async () => {
    const order: string[] = [];
    const audit = createMiddleware({
      name: 'audit',
      handle: async (_event, _ctx, next) => {
        order.push('before');
        const out = await next();
        order.push('after');
        return out;
      },
    });
    const fn = fromLambda(
      async () => {
        order.push('legacy');
      },
      { kind: 'schedule' },
    ).use(audit);
    await invokeLambda(fn, fixture('eventbridge/aws-lambda-dotnet__scheduled-event.json'));
    expect(order).toEqual(['before', 'legacy', 'after']);
  });

  it('keeps the request as it arrived when legacy code rewrites its event', async () => {
    const seen: unknown[] = [];
    const after = createMiddleware({
      name: 'after',
      kinds: ['http'],
      handle: async (req, _ctx, next) => {
        const out = await next();
        seen.push(req.query, req.ip);
        return out;
      },
    });
    const legacy = async (event: APIGatewayProxyEventV2) => {
      event.rawQueryString = 'x=rewritten';
      event.requestContext.http.sourceIp = '198.51.100.9';
      return { statusCode: 204 };
    };
    const fn = fromLambda(legacy, { kind: 'http' }).use(after);
    const event = v2();
    event.rawQueryString = 'x=1';
    event.requestContext.http.sourceIp = '203.0.113.7';
    await invokeLambda(fn, event);
    expect(seen).toEqual([{ x: '1' }, '203.0.113.7']);
  });
});

describe('fromLambda completion, as the Lambda Node.js runtime completes a handler', () => {
  const sqs = () => fixture<SQSEvent>('sqs/powertools-ts__base.json');
  const bothFailed = {
    batchItemFailures: [
      { itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' },
      { itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da' },
    ],
  };
  const later = (run: () => void) => setTimeout(run, 5);

  it('waits for the callback of a rest-parameter handler (length 0)', async () => {
    // Prepare
    const failing = (...args: unknown[]) => later(() => (args[2] as Callback)(new Error('fails later')));
    const answering = (...args: unknown[]) =>
      later(() => (args[2] as Callback<APIGatewayProxyResult>)(null, { statusCode: 200, body: 'ok' }));
    // Act
    const batch = await invokeLambda(fromLambda(failing, { kind: 'queue' }), sqs());
    const response = await invoke(fromLambda(answering, { kind: 'http' }), httpRequest({ path: '/' }));
    // Assert
    expect(failing.length).toBe(0);
    expect(batch).toEqual(bothFailed);
    expect(response).toMatchObject({ status: 200, body: 'ok' });
  });

  it('waits for the callback of a handler whose callback has a default value (length 2)', async () => {
    const legacy = (_event: SQSEvent, _context: LambdaContext, callback: Callback = () => undefined) => {
      later(() => callback(new Error('fails later')));
    };
    const result = await invokeLambda(fromLambda(legacy, { kind: 'queue' }), sqs());
    expect(legacy.length).toBe(2);
    expect(result).toEqual(bothFailed);
  });

  it('waits for a callback reached through arguments[2] or behind a first default parameter', async () => {
    function viaArguments(_event: unknown) {
      // biome-ignore lint/complexity/noArguments: the legacy style under test
      const callback = arguments[2] as Callback;
      later(() => callback(new Error('fails later')));
    }
    const afterDefault = (_event: unknown = {}, _context?: unknown, callback?: Callback) =>
      later(() => callback?.(new Error('fails later')));
    expect(viaArguments.length).toBe(1);
    expect(afterDefault.length).toBe(0);
    expect(await invokeLambda(fromLambda(viaArguments, { kind: 'queue' }), sqs())).toEqual(bothFailed);
    expect(await invokeLambda(fromLambda(afterDefault, { kind: 'queue' }), sqs())).toEqual(bothFailed);
  });

  it('answers with what a one-parameter handler returns, whatever its source mentions', async () => {
    // Prepare: handlers that cannot reach the callback, whose source has a default, a word
    // `arguments` that is not the object, or no source at all (bound)
    const handlers: ((event: never) => unknown)[] = [
      ({ body = '' }: { body?: string }) => ({ statusCode: 200, body: `destructured${body}` }),
      (_event: unknown = {}) => ({ statusCode: 200, body: 'defaulted' }),
      function named(event: { arguments?: unknown }) {
        if (event === null) throw new Error('bad arguments');
        return { statusCode: 200, body: event.arguments === undefined ? 'property' : 'x' };
      },
      function bound(this: { body: string }, _event: unknown) {
        return { statusCode: 200, body: this.body };
      }.bind({ body: 'bound' }),
    ];
    // Act
    const bodies = [];
    for (const handler of handlers) {
      bodies.push((await invoke(fromLambda(handler, { kind: 'http' }), httpRequest({ path: '/' }))).body);
    }
    // Assert
    expect(bodies).toEqual(['destructured', 'defaulted', 'property', 'bound']);
  });

  it('completes with context.succeed, and fails with context.fail and context.done(error)', async () => {
    // Prepare: the aws-serverless-express style, and a context whose own methods do nothing
    const succeeding = (_event: unknown, context: LambdaContext) => {
      later(() => context.succeed({ statusCode: 201, body: 'made' }));
    };
    const failing = (_event: unknown, context: LambdaContext) => {
      later(() => context.fail(new Error('context fail')));
    };
    const doneWithError = (_event: unknown, context: LambdaContext) => {
      later(() => context.done(new Error('context done')));
    };
    const doneWithResult = (_event: unknown, context: LambdaContext) => {
      later(() => context.done(undefined, { statusCode: 202, body: 'queued' }));
    };
    // Act
    const made = await invoke(fromLambda(succeeding, { kind: 'http' }), httpRequest({ path: '/' }));
    const queued = await invokeLambda(fromLambda(doneWithResult, { kind: 'http' }), v2());
    const failed = await invokeLambda(fromLambda(failing, { kind: 'queue' }), sqs(), createLambdaContext());
    const done = await invokeLambda(fromLambda(doneWithError, { kind: 'queue' }), sqs(), createLambdaContext());
    // Assert
    expect(made).toMatchObject({ status: 201, body: 'made' });
    expect(queued).toEqual({ statusCode: 202, headers: {}, body: 'queued', isBase64Encoded: false });
    expect(failed).toEqual(bothFailed);
    expect(done).toEqual(bothFailed);
  });

  it('keeps the real context.succeed out of it on Lambda, and lets the handler set the runtime flags', async () => {
    // Prepare: a context like the runtime's, whose succeed would report the whole invocation
    let waits = true;
    const reported: unknown[] = [];
    const context = Object.defineProperty(
      { ...createLambdaContext(), succeed: (result: unknown) => void reported.push(result) },
      'callbackWaitsForEmptyEventLoop',
      {
        get: () => waits,
        set: (value: boolean) => {
          waits = value;
        },
        enumerable: true,
      },
    ) as LambdaContext;
    const legacy = (event: SQSEvent, lambda: LambdaContext) => {
      lambda.callbackWaitsForEmptyEventLoop = false;
      if (event.Records[0]?.body === 'Test message.') later(() => lambda.fail('first record failed'));
      else later(() => lambda.succeed(undefined));
    };
    // Act
    const result = await invokeLambda(fromLambda(legacy, { kind: 'queue' }), sqs(), context);
    // Assert
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
    expect(reported).toEqual([]);
    expect(waits).toBe(false);
  });

  it('lets the first of callback, context and returned promise win', async () => {
    const calledBackFirst = (_event: unknown, _context: LambdaContext, callback: Callback) => {
      callback(null, { statusCode: 200, body: 'callback' });
      return Promise.reject(new Error('too late'));
    };
    const failedFirst = async (_event: unknown, context: LambdaContext) => {
      context.fail(new Error('failed first'));
      return { batchItemFailures: [] };
    };
    const response = await invokeLambda(fromLambda(calledBackFirst, { kind: 'http' }), v2());
    const batch = await invokeLambda(fromLambda(failedFirst, { kind: 'queue' }), sqs());
    expect(response).toEqual({ statusCode: 200, headers: {}, body: 'callback', isBase64Encoded: false });
    expect(batch).toEqual(bothFailed);
  });

  it('answers with what a handler that cannot reach the callback or the context returned', async () => {
    const seen: string[] = [];
    const http = (event: APIGatewayProxyEventV2) => ({ statusCode: 200, body: `sync ${event.rawPath}` });
    const worker = (event: SQSEvent) => void seen.push(event.Records[0]?.messageId ?? '');
    const response = await invokeLambda(fromLambda(http, { kind: 'http' }), v2());
    const batch = await invokeLambda(fromLambda(worker, { kind: 'queue' }), sqs());
    expect(response).toEqual({ statusCode: 200, headers: {}, body: 'sync /lambda', isBase64Encoded: false });
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['059f36b4-87a3-44ab-83d2-661975830a7d', '2e1424d4-f796-459a-8184-9c92662be6da']);
  });
});

describe('fromLambda under a runtime that passes no callback (Node.js 24, Lambda Managed Instances)', () => {
  /** The Lambda context such a runtime builds: no `succeed`, `fail` or `done`. */
  const modern = (awsRequestId: string, timeoutMs?: number): LambdaContext => {
    const { succeed: _s, fail: _f, done: _d, ...context } = createLambdaContext({ awsRequestId, timeoutMs });
    return context as LambdaContext;
  };
  const sqs = () => fixture<SQSEvent>('sqs/powertools-ts__base.json');
  const bothFailed = {
    batchItemFailures: [
      { itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' },
      { itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da' },
    ],
  };

  it('answers with what a two-parameter handler returns, as that runtime does', async () => {
    // Prepare: overlapping invocations, as Managed Instances run them
    const legacy = (event: APIGatewayProxyEventV2, context: LambdaContext) => ({
      statusCode: 200,
      body: `${context.awsRequestId} ${event.rawPath}`,
    });
    const handler = toLambda(fromLambda(legacy, { kind: 'http' }));
    // Act
    const answers = await Promise.all([handler(v2(), modern('r1')), handler(v2(), modern('r2'))]);
    // Assert
    expect(answers).toEqual([
      { statusCode: 200, headers: {}, body: 'r1 /lambda', isBase64Encoded: false },
      { statusCode: 200, headers: {}, body: 'r2 /lambda', isBase64Encoded: false },
    ]);
  });

  it('still waits for a handler that returns nothing and completes through its context later', async () => {
    const legacy = (_event: unknown, context: LambdaContext) => {
      setTimeout(() => context.succeed({ statusCode: 201, body: 'made' }), 5);
    };
    const answer = await toLambda(fromLambda(legacy, { kind: 'http' }))(v2(), modern('r3'));
    expect(answer).toEqual({ statusCode: 201, headers: {}, body: 'made', isBase64Encoded: false });
  });

  it('waits for the callback of a handler that declares one, whatever it returns, and reports its failure', async () => {
    // Prepare: callback-style code returns what its last call gave (a timer, a request, false).
    const returnsTimer = (_event: unknown, _context: LambdaContext, callback: Callback) =>
      setTimeout(() => callback(new Error('downstream 503')), 5);
    const returnsFalse = (_event: unknown, _context: LambdaContext, callback: Callback) => {
      setTimeout(() => callback(new Error('boom')), 5);
      return false;
    };
    const answering = (_event: unknown, _context: LambdaContext, callback: Callback) =>
      setTimeout(() => callback(null, { statusCode: 201, body: 'late' }), 5);
    // Act
    const timerBatch = await toLambda(fromLambda(returnsTimer, { kind: 'queue' }))(sqs(), modern('r4'));
    const falseBatch = await toLambda(fromLambda(returnsFalse, { kind: 'queue' }))(sqs(), modern('r5'));
    const answer = await toLambda(fromLambda(answering, { kind: 'http' }))(v2(), modern('r6'));
    // Assert: no message acknowledged although its handler failed
    expect(timerBatch).toEqual(bothFailed);
    expect(falseBatch).toEqual(bothFailed);
    expect(answer).toEqual({ statusCode: 201, headers: {}, body: 'late', isBase64Encoded: false });
  });

  it('waits for a two-parameter handler that returns a timer and completes through its context later', async () => {
    // Prepare: what the last call returned (a timer) is no result
    const failing = (_event: unknown, context: LambdaContext) =>
      setTimeout(() => context.fail(new Error('downstream 503')), 5);
    const answering = (_event: unknown, context: LambdaContext) =>
      setTimeout(() => context.succeed({ statusCode: 201, body: 'late' }), 5);
    // Act
    const batch = await toLambda(fromLambda(failing, { kind: 'queue' }))(sqs(), modern('r8'));
    const answer = await toLambda(fromLambda(answering, { kind: 'http' }))(v2(), modern('r9'));
    // Assert
    expect(batch).toEqual(bothFailed);
    expect(answer).toEqual({ statusCode: 201, headers: {}, body: 'late', isBase64Encoded: false });
  });

  it('waits for a wrapper that passes its arguments on whole to a callback-style handler', async () => {
    // Prepare: hand-written and monitoring wrappers of older code
    const inner = (_event: unknown, _context: unknown, callback: Callback) => {
      setTimeout(() => callback(new Error('fails later')), 5);
    };
    const wrapper = new Function('inner', 'return function wrapper() { return inner.apply(this, arguments); }')(
      inner,
    ) as () => unknown;
    const spreading = new Function('inner', 'return function wrapper() { return inner(...arguments); }')(
      inner,
    ) as () => unknown;
    // Act + Assert: on the classic context and on Node.js 24's alike
    for (const handler of [wrapper, spreading]) {
      expect(await toLambda(fromLambda(handler, { kind: 'queue' }))(sqs(), createLambdaContext())).toEqual(bothFailed);
      expect(await toLambda(fromLambda(handler, { kind: 'queue' }))(sqs(), modern('r11'))).toEqual(bothFailed);
    }
  });

  it("waits for a two-parameter handler whose last call's boolean or number it returns", async () => {
    // Prepare: `stream.write()` returns a boolean, `push()` a number; the work goes on after
    const pending: unknown[] = [];
    const writing = (_event: unknown, context: LambdaContext) => {
      setTimeout(() => context.fail(new Error('sink down')), 5);
      return pending.push(1) > 0;
    };
    const pushing = (_event: unknown, context: LambdaContext) => {
      setTimeout(() => context.fail(new Error('sink down')), 5);
      return pending.push(1);
    };
    // Act + Assert
    expect(await toLambda(fromLambda(writing, { kind: 'queue' }))(sqs(), modern('r12'))).toEqual(bothFailed);
    expect(await toLambda(fromLambda(pushing, { kind: 'queue' }))(sqs(), modern('r13'))).toEqual(bothFailed);
  });

  it('answers with what a transpiled handler reading its context as arguments[1] returns', async () => {
    // Prepare: `(event, context = {}) => ...` as an ES5 transpiler writes it
    const transpiled = new Function(
      'return function handler(event) { var context = arguments.length > 1 && arguments[1] !== undefined ? arguments[1] : {}; return { statusCode: 200, body: String(context.awsRequestId) }; }',
    )() as (event: unknown) => unknown;
    // Act
    const answer = await toLambda(fromLambda(transpiled, { kind: 'http' }))(v2(), modern('r10', 300));
    // Assert
    expect(answer).toEqual({ statusCode: 200, headers: {}, body: 'r10', isBase64Encoded: false });
  });

  it('fails the event of a handler that never completes once the invocation is out of time', async () => {
    const silent = (_event: unknown, _context: LambdaContext) => {};
    const batch = await toLambda(fromLambda(silent, { kind: 'queue' }))(sqs(), modern('r7', 30));
    expect(batch).toEqual(bothFailed);
  });
});

describe('fromLambda off Lambda, where a two-parameter handler completes as on Node.js 24', () => {
  it('answers with the result a synchronous (event, context) handler returns, for http and batches', async () => {
    // Prepare: no callback, no context.succeed: on Node.js 24 what it returns is its result
    const http = (event: APIGatewayProxyEventV2, context: LambdaContext) => ({
      statusCode: 200,
      body: `${context.functionName} ${event.rawPath}`,
    });
    const worker = (event: SQSEvent, _context: LambdaContext): SQSBatchResponse => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }],
    });
    // Act
    const res = await invoke(fromLambda(http, { kind: 'http' }), httpRequest({ path: '/rates' }), {
      functionName: 'quotes',
    });
    const out = await invoke(fromLambda(worker, { kind: 'queue' }), message({ id: 'm-9', body: {} }));
    // Assert
    expect([res.status, res.text]).toEqual([200, 'quotes /rates']);
    expect(out.failures.map((f) => f.id)).toEqual(['m-9']);
  });

  it('still waits for one that returns nothing and completes through its context later', async () => {
    // Prepare: the aws-serverless-express form, which answers through context.succeed
    const proxy = (_event: APIGatewayProxyEventV2, context: LambdaContext) => {
      setTimeout(() => context.succeed({ statusCode: 201, body: 'made' }), 20);
    };
    // Act
    const res = await invoke(fromLambda(proxy, { kind: 'http' }), httpRequest({ method: 'POST', path: '/' }));
    // Assert
    expect([res.status, res.text]).toEqual([201, 'made']);
  });

  it('fails the event of one that returns nothing and never completes at its deadline, not sooner', async () => {
    // Prepare: nothing tells it finished; answering null could acknowledge work never done
    const silent = (_event: SQSEvent, _context: LambdaContext) => {};
    const started = Date.now();
    // Act
    const out = await invoke(fromLambda(silent, { kind: 'queue' }), message({ body: {} }), { deadlineInMs: 60 });
    const waited = Date.now() - started;
    // Without a deadline, timeout({ ms }) bounds it
    const bounded = await invoke(fromLambda(silent, { kind: 'queue' }).use(timeout({ ms: 30 })), message({ body: {} }));
    // Assert
    expect(out.failures.map((f) => (f.error as SkyportError).code)).toEqual(['TIMEOUT']);
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(bounded.failures.map((f) => (f.error as SkyportError).code)).toEqual(['TIMEOUT']);
  });

  it('keeps waiting for one whose last call returned a boolean or a timer', async () => {
    const pending: unknown[] = [];
    const writing = (_event: SQSEvent, context: LambdaContext) => {
      setTimeout(() => context.fail(new Error('sink down')), 5);
      return pending.push(1) > 0;
    };
    const timer = (_event: SQSEvent, context: LambdaContext) =>
      setTimeout(() => context.fail(new Error('sink down')), 5);
    for (const handler of [writing, timer]) {
      const out = await invoke(fromLambda(handler, { kind: 'queue' }), message({ body: {} }));
      expect(out.failures.map((f) => (f.error as Error).message)).toEqual(['sink down']);
    }
  });
});

describe('fromLambda on the Node.js 24 runtime', () => {
  it('gives the runtime a handler of two parameters, which it loads, for a callback-style one it would refuse', () => {
    const legacy = (_event: unknown, _context: LambdaContext, callback: Callback) => callback(null, undefined);
    const kinds = ['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events'] as const;
    const lengths = kinds.map((kind) => toLambda(fromLambda(legacy, { kind })).length);
    expect(legacy.length).toBe(3);
    expect(lengths).toEqual(kinds.map(() => 2));
  });
});

describe('fromLambda of a response streaming handler', () => {
  it('is refused when wrapped, naming what to do instead', () => {
    const streaming = Object.assign(async (_event: unknown, _responseStream: unknown) => {}, {
      [Symbol.for('aws.lambda.runtime.handler.streaming')]: 'response',
    });
    expect(() => fromLambda(streaming, { kind: 'http' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: expect.stringContaining('http({ stream: true })'),
      }),
    );
  });
});

describe('fromLambda elsewhere (synthesised events)', () => {
  it("gives the handler's Lambda context the request's X-Ray header, as the runtime does", async () => {
    const seen: (string | undefined)[] = [];
    const fn = fromLambda(
      async (_event: APIGatewayProxyEventV2, context: LambdaContext & { xRayTraceId?: string }) => {
        seen.push(context.xRayTraceId);
        return { statusCode: 204 };
      },
      { kind: 'http' },
    );
    const traced = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await invoke(fn, httpRequest({ path: '/', headers: { 'x-amzn-trace-id': traced } }));
    await invoke(fn, httpRequest({ path: '/' }));
    expect(seen).toEqual([traced, undefined]);
  });

  it('waits on a handler that never completes for the 15 minutes its context reports, without holding the process', async () => {
    vi.useFakeTimers();
    try {
      const reported: number[] = [];
      const fn = fromLambda(
        (_event: SQSEvent, context: LambdaContext, _callback: Callback) => {
          reported.push(context.getRemainingTimeInMillis());
        },
        { kind: 'queue' },
      );
      const ctx = createContext({ cloud: 'node', kind: 'queue', requestId: 'r-local', functionName: 'worker' });
      const outcome = fn.dispatch(createMessage({ id: 'm1', data: '{}', source: 'jobs' }), ctx).then(
        () => 'completed',
        (error: SkyportError) => error.code,
      );
      await vi.advanceTimersByTimeAsync(899_000);
      expect(reported).toEqual([900_000]);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await outcome).toBe('TIMEOUT');
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts the 15 minutes down off Lambda without a deadline, so a handler working while time is left stops', async () => {
    vi.useFakeTimers();
    try {
      // Prepare: a legacy worker that drains while more than two minutes are left
      const reported: number[] = [];
      const fn = fromLambda(
        async (_event: SQSEvent, context: LambdaContext) => {
          reported.push(context.getRemainingTimeInMillis());
          while (context.getRemainingTimeInMillis() > 120_000) await new Promise((r) => setTimeout(r, 100_000));
          reported.push(context.getRemainingTimeInMillis());
        },
        { kind: 'queue' },
      );
      const ctx = createContext({ cloud: 'node', kind: 'queue', requestId: 'r-local', functionName: 'worker' });

      // Act
      const outcome = fn.dispatch(createMessage({ id: 'm1', data: '{}', source: 'jobs' }), ctx).then(() => 'completed');
      await vi.advanceTimersByTimeAsync(800_000);

      // Assert
      expect(await outcome).toBe('completed');
      expect(reported).toEqual([900_000, 100_000]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives a body without a content type the one the platform would have sent, for every source', async () => {
    // Prepare: the usual legacy error answer, which sets no content type
    const legacy = async () => ({ statusCode: 400, body: JSON.stringify({ message: 'bad weight' }) });
    const binary = async () => ({ statusCode: 200, body: 'AAEC', isBase64Encoded: true });
    const empty = async () => ({ statusCode: 204 });
    // Act
    const httpApi = await invoke(fromLambda(legacy, { kind: 'http' }), httpRequest());
    const rest = await invoke(fromLambda(legacy, { kind: 'http', source: 'apigw-v1' }), httpRequest());
    const alb = await invoke(fromLambda(legacy, { kind: 'http', source: 'alb' }), httpRequest());
    const bytes = await invoke(fromLambda(binary, { kind: 'http' }), httpRequest());
    const none = await invoke(fromLambda(empty, { kind: 'http' }), httpRequest());
    // Assert: API Gateway and Function URLs send application/json, a load balancer octet-stream
    expect([httpApi.status, httpApi.headers['content-type'], httpApi.text]).toEqual([
      400,
      'application/json',
      '{"message":"bad weight"}',
    ]);
    expect(rest.headers['content-type']).toBe('application/json');
    expect(alb.headers['content-type']).toBe('application/octet-stream');
    expect(bytes.headers['content-type']).toBe('application/json');
    expect(none.headers['content-type']).toBeUndefined();
  });

  it('builds an HTTP API v2 event from a portable request', async () => {
    let seen: APIGatewayProxyEventV2 | undefined;
    const fn = fromLambda(
      async (event: APIGatewayProxyEventV2) => {
        seen = event;
        return { statusCode: 200, body: 'hi', headers: { 'content-type': 'text/plain' } };
      },
      { kind: 'http' },
    );
    const res = await invoke(
      fn,
      httpRequest({
        method: 'POST',
        path: '/orders',
        query: { tag: ['a', 'b'] },
        headers: { host: 'api.test' },
        cookies: { s: '1' },
        body: { sku: 'x' },
      }),
    );
    expect(res).toMatchObject({ status: 200, body: 'hi' });
    expect(seen).toMatchObject({
      version: '2.0',
      rawPath: '/orders',
      rawQueryString: 'tag=a&tag=b',
      queryStringParameters: { tag: 'a,b' },
      cookies: ['s=1'],
      body: '{"sku":"x"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/orders' }, domainName: 'api.test' },
    });
    expect(seen?.headers.cookie).toBeUndefined();
  });

  it("uses the portable path, not the platform URL's, and the query", async () => {
    // Prepare: what the Azure adapter hands over for GET /api/orders/42?x=1&x=2
    let seen: APIGatewayProxyEventV2 | undefined;
    const legacy = async (event: APIGatewayProxyEventV2) => {
      seen = event;
      return { statusCode: 204 };
    };
    const fn = fromLambda(legacy, { kind: 'http', path: '/orders/:id' });
    const request = {
      ...httpRequest({ path: '/orders/42 b', query: { x: ['1', '2'] } }),
      url: 'https://shop.azurewebsites.net/api/orders/42%20b?x=1&x=2',
    };
    // Act
    const res = await invoke(fn, request);
    // Assert
    expect(res.status).toBe(204);
    expect(seen?.rawPath).toBe('/orders/42 b');
    expect(seen?.requestContext.http.path).toBe('/orders/42 b');
    expect(seen?.rawQueryString).toBe('x=1&x=2');
    expect(seen?.pathParameters).toEqual({ id: '42 b' });
    // HTTP API decodes an encoded slash too; the parameter is the segment as sent.
    await invoke(fn, httpRequest({ path: '/orders/a%2Fb' }));
    expect(seen?.rawPath).toBe('/orders/a/b');
    expect(seen?.pathParameters).toEqual({ id: 'a/b' });
  });

  it('builds an SQS record and maps a reported failure back', async () => {
    let seen: SQSEvent | undefined;
    const fn = fromLambda(
      async (event: SQSEvent): Promise<SQSBatchResponse> => {
        seen = event;
        return { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }] };
      },
      { kind: 'queue', name: 'orders' },
    );
    const out = await invoke(fn, message({ id: 'm-1', body: { orderId: 'o-1' }, attributes: { tenant: 'acme' } }));
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => f.id)).toEqual(['m-1']);
    expect(seen?.Records[0]).toMatchObject({
      messageId: 'm-1',
      body: '{"orderId":"o-1"}',
      eventSource: 'aws:sqs',
      messageAttributes: { tenant: { stringValue: 'acme', dataType: 'String' } },
      attributes: { ApproximateReceiveCount: '1' },
    });
  });

  it('fails the record when the handler returns a batchItemFailures that is not a list, as Lambda fails the batch', async () => {
    for (const malformed of [{ itemIdentifier: 'm-1' }, 'm-1']) {
      const fn = fromLambda(async () => ({ batchItemFailures: malformed }), { kind: 'queue', name: 'orders' });
      const out = await invoke(fn, message({ id: 'm-1', body: {} }));
      expect(out.ok).toBe(false);
      expect(out.failures.map((f) => [f.id, (f.error as { code?: string }).code])).toEqual([['m-1', 'HANDLER_FAILED']]);
    }
  });

  it('answers 502, as API Gateway does, when the handler returns a statusCode that is not an HTTP status', async () => {
    for (const statusCode of [0, 1000, 200.5]) {
      const fn = fromLambda(async () => ({ statusCode, body: 'secret-ish text' }), { kind: 'http' });
      const res = await invoke(fn, httpRequest());
      expect(res.status).toBe(502);
      expect(JSON.stringify(res.body)).not.toContain('secret-ish');
    }
  });

  it('builds S3 and scheduled events', async () => {
    const s3: S3Event[] = [];
    const upload = fromLambda(
      async (event: S3Event) => {
        s3.push(event);
      },
      { kind: 'storage', bucket: 'uploads' },
    );
    await invoke(upload, storageEvent({ type: 'created', bucket: 'uploads', key: 'My Photos/a+b.png', size: 3 }));
    expect(s3[0]?.Records[0]?.s3).toMatchObject({
      bucket: { name: 'uploads' },
      object: { key: 'My+Photos/a%2Bb.png', size: 3 },
    });
    expect(s3[0]?.Records[0]?.eventName).toBe('ObjectCreated:Put');

    const ticks: ScheduledEvent[] = [];
    const nightly = fromLambda(
      async (event: ScheduledEvent) => {
        ticks.push(event);
      },
      { kind: 'schedule', cron: '0 3 * * *' },
    );
    await invoke(nightly, scheduleTick({ name: 'nightly', scheduledTime: new Date('2024-05-01T03:00:00Z') }));
    expect(ticks[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2024-05-01T03:00:00Z',
      detail: {},
    });
    expect(ticks[0]?.resources[0]).toMatch(/:rule\/nightly$/);
  });
});

describe('fromLambda schedules', () => {
  it('passes the input of an EventBridge Scheduler target on Lambda as it is, and synthesises elsewhere', async () => {
    // Prepare
    const seen: unknown[] = [];
    const fn = fromLambda(
      async (event: unknown) => {
        seen.push(event);
      },
      { kind: 'schedule', cron: '0 3 * * *' },
    );
    const input = { job: 'cleanup', tenant: 't-42' };
    // What the Azure timer trigger and the Node server hand over as `raw`: objects too.
    const timer = createScheduleTick({ name: 'nightly', raw: { isPastDue: false, scheduleStatus: {} } });
    // Act
    await invokeLambda(fn, input);
    await invokeLambda(fn, {});
    await invoke(fn, scheduleTick({ name: 'nightly' }));
    await invoke(fn, timer, { cloud: 'azure' });
    await invoke(fn, timer, { cloud: 'aws' }); // AWS claimed, but no Lambda invocation behind it
    // Assert
    expect(seen[0]).toBe(input);
    expect(seen[1]).toEqual({});
    for (const event of seen.slice(2)) {
      expect(event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
      expect((event as ScheduledEvent).resources[0]).toMatch(/:rule\/nightly$/);
    }
  });
});

describe('fromLambda HTTP results', () => {
  it('answers a header named constructor or __proto__ with its value alone, as any other header', async () => {
    // Prepare: JSON text makes `__proto__` an ordinary header name, as a handler's result may hold it.
    const fn = fromLambda(async () => ({ statusCode: 200, headers: { Constructor: 'x' }, body: 'ok' }), {
      kind: 'http',
    });
    const multi = { statusCode: 200, multiValueHeaders: JSON.parse('{"constructor":["a","b"],"__proto__":["p"]}') };

    // Act
    const onLambda = await invokeLambda(fn, v2());
    const elsewhere = await invoke(fn, httpRequest());
    const mapped = httpResultToResponse(multi, undefined, false);

    // Assert
    expect(onLambda).toMatchObject({ statusCode: 200, headers: { constructor: 'x' } });
    expect(elsewhere.headers.constructor).toBe('x');
    expect(Object.keys(mapped.headers ?? {})).toEqual(['constructor', '__proto__']);
    expect(mapped.headers?.constructor).toBe('a, b');
    expect(Object.getOwnPropertyDescriptor(mapped.headers, '__proto__')?.value).toBe('p');
  });

  it('takes a statusCode given as a string of three digits, as API Gateway does', async () => {
    // Prepare: the microservice-http-endpoint blueprint answers `statusCode: err ? '400' : '200'`
    const legacy = (_event: unknown, _context: LambdaContext, callback: Callback) =>
      callback(null, { statusCode: '400', body: 'Unsupported method', headers: { 'Content-Type': 'text/plain' } });
    const fn = fromLambda(legacy, { kind: 'http' });
    // Act
    const onLambda = await invokeLambda(fn, aws.apiGatewayV1({ method: 'POST', path: '/x' }));
    const elsewhere = await invoke(fn, httpRequest({ method: 'POST', path: '/x' }));
    // Assert
    expect(onLambda).toMatchObject({ statusCode: 400, body: 'Unsupported method' });
    expect(elsewhere).toMatchObject({ status: 400, text: 'Unsupported method' });
  });

  it('answers 502 for a statusCode string that is not an HTTP status', async () => {
    for (const statusCode of ['600', '099', 'OK', '', '200 ', '2e2']) {
      const fn = fromLambda(async () => ({ statusCode, body: 'secret-ish text' }), { kind: 'http' });
      const res = await invoke(fn, httpRequest());
      const onLambda = await invokeLambda(fn, v2());
      expect(res.status).toBe(502);
      expect(onLambda).toMatchObject({ statusCode: 502 });
      expect(JSON.stringify([res.body, onLambda])).not.toContain('secret-ish');
    }
  });

  it('answers 502 for a body that is not a string, as API Gateway and load balancers refuse it, on and off Lambda', async () => {
    // Prepare: an object or number body with a statusCode is malformed for REST, HTTP API and ALB alike
    const sources = ['apigw-v1', 'apigw-v2', 'alb'] as const;
    const events = {
      'apigw-v1': () => aws.apiGatewayV1({ method: 'GET', path: '/x' }),
      'apigw-v2': v2,
      alb: () => fixture('alb/powertools-ts__base.json'),
    };
    for (const body of [{ id: 7 }, 42, [1], true]) {
      for (const source of sources) {
        const fn = fromLambda(async () => ({ statusCode: 200, body }), { kind: 'http', source });
        // Act
        const onLambda = (await invokeLambda(fn, events[source]())) as { statusCode: number; body: string };
        const elsewhere = await invoke(fn, httpRequest());
        // Assert
        expect(onLambda.statusCode).toBe(502);
        expect(JSON.parse(onLambda.body)).toMatchObject({ status: 502, title: 'Bad Gateway' });
        expect(elsewhere.status).toBe(502);
      }
      expect(() => httpResultToResponse({ statusCode: 200, body })).toThrow(
        expect.objectContaining({ status: 502, code: 'BAD_LAMBDA_RESULT' }),
      );
    }
    // A body of null or none is an empty body, as before.
    const empty = fromLambda(async () => ({ statusCode: 204, body: null }), { kind: 'http' });
    expect(await invoke(empty, httpRequest())).toMatchObject({ status: 204 });
    expect(httpResultToResponse({ statusCode: 200 }).body).toBeUndefined();
  });

  it('reads a result without statusCode as HTTP API payload 2.0 does: 200, application/json, the result as body', async () => {
    // Prepare
    const results: [unknown, string][] = [
      ['hello', 'hello'],
      ['', ''],
      [{ status: 404, body: 'x' }, '{"status":404,"body":"x"}'],
      [{ body: 'only a body' }, '{"body":"only a body"}'],
      [[1, 2], '[1,2]'],
      [42, '42'],
      [null, 'null'],
      [undefined, 'null'],
    ];
    for (const [result, body] of results) {
      const fn = fromLambda(async () => result, { kind: 'http' });
      // Act
      const onLambda = await invokeLambda(fn, v2());
      const elsewhere = await invoke(fn, httpRequest());
      // Assert
      expect(onLambda).toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body,
        isBase64Encoded: false,
      });
      expect(elsewhere.status).toBe(200);
      expect(elsewhere.headers['content-type']).toBe('application/json');
      expect(elsewhere.text ?? '').toBe(body);
    }
  });

  it('answers 502 for a result without statusCode from a REST API, payload 1.0 or load balancer event, as those do', async () => {
    // Prepare
    const fn = fromLambda(async () => ({ body: 'no status' }), { kind: 'http' });
    const events = [
      fixture('apigw-rest/powertools-ts__no-auth.json'),
      fixture('apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json'),
      fixture('alb/powertools-ts__base.json'),
    ];

    // Act
    const results = [];
    for (const event of events) results.push((await invokeLambda(fn, event)) as { statusCode: number; body: string });

    // Assert
    expect(results.map((r) => r.statusCode)).toEqual([502, 502, 502]);
    expect(JSON.parse(results[0]?.body ?? '{}')).toMatchObject({ status: 502, title: 'Bad Gateway' });
  });
});
