import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { HttpError, Unauthorized } from '../errors.js';
import { setLogDestination } from '../log.js';
import { cors } from '../middleware/cors.js';
import { createMiddleware } from '../middleware/create.js';
import { router } from '../router.js';
import { respond, runHttp } from '../run.js';
import type { HttpRequest, HttpResponse, SkyportFunction } from '../types.js';
import { createHttpRequest, type HttpRequestInit, type RequestImpl } from './request.js';

const ctx = () =>
  createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test', coldStart: false });

async function call(fn: SkyportFunction<'http'>, init: Partial<HttpRequestInit>) {
  const response = await runHttp(fn, { method: 'GET', path: '/', ...init }, ctx());
  const text = typeof response.body === 'string' ? response.body : undefined;
  const json = response.headers['content-type']?.includes('json') && text ? JSON.parse(text) : undefined;
  return { ...response, json };
}

function echo() {
  let seen: HttpRequest | undefined;
  const fn = http().handle((req) => {
    seen = req;
    return { body: req.body };
  });
  return { fn, seen: () => seen as HttpRequest };
}

describe('the portable request', () => {
  it('lower-cases header names, joins repeats, and reads them case-insensitively', () => {
    const req = createHttpRequest({
      method: 'get',
      path: '/a%20b',
      headers: { 'X-Trace': 'one', 'x-trace': ['two', 'three'], Cookie: ['a=1', 'b=2'], Empty: undefined },
      query: 'tag=x&tag=y&page=2',
    });

    expect(req.method).toBe('GET');
    expect(req.path).toBe('/a b');
    expect(req.headers).toEqual({ 'x-trace': 'one, two, three', cookie: 'a=1; b=2' });
    expect(req.header('X-TRACE')).toBe('one, two, three');
    expect(req.cookies).toEqual({ a: '1', b: '2' });
    expect(req.query).toEqual({ tag: 'x', page: '2' });
    expect(req.queryAll.getAll('tag')).toEqual(['x', 'y']);
  });

  it('splits a query off the path before decoding it, keeps an encoded ? in the path, and decodes on first read', () => {
    const req = createHttpRequest({ method: 'GET', path: '/files/a%20b%3Fc?v=1%262' });
    expect(req.path).toBe('/files/a b?c');
    expect(req.query).toEqual({ v: '1&2' });
    expect(createHttpRequest({ method: 'GET', path: '/plain?x=%25' }).path).toBe('/plain');
    expect(createHttpRequest({ method: 'GET', path: '?only=query' }).path).toBe('/');
    const bad = createHttpRequest({ method: 'GET', path: '/bad%zz?x=1' });
    expect(bad.query).toEqual({ x: '1' });
    expect(() => bad.path).toThrow('percent-encoding');
  });

  it('reads header and query values of the wrong type in hand-made events as text, or leaves them out', () => {
    const req = createHttpRequest({
      method: 'GET',
      path: '/',
      headers: { 'X-N': 5, 'X-List': ['a', 7, null], 'X-Obj': { a: 1 }, 'X-Flag': true } as never,
      query: { n: 5, list: ['a', 2, { b: 1 }], obj: { a: 1 } } as never,
    });
    expect(req.headers).toEqual({ 'x-n': '5', 'x-list': 'a, 7', 'x-flag': 'true' });
    expect(req.queryAll.getAll('list')).toEqual(['a', '2']);
    expect(req.query).toEqual({ n: '5', list: 'a' });
  });

  it('takes query maps with arrays and platform cookies', () => {
    const req = createHttpRequest({
      method: 'GET',
      path: '/',
      query: { a: ['1', '2'], b: '3', c: null },
      cookies: ['session=abc', 'theme=dark%20blue'],
      headers: { host: 'api.example', 'x-forwarded-proto': 'http' },
    });

    expect(req.query).toEqual({ a: '1', b: '3' });
    expect(req.cookies).toEqual({ session: 'abc', theme: 'dark blue' });
    expect(req.url).toBe('http://api.example/?a=1&a=2&b=3');
  });

  it('builds the url from forwarded headers a client may have made up without failing the request', async () => {
    const url = (headers: Record<string, string>) => createHttpRequest({ method: 'GET', path: '/w', headers }).url;
    expect(url({ host: 'app.example', 'x-forwarded-proto': 'javascript' })).toBe('https://app.example/w');
    expect(url({ host: 'app.example', 'x-forwarded-proto': 'a b' })).toBe('https://app.example/w');
    expect(url({ host: 'app.example', 'x-forwarded-proto': 'HTTP, https' })).toBe('http://app.example/w');
    const fn = http().handle((req) => req.toWebRequest().url);
    const bad = await runHttp(fn, { method: 'GET', path: '/w', headers: { host: 'a b' } }, ctx());
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body as string)).toMatchObject({ code: 'BAD_URL' });
  });

  it('decodes a text body by the charset its content type names, UTF-8 when none or an unknown one', async () => {
    // Prepare: "café" in ISO-8859-1 (é is one byte, 0xE9), in UTF-8, and in UTF-16LE
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    const utf8 = new TextEncoder().encode('café');
    const utf16 = new Uint8Array([0x63, 0, 0x61, 0, 0x66, 0, 0xe9, 0]);
    const { fn, seen } = echo();
    const send = (type: string, body: Uint8Array) =>
      call(fn, { method: 'POST', headers: { 'content-type': type }, body }).then(() => seen().body);

    // Act
    const bodies = [
      await send('text/plain; charset=ISO-8859-1', latin1),
      await send('text/plain; charset="windows-1252"', latin1),
      await send('text/plain', utf8),
      await send('text/plain; charset=utf-16le', utf16),
      await send('text/plain; charset=no-such-charset', utf8),
      await send('application/x-www-form-urlencoded; charset=iso-8859-1', new Uint8Array([0x6e, 0x3d, 0xe9])),
    ];

    // Assert
    expect(bodies).toEqual(['café', 'café', 'café', 'café', 'café', { n: 'é' }]);
  });

  it("binds a single function's parameters after a platform prefix, and answers 404 where the route cannot bind them", async () => {
    // Prepare
    const user = http({ method: 'GET', path: '/users/:id' }).handle((req) => ({ id: req.params.id }));
    const file = http({ method: 'GET', path: '/files/*' }).handle((req) => ({ rest: req.params['*'] }));

    // Act
    const plain = await call(user, { path: '/users/7' });
    const staged = await call(user, { path: '/prod/users/7/' });
    const missing = await call(user, { path: '/users' });
    const elsewhere = await call(user, { path: '/accounts/7/settings' });
    const platformParams = await call(user, { path: '/people/7', params: { id: '7' } });
    // The platform bound `id` from a decoded `/`: its value stands, however the path reads.
    const platformBound = await call(user, { path: '/users/a/users/2', params: { id: 'a/users/2' } });
    const tail = await call(file, { path: '/api/files/a/b%20c' });
    // Azure matches `{*rest}` without regard to case, and names the catch-all its own way.
    const catchAll = await call(file, { path: '/api/Files/a/b', params: { rest: 'a/b' } });
    const unbound = await call(file, { path: '/elsewhere' });

    // Assert
    expect([plain.status, plain.json]).toEqual([200, { id: '7' }]);
    expect([staged.status, staged.json]).toEqual([200, { id: '7' }]);
    expect([missing.status, missing.json]).toMatchObject([404, { status: 404, detail: 'no route for GET /users' }]);
    expect(elsewhere.status).toBe(404);
    expect([platformParams.status, platformParams.json]).toEqual([200, { id: '7' }]);
    expect([tail.status, tail.json]).toEqual([200, { rest: 'a/b c' }]);
    expect([platformBound.status, platformBound.json]).toEqual([200, { id: 'a/users/2' }]);
    expect(catchAll.status).toBe(200);
    expect(unbound.status).toBe(404);
  });

  it('answers 500 for a response header no platform sends alike (CR/LF, other controls, non-ASCII, a bad name)', async () => {
    // Prepare
    const answer = (headers: Record<string, string>, cookies: string[] = []) =>
      call(
        http().handle(() => ({ status: 302, headers, cookies })),
        {},
      );

    // Act
    const results = [
      await answer({ location: '/a\r\nSet-Cookie: x=1' }),
      await answer({ location: '/\u2713' }),
      await answer({ 'x-nul': 'a\u0000b' }),
      await answer({ 'bad name': 'v' }),
      await answer({}, ['sid=1\r\nx: y']),
      await answer({ 'content-disposition': 'attachment; filename="r\u00e9sum\u00e9.pdf"' }),
      await answer({ location: '/caf%C3%A9', 'x-tab': 'a\tb' }),
    ];

    // Assert: Latin-1 text went out as UTF-8 or Latin-1 bytes by runtime, method and body
    expect(results.map((r) => r.status)).toEqual([500, 500, 500, 500, 500, 500, 302]);
    expect(results[0]?.json).toMatchObject({ status: 500, requestId: 'req-1' });
    expect(results[0]?.headers.location).toBeUndefined();
  });

  it('checks the headers of a response a middleware or a router answers with, and of a thrown error', async () => {
    // Prepare
    const split = '/x\r\nSet-Cookie: sid=evil';
    const redirecting = createMiddleware({
      name: 'redirect',
      handle: async () => ({ status: 302, headers: { location: split }, cookies: [], body: undefined }),
    });
    const byMiddleware = http()
      .use(redirecting)
      .handle(() => 'never');
    const routed = router(
      http({ method: 'GET', path: '/r' })
        .use(redirecting)
        .handle(() => 'never'),
    );
    const challenged = http().handle(() => {
      throw new Unauthorized('no', { headers: { 'www-authenticate': `Bearer realm="${split}"`, 'x-ok': 'yes' } });
    });

    // Act
    const results = [await call(byMiddleware, {}), await call(routed, { path: '/r' }), await call(challenged, {})];

    // Assert
    expect(results.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(results.map((r) => r.headers.location)).toEqual([undefined, undefined, undefined]);
    expect(results[2]?.headers['www-authenticate']).toBeUndefined();
    expect(results[2]?.headers['x-ok']).toBeUndefined();
  });

  it('checks every value of a header again, whatever values of it passed before, also after a middleware edits it in place', async () => {
    // Prepare: the same name first with values that pass, then with ones that must not.
    const given = (location: string) =>
      http({ path: '/' }).handle(() => ({ status: 302, headers: { location }, body: undefined }));
    const editing = (location: string) =>
      http({ path: '/' })
        .use(
          createMiddleware({
            name: 'edit',
            handle: async (_req, _ctx, next) => {
              const res = await next();
              res.headers['x-next'] = location;
              return res;
            },
          }),
        )
        .handle(() => ({ status: 302, headers: { location: '/ok', 'x-next': '/ok' }, body: undefined }));

    // Act
    const statuses = [];
    for (const fn of [given, editing]) {
      for (const location of ['/a', '/a', '/a\r\nx: y', '/a', '/a\u0000', '/b']) {
        statuses.push((await call(fn(location), {})).status);
      }
    }

    // Assert
    expect(statuses).toEqual([302, 302, 500, 302, 500, 302, 302, 302, 500, 302, 500, 302]);
  });

  it("keeps the pipeline's own state out of the request's keys and its JSON, as a logged request shows them", async () => {
    // Prepare: a request that goes through cors() and a path its route cannot bind.
    let seen: HttpRequest | undefined;
    const fn = http({ method: 'GET', path: '/users/:id' })
      .use(
        createMiddleware({
          name: 'see',
          handle: (req, _ctx, next) => {
            seen = req;
            return next();
          },
        }),
      )
      .use(cors())
      .handle(() => 'never');

    // Act
    const res = await call(fn, { path: '/users', headers: { origin: 'https://app.example' } });

    // Assert
    expect(res.status).toBe(404);
    expect(Object.keys(seen ?? {})).toEqual(['method', 'route']);
    // No route value: the path did not match the function's.
    expect(JSON.parse(JSON.stringify(seen))).toEqual({ method: 'GET' });
  });

  it('drops a leading byte order mark alike from a text body and from bytes, and keeps it in rawBody', async () => {
    // Prepare: AWS and the Node server hand over text, Azure and GCP bytes.
    const { fn, seen } = echo();
    const json = http({ method: 'POST', body: z.object({ a: z.number() }) }).handle((req) => req.body);
    const bom = '\uFEFF';
    const bytes = (text: string) => new TextEncoder().encode(text);

    // Act
    const texts = [
      await call(fn, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${bom}hi` }).then(seen),
      await call(fn, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytes(`${bom}hi`) }).then(seen),
    ];
    const parsed = [
      await call(json, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${bom}{"a":1}` }),
      await call(json, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bytes(`${bom}{"a":1}`),
      }),
    ];

    // Assert
    expect(texts.map((req) => req.body)).toEqual(['hi', 'hi']);
    expect(texts.map((req) => req.rawBody.byteLength)).toEqual([5, 5]);
    expect(parsed.map((res) => [res.status, res.json])).toEqual([
      [200, { a: 1 }],
      [200, { a: 1 }],
    ]);
  });

  it('gives the query as sent (rawQuery) from a query string, the path or the URL, else the parsed one', () => {
    const raw = (init: Partial<HttpRequestInit>) =>
      (createHttpRequest({ method: 'GET', path: '/', ...init }) as unknown as { rawQuery: string }).rawQuery;
    expect(raw({ query: 'flag&q=x%20y&t=~z' })).toBe('flag&q=x%20y&t=~z');
    expect(raw({ query: '?a=1' })).toBe('a=1');
    expect(raw({ path: '/p?flag&t=~z' })).toBe('flag&t=~z');
    expect(raw({ url: 'https://h.example/p?x=%7E&y#frag' })).toBe('x=%7E&y');
    expect(raw({ query: { q: 'x y', t: ['1', '2'] } })).toBe('q=x+y&t=1&t=2');
    expect(raw({})).toBe('');
  });

  it('keeps the exact body bytes and builds a web Request only on demand', async () => {
    const bytes = new Uint8Array([0, 255, 10, 13]);
    const req = createHttpRequest({
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'image/png', host: 'h' },
      body: bytes,
    });

    expect(req.rawBody).toBe(bytes);
    expect(req.body).toBe(bytes);
    const web = req.toWebRequest();
    expect(web.method).toBe('POST');
    expect(web.url).toBe('https://h/upload');
    expect(new Uint8Array(await web.arrayBuffer())).toEqual(bytes);
  });

  it('encodes text bodies to UTF-8 raw bytes', () => {
    const req = createHttpRequest({ method: 'POST', path: '/', body: 'héllo' });
    expect([...req.rawBody]).toEqual([104, 195, 169, 108, 108, 111]);
  });

  it('converts a body once, in whichever direction is asked, and sizes it in bytes', () => {
    const make = (body: string | Uint8Array) => createHttpRequest({ method: 'POST', path: '/', body }) as RequestImpl;
    const text = make('héllo');
    expect(text.rawBody).toBe(text.rawBody);
    expect(text.text).toBe('héllo');
    expect(text.size).toBe(6);
    const bytes = make(new Uint8Array([104, 195, 169]));
    expect(bytes.text).toBe('hé');
    expect(bytes.size).toBe(3);
    expect(bytes.rawBody).toEqual(new Uint8Array([104, 195, 169]));
    const none = make('');
    expect([none.text, none.size, none.rawBody.byteLength, none.body]).toEqual(['', 0, 0, undefined]);
  });
});

