/** A function module bundled with its own copy of `@skyport/core`, for the tests of a second copy. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Bundles `source` (TypeScript importing `@skyport/core`) as `esbuild src/functions.ts --bundle
 * --platform=node --format=esm` does, the package inlined from its sources, into `functions.js` of
 * a new folder whose name starts with `prefix`, an ES module package. The caller removes `dir`.
 *
 * @example
 * const { dir, file } = await bundleWithOwnCore(source, 'skyport-bundled-');
 */
export async function bundleWithOwnCore(source: string, prefix: string): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'functions.js');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  await build({
    stdin: { contents: source, resolveDir: here('.'), loader: 'ts', sourcefile: 'functions.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: file,
    alias: { '@skyport/core': here('../../../core/src/index.ts') },
    logLevel: 'silent',
  });
  return { dir, file };
}
