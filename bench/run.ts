/**
 * Runs every benchmark script in this folder (`*.bench.ts`), each in a fresh process so one
 * cannot warm up or slow down another, and prints what each reports. `npm run bench [names...]`
 * runs only the named ones (for example `npm run bench core aws`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.bench\.ts$/, '')))
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n## ${script.replace(/\.bench\.ts$/, '')}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, script)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) failed++;
}
if (failed > 0) {
  console.error(`\n${failed} benchmark script(s) failed`);
  process.exitCode = 1;
}
