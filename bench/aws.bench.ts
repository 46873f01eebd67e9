/**
 * AWS adapter overhead: the same validated JSON POST (an API Gateway HTTP API v2 event) through
 * a raw Lambda handler (`JSON.parse` + zod + `JSON.stringify`, the baseline), `toLambda`, middy 6
 * (http-json-body-parser + a zod middleware + http-error-handler) and `hono/aws-lambda`, in one
 * process; then the 422 path raw vs `toLambda`; then the minified + gzipped size of a hello-world
 * `toLambda` bundle and the median import time of `@skyport/core` + `@skyport/aws` in fresh
 * processes, once Node's module loader is running (as it is for the handler module that imports
 * them). Packages are imported by name, so this measures the built `dist` (`npm run build`).
 * Targets: validated POST <= 1.25x raw, 422 <= 1.5x raw 422, bundle <= 8 kB / 3.5 kB gzip,
 * import <= 20 ms. Information rows follow the last two: the adapter's share of the bundle
 * (core left out), the import time of `@skyport/core` alone and the module loader's own start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { http } from '@skyport/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { measure, report } from './harness.js';
import { bad, body, handleOrder, Order } from './orders.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const good = body;

const event = (body: string): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'POST /orders',
  rawPath: '/orders',
  rawQueryString: '',
  headers: {
    accept: '*/*',
    'content-length': String(body.length),
    'content-type': 'application/json',
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'bench',
    'x-amzn-trace-id': 'Root=1-66705bc7-2b4257df30cbee696ef2cf28',
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'abc123',
    http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'bench' },
    requestId: 'ZhNHJhhLjoEEPiw=',
    routeKey: 'POST /orders',
    stage: '$default',
    time: '17/Jun/2024:15:52:39 +0000',
    timeEpoch: 1718639559080,
  },
  body,
  isBase64Encoded: false,
});
const goodEvent = event(good);
const badEvent = event(bad);
const context = createLambdaContext({ functionName: 'orders', timeoutMs: 900_000 });
// middy's body parser replaces event.body, so every case gets a fresh shallow copy alike.
const fresh = (e: APIGatewayProxyEventV2) => ({ ...e });

// Baseline: what a careful hand-written Lambda handler does.
async function raw(e: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return handleOrder(e.body);
}

const skyport = toLambda(
  http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
    status: 201,
    body: { id: 'o1', ...req.body },
  })),
);

interface MiddyRequest {
  event: { body: unknown };
}
const zodValidator = {
  before: (request: MiddyRequest) => {
    const result = Order.safeParse(request.event.body);
    if (!result.success) {
      throw Object.assign(new Error(JSON.stringify(result.error.issues.map((i) => i.path.join('.')))), {
        statusCode: 422,
        expose: true,
      });
    }
    request.event.body = result.data;
  },
};
const middyHandler = middy(async (e: { body: unknown }) => ({
  statusCode: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'o1', ...(e.body as object) }),
}))
  .use(httpJsonBodyParser())
  .use(zodValidator)
  .use(httpErrorHandler({ logger: false }));

const app = new Hono();
app.post('/orders', async (c) => {
  const result = Order.safeParse(await c.req.json());
  if (!result.success) return c.json({ status: 422 }, 422);
  return c.json({ id: 'o1', ...result.data }, 201);
});
const honoHandler = handle(app);

// Sanity: every case answers the same status before it is timed.
const statuses = await Promise.all([
  raw(fresh(goodEvent)),
  skyport(fresh(goodEvent), context),
  middyHandler(fresh(goodEvent) as never, context),
  honoHandler(fresh(goodEvent) as never, context),
]);
for (const s of statuses) {
  if ((s as { statusCode?: number }).statusCode !== 201) throw new Error(`unexpected ${JSON.stringify(s)}`);
}

