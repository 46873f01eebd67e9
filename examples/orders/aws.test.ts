import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { aws } from '@skyport/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = (pkg: string) => join(root, 'packages', pkg, 'src', 'index.ts');

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let dir: string;
let bundle: Record<string, Handler>;
let size = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skyport-orders-aws-'));
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./aws.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    alias: { '@skyport/core': source('core'), '@skyport/aws': source('aws') },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  size = output.contents.byteLength;
  const file = join(dir, 'aws.mjs');
  await writeFile(file, output.contents);
  bundle = (await import(pathToFileURL(file).href)) as Record<string, Handler>;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The banner docs/aws.md gives, read from it: pino (behind `logger()`) is CommonJS and requires
 * Node built-ins, which an ESM bundle can do only with a `require` of its own.
 */
const banner = /--banner:js="([^"]+)"/.exec(readFileSync(join(root, 'docs/aws.md'), 'utf8'))?.[1] ?? '';

describe('a Lambda bundle with logger()', () => {
  it('loads and logs with the documented banner', async () => {
    expect(banner).toContain('createRequire(import.meta.url)');
    const result = await build({
      stdin: {
        contents: [
          "import { http } from '@skyport/core';",
          "import { logger } from '@skyport/core/logger';",
          "import { toLambda } from '@skyport/aws';",
          'export const handler = toLambda(http().use(logger()).handle((_req, ctx) => { ctx.log.info("hi"); return { ok: true }; }));',
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      banner: { js: banner },
      alias: {
        '@skyport/core/logger': join(root, 'packages/core/src/logger/index.ts'),
        '@skyport/core': source('core'),
        '@skyport/aws': source('aws'),
      },
      logLevel: 'silent',
    });
    const file = join(dir, 'logged.mjs');
    await writeFile(file, result.outputFiles[0]?.contents ?? new Uint8Array());
    // In a process of its own, as Lambda loads it: the test runner's module loader lends bundles a `require`.
    const run = [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
      `const out = await handler(${JSON.stringify(aws.apiGatewayV2({ path: '/' }))}, { awsRequestId: 'r-1', functionName: 'f', getRemainingTimeInMillis: () => 3000 });`,
      'process.stderr.write(JSON.stringify(out));',
    ].join(' ');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', run], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stderr)).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
    expect(child.stdout).toContain('"message":"hi"');
  });
});

describe('orders Lambda bundle', () => {
  it('bundles every entry point into one ESM file', () => {
    expect(size).toBeGreaterThan(0);
    expect(Object.keys(bundle).sort()).toEqual([
      'api',
      'fulfilOrder',
      'nightlyReport',
      'ordersExport',
      'receiptUploaded',
    ]);
  });

  it('answers the streaming export whole where no Lambda streaming runtime is (a local run)', async () => {
    const post = aws.apiGatewayV2({
      method: 'POST',
      path: '/orders',
      body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 3 }] },
    });
    await bundle.api?.(post, aws.lambdaContext({ awsRequestId: 'req-e1' }));
    const exported = (await bundle.ordersExport?.(
      aws.apiGatewayV2({ path: '/orders/export', headers: { origin: 'https://shop.example' } }),
      aws.lambdaContext({ awsRequestId: 'req-e2' }),
    )) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toBe('application/x-ndjson');
    expect(exported.headers['access-control-allow-origin']).toBe('*');
    const lines = exported.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { customer: string });
    expect(lines.at(-1)?.customer).toBe('ada@example.com');
  });

  it('creates an order from an HTTP API v2 POST and fulfils it from an SQS batch', async () => {
    // Prepare
    const post = aws.apiGatewayV2({
      method: 'POST',
      path: '/orders',
      body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] },
    });
    // Act
    const created = (await bundle.api?.(post, aws.lambdaContext({ awsRequestId: 'req-1' }))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    // Assert
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/^\/orders\/ord_\d+$/);
    const order = JSON.parse(created.body) as { id: string; total: number; status: string };
    expect(order).toMatchObject({ total: 25, status: 'pending' });

    const batch = aws.sqs([
      { id: 'ok', body: { orderId: order.id } },
      { id: 'unknown', body: { orderId: 'ord_missing' } },
      { id: 'invalid', body: { nope: true } },
    ]);
    const result = await bundle.fulfilOrder?.(batch, aws.lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'unknown' }, { itemIdentifier: 'invalid' }] });

    const read = (await bundle.api?.(aws.apiGatewayV2({ path: `/orders/${order.id}` }), aws.lambdaContext())) as {
      body: string;
    };
    expect(JSON.parse(read.body)).toMatchObject({ id: order.id, status: 'fulfilled' });
  });
});
