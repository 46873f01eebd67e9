import type { HttpRequest as AzureHttpRequest, InvocationContext as AzureInvocationContext } from '@azure/functions';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore, store, useStore } from '../src/store.js';

type Handler = (trigger: unknown, context: AzureInvocationContext) => Promise<unknown>;
interface Call {
  readonly method: string;
  readonly name: string;
  readonly options: Record<string, unknown> & { handler: Handler };
}

const calls = vi.hoisted(() => [] as Call[]);
const setups = vi.hoisted(() => [] as unknown[]);

vi.mock('@azure/functions', async (importActual) => {
  const actual = await importActual<typeof import('@azure/functions')>();
  const record = (method: string) => (name: string, options: Call['options']) => {
    calls.push({ method, name, options });
  };
  const methods = [
    'http',
    'storageQueue',
    'serviceBusQueue',
    'serviceBusTopic',
    'eventHub',
    'storageBlob',
    'eventGrid',
    'timer',
    'cosmosDB',
  ];
  const app = Object.fromEntries(methods.map((method) => [method, record(method)]));
  return { ...actual, app: { ...app, setup: (options: unknown) => setups.push(options) } };
});

const { HttpRequest, InvocationContext } = await vi.importActual<typeof import('@azure/functions')>('@azure/functions');
const entry = await import('./index.js');

function registered(name: string): Call {
  const call = calls.find((c) => c.name === name);
  if (!call) throw new Error(`${name} was not registered`);
  return call;
}

function contextFor(call: Call, triggerMetadata?: Record<string, unknown>): AzureInvocationContext {
  const { handler: _handler, ...trigger } = call.options;
  const types: Record<string, string> = {
    http: 'httpTrigger',
    storageQueue: 'queueTrigger',
    storageBlob: 'blobTrigger',
    timer: 'timerTrigger',
  };
  return new InvocationContext({
    invocationId: `inv-${call.name}`,
    functionName: call.name,
    triggerMetadata,
    logHandler: () => undefined,
    options: { trigger: { ...trigger, type: types[call.method] ?? call.method, name: 'trigger' } },
  });
}

describe('orders on Azure Functions', () => {
  beforeEach(() => useStore(createMemoryStore(() => new Date('2026-01-01T00:00:00Z'))));

  it('turns HTTP streams on, so the export is sent as it is read', () => {
    expect(setups).toEqual([{ enableHttpStream: true }]);
  });

  it('registers every function with the right trigger and options', () => {
    expect(
      calls.map(({ method, name, options: { handler, ...options } }) => ({
        method,
        name,
        options,
        handler: typeof handler,
      })),
    ).toEqual([
      {
        method: 'http',
        name: 'api',
        options: {
          methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          authLevel: 'anonymous',
          route: '{*path}',
        },
        handler: 'function',
      },
      {
        method: 'storageQueue',
        name: 'fulfilOrder',
        options: { queueName: 'orders', connection: 'AzureWebJobsStorage' },
        handler: 'function',
      },
      {
        method: 'storageBlob',
        name: 'receiptUploaded',
        options: { path: 'receipts/receipts/{name}', connection: 'AzureWebJobsStorage' },
        handler: 'function',
      },
      { method: 'timer', name: 'nightlyReport', options: { schedule: '0 0 3 * * *' }, handler: 'function' },
    ]);
    expect(entry.registrations.map((r) => r.name)).toEqual(['api', 'fulfilOrder', 'receiptUploaded', 'nightlyReport']);
  });

  it('the registered handlers run the orders service end to end', async () => {
    // Prepare
    const api = registered('api');
    const request = (method: string, path: string, body?: unknown): AzureHttpRequest =>
      new HttpRequest({
        method,
        url: `http://localhost:7071/api/${path}`,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        params: { path },
        body: body === undefined ? undefined : { string: JSON.stringify(body) },
      });
    const newOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };

    // Act
    const created = (await api.options.handler(request('POST', 'orders', newOrder), contextFor(api))) as {
      status: number;
      headers: Record<string, string>;
    };
    await registered('fulfilOrder').options.handler(
      { orderId: 'ord_1' },
      contextFor(registered('fulfilOrder'), { id: 'm-1', dequeueCount: 1 }),
    );
    await registered('receiptUploaded').options.handler(
      Buffer.from('%PDF'),
      contextFor(registered('receiptUploaded'), {
        blobTrigger: 'receipts/receipts/ord_1.pdf',
        properties: { length: 4, contentType: 'application/pdf' },
      }),
    );
    const missing = await api.options.handler(request('GET', 'orders/nope'), contextFor(api));
    const unknownOrder = registered('fulfilOrder').options.handler(
      { orderId: 'ord_404' },
      contextFor(registered('fulfilOrder'), { id: 'm-2' }),
    );

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/orders/ord_1');
    expect(await store().get('ord_1')).toMatchObject({ status: 'fulfilled', receipt: 'receipts/ord_1.pdf' });
    expect(missing).toMatchObject({ status: 404, headers: { 'content-type': 'application/problem+json' } });
    await expect(unknownOrder).rejects.toMatchObject({ code: 'HANDLER_FAILED' });
  });

  it('declares the same function timeout as host.json', async () => {
    const { readFile } = await import('node:fs/promises');
    const host = JSON.parse(await readFile(new URL('./host.json', import.meta.url), 'utf8')) as {
      functionTimeout: string;
    };
    expect(entry.functionTimeout).toBe(host.functionTimeout);
  });
});
