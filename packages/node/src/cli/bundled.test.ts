/**
 * `skyport serve` of a module bundled as a user bundles one (esbuild inlines `@skyport/core`):
 * the CLI and the module then load two copies of the package.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWithOwnCore } from '../__fixtures__/bundle.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const cli = here('../cli.ts');

const source = `
import { http, NotFound, router } from '@skyport/core';
import { z } from 'zod';

const create = http({ method: 'POST', path: '/orders', body: z.object({ sku: z.string() }) }).handle((req) => ({
  status: 201,
  body: { sku: req.body.sku },
}));
const one = http({ method: 'GET', path: '/orders/:id' }).handle((req) => {
  throw new NotFound(\`no order \${req.params.id}\`);
});

export const api = router(create, one);
`;

let dir: string;
let bundled: string;

beforeAll(async () => {
  ({ dir, file: bundled } = await bundleWithOwnCore(source, 'skyport-bundled-'));
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('skyport serve of a bundled module', () => {
  it('answers its http functions: 201 past a body schema, the 404 a handler throws', async () => {
    // Prepare
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', bundled, '--port', '0'], {
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          const found = /http:\/\/[^\s]+:\d+/.exec(stdout);
          if (found) resolve(found[0]);
        });
        child.on('exit', () => reject(new Error(`exited before listening: ${stdout}`)));
      });

      // Act
      const created = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"sku":"a"}',
      });
      const missing = await fetch(`${url}/orders/7`);

      // Assert
      expect([created.status, await created.json()]).toEqual([201, { sku: 'a' }]);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect(await missing.json()).toMatchObject({ status: 404, detail: 'no order 7' });
      expect(stdout).not.toContain('INVALID_EVENT');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
