import { HttpRequest, InvocationContext } from '@azure/functions';
import {
  changes,
  events,
  http,
  type Kind,
  queue,
  router,
  SkyportError,
  type SkyportFunction,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';

const quiet = () => undefined;
const ok = () => undefined;

const nonHttp: Record<Exclude<Kind, 'http'>, SkyportFunction> = {
  queue: queue({ name: 'q' }).handle(ok) as SkyportFunction,
  stream: stream({ name: 's' }).handle(ok) as SkyportFunction,
  storage: storage({ bucket: 'b' }).handle(ok) as SkyportFunction,
  schedule: schedule({ cron: '0 3 * * *' }).handle(ok) as SkyportFunction,
  changes: changes({ collection: 'c' }).handle(ok) as SkyportFunction,
  events: events().handle(ok) as SkyportFunction,
};

const triggerTypes = [
  'httpTrigger',
  'queueTrigger',
  'serviceBusTrigger',
  'eventHubTrigger',
  'blobTrigger',
  'eventGridTrigger',
  'timerTrigger',
  'cosmosDBTrigger',
  'unknown',
] as const;

const metadataKeys = [
  'id',
  'dequeueCount',
  'insertionTime',
  'messageId',
  'deliveryCount',
  'enqueuedTimeUtc',
  'userProperties',
  'applicationProperties',
  'messageIdArray',
  'sessionIdArray',
  'userPropertiesArray',
  'sequenceNumber',
  'sequenceNumberArray',
  'partitionKeyArray',
  'enqueuedTimeUtcArray',
  'systemProperties',
  'partitionContext',
  'blobTrigger',
  'uri',
  'properties',
];

const weird = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
});

const metadata = fc.option(fc.dictionary(fc.constantFrom(...metadataKeys), weird, { maxKeys: 6 }), { nil: undefined });

const eventLike = fc.record(
  {
    id: fc.oneof(fc.string(), weird),
    eventType: fc.oneof(fc.constantFrom('Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted'), fc.string()),
    subject: fc.oneof(fc.constant('/blobServices/default/containers/c/blobs/k'), fc.string(), weird),
    eventTime: weird,
    data: weird,
    specversion: fc.oneof(fc.constant('1.0'), weird),
    type: weird,
    source: weird,
    isPastDue: fc.boolean(),
    scheduleStatus: weird,
    current: weird,
    metadata: weird,
  },
  { requiredKeys: [] },
);

const trigger = fc.oneof(weird, eventLike, fc.array(fc.oneof(weird, eventLike), { maxLength: 4 }));

function contextOf(type: (typeof triggerTypes)[number] | undefined, meta: unknown, cardinality: unknown) {
  return new InvocationContext({
    invocationId: 'p',
    functionName: 'p',
    triggerMetadata: meta as Record<string, unknown> | undefined,
    logHandler: quiet,
    options: type === undefined ? undefined : { trigger: { type, name: 't', cardinality } },
  });
}

/** ASP.NET Core's `PathString.ToUriComponent()`, which the host builds `request.url` with: escapes what is not a path character, keeps `%XX`. */
function toUriComponent(path: string): string {
  return path.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (c) => encodeURIComponent(c));
}

function escapesAreUtf8(text: string): boolean {
  try {
    decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
    return true;
  } catch {
    return false;
  }
}

