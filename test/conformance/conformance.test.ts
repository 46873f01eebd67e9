/**
 * Cross-cloud conformance: the orders example runs through every runtime (in-process, AWS
 * Lambda events, the real Azure classes, the real Functions Framework, `serve()`), and for the
 * same logical inputs every runtime must hand the handler the same portable input and come back
 * with the same outcome. One table of cases, one table of drivers.
 */
import { createMiddleware, type EventOf, type Kind, type SkyportFunction } from '@skyport/core';
import { collectLogs } from '@skyport/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, fulfilOrder, nightlyReport, receiptUploaded } from '../../examples/orders/src/functions.js';
import type { NewOrder } from '../../examples/orders/src/schemas.js';
import { createMemoryStore, store, useStore } from '../../examples/orders/src/store.js';
import {
  awsDriver,
  azureDriver,
  type Driver,
  type Functions,
  gcpDriver,
  type LogicalRequest,
  localDriver,
  nodeDriver,
  type Reply,
} from './drivers.js';

/** What each handler was given, reduced to what must not depend on the platform. */
const seen: Record<string, unknown>[] = [];

function project(kind: Kind, event: unknown): Record<string, unknown> {
  const e = event as Record<string, unknown>;
  switch (kind) {
    case 'http': {
      const req = event as EventOf<'http'>;
      let body: unknown;
      try {
        body = req.body;
      } catch {
        body = '<unreadable>';
      }
      return { method: req.method, path: req.path, query: req.query, contentType: req.header('content-type'), body };
    }
    case 'queue':
      return { id: e.id, body: e.body, attempt: e.attempt };
    case 'storage':
      return { type: e.type, bucket: e.bucket, key: e.key, size: e.size };
    default:
      return { scheduledTime: (e.scheduledTime as Date).toISOString(), isPastDue: e.isPastDue };
  }
}

function recorded<K extends Kind>(fn: SkyportFunction<K>): SkyportFunction<K> {
  const record = createMiddleware({
    name: 'record',
    async handle(event, ctx, next) {
      seen.push({ kind: ctx.kind, ...project(ctx.kind, event) });
      return next();
    },
  });
  return fn.use(record);
}

const functions: Functions = {
  api: recorded(api),
  fulfilOrder: recorded(fulfilOrder),
  receiptUploaded: recorded(receiptUploaded),
  nightlyReport: recorded(nightlyReport),
};

const order: NewOrder = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };
const json = { 'content-type': 'application/json' };

interface HttpCase {
  readonly name: string;
  readonly seed?: number;
  readonly request: LogicalRequest;
  readonly expected: Partial<Reply>;
  /** Only the status is compared (the platform answers before the function runs). */
  readonly statusOnly?: readonly string[];
}

