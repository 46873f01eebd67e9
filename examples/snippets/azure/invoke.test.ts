/**
 * docs/azure.md, "`invokeAzure()`: the input format": the two input shapes, their fields, the
 * defaults and the options, with the JSON examples of the page.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { invokeAzure, toAzure } from '@skyport/azure';
import { type Context, http, type Message, queue, router } from '@skyport/core';
import { azure } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

const quiet = { logHandler: () => undefined };

const echo = http({ method: 'POST', path: '/orders' }).handle((req) => ({
  url: req.url,
  client: req.header('x-client'),
  type: req.header('content-type'),
  dryRun: req.query.dryRun,
  body: req.body,
}));

describe('HTTP input', () => {
  it('takes the example of the page and resolves to the HttpResponseInit', async () => {
    const input = {
      method: 'POST',
      url: '/api/orders',
      headers: { 'x-client': 'cli' },
      query: { dryRun: '1' },
      body: { customer: 'ada@example.com', lines: [] },
    };
    const response = await invokeAzure(echo, input, quiet);
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: 'http://localhost:7071/api/orders?dryRun=1',
        client: 'cli',
        type: 'application/json',
        dryRun: '1',
        body: { customer: 'ada@example.com', lines: [] },
      }),
    });
  });

  it('url: a full URL or a path under http://localhost:7071', async () => {
    const full = await invokeAzure(echo, { method: 'POST', url: 'https://shop.example/api/orders' }, quiet);
    expect(JSON.parse(String(full.body)).url).toBe('https://shop.example/api/orders');
  });

  it('body: a string as is (give its content-type), bodyBase64 as bytes', async () => {
    const text = await invokeAzure(
      echo,
      { method: 'POST', url: '/api/orders', headers: { 'content-type': 'text/csv' }, body: 'a,b' },
      quiet,
    );
    expect(JSON.parse(String(text.body)).body).toBe('a,b');
    const json = await invokeAzure(
      echo,
      { method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
      quiet,
    );
    expect(JSON.parse(String(json.body)).body).toEqual({ a: 1 });

    const bytes = http({ method: 'POST', path: '/b' }).handle((req) => Array.from(req.rawBody));
    const raw = await invokeAzure(bytes, { method: 'POST', url: '/api/b', bodyBase64: 'AQID' }, quiet);
    expect(raw.body).toBe('[1,2,3]');
  });

  it('a string body is sent as its bytes, with no content-type invented, as the host delivers it', async () => {
    const response = await invokeAzure(echo, { method: 'POST', url: '/api/orders', body: 'plain words' }, quiet);
    const seen = JSON.parse(String(response.body));
    expect(seen.type).toBeUndefined();
    // Without a content type the body is bytes (a `Uint8Array`, serialised index by index).
    expect(Object.values(seen.body)).toEqual([...new TextEncoder().encode('plain words')]);
  });

  it('params: as the host extracts them; a router gets its catch-all from the URL', async () => {
    const byParams = http({ method: 'GET', path: '/items/:id' }).handle((req) => req.params);
    const given = await invokeAzure(byParams, { url: '/api/anything', params: { id: 'i-1' } }, quiet);
    expect(given.body).toBe('{"id":"i-1"}');
    const api = router(
      http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ path: req.path, id: req.params.id })),
    );
    const routed = await invokeAzure(api, { url: '/api/orders/7' }, quiet);
    expect(routed.body).toBe('{"path":"/orders/7","id":"7"}');
  });
});

describe('trigger input', () => {
  it('takes the example of the page and resolves to undefined', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => void seen.push(msg));
    const result = await invokeAzure(
      fn,
      { trigger: { orderId: 'ord_1' }, triggerMetadata: { id: 'm-1', dequeueCount: 2 }, triggerType: 'queueTrigger' },
      quiet,
    );
    expect(result).toBeUndefined();
    expect(seen[0]).toMatchObject({ id: 'm-1', attempt: 2, body: { orderId: 'ord_1' } });
  });

  it('rejects with the BatchFailedError the host would see', async () => {
    const fn = queue({ name: 'orders' }).handle(() => {
      throw new Error('no');
    });
    await expect(invokeAzure(fn, azure.queueMessage({}, { id: 'm-9' }), quiet)).rejects.toMatchObject({
      name: 'BatchFailedError',
      code: 'HANDLER_FAILED',
      failures: [expect.objectContaining({ id: 'm-9' })],
    });
  });

  it('triggerMetadata is optional: the invocation id as message id, attempt 1, the current time', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => void seen.push(msg));
    const before = Date.now();
    await invokeAzure(fn, { trigger: 'hello' }, { ...quiet, invocationId: 'inv-default' });
    expect(seen[0]).toMatchObject({ id: 'inv-default', attempt: 1, body: 'hello' });
    expect(seen[0]?.publishedAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('triggerType tells when the metadata does not', async () => {
    const seen: Message[] = [];
    const fn = queue({ name: 'orders' }).handle((msg) => void seen.push(msg));
    await invokeAzure(
      fn,
      { trigger: 'x', triggerMetadata: { sessionId: 's-1' }, triggerType: 'serviceBusTrigger' },
      quiet,
    );
    expect(seen[0]?.groupId).toBe('s-1');
  });
});

describe('options', () => {
  it('invocationId, functionName, traceContext, logHandler and functionTimeout reach the context', async () => {
    let ctx: Context | undefined;
    const fn = queue({ name: 'orders' }).handle((_msg, c) => {
      ctx = c;
      c.log.info('hello');
    });
    const logged: unknown[][] = [];
    await invokeAzure(
      fn,
      { trigger: 'x' },
      {
        invocationId: 'inv-1',
        functionName: 'fulfilOrder',
        traceContext: { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        logHandler: (level, ...args) => void logged.push([level, ...args]),
        functionTimeout: '00:01:00',
      },
    );
    expect(ctx?.requestId).toBe('inv-1');
    expect(ctx?.functionName).toBe('fulfilOrder');
    expect(ctx?.trace.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(ctx?.raw).toBeInstanceOf(InvocationContext);
    expect(ctx?.remainingTimeMs()).toBeGreaterThan(55_000);
    expect(logged).toEqual([['information', expect.stringContaining('"msg":"hello"')]]);
  });

  it('routePrefix and azure settings', async () => {
    const fn = http({ method: 'GET', path: '/x' }).handle((req) => req.path);
    expect((await invokeAzure(fn, { url: '/v2/x' }, { ...quiet, routePrefix: 'v2' })).body).toBe('/x');
    const seen: Message[] = [];
    const bus = queue({ name: 'orders' }).handle((msg) => void seen.push(msg));
    await invokeAzure(bus, azure.serviceBusMessage({}, { messageId: 'x' }), { ...quiet, azure: { queueName: 'prod' } });
    expect(seen[0]?.source).toBe('prod');
  });
});

describe('@skyport/testing builds the inputs', () => {
  it('azure.httpRequest / azure.invocationContext are the init objects of the library classes', async () => {
    const fn = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id }));
    const request = new HttpRequest(azure.httpRequest({ path: '/orders/1', params: { id: '1' } }));
    const context = new InvocationContext({ ...azure.invocationContext({ invocationId: 'i' }), ...quiet });
    expect(await toAzure(fn)(request, context)).toMatchObject({ status: 200, body: '{"id":"1"}' });
  });

  it('every factory the page names exists and builds an input invokeAzure takes', () => {
    const inputs = [
      azure.queueMessage({ a: 1 }, { dequeueCount: 2 }),
      azure.serviceBusMessage(),
      azure.serviceBusBatch(),
      azure.eventHubBatch(),
      azure.blob(),
      azure.eventGrid(),
      azure.eventGridCloudEvent(),
      azure.eventGridBlob(),
      azure.timer(),
      azure.cosmosDocuments(),
    ];
    expect(inputs.map((input) => input.triggerType)).toEqual([
      'queueTrigger',
      'serviceBusTrigger',
      'serviceBusTrigger',
      'eventHubTrigger',
      'blobTrigger',
      'eventGridTrigger',
      'eventGridTrigger',
      'eventGridTrigger',
      'timerTrigger',
      'cosmosDBTrigger',
    ]);
    expect(inputs[0]?.triggerMetadata?.dequeueCount).toBe(2);
  });
});
