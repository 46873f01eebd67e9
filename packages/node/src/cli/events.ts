/**
 * `skyport events`: sample events to start from. Portable ones come from the factories of
 * `@skyport/testing`; raw cloud ones from its `aws`, `azure` and `gcp` raw factories.
 */
import { importOptional } from '../raw.js';
import { UsageError } from './usage.js';

const portable: Readonly<Record<string, { readonly factory: string; readonly options: unknown }>> = {
  http: {
    factory: 'httpRequest',
    options: {
      method: 'POST',
      path: '/orders',
      body: { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 12.5 }] },
    },
  },
  queue: { factory: 'message', options: { body: { orderId: 'ord_1' }, source: 'orders' } },
  stream: { factory: 'streamRecord', options: { body: { page: '/' }, source: 'clicks' } },
  storage: { factory: 'storageEvent', options: { bucket: 'uploads', key: 'receipts/ord_1.pdf', size: 1024 } },
  schedule: { factory: 'scheduleTick', options: { name: 'nightly' } },
  changes: { factory: 'changeEvent', options: { collection: 'orders', key: { id: 'ord_1' }, after: { id: 'ord_1' } } },
  events: { factory: 'cloudEvent', options: { type: 'order.created', source: 'shop', data: { id: 'ord_1' } } },
};

const aliases: Readonly<Record<string, string>> = { message: 'queue', record: 'stream', cloudevent: 'events' };

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The clouds `events` accepts. */
export const eventClouds = ['node', 'aws', 'azure', 'gcp'] as const;

/**
 * A sample event of `source` for `cloud`, as JSON-able data.
 *
 * @example
 * await sampleEvent('node', 'queue'); // { id: 'msg-1', body: { orderId: 'ord_1' }, ... }
 */
export async function sampleEvent(cloud: string, source: string | undefined): Promise<unknown> {
  if (!(eventClouds as readonly string[]).includes(cloud)) {
    throw new UsageError(`unknown cloud "${cloud}"; use one of ${eventClouds.join(', ')}`);
  }
  const testing = await importOptional('@skyport/testing', 'sample events');
  if (cloud === 'node') {
    const kinds = Object.keys(portable);
    const kind = source === undefined ? undefined : (aliases[squash(source)] ?? squash(source));
    const entry = kind === undefined ? undefined : portable[kind];
    if (entry === undefined) {
      throw new UsageError(
        source === undefined
          ? `pick a source: ${kinds.join(', ')}`
          : `unknown source "${source}"; node has ${kinds.join(', ')}`,
      );
    }
    const factory = testing[entry.factory];
    if (typeof factory !== 'function') throw new Error(`@skyport/testing does not export ${entry.factory}()`);
    return JSON.parse(JSON.stringify((factory as (options: unknown) => unknown)(entry.options)));
  }
  const namespace = testing[cloud];
  if (typeof namespace !== 'object' || namespace === null) {
    throw new Error(`this version of @skyport/testing has no raw ${cloud} event factories (update it)`);
  }
  const factories = Object.entries(namespace).filter(([, value]) => typeof value === 'function');
  const names = factories.map(([name]) => name);
  const match = source === undefined ? undefined : factories.find(([name]) => squash(name) === squash(source));
  if (match === undefined) {
    throw new UsageError(
      source === undefined
        ? `pick a source: ${names.join(', ')}`
        : `unknown ${cloud} source "${source}"; available: ${names.join(', ')}`,
    );
  }
  try {
    return (match[1] as () => unknown)();
  } catch (error) {
    throw new Error(
      `${cloud}.${match[0]}() needs options to build a sample; call it from code with its options (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
