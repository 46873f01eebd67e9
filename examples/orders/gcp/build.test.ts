/**
 * docs/gcp.md, "Running and deploying": the example's own `build` script gives a `dist/index.js`
 * that the Functions Framework loads and serves, as `npm start` and a deployment run it. The
 * bundle is written to a folder of its own, laid out like the deployed one: the example's
 * package.json, `dist/` and an installed `node_modules` (the repository's, linked).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const example = import.meta.dirname;
const root = join(example, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
};

const dir = mkdtempSync(join(tmpdir(), 'skyport-orders-gcp-'));
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The banner the guides gave before: it declares `createRequire` at the top of the bundle. */
const oldBanner =
  '--banner:js="import { createRequire } from \'node:module\'; const require = createRequire(import.meta.url);"';

/**
 * Runs the `build` script as `npm run build` would, from the example's folder with the installed
 * binaries on the PATH, with its output moved to `outfile` under the test's folder.
 */
function build(outfile: string, script = pkg.scripts.build ?? ''): string {
  expect(script).toContain(`--outfile=${pkg.main}`);
  const target = join(dir, outfile);
  const command = script.replace(`--outfile=${pkg.main}`, `--outfile=${JSON.stringify(target)}`);
  const built = spawnSync('sh', ['-c', command], {
    cwd: example,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` },
  });
  expect(built.status, built.stderr).toBe(0);
  return target;
}

/** Imports `file` in a process of its own, as the Functions Framework would. */
function load(file: string) {
  const code = `await import(${JSON.stringify(pathToFileURL(file).href)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' });
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the build script of examples/orders/gcp', () => {
  it('gives a dist/index.js the Functions Framework serves (npm start)', async () => {
    // Prepare
    const file = build(pkg.main);
    // Everything but the Functions Framework (loaded by register()) is in the bundle.
    const imported = [...readFileSync(file, 'utf8').matchAll(/\bfrom\s*["']([^"'\s,]+)["']/g)].map((m) => m[1] ?? '');
    expect(imported.filter((name) => !isBuiltin(name))).toEqual([]);
    const port = await freePort();
    const framework = join(root, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
    const child: ChildProcess = spawn(
      process.execPath,
      [framework, '--target=api', `--source=${dir}`, `--port=${port}`],
      { cwd: dir, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });

    try {
      // Act
      let res: Response | undefined;
      for (let i = 0; i < 300 && !res && child.exitCode === null; i++) {
        res = await fetch(`http://127.0.0.1:${port}/orders`).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 25));
          return undefined;
        });
      }

      // Assert
      expect(res?.status, output).toBe(200);
      expect(await res?.json()).toEqual({ orders: [] });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('still gives a bundle that loads with the banner the guides gave before', () => {
    // @skyport/gcp imports createRequire from node:module as well: the two must not clash.
    const script = (pkg.scripts.build ?? '').replace(/--banner:js="[^"]*"/, oldBanner);
    expect(script).toContain(oldBanner);
    const file = build('dist/old-banner.js', script);

    const loaded = load(file);

    expect(loaded.stderr).not.toContain('SyntaxError');
    expect(loaded.status, loaded.stderr).toBe(0);
  });

  it("gives a bundle that loads when the entry imports createRequire itself, as a user's code may", () => {
    // Prepare
    const script = pkg.scripts.build ?? '';
    expect(script).toMatch(/^esbuild index\.ts /);
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        "import { createRequire } from 'node:module';",
        `import ${JSON.stringify(join(example, 'index.ts'))};`,
        "export const resolved = createRequire(import.meta.url).resolve('@google-cloud/functions-framework');",
      ].join('\n'),
    );
    const file = build(
      'dist/own-import.js',
      script.replace(/^esbuild index\.ts /, `esbuild ${JSON.stringify(entry)} `),
    );

    // Act
    const loaded = load(file);

    // Assert
    expect(loaded.stderr).not.toContain('SyntaxError');
    expect(loaded.status, loaded.stderr).toBe(0);
  });
});
