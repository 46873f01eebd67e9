/**
 * docs/node.md, "Containers": the tsup config of the page builds an ESM bundle for Node with the
 * same `require` banner as the page's esbuild build script, which `examples/snippets/node/bundle.test.ts`
 * runs, and bundles the `@skyport` packages (so pino, which needs the banner, comes in with them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const page = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs/node.md'), 'utf8');

it("gives tsup the esbuild build script's banner, for an ESM bundle on Node", () => {
  const script = (
    JSON.parse(/```json\n(\{\n\s*"scripts"[\s\S]*?)```/.exec(page)?.[1] ?? '{}') as { scripts?: { build?: string } }
  ).scripts?.build;
  const esbuildBanner = /--banner:js="([^"]+)"/.exec(script ?? '')?.[1];
  const tsup = /```ts\n\/\/ tsup\.config\.ts\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
  const tsupBanner = /banner: \{\s*js: "([^"]+)",?\s*\}/.exec(tsup)?.[1];

  expect(esbuildBanner).toMatch(/createRequire\(import\.meta\.url\)/);
  expect(tsupBanner).toBe(esbuildBanner);
  expect(tsup).toContain("format: ['esm']");
  expect(tsup).toContain("platform: 'node'");
  expect(tsup).toContain('noExternal: [/^@skyport\\//');
});
