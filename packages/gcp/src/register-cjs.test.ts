/**
 * `register()` in a CommonJS bundle (esbuild `--format=cjs`, which leaves `import.meta` empty):
 * it loads the Functions Framework installed next to the bundle, and when loading fails, says
 * why. Each bundle runs in a process of its own, from a folder laid out like a deployed one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { frameworkRequires } from './register.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An entry registering one function, then reporting what the framework holds. */
const entry = `
import { queue } from '@skyport/core';
import { register } from ${JSON.stringify(join(import.meta.dirname, 'register.ts'))};
try {
  const registrations = register({ cjsOrders: queue({ name: 'orders' }).handle(() => undefined) });
  const testing = require('@google-cloud/functions-framework/testing');
  console.log(JSON.stringify({ registrations, registered: typeof testing.getFunction('cjsOrders') }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`;

/**
 * Bundles the entry as CommonJS into a folder of its own, whose `node_modules` is the
 * repository's (`'linked'`), empty (`'none'`) or holds a framework that throws when loaded
 * (`'broken'`), and runs it there.
 */
function runBundle(modules: 'linked' | 'none' | 'broken'): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-gcp-cjs-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'entry.ts'), entry);
  // Bundled with the repository's packages, as a build inside it would be.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const outfile = join(dir, 'dist', 'index.cjs');
  buildSync({
    entryPoints: [join(dir, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['@google-cloud/functions-framework', '@google-cloud/functions-framework/*'],
    logLevel: 'silent',
  });
  rmSync(join(dir, 'node_modules'));
  if (modules === 'linked') symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (modules === 'broken') {
    const framework = join(dir, 'node_modules', '@google-cloud', 'functions-framework');
    mkdirSync(framework, { recursive: true });
    writeFileSync(join(framework, 'package.json'), '{"name":"@google-cloud/functions-framework","main":"index.js"}');
    writeFileSync(join(framework, 'index.js'), "throw new Error('the framework failed to start');");
  }
  // Run from elsewhere: the framework is found next to the bundle, not in the working directory.
  const run = spawnSync(process.execPath, [outfile], { cwd: tmpdir(), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('register() in a CommonJS bundle', () => {
  it('loads the Functions Framework installed next to the bundle and registers with it', () => {
    expect(runBundle('linked')).toEqual({
      registrations: [{ name: 'cjsOrders', kind: 'queue', signature: 'cloudevent' }],
      registered: 'function',
    });
  });

  it('says the framework is missing, with the reason, when it is not installed', () => {
    const outcome = runBundle('none');
    expect(outcome.code).toBe('INVALID_DEFINITION');
    expect(outcome.message).toMatch(
      /^gcp: register\(\) needs @google-cloud\/functions-framework \(npm install @google-cloud\/functions-framework\): Cannot find module '@google-cloud\/functions-framework'/,
    );
  });

  it('gives the real cause when the installed framework fails to load', () => {
    const outcome = runBundle('broken');
    expect(outcome.code).toBe('INVALID_DEFINITION');
    expect(outcome.message).toBe(
      'gcp: register() could not load @google-cloud/functions-framework: the framework failed to start',
    );
  });
});

describe('frameworkRequires', () => {
  it("tries the module's URL, then the bundle's require, then the working directory", () => {
    const given = ((id: string) => id) as unknown as NodeJS.Require;
    const places = { given, main: undefined, cwd: root, createRequire };
    const [fromUrl, second] = frameworkRequires({ ...places, url: import.meta.url });
    expect(fromUrl?.resolve('@google-cloud/functions-framework')).toContain(join(root, 'node_modules'));
    expect(second).toBe(given);
    const [first, fromCwd] = frameworkRequires({ ...places, url: undefined });
    expect(first).toBe(given);
    expect(fromCwd?.resolve('@google-cloud/functions-framework')).toContain(join(root, 'node_modules'));
  });
});
