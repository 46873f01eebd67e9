/**
 * docs/concepts.md, "Events" and "HTTP bodies": the fields of the portable events, lazy parsing,
 * the bodies table and the statuses of a body schema.
 */
import {
  createChangeEvent,
  createCloudEvent,
  createHttpRequest,
  createMessage,
  createScheduleTick,
  createStorageEvent,
  createStreamRecord,
  type HttpRequest,
  http,
} from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const raw = { from: 'the cloud' };

describe('HttpRequest', () => {
  it('has the fields of the page', async () => {
    let seen: HttpRequest | undefined;
    const fn = http({ method: 'POST', path: '/files/:name' }).handle((req) => {
      seen = req;
      return null;
    });
    const body = '{"a":1}';
    await invoke(fn, {
      method: 'post',
      path: '/files/caf%C3%A9',
      headers: {
        'Content-Type': 'application/json',
        'X-Tag': ['a', 'b'],
        Cookie: 'sid=abc; theme=dark',
        Host: 'shop.example',
      },
      query: 'q=1&q=2&r=3',
      body,
      ip: '203.0.113.7',
      raw,
    });
    const req = seen as HttpRequest;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/files/café');
    expect(req.url).toBe('https://shop.example/files/caf%C3%A9?q=1&q=2&r=3');
    expect(req.headers['x-tag']).toBe('a, b');
    expect(req.header('X-TAG')).toBe('a, b');
    expect(req.query).toEqual({ q: '1', r: '3' });
    expect(req.queryAll.getAll('q')).toEqual(['1', '2']);
    expect(req.params).toEqual({ name: 'café' });
    expect(req.cookies).toEqual({ sid: 'abc', theme: 'dark' });
    expect(req.body).toEqual({ a: 1 });
    expect(new TextDecoder().decode(req.rawBody)).toBe(body);
    expect(req.ip).toBe('203.0.113.7');
    expect(req.route).toBe('/files/:name');
    expect(req.raw).toBe(raw);
    const web = req.toWebRequest();
    expect(web).toBeInstanceOf(Request);
    expect(await web.text()).toBe(body);
  });

  it('is read-only', () => {
    const req = createHttpRequest({ method: 'GET', path: '/' });
    const attempt = () => {
      // @ts-expect-error: every field of a portable event is read-only
      req.method = 'POST';
    };
    expect(typeof attempt).toBe('function');
  });

  it('reports a malformed path when it is read: 400', async () => {
    const ignores = http({ method: 'GET' }).handle(() => 'fine');
    const reads = http({ method: 'GET' }).handle((req) => req.path);
    const param = http({ method: 'GET', path: '/files/:name' }).handle(() => 'never');
    const bad = { method: 'GET', path: '/files/%E0%A4%A' };
    expect((await invoke(ignores, bad)).status).toBe(200);
    expect((await invoke(reads, bad)).status).toBe(400);
    expect((await invoke(param, bad)).status).toBe(400);
  });

  it('reports malformed JSON when the body is read: 400', async () => {
    const ignores = http({ method: 'POST' }).handle(() => 'fine');
    const reads = http({ method: 'POST' }).handle((req) => req.body as string);
    const bad = { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: '{' };
    expect((await invoke(ignores, bad)).status).toBe(200);
    const res = await invoke(reads, bad);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ title: 'Bad Request', detail: 'the request body is not valid JSON' });
  });
});

