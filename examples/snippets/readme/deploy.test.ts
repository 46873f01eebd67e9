/**
 * The README's four deployments of the quick start functions, run: the Lambda handler on an API
 * Gateway event, the Azure registrations on a recorded `app`, the Functions Framework targets over
 * HTTP, and the Node server (moved to a free loopback port).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { ServeHandle } from '@skyport/node';
import { aws } from '@skyport/testing';
import { afterAll, expect, it, vi } from 'vitest';

interface Call {
  readonly method: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
}

const { calls, servers, drained } = vi.hoisted(() => ({
  calls: [] as Call[],
  servers: [] as ServeHandle[],
  drained: [] as unknown[],
}));

vi.mock('@azure/functions', async (importActual) => {
  const actual = await importActual<typeof import('@azure/functions')>();
  const record = (method: string) => (name: string, options: Record<string, unknown>) => {
    calls.push({ method, name, options });
  };
  return { ...actual, app: { http: record('http'), storageQueue: record('storageQueue') } };
});

vi.mock('@skyport/node', async (importActual) => {
  const actual = await importActual<typeof import('@skyport/node')>();
  const serve: typeof actual.serve = async (functions, options) => {
    const server = await actual.serve(functions, { ...options, port: 0, host: '127.0.0.1', announce: false });
    servers.push(server);
    return server;
  };
  // Recorded rather than installed: the test process's signals are not the server's.
  const gracefulShutdown: typeof actual.gracefulShutdown = (server) => {
    drained.push(server);
    return () => undefined;
  };
  return { ...actual, serve, gracefulShutdown };
});

const { handler } = await import('./deploy.js');

const gcpServers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(gcpServers.map((server) => new Promise((resolve) => server.close(resolve))));
});

it('answers on AWS Lambda', async () => {
  const created = await handler(
    aws.apiGatewayV2({ method: 'POST', path: '/todos', body: { title: 'on lambda' } }),
    aws.lambdaContext(),
  );
  expect(created).toMatchObject({ statusCode: 201 });
});

it('registers an http function and a queue function on Azure', () => {
  expect(
    calls.map(({ method, name, options }) => ({ method, name, route: options.route, queue: options.queueName })),
  ).toEqual([
    { method: 'http', name: 'api', route: '{*path}', queue: undefined },
    { method: 'storageQueue', name: 'reminders', route: undefined, queue: 'reminders' },
  ]);
});

it('serves the api target on the Functions Framework', async () => {
  const server = getTestServer('api');
  gcpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const created = await fetch(`${base}/todos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'on gcp' }),
  });
  expect(created.status).toBe(201);
  expect((await fetch(`${base}/todos/nope`)).status).toBe(404);
});

it('serves every function from one Node server', async () => {
  const [server] = servers;
  expect(server?.routes.map((route) => `${route.methods.join(',')} ${route.path}`)).toEqual([
    'POST /todos',
    'GET /todos/:id',
    'POST /_skyport/reminders',
  ]);
  const created = await fetch(`${server?.url}/todos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'on node' }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect(await (await fetch(`${server?.url}/todos/${id}`)).json()).toEqual({ id, title: 'on node', done: false });
  const reminded = await fetch(`${server?.url}/_skyport/reminders`, {
    method: 'POST',
    body: JSON.stringify({ body: { id } }),
  });
  expect(await reminded.json()).toEqual({ ok: true, failures: [] });
});

it('hands that server to gracefulShutdown, which drains it on SIGTERM', () => {
  expect(servers).toHaveLength(1);
  expect(drained).toEqual(servers);
});