const httpCases: HttpCase[] = [
  {
    name: 'creates an order',
    request: { method: 'POST', path: '/orders', headers: json, body: JSON.stringify(order) },
    expected: { status: 201, location: '/orders/ord_1', contentType: 'application/json' },
  },
  {
    name: 'reads an order',
    seed: 1,
    request: { method: 'GET', path: '/orders/ord_1' },
    expected: { status: 200, contentType: 'application/json' },
  },
  {
    name: 'lists with a validated query',
    seed: 2,
    request: { method: 'GET', path: '/orders?status=pending&limit=1' },
    expected: { status: 200 },
  },
  {
    name: 'answers 404 for an unknown order',
    request: { method: 'GET', path: '/orders/ord_404' },
    expected: {
      status: 404,
      contentType: 'application/problem+json',
      body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no order ord_404' },
    },
  },
  {
    name: 'answers 404 for an unknown path',
    request: { method: 'GET', path: '/nowhere' },
    expected: { status: 404, contentType: 'application/problem+json' },
  },
  {
    name: 'answers 405 with Allow',
    request: { method: 'PUT', path: '/orders/ord_1', headers: json, body: '{}' },
    expected: { status: 405, allow: 'GET, DELETE, HEAD, OPTIONS' },
  },
  {
    name: 'answers 422 with every failing path',
    request: { method: 'POST', path: '/orders', headers: json, body: JSON.stringify({ customer: 'nope', lines: [] }) },
    expected: { status: 422, contentType: 'application/problem+json' },
  },
  {
    name: 'answers 415 for a body that is not JSON',
    request: { method: 'POST', path: '/orders', headers: { 'content-type': 'text/plain' }, body: 'two books please' },
    expected: { status: 415 },
  },
  {
    name: 'answers 400 for malformed JSON',
    request: { method: 'POST', path: '/orders', headers: json, body: '{"customer":' },
    expected: { status: 400 },
    // The Functions Framework parses JSON bodies itself and answers 400 before any function runs.
    statusOnly: ['gcp (Functions Framework)'],
  },
  {
    name: 'reads an order whose id the client escaped',
    seed: 1,
    request: { method: 'GET', path: '/orders/ord%5F1' },
    expected: { status: 200, contentType: 'application/json' },
  },
  {
    name: 'answers 404 naming an id that holds an escaped %, decoded once',
    request: { method: 'GET', path: '/orders/100%25' },
    expected: { status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no order 100%' } },
  },
  {
    name: 'reads a JSON body that starts with a byte order mark',
    request: { method: 'POST', path: '/orders', headers: json, body: `\uFEFF${JSON.stringify(order)}` },
    expected: { status: 201, location: '/orders/ord_1' },
  },
  {
    name: 'answers OPTIONS with Allow',
    request: { method: 'OPTIONS', path: '/orders/ord_1' },
    expected: { status: 204, allow: 'GET, DELETE, HEAD, OPTIONS' },
  },
  {
    name: 'cancels an order',
    seed: 1,
    request: { method: 'DELETE', path: '/orders/ord_1' },
    expected: { status: 204, body: undefined },
  },
];

const drivers: Driver[] = [localDriver(), awsDriver(), azureDriver(), gcpDriver(), nodeDriver()];
const reference = drivers[0] as Driver;

async function seed(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await store().create(order);
}

function reset(): void {
  useStore(createMemoryStore(() => new Date('2026-01-01T00:00:00Z')));
  seen.length = 0;
}

/** Runs `act` on a fresh store and returns its outcome, what the handlers saw, and the store. */
async function observe<T>(seedCount: number, act: () => Promise<T>) {
  reset();
  await seed(seedCount);
  const outcome = await act();
  return { outcome, seen: [...seen], orders: await store().list({ limit: 100 }) };
}

let logs: ReturnType<typeof collectLogs>;
beforeAll(async () => {
  logs = collectLogs();
  for (const driver of drivers) await driver.start(functions);
});
afterAll(async () => {
  for (const driver of drivers) await driver.stop();
  logs.restore();
});
beforeEach(reset);

describe.each(drivers.map((driver) => [driver.name, driver] as const))('%s', (name, driver) => {
  it.each(httpCases.map((c) => [c.name, c] as const))('http: %s', async (_title, c) => {
    const expected = await observe(c.seed ?? 0, () => reference.http(c.request));
    const actual = await observe(c.seed ?? 0, () => driver.http(c.request));

    expect(actual.outcome).toMatchObject(c.expected);
    if (c.statusOnly?.includes(name)) {
      expect(actual.outcome.status).toBe(expected.outcome.status);
      return;
    }
    expect(actual.outcome).toEqual(expected.outcome);
    expect(actual.seen).toEqual(expected.seen);
    expect(actual.orders).toEqual(expected.orders);
  });

  it('queue: retries exactly the messages that failed, and nothing else', async () => {
    const batch = [
      { id: 'm-ok', body: { orderId: 'ord_1' } },
      { id: 'm-missing', body: { orderId: 'ord_404' } },
      { id: 'm-invalid', body: { order: 'ord_1' } },
    ];
    const expected = await observe(1, () => reference.queue(batch));
    const actual = await observe(1, () => driver.queue(batch));

    expect(actual.outcome).toEqual(['m-missing', 'm-invalid']);
    expect(actual.seen).toEqual(expected.seen);
    expect(actual.orders.map((o) => o.status)).toEqual(['fulfilled']);
  });

  it('storage: attaches an uploaded receipt', async () => {
    const upload = { bucket: 'receipts', key: 'receipts/ord_1.pdf', size: 2048 };
    const expected = await observe(1, () => reference.storage(upload));
    const actual = await observe(1, () => driver.storage(upload));

    expect(actual.outcome).toBe(true);
    expect(actual.seen).toEqual(expected.seen);
    expect(actual.orders[0]?.receipt).toBe('receipts/ord_1.pdf');
  });

  it('storage: fails, so the platform retries, when the receipt names no order', async () => {
    const upload = { bucket: 'receipts', key: 'receipts/ord_404.pdf', size: 10 };
    const actual = await observe(0, () => driver.storage(upload));
    expect(actual.outcome).toBe(false);
  });

  it('schedule: runs the nightly report for the tick', async () => {
    const time = new Date('2026-01-02T03:00:00Z');
    const expected = await observe(0, () => reference.schedule(time));
    const actual = await observe(0, () => driver.schedule(time));

    expect(actual.outcome).toBe(true);
    expect(actual.seen).toEqual(expected.seen);
  });
});
