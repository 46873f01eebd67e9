import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changes, events, http, queue } from './builders.js';
import { createContext } from './context.js';
import { SkyportError } from './errors.js';
import { createChangeEvent, createCloudEvent, createMessage } from './events.js';
import { runHttp } from './run.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { MAX_ISSUES, validate } from './validate.js';

const ctx = (kind: 'http' | 'queue' | 'events' | 'changes' = 'http') =>
  createContext({ cloud: 'node', kind, requestId: 'r', functionName: 'f' });

const json = { 'content-type': 'application/json' };

/** A JSON array of `n` zeros: each fails `z.array(z.string())` once. */
const zeros = (n: number) => `[${new Array(n).fill('0').join(',')}]`;

interface Problem {
  detail: string;
  code: string;
  errors: { path: string; message: string }[];
  errorCount?: number;
}

const problemOf = (body: unknown) => JSON.parse(String(body)) as Problem;

/** A schema that fails asynchronously with `n` issues at `field.i`. */
const asyncFailing = (n: number, field: string): StandardSchemaV1 => ({
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async () => ({
      issues: Array.from({ length: n }, (_, i) => ({ message: 'wrong', path: [field, i] })),
    }),
  },
});

describe('the issues a validation error lists', () => {
  it('lists the first 100 issues of a 422 and gives the total in errorCount', async () => {
    // Prepare
    const fn = http({ method: 'POST', body: z.array(z.string()) }).handle(() => 'ok');

    // Act
    const res = await runHttp(fn, { method: 'POST', path: '/', headers: json, body: zeros(10_000) }, ctx());

    // Assert
    expect(res.status).toBe(422);
    const problem = problemOf(res.body);
    expect(problem.errors).toHaveLength(MAX_ISSUES);
    expect(MAX_ISSUES).toBe(100);
    expect(problem.errors[0]?.path).toBe('body.0');
    expect(problem.errors[99]?.path).toBe('body.99');
    expect(problem.errorCount).toBe(10_000);
    expect(problem.code).toBe('VALIDATION');
    expect(problem.detail).toBe('invalid request body (10000 issues, the first 100 listed)');
    expect(String(res.body).length).toBeLessThan(20_000);
  });

  it('answers a million wrong items with a 422 of a few kilobytes', async () => {
    const fn = http({ method: 'POST', body: z.array(z.string()) }).handle(() => 'ok');

    const res = await runHttp(fn, { method: 'POST', path: '/', headers: json, body: zeros(1_000_000) }, ctx());

    expect(res.status).toBe(422);
    expect(String(res.body).length).toBeLessThan(20_000);
    expect(problemOf(res.body).errorCount).toBe(1_000_000);
  });

  it('keeps the 422 as it was when every issue is listed', async () => {
    const fn = http({ method: 'POST', body: z.array(z.string()) }).handle(() => 'ok');

    const res = await runHttp(fn, { method: 'POST', path: '/', headers: json, body: zeros(MAX_ISSUES) }, ctx());

    const problem = problemOf(res.body);
    expect(problem.errors).toHaveLength(MAX_ISSUES);
    expect(problem.detail).toBe('invalid request body');
    expect(problem).not.toHaveProperty('errorCount');
  });

  it('caps the issues of every request part together', async () => {
    const fn = http({
      method: 'POST',
      query: z.object({ page: z.coerce.number() }),
      body: z.array(z.string()),
    }).handle(() => 'ok');

    const res = await runHttp(fn, { method: 'POST', path: '/?page=x', headers: json, body: zeros(500) }, ctx());

    const problem = problemOf(res.body);
    expect(problem.errors).toHaveLength(MAX_ISSUES);
    expect(problem.errors[0]?.path).toBe('query.page');
    expect(problem.errors[1]?.path).toBe('body.0');
    expect(problem.errorCount).toBe(501);
    expect(problem.detail).toBe('invalid request query, body (501 issues, the first 100 listed)');
  });

  it('caps the issues of schemas that answer asynchronously', async () => {
    const alone = http({ method: 'POST', body: asyncFailing(300, 'items') }).handle(() => 'ok');
    const together = http({ method: 'POST', query: asyncFailing(80, 'q'), body: asyncFailing(80, 'b') }).handle(
      () => 'ok',
    );

    const one = problemOf((await runHttp(alone, { method: 'POST', path: '/', headers: json, body: '{}' }, ctx())).body);
    const two = problemOf(
      (await runHttp(together, { method: 'POST', path: '/', headers: json, body: '{}' }, ctx())).body,
    );

    expect(one.errors).toHaveLength(MAX_ISSUES);
    expect(one.errorCount).toBe(300);
    expect(two.errors).toHaveLength(MAX_ISSUES);
    expect(two.errorCount).toBe(160);
  });

  it('caps the issues validate() throws with, and says how many there were', () => {
    let caught: unknown;
    try {
      validate(z.array(z.string()), new Array(1000).fill(0), 'body');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(SkyportError);
    const error = caught as SkyportError;
    expect(error.code).toBe('VALIDATION');
    expect(error.errors).toHaveLength(MAX_ISSUES);
    expect(error.message).toBe('invalid body (1000 issues, the first 100 listed)');
    expect(error.errorCount).toBe(1000);
  });

  it('gives the total in errorCount when a handler answers with what validate() threw', async () => {
    const fn = http({ method: 'POST' }).handle((req) => validate(z.array(z.string()), req.body, 'body'));

    const res = await runHttp(fn, { method: 'POST', path: '/', headers: json, body: zeros(1000) }, ctx());
    const few = await runHttp(fn, { method: 'POST', path: '/', headers: json, body: zeros(3) }, ctx());

    expect(res.status).toBe(422);
    const problem = problemOf(res.body);
    expect(problem.errors).toHaveLength(MAX_ISSUES);
    expect(problem.errorCount).toBe(1000);
    expect(problem.detail).toBe('invalid body (1000 issues, the first 100 listed)');
    expect(problemOf(few.body)).not.toHaveProperty('errorCount');
  });

  it('caps the issues of a message body that fails its schema', async () => {
    const fn = queue({ name: 'q', body: z.array(z.string()) }).handle(() => {});
    const message = createMessage({ id: '1', data: zeros(5000), source: 'q' });

    const error = await fn.dispatch(message, ctx('queue')).then(
      () => undefined,
      (caught: unknown) => caught as SkyportError,
    );

    expect(error?.code).toBe('VALIDATION');
    expect(error?.errors).toHaveLength(MAX_ISSUES);
    expect(error?.message).toBe('invalid body (5000 issues, the first 100 listed)');
  });

  it('caps the issues of CloudEvent data and of a change that fail their schemas', async () => {
    const onEvent = events({ data: z.array(z.string()) }).handle(() => {});
    const onChange = changes({ collection: 'c', item: z.object({ tags: z.array(z.string()) }) }).handle(() => {});
    const data = new Array(1000).fill(0);

    const eventError = await onEvent
      .dispatch(createCloudEvent({ id: '1', source: 's', type: 't', data }), ctx('events'))
      .then(
        () => undefined,
        (caught: unknown) => caught as SkyportError,
      );
    const changeError = await onChange
      .dispatch(createChangeEvent({ op: 'insert', collection: 'c', key: {}, after: { tags: data } }), ctx('changes'))
      .then(
        () => undefined,
        (caught: unknown) => caught as SkyportError,
      );

    expect(eventError?.errors).toHaveLength(MAX_ISSUES);
    expect(changeError?.errors).toHaveLength(MAX_ISSUES);
    expect(changeError?.errors?.[0]?.path).toBe('after.tags.0');
  });

  it('lists the issues of both images of a change that fail, before and after', async () => {
    const onChange = changes({ collection: 'c', item: z.object({ n: z.number() }) }).handle(() => {});
    const update = createChangeEvent({ op: 'update', collection: 'c', key: {}, before: { n: 'x' }, after: { n: 'y' } });

    const error = await onChange.dispatch(update, ctx('changes')).then(
      () => undefined,
      (caught: unknown) => caught as SkyportError,
    );

    expect(error?.code).toBe('VALIDATION');
    expect(error?.errors?.map((issue) => issue.path)).toEqual(['before.n', 'after.n']);
    expect(error?.message).toBe('invalid before, after');
  });

  it('fails a change whose schema throws on one image and rejects on the other, leaving no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const Item: StandardSchemaV1<unknown, unknown> = {
        '~standard': {
          version: 1,
          vendor: 'hand-made',
          validate: (value) => {
            if ((value as { broken?: boolean }).broken) throw new Error('cannot read row');
            return Promise.reject(new Error('lookup failed'));
          },
        },
      };
      const onChange = changes({ collection: 'c', item: Item }).handle(() => {});
      const update = createChangeEvent({
        op: 'update',
        collection: 'c',
        key: {},
        before: { missing: true },
        after: { broken: true },
      });
      const error = await onChange.dispatch(update, ctx('changes')).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toMatch(/lookup failed|cannot read row/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('takes a change with no image (null, as a hand-made delete has it) as nothing to check', async () => {
    const seen: unknown[] = [];
    const onChange = changes({ collection: 'c', item: z.object({ n: z.number() }) }).handle((change) => {
      seen.push([change.op, change.before, change.after]);
    });
    const deleted = createChangeEvent({
      op: 'delete',
      collection: 'c',
      key: { id: '1' },
      before: null as unknown as undefined,
      after: null as unknown as undefined,
    });
    await onChange.dispatch(deleted, ctx('changes'));
    expect(seen).toEqual([['delete', undefined, undefined]]);
  });
});

describe('a schema whose validate answers with a promise of another realm or library', () => {
  /** A schema answering with `answer(value)`: a promise of another realm, a thenable, or no result at all. */
  const answering = (answer: (value: unknown) => unknown): StandardSchemaV1 => ({
    '~standard': { version: 1, vendor: 'test', validate: answer as StandardSchemaV1.Props['validate'] },
  });
  const OtherPromise = runInNewContext('Promise') as PromiseConstructor;
  const rejecting = (value: unknown) =>
    typeof value === 'object' && value !== null && 'qty' in value
      ? { value: { qty: Number(value.qty) } }
      : { issues: [{ message: 'qty is required', path: ['qty'] }] };
  const otherRealm = answering((value) => OtherPromise.resolve(rejecting(value)));
  const thenable = answering((value) => ({
    // biome-ignore lint/suspicious/noThenProperty: a promise of a library that is not a native promise.
    then: (resolve: (result: unknown) => void) => resolve(rejecting(value)),
  }));
  const post = (body: unknown, query = '') => ({
    method: 'POST',
    path: '/',
    query,
    headers: json,
    body: JSON.stringify(body),
  });

  it('answers 422 to a body that fails it, and hands a body that passes to the handler validated', async () => {
    const seen: unknown[] = [];
    for (const schema of [otherRealm, thenable]) {
      // Prepare: the body schema alone (its own path), and beside a query schema (every part checked).
      const bodyOnly = http({ method: 'POST', body: schema }).handle((req) => {
        seen.push(req.body);
        return 'ok';
      });
      const withQuery = http({ method: 'POST', query: z.object({ page: z.string() }), body: schema }).handle((req) => {
        seen.push(req.body);
        return 'ok';
      });

      // Act
      const failed = await runHttp(bodyOnly, post({}), ctx());
      const failedBeside = await runHttp(withQuery, post({}, 'page=1'), ctx());
      const passed = await runHttp(bodyOnly, post({ qty: '2' }), ctx());

      // Assert
      expect([failed.status, problemOf(failed.body).errors]).toEqual([
        422,
        [{ path: 'body.qty', message: 'qty is required' }],
      ]);
      expect([failedBeside.status, problemOf(failedBeside.body).errors]).toEqual([
        422,
        [{ path: 'body.qty', message: 'qty is required' }],
      ]);
      expect(passed.status).toBe(200);
    }
    expect(seen).toEqual([{ qty: 2 }, { qty: 2 }]);
  });

  it('fails a message, a CloudEvent and a change that fail it, and validate() throws', async () => {
    for (const schema of [otherRealm, thenable]) {
      const handled: unknown[] = [];
      const onMessage = queue({ name: 'q', body: schema }).handle((message) => {
        handled.push(message.body);
      });
      const onEvent = events({ data: schema }).handle(() => {
        handled.push('event');
      });
      const onChange = changes({ collection: 'c', item: schema }).handle(() => {
        handled.push('change');
      });

      const results = await Promise.allSettled([
        onMessage.dispatch(createMessage({ id: '1', data: '{}', source: 'q' }), ctx('queue')),
        onEvent.dispatch(createCloudEvent({ id: '1', source: 's', type: 't', data: {} }), ctx('events')),
        onChange.dispatch(createChangeEvent({ op: 'insert', collection: 'c', key: {}, after: {} }), ctx('changes')),
        validate(schema, {}, 'body'),
      ]);
      const passed = await onMessage.dispatch(
        createMessage({ id: '2', data: '{"qty":"3"}', source: 'q' }),
        ctx('queue'),
      );

      expect(results.map((result) => result.status === 'rejected' && (result.reason as SkyportError).code)).toEqual([
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
      ]);
      expect([passed, handled]).toEqual([undefined, [{ qty: 3 }]]);
    }
  });

  it('lets nothing through a schema whose validate answers neither issues nor a value', async () => {
    // Prepare: a synchronous answer without either, and a promise of one.
    const results = [answering(() => ({})), answering(() => undefined), answering(async () => ({ issues: undefined }))];
    let ran = 0;

    for (const schema of results) {
      const fn = http({ method: 'POST', body: schema }).handle(() => {
        ran++;
        return 'ok';
      });
      const onMessage = queue({ name: 'q', body: schema }).handle(() => {
        ran++;
      });

      // Act
      const res = await runHttp(fn, post({ qty: 1 }), ctx());
      const message = onMessage.dispatch(createMessage({ id: '1', data: '{}', source: 'q' }), ctx('queue'));

      // Assert
      expect(res.status).toBe(500);
      await expect(message).rejects.toMatchObject({ code: 'INVALID_DEFINITION' });
    }
    expect(ran).toBe(0);
    // A success whose value is undefined is a result like any other.
    expect(
      validate(
        answering(() => ({ value: undefined })),
        'x',
        'body',
      ),
    ).toBeUndefined();
  });
});