describe('the other events', () => {
  it('Message: id, body, rawBody, attributes, attempt, publishedAt, source, groupId / orderingKey', () => {
    const msg = createMessage({
      id: 'm1',
      data: '{"a":1}',
      attributes: { k: 'v' },
      attempt: 2,
      publishedAt: '2026-01-01T00:00:00Z',
      source: 'orders',
      groupId: 'g',
      orderingKey: 'o',
      raw,
    });
    expect(msg).toMatchObject({ id: 'm1', body: { a: 1 }, attributes: { k: 'v' }, attempt: 2, source: 'orders' });
    expect([msg.groupId, msg.orderingKey, msg.raw]).toEqual(['g', 'o', raw]);
    expect(new TextDecoder().decode(msg.rawBody)).toBe('{"a":1}');
    expect(msg.publishedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(createMessage({ id: 'm2', data: 'plain', source: 'q' })).toMatchObject({ body: 'plain', attempt: 1 });
  });

  it('StreamRecord, StorageEvent, ScheduleTick, ChangeEvent, CloudEvent', () => {
    const record = createStreamRecord({ sequence: '9', partitionKey: 'p', data: '{"t":1}', source: 'clicks' });
    expect(record).toMatchObject({ id: '9', sequence: '9', partitionKey: 'p', body: { t: 1 }, source: 'clicks' });
    expect(record.publishedAt).toBeInstanceOf(Date);
    const object = createStorageEvent({ type: 'created', bucket: 'b', key: 'k', size: '10', etag: '"e"' });
    expect(object).toMatchObject({ type: 'created', bucket: 'b', key: 'k', size: 10, etag: 'e' });
    expect(object.time).toBeInstanceOf(Date);
    expect(createScheduleTick({ name: 'nightly', isPastDue: true })).toMatchObject({
      name: 'nightly',
      isPastDue: true,
    });
    const change = createChangeEvent({
      op: 'update',
      collection: 'c',
      key: { id: 1 },
      before: { n: 1 },
      after: { n: 2 },
    });
    expect(change).toMatchObject({ op: 'update', collection: 'c', key: { id: 1 }, before: { n: 1 }, after: { n: 2 } });
    const cloud = createCloudEvent({ id: '1', source: '/s', type: 't', subject: 'x', data: 1, extensions: { e: 1 } });
    expect(cloud).toMatchObject({ id: '1', source: '/s', type: 't', specversion: '1.0', subject: 'x', data: 1 });
    expect(cloud.extensions).toEqual({ e: 1 });
    expect(Object.keys(cloud)).toEqual(expect.arrayContaining(['time', 'datacontenttype', 'extensions', 'raw']));
  });
});

describe('HTTP bodies', () => {
  const body = http({ method: 'POST' }).handle((req) => ({
    kind: req.body instanceof Uint8Array ? 'bytes' : req.body === undefined ? 'undefined' : typeof req.body,
    value: req.body instanceof Uint8Array ? Array.from(req.body) : req.body,
  }));
  const post = (contentType: string | undefined, text: string | undefined) =>
    invoke(body, {
      method: 'POST',
      path: '/',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: text,
    });

  it('parses by content type', async () => {
    expect((await post('application/json', '{"a":1}')).body).toEqual({ kind: 'object', value: { a: 1 } });
    expect((await post('application/vnd.api+json', '[1]')).body).toEqual({ kind: 'object', value: [1] });
    expect((await post('application/x-www-form-urlencoded', 'a=1&a=2&b=3')).body).toEqual({
      kind: 'object',
      value: { a: '1', b: '3' },
    });
    expect((await post('text/csv', 'a,b')).body).toEqual({ kind: 'string', value: 'a,b' });
    expect((await post('image/png', 'AB')).body).toEqual({ kind: 'bytes', value: [65, 66] });
    expect((await post('application/json', undefined)).body).toEqual({ kind: 'undefined' });
  });

  describe('with a body schema', () => {
    const fn = http({ method: 'POST', body: z.object({ qty: z.number() }) }).handle((req) => req.body);
    const send = (headers: Record<string, string>, text: string) =>
      invoke(fn, { method: 'POST', path: '/', headers, body: text });

    it('415 for a body that is not JSON or a form, 400 for malformed JSON, 422 for a schema failure', async () => {
      expect((await send({ 'content-type': 'text/plain' }, '{"qty":1}')).status).toBe(415);
      expect((await send({ 'content-type': 'application/json' }, '{')).status).toBe(400);
      expect((await send({ 'content-type': 'application/json' }, '{"qty":"1"}')).status).toBe(422);
      expect((await send({ 'content-type': 'application/x-www-form-urlencoded' }, 'qty=1')).status).toBe(422);
    });

    it('reads a request without a content type as JSON', async () => {
      const res = await send({}, '{"qty":1}');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ qty: 1 });
    });

    it('validates before the handler runs', async () => {
      let runs = 0;
      const counted = http({ method: 'POST', body: z.object({ qty: z.number() }) }).handle(() => {
        runs++;
      });
      await invoke(counted, httpRequest({ method: 'POST', body: { qty: 'x' } }));
      expect(runs).toBe(0);
    });
  });

  it('413 over the limit: 6 MB by default, http({ bodyLimit }) to change it', async () => {
    const open = http({ method: 'POST' }).handle(() => 'ok');
    const small = http({ method: 'POST', bodyLimit: 10 }).handle(() => 'ok');
    const sixMb = 6 * 1024 * 1024;
    expect((await invoke(open, { method: 'POST', path: '/', body: new Uint8Array(sixMb) })).status).toBe(200);
    expect((await invoke(open, { method: 'POST', path: '/', body: new Uint8Array(sixMb + 1) })).status).toBe(413);
    expect((await invoke(small, { method: 'POST', path: '/', body: 'x'.repeat(11) })).status).toBe(413);
  });
});
