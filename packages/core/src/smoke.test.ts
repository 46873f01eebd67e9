import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invoke, httpRequest, message } from '@skyport/testing';
import { http, queue, router, cors, NotFound } from '@skyport/core';

describe('smoke', () => {
  it('runs an http function', async () => {
    const fn = http({ method: 'POST', path: '/users/:id', params: z.object({ id: z.string() }), body: z.object({ name: z.string() }) }).handle(
      async (req) => ({ status: 201, body: { id: req.params.id, name: req.body.name } }),
    );
    const res = await invoke(fn, httpRequest({ method: 'POST', path: '/users/7', body: { name: 'Ada' } }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: '7', name: 'Ada' });
    const bad = await invoke(fn, httpRequest({ method: 'POST', path: '/users/7', body: { name: 1 } }));
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ errors: [{ path: 'body.name' }] });
  });
  it('routes', async () => {
    const a = http({ method: 'GET', path: '/a/:id' }).handle((req) => ({ id: req.params.id }));
    const b = http({ method: 'GET', path: '/b' }).handle(() => { throw new NotFound('nope'); });
    const api = router(a, b).use(cors());
    expect((await invoke(api, httpRequest({ path: '/a/1' }))).body).toEqual({ id: '1' });
    const r404 = await invoke(api, httpRequest({ path: '/b', headers: { origin: 'x' } }));
    expect(r404.status).toBe(404);
    expect(r404.headers['access-control-allow-origin']).toBe('*');
    const r405 = await invoke(api, httpRequest({ method: 'DELETE', path: '/a/1' }));
    expect(r405.status).toBe(405);
    expect(r405.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
  it('runs a queue batch', async () => {
    const fn = queue({ name: 'q', body: z.object({ n: z.number() }) }).handle((msg) => { if (msg.body.n < 0) throw new Error('neg'); });
    const out = await invoke(fn, [message({ id: 'a', body: { n: 1 } }), message({ id: 'b', body: { n: -1 } }), message({ id: 'c', body: 'x' })]);
    expect(out.failures.map((f) => f.id)).toEqual(['b', 'c']);
  });
});
