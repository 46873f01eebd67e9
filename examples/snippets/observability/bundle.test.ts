/**
 * docs/aws.md, the esbuild command for a Lambda bundle: the observability example
 * (`create-order.ts`: `logger()`, `tracing()` and `startTelemetry()` from `@skyport/otel`) bundled
 * with the page's command and banner loads and answers in a process of its own, as Lambda loads it.
 * `@opentelemetry/sdk-node` stays external, as docs/middleware.md says for `@skyport/otel`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aws } from '@skyport/testing';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'skyport-otel-bundle-'));
// The bundle's folder has the packages installed, as a deployment package with sdk-node has.
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The esbuild command of docs/aws.md, its `\` line breaks joined. */
const command = (() => {
  const page = readFileSync(join(root, 'docs/aws.md'), 'utf8');
  const block = /```sh\n(esbuild handler\.ts [\s\S]*?)```/.exec(page)?.[1] ?? '';
  return block.replace(/\\\n\s*/g, '').trim();
})();

/** The banner the guides gave before: it declares `createRequire` at the top of the bundle. */
const oldBanner =
  '--banner:js="import { createRequire } from \'node:module\'; const require = createRequire(import.meta.url);"';

/** Bundles `source` (the Lambda entry) with `script`, the page's command unless given. */
function bundle(name: string, source: string, script = command): string {
  expect(script).toMatch(/^esbuild handler\.ts .*--outfile=dist\/handler\.mjs .*--banner:js="/);
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  const args = [
    `--tsconfig=${JSON.stringify(join(root, 'tsconfig.json'))}`,
    '--external:@opentelemetry/sdk-node',
    '--log-level=warning',
  ].join(' ');
  const full = script
    .replace(/^esbuild handler\.ts /, `esbuild ${JSON.stringify(entry)} `)
    .replace('--outfile=dist/handler.mjs', `--outfile=${JSON.stringify(outfile)} ${args}`);
  const built = spawnSync('sh', ['-c', full], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` },
  });
  expect(built.status, built.stderr).toBe(0);
  return outfile;
}

const order = join(import.meta.dirname, 'create-order.ts');
const lambdaEntry = [
  "import { toLambda } from '@skyport/aws';",
  `import { createOrder } from ${JSON.stringify(order)};`,
  'export const handler = toLambda(createOrder);',
];

/** Loads `file` in a process of its own and posts an order to its handler. */
function post(file: string) {
  const event = aws.apiGatewayV2({
    method: 'POST',
    path: '/orders',
    body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2 }] },
  });
  const code = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    `const out = await handler(${JSON.stringify(event)}, { awsRequestId: 'r-1', functionName: 'create-order', getRemainingTimeInMillis: () => 3000 });`,
    'process.stderr.write("result:" + JSON.stringify(out) + "\\n");',
    'process.exit(0);',
  ].join(' ');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 20_000,
    // Nothing listens there: spans and metrics go nowhere, quickly.
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_METRICS_EXPORTER: 'none',
      NODE_ENV: 'production',
    },
  });
  const result = /^result:(.*)$/m.exec(child.stderr)?.[1];
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, result };
}

describe('a Lambda bundle with @skyport/otel and logger()', () => {
  it('loads and answers with the banner of docs/aws.md, beside an import of createRequire', () => {
    // Prepare: the entry imports createRequire itself, as code in a bundle may.
    const file = bundle(
      'documented',
      [
        "import { createRequire } from 'node:module';",
        ...lambdaEntry,
        "export const sdk = createRequire(import.meta.url).resolve('@opentelemetry/sdk-node');",
      ].join('\n'),
    );

    // Act
    const run = post(file);

    // Assert
    expect(run.stderr).not.toContain('SyntaxError');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.result ?? '{}')).toMatchObject({ statusCode: 201 });
    expect(run.stdout).toContain('order created');
  });

  it('loads and answers with the banner the guides gave before', () => {
    // @skyport/otel imports createRequire from node:module as well: the two must not clash.
    const script = command.replace(/--banner:js="[^"]*"/, oldBanner);
    expect(script).toContain(oldBanner);
    const file = bundle('old-banner', lambdaEntry.join('\n'), script);

    const run = post(file);

    expect(run.stderr).not.toContain('SyntaxError');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.result ?? '{}')).toMatchObject({ statusCode: 201 });
    expect(run.stdout).toContain('order created');
  });

  it('is bundled the same way in docs/migrating.md', () => {
    const page = readFileSync(join(root, 'docs/migrating.md'), 'utf8');
    const block = /```sh\n(esbuild handler\.ts [\s\S]*?)```/.exec(page)?.[1] ?? '';
    expect(block.replace(/\\\n\s*/g, '').trim()).toBe(command);
  });
});
