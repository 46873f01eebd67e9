import { http } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { invokeOnce } from './cli/invoke.js';

/** What the handler sees of its request, as JSON. */
const echo = http({ path: '/*' }).handle((req) => ({
  path: req.path,
  url: req.url,
  query: req.query,
  queryAll: [...req.queryAll],
  multi: req.headers['x-multi'] ?? null,
  method: req.method,
}));

/** `skyport invoke <module>#echo --cloud <cloud> --event <file>` with the file read as `event`. */
async function seen(cloud: 'node' | 'azure' | 'gcp', event: unknown): Promise<Record<string, unknown>> {
  const { result, failed } = await invokeOnce(echo, 'echo', event, cloud, { log: () => {} });
  expect([cloud, failed]).toEqual([cloud, false]);
  // Azure's result is the `HttpResponseInit` the function gave the host, its body JSON text.
  const body = (result as { body: unknown }).body;
  return (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>;
}

/** The path and query of the URL the handler sees (the origin and Azure's `/api` prefix are each cloud's own). */
function target(cloud: string, url: unknown): string {
  const parsed = new URL(String(url));
  const path = cloud === 'azure' ? parsed.pathname.replace(/^\/api/, '') : parsed.pathname;
  return `${path}${parsed.search}`;
}

describe('one HTTP event file is the same request on every --cloud of skyport invoke', () => {
  it('follows the query string of "path" with "query"', async () => {
    // Prepare
    const event = { path: '/x?a=1', query: { b: '3' } };

    // Act
    const requests = {
      node: await seen('node', event),
      azure: await seen('azure', event),
      gcp: await seen('gcp', event),
    };

    // Assert
    for (const [cloud, req] of Object.entries(requests)) {
      expect([cloud, req.path, target(cloud, req.url), req.query, req.queryAll]).toEqual([
        cloud,
        '/x',
        '/x?a=1&b=3',
        { a: '1', b: '3' },
        [
          ['a', '1'],
          ['b', '3'],
        ],
      ]);
    }
  });

  it('sends a query list as a repeated name', async () => {
    // Prepare
    const event = { path: '/x', query: { a: ['1', '2'] } };

    // Act
    const requests = {
      node: await seen('node', event),
      azure: await seen('azure', event),
      gcp: await seen('gcp', event),
    };

    // Assert
    for (const [cloud, req] of Object.entries(requests)) {
      expect([cloud, target(cloud, req.url), req.query, req.queryAll]).toEqual([
        cloud,
        '/x?a=1&a=2',
        { a: '1' },
        [
          ['a', '1'],
          ['a', '2'],
        ],
      ]);
    }
  });

  it('sends a header list as a header sent twice, joined as each platform joins it', async () => {
    // Prepare
    const event = { path: '/x', headers: { 'x-multi': ['p', 'q'] } };

    // Act
    const requests = {
      node: await seen('node', event),
      azure: await seen('azure', event),
      gcp: await seen('gcp', event),
    };

    // Assert: Node (serve(), and the Functions Framework on GCP) joins repeated lines with ", ";
    // the Azure Functions host hands the worker ASP.NET Core's join, with a bare ",".
    expect(Object.entries(requests).map(([cloud, req]) => [cloud, req.multi])).toEqual([
      ['node', 'p, q'],
      ['azure', 'p,q'],
      ['gcp', 'p, q'],
    ]);
  });

  it('sends a request with a body and no method as a POST, one without a body as a GET', async () => {
    // Prepare
    const withBody = { path: '/x', body: { a: 1 } };
    const without = { path: '/x' };

    // Act
    const methods: string[] = [];
    for (const cloud of ['node', 'azure', 'gcp'] as const) {
      methods.push(`${cloud} ${(await seen(cloud, withBody)).method} ${(await seen(cloud, without)).method}`);
    }

    // Assert
    expect(methods).toEqual(['node POST GET', 'azure POST GET', 'gcp POST GET']);
  });
});
