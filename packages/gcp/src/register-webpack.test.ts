/**
 * `register()` in a bundle whose bundler rewrote `createRequire` as webpack 5 does: a call whose
 * argument is not a literal becomes `undefined`, the `node:module` import goes, `import.meta.url`
 * becomes the build machine's file and a bare `require` becomes a context that finds no module.
 * The framework is still loaded: with Node's own `createRequire`, from the copy of the
 * `functions-framework` binary that serves the code, and when nothing can load it the error says
 * to pass it in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type FrameworkPlaces, loadFramework, requireMaker } from './register.js';

const root = join(import.meta.dirname, '..', '..', '..');
const FRAMEWORK = '@google-cloud/functions-framework';
const repoRequire = createRequire(import.meta.url);
/** The framework the repository installs, as `require` gives it. */
const installed: unknown = repoRequire(FRAMEWORK);
/** The file the `functions-framework` binary runs. */
const binary = join(dirname(repoRequire.resolve(FRAMEWORK)), 'main.js');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-gcp-webpack-'));
  dirs.push(dir);
  return dir;
}

/** What webpack puts in place of a bare `require`: a context that finds no module. */
const webpackEmptyContext = `(function webpackEmptyContext(req) {
  const e = new Error("Cannot find module '" + req + "'");
  e.code = 'MODULE_NOT_FOUND';
  throw e;
})`;

/** The same context, for the tests that call `loadFramework()` themselves. */
const emptyContext = ((req: string) => {
  throw Object.assign(new Error(`Cannot find module '${req}'`), { code: 'MODULE_NOT_FOUND' });
}) as unknown as NodeJS.Require;

/** Places as a webpack bundle gives them, run from `cwd` by `main`. */
function webpackPlaces(cwd: string, main: string | undefined): FrameworkPlaces {
  return {
    url: pathToFileURL(join(cwd, 'build-machine', 'packages', 'gcp', 'src', 'register.ts')).href,
    given: emptyContext,
    main,
    cwd,
    createRequire: () => undefined,
  };
}

/** A folder holding a stand-in for the framework, told apart by `copy`. */
function withOtherFramework(): string {
  const dir = tempDir();
  const framework = join(dir, 'node_modules', '@google-cloud', 'functions-framework');
  mkdirSync(framework, { recursive: true });
  writeFileSync(join(framework, 'package.json'), JSON.stringify({ name: FRAMEWORK, main: 'index.js' }));
  writeFileSync(
    join(framework, 'index.js'),
    "exports.http = () => {}; exports.cloudEvent = () => {}; exports.copy = 'other';",
  );
  return dir;
}

describe('loadFramework() when createRequire gives undefined', () => {
  it("makes requires with Node's own createRequire", () => {
    const make = requireMaker(() => undefined);
    expect(make(import.meta.url)?.resolve(FRAMEWORK)).toBe(repoRequire.resolve(FRAMEWORK));
  });

  it('loads the framework from the working directory when the baked-in path and the bundle require find nothing', () => {
    expect(loadFramework(webpackPlaces(root, undefined))).toBe(installed);
  });

  it('loads the copy of the functions-framework binary that runs the process before the one next to the code', () => {
    const elsewhere = withOtherFramework();
    const places = { ...webpackPlaces(elsewhere, binary), url: pathToFileURL(join(elsewhere, 'index.js')).href };
    expect(loadFramework(places)).toBe(installed);
    // Started by any other file, the copy next to the code comes first.
    const byOther = { ...places, main: join(root, 'package.json') };
    expect((loadFramework(byOther) as unknown as { copy?: string }).copy).toBe('other');
  });

  it('says to install the framework or pass it in when no place has it', () => {
    const nowhere = tempDir();
    expect(() => loadFramework(webpackPlaces(nowhere, join(nowhere, 'index.js')))).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: `gcp: register() needs ${FRAMEWORK} (npm install ${FRAMEWORK}): Cannot find module '${FRAMEWORK}'; if it is installed, pass it in: import * as functions from '${FRAMEWORK}'; register(fns, { functions })`,
      }),
    );
  });

  it('says to pass the framework in when require() gives something else', () => {
    const nowhere = tempDir();
    const given = (() => ({})) as unknown as NodeJS.Require;
    expect(() => loadFramework({ ...webpackPlaces(nowhere, undefined), given })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: `gcp: register() could not load ${FRAMEWORK}: require() gave a module without http() and cloudEvent(); pass it in: import * as functions from '${FRAMEWORK}'; register(fns, { functions })`,
      }),
    );
  });

  it('says to pass the framework in when no require can be made at all', () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    expect(() => loadFramework({ ...webpackPlaces(root, binary), given: undefined })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: `gcp: register() could not load ${FRAMEWORK}: this build gives no working require() (a bundler replaced createRequire()); pass it in: import * as functions from '${FRAMEWORK}'; register(fns, { functions })`,
      }),
    );
  });
});