describe('body parsing', () => {
  it.each([
    ['application/json', '{"a":1}', { a: 1 }],
    ['application/vnd.api+json; charset=utf-8', '[1,2]', [1, 2]],
    ['application/x-www-form-urlencoded', 'a=1&b=two+words&a=3', { a: '1', b: 'two words' }],
    ['text/plain; charset=utf-8', 'just text', 'just text'],
  ])('parses %s', async (contentType, body, expected) => {
    const { fn } = echo();
    const res = await call(fn, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ body: expected });
  });

  it('gives bytes for other types and undefined for an empty body', async () => {
    const { fn, seen } = echo();
    await call(fn, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'abc' });
    expect(seen().body).toEqual(new Uint8Array([97, 98, 99]));
    await call(fn, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(seen().body).toBeUndefined();
  });

  it('answers 400 for malformed JSON read by the handler', async () => {
    const { fn } = echo();
    const res = await call(fn, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ title: 'Bad Request', code: 'MALFORMED_JSON', requestId: 'req-1' });
  });

  it('answers 415 for a JSON body sent with a content coding the runtime did not undo (gzip)', async () => {
    // Prepare
    const schema = http({ method: 'POST', body: z.object({ a: z.number() }) }).handle((req) => req.body);
    const { fn: reader } = echo();
    const gzipped = new Uint8Array(gzipSync('{"a":1}'));
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };

    // Act
    const answers = [
      await call(schema, { method: 'POST', headers, body: gzipped }),
      await call(reader, { method: 'POST', headers, body: gzipped }),
    ];
    const plain = await call(schema, { method: 'POST', headers: { 'content-encoding': 'identity' }, body: '{"a":' });

    // Assert
    for (const res of answers) {
      expect(res.status).toBe(415);
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(res.json).toMatchObject({ code: 'UNSUPPORTED_CONTENT_ENCODING', detail: expect.stringContaining('gzip') });
    }
    expect(plain.status).toBe(400);
  });

  it('never parses a body the handler does not read', async () => {
    const fn = http({ method: 'POST' }).handle((req) => ({ method: req.method }));
    const res = await call(fn, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ method: 'POST' });
  });

  it("parses by the adapter's content type without normalising the headers, until something reads them", async () => {
    let normalisations = 0;
    const init: HttpRequestInit = {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json', 'X-Trace': 'a' },
      get headersNormalized() {
        normalisations++;
        return false;
      },
      contentType: 'application/json',
      body: '{"a":1}',
    };
    const parsed = http({ method: 'POST', body: z.object({ a: z.number() }) }).handle((req) => req.body);
    expect((await runHttp(parsed, init, ctx())).body).toBe('{"a":1}');
    const untyped = http({ method: 'POST' }).handle((req) => req.body);
    expect((await runHttp(untyped, init, ctx())).body).toBe('{"a":1}');
    expect(normalisations).toBe(0);
    // Once the headers are read, they are the ones the content type comes from.
    const both = http({ method: 'POST' }).handle((req) => ({ trace: req.header('x-trace'), body: req.body }));
    expect((await runHttp(both, init, ctx())).body).toBe('{"trace":"a","body":{"a":1}}');
    expect(normalisations).toBe(1);
    // Without it, the normalised headers are read: a hand-made `Content-Type` is found.
    const kind = http({ method: 'POST' }).handle((req) => ({ type: typeof req.body }));
    const hinted = await runHttp(
      kind,
      { ...init, headers: { 'Content-Type': 'text/plain' }, contentType: undefined },
      ctx(),
    );
    expect(hinted.body).toBe('{"type":"string"}');
  });

  it('answers 413 over the default 6 MB and over a configured limit', async () => {
    const fn = http({ method: 'POST' }).handle(() => 'ok');
    const small = http({ method: 'POST', bodyLimit: 10 }).handle(() => 'ok');

    expect((await call(fn, { method: 'POST', body: new Uint8Array(6 * 1024 * 1024) })).status).toBe(200);
    expect((await call(fn, { method: 'POST', body: new Uint8Array(6 * 1024 * 1024 + 1) })).status).toBe(413);
    expect((await call(small, { method: 'POST', body: '0123456789' })).status).toBe(200);
    const tooBig = await call(small, { method: 'POST', body: 'ééééé!' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('answers 400 for a path that is not valid percent-encoding, once the path is read', async () => {
    const reads = http().handle((req) => ({ path: req.path }));
    const bad = await call(reads, { path: '/%E0%A4%A' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: 400, code: 'BAD_PATH' });
    const params = http({ path: '/files/:name' }).handle((req) => ({ name: req.params.name }));
    expect((await call(params, { path: '/files/%E0%A4%A' })).status).toBe(400);
    // Like the body, the path is not decoded for a handler that never reads it.
    const { fn } = echo();
    expect((await call(fn, { path: '/%E0%A4%A' })).status).toBe(200);
  });
});

describe('validation', () => {
  const Body = z.object({ name: z.string().min(1), qty: z.number().int().positive() });
  const fn = http({
    method: 'POST',
    path: '/items/:id',
    params: z.object({ id: z.string().regex(/^\d+$/) }),
    query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
    headers: z.object({ 'x-tenant': z.string() }),
    body: Body,
  }).handle((req) => ({ status: 201, body: { id: req.params.id, tenant: req.headers['x-tenant'], ...req.body } }));

  it('passes typed, parsed values to the handler', async () => {
    const res = await call(fn, {
      method: 'POST',
      path: '/items/42',
      headers: { 'content-type': 'application/json', 'X-Tenant': 'acme' },
      body: JSON.stringify({ name: 'pen', qty: 2 }),
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ id: '42', tenant: 'acme', name: 'pen', qty: 2 });
  });

  it('answers 422 listing every failing path of every part', async () => {
    const res = await call(fn, {
      method: 'POST',
      path: '/items/abc',
      query: 'dryRun=maybe',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', qty: 0 }),
    });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const paths = (res.json.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body.name', 'body.qty', 'headers.x-tenant', 'params.id', 'query.dryRun']);
    expect(res.json).toMatchObject({ status: 422, requestId: 'req-1', code: 'VALIDATION' });
  });

  it('answers 415 for a body that is not JSON and 400 for malformed JSON', async () => {
    const base = { method: 'POST', path: '/items/1', headers: { 'x-tenant': 'a', 'content-type': 'text/plain' } };
    expect((await call(fn, { ...base, body: 'name=pen' })).status).toBe(415);
    const malformed = await call(fn, {
      ...base,
      headers: { ...base.headers, 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
  });

  it('treats a missing content type as JSON', async () => {
    const res = await call(fn, {
      method: 'POST',
      path: '/items/1',
      headers: { 'x-tenant': 'a' },
      body: JSON.stringify({ name: 'pen', qty: 1 }),
    });
    expect(res.status).toBe(201);
  });

  it('hands the handler what each schema outputs, even null', async () => {
    const nulled = http({
      method: 'GET',
      path: '/items/:id',
      params: z.object({ id: z.string() }).transform(() => null),
      headers: z.object({}).transform(() => null),
    }).handle((req) => ({ params: req.params, headers: req.headers }));
    const res = await call(nulled, { method: 'GET', path: '/items/7', headers: { 'x-tenant': 'a' } });
    expect(res.json).toEqual({ params: null, headers: null });
  });

  it('accepts valibot and arktype schemas', async () => {
    const withValibot = http({ method: 'POST', body: v.object({ n: v.number() }) }).handle((req) => ({
      twice: req.body.n * 2,
    }));
    const withArktype = http({ method: 'POST', body: type({ n: 'number' }) }).handle((req) => ({
      twice: req.body.n * 2,
    }));
    for (const fnUnderTest of [withValibot, withArktype]) {
      const good = await call(fnUnderTest, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":4}',
      });
      const bad = await call(fnUnderTest, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":"4"}',
      });
      expect(good.json).toEqual({ twice: 8 });
      expect(bad.status).toBe(422);
      expect(bad.json.errors[0].path).toBe('body.n');
    }
  });

  it('supports async schemas', async () => {
    const Slow = z.object({ n: z.number() }).refine(async (value) => value.n !== 13, { message: 'unlucky' });
    const slow = http({ method: 'POST', body: Slow }).handle((req) => req.body);
    const ok = await call(slow, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    const bad = await call(slow, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":13}' });
    expect(ok.json).toEqual({ n: 1 });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'body', message: 'unlucky' }]);
  });

  it('checks the response schema outside production and answers 500 when it fails', async () => {
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    const fn = http({ response: z.object({ id: z.string() }) }).handle(() => JSON.parse('{"id":1}'));
    try {
      const res = await call(fn, {});
      expect(res.status).toBe(500);
      expect(res.json).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        requestId: 'req-1',
      });
      expect(lines.join('')).toContain('response.id');
    } finally {
      restore();
    }
  });

  it('checks only success bodies against the response schema: an error or redirect answers as it is', async () => {
    const fn = http({ response: z.object({ id: z.string() }) }).handle(() => ({
      status: 404,
      body: { reason: 'no such order' },
    }));
    const res = await call(fn, {});
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ reason: 'no such order' });
  });

  it('does not check the response schema of a function defined in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    const fn = (() => {
      try {
        return http({ response: z.object({ id: z.string() }) }).handle(() => JSON.parse('{"id":1}'));
      } finally {
        process.env.NODE_ENV = previous;
      }
    })();
    const res = await call(fn, {});
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: 1 });
  });
});

