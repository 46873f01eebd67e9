/**
 * `skyport events`: sample events to start from. Portable ones come from the factories of
 * `@skyport/testing`; raw cloud ones from its `aws`, `azure` and `gcp` raw factories, named by
 * source or by portable kind (the usual source of that kind on the cloud).
 */
import { importOptional } from '../raw.js';
import { kindSources, portableKinds, type RawEventCloud } from './kinds.js';
import { UsageError } from './usage.js';

/**
 * The request of every cloud's http samples: an order for the orders example's `POST /orders`, so
 * a sample of any cloud runs the same function the same way.
 */
const orderRequest = {
  method: 'POST',
  path: '/orders',
  body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 12.5 }] },
} as const;

const portable: Readonly<Record<string, { readonly factory: string; readonly options: unknown }>> = {
  http: { factory: 'httpRequest', options: orderRequest },
  queue: { factory: 'message', options: { body: { orderId: 'ord_1' }, source: 'orders' } },
  stream: { factory: 'streamRecord', options: { body: { page: '/' }, source: 'clicks' } },
  storage: { factory: 'storageEvent', options: { bucket: 'uploads', key: 'receipts/ord_1.pdf', size: 1024 } },
  schedule: { factory: 'scheduleTick', options: { name: 'nightly' } },
  changes: { factory: 'changeEvent', options: { collection: 'orders', key: { id: 'ord_1' }, after: { id: 'ord_1' } } },
  events: { factory: 'cloudEvent', options: { type: 'order.created', source: 'shop', data: { id: 'ord_1' } } },
};

const aliases: Readonly<Record<string, string>> = { message: 'queue', record: 'stream', cloudevent: 'events' };

/**
 * Exports of the raw factory namespaces that build something other than an event (contexts,
 * headers, converters): not sources.
 */
const helpers: Readonly<Record<string, readonly string[]>> = {
  aws: ['lambdaContext'],
  azure: ['invocationContext'],
  gcp: ['binaryMode', 'schedulerHttpHeaders', 'toFirestoreFields', 'toFirestoreValue'],
};

/** Options for the raw factories that cannot build an event without them. */
const rawOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  aws: { apiGatewayV2: orderRequest, apiGatewayV1: orderRequest, functionUrl: orderRequest, alb: orderRequest },
  gcp: {
    cloudEvent: { type: 'com.example.order.created', source: '//shop.example.com/orders', data: { id: 'ord_1' } },
    firestoreCloudEvent: { document: 'orders/ord_1', value: { id: 'ord_1', status: 'pending' } },
  },
};

/**
 * Samples built here rather than by a factory as it is: GCP http functions and Cloud Scheduler
 * HTTP targets take plain HTTP requests, in the form `invokeGcp()` (and `invoke --cloud gcp`)
 * takes; Azure's request carries its body as JSON, which a file can hold and a person edit (the
 * factory's is bytes). Each is given the cloud's factory namespace and replaces the factory's
 * sample of that name; one that returns `undefined` is left out.
 */
const composed: Readonly<Record<string, Readonly<Record<string, (namespace: Record<string, unknown>) => unknown>>>> = {
  azure: {
    // The factories give these bodies as the bytes the binary binding delivers; a sample file
    // holds them as the JSON (or text) they are, which `invoke --cloud azure` takes too.
    eventHubBatch: (namespace) => readableBodies(callDefault(namespace, 'eventHubBatch')),
    serviceBusBatch: (namespace) => readableBodies(callDefault(namespace, 'serviceBusBatch')),
    httpRequest: (namespace) =>
      typeof namespace.httpRequest === 'function'
        ? {
            ...(call(namespace, 'httpRequest', {
              method: orderRequest.method,
              path: orderRequest.path,
              headers: { 'content-type': 'application/json' },
            }) as Record<string, unknown>),
            body: orderRequest.body,
          }
        : undefined,
  },
  gcp: {
    httpRequest: () => ({
      method: orderRequest.method,
      path: orderRequest.path,
      headers: { 'content-type': 'application/json' },
      body: orderRequest.body,
    }),
    schedulerRequest: (namespace) =>
      typeof namespace.schedulerHttpHeaders === 'function'
        ? { method: 'POST', path: '/', headers: call(namespace, 'schedulerHttpHeaders', { jobName: 'nightly' }) }
        : undefined,
  },
};

/** The sample of a factory called without arguments, or `undefined` when the kit has none. */
function callDefault(namespace: Record<string, unknown>, name: string): unknown {
  const factory = namespace[name];
  return typeof factory === 'function' ? (factory as () => unknown)() : undefined;
}

