import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The raw factories until the testing index re-exports them as `aws`.
import { apiGatewayV2, lambdaContext, sqs } from '../../packages/testing/src/raw/aws.js';

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

describe('orders Lambda bundle', () => {
  it('bundles every entry point into one ESM file', () => {
    expect(size).toBeGreaterThan(0);
    expect(Object.keys(bundle).sort()).toEqual(['api', 'fulfilOrder', 'nightlyReport', 'receiptUploaded']);
  });

  it('creates an order from an HTTP API v2 POST and fulfils it from an SQS batch', async () => {
    // Prepare
    const post = apiGatewayV2({
      method: 'POST',
      path: '/orders',
      body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] },
    });
    // Act
    const created = (await bundle.api?.(post, lambdaContext({ awsRequestId: 'req-1' }))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    // Assert
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/^\/orders\/ord_\d+$/);
    const order = JSON.parse(created.body) as { id: string; total: number; status: string };
    expect(order).toMatchObject({ total: 25, status: 'pending' });

    const batch = sqs([
      { id: 'ok', body: { orderId: order.id } },
      { id: 'unknown', body: { orderId: 'ord_missing' } },
      { id: 'invalid', body: { nope: true } },
    ]);
    const result = await bundle.fulfilOrder?.(batch, lambdaContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'unknown' }, { itemIdentifier: 'invalid' }] });

    const read = (await bundle.api?.(apiGatewayV2({ path: `/orders/${order.id}` }), lambdaContext())) as {
      body: string;
    };
    expect(JSON.parse(read.body)).toMatchObject({ id: order.id, status: 'fulfilled' });
  });
});
