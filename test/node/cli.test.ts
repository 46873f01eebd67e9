import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, runNode } from './helpers.js';

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