/** An Azure batch sample whose byte bodies are given as their JSON value (or text, when not JSON). */
function readableBodies(sample: unknown): unknown {
  if (typeof sample !== 'object' || sample === null) return sample;
  const trigger = (sample as { trigger?: unknown }).trigger;
  if (!Array.isArray(trigger)) return sample;
  const readable = trigger.map((body: unknown) => {
    if (!(body instanceof Uint8Array)) return body;
    const text = new TextDecoder().decode(body);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  });
  return { ...sample, trigger: readable };
}

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The clouds `events` accepts. */
export const eventClouds = ['node', 'aws', 'azure', 'gcp'] as const;

/** The samples of one cloud, by source name, each built when asked for. */
type Catalogue = ReadonlyMap<string, () => unknown>;

function call(testing: Record<string, unknown>, name: string, options: unknown): unknown {
  const factory = testing[name];
  if (typeof factory !== 'function') throw new Error(`@skyport/testing does not export ${name}()`);
  return (factory as (options: unknown) => unknown)(options);
}

/**
 * The sources of `cloud`: for `node` the portable kinds; for a raw cloud every function of the
 * test kit's namespace but the helpers, and of the factories with a required argument only those
 * given options here (one added to the kit later is left out rather than listed and failing).
 */
async function catalogue(cloud: string): Promise<Catalogue> {
  if (!(eventClouds as readonly string[]).includes(cloud)) {
    throw new UsageError(`unknown cloud "${cloud}"; use one of ${eventClouds.join(', ')}`);
  }
  const testing = await importOptional('@skyport/testing', 'sample events');
  const out = new Map<string, () => unknown>();
  if (cloud === 'node') {
    for (const [kind, { factory, options }] of Object.entries(portable)) {
      out.set(kind, () => JSON.parse(JSON.stringify(call(testing, factory, options))));
    }
    return out;
  }
  const namespace = testing[cloud];
  if (typeof namespace !== 'object' || namespace === null) {
    throw new Error(`this version of @skyport/testing has no raw ${cloud} event factories (update it)`);
  }
  const skip = helpers[cloud] ?? [];
  const options = rawOptions[cloud] ?? {};
  for (const [name, value] of Object.entries(namespace)) {
    if (typeof value !== 'function' || skip.includes(name)) continue;
    const factory = value as (options?: unknown) => unknown;
    if (name in options) out.set(name, () => factory(options[name]));
    else if (factory.length === 0) out.set(name, () => factory());
  }
  for (const [name, build] of Object.entries(composed[cloud] ?? {})) {
    const raw = namespace as Record<string, unknown>;
    if (build(raw) !== undefined) out.set(name, () => build(raw));
  }
  return out;
}

/** The source a portable kind (or one of its aliases) stands for on a raw cloud, if it is one. */
function sourceOfKind(cloud: string, wanted: string): string | undefined {
  const kind = aliases[wanted] ?? wanted;
  const sources = kindSources[cloud as RawEventCloud] as Readonly<Record<string, string>> | undefined;
  return sources !== undefined && Object.hasOwn(sources, kind) ? sources[kind] : undefined;
}

/**
 * The sources `sampleEvent()` knows for `cloud`.
 *
 * @example
 * await eventSources('node'); // ['http', 'queue', 'stream', 'storage', 'schedule', 'changes', 'events']
 */
export async function eventSources(cloud: string): Promise<string[]> {
  return [...(await catalogue(cloud)).keys()];
}

/**
 * A sample event of `source` for `cloud`, as JSON-able data. On `aws`, `azure` and `gcp`, a source
 * is a raw event factory (names match loosely: `api-gateway-v2` is `apiGatewayV2`) or a portable
 * kind, which stands for the usual source of that kind there (`aws queue` is `sqs`).
 *
 * @example
 * await sampleEvent('node', 'queue'); // { id: 'msg-1', body: { orderId: 'ord_1' }, ... }
 * await sampleEvent('aws', 'queue'); // { Records: [{ eventSource: 'aws:sqs', ... }] }
 */
export async function sampleEvent(cloud: string, source: string | undefined): Promise<unknown> {
  const samples = await catalogue(cloud);
  const names = [...samples.keys()];
  const wanted = source === undefined ? undefined : squash(source);
  const name =
    wanted === undefined
      ? undefined
      : cloud === 'node'
        ? (aliases[wanted] ?? wanted)
        : (names.find((candidate) => squash(candidate) === wanted) ?? sourceOfKind(cloud, wanted));
  const build = name === undefined ? undefined : samples.get(name);
  if (build !== undefined) return build();
  const list = names.join(', ');
  if (cloud === 'node') {
    throw new UsageError(
      source === undefined ? `pick a source: ${list}` : `unknown source "${source}"; node has ${list}`,
    );
  }
  const choices = `kinds: ${portableKinds.join(', ')}; sources: ${list}`;
  if (source === undefined) throw new UsageError(`pick a kind or a source; ${choices}`);
  throw new UsageError(`unknown ${cloud} kind or source "${source}"; ${choices}`);
}
