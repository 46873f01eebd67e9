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
});
