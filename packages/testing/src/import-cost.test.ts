/**
 * Importing the test kit loads nothing heavy that a test did not ask for: reading the `FormData`
 * or `Blob` global loads Node's fetch implementation (some 20 ms), which only a test that sends
 * such a body should pay.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Node's internal modules loaded once `script` has run in a fresh process with the test kit imported. */
function undiciLoadedAfter(script: string): boolean {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const kit = await import(${JSON.stringify(entry)}); ${script}
       process.stdout.write('\\nloaded ' + process.moduleLoadList.some((name) => name.includes('undici')));`,
    ],
    { encoding: 'utf8' },
  );
  return output.slice(output.lastIndexOf('\nloaded ') + '\nloaded '.length) === 'true';
}

it('loads no fetch implementation on import, nor for a JSON body', () => {
  expect(undiciLoadedAfter("kit.httpRequest({ method: 'POST', body: { a: 1 } });")).toBe(false);
});

it('still refuses a FormData body, which loads it', () => {
  const refused = `try { kit.httpRequest({ method: 'POST', body: new FormData() }); } catch (e) { if (!/FormData body/.test(e.message)) throw e; }`;
  expect(undiciLoadedAfter(refused)).toBe(true);
});
