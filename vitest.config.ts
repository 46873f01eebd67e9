import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@skyport\/core\/(.+)$/,
        replacement: fileURLToPath(new URL('./packages/core/src/$1/index.ts', import.meta.url)),
      },
      ...['core', 'testing', 'aws', 'azure', 'gcp', 'node', 'otel'].map((pkg) => ({
        find: new RegExp(`^@skyport/${pkg}$`),
        replacement: src(pkg),
      })),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    typecheck: { enabled: false },
    setupFiles: ['test/setup.ts'],
    // Error paths log on purpose; show their output only when a test fails.
    silent: 'passed-only',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
