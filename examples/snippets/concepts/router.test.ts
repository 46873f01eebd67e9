/**
 * docs/concepts.md, "Routers": matching, 404, 405 with `Allow`, bare `OPTIONS`, `HEAD` through
 * `GET`, and router middleware that runs before matching.
 */
import { cors, createMiddleware, http, router, toHttpError, withHeaders } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({
  id: req.params.id,
  route: req.route,
}));
const createOrder = http({ method: 'POST', path: '/orders' }).handle(() => ({ status: 201 }));
const files = http({ method: 'GET', path: '/files/*' }).handle((req) => ({ rest: req.params['*'] }));
const api = router(getOrder, createOrder, files);

describe('router()', () => {
  it('matches method and path, :name segments and a trailing *', async () => {
    expect((await invoke(api, httpRequest({ path: '/orders/7' }))).body).toEqual({ id: '7', route: '/orders/:id' });
    expect((await invoke(api, httpRequest({ method: 'POST', path: '/orders' }))).status).toBe(201);
    expect((await invoke(api, httpRequest({ path: '/files/a/b.txt' }))).body).toEqual({ rest: 'a/b.txt' });
  });

  it('answers 404 for an unknown path', async () => {
    const res = await invoke(api, httpRequest({ path: '/nothing' }));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 405 with Allow for a known path with another method', async () => {
    const res = await invoke(api, httpRequest({ method: 'DELETE', path: '/orders' }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });

  it('answers a bare OPTIONS with 204 and Allow', async () => {
    const res = await invoke(api, httpRequest({ method: 'OPTIONS', path: '/orders/7' }));
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('answers HEAD through GET, without a body', async () => {
    const res = await invoke(api, httpRequest({ method: 'HEAD', path: '/orders/7' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.response.body).toBeUndefined();
  });

  it('runs middleware added with .use() for every request, before matching, so it sees 404s', async () => {
    const seen: number[] = [];
    const status = createMiddleware<'http'>({
      name: 'status',
      async handle(_req, _ctx, next) {
        try {
          const res = await next();
          seen.push(res.status);
          return { ...res, headers: { ...res.headers, 'x-seen': 'yes' } };
        } catch (error) {
          // A 404 reaches router middleware as the error it is, as every error does.
          seen.push(toHttpError(error).status);
          throw withHeaders(toHttpError(error), { 'x-seen': 'yes' });
        }
      },
    });
    const wrapped = api.use(status);
    const missing = await invoke(wrapped, httpRequest({ path: '/nothing' }));
    const found = await invoke(wrapped, httpRequest({ path: '/orders/1' }));
    expect(seen).toEqual([404, 200]);
    expect(missing.headers['x-seen']).toBe('yes');
    expect(found.headers['x-seen']).toBe('yes');
  });

  it('so cors() on a router decorates its 404s', async () => {
    const res = await invoke(
      api.use(cors()),
      httpRequest({ path: '/nothing', headers: { origin: 'https://a.example' } }),
    );
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
