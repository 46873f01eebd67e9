import { gzipSync } from 'node:zlib';
import { http, queue } from '@skyport/core';
import { aws, azure, gcp } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { invokeOnce } from './invoke.js';

describe('invokeOnce()', () => {
  it('prints a byte body alike on every cloud: text under a textual type, else exact base64', async () => {
    const ndjson = http({ method: 'GET', path: '/x' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'application/x-ndjson' },
      body: new TextEncoder().encode('{"a":1}\n'),
    }));
    const binary = http({ method: 'GET', path: '/x' }).handle(() => new Uint8Array([0xef, 0xbb, 0xbf, 0x41]));
    const windows1252 = http({ method: 'GET', path: '/x' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'text/csv; charset=windows-1252' },
      body: new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
    }));
    const gzipped = http({ method: 'GET', path: '/x' }).handle(() => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: new Uint8Array(gzipSync('{"a":1}')),
    }));
    for (const [cloud, event] of [
      ['node', { method: 'GET', path: '/x' }],
      ['azure', { method: 'GET', url: '/api/x' }],
      ['gcp', { method: 'GET', path: '/x' }],
    ] as const) {
      const text = (await invokeOnce(ndjson, 'x', event, cloud)).result as Record<string, unknown>;
      expect([cloud, text.body, text.isBase64Encoded]).toEqual([cloud, '{"a":1}\n', undefined]);
      const bytes = (await invokeOnce(binary, 'x', event, cloud)).result as Record<string, unknown>;
      expect([cloud, bytes.body, bytes.isBase64Encoded]).toEqual([cloud, '77u/QQ==', true]);
      const latin = (await invokeOnce(windows1252, 'x', event, cloud)).result as Record<string, unknown>;
      expect([cloud, latin.body, latin.isBase64Encoded]).toEqual([cloud, 'Y2Fm6Q==', true]);
      const zipped = (await invokeOnce(gzipped, 'x', event, cloud)).result as Record<string, unknown>;
      expect([cloud, zipped.isBase64Encoded, Buffer.from(String(zipped.body), 'base64')[0]]).toEqual([
        cloud,
        true,
        0x1f,
      ]);
    }
  });

  it('names the function after its export on every cloud', async () => {
    // Prepare
    const names: string[] = [];
    const fulfilOrder = queue({ name: 'orders' }).handle((_message, ctx) => {
      names.push(`${ctx.cloud}:${ctx.functionName}`);
    });

    // Act
    const outcomes = [
      await invokeOnce(fulfilOrder, 'fulfilOrder', { body: { orderId: 'ord_1' } }, 'node'),
      await invokeOnce(fulfilOrder, 'fulfilOrder', aws.sqs(), 'aws'),
      await invokeOnce(fulfilOrder, 'fulfilOrder', azure.queueMessage(), 'azure', { log: () => {} }),
      await invokeOnce(fulfilOrder, 'fulfilOrder', gcp.pubsubCloudEvent(), 'gcp'),
    ];

    // Assert
    expect(outcomes.map((outcome) => outcome.failed)).toEqual([false, false, false, false]);
    expect(names).toEqual(['node:fulfilOrder', 'aws:fulfilOrder', 'azure:fulfilOrder', 'gcp:fulfilOrder']);
  });

  it('names an http function after its export on every cloud', async () => {
    // Prepare
    const whoami = http({ method: 'GET', path: '/whoami' }).handle((_req, ctx) => ctx.functionName);

    // Act
    const node = await invokeOnce(whoami, 'whoami', { method: 'GET', path: '/whoami' }, 'node');
    const lambda = await invokeOnce(whoami, 'whoami', aws.apiGatewayV2({ method: 'GET', path: '/whoami' }), 'aws');
    const cloudRun = await invokeOnce(whoami, 'whoami', { method: 'GET', path: '/whoami' }, 'gcp');
    const functions = await invokeOnce(whoami, 'whoami', azure.httpRequest({ path: '/whoami' }), 'azure');

    // Assert
    expect(node.result).toMatchObject({ status: 200, body: 'whoami' });
    expect(lambda.result).toMatchObject({ statusCode: 200, body: 'whoami' });
    expect(cloudRun.result).toMatchObject({ status: 200, body: 'whoami' });
    expect(functions.result).toMatchObject({ status: 200, body: 'whoami' });
  });

  it('hands Azure log lines to the log option rather than the console', async () => {
    // Prepare
    const lines: string[] = [];
    const ship = queue({ name: 'orders' }).handle((message, ctx) => {
      ctx.log.info({ body: message.body }, 'shipped');
    });

    // Act
    await invokeOnce(ship, 'ship', azure.queueMessage({ orderId: 'ord_7' }), 'azure', {
      log: (line) => lines.push(line),
    });

    // Assert
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', body: { orderId: 'ord_7' }, msg: 'shipped' });
  });
});
