import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import {
  changes,
  events,
  HttpError,
  type Kind,
  queue,
  SkyportError,
  schedule,
  setLogDestination,
  storage,
  stream,
} from '@skyport/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as gcp from '../../testing/src/raw/gcp.js';
import { fixture } from './__fixtures__/fixtures.js';
import { toGcp } from './handler.js';
import { invokeGcp } from './invoke.js';
import { register } from './register.js';
import type { AnyEventFunction } from './types.js';

const ok = () => undefined;
const succeeding: Record<string, AnyEventFunction> = {
  queue: queue({ name: 'q' }).handle(ok),
  stream: stream({ name: 's' }).handle(ok),
  storage: storage({ bucket: 'b' }).handle(ok),
  changes: changes({ collection: 'c' }).handle(ok),
  schedule: schedule({ cron: '* * * * *' }).handle(ok),
  events: events().handle(ok),
};
const kinds = Object.keys(succeeding) as Exclude<Kind, 'http'>[];
const ourCodes = ['UNKNOWN_EVENT', 'INVALID_EVENT', 'KIND_MISMATCH'];

/**
 * An answer of an http-signature event function to what is not a valid event: 204 (taken, or
 * skipped), 405, 400 `UNKNOWN_EVENT` for no event at all, or 500 naming a malformed or foreign
 * event (retried), never a crash.
 */
function expectRefusal(result: { status: number; body: unknown }): void {
  if (result.status === 204 || result.status === 405) return;
  const code = (result.body as { code?: string }).code;
  if (result.status === 400) expect(code).toBe('UNKNOWN_EVENT');
  else {
    expect(result.status).toBe(500);
    expect(['INVALID_EVENT', 'KIND_MISMATCH']).toContain(code);
  }
}

const samples = [
  'pubsub/ff-conformance__pubsub_text-cloudevent-input.json',
  'pubsub/google-cloudevents__MessagePublishedData.json',
  'pubsub/google-cloudevents__MessagePublishedData-complex.json',
  'pubsub/ff-conformance__pubsub_text-legacy-input.json',
  'storage/ff-conformance__storage-cloudevent-input.json',
  'storage/ff-conformance__storage-legacy-input.json',
  'firestore/ff-conformance__firestore_simple-cloudevent-input.json',
  'firestore/ff-conformance__firestore_simple-legacy-input.json',
].map((path) => fixture(path));

