/**
 * docs/azure.md, "The entry point", "What `register()` registers" and "The `azure` key": each row
 * of both tables, run through `register()` on a recording `app`.
 */

import { DEFAULT_STREAM_RETRY, register, toNcrontab } from '@skyport/azure';
import { changes, events, http, queue, router, SkyportError, schedule, storage, stream } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { recordingApp, withoutHandler } from './helpers.js';

const noop = () => undefined;
const all = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function registerOne(fn: Parameters<typeof register>[1][string], options?: Parameters<typeof register>[2]) {
  const { app, calls } = recordingApp();
  const registrations = register(app, { fn }, options);
  expect(calls).toHaveLength(1);
  expect(registrations.map((r) => r.method)).toEqual(calls.map((c) => c.method));
  return { method: calls[0]?.method, options: withoutHandler(calls[0]), handler: calls[0]?.options.handler };
}

describe('What register() registers', () => {
  it('http: methods (GET adds HEAD, OPTIONS for the route, none means all), route from path, anonymous', () => {
    expect(registerOne(http({ method: 'GET', path: '/orders/:id' }).handle(noop))).toMatchObject({
      method: 'http',
      options: { methods: ['GET', 'HEAD', 'OPTIONS'], route: 'orders/{id}', authLevel: 'anonymous' },
    });
    expect(registerOne(http({ path: '/files/*' }).handle(noop)).options).toEqual({
      methods: all,
      route: 'files/{*rest}',
      authLevel: 'anonymous',
    });
    expect(registerOne(http({ method: ['POST', 'PUT'], path: '/orders' }).handle(noop)).options.methods).toEqual([
      'POST',
      'PUT',
      'OPTIONS',
    ]);
  });

  it('http without a path: no route, so Azure routes the function name', () => {
    expect(registerOne(http({ method: 'GET' }).handle(noop)).options).toEqual({
      methods: ['GET', 'HEAD', 'OPTIONS'],
      authLevel: 'anonymous',
    });
  });

  it('router: every method on the catch-all route', () => {
    const a = http({ method: 'GET', path: '/a' }).handle(noop);
    expect(registerOne(router(a))).toEqual(
      expect.objectContaining({ method: 'http', options: { methods: all, authLevel: 'anonymous', route: '{*path}' } }),
    );
  });

  it('queues: Storage Queue, Service Bus queue (fifo or by trigger) and topic', () => {
    expect(registerOne(queue({ name: 'orders' }).handle(noop))).toMatchObject({
      method: 'storageQueue',
      options: { queueName: 'orders', connection: 'AzureWebJobsStorage' },
    });
    expect(registerOne(queue({ name: 'audit', fifo: true }).handle(noop))).toMatchObject({
      method: 'serviceBusQueue',
      options: { queueName: 'audit', connection: 'AzureWebJobsServiceBus', isSessionsEnabled: true },
    });
    const bus = registerOne(queue({ name: 'billing', azure: { trigger: 'serviceBusQueue' } }).handle(noop));
    expect(bus).toMatchObject({ method: 'serviceBusQueue' });
    expect(bus.options).toEqual({ queueName: 'billing', connection: 'AzureWebJobsServiceBus' });
    expect(registerOne(queue({ name: 'notify', azure: { subscription: 'mailer' } }).handle(noop))).toMatchObject({
      method: 'serviceBusTopic',
      options: { topicName: 'notify', subscriptionName: 'mailer', connection: 'AzureWebJobsServiceBus' },
    });
  });

  it('stream: Event Hubs, many, as bytes, with the unlimited retry policy', () => {
    const hub = registerOne(stream({ name: 'telemetry' }).handle(noop));
    expect(hub.method).toBe('eventHub');
    expect(hub.options).toEqual({
      eventHubName: 'telemetry',
      connection: 'AzureWebJobsEventHub',
      cardinality: 'many',
      dataType: 'binary',
      retry: DEFAULT_STREAM_RETRY,
    });
    expect(DEFAULT_STREAM_RETRY).toEqual({
      strategy: 'exponentialBackoff',
      maxRetryCount: -1,
      minimumInterval: { seconds: 1 },
      maximumInterval: { minutes: 5 },
    });
  });

  it('storage: the blob trigger for creations only, Event Grid when deletes are included', () => {
    const blob = registerOne(
      storage({ bucket: 'uploads', on: ['created'], prefix: 'in/', suffix: '.png' }).handle(noop),
    );
    expect(blob).toMatchObject({ method: 'storageBlob' });
    expect(blob.options).toEqual({ path: 'uploads/in/{name}.png', connection: 'AzureWebJobsStorage' });
    for (const fn of [
      storage({ bucket: 'uploads' }).handle(noop),
      storage({ bucket: 'uploads', on: ['created', 'deleted'] }).handle(noop),
    ]) {
      const grid = registerOne(fn);
      expect(grid.method).toBe('eventGrid');
      expect(grid.options).toEqual({});
    }
  });

  it('schedule: the cron in NCRONTAB', () => {
    expect(registerOne(schedule({ cron: '0 3 * * *' }).handle(noop))).toEqual(
      expect.objectContaining({ method: 'timer', options: { schedule: '0 0 3 * * *' } }),
    );
  });

  it('changes: Cosmos DB with the retry policy; events: Event Grid', () => {
    const cosmos = registerOne(changes({ collection: 'orders', azure: { database: 'shop' } }).handle(noop));
    expect(cosmos.method).toBe('cosmosDB');
    expect(cosmos.options).toEqual({
      databaseName: 'shop',
      containerName: 'orders',
      connection: 'CosmosDBConnection',
      leaseContainerPrefix: 'fn',
      retry: DEFAULT_STREAM_RETRY,
    });
    const grid = registerOne(events({ type: 'user.created' }).handle(noop));
    expect(grid.method).toBe('eventGrid');
    expect(grid.options).toEqual({});
  });

  it('returns [{ name, method, options }] with the handler among the options', () => {
    const { app } = recordingApp();
    const [registration] = register(app, { nightly: schedule({ cron: '0 3 * * *' }).handle(noop) });
    expect(registration?.name).toBe('nightly');
    expect(registration?.method).toBe('timer');
    expect(typeof registration?.options.handler).toBe('function');
  });
});

