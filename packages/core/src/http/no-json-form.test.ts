/**
 * A handler's answer that JSON has no text for (a function, a symbol, an object whose `toJSON`
 * gives nothing) is a logged 500, not a JSON answer with no content; so is a cookie that is a
 * function or a symbol. An `undefined` in a list of cookies is no cookie.
 */
import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { createMiddleware } from '../middleware/create.js';
import type { HttpResponse } from '../types.js';

/** A function answering 'ok' behind a middleware that edits the answer with `edit` (past the types). */
const editedBy = (edit: (res: HttpResponse) => Record<string, unknown>) =>
  http()
    .use(
      createMiddleware({
        name: 'session',
        kinds: ['http'],
        handle: async (_req, _ctx, next) => edit(await next()) as never,
      }),
    )
    .handle(() => 'ok');

/** An http function answering `value` as it is (past the types, as plain JavaScript may). */
const answering = (value: unknown) => http().handle(() => value as never);

describe('an answer with no JSON form', () => {
  it.each([
    ['a function', () => 'saved'],
    ['a symbol', Symbol('saved')],
    ['a function as the body of a response init', { status: 201, body: () => 'saved' }],
    ['an object whose toJSON() gives nothing, as a body', { status: 201, body: { toJSON: () => undefined } }],
  ])('%s is a logged 500', async (_name, value) => {
    const logs = collectLogs();
    try {
      const res = await invoke(answering(value), httpRequest());
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(logs.find((line) => line.level === 'error' || line.level === 50)).toHaveLength(1);
      expect(logs.text()).toContain('no JSON form');
    } finally {
      logs.restore();
    }
  });

  it('still answers null as JSON null and a body-less init as no content', async () => {
    expect((await invoke(answering(null), httpRequest())).body).toBeNull();
    const res = await invoke(answering({ status: 201 }), httpRequest());
    expect(res.status).toBe(201);
    expect(res.text).toBeUndefined();
  });
});

describe('cookies', () => {
  it.each([
    ['a function', () => 'a=1'],
    ['a symbol', Symbol('a=1')],
  ])('a cookie that is %s is a logged 500', async (_name, cookie) => {
    const logs = collectLogs();
    try {
      const res = await invoke(answering({ status: 200, cookies: [cookie], body: 'ok' }), httpRequest());
      expect(res.status).toBe(500);
      expect(res.cookies).toEqual([]);
      expect(logs.text()).toContain('a cookie must be a string or a cookie object');
    } finally {
      logs.restore();
    }
  });

  it('leaves out an undefined or null entry of a list', async () => {
    const res = await invoke(
      answering({ status: 200, cookies: ['a=1', undefined, null, { name: 'b', value: '2' }], body: 'ok' }),
      httpRequest(),
    );
    expect(res.status).toBe(200);
    expect(res.cookies).toEqual(['a=1', 'b=2']);
  });

  it('leaves out an undefined or null cookie of a set-cookie header, and of a middleware answer', async () => {
    const handler = answering({ status: 200, headers: { 'set-cookie': ['a=1', undefined, null] }, body: 'ok' });
    expect((await invoke(handler, httpRequest())).cookies).toEqual(['a=1']);

    const res = await invoke(
      editedBy((res) => ({
        ...res,
        cookies: [{ name: 'b', value: '2' }, undefined, null],
        headers: { ...res.headers, 'set-cookie': ['c=3', undefined] },
      })),
      httpRequest(),
    );
    expect(res.status).toBe(200);
    expect(res.cookies).toEqual(['b=2', 'c=3']);
  });

  it("answers a logged 500 for a function in a set-cookie header, a handler's or a middleware's", async () => {
    const handler = answering({ status: 200, headers: { 'set-cookie': [() => 'a=1'] }, body: 'ok' });
    expect((await invoke(handler, httpRequest())).status).toBe(500);
    const res = await invoke(
      editedBy((res) => ({ ...res, headers: { ...res.headers, 'set-cookie': [() => 'a=1'] } })),
      httpRequest(),
    );
    expect(res.status).toBe(500);
    expect(res.cookies).toEqual([]);
  });

  it('takes a Set of cookies in a set-cookie header, and answers a logged 500 for a number', async () => {
    const set = answering({ status: 200, headers: { 'set-cookie': new Set(['a=1', 'b=2']) }, body: 'ok' });
    expect((await invoke(set, httpRequest())).cookies).toEqual(['a=1', 'b=2']);
    const number = answering({ status: 200, headers: { 'set-cookie': 5 }, body: 'ok' });
    expect((await invoke(number, httpRequest())).status).toBe(500);
    const listed = answering({ status: 200, cookies: [5], body: 'ok' });
    expect((await invoke(listed, httpRequest())).status).toBe(500);
  });
});
