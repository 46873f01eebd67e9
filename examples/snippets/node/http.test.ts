/**
 * docs/node.md, "HTTP functions": routing across several functions, path matching, `OPTIONS`,
 * and the request and context every http function gets from `serve()`.
 */
import { request } from 'node:http';
import { type Context, cors, createMiddleware, HttpError, http, router } from '@skyport/core';
import { type ServeHandle, type ServeOptions, serve } from '@skyport/node';
import { afterEach, describe, expect, it } from 'vitest';

const open: ServeHandle[] = [];
async function start(functions: Parameters<typeof serve>[0], options: ServeOptions = {}): Promise<ServeHandle> {
  const server = await serve(functions, { ...options, port: 0, host: '127.0.0.1', announce: false });
  open.push(server);
  return server;
}
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});

/** A GET with headers `fetch` would not send as they are (`Host`). */
function get(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

const listItems = http({ method: 'GET', path: '/items' }).handle(() => ['a']);
const addItem = http({ method: 'POST', path: '/items' }).handle(() => ({ status: 201, body: 'added' }));
const file = http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name }));
const stats = http({ method: 'GET', path: '/admin/stats' }).handle(() => ({ ok: true }));

describe('several http functions behave like one router()', () => {
  it('404 for an unknown path, 405 with Allow for a known path, as problem details', async () => {
    const server = await start({ listItems, addItem, file });
    const missing = await fetch(`${server.url}/nope`);
    const wrong = await fetch(`${server.url}/items`, { method: 'DELETE' });
    expect([missing.status, wrong.status]).toEqual([404, 405]);
    expect(wrong.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    for (const res of [missing, wrong]) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('a lone router receives every request, so its middleware sees its 404s', async () => {
    const statuses: number[] = [];
    const watch = createMiddleware<'http'>({
      name: 'watch',
      kinds: ['http'],
      handle: async (_req, _ctx, next) => {
        try {
          const res = await next();
          statuses.push(res.status);
          return res;
        } catch (error) {
          statuses.push(error instanceof HttpError ? error.status : 500);
          throw error;
        }
      },
    });
    const server = await start({ api: router(listItems).use(watch) });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect(statuses).toEqual([404]);
  });
});

describe('paths', () => {
  it.each([
    ['/files/a%2Fb', 200, { name: 'a/b' }],
    ['/files/caf%C3%A9', 200, { name: 'café' }],
    ['/admin%2Fstats', 404, undefined],
    ['/admin/stats', 200, { ok: true }],
  ])('%s is %i', async (path, status, body) => {
    const server = await start({ file, stats });
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(status);
    if (body !== undefined) expect(await res.json()).toEqual(body);
  });

  it('a path that is not valid percent-encoding is a 400 with code BAD_PATH', async () => {
    const server = await start({ file });
    const res = await fetch(`${server.url}/files/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_PATH' });
  });
});

describe('OPTIONS', () => {
  const preflight = (method: string) => ({
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example', 'access-control-request-method': method },
  });

  it('on a path one function serves, the function answers: its cors() a preflight, else 204 with Allow', async () => {
    const withCors = http({ method: 'GET', path: '/cors' })
      .use(cors())
      .handle(() => 'ok');
    const plain = http({ method: 'GET', path: '/plain' }).handle(() => 'ok');
    const server = await start({ withCors, plain });
    const answered = await fetch(`${server.url}/cors`, preflight('GET'));
    expect(answered.status).toBe(204);
    expect(answered.headers.get('access-control-allow-origin')).toBe('*');
    const bare = await fetch(`${server.url}/plain`, { method: 'OPTIONS' });
    expect(bare.status).toBe(204);
    expect(bare.headers.get('allow')).toContain('GET');
  });

  it('on a path several functions share, a plain OPTIONS gets 204 with the union Allow', async () => {
    const server = await start({ listItems, addItem });
    const res = await fetch(`${server.url}/items`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
  });

  it('a preflight goes to the function for the requested method when it has middleware, else 204 with Allow', async () => {
    const guarded = http({ method: 'POST', path: '/items' })
      .use(cors())
      .handle(() => 'added');
    const server = await start({ listItems, guarded });
    const toCors = await fetch(`${server.url}/items`, preflight('POST'));
    expect(toCors.headers.get('access-control-allow-origin')).toBe('*');
    const toPlain = await fetch(`${server.url}/items`, preflight('GET'));
    expect(toPlain.status).toBe(204);
    expect(toPlain.headers.get('access-control-allow-origin')).toBeNull();
    expect(toPlain.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
  });
});

describe('the request and the context', () => {
  const seen: Context[] = [];
  const echo = http({ path: '/*' }).handle((req, ctx) => {
    seen.push(ctx);
    return { url: req.url, ip: req.ip ?? null };
  });

  it.each([
    [{ 'x-forwarded-proto': 'https, http', host: 'shop.example.com:8443' }, 'https://shop.example.com:8443/a?b=1'],
    [{ 'x-forwarded-proto': 'javascript', host: 'shop.example.com' }, 'http://shop.example.com/a?b=1'],
    [{ host: '999.1.1.1' }, 'http://127.0.0.1:PORT/a?b=1'],
  ])('req.url from X-Forwarded-Proto and Host when valid (%j)', async (headers, url) => {
    const server = await start({ echo });
    const body = JSON.parse(await get(`${server.url}/a?b=1`, headers)) as { url: string; ip: string };
    expect(body.url).toBe(url.replace('PORT', String(server.port)));
    expect(body.ip).toBe('127.0.0.1');
  });

  it('refuses a Host that is not a host with an optional port: 400 BAD_HOST', async () => {
    const server = await start({ echo });
    const body = JSON.parse(await get(`${server.url}/a?b=1`, { host: 'not a host' })) as {
      status: number;
      code: string;
    };
    expect([body.status, body.code]).toEqual([400, 'BAD_HOST']);
  });

  it.each([
    ['the socket peer by default, whatever X-Forwarded-For says', {}, 'spoofed, 203.0.113.9', '127.0.0.1'],
    ['the entry one trusted proxy appended', { trustProxy: 1 }, 'spoofed, 203.0.113.9', '203.0.113.9'],
    [
      'the entry the farther of two proxies appended',
      { trustProxy: 2 },
      'spoofed, 203.0.113.9, 10.0.0.7',
      '203.0.113.9',
    ],
    ['the leftmost entry when there are fewer than proxies', { trustProxy: 3 }, '203.0.113.9', '203.0.113.9'],
    ['the peer when there is no X-Forwarded-For', { trustProxy: 1 }, undefined, '127.0.0.1'],
  ] as const)('req.ip is %s', async (_case, options, forwarded, ip) => {
    const server = await start({ echo }, options);
    const body = JSON.parse(
      await get(`${server.url}/a`, forwarded === undefined ? {} : { 'x-forwarded-for': forwarded }),
    ) as { ip: string };
    expect(body.ip).toBe(ip);
  });

  it('refuses a trustProxy that is not a whole number of proxies', async () => {
    await expect(start({ echo }, { trustProxy: -1 })).rejects.toMatchObject({ code: 'INVALID_DEFINITION' });
    await expect(start({ echo }, { trustProxy: 1.5 })).rejects.toMatchObject({ code: 'INVALID_DEFINITION' });
  });

  it('has cloud node, requestId from x-request-id, the name in the record, and the trace headers', async () => {
    const server = await start({ echoes: echo });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    seen.length = 0;
    await fetch(server.url, {
      headers: {
        'x-request-id': 'req-1',
        traceparent,
        tracestate: 'k=v',
        'x-cloud-trace-context': 'abc/1;o=1',
        'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793',
      },
    });
    expect(seen[0]).toMatchObject({ cloud: 'node', requestId: 'req-1', functionName: 'echoes' });
    expect(seen[0]?.trace).toEqual({
      traceparent,
      tracestate: 'k=v',
      'x-cloud-trace-context': 'abc/1;o=1',
      'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793',
    });
  });

  it('gives a request without x-request-id a UUID-shaped id, unique, also in problem details it writes', async () => {
    const server = await start({ echo: http({ method: 'GET', path: '/' }).handle((_req, ctx) => ctx.requestId) });
    const ids = [await (await fetch(server.url)).text(), await (await fetch(server.url)).text()];
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(ids.every((id) => uuid.test(id))).toBe(true);
    expect(ids[0]).not.toBe(ids[1]);
    const missing = (await (await fetch(`${server.url}/nope`)).json()) as { requestId: string };
    expect(missing.requestId).toMatch(uuid);
    const given = (await (await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'r-9' } })).json()) as {
      requestId: string;
    };
    expect(given.requestId).toBe('r-9');
  });

  it('answers with content-length and one Set-Cookie per cookie', async () => {
    const cookies = http({ path: '/' }).handle(() => ({ status: 200, cookies: ['a=1', 'b=2'], body: 'héllo' }));
    const server = await start({ cookies });
    const res = await fetch(server.url);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('héllo')));
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});
