/**
 * A log destination that throws loses the line, not the invocation, under `invokeAzure()` as on
 * every other cloud: the built-in logger writes an Azure invocation's lines through its context,
 * whose lines go to core's destination in a test.
 */
import { http, queue, setLogDestination } from '@skyport/core';
import { azure } from '@skyport/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { invokeAzure } from './invoke.js';

let restore: () => void;
beforeEach(() => {
  restore = setLogDestination({
    write: () => {
      throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    },
  });
});
afterEach(() => restore());

it('answers an http request as the handler did', async () => {
  const fn = http({ method: 'POST', path: '/orders' }).handle((_req, ctx) => {
    ctx.log.info({ sku: 'a-1' }, 'order accepted');
    return { status: 201, body: { id: 'o-1' } };
  });
  const res = await invokeAzure(fn, { method: 'POST', url: '/api/orders', body: '{}' });
  expect(res?.status).toBe(201);
});

it('settles a queue message whose handler succeeded', async () => {
  const fn = queue({ name: 'orders' }).handle((msg, ctx) => {
    ctx.log.info({ id: msg.id }, 'message seen');
  });
  await expect(invokeAzure(fn, azure.queueMessage({ body: { id: 1 } }))).resolves.toBeUndefined();
});