describe('properties', () => {
  it('a session id array no JSON parse makes (a BigInt in it) is no TypeError', async () => {
    const handler = toAzure(nonHttp.queue);
    const run = handler([[]] as never, contextOf('serviceBusTrigger', { sessionIdArray: [[[0n]]] }, 'many'));
    await run.then(
      () => undefined,
      (error: unknown) => expect(error).toBeInstanceOf(SkyportError),
    );
  });

  it('malformed trigger inputs never throw anything but SkyportError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(nonHttp) as (keyof typeof nonHttp)[])),
        trigger,
        metadata,
        fc.option(fc.constantFrom(...triggerTypes), { nil: undefined }),
        fc.oneof(fc.constantFrom('one', 'many'), weird),
        async (kind, input, meta, type, cardinality) => {
          const handler = toAzure(nonHttp[kind]);
          try {
            await handler(input, contextOf(type, meta, cardinality));
          } catch (error) {
            expect(error).toBeInstanceOf(SkyportError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('http handlers answer any request with an HttpResponseInit and refuse non-requests with SkyportError', async () => {
    const fn = http({ method: ['GET', 'POST'], path: '/items/:id' }).handle((req) => ({
      id: req.params.id,
      body: req.body,
    }));
    const handler = toAzure(fn);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE'),
        fc.webPath(),
        fc.dictionary(
          fc.constantFrom('content-type', 'x-forwarded-for', 'cookie', 'accept'),
          fc.oneof(fc.string(), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded')),
        ),
        fc.oneof(fc.string(), fc.uint8Array()),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        async (method, path, headers, body, params) => {
          let request: HttpRequest;
          try {
            const hasBody = method !== 'GET' && method !== 'HEAD';
            request = new HttpRequest({
              method,
              url: `http://localhost:7071/api${path.startsWith('/') ? path : `/${path}`}`,
              headers,
              params,
              body: hasBody ? (typeof body === 'string' ? { string: body } : { bytes: body }) : undefined,
            });
          } catch {
            return; // the library itself refuses this request (an invalid header value)
          }
          const response = await handler(request, contextOf('httpTrigger', undefined, undefined));
          expect(Number.isInteger(response.status)).toBe(true);
          expect(response.status).toBeGreaterThanOrEqual(200);
          expect(response.status).toBeLessThan(600);
        },
      ),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(weird, metadata, async (input, meta) => {
        await expect(handler(input as never, contextOf(undefined, meta, undefined))).rejects.toBeInstanceOf(
          SkyportError,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a router sees the segment the client sent decoded exactly once, whichever URL the host hands over', async () => {
    const files = router(http({ method: 'GET', path: '/files/:name' }).handle((req) => ({ name: req.params.name })));
    const handler = toAzure(files);
    await fc.assert(
      fc.asyncProperty(
        // `.`/`..` are dot segments. Once the host decoded the path, a literal `%2F` is an encoded
        // slash to it, and a literal `%XX` that is not UTF-8 reads as the malformed escape it could have been.
        fc
          .oneof(
            fc.string({ unit: 'grapheme', minLength: 1 }),
            fc.string({ unit: fc.constantFrom('%', '2', '5', 'a', 'F', '?', '#', '/', ' ', '.', 'é'), minLength: 1 }),
          )
          .filter((name) => name !== '.' && name !== '..' && !/%2F/i.test(name) && escapesAreUtf8(name)),
        async (name) => {
          // Prepare: the host decodes all but `%2F`, and rebuilds the URL from that decoded path
          const sent = `/api/files/${encodeURIComponent(name)}`;
          const decoded = decodeURIComponent(sent.replaceAll('%2F', '%252F'));
          const value = decoded.slice('/api/'.length);

          for (const url of [sent, toUriComponent(decoded)]) {
            // Act
            const request = new HttpRequest({
              method: 'GET',
              url: `http://localhost:7071${url}`,
              params: { path: value },
            });
            const response = await handler(request, contextOf('httpTrigger', undefined, undefined));

            // Assert
            expect(response).toMatchObject({ status: 200, body: JSON.stringify({ name }) });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a batch never completes while one of its messages failed', async () => {
    const cases = fc.record({
      kind: fc.constantFrom('eventHub', 'serviceBus', 'cosmos'),
      outcomes: fc.array(fc.boolean(), { minLength: 0, maxLength: 12 }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ kind, outcomes }) => {
        // Prepare: item i fails when outcomes[i] is false
        const processed: number[] = [];
        const run = (index: number) => {
          processed.push(index);
          if (!outcomes[index]) throw new Error(`item ${index} failed`);
        };
        const items = outcomes.map((_, i) => ({ i, id: String(i) }));
        let handler: (input: unknown, context: InvocationContext) => Promise<unknown>;
        let meta: Record<string, unknown>;
        let type: (typeof triggerTypes)[number];
        if (kind === 'eventHub') {
          handler = toAzure(stream({ name: 's' }).handle((r) => run((r.body as { i: number }).i)));
          meta = { sequenceNumberArray: outcomes.map((_, i) => i) };
          type = 'eventHubTrigger';
        } else if (kind === 'serviceBus') {
          handler = toAzure(queue({ name: 'q' }).handle((m) => run((m.body as { i: number }).i)));
          meta = { messageIdArray: outcomes.map((_, i) => String(i)) };
          type = 'serviceBusTrigger';
        } else {
          handler = toAzure(changes({ collection: 'c' }).handle((c) => run((c.after as { i: number }).i)));
          meta = {};
          type = 'cosmosDBTrigger';
        }

        // Act
        const outcome = await handler(items, contextOf(type, meta, 'many')).then(
          () => undefined,
          (error: unknown) => error,
        );

        // Assert
        const failed = outcomes.map((good, i) => (good ? -1 : i)).filter((i) => i >= 0);
        if (failed.length === 0) {
          expect(outcome).toBeUndefined();
          expect(processed).toEqual(outcomes.map((_, i) => i));
          return;
        }
        expect(outcome).toBeInstanceOf(BatchFailedError);
        const ids = (outcome as BatchFailedError).failures.map((f) => f.id);
        const firstFailed = failed[0] as number;
        if (kind === 'serviceBus') {
          expect(ids).toEqual(failed.map(String));
          expect(processed).toEqual(outcomes.map((_, i) => i));
        } else {
          expect(ids).toEqual(outcomes.map((_, i) => String(i)).slice(firstFailed));
          expect(processed).toEqual(outcomes.map((_, i) => i).slice(0, firstFailed + 1));
        }
      }),
      { numRuns: 300 },
    );
  });
});
