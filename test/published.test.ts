/**
 * The packages as npm publishes them. Each one is built, packed with `npm pack` and unpacked
 * into a consumer project that has only the tarballs of `@skyport/*` (everything else it
 * imports resolves from the repository's own install, as a registry install would give it).
 * The workspace links and the test aliases are out of the way, so this checks what no other
 * test does:
 * - every file the manifests point at is in the tarball;
 * - nothing is shipped that imports a package its manifest does not declare;
 * - the shipped declarations type-check a strict consumer under `nodenext` resolution;
 * - the shipped code runs.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const names = ['core', 'aws', 'azure', 'gcp', 'node', 'testing', 'otel'] as const;

interface Manifest {
  readonly name: string;
  readonly exports: Record<string, string | { types?: string; default?: string }>;
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { path: string }[];
}

let project: string;
let packed: Packed[];
/** Where each package was unpacked in the consumer project. */
const installed = (name: (typeof names)[number]) => join(project, 'node_modules/@skyport', name);
const manifestOf = (name: (typeof names)[number]): Manifest =>
  JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as Manifest;

beforeAll(() => {
  // Inside the repository, so third-party packages resolve from its node_modules.
  const cache = join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  project = mkdtempSync(join(cache, 'skyport-consumer-'));
  const tarballs = join(project, 'tarballs');
  mkdirSync(tarballs);
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  const workspaces = names.flatMap((name) => ['-w', `packages/${name}`]);
  // The build ran above; `prepack` would run it again for every package.
  const out = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs, ...workspaces],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  packed = JSON.parse(out) as Packed[];
  for (const name of names) {
    const tarball = packed.find((p) => p.name === `@skyport/${name}`)?.filename;
    if (tarball === undefined) throw new Error(`npm pack made no tarball for @skyport/${name}`);
    mkdirSync(installed(name), { recursive: true });
    execFileSync('tar', ['xzf', join(tarballs, tarball), '-C', installed(name), '--strip-components=1']);
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 300_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path).map((file) => join(entry, file)) : [entry];
  });
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** The packages a module or declaration file imports by name (static, dynamic and `import()` types). */
function importedPackages(text: string): Set<string> {
  const found = new Set<string>();
  // A specifier has no space or comma: `"from",` in a list of strings is not an import.
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'./\s,][^"'\s,]*)["']/g)) {
    const specifier = match[1] as string;
    if (specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier))) continue;
    found.add(packageOf(specifier));
  }
  return found;
}