/** Replaces the value at a random path of a JSON value with another JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] as number) % keys.length] as string;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...value] as unknown as Record<string, unknown>)
    : { ...value };
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

const mutatedSample = fc
  .tuple(fc.constantFrom(...samples), fc.array(fc.nat(), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }))
  .map(([sample, path, replacement]) => mutate(sample, path, replacement));

const anyBody = fc.oneof(
  mutatedSample,
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ message: fc.jsonValue({ maxDepth: 2 }), subscription: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({
    specversion: fc.jsonValue({ maxDepth: 1 }),
    type: fc.string(),
    id: fc.jsonValue({ maxDepth: 1 }),
    source: fc.string(),
    data: fc.jsonValue({ maxDepth: 2 }),
  }),
);

const ceHeader = fc.constantFrom(
  'ce-id',
  'ce-source',
  'ce-type',
  'ce-specversion',
  'ce-time',
  'ce-subject',
  'x-cloudscheduler',
  'x-cloudscheduler-scheduletime',
  'traceparent',
);
const anyRequest = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT'),
  headers: fc.dictionary(ceHeader, fc.string({ maxLength: 20 })).map((headers) => ({
    ...headers,
    'ce-specversion': headers['ce-specversion'] ?? '1.0',
  })),
  contentType: fc.constantFrom(
    'application/json',
    'application/cloudevents+json',
    'text/plain',
    'application/octet-stream',
    'application/protobuf',
    '',
  ),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? ''),
  ),
});

let restoreLogs: () => void = () => undefined;
beforeAll(() => {
  restoreLogs = setLogDestination({ write: () => undefined });
});
afterAll(() => restoreLogs());

describe('malformed events never crash the adapter', () => {
  it('an http-signature event function answers 204, 405, 400 or 500 with our code for any JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), anyBody, async (kind, body) => {
        const result = await invokeGcp(succeeding[kind] as AnyEventFunction, {
          method: 'POST',
          path: '/',
          body: body ?? null,
          headers: { 'content-type': 'application/json' },
        });
        expectRefusal(result);
      }),
      { numRuns: 400 },
    );
  });

  it('any headers and bytes give 204, 405, or 400 or 500 with our code, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), anyRequest, async (kind, request) => {
        const result = await invokeGcp(succeeding[kind] as AnyEventFunction, {
          method: request.method,
          headers: { ...request.headers, 'content-type': request.contentType },
          body: request.body,
        });
        expectRefusal(result);
      }),
      { numRuns: 400 },
    );
  });

  it('a cloudevent-signature handler resolves or rejects with a SkyportError, whatever the framework hands it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), fc.oneof(anyBody, fc.anything()), async (kind, value) => {
        const handler = toGcp(succeeding[kind] as AnyEventFunction, { signature: 'cloudevent' });
        try {
          await handler(value);
        } catch (error) {
          expect(error).toBeInstanceOf(SkyportError);
          expect(ourCodes).toContain((error as SkyportError).code);
        }
      }),
      { numRuns: 400 },
    );
  });
});

const thrown = fc.oneof(
  fc.string().map((message) => new Error(message)),
  fc.integer({ min: 100, max: 599 }).map((status) => new HttpError(status)),
  fc.constantFrom(undefined, null, 0, 'plain string'),
);

const validEvent = fc.record({
  data: fc.jsonValue({ maxDepth: 2 }),
  attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })),
  orderingKey: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
  push: fc.boolean(),
});

describe('a failing handler is never acknowledged', () => {
  it('answers a status every push sender retries through the http signature for whatever it throws', async () => {
    await fc.assert(
      fc.asyncProperty(validEvent, thrown, async (input, error) => {
        const fn = queue({ name: 'q' }).handle(() => {
          throw error;
        });
        const { push, ...message } = input;
        const event = push ? gcp.pubsubPush(message) : gcp.pubsubCloudEvent(message);
        const result = await invokeGcp(fn, event);
        // What Eventarc Advanced retries (of 408, 409, 429, 500, 502, 503, 504), and Pub/Sub push.
        expect([500, 502, 503, 504]).toContain(result.status);
        expect((result.body as { status?: number }).status).toBe(result.status);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects through the cloudevent signature for whatever it throws', async () => {
    await fc.assert(
      fc.asyncProperty(validEvent, thrown, async (input, error) => {
        const fn = queue({ name: 'q' }).handle(() => {
          throw error;
        });
        const { push: _push, ...message } = input;
        const outcome = toGcp(fn, { signature: 'cloudevent' })(gcp.pubsubCloudEvent(message));
        // A falsy rejection would be a success to the framework, so it becomes an error.
        if (error) await expect(outcome).rejects.toBe(error);
        else await expect(outcome).rejects.toMatchObject({ name: 'SkyportError', code: 'HANDLER_FAILED' });
      }),
      { numRuns: 300 },
    );
  });

  describe('on the real Functions Framework', () => {
    let base = '';
    let tolerantCalls = 0;
    let quiet: { mockRestore(): void } | undefined;
    let close: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      // The framework prints every crash to stderr; the statuses are what these properties check.
      quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const failing = queue({ name: 'q' }).handle(() => {
        throw new Error('handler failed');
      });
      const tolerant = queue({ name: 'q' }).handle(() => {
        tolerantCalls++;
      });
      register({ propFailing: failing, propTolerant: tolerant }, { functions });
      const servers = ['propFailing', 'propTolerant'].map((name) => getTestServer(name));
      const ports: number[] = [];
      for (const server of servers) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        ports.push((server.address() as AddressInfo).port);
      }
      base = `http://127.0.0.1:${ports[0]}|http://127.0.0.1:${ports[1]}`;
      close = async () => {
        for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
      };
    });
    afterAll(async () => {
      quiet?.mockRestore();
      await close();
    });

    it('answers 500 for every valid message a failing handler gets', async () => {
      const [failingUrl] = base.split('|') as [string];
      await fc.assert(
        fc.asyncProperty(validEvent, async (input) => {
          const { push, ...message } = input;
          const event = push ? gcp.pubsubPush(message) : gcp.pubsubCloudEvent(message);
          const res = await fetch(failingUrl, {
            method: 'POST',
            headers: { 'content-type': push ? 'application/json' : 'application/cloudevents+json' },
            body: JSON.stringify(event),
          });
          await res.arrayBuffer();
          // An empty push message has no data for the framework to convert; it reaches us as a push envelope all the same.
          expect(res.status).toBe(500);
        }),
        { numRuns: 40 },
      );
    });

    it('acknowledges only events the function ran for; a 500 carries our error unless the framework refused first', async () => {
      const [, tolerantUrl] = base.split('|') as [string, string];
      await fc.assert(
        fc.asyncProperty(
          anyBody,
          fc.constantFrom('application/json', 'application/cloudevents+json'),
          async (body, type) => {
            const before = tolerantCalls;
            const res = await fetch(tolerantUrl, {
              method: 'POST',
              headers: { 'content-type': type },
              body: JSON.stringify(body),
            });
            const text = await res.text();
            const ran = tolerantCalls > before;
            if (res.status < 300) {
              expect(ran).toBe(true);
              return;
            }
            expect(ran).toBe(false);
            // The framework's own legacy-event conversion throws on odd shapes ({ context: "" }) and
            // answers an HTML 500 before the function runs; any other 500 is our SkyportError.
            if (res.status === 500 && !text.startsWith('<!DOCTYPE html>')) expect(text).toMatch(/^gcp: /);
            else expect(res.status).toBeGreaterThanOrEqual(400);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
