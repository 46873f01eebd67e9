import {
  changes,
  events,
  http,
  type Kind,
  queue,
  SkyportError,
  type SkyportFunction,
  schedule,
  setLogDestination,
  storage,
  stream,
} from '@skyport/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFixtures, fixture } from './__fixtures__/load.js';
import { invokeLambda } from './invoke.js';

// Handlers that read every field, so lazy parsing runs inside the property too.
const fns: Record<Kind, SkyportFunction> = {
  http: http().handle((req) => ({
    h: req.headers,
    q: req.query,
    a: [...req.queryAll],
    c: req.cookies,
    b: req.body instanceof Uint8Array ? req.body.length : req.body,
    u: req.url,
    p: req.params,
  })) as SkyportFunction,
  queue: queue({ name: 'q' }).handle((m) => void [m.body, m.rawBody, m.attributes, m.publishedAt]) as SkyportFunction,
  stream: stream({ name: 's' }).handle((r) => void [r.body, r.rawBody, r.partitionKey]) as SkyportFunction,
  changes: changes({ collection: 'c' }).handle((c) => void [c.key, c.before, c.after]) as SkyportFunction,
  storage: storage({ bucket: 'b' }).handle((o) => void [o.key, o.size]) as SkyportFunction,
  schedule: schedule({ cron: '* * * * *' }).handle((t) => void t.scheduledTime) as SkyportFunction,
  events: events().handle((e) => void e.data) as SkyportFunction,
};
const kinds = Object.keys(fns) as Kind[];

async function onlySkyportErrors(event: unknown): Promise<void> {
  for (const kind of kinds) {
    try {
      await invokeLambda(fns[kind], event);
    } catch (error) {
      if (!(error instanceof SkyportError)) throw new Error(`${kind} threw ${String(error)}`, { cause: error });
    }
  }
}

type Json = unknown;

/** Every path (as key lists) inside a JSON value. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) paths(value[i], [...prefix, i], out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

function mutate(root: Json, path: (string | number)[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

describe('no event crashes the adapter', () => {
  it('arbitrary JSON values give a result or a SkyportError', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), onlySkyportErrors), { numRuns: 300 });
  });

  it('mutated real events give a result or a SkyportError', async () => {
    const events = allFixtures.map((path) => fixture<Json>(path));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...events),
        fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue(), { nil: undefined })), { minLength: 1, maxLength: 4 }),
        async (event, edits) => {
          let current = event;
          for (const [pick, value] of edits) {
            const all = paths(current);
            current = mutate(current, all[pick % all.length] ?? [], value);
          }
          await onlySkyportErrors(current);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated real batches sent as EventBridge Pipes sends them give a result or a SkyportError', async () => {
    // The fixtures' records as a pipe hands them over: a bare array, Kinesis records flattened.
    const piped = allFixtures
      .map((path) => fixture<{ Records?: Record<string, unknown>[] }>(path))
      .filter((event) => Array.isArray(event.Records) && event.Records.length > 0)
      .map((event) =>
        (event.Records as Record<string, unknown>[]).map((record) => {
          const { kinesis, ...rest } = record;
          return kinesis === undefined ? record : { ...rest, ...(kinesis as object) };
        }),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...piped),
        fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue(), { nil: undefined })), { maxLength: 3 }),
        async (records, edits) => {
          let current: Json = records;
          for (const [pick, value] of edits) {
            const all = paths(current);
            current = mutate(current, all[pick % all.length] ?? [], value);
          }
          await onlySkyportErrors(current);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const batch = fc
  .array(fc.record({ fail: fc.boolean(), group: fc.constantFrom('A', 'B', 'C') }), { minLength: 1, maxLength: 12 })
  .map((items) => items.map((item, i) => ({ ...item, id: `m-${i}` })));

/** An SQS batch of a standard queue, a FIFO queue, or a fair queue (standard, with tenants as groups). */
function sqsEvent(items: { id: string; group: string }[], queue: 'standard' | 'fifo' | 'fair') {
  return {
    Records: items.map(({ id, group }) => ({
      messageId: id,
      receiptHandle: id,
      body: JSON.stringify({ id }),
      attributes:
        queue === 'standard'
          ? { ApproximateReceiveCount: '1', SentTimestamp: '1' }
          : { ApproximateReceiveCount: '1', SentTimestamp: '1', MessageGroupId: group },
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: queue === 'fifo' ? 'arn:aws:sqs:eu-west-1:1:q.fifo' : 'arn:aws:sqs:eu-west-1:1:q',
    })),
  };
}

