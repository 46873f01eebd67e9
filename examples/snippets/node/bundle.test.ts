/**
 * docs/node.md, "Containers": the page's build script bundles an entry point into one file that
 * runs on its own (pino behind `logger()` needs the banner), and a raw cloud event posted to a
 * bundle whose adapter package is not installed gets a 501.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws } from '@skyport/testing';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'skyport-node-bundle-'));
// As `npm init -y` writes it: a .js file there is CommonJS, so the bundle must say it is a module.
writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `build` script of the page's package.json, split into esbuild's arguments. */
const script = (() => {
  const page = readFileSync(join(root, 'docs/node.md'), 'utf8');
  const json = /```json\n(\{\n\s*"scripts"[\s\S]*?)```/.exec(page)?.[1] ?? '{}';
  return (JSON.parse(json) as { scripts: { build: string } }).scripts.build;
})();

/** Bundles the entry into `name` with the extension the page's `--outfile` gives. */
function bundle(name: string, banner: boolean): string {
  const extension = /--outfile=\S+?(\.[a-z]+)(?:\s|$)/.exec(script)?.[1] ?? '.js';
  const file = `${name}${extension}`;
  const banned = /--banner:js="([^"]+)"/.exec(script);
  const args = script
    .replace(banned?.[0] ?? '', '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((arg) => (arg === 'node.ts' ? 'examples/snippets/node/bundle-entry.ts' : arg))
    .map((arg) => (arg.startsWith('--outfile=') ? `--outfile=${join(dir, file)}` : arg));
  if (banner && banned?.[1]) args.push(`--banner:js=${banned[1]}`);
  const esbuild = join(root, 'node_modules/.bin/esbuild');
  const built = spawnSync(esbuild, args, { cwd: root, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  return join(dir, file);
}

function run(file: string): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function listening(running: ReturnType<typeof run>): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(running.out())?.[1];
    if (url) return url;
    if (running.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not listening: ${running.out()}${running.err()}`);
}

describe('the build script of the page', () => {
  it('gives one file that serves on its own, logger() included', async () => {
    const running = run(bundle('node', true));
    try {
      const url = await listening(running);
      const res = await fetch(`${url}/hello`);
      expect([res.status, await res.text()]).toEqual([200, 'hi']);
      for (let i = 0; i < 100 && !running.out().includes('"msg":"hello"'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(running.out()).toContain('"msg":"hello"');

      const raw = await fetch(`${url}/_skyport/orders`, { method: 'POST', body: JSON.stringify(aws.sqs()) });
      expect(raw.status).toBe(501);
      // The problem says which package to install.
      const problem = (await raw.json()) as { code?: string; detail?: string };
      expect(problem.code).toBe('ADAPTER_MISSING');
      expect(problem.detail).toContain('@skyport/aws');
      expect(raw.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('without the banner, a bundle with logger() fails to load', async () => {
    const running = run(bundle('no-banner', false));
    try {
      expect(await running.exited).not.toBe(0);
      expect(running.err()).toContain('Dynamic require of');
    } finally {
      running.child.kill('SIGKILL');
    }
  });
});