/** An entry registering an http router and a queue worker, as an application would. */
const entry = `
import { http, queue, router } from '@skyport/core';
import { register } from ${JSON.stringify(join(import.meta.dirname, 'register.ts'))};
const hello = http({ method: 'GET', path: '/hello' }).handle(() => ({ hello: 'world' }));
const worker = queue({ name: 'jobs' }).handle(() => undefined);
register({ api: router(hello), jobs: worker });
`;

/**
 * Rewrites register.ts as webpack 5 does when it bundles it (seen in its output): the
 * `node:module` import goes, each use of `createRequire` becomes `undefined`, `import.meta.url`
 * becomes the file's URL on the build machine and a bare `require` a context that finds nothing.
 */
const webpackRewrite: Plugin = {
  name: 'webpack-create-require',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]register\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const rewritten = source
        .replace(/^import \{ createRequire as (\w+) \} from 'node:module';\n/m, '')
        .replace(/\brequireFrom\((?:[^()]|\([^()]*\))*\)/g, '/* createRequire() */ undefined')
        .replace(/\brequireFrom\b/g, '/* createRequire */ undefined')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll("typeof require === 'function' ? require : undefined", webpackEmptyContext);
      // The rewrite must have found what it replaces, or the test would prove nothing.
      expect(source).toMatch(/^import \{ createRequire as requireFrom \} from 'node:module';$/m);
      expect(rewritten).not.toMatch(/\brequireFrom\b|import\.meta\.url|typeof require/);
      expect(rewritten).toContain('/* createRequire');
      return { contents: rewritten, loader: 'ts' };
    });
  },
};

/** Bundles the entry with the rewrite into a folder laid out like a deployed one. */
async function bundle(format: 'esm' | 'cjs'): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  writeFileSync(join(dir, 'entry.ts'), entry);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'dist', format === 'esm' ? 'index.mjs' : 'index.cjs');
  await build({
    entryPoints: [join(dir, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    outfile: file,
    external: [FRAMEWORK],
    plugins: [webpackRewrite],
    // pino loads Node built-ins with require, which webpack gives it and an ESM bundle lacks.
    ...(format === 'esm'
      ? {
          banner: {
            js: "import * as __nodeModule from 'node:module'; const require = __nodeModule.createRequire(import.meta.url);",
          },
        }
      : {}),
    logLevel: 'silent',
  });
  return { dir, file };
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Serves `target` from the bundle with the Functions Framework and sends it one request. */
async function serve(
  { dir, file }: { dir: string; file: string },
  target: string,
  request: { path: string; init?: RequestInit },
): Promise<{ status: number | undefined; body: string; output: string }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [binary, `--target=${target}`, `--source=${file}`, `--port=${port}`],
    { cwd: dir, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  try {
    let res: Response | undefined;
    for (let i = 0; i < 300 && !res && child.exitCode === null; i++) {
      res = await fetch(`http://127.0.0.1:${port}${request.path}`, request.init).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 25));
        return undefined;
      });
    }
    return { status: res?.status, body: (await res?.text()) ?? '', output };
  } finally {
    child.kill('SIGKILL');
  }
}

const pubsubEvent: RequestInit = {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
    'ce-source': '//pubsub.googleapis.com/projects/demo/topics/jobs',
    'ce-id': '1',
  },
  body: JSON.stringify({ message: { data: 'e30=', messageId: '1' }, subscription: 'projects/demo/subscriptions/jobs' }),
};

describe.each([
  ['an ESM', 'esm'],
  ['a CommonJS', 'cjs'],
] as const)('%s bundle whose createRequire was rewritten as webpack does', (_, format) => {
  it('is served by the Functions Framework: the http router and the queue worker', async () => {
    // Prepare
    const built = await bundle(format);

    // Act
    const api = await serve(built, 'api', { path: '/hello' });
    const jobs = await serve(built, 'jobs', { path: '/', init: pubsubEvent });

    // Assert
    expect(api.status, api.output).toBe(200);
    expect(JSON.parse(api.body)).toEqual({ hello: 'world' });
    expect(jobs.status, jobs.output).toBe(204);
  }, 30_000);
});