describe('batches report exactly the messages to retry', () => {
  it('SQS standard and fair queues: the failed ones', async () => {
    await fc.assert(
      fc.asyncProperty(batch, fc.constantFrom('standard' as const, 'fair' as const), async (items, kind) => {
        const failing = new Set(items.filter((i) => i.fail).map((i) => i.id));
        const fn = queue({ name: 'q' }).handle((m) => {
          if (failing.has(m.id)) throw new Error('no');
        });
        const result = await invokeLambda(fn, sqsEvent(items, kind));
        expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
          items.filter((i) => i.fail).map((i) => i.id),
        );
      }),
    );
  });

  it('SQS through EventBridge Pipes: the failed ones, FIFO groups too', async () => {
    await fc.assert(
      fc.asyncProperty(batch, fc.constantFrom('standard' as const, 'fifo' as const), async (items, kind) => {
        const failing = new Set(items.filter((i) => i.fail).map((i) => i.id));
        const ran: string[] = [];
        const fn = queue({ name: 'q' }).handle((m) => {
          ran.push(m.id);
          if (failing.has(m.id)) throw new Error('no');
        });
        const result = await invokeLambda(fn, sqsEvent(items, kind).Records);
        const reported = result?.batchItemFailures.map((f) => f.itemIdentifier) ?? [];
        // Nothing reported as done without its handler having run and succeeded.
        for (const item of items) {
          if (!reported.includes(item.id)) expect(ran.includes(item.id) && !failing.has(item.id)).toBe(true);
        }
        for (const id of failing) expect(reported).toContain(id);
      }),
    );
  });

  it('SQS FIFO: a failure and the rest of its group', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const failing = new Set(items.filter((i) => i.fail).map((i) => i.id));
        const ran: string[] = [];
        const fn = queue({ name: 'q' }).handle((m) => {
          ran.push(m.id);
          if (failing.has(m.id)) throw new Error('no');
        });
        const result = await invokeLambda(fn, sqsEvent(items, 'fifo'));
        const broken = new Set<string>();
        const expected: string[] = [];
        for (const item of items) {
          if (broken.has(item.group)) expected.push(item.id);
          else if (item.fail) {
            broken.add(item.group);
            expected.push(item.id);
          }
        }
        expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(expected);
        // Nothing reported as done without its handler having run and succeeded.
        const done = items.filter((i) => !expected.includes(i.id)).map((i) => i.id);
        for (const id of done) expect(ran.includes(id) && !failing.has(id)).toBe(true);
      }),
    );
  });

  it('Kinesis: the first failing sequence number onward', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const failing = new Set(items.filter((i) => i.fail).map((i) => i.id));
        const fn = stream({ name: 's' }).handle((r) => {
          if (failing.has(r.partitionKey)) throw new Error('no');
        });
        const event = {
          Records: items.map(({ id }, i) => ({
            kinesis: {
              partitionKey: id,
              sequenceNumber: String(1000 + i),
              data: 'e30=',
              approximateArrivalTimestamp: 1,
            },
            eventSource: 'aws:kinesis',
            eventID: `shard:${i}`,
            eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/s',
          })),
        };
        const first = items.findIndex((i) => i.fail);
        const expected = first < 0 ? [] : items.slice(first).map((_, j) => String(1000 + first + j));
        const result = await invokeLambda(fn, event);
        expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(expected);
      }),
    );
  });

  it('DynamoDB Streams: the first failing change onward', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const failing = new Set(items.filter((i) => i.fail).map((i) => i.id));
        const fn = changes({ collection: 't' }).handle((c) => {
          if (failing.has(String(c.key.id))) throw new Error('no');
        });
        const event = {
          Records: items.map(({ id }, i) => ({
            eventID: String(i),
            eventName: 'INSERT',
            eventSource: 'aws:dynamodb',
            eventSourceARN: 'arn:aws:dynamodb:eu-west-1:1:table/t/stream/x',
            dynamodb: { Keys: { id: { S: id } }, NewImage: { id: { S: id } }, SequenceNumber: String(500 + i) },
          })),
        };
        const first = items.findIndex((i) => i.fail);
        const expected = first < 0 ? [] : items.slice(first).map((_, j) => String(500 + first + j));
        const result = await invokeLambda(fn, event);
        expect(result?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(expected);
      }),
    );
  });
});
