import { http, queue, router, SkyportError, stream } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchFailedError } from './errors.js';
import { invokeAzure } from './invoke.js';

const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({
  id: req.params.id,
  expand: req.query.expand,
}));
const createOrder = http({ method: 'POST', path: '/orders', body: z.object({ sku: z.string() }) }).handle((req) => ({
  status: 201,
  body: { sku: req.body.sku },
}));
const upload = http({ method: 'PUT', path: '/blobs/:name' }).handle((req) => ({
  size: req.rawBody.byteLength,
  type: req.header('content-type'),
}));

describe('invokeAzure', () => {
  it('runs http functions from a JSON request through a real HttpRequest', async () => {
    // Act
    const routed = await invokeAzure(router(getOrder, createOrder), {
      method: 'POST',
      url: '/api/orders',
      body: { sku: 'book' },
    });
    const single = await invokeAzure(getOrder, {
      url: 'http://localhost:7071/api/orders/42',
      query: { expand: 'lines' },
      params: { id: '42' },
    });
    const binary = await invokeAzure(upload, {
      method: 'PUT',
      url: '/api/blobs/a.bin',
      headers: { 'Content-Type': 'application/octet-stream' },
      bodyBase64: Buffer.from([1, 2, 3]).toString('base64'),
    });

    const initForm = await invokeAzure(upload, {
      method: 'PUT',
      url: 'http://localhost:7071/api/blobs/b.txt?x=1',
      query: { x: '1' },
      headers: { 'content-type': 'text/plain' },
      body: { bytes: [104, 105] },
    });

    // Assert
    expect(routed).toEqual({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"sku":"book"}' });
    expect(single.body).toBe('{"id":"42","expand":"lines"}');
    expect(binary.body).toBe('{"size":3,"type":"application/octet-stream"}');
    expect(initForm.body).toBe('{"size":2,"type":"text/plain"}');
  });

  it('runs message functions from { trigger, triggerMetadata } and rejects as the host would see it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const logs: string[] = [];
    const fn = queue({ name: 'orders', body: z.object({ orderId: z.string() }) }).handle((msg, ctx) => {
      seen.push([msg.id, msg.attempt, msg.body, ctx.requestId]);
      ctx.log.info('ok');
    });

    // Act
    const done = await invokeAzure(
      fn,
      { trigger: { orderId: 'ord_1' }, triggerMetadata: { id: 'm-1', dequeueCount: 2 } },
      { invocationId: 'inv-9', logHandler: (level) => logs.push(level) },
    );
    const failed = await invokeAzure(fn, { trigger: { nope: true } }, { logHandler: () => undefined }).catch(
      (e: unknown) => e,
    );

    // Assert
    expect(done).toBeUndefined();
    expect(seen).toEqual([['m-1', 2, { orderId: 'ord_1' }, 'inv-9']]);
    expect(logs).toEqual(['information']);
    expect(failed).toBeInstanceOf(BatchFailedError);
  });

  it('honours an explicit trigger type', async () => {
    // Prepare
    const seen: string[] = [];
    const fn = stream({ name: 'clicks' }).handle((record) => {
      seen.push(`${record.source}:${record.sequence}`);
    });

    // Act
    await invokeAzure(fn, {
      trigger: [{ a: 1 }, { a: 2 }],
      triggerMetadata: { sequenceNumberArray: [5, 6] },
      triggerType: 'eventHubTrigger',
    });

    // Assert
    expect(seen).toEqual(['clicks:5', 'clicks:6']);
  });

  it('refuses inputs it cannot describe to Azure', async () => {
    const fn = queue({ name: 'q' }).handle(() => undefined);
    await expect(invokeAzure(fn, { payload: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(invokeAzure(getOrder, { method: 'GET' } as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(invokeAzure(fn, null as never)).rejects.toBeInstanceOf(SkyportError);
  });
});