describe('responses', () => {
  it('reads headers given as a web Headers or a Map, and a cookie given alone as that one cookie', async () => {
    // Prepare: shapes code written for fetch produces, returned where a record and a list are typed
    const answer = (value: unknown) =>
      call(
        http().handle(() => value as never),
        {},
      );
    const web = new Headers({ location: '/orders/7', 'x-trace': 'a' });
    web.append('set-cookie', 'a=1; Path=/');
    web.append('set-cookie', 'b=2');

    // Act
    const fromHeaders = await answer({ status: 201, headers: web, body: 'made' });
    const fromMap = await answer({ status: 200, headers: new Map([['X-Count', 5]]), body: 'x' });
    const oneString = await answer({ status: 204, cookies: 'session=abc; HttpOnly; Path=/' });
    const oneObject = await answer({ status: 204, cookies: { name: 'sid', value: 'x', secure: true } });
    const middleware = await call(
      http()
        .use(
          createMiddleware({
            name: 'fetch-style',
            handle: async (_req, _ctx, next) => {
              const res = await next();
              return { ...res, headers: new Headers({ ...res.headers, 'x-edited': 'yes' }) as never };
            },
          }),
        )
        .handle(() => ({ ok: true })),
      {},
    );

    // Assert
    expect([fromHeaders.status, fromHeaders.headers, fromHeaders.cookies]).toEqual([
      201,
      { location: '/orders/7', 'x-trace': 'a', 'content-type': 'text/plain; charset=utf-8' },
      ['a=1; Path=/', 'b=2'],
    ]);
    expect(fromMap.headers).toEqual({ 'x-count': '5', 'content-type': 'text/plain; charset=utf-8' });
    expect(oneString.cookies).toEqual(['session=abc; HttpOnly; Path=/']);
    expect(oneObject.cookies).toEqual(['sid=x; Secure']);
    expect(middleware.headers).toEqual({ 'content-type': 'application/json', 'x-edited': 'yes' });
  });

  it('awaits a promise of another realm or a thenable the handler returns, as the other kinds do', async () => {
    // Prepare: a promise made in another realm, and thenables that resolve and reject later.
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('Promise.resolve({ realm: "other" })') as Promise<unknown>;
    const later = (settle: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void) => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then: (resolve: (v: unknown) => void, reject: (e: unknown) => void) =>
        setTimeout(() => settle(resolve, reject), 5),
    });
    const answer = (value: unknown) =>
      call(
        http().handle(() => value as never),
        {},
      );

    // Act
    const results = [
      await answer(foreign),
      await answer(later((resolve) => resolve({ rows: 2 }))),
      await answer(later((_resolve, reject) => reject(new Error('the query failed')))),
    ];

    // Assert
    expect(results.map((r) => [r.status, r.json])).toEqual([
      [200, { realm: 'other' }],
      [200, { rows: 2 }],
      [500, expect.objectContaining({ status: 500 })],
    ]);
  });

  const cases: [string, unknown, { status: number; headers: Record<string, string>; body: unknown }][] = [
    ['a plain value', { id: 1 }, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":1}' }],
    ['an array', [1], { status: 200, headers: { 'content-type': 'application/json' }, body: '[1]' }],
    ['null', null, { status: 200, headers: { 'content-type': 'application/json' }, body: 'null' }],
    ['undefined', undefined, { status: 204, headers: {}, body: undefined }],
    ['a string', 'hi', { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'hi' }],
    [
      'bytes',
      new Uint8Array([1, 2]),
      { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2]) },
    ],
    [
      'a typed array of other bytes (image data)',
      new Uint8ClampedArray([137, 80, 78, 71]),
      {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array([137, 80, 78, 71]),
      },
    ],
    [
      'a DataView as the body of a response init',
      { status: 200, body: new DataView(new Uint8Array([9, 1, 2, 9]).buffer, 1, 2) },
      { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2]) },
    ],
    [
      'a response init',
      { status: 201, headers: { Location: '/x', 'X-Count': 2, Vary: ['a', 'b'] }, body: { ok: true } },
      {
        status: 201,
        headers: { location: '/x', 'x-count': '2', vary: 'a, b', 'content-type': 'application/json' },
        body: '{"ok":true}',
      },
    ],
    [
      'a domain object with a status field',
      { status: 'shipped', id: 1 },
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"shipped","id":1}' },
    ],
    ['a 204 init with a body', { status: 204, body: 'ignored' }, { status: 204, headers: {}, body: undefined }],
  ];

  it.each(cases)('normalises %s', async (_name, result, expected) => {
    const fn = http().handle(() => result);
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect({ status: res.status, headers: res.headers, body: res.body }).toEqual(expected);
  });

  it('serialises cookies and keeps set-cookie headers apart', async () => {
    const fn = http().handle(() => ({
      status: 200,
      headers: { 'Set-Cookie': 'a=1' },
      cookies: [
        'b=2; Path=/',
        { name: 'sid', value: 'x y', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 60 },
      ],
      body: 'ok',
    }));
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res.cookies).toEqual(['a=1', 'b=2; Path=/', 'sid=x%20y; Max-Age=60; HttpOnly; Secure; SameSite=Lax']);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a cookie object whose name or attributes would write other attributes, with a logged 500', async () => {
    const bad = [
      { name: 'a', value: 'b', path: '/; Domain=evil.example' },
      { name: 'a', value: 'b', domain: 'shop.example; SameSite=None' },
      { name: 'a b', value: 'c' },
      { name: 'a=b', value: 'c' },
      { name: 'a', value: 'b', sameSite: 'Lax; Domain=evil.example' as 'Lax' },
      { name: 'a', value: 'b', maxAge: 'soon' as unknown as number },
      { name: 'a', value: 'b', maxAge: Number.NaN },
      { name: 'a', value: 'b', expires: new Date('not a date') },
    ];
    const quiet = setLogDestination({ write: () => undefined });
    try {
      for (const cookie of bad) {
        const fn = http().handle(() => ({ status: 200, cookies: [cookie], body: 'ok' }));
        const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
        expect([res.status, res.cookies]).toEqual([500, []]);
      }
    } finally {
      quiet();
    }
  });

  it('sends no content with a 205, and answers 500 to a 1xx result or an HttpError of no error status', async () => {
    const quiet = setLogDestination({ write: () => undefined });
    try {
      const answer = (result: () => unknown) => runHttp(http().handle(result), { method: 'GET', path: '/' }, ctx());
      const reset = await answer(() => ({ status: 205, body: 'ignored' }));
      expect([reset.status, reset.body]).toEqual([205, undefined]);
      expect((await answer(() => ({ status: 101 }))).status).toBe(500);
      for (const status of [200, 1000, Number.NaN, 404.5]) {
        const res = await answer(() => {
          throw new HttpError(status);
        });
        expect(res.status).toBe(500);
      }
      // A middleware's answer, taken as it is, is held to the same rules.
      const answeredBy = (response: unknown) =>
        runHttp(
          http()
            .use(
              createMiddleware<'http'>({
                name: 'answers',
                kinds: ['http'],
                handle: async () => response as never,
              }),
            )
            .handle(() => 'unreached'),
          { method: 'GET', path: '/' },
          ctx(),
        );
      expect((await answeredBy({ status: 101, headers: {}, cookies: [], body: undefined })).status).toBe(500);
      const resetBy = await answeredBy({ status: 205, headers: {}, cookies: [], body: 'ignored' });
      expect([resetBy.status, resetBy.body]).toEqual([205, undefined]);
      const redirect = await answer(() => {
        throw new HttpError(302, 'moved', { headers: { location: '/new' } });
      });
      expect([redirect.status, redirect.headers.location]).toEqual([302, '/new']);
    } finally {
      quiet();
    }
  });

  it('writes a sameSite in any case and a maxAge given as text, as configuration often has them', async () => {
    const cookie = { name: 'sid', value: 'x', sameSite: 'lax' as 'Lax', maxAge: '3600' as unknown as number };
    const res = await runHttp(
      http().handle(() => ({ status: 200, cookies: [cookie], body: 'ok' })),
      { method: 'GET', path: '/' },
      ctx(),
    );
    expect(res.cookies).toEqual(['sid=x; Max-Age=3600; SameSite=Lax']);
  });

  it('reads a web Response', async () => {
    const fn = http().handle(() => {
      const headers = new Headers({ 'content-type': 'text/csv' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response('a,b\n1,2', { status: 202, headers });
    });
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
    expect(res).toEqual({
      status: 202,
      headers: { 'content-type': 'text/csv' },
      cookies: ['a=1', 'b=2'],
      body: 'a,b\n1,2',
    });
  });

  it('passes on a fetch() response without the headers of its upstream connection and coding', async () => {
    // Prepare: an upstream that gzips one answer and streams the other in chunks
    const upstream = createServer((req, res) => {
      if (req.url === '/gz') {
        const body = gzipSync('{"hello":"world"}');
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
        });
        res.end(body);
      } else {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-upstream': 'yes' });
        res.write('{"a":1}\n');
        res.end('{"a":2}\n');
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const proxy = (path: string) => http().handle(() => fetch(`${base}${path}`));

    try {
      // Act
      const gz = await runHttp(proxy('/gz'), { method: 'GET', path: '/' }, ctx());
      const chunked = await runHttp(proxy('/chunked'), { method: 'GET', path: '/' }, ctx());

      // Assert
      const connection = ['connection', 'keep-alive', 'transfer-encoding', 'content-length'];
      expect(gz.body).toBe('{"hello":"world"}');
      expect(Object.keys(gz.headers).filter((name) => [...connection, 'content-encoding'].includes(name))).toEqual([]);
      expect(gz.headers['content-type']).toBe('application/json');
      expect(chunked.body).toBe('{"a":1}\n{"a":2}\n');
      expect(Object.keys(chunked.headers).filter((name) => connection.includes(name))).toEqual([]);
      expect(chunked.headers['x-upstream']).toBe('yes');
    } finally {
      upstream.close();
    }
  });

  it('keeps a coding list fetch() did not undo, and drops a gzip label a copied fetch response no longer fits', async () => {
    // Prepare: an upstream that labels gzip bytes "gzip, identity" (which fetch() leaves encoded)
    const gzipped = gzipSync('hello world');
    let coding = 'gzip, identity';
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': coding });
      res.end(gzipped);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;

    try {
      // Act
      const listed = await runHttp(
        http().handle(() => fetch(url)),
        { method: 'GET', path: '/' },
        ctx(),
      );
      coding = 'gzip';
      const copied = await runHttp(
        http().handle(async () => {
          const up = await fetch(url);
          return new Response(up.body, up);
        }),
        { method: 'GET', path: '/' },
        ctx(),
      );

      // Assert
      expect(listed.headers['content-encoding']).toBe('gzip, identity');
      expect(listed.body).toEqual(new Uint8Array(gzipped));
      expect(copied.headers['content-encoding']).toBeUndefined();
      expect(copied.body).toBe('hello world');
    } finally {
      upstream.close();
    }
  });

  it("answers HEAD for a compressed upstream with the GET answer's length, never the compressed one", async () => {
    // Prepare: an upstream that gzips, answering HEAD with the compressed length and no content.
    const text = 'x'.repeat(1000);
    const gzipped = gzipSync(text);
    const upstream = createServer((req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-length': gzipped.length,
      });
      res.end(req.method === 'HEAD' ? undefined : gzipped);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    const fetched = http({ method: 'GET' }).handle((req) => fetch(url, { method: req.method }));
    const copied = http({ method: 'GET' }).handle(async (req) => {
      const up = await fetch(url, { method: req.method });
      return new Response(up.body, { status: up.status, headers: up.headers });
    });

    try {
      // Act
      const answers = [];
      for (const fn of [fetched, copied]) {
        answers.push(await runHttp(fn, { method: 'HEAD', path: '/' }, ctx()));
        answers.push(await runHttp(fn, { method: 'GET', path: '/' }, ctx()));
      }

      // Assert: HEAD says nothing of the compressed bytes, which no GET answer sends.
      for (const res of answers) {
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.headers['content-length'] ?? String(text.length)).toBe(String(text.length));
      }
      expect(answers.map((res) => res.body)).toEqual([undefined, text, undefined, text]);
    } finally {
      upstream.close();
    }
  });

  it('keeps the coding of a Response the handler made, and drops only its connection headers', async () => {
    // Prepare
    const gzipped = gzipSync('precompressed');
    const fn = http().handle(
      () =>
        new Response(gzipped, {
          headers: {
            'content-type': 'text/plain',
            'content-encoding': 'gzip',
            'content-length': '999',
            connection: 'x-hop',
            'x-hop': '1',
          },
        }),
    );

    // Act
    const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());

    // Assert
    expect(res.headers).toEqual({ 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expect(res.body).toEqual(new Uint8Array(gzipped));
  });

  it('reads a subclass of the web Response, and one with no body', async () => {
    class Csv extends Response {
      readonly rows = 2;
    }
    const made = http().handle(() => new Csv('a,b', { status: 201, headers: { 'content-type': 'text/csv' } }));
    expect(await runHttp(made, { method: 'GET', path: '/' }, ctx())).toEqual({
      status: 201,
      headers: { 'content-type': 'text/csv' },
      cookies: [],
      body: 'a,b',
    });
    const empty = http().handle(() => new Response(null, { status: 204 }));
    expect(await runHttp(empty, { method: 'GET', path: '/' }, ctx())).toEqual({
      status: 204,
      headers: {},
      cookies: [],
      body: undefined,
    });
  });

  it('keeps the bytes of a Response whose text is in another charset or not valid UTF-8', async () => {
    // Prepare
    const answer = (bytes: number[], type: string) =>
      runHttp(
        http().handle(() => new Response(new Uint8Array(bytes), { headers: { 'content-type': type } })),
        { method: 'GET', path: '/' },
        ctx(),
      );

    // Act
    const bodies = [
      (await answer([0x63, 0x61, 0x66, 0xe9], 'text/plain; charset=iso-8859-1')).body,
      (await answer([0x7b, 0x00, 0x7d, 0x00], 'application/json; charset=utf-16le')).body,
      (await answer([0x61, 0xff, 0x62], 'text/plain')).body,
      (await answer([0xef, 0xbb, 0xbf, 0x63, 0x61, 0x66, 0xc3, 0xa9], 'text/plain; Charset="UTF-8"')).body,
      (await answer([0x3c, 0x70, 0x3e, 0x68, 0x69], 'text/html; charset=us-ascii')).body,
      (await answer([0x68, 0x69], 'text/plain; charset=iso-8859-1')).body,
    ];

    // Assert
    expect(bodies.slice(0, 3)).toEqual([
      new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
      new Uint8Array([0x7b, 0x00, 0x7d, 0x00]),
      new Uint8Array([0x61, 0xff, 0x62]),
    ]);
    // ASCII reads as ASCII in an ASCII-compatible charset: kept as text, its bytes the same.
    expect(bodies.slice(3)).toEqual(['\uFEFFcafé', '<p>hi', 'hi']);
  });

  it('keeps what a Response says of no content (a HEAD length, a 304 length, Connection: close) as it does for a plain answer', async () => {
    // Prepare
    const answering = (make: () => Response) => http().handle(make);
    const download = answering(
      () => new Response(null, { headers: { 'content-length': '1234', 'content-type': 'application/zip' } }),
    );
    const notModified = answering(
      () => new Response(null, { status: 304, headers: { 'content-length': '1234', etag: '"e"' } }),
    );
    const closing = answering(
      () => new Response('bye', { headers: { connection: 'close', 'transfer-encoding': 'chunked' } }),
    );

    // Act
    const head = await call(download, { method: 'HEAD' });
    const get = await call(download, {});
    const conditional = await call(notModified, {});
    const closed = await call(closing, {});

    // Assert
    expect(head.headers).toEqual({ 'content-length': '1234', 'content-type': 'application/zip' });
    expect(get.headers).toEqual({ 'content-type': 'application/zip' });
    expect(conditional.headers).toEqual({ 'content-length': '1234', etag: '"e"' });
    expect([closed.headers.connection, closed.headers['transfer-encoding'], closed.body]).toEqual([
      'close',
      undefined,
      'bye',
    ]);
  });

  it('answers HEAD with the headers of the GET answer and the length of its content', async () => {
    const fn = http({ method: 'GET', path: '/' }).handle(() => ({ word: 'café' }));
    const failing = http({ method: 'GET', path: '/' }).handle(() => {
      throw new HttpError(409, 'taken');
    });
    const get = await call(fn, {});
    const head = await call(fn, { method: 'HEAD' });
    const problem = await call(failing, {});
    const headProblem = await call(failing, { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: undefined });
    expect(head.headers).toEqual({ ...get.headers, 'content-length': String(Buffer.byteLength(String(get.body))) });
    expect(head.headers['content-length']).toBe('16');
    expect(headProblem.headers['content-length']).toBe(String(Buffer.byteLength(String(problem.body))));
    expect(headProblem.body).toBeUndefined();
  });

  it('reads a windows-1252 request body as windows-1252, 0x80-0x9F included', async () => {
    const { fn, seen } = echo();
    const req = await call(fn, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=iso-8859-1' },
      body: new Uint8Array([0x80, 0x93, 0x63, 0x61, 0x66, 0xe9, 0x94]),
    }).then(seen);
    expect(req.body).toBe('€“café”');
  });

  it('answers a Response.error() with a logged 500, with or without middleware', async () => {
    // Prepare
    const errored = http().handle(() => Response.error());
    const wrapped = http()
      .use(createMiddleware({ name: 'pass', handle: (_req, _ctx, next) => next() }))
      .handle(() => Response.error());

    // Act
    const answers = [await call(errored, {}), await call(wrapped, {})];

    // Assert
    expect(answers.map((a) => [a.status, a.json?.status])).toEqual([
      [500, 500],
      [500, 500],
    ]);
  });

  it('leaves the framing to the platform: a given length, transfer coding or connection header is left out, unless it describes no content or asks to close', async () => {
    // Prepare
    const framing = {
      'transfer-encoding': 'chunked',
      'content-length': '999',
      connection: 'upgrade',
      upgrade: 'websocket',
      'x-kept': 'yes',
    };
    const answering = (response: HttpResponse) =>
      http()
        .use(createMiddleware({ name: 'answer', handle: async () => response }))
        .handle(() => 'never');
    const cases = [
      http().handle(() => ({ status: 200, headers: framing, body: 'hello' })),
      http().handle(() => ({ status: 204, headers: { 'Content-Length': '5' } })),
      answering({ status: 200, headers: framing, cookies: [], body: 'hello' }),
      answering({
        status: 200,
        headers: { 'Content-Length': '999', 'Transfer-Encoding': 'chunked', 'x-kept': 'yes' },
        cookies: [],
        body: 'hi',
      }),
      // A HEAD answer that gives the size of what a GET would send, and one that closes.
      http().handle(() => ({ status: 200, headers: { 'content-length': '1234', connection: 'Close' } })),
      answering({ status: 200, headers: { 'Content-Length': '1234' }, cookies: [], body: undefined }),
      http().handle(() => {
        throw new HttpError(503, 'upstream down', {
          headers: { 'retry-after': '5', 'content-length': '3', 'transfer-encoding': 'chunked', connection: 'close' },
        });
      }),
    ];

    // Act
    const answers = [];
    for (const fn of cases) answers.push(await call(fn, {}));
    const heads = [];
    for (const fn of cases.slice(4, 6)) heads.push(await call(fn, { method: 'HEAD' }));

    // Assert: a length without content stays only on a HEAD answer, whose content it describes.
    expect(answers.map((a) => a.headers)).toEqual([
      { 'x-kept': 'yes', 'content-type': 'text/plain; charset=utf-8' },
      {},
      { 'x-kept': 'yes' },
      { 'x-kept': 'yes' },
      { connection: 'Close' },
      {},
      { 'retry-after': '5', connection: 'close', 'content-type': 'application/problem+json' },
    ]);
    expect(answers.map((a) => a.body)).toEqual([
      'hello',
      undefined,
      'hello',
      'hi',
      undefined,
      undefined,
      expect.any(String),
    ]);
    expect(heads.map((a) => a.headers)).toEqual([
      { 'content-length': '1234', connection: 'Close' },
      { 'content-length': '1234' },
    ]);
  });

  it('reads a web body given as the body of a response init, with the init status and headers winning', async () => {
    const fn = http().handle(() => ({
      status: 201,
      headers: { 'x-made': 'yes' },
      cookies: ['c=3'],
      body: new Response('made', { headers: { 'content-type': 'text/csv', 'x-made': 'no', 'set-cookie': 'r=1' } }),
    }));
    expect(await runHttp(fn, { method: 'GET', path: '/' }, ctx())).toEqual({
      status: 201,
      headers: { 'content-type': 'text/csv', 'x-made': 'yes' },
      cookies: ['r=1', 'c=3'],
      body: 'made',
    });
    const stream = http().handle(() => ({
      status: 200,
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array([1, 2]));
          controller.close();
        },
      }),
    }));
    const streamed = await runHttp(stream, { method: 'GET', path: '/' }, ctx());
    expect(streamed.body).toEqual(new Uint8Array([1, 2]));
    const form = http().handle(() => new URLSearchParams({ a: '1', b: 'x y' }));
    expect(await runHttp(form, { method: 'GET', path: '/' }, ctx())).toEqual({
      status: 200,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      cookies: [],
      body: 'a=1&b=x+y',
    });
    const blob = http().handle(() => ({ status: 200, body: new Blob(['<p>'], { type: 'text/html' }) }));
    expect((await runHttp(blob, { method: 'GET', path: '/' }, ctx())).headers['content-type']).toBe('text/html');
  });

  it('still serialises class instances that are not web bodies as JSON', async () => {
    class Order {
      readonly id = 'o-1';
    }
    const fn = http().handle(() => ({ status: 200, body: new Order() }));
    expect((await runHttp(fn, { method: 'GET', path: '/' }, ctx())).body).toBe('{"id":"o-1"}');
    const date = http().handle(() => new Date(0));
    expect((await runHttp(date, { method: 'GET', path: '/' }, ctx())).body).toBe('"1970-01-01T00:00:00.000Z"');
  });

  it('answers HEAD like GET without a body', async () => {
    const fn = http({ method: 'GET' }).handle(() => ({ big: 'payload' }));
    const res = await runHttp(fn, { method: 'HEAD', path: '/' }, ctx());
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
  });

  it('answers 405 with Allow when a single function gets another method', async () => {
    const fn = http({ method: ['GET', 'PUT'], path: '/thing' }).handle(() => 'ok');
    const res = await runHttp(fn, { method: 'DELETE', path: '/thing' }, ctx());
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, PUT, HEAD, OPTIONS');
  });

  it('binds path parameters of a single function and keeps platform ones when the path differs', async () => {
    let params: Readonly<Record<string, string>> = {};
    const fn = http({ path: '/users/:id' }).handle((req) => {
      params = req.params;
      return req.route;
    });
    const res = await runHttp(fn, { method: 'GET', path: '/users/7' }, ctx());
    expect(params).toEqual({ id: '7' });
    expect(res.body).toBe('/users/:id');
    await runHttp(fn, { method: 'GET', path: '/prod/users/8', params: { id: '8' } }, ctx());
    expect(params).toEqual({ id: '8' });
  });

  it('hides thrown errors behind a 500 and logs them with the request id', async () => {
    const lines: string[] = [];
    const restore = setLogDestination({ write: (line) => lines.push(line) });
    try {
      const fn = http().handle(() => {
        throw new Error('connection string postgres://admin:secret@db');
      });
      const res = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
      expect(res.status).toBe(500);
      expect(String(res.body)).not.toContain('secret');
      const logged = JSON.parse(lines[0] as string);
      expect(logged).toMatchObject({
        level: 'error',
        requestId: 'req-1',
        err: { message: 'connection string postgres://admin:secret@db' },
      });
      expect(logged.err.stack).toContain('http.test.ts');
    } finally {
      restore();
    }
  });
});

