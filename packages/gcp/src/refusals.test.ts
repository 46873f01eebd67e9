/**
 * What an event function with the `http` signature logs when it refuses a delivery before any
 * handler runs, on the real Functions Framework: one line through the function's logger, with the
 * request id its answer shows and the function's name, at `error` level for the failure of an
 * event (500, retried) and at `warn` for a request that is no event (400). A failed handler is
 * logged once, by `runEvent`, never a second time.
 */
import { queue, schedule, setLogDestination } from '@skyport/core';
import { gcp } from '@skyport/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/fixtures.js';
import { closeAll, listen } from './__fixtures__/server.js';
import { toGcp } from './handler.js';

type Line = Record<string, unknown> & { err?: Record<string, unknown> };

const lines: Line[] = [];
let restoreLogs: () => void = () => undefined;
let ran = 0;

const orders = queue({ name: 'orders' }).handle(() => {
  ran += 1;
  throw new Error('the warehouse is on fire');
});
const nightly = schedule({ cron: '0 3 * * *' }).handle(() => {
  ran += 1;
});

let ordersUrl: string;
let nightlyUrl: string;
beforeAll(async () => {
  restoreLogs = setLogDestination({ write: (line) => lines.push(JSON.parse(line) as Line) });
  ordersUrl = `http://127.0.0.1:${await listen(toGcp(orders, { signature: 'http', name: 'fulfilOrder' }))}`;
  // A schedule function takes the http signature by default.
  nightlyUrl = `http://127.0.0.1:${await listen(toGcp(nightly, { name: 'nightlyReport' }))}`;
});
afterAll(async () => {
  await closeAll();
  restoreLogs();
});
beforeEach(() => {
  lines.length = 0;
  ran = 0;
});

async function post(url: string, contentType: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const problem = (await res.json()) as Record<string, unknown>;
  return { status: res.status, problem };
}

describe('a delivery refused before any handler runs (http signature)', () => {
  it('logs an event of another source (KIND_MISMATCH) at error level, with the request id and function name', async () => {
    // Arrange
    const legacy = JSON.stringify(fixture('storage/ff-conformance__storage-legacy-input.json'));

    // Act
    const res = await post(ordersUrl, 'application/json', legacy, { 'function-execution-id': 'exec-mismatch-1' });

    // Assert
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ code: 'KIND_MISMATCH', requestId: 'exec-mismatch-1' });
    expect(ran).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      requestId: 'exec-mismatch-1',
      functionName: 'fulfilOrder',
      status: 500,
      message: 'queue function failed before its handler ran',
      err: { type: 'SkyportError', code: 'KIND_MISMATCH', message: res.problem.detail },
    });
    // In full: the stack too, for Error Reporting.
    expect(lines[0]?.stack_trace).toEqual(expect.stringMatching(/^SkyportError: gcp: a queue function cannot take/));
  });

  it('logs a malformed event (INVALID_EVENT) at error level, under the request id the answer shows', async () => {
    // Arrange
    const event = gcp.pubsubCloudEvent();
    const data = event.data as { message: Record<string, unknown> };
    const malformed = { ...event, data: { ...data, message: { ...data.message, data: 'not base64!' } } };

    // Act
    const res = await post(ordersUrl, 'application/cloudevents+json', JSON.stringify(malformed));

    // Assert
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ code: 'INVALID_EVENT' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      requestId: res.problem.requestId,
      functionName: 'fulfilOrder',
      status: 500,
      err: { code: 'INVALID_EVENT' },
    });
  });

  it('logs a request that is no event (UNKNOWN_EVENT, 400) at warn level', async () => {
    // Act
    const res = await post(ordersUrl, 'application/json', '{}', { 'function-execution-id': 'exec-unknown-1' });

    // Assert
    expect(res.status).toBe(400);
    expect(res.problem).toMatchObject({ code: 'UNKNOWN_EVENT', requestId: 'exec-unknown-1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'WARNING',
      requestId: 'exec-unknown-1',
      functionName: 'fulfilOrder',
      status: 400,
      message: 'queue function refused a request that is no event',
      err: { code: 'UNKNOWN_EVENT', message: res.problem.detail },
    });
  });

  it('logs the refusal of a schedule function on its default signature', async () => {
    // Act
    const res = await post(nightlyUrl, 'application/cloudevents+json', JSON.stringify(gcp.storageCloudEvent()));

    // Assert
    expect(res.status).toBe(500);
    expect(res.problem).toMatchObject({ code: 'KIND_MISMATCH' });
    expect(ran).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      requestId: res.problem.requestId,
      functionName: 'nightlyReport',
      err: { code: 'KIND_MISMATCH' },
    });
  });

  it('logs a failed handler once, as the handler failure alone', async () => {
    // Act
    const res = await post(
      ordersUrl,
      'application/cloudevents+json',
      JSON.stringify(gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' } })),
      { 'function-execution-id': 'exec-failed-1' },
    );

    // Assert
    expect(res.status).toBe(500);
    expect(ran).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      requestId: 'exec-failed-1',
      functionName: 'fulfilOrder',
      message: 'queue function failed',
      err: { message: 'the warehouse is on fire' },
    });
  });
});