describe('the published packages', () => {
  it.each(names)('@skyport/%s ships what its manifest points at, its README and LICENSE, and no sources', (name) => {
    // Prepare
    const files = new Set(packed.find((p) => p.name === `@skyport/${name}`)?.files.map((file) => file.path));
    const manifest = manifestOf(name);
    const targets = [
      ...Object.values(manifest.exports).flatMap((entry) =>
        typeof entry === 'string' ? [entry] : [entry.types, entry.default],
      ),
      ...Object.values(manifest.bin ?? {}),
    ].filter((target): target is string => target !== undefined);

    // Assert
    expect(targets.length).toBeGreaterThan(2);
    for (const target of targets) expect([...files], target).toContain(target.replace(/^\.\//, ''));
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect([...files].filter((file) => /(^src\/|\.test\.|\.tsbuildinfo$|\.d\.ts\.map$)/.test(file))).toEqual([]);
  });

  it.each(names)('@skyport/%s imports only packages its manifest declares', (name) => {
    // Prepare: `aws-lambda` is the module of `@types/aws-lambda`, a types-only dependency.
    const manifest = manifestOf(name);
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    if (declared.has('@types/aws-lambda')) declared.add('aws-lambda');

    // Act
    const undeclared: string[] = [];
    for (const file of filesUnder(installed(name)).filter((f) => /\.(js|d\.ts)$/.test(f))) {
      for (const dependency of importedPackages(readFileSync(join(installed(name), file), 'utf8'))) {
        if (!declared.has(dependency)) undeclared.push(`${dependency} (in ${file})`);
      }
    }

    // Assert
    expect(undeclared).toEqual([]);
  });

  it('type-checks a strict consumer of every entry point against the shipped declarations', () => {
    // Prepare
    const file = join(project, 'consumer.ts');
    writeFileSync(
      file,
      `
      import { app } from '@azure/functions';
      import { toLambda } from '@skyport/aws';
      import * as azure from '@skyport/azure';
      import { cors, http, queue, router, type HttpResponse } from '@skyport/core';
      import { apiKeyAuth } from '@skyport/core/auth';
      import { logger } from '@skyport/core/logger';
      import { tracing } from '@skyport/core/tracing';
      import * as gcp from '@skyport/gcp';
      import { serve } from '@skyport/node';
      import { startTelemetry } from '@skyport/otel';
      import { aws, httpRequest, invoke, message } from '@skyport/testing';
      import { z } from 'zod';

      const Todo = z.object({ title: z.string(), done: z.boolean().default(false) });
      export const create = http({ method: 'POST', path: '/todos', body: Todo })
        .use(cors())
        .use(apiKeyAuth({ keys: { k1: 'ada' } }))
        .use(logger())
        .use(tracing())
        .handle((req, ctx) => {
          const done: boolean = req.body.done;
          const subject: string | undefined = ctx.auth.subject;
          // @ts-expect-error: the body schema has no such field
          void req.body.missing;
          return { status: 201, body: { done, subject } };
        });
      export const remind = queue({ name: 'reminders', body: z.object({ id: z.string() }) }).handle((msg) => {
        const id: string = msg.body.id;
        void id;
      });
      // @ts-expect-error: cors() is http-only
      queue({ name: 'q' }).use(cors());
      export const handler = toLambda(router(create));
      azure.register(app, { create, remind });
      gcp.register({ create, remind });
      export const started = serve({ create, remind }, { port: 0 });
      export const telemetry = startTelemetry;
      export const answered: Promise<HttpResponse> = handler(aws.apiGatewayV2({ method: 'POST', path: '/todos' }), {} as never) as never;
      export const tested = invoke(create, httpRequest({ method: 'POST', path: '/todos', body: { title: 't' } }));
      export const batch = invoke(remind, [message({ body: { id: '1' } })]);
      `,
    );
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    });

    // Act
    const diagnostics = ts.getPreEmitDiagnostics(program);

    // Assert: checked against the unpacked copies; TypeScript would fall back on the workspace's
    // packages (up the tree) for a declaration missing from one.
    const files = program.getSourceFiles().map((source) => source.fileName);
    expect(files.filter((f) => f.startsWith(join(project, 'node_modules/@skyport/'))).length).toBeGreaterThan(20);
    expect(
      files.filter(
        (f) =>
          f.startsWith(join(root, 'packages/')) || (f.includes('/node_modules/@skyport/') && !f.startsWith(project)),
      ),
    ).toEqual([]);
    expect(
      diagnostics.map(
        (d) => `${relative(project, d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
      ),
    ).toEqual([]);
  }, 180_000);

  /**
   * The declarations TypeScript emits for `source`, in a project outside the repository installed
   * as pnpm does (a package reaches only its own dependencies) with the packed `packages`, and the
   * diagnostics it gives; the project is removed after.
   */
  function declarationsIn(packages: readonly string[], source: string): { errors: string[]; declarations: string } {
    const app = mkdtempSync(join(tmpdir(), 'skyport-linked-'));
    try {
      const dependencies = Object.fromEntries(
        packages.map((name) => [
          name,
          `file:${join(project, 'tarballs', packed.find((p) => p.name === name)?.filename as string)}`,
        ]),
      );
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'linked', private: true, type: 'module', dependencies }),
      );
      execFileSync(
        'npm',
        ['install', '--install-strategy=linked', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'],
        { cwd: app, stdio: 'pipe' },
      );
      const file = join(app, 'module.ts');
      writeFileSync(file, source);
      const emitted = new Map<string, string>();
      const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        declaration: true,
        emitDeclarationOnly: true,
        outDir: join(app, 'out'),
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      });
      const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
      program.emit(undefined, (name, text) => emitted.set(name, text));
      return { errors, declarations: emitted.get(join(app, 'out/module.d.ts')) ?? '' };
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }

  it('emits declarations naming the context middleware add in a consumer with isolated installs', () => {
    // Act: exports whose types include tracing()'s OpenTelemetry span
    const { errors, declarations } = declarationsIn(
      ['@skyport/core'],
      `
        import { http } from '@skyport/core';
        import { jwtAuth, requireScopes } from '@skyport/core/auth';
        import { logger } from '@skyport/core/logger';
        import { tracing } from '@skyport/core/tracing';
        export const traced = http({ method: 'GET', path: '/orders/:id' }).use(tracing()).use(logger());
        export const order = traced.handle((req, ctx) => ({ id: req.params.id, traceId: ctx.traceId }));
        export const admin = http().use(jwtAuth({ secret: 'a-secret-of-at-least-32-characters!' })).handle(() => 1).use(requireScopes('admin'));
        `,
    );

    // Assert: no TS2742 ("cannot be named without a reference to .store/@opentelemetry/api")
    expect(errors).toEqual([]);
    expect(declarations).toContain('import("@skyport/core/tracing").Span');
    expect(declarations).not.toContain('.store');
  }, 180_000);

  it("emits declarations naming toLambda()'s handlers in a consumer with isolated installs", () => {
    // Act: toLambda()'s handler of every kind; @types/aws-lambda is a dependency of @skyport/aws,
    // not of the project
    const { errors, declarations } = declarationsIn(
      ['@skyport/core', '@skyport/aws'],
      `
        import { fromLambda, toLambda } from '@skyport/aws';
        import { changes, events, http, queue, schedule, storage, stream } from '@skyport/core';
        export const api = toLambda(http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id })));
        export const legacy = toLambda(fromLambda(async () => ({ statusCode: 204 }), { kind: 'http' }));
        export const worker = toLambda(queue({ name: 'orders' }).handle(() => undefined));
        export const clicks = toLambda(stream({ name: 'clicks' }).handle(() => undefined));
        export const audit = toLambda(changes({ collection: 'orders' }).handle(() => undefined));
        export const uploads = toLambda(storage({ bucket: 'uploads' }).handle(() => undefined));
        export const nightly = toLambda(schedule({ cron: '0 3 * * *' }).handle(() => undefined));
        export const signups = toLambda(events({ type: 'user.created' }).handle(() => undefined));
        `,
    );

    // Assert: no TS2742 ("cannot be named without a reference to .store/@types+aws-lambda...")
    expect(errors).toEqual([]);
    expect(declarations).toContain('api: import("@skyport/aws").LambdaKindHandler<"http">;');
    expect(declarations).toContain('legacy: import("@skyport/aws").LambdaKindHandler<"http">;');
    expect(declarations).toContain('worker: import("@skyport/aws").LambdaQueueHandler;');
    expect(declarations).toContain('nightly: import("@skyport/aws").LambdaKindHandler<"schedule">;');
    expect(declarations).not.toContain('aws-lambda');
    expect(declarations).not.toContain('.store');
  }, 180_000);

  it('runs: the consumer imports every entry point and answers through toLambda and invoke()', () => {
    // Prepare
    const script = `
      import { toLambda, createLambdaContext } from '@skyport/aws';
      import { http, queue } from '@skyport/core';
      import { apiKeyAuth } from '@skyport/core/auth';
      import { logger } from '@skyport/core/logger';
      import { tracing } from '@skyport/core/tracing';
      import { aws, invoke, httpRequest, message } from '@skyport/testing';
      await Promise.all(['@skyport/azure', '@skyport/gcp', '@skyport/node', '@skyport/otel'].map((name) => import(name)));
      const create = http({ method: 'POST', path: '/todos' })
        .use(apiKeyAuth({ keys: { k1: 'ada' } }))
        .use(logger({ summary: false }))
        .use(tracing())
        .handle((req, ctx) => ({ status: 201, body: { title: req.body.title, subject: ctx.auth.subject } }));
      const remind = queue({ name: 'reminders' }).handle((msg) => { if (msg.body.fail) throw new Error('retry'); });
      const event = aws.apiGatewayV2({ method: 'POST', path: '/todos', headers: { 'x-api-key': 'k1' }, body: { title: 't' } });
      const lambda = await toLambda(create)(event, createLambdaContext());
      const denied = await invoke(create, httpRequest({ method: 'POST', path: '/todos', body: {} }));
      const batch = await invoke(remind, [message({ id: 'a', body: {} }), message({ id: 'b', body: { fail: true } })]);
      const paths = Object.fromEntries(
        ['@skyport/core', '@skyport/aws'].map((name) => [name, import.meta.resolve(name)]),
      );
      process.stdout.write('\\nresult ' + JSON.stringify({
        lambda: { statusCode: lambda.statusCode, body: JSON.parse(lambda.body) },
        denied: denied.status,
        failures: batch.failures.map((f) => f.id),
        paths,
      }));
    `;
    writeFileSync(join(project, 'consumer.mjs'), script);

    // Act
    const output = execFileSync(process.execPath, ['consumer.mjs'], { cwd: project, encoding: 'utf8' });
    const result = JSON.parse(output.slice(output.lastIndexOf('\nresult ') + '\nresult '.length));

    // Assert
    expect(result.lambda).toEqual({ statusCode: 201, body: { title: 't', subject: 'ada' } });
    expect(result.denied).toBe(401);
    expect(result.failures).toEqual(['b']);
    for (const url of Object.values(result.paths as Record<string, string>)) {
      expect(fileURLToPath(url)).toContain(join(project, 'node_modules/@skyport/'));
    }
    expect(existsSync(join(installed('node'), 'dist/cli.js'))).toBe(true);
  }, 60_000);

  it("runs a CommonJS TypeScript module through the skyport CLI, sharing the CLI's @skyport/core", () => {
    // Prepare: a project without "type": "module", whose TypeScript tsx compiles to CommonJS
    const app = join(project, 'cjs-app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }));
    writeFileSync(join(app, 'greeting.ts'), "export const greeting = (name: string): string => 'hello ' + name;\n");
    writeFileSync(
      join(app, 'functions.ts'),
      [
        "import { http } from '@skyport/core';",
        "import { greeting } from './greeting';",
        "export const format = typeof require === 'function' ? 'commonjs' : 'module';",
        "export const hello = http({ method: 'GET', path: '/hello/:name' }).handle((req) => ({ text: greeting(req.params.name), format }));",
      ].join('\n'),
    );
    writeFileSync(join(app, 'event.json'), JSON.stringify({ method: 'GET', path: '/hello/ada' }));
    const cli = join(installed('node'), 'dist/cli.js');

    // Act
    const output = execFileSync(process.execPath, [cli, 'invoke', 'functions.ts#hello', '--event', 'event.json'], {
      cwd: app,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    // Assert
    const result = JSON.parse(output) as { status: number; body: unknown };
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ text: 'hello ada', format: 'commonjs' });
  }, 60_000);
});