describe('respond()', () => {
  const Order = z.object({ qty: z.number() });
  const post = (body: string) => ({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
    body,
  });

  it('answers synchronously when nothing was asynchronous, with what runHttp resolves to', async () => {
    const fn = http({ method: 'POST', body: Order }).handle((req) => ({ status: 201, body: req.body }));
    for (const body of ['{"qty":1}', '{"qty":"x"}', '{nope', '']) {
      const out = respond(fn, post(body), ctx());
      expect(out).not.toBeInstanceOf(Promise);
      expect(out).toEqual(await runHttp(fn, post(body), ctx()));
    }
    expect((respond(fn, post('{"qty":"x"}'), ctx()) as { status: number }).status).toBe(422);
  });

  it('returns a promise for an async handler, and never throws or rejects', async () => {
    const slow = http().handle(async () => ({ ok: true }));
    const out = respond(slow, { method: 'GET', path: '/' }, ctx());
    expect(out).toBeInstanceOf(Promise);
    expect((await out).status).toBe(200);

    const restore = setLogDestination({ write: () => {} });
    try {
      const broken = http().handle(() => {
        throw new Error('boom');
      });
      expect((respond(broken, { method: 'GET', path: '/' }, ctx()) as { status: number }).status).toBe(500);
      const rejecting = http().handle(async () => {
        throw new Error('boom');
      });
      expect((await respond(rejecting, { method: 'GET', path: '/' }, ctx())).status).toBe(500);
    } finally {
      restore();
    }
  });
});
