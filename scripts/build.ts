/**
 * Builds every package: `tsc -b` emits the type declarations, then esbuild bundles each entry
 * point of a package (its `exports` and `bin`) into `dist`. Dependencies, peers and sibling
 * `@skyport/*` packages stay external. One file per entry loads several times faster than a tree
 * of small modules, which is what a cold start pays for.
 *
 * A package's main entry is one file with nothing split out of it, since that is what every
 * user imports. Its subpath entries (`@skyport/core/logger`, ...) import what they share with
 * the main entry from the package itself (`@skyport/core`), so classes such as `HttpError`
 * exist once; code shared only between subpaths goes to chunks. Each package also gets a copy
 * of the repository's LICENSE, which npm packs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

interface PackageJson {
  readonly name: string;
  readonly exports?: Record<string, { default?: string }>;
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = join(root, 'packages');

/** The entry name (`index`, `logger/index`, `cli`) of a `dist` file. */
const entryName = (file: string) => file.replace(/^\.\/dist\//, '').replace(/\.js$/, '');

/**
 * Resolves relative imports that land in the main entry's modules to the package itself, so a
 * subpath entry shares them with the main entry instead of carrying its own copy.
 */
function importFromMain(name: string, mainInputs: ReadonlySet<string>): Plugin {
  return {
    name: 'import-from-main',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts');
        return mainInputs.has(file) ? { path: name, external: true } : undefined;
      });
    },
  };
}

/**
 * Bundles the package in `base` into `outdir` (its `dist` by default).
 *
 * @example
 * await bundlePackage(join(root, 'packages/core'));
 */
export async function bundlePackage(base: string, outdir = join(base, 'dist')): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as PackageJson;
  const subpaths = Object.entries(pkg.exports ?? {})
    .filter(([key]) => key !== '.')
    .map(([, entry]) => entry.default)
    .filter((file): file is string => typeof file === 'string');
  const main = pkg.exports?.['.']?.default;
  const outputs = [main, ...subpaths, ...Object.values(pkg.bin ?? {})].filter(
    (file): file is string => typeof file === 'string',
  );
  const source = (file: string) => join(base, 'src', `${entryName(file)}.ts`);
  for (const file of outputs) rmSync(join(outdir, `${entryName(file)}.js`), { force: true });
  rmSync(join(outdir, 'chunks'), { recursive: true, force: true });

  const common: BuildOptions = {
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
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
  };

  if (main === undefined || subpaths.length === 0) {
    // A single export (and perhaps a bin): entries split what they share, as usual.
    await build({
      ...common,
      splitting: true,
      entryPoints: Object.fromEntries(outputs.map((file) => [entryName(file), source(file)])),
    });
    return;
  }

  const built = await build({
    ...common,
    entryPoints: { [entryName(main)]: source(main) },
    metafile: true,
  });
  const mainInputs = new Set(Object.keys(built.metafile?.inputs ?? {}).map((file) => resolve(root, file)));
  const rest = outputs.filter((file) => file !== main);
  await build({
    ...common,
    splitting: true,
    entryPoints: Object.fromEntries(rest.map((file) => [entryName(file), source(file)])),
    plugins: [importFromMain(pkg.name, mainInputs)],
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  for (const dir of readdirSync(packages, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    await bundlePackage(join(packages, dir.name));
    // npm packs a package's own LICENSE only: each gets a copy of the repository's.
    copyFileSync(join(root, 'LICENSE'), join(packages, dir.name, 'LICENSE'));
  }
}