// The peers are measured against raw in a run of their own: interleaved with the target pair,
// the garbage of a case tens of times slower lands in the rounds of the two compared.
console.log('validated POST (API Gateway v2 event)');
report(
  await measure([
    { name: 'raw Lambda handler', fn: () => raw(fresh(goodEvent)) },
    { name: 'skyport toLambda', fn: () => skyport(fresh(goodEvent), context) },
  ]),
  { 'skyport toLambda': 1.25 },
);
console.log('\nthe same POST in the peers');
report(
  await measure([
    { name: 'raw Lambda handler', fn: () => raw(fresh(goodEvent)) },
    { name: 'middy 6 + json parser + zod + error handler', fn: () => middyHandler(fresh(goodEvent) as never, context) },
    { name: 'hono/aws-lambda', fn: () => honoHandler(fresh(goodEvent) as never, context) },
  ]),
);

console.log('\n422 path');
report(
  await measure([
    { name: 'raw 422', fn: () => raw(fresh(badEvent)) },
    { name: 'skyport toLambda 422', fn: () => skyport(fresh(badEvent), context) },
    { name: 'middy 6 422', fn: () => middyHandler(fresh(badEvent) as never, context) },
  ]),
  { 'skyport toLambda 422': 1.5 },
);

/** The minified esbuild bundle of `contents`, resolving packages to their built dist. */
async function bundle(contents: string, external: string[] = []): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    // Resolve packages through node_modules to their built dist, not the repo's tsconfig paths.
    tsconfigRaw: {},
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    external,
  });
  return result.outputFiles[0]?.contents ?? new Uint8Array();
}

const bytes = await bundle(
  [
    "import { http } from '@skyport/core';",
    "import { toLambda } from '@skyport/aws';",
    "export const handler = toLambda(http({ method: 'GET', path: '/hello' }).handle(() => ({ hello: 'world' })));",
  ].join('\n'),
);
const gzip = gzipSync(bytes).byteLength;
const kb = (n: number) => `${(n / 1024).toFixed(2)} kB`;
console.log(
  `\nhello-world toLambda bundle: ${kb(bytes.byteLength)} minified (target <= 8 kB: ${bytes.byteLength <= 8192 ? 'met' : 'MISSED'}), ${kb(gzip)} gzip (target <= 3.5 kB: ${gzip <= 3584 ? 'met' : 'MISSED'})`,
);

// The adapter's share: the same bundle with @skyport/core left out (information, no target).
const adapterBytes = await bundle(
  "import { toLambda } from '@skyport/aws'; export const handler = toLambda(globalThis.fn);",
  ['@skyport/core'],
);
console.log(
  `  of which @skyport/aws: ${kb(adapterBytes.byteLength)} minified, ${kb(gzipSync(adapterBytes).byteLength)} gzip`,
);

// A Lambda handler module is itself a file Node's ESM loader loads, so the loader is running
// before the handler imports Skyport: each probe first imports an empty module file, as the
// handler would be, and times what the imports add. The loader's own start is printed apart.
const handlerFile = join(mkdtempSync(join(tmpdir(), 'skyport-probe-')), 'handler.mjs');
writeFileSync(handlerFile, 'export {};\n');
const probe = (specifiers: readonly string[]) =>
  [
    `const s = performance.now(); await import(${JSON.stringify(pathToFileURL(handlerFile).href)}); const t = performance.now();`,
    ...specifiers.map((specifier) => `await import('${specifier}');`),
    'process.stdout.write(JSON.stringify([t - s, performance.now() - t]));',
  ].join(' ');
const importMs = (code: string) =>
  JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' })) as [
    number,
    number,
  ];
// Core alone is measured interleaved with core + aws, so the adapter's part can be read off.
const times: number[] = [];
const coreTimes: number[] = [];
const loaderTimes: number[] = [];
for (let i = 0; i < 11; i++) {
  const [loader, both] = importMs(probe(['@skyport/core', '@skyport/aws']));
  loaderTimes.push(loader);
  times.push(both);
  coreTimes.push(importMs(probe(['@skyport/core']))[1]);
}
const medianOf = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
const median = medianOf(times);
console.log(
  `import @skyport/core + @skyport/aws (median of ${times.length} fresh processes): ${median.toFixed(1)} ms (target <= 20 ms: ${median <= 20 ? 'met' : 'MISSED'})`,
);
console.log(`  @skyport/core alone: ${medianOf(coreTimes).toFixed(1)} ms`);
console.log(`  (before either, Node's module loader starts in ${medianOf(loaderTimes).toFixed(1)} ms)`);
