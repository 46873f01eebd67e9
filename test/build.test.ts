/**
 * The published layout of `@skyport/core`: the main entry is one file, and the subpath entries
 * import what they share with it from the package itself, so a class such as `Unauthorized`
 * exists once whichever entry made it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePackage } from '../scripts/build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const core = join(root, 'packages/core');
// Inside the repository, so the package's dependencies (jose, pino, OpenTelemetry) resolve.
const cache = join(root, 'node_modules/.cache');
let out: string;

beforeAll(async () => {
  mkdirSync(cache, { recursive: true });
  out = mkdtempSync(join(cache, 'skyport-core-'));
  // A package.json with the package's name and exports makes `@skyport/core` a self-reference.
  copyFileSync(join(core, 'package.json'), join(out, 'package.json'));
  await bundlePackage(core, join(out, 'dist'));
}, 60_000);

afterAll(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
});

describe('the @skyport/core bundle', () => {
  it('loads its main entry from one file', () => {
    const main = readFileSync(join(out, 'dist/index.js'), 'utf8');
    expect(main).not.toMatch(/from\s+["']\.\.?\//);
    expect(existsSync(join(out, 'dist/auth/index.js'))).toBe(true);
  });

  it('has subpath entries that share the main entry rather than copy it', () => {
    for (const entry of ['auth', 'logger', 'tracing']) {
      const text = readFileSync(join(out, `dist/${entry}/index.js`), 'utf8');
      expect(text).toContain('from "@skyport/core"');
      expect(text).not.toMatch(/class \w+ extends HttpError/);
    }
    const chunks = existsSync(join(out, 'dist/chunks')) ? readdirSync(join(out, 'dist/chunks')) : [];
    for (const chunk of chunks.filter((name) => name.endsWith('.js'))) {
      expect(readFileSync(join(out, 'dist/chunks', chunk), 'utf8')).not.toContain('class InvocationContext');
    }
  });

  it('runs: an error of the auth entry and a context field of the tracing entry belong to the main entry', () => {
    const url = (entry: string) => pathToFileURL(join(out, 'dist', entry)).href;
    const script = `
      const core = await import(${JSON.stringify(url('index.js'))});
      const { apiKeyAuth } = await import(${JSON.stringify(url('auth/index.js'))});
      const { tracing } = await import(${JSON.stringify(url('tracing/index.js'))});
      const { logger } = await import(${JSON.stringify(url('logger/index.js'))});
      const ctx = () => core.createContext({ cloud: 'node', kind: 'http', requestId: 'r1', functionName: 'f' });
      const guarded = core.http().use(apiKeyAuth({ keys: ['k1'] })).handle(() => 'in');
      const traced = core.http().use(tracing()).use(logger()).handle((req, c) => ({ traceId: c.traceId }));
      const denied = await core.runHttp(guarded, { method: 'GET', path: '/' }, ctx());
      const allowed = await core.runHttp(guarded, { method: 'GET', path: '/', headers: { 'x-api-key': 'k1' } }, ctx());
      const seen = await core.runHttp(traced, {
        method: 'GET', path: '/', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      }, ctx());
      process.stdout.write('\\nresult ' + JSON.stringify({ denied: denied.status, allowed: allowed.status, seen: JSON.parse(seen.body) }));
    `;
    // The functions log to stdout too; the result is the line after them.
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: out,
      encoding: 'utf8',
    });
    const result = JSON.parse(output.slice(output.lastIndexOf('\nresult ') + '\nresult '.length));
    expect(result).toEqual({ denied: 401, allowed: 200, seen: { traceId: '0af7651916cd43dd8448eb211c80319c' } });
  });
});
