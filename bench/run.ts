/**
 * Runs every benchmark script in this folder (`*.bench.ts`), each in a fresh process so one
 * cannot warm up or slow down another, and prints what each reports. `npm run bench [names...]`
 * runs only the named ones (for example `npm run bench core aws`).
 *
 * The scripts are compiled with esbuild (not bundled) and run by plain `node`, so the packages
 * they import are the built `dist` files exactly as users load them: a TypeScript loader would
 * transform those too and distort the numbers.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.bench\.ts$/, '')))
  .sort();

const out = join(here, '.out');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: readdirSync(here)
    .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
    .map((file) => join(here, file)),
  outdir: out,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

let failed = 0;
for (const script of scripts) {
  console.log(`\n## ${script.replace(/\.bench\.ts$/, '')}`);
  const result = spawnSync(process.execPath, [join(out, script.replace(/\.ts$/, '.js'))], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) failed++;
}
if (failed > 0) {
  console.error(`\n${failed} benchmark script(s) failed`);
  process.exitCode = 1;
}
