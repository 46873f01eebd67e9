/**
 * Builds every package: `tsc -b` emits the type declarations, then esbuild bundles each entry
 * point of a package (its `exports` and `bin`) into `dist`, splitting code shared between entry
 * points into chunks so classes such as `HttpError` exist once. Dependencies, peers and sibling
 * `@skyport/*` packages stay external. One file per entry loads several times faster than a tree
 * of small modules, which is what a cold start pays for.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

interface PackageJson {
  readonly name: string;
  readonly exports?: Record<string, { import?: string }>;
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = join(root, 'packages');

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

for (const dir of readdirSync(packages, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  const base = join(packages, dir.name);
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as PackageJson;
  const outputs = [
    ...Object.values(pkg.exports ?? {}).map((entry) => entry.import),
    ...Object.values(pkg.bin ?? {}),
  ].filter((file): file is string => typeof file === 'string');
  const entryPoints = Object.fromEntries(
    outputs.map((file) => {
      const name = file.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
      return [name, join(base, 'src', `${name}.ts`)];
    }),
  );
  for (const name of Object.keys(entryPoints)) rmSync(join(base, 'dist', `${name}.js`), { force: true });
  rmSync(join(base, 'dist', 'chunks'), { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: join(base, 'dist'),
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    external: [
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      '@skyport/*',
      'aws-lambda',
    ],
  });
}
