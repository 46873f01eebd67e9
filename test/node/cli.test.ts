import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { fixturePath, root, runNode, startNode } from './helpers.js';

// Each test starts Node processes, which take seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const cli = 'packages/node/src/cli.ts';
const orders = 'examples/orders/src/functions.ts';

describe('the skyport CLI', () => {
  it('invoke --cloud node runs an http function on a portable request fixture', async () => {
    // Act
    const { code, stdout } = await runNode([
      cli,
      'invoke',
      `${orders}#api`,
      '--event',
      fixturePath('node/create-order.json'),
    ]);

    // Assert
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { status: number; headers: Record<string, string>; body: unknown };
    expect(result.status).toBe(201);
    expect(result.headers.location).toBe('/orders/ord_1');
    expect(result.body).toMatchObject({ id: 'ord_1', total: 25, status: 'pending' });
  });

  it('invoke --cloud node reports a failed batch and exits 1, logs on stderr', async () => {
    // Act
    const { code, stdout, stderr } = await runNode([
      cli,
      'invoke',
      `${orders}#fulfilOrder`,
      '--cloud',
      'node',
      '--event',
      fixturePath('node/fulfil-batch.json'),
    ]);

    // Assert
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as { ok: boolean; failures: { id: string; error: { name: string } }[] };
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => [f.id, f.error.name])).toEqual([
      ['m1', 'NotFound'],
      ['m2', 'SkyportError'],
    ]);
    expect(stderr).toContain('"msg":"message m1 failed"');
  });

  it('invoke --cloud node exits 0 when the event succeeds (a storage event outside the prefix is acknowledged)', async () => {
    // Act
    const { code, stdout } = await runNode([
      cli,
      'invoke',
      `${orders}#receiptUploaded`,
      '-e',
      fixturePath('node/receipt.json'),
    ]);

    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, failures: [] });
  });

  it('invoke --cloud aws runs a real SQS sample through invokeLambda and exits 1 for its failed messages', async () => {
    // Act
    const { code, stdout } = await runNode([
      cli,
      'invoke',
      `${orders}#fulfilOrder`,
      '--cloud',
      'aws',
      '--event',
      fixturePath('aws/sqs/powertools-ts__base.json'),
    ]);

    // Assert
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      batchItemFailures: [
        { itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' },
        { itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da' },
      ],
    });
  });

  it('invoke --cloud aws runs the schedule on a real EventBridge sample and exits 0', async () => {
    // Act
    const { code, stderr } = await runNode([
      cli,
      'invoke',
      `${orders}#nightlyReport`,
      '--cloud',
      'aws',
      '--event',
      fixturePath('aws/eventbridge/aws-lambda-dotnet__scheduled-event.json'),
    ]);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toContain('nightly report');
    expect(stderr).toContain('"scheduledTime":"1970-01-01T00:00:00.000Z"');
  });

  it('events prints a portable sample that invoke accepts', async () => {
    // Act
    const { code, stdout } = await runNode([cli, 'events', 'node', 'queue']);

    // Assert
    expect(code).toBe(0);
    const event = JSON.parse(stdout) as { id: string; body: unknown; source: string };
    expect(event.body).toEqual({ orderId: 'ord_1' });
    expect(event.source).toBe('orders');
    expect(event.id).toMatch(/^msg-/);
  });

  it('events prints raw samples from the test kit that invoke --cloud aws runs', async () => {
    // Act
    const sample = await runNode([cli, 'events', 'aws', 'sqs']);
    const file = join(mkdtempSync(join(tmpdir(), 'skyport-cli-')), 'sqs.json');
    writeFileSync(file, sample.stdout);
    const invoked = await runNode([cli, 'invoke', `${orders}#fulfilOrder`, '--cloud', 'aws', '--event', file]);
    const list = await runNode([cli, 'events', 'gcp']);

    // Assert
    expect(sample.code).toBe(0);
    const event = JSON.parse(sample.stdout) as { Records: { eventSource: string; messageId: string }[] };
    expect(event.Records.map((r) => r.eventSource)).toEqual(['aws:sqs']);
    // The sample's body is {}: no orderId, so the message is reported for retry and invoke exits 1.
    expect(invoked.code).toBe(1);
    expect(JSON.parse(invoked.stdout)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    });
    // Without a source: the sources, one per line on stdout.
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('pubsubPush');
  });

  it('events finds a raw factory by a loose name', async () => {
    // Act
    const { code, stdout } = await runNode([cli, 'events', 'aws', 'api-gateway-v2']);

    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ version: '2.0', routeKey: '$default' });
  });

  it('prints help for the CLI and each command', async () => {
    // Act
    const main = await runNode([cli, '--help']);
    const invoke = await runNode([cli, 'invoke', '--help']);

    // Assert
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: skyport <command>');
    expect(invoke.code).toBe(0);
    expect(invoke.stdout).toContain('--cloud aws');
  });

  it('serve passes --timeout, --keep-alive-timeout and --shutdown-timeout on to the server', async () => {
    // Prepare: a module whose functions show the request deadline and stay in flight for 5 s.
    const core = pathToFileURL(join(root, 'packages/core/src/index.ts')).href;
    const module = join(mkdtempSync(join(tmpdir(), 'skyport-cli-')), 'app.mts');
    writeFileSync(
      module,
      [
        `import { http } from ${JSON.stringify(core)};`,
        "export const deadline = http({ method: 'GET', path: '/deadline' }).handle((_req, ctx) => ({ remainingMs: ctx.remainingTimeMs() }));",
        "export const slow = http({ method: 'POST', path: '/slow' }).handle(async (_req, ctx) => {",
        "  ctx.log.info('slow request started');",
        '  await new Promise((resolve) => setTimeout(resolve, 5000));',
        "  return 'done';",
        '});',
      ].join('\n'),
    );
    const child = startNode([
      cli,
      'serve',
      module,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--timeout',
      '60000',
      '--keep-alive-timeout',
      '12345',
      '--shutdown-timeout',
      '200',
    ]);
    await child.waitFor('skyport: serving');
    const url = /serving \d+ functions? at (http:\/\/\S+)/.exec(child.stdout())?.[1];

    // Act
    const res = await fetch(`${url}/deadline`);
    const body = (await res.json()) as { remainingMs: number };
    const inflight = fetch(`${url}/slow`, { method: 'POST' }).then(
      (response) => response.status,
      () => 'cut',
    );
    await child.waitFor('slow request started');
    const stopping = Date.now();
    child.process.kill('SIGTERM');
    const outcome = await inflight;
    const code = await child.exited;

    // Assert
    // --timeout: a deadline 60 s after the request arrived.
    expect(body.remainingMs).toBeGreaterThan(50_000);
    expect(body.remainingMs).toBeLessThanOrEqual(60_000);
    // --keep-alive-timeout: Node announces it in seconds.
    expect(res.headers.get('keep-alive')).toBe('timeout=12');
    // --shutdown-timeout: the 5-second request is cut after 200 ms instead of finishing.
    expect(outcome).toBe('cut');
    expect(Date.now() - stopping).toBeLessThan(4_000);
    expect(code).toBe(0);
  });

  it("serve --host '' listens on every interface and prints a URL that parses", async () => {
    // Prepare
    const child = startNode([cli, 'serve', 'test/node/slow-app.ts', '--port', '0', '--host', ''], { HOST: '' });
    await child.waitFor('skyport: serving');

    // Act
    const url = /serving \d+ functions? at (\S+)/.exec(child.stdout())?.[1] ?? '';
    const port = new URL(url).port;
    const res = await fetch(`http://127.0.0.1:${port}/slow?ms=0`, { method: 'POST' });
    child.process.kill('SIGTERM');
    const code = await child.exited;

    // Assert
    expect(url).toBe(`http://localhost:${port}`);
    expect(res.status).toBe(200);
    expect(code).toBe(0);
  });

  it.concurrent.each([
    [['bogus'], 'unknown command "bogus"'],
    [['invoke', `${orders}#api`], 'missing --event'],
    [['invoke', orders, '--event', 'x.json'], 'name the function: <module>#<export>'],
    [
      ['invoke', `${orders}#api`, '--cloud', 'oracle', '--event', 'x.json'],
      '--cloud must be one of node, aws, azure, gcp',
    ],
    [['invoke', `${orders}#api`, '--event', 'does-not-exist.json'], 'cannot read the event file'],
    [['invoke', `${orders}#nope`, '--event', fixturePath('node/receipt.json')], 'has no Skyport function "nope"'],
    [['invoke', 'missing.ts#fn', '--event', 'x.json'], 'module not found: missing.ts'],
    [['serve', orders, '--port', 'abc'], '--port must be a non-negative integer'],
    [['serve', orders, '--timeout', '0'], '--timeout must be a positive integer, got "0"'],
    [
      ['serve', orders, '--keep-alive-timeout', '10s'],
      '--keep-alive-timeout must be a non-negative integer (0-2147483647), got "10s"',
    ],
    [
      ['dev', orders, '--shutdown-timeout', '3000000000'],
      '--shutdown-timeout must be a non-negative integer (0-2147483647), got "3000000000"',
    ],
    [['events', 'node', 'carrier-pigeon'], 'unknown source "carrier-pigeon"'],
    [['events', 'oracle', 'x'], 'unknown cloud "oracle"'],
    [['events', '--verbose'], "Unknown option '--verbose'"],
  ])('exits 2 with a clear message for bad arguments: %j', async (args, message) => {
    // Act
    const { code, stderr, stdout } = await runNode([cli, ...args]);

    // Assert
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });
});
