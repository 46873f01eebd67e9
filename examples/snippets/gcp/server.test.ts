/** Testing the registered entry on the real Functions Framework, as docs/gcp.md shows. */
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import './index.js'; // register(functions)

const server = getTestServer('api');
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('answers GET /orders over HTTP', async () => {
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/orders`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ orders: [] });
});
