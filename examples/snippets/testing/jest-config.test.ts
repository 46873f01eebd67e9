/**
 * docs/testing.md, "Test runners": the two Jest configurations of the page load as written, and
 * say what the page says they do. In CommonJS mode, `@skyport/*` and `jose` (ES modules only) go
 * through ts-jest with the tests, `.js` files included, and the rest of `node_modules` does not;
 * in ESM mode, ts-jest compiles the tests as ES modules and leaves the packages as they are. Both
 * map a test's `./src/functions.js` import to the TypeScript file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The part of Jest's configuration the page sets. */
interface JestConfig {
  readonly testEnvironment?: string;
  readonly transformIgnorePatterns?: readonly string[];
  readonly transform?: Readonly<Record<string, string | readonly [string, Record<string, unknown>]>>;
  readonly moduleNameMapper?: Readonly<Record<string, string>>;
  readonly extensionsToTreatAsEsm?: readonly string[];
}

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'skyport-jest-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads the page's block headed `// <name>` from a file of that name, as Jest would. */
async function config(name: string): Promise<JestConfig> {
  const page = readFileSync(join(root, 'docs/testing.md'), 'utf8');
  const block = [...page.matchAll(/( *)```js\n *\/\/ (\S+)\n([\s\S]*?)```/g)].find((m) => m[2] === name);
  expect(block, `a js block headed // ${name}`).toBeDefined();
  const indent = block?.[1] ?? '';
  const code = (block?.[3] ?? '')
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
  const file = join(dir, name);
  writeFileSync(file, code);
  const loaded = (await import(pathToFileURL(file).href)) as { default: JestConfig };
  return loaded.default;
}

/** Whether Jest leaves a file as it is (its default patterns when none are given). */
const untransformed = (c: JestConfig, path: string) =>
  (c.transformIgnorePatterns ?? ['/node_modules/']).some((p) => new RegExp(p).test(path)) ||
  transformer(c, path) === undefined;

/** The transformer and its options that Jest picks for a file: the first pattern that matches. */
function transformer(c: JestConfig, path: string): readonly [string, Record<string, unknown>] | undefined {
  const found = Object.entries(c.transform ?? {}).find(([pattern]) => new RegExp(pattern).test(path))?.[1];
  return typeof found === 'string' ? [found, {}] : found;
}

/** What Jest resolves an import to, after `moduleNameMapper`. */
function mapped(c: JestConfig, request: string): string {
  for (const [pattern, to] of Object.entries(c.moduleNameMapper ?? {})) {
    const re = new RegExp(pattern);
    if (re.test(request)) return request.replace(re, to);
  }
  return request;
}

const app = '/home/ada/app';
const packages = [
  `${app}/node_modules/@skyport/testing/dist/index.js`,
  `${app}/node_modules/@skyport/core/dist/chunks/chunk-ABC.js`,
  `${app}/node_modules/jose/dist/webapi/index.js`,
];
const others = [`${app}/node_modules/zod/index.js`, `${app}/node_modules/@skyportal/x/index.js`];

describe('the CommonJS-mode configuration (jest.config.cjs)', () => {
  it('compiles the tests, @skyport/* and jose with ts-jest, .js files included', async () => {
    const c = await config('jest.config.cjs');
    expect(c.testEnvironment).toBe('node');
    for (const path of [`${app}/orders.test.ts`, `${app}/src/functions.ts`, ...packages]) {
      expect(untransformed(c, path), path).toBe(false);
      expect(transformer(c, path), path).toEqual([
        'ts-jest',
        expect.objectContaining({ tsconfig: { allowJs: true, isolatedModules: true } }),
      ]);
    }
  });

  it('leaves the rest of node_modules alone', async () => {
    const c = await config('jest.config.cjs');
    for (const path of others) expect(untransformed(c, path), path).toBe(true);
  });

  it("maps a test's relative .js import to the TypeScript module, and nothing else", async () => {
    const c = await config('jest.config.cjs');
    expect(mapped(c, './src/functions.js')).toBe('./src/functions');
    expect(mapped(c, '../store.js')).toBe('../store');
    expect(mapped(c, '@skyport/testing')).toBe('@skyport/testing');
    expect(mapped(c, 'jose')).toBe('jose');
  });
});

describe('the ESM-mode configuration (jest.config.mjs)', () => {
  it('compiles the tests as ES modules and leaves the packages as they are', async () => {
    const c = await config('jest.config.mjs');
    expect(c.testEnvironment).toBe('node');
    expect(c.extensionsToTreatAsEsm).toEqual(['.ts']);
    expect(transformer(c, `${app}/orders.test.ts`)).toEqual([
      'ts-jest',
      { useESM: true, tsconfig: { module: 'ESNext', moduleResolution: 'Bundler' } },
    ]);
    for (const path of [...packages, ...others]) expect(untransformed(c, path), path).toBe(true);
  });

  it("maps a test's relative .js import to the TypeScript module", async () => {
    const c = await config('jest.config.mjs');
    expect(mapped(c, './src/functions.js')).toBe('./src/functions');
    expect(mapped(c, '@skyport/testing')).toBe('@skyport/testing');
  });
});