describe('The entry point: names and definitions are checked before anything is registered', () => {
  const good = queue({ name: 'orders' }).handle(noop);

  it('takes a letter followed by up to 127 letters, digits, _ or -', () => {
    const { app } = recordingApp();
    expect(register(app, { [`a${'b-_9'.repeat(31)}xyz`]: good })).toHaveLength(1);
    for (const name of ['1st', '_x', 'has space', 'dot.ted', `a${'b'.repeat(128)}`]) {
      const { app: fresh, calls } = recordingApp();
      expect(() => register(fresh, { first: good, [name]: good })).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
      expect(calls).toEqual([]);
    }
  });

  it('refuses settings Azure cannot deploy, registering nothing', () => {
    const bad = [
      queue({ name: 'q', azure: { trigger: 'serviceBusTopic' } }).handle(noop),
      changes({ collection: 'c' }).handle(noop),
      queue({ name: 'q', fifo: true, azure: { trigger: 'storageQueue' } }).handle(noop),
      schedule({ cron: '0 3 * * *', timezone: 'Europe/Paris' }).handle(noop),
      schedule({ cron: '0 3 1 * 1' }).handle(noop),
      queue({ name: 'q', azure: { connection: 42 } }).handle(noop),
      queue({ name: 'q', azure: { trigger: 'timer' } }).handle(noop),
    ];
    for (const fn of bad) {
      const { app, calls } = recordingApp();
      let thrown: unknown;
      try {
        register(app, { first: good, second: fn });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SkyportError);
      expect(thrown).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'azure' });
      expect(calls).toEqual([]);
    }
  });
});

describe('The azure key', () => {
  it('is read from the definition, and register({ functions }) wins', () => {
    const fulfilOrder = queue({ name: 'orders', azure: { connection: 'OrdersBus', queueName: 'orders-q' } }).handle(
      noop,
    );
    expect(registerOne(fulfilOrder).options).toEqual({ queueName: 'orders-q', connection: 'OrdersBus' });
    const { app, calls } = recordingApp();
    register(app, { fulfilOrder }, { functions: { fulfilOrder: { connection: 'ProdStorage' } } });
    expect(withoutHandler(calls[0])).toEqual({ queueName: 'orders-q', connection: 'ProdStorage' });
  });

  it('fails at registration with INVALID_DEFINITION on a wrong type', () => {
    for (const azure of [
      { authLevel: 'public' },
      { runOnStartup: 'yes' },
      { retry: { maxRetryCount: 3 } },
      { options: 1 },
    ]) {
      const { app, calls } = recordingApp();
      expect(() => register(app, { f: http({ path: '/x', azure }).handle(noop) })).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION' }),
      );
      expect(calls).toEqual([]);
    }
  });

  it('the concepts example: connection and trigger together', () => {
    const fn = queue({ name: 'orders', azure: { connection: 'ServiceBus', trigger: 'serviceBusQueue' } }).handle(noop);
    expect(registerOne(fn)).toMatchObject({
      method: 'serviceBusQueue',
      options: { queueName: 'orders', connection: 'ServiceBus' },
    });
  });

  it('http: authLevel and route', () => {
    const fn = http({ method: 'GET', path: '/x', azure: { authLevel: 'function', route: 'custom/{id}' } }).handle(noop);
    expect(registerOne(fn).options).toMatchObject({ authLevel: 'function', route: 'custom/{id}' });
  });

  it('queue: queueName, topicName and subscription', () => {
    const topic = queue({ name: 'notify', azure: { topicName: 'events', subscription: 'mailer' } }).handle(noop);
    expect(registerOne(topic).options).toMatchObject({ topicName: 'events', subscriptionName: 'mailer' });
  });

  it('cardinality: Service Bus leaves the host default (one) unless set; Event Hubs many', () => {
    expect(
      registerOne(queue({ name: 'b', azure: { trigger: 'serviceBusQueue' } }).handle(noop)).options,
    ).not.toHaveProperty('cardinality');
    const many = queue({ name: 'b', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle(noop);
    expect(registerOne(many).options.cardinality).toBe('many');
    const one = stream({ name: 'h', azure: { cardinality: 'one' } }).handle(noop);
    expect(registerOne(one).options.cardinality).toBe('one');
  });

  it('stream: eventHubName and consumerGroup', () => {
    const fn = stream({ name: 'telemetry', azure: { eventHubName: 'iot', consumerGroup: 'skyport' } }).handle(noop);
    expect(registerOne(fn).options).toMatchObject({ eventHubName: 'iot', consumerGroup: 'skyport' });
  });

  it('storage and changes: container; blobSource for the blob trigger', () => {
    const blob = storage({
      bucket: 'uploads',
      on: ['created'],
      azure: { container: 'uploads-prod', blobSource: 'EventGrid' },
    }).handle(noop);
    expect(registerOne(blob).options).toEqual({
      path: 'uploads-prod/{name}',
      connection: 'AzureWebJobsStorage',
      source: 'EventGrid',
    });
    const feed = changes({
      collection: 'orders',
      azure: {
        database: 'shop',
        container: 'orders-v2',
        leaseContainer: 'leases',
        createLeaseContainerIfNotExists: true,
      },
    }).handle(noop);
    expect(registerOne(feed).options).toMatchObject({
      containerName: 'orders-v2',
      leaseContainerName: 'leases',
      createLeaseContainerIfNotExists: true,
    });
  });

  it('schedule: runOnStartup, useMonitor, and retry only when set', () => {
    expect(registerOne(schedule({ cron: '0 3 * * *' }).handle(noop)).options).not.toHaveProperty('retry');
    const retry = { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 1000 } as const;
    const fn = schedule({ cron: '0 3 * * *', azure: { runOnStartup: true, useMonitor: false, retry } }).handle(noop);
    expect(registerOne(fn).options).toEqual({ schedule: '0 0 3 * * *', runOnStartup: true, useMonitor: false, retry });
  });

  it('retry: false removes the default policy of streams and change feeds', () => {
    expect(registerOne(stream({ name: 'h', azure: { retry: false } }).handle(noop)).options).not.toHaveProperty(
      'retry',
    );
    const feed = changes({ collection: 'c', azure: { database: 'd', retry: false } }).handle(noop);
    expect(registerOne(feed).options).not.toHaveProperty('retry');
  });

  it('connection: every non-HTTP trigger but Event Grid', () => {
    const connection = 'Custom';
    const fns = [
      queue({ name: 'q', azure: { connection } }),
      queue({ name: 'q', fifo: true, azure: { connection } }),
      queue({ name: 'q', azure: { connection, subscription: 's' } }),
      stream({ name: 's', azure: { connection } }),
      storage({ bucket: 'b', on: ['created'], azure: { connection } }),
      changes({ collection: 'c', azure: { connection, database: 'd' } }),
    ];
    for (const builder of fns) expect(registerOne(builder.handle(noop)).options.connection).toBe(connection);
  });

  it('options: spread into the app.* call as they are', () => {
    const extraOutputs = [{ type: 'queue', name: 'out', queueName: 'done', connection: 'AzureWebJobsStorage' }];
    const fn = queue({ name: 'q', azure: { options: { extraOutputs } } }).handle(noop);
    expect(registerOne(fn).options.extraOutputs).toBe(extraOutputs);
  });
});

describe('Deployment notes: cron', () => {
  it('translates 5 fields to 6 and 7 for Sunday to 0', () => {
    expect(toNcrontab('0 3 * * *')).toBe('0 0 3 * * *');
    expect(toNcrontab('*/15 * * * 7')).toBe('0 */15 * * * 0');
    expect(toNcrontab('0 9 * * 1-7')).toBe('0 0 9 * * 1-6,0');
  });

  it('refuses a schedule restricting both day fields, and L, W, # and ?', () => {
    for (const cron of ['0 3 1 * 1', '0 3 L * *', '0 3 1W * *', '0 3 * * 1#2', '0 3 ? * 1']) {
      expect(() => toNcrontab(cron)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
  });

  it('takes UTC as the only time zone', () => {
    expect(registerOne(schedule({ cron: '0 3 * * *', timezone: 'UTC' }).handle(noop)).method).toBe('timer');
    expect(() => registerOne(schedule({ cron: '0 3 * * *', timezone: 'America/New_York' }).handle(noop))).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
  });
});
