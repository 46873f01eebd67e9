import { HttpRequest, InvocationContext } from '@azure/functions';
import { changes, cors, events, http, queue, router, schedule, storage, stream } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Call, recordingApp } from '../test/helpers.js';
import { DEFAULT_STREAM_RETRY, register } from './register.js';

const noop = () => undefined;
const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ id: req.params.id }));
const createOrder = http({ method: 'POST', path: '/orders', azure: { authLevel: 'function' } }).handle(noop);

const functions = {
  getOrder,
  createOrder,
  api: router(getOrder, createOrder),
  fulfil: queue({ name: 'orders' }).handle(noop),
  billing: queue({ name: 'billing', azure: { trigger: 'serviceBusQueue', connection: 'BillingBus' } }).handle(noop),
  audit: queue({ name: 'audit', fifo: true }).handle(noop),
  notify: queue({ name: 'notify', azure: { subscription: 'mailer' } }).handle(noop),
  sessions: queue({ name: 'sessions', fifo: true, azure: { subscription: 'ordered' } }).handle(noop),
  telemetry: stream({ name: 'telemetry', azure: { consumerGroup: 'skyport' } }).handle(noop),
  uploads: storage({ bucket: 'uploads', on: ['created'], prefix: 'in/', suffix: '.png' }).handle(noop),
  cleanup: storage({ bucket: 'uploads' }).handle(noop),
  nightly: schedule({ cron: '0 3 * * 7' }).handle(noop),
  orderChanges: changes({ collection: 'orders', azure: { database: 'shop', leaseContainer: 'leases' } }).handle(noop),
  signups: events({ type: 'user.created' }).handle(noop),
};

type OptionsHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<{ status: number; headers?: unknown }>;

/** The answer of a registered function's handler to OPTIONS on `url`. */
function optionsAnswer(calls: readonly Call[], name: string, url: string, headers: Record<string, string> = {}) {
  const handler = calls.find((c) => c.name === name)?.options.handler as OptionsHandler;
  return handler(
    new HttpRequest({ method: 'OPTIONS', url, headers }),
    new InvocationContext({ invocationId: 'o-1', functionName: name }),
  );
}

describe('register', () => {
  it('calls the right app.* method with the right options for functions of every kind', () => {
    // Prepare
    const { app, calls } = recordingApp();

    // Act
    const registrations = register(app, functions);

    // Assert
    const withoutHandlers = calls.map(({ method, name, options }) => {
      const { handler, ...rest } = options;
      expect(typeof handler).toBe('function');
      return { method, name, options: rest };
    });
    expect(withoutHandlers).toEqual([
      {
        method: 'http',
        name: 'getOrder',
        options: { methods: ['GET', 'HEAD'], authLevel: 'anonymous', route: 'orders/{id}' },
      },
      {
        method: 'http',
        name: 'createOrder',
        options: { methods: ['POST'], authLevel: 'function', route: 'orders' },
      },
      {
        method: 'http',
        name: 'api',
        options: {
          methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          authLevel: 'anonymous',
          route: '{*path}',
        },
      },
      { method: 'storageQueue', name: 'fulfil', options: { queueName: 'orders', connection: 'AzureWebJobsStorage' } },
      { method: 'serviceBusQueue', name: 'billing', options: { queueName: 'billing', connection: 'BillingBus' } },
      {
        method: 'serviceBusQueue',
        name: 'audit',
        options: { queueName: 'audit', connection: 'AzureWebJobsServiceBus', isSessionsEnabled: true },
      },
      {
        method: 'serviceBusTopic',
        name: 'notify',
        options: { topicName: 'notify', subscriptionName: 'mailer', connection: 'AzureWebJobsServiceBus' },
      },
      {
        method: 'serviceBusTopic',
        name: 'sessions',
        options: {
          topicName: 'sessions',
          subscriptionName: 'ordered',
          connection: 'AzureWebJobsServiceBus',
          isSessionsEnabled: true,
        },
      },
      {
        method: 'eventHub',
        name: 'telemetry',
        options: {
          eventHubName: 'telemetry',
          connection: 'AzureWebJobsEventHub',
          cardinality: 'many',
          dataType: 'binary',
          consumerGroup: 'skyport',
          retry: DEFAULT_STREAM_RETRY,
        },
      },
      {
        method: 'storageBlob',
        name: 'uploads',
        options: { path: 'uploads/in/{name}.png', connection: 'AzureWebJobsStorage' },
      },
      { method: 'eventGrid', name: 'cleanup', options: {} },
      { method: 'timer', name: 'nightly', options: { schedule: '0 0 3 * * 0' } },
      {
        method: 'cosmosDB',
        name: 'orderChanges',
        options: {
          connection: 'CosmosDBConnection',
          databaseName: 'shop',
          containerName: 'orders',
          leaseContainerName: 'leases',
          leaseContainerPrefix: 'orderChanges',
          retry: DEFAULT_STREAM_RETRY,
        },
      },
      { method: 'eventGrid', name: 'signups', options: {} },
    ]);
    expect(registrations.map((r) => [r.name, r.method])).toEqual(calls.map((c) => [c.name, c.method]));
  });

  it('applies per-function overrides from the register options', () => {
    // Prepare
    const { app, calls } = recordingApp();

    // Act
    register(
      app,
      { api: functions.api, fulfil: functions.fulfil, telemetry: functions.telemetry, nightly: functions.nightly },
      {
        functions: {
          api: { route: 'shop/{*path}', authLevel: 'function' },
          fulfil: { queueName: 'orders-prod', connection: 'OrdersStorage', options: { extraOutputs: [] } },
          telemetry: { retry: false, cardinality: 'one' },
          nightly: { runOnStartup: true, retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 1000 } },
        },
      },
    );

    // Assert
    expect(calls.map((c) => ({ ...c.options, handler: undefined }))).toEqual([
      {
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        authLevel: 'function',
        route: 'shop/{*path}',
        handler: undefined,
      },
      { queueName: 'orders-prod', connection: 'OrdersStorage', extraOutputs: [], handler: undefined },
      {
        eventHubName: 'telemetry',
        connection: 'AzureWebJobsEventHub',
        cardinality: 'one',
        dataType: 'binary',
        consumerGroup: 'skyport',
        handler: undefined,
      },
      {
        schedule: '0 0 3 * * 0',
        runOnStartup: true,
        retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 1000 },
        handler: undefined,
      },
    ]);
  });

  it('registers handlers that run: the router answers on its catch-all route', async () => {
    // Prepare
    const { app, calls } = recordingApp();
    register(app, { api: functions.api });
    const call = calls[0] as Call;
    const handler = call.options.handler as (req: HttpRequest, ctx: InvocationContext) => Promise<unknown>;
    const context = new InvocationContext({
      invocationId: 'r-1',
      functionName: 'api',
      options: { trigger: { type: 'httpTrigger', name: 'request', route: call.options.route } },
    });

    // Act
    const response = await handler(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/orders/9', params: { path: 'orders/9' } }),
      context,
    );

    // Assert
    expect(response).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"9"}' });
  });

  it('routes OPTIONS to one function per route, preferring the one with cors(), so preflights reach it', async () => {
    // Prepare: three functions share a route; a fourth, registered later, too.
    const { app, calls } = recordingApp();
    const allowed = cors({ origin: ['https://shop.example'] });
    const list = http({ method: 'GET', path: '/items' }).handle(() => []);
    const add = http({ method: 'POST', path: '/items' })
      .use(allowed)
      .handle(() => ({ status: 201 }));
    const wipe = http({ method: 'DELETE', path: '/Items' }).handle(() => undefined);
    const bare = http({ method: 'GET' }).handle(() => 'ok');

    // Act
    register(app, { list, add, wipe, bare });
    register(app, { replace: http({ method: 'PUT', path: '/items' }).handle(() => undefined) });
    const methods = Object.fromEntries(calls.map((c) => [c.name, c.options.methods]));
    const handler = calls.find((c) => c.name === 'add')?.options.handler as (
      req: HttpRequest,
      ctx: InvocationContext,
    ) => Promise<{ status: number; headers?: Record<string, string> }>;
    const preflight = await handler(
      new HttpRequest({
        method: 'OPTIONS',
        url: 'http://localhost:7071/api/items',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      }),
      new InvocationContext({ invocationId: 'p-1', functionName: 'add' }),
    );

    // Assert
    expect(methods).toEqual({
      list: ['GET', 'HEAD'],
      add: ['POST', 'OPTIONS'],
      wipe: ['DELETE'],
      bare: ['GET', 'HEAD', 'OPTIONS'],
      replace: ['PUT'],
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://shop.example' });
  });

  it('gives OPTIONS to no second function of a route, however its parameters are named or cased', () => {
    const { app, calls } = recordingApp();
    register(app, {
      getOrder: http({ method: 'GET', path: '/orders/:id' }).handle(() => ({})),
      deleteOrder: http({ method: 'DELETE', path: '/Orders/:orderId' }).handle(() => undefined),
      getUser: http({ method: 'GET', path: '/users/:id' })
        .use(cors())
        .handle(() => ({})),
      optUser: http({ method: 'OPTIONS', path: '/users/:userId' }).handle(() => undefined),
    });
    register(app, { putUser: http({ method: 'PUT', path: '/users/:id' }).handle(() => undefined) });
    const methods = Object.fromEntries(calls.map((c) => [c.name, c.options.methods]));
    expect(methods).toEqual({
      getOrder: ['GET', 'HEAD', 'OPTIONS'],
      deleteOrder: ['DELETE'],
      getUser: ['GET', 'HEAD'],
      optUser: ['OPTIONS'],
      putUser: ['PUT'],
    });
  });

  it('leaves OPTIONS of every path to a router on the catch-all route', () => {
    const { app, calls } = recordingApp();
    const list = http({ method: 'GET', path: '/items' }).handle(() => []);
    register(app, { api: router(list) });
    register(app, { list });
    expect(calls.find((c) => c.name === 'list')?.options.methods).toEqual(['GET', 'HEAD']);
  });

  it('gives OPTIONS to a function beside a catch-all router that has no route for its path', async () => {
    // Prepare: the router answers OPTIONS for its own paths only; for /health it would answer 404
    const { app, calls } = recordingApp();
    const allowed = cors({ origin: ['https://shop.example'] });
    const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle(() => ({}));
    const readme = http({ method: 'GET', path: '/files/readme' }).handle(() => 'readme');
    const items = http({ method: 'GET', path: '/items' }).handle(() => []);

    // Act
    register(
      app,
      {
        api: router(getOrder, readme).use(allowed),
        shop: router(items),
        health: http({ method: 'GET', path: '/health' })
          .use(allowed)
          .handle(() => 'ok'),
        orderById: http({ method: 'GET', path: '/Orders/:orderId' }).handle(() => ({})),
        file: http({ method: 'GET', path: '/files/:name' }).handle(() => 'file'),
        shopItems: http({ method: 'GET', path: '/shop/items' }).handle(() => []),
        shopCart: http({ method: 'GET', path: '/shop/cart' }).handle(() => ({})),
      },
      { functions: { shop: { route: 'shop/{*path}' } } },
    );
    const preflight = await optionsAnswer(calls, 'health', 'http://localhost:7071/api/health', {
      origin: 'https://shop.example',
      'access-control-request-method': 'GET',
    });

    // Assert: the router compares paths with their case, so /Orders/7 is none of its routes; /files/readme
    // is no route for every /files/:name; /shop/items is the sub-path router's /items
    expect(Object.fromEntries(calls.map((c) => [c.name, c.options.methods]))).toMatchObject({
      health: ['GET', 'HEAD', 'OPTIONS'],
      orderById: ['GET', 'HEAD', 'OPTIONS'],
      file: ['GET', 'HEAD', 'OPTIONS'],
      shopItems: ['GET', 'HEAD'],
      shopCart: ['GET', 'HEAD', 'OPTIONS'],
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://shop.example' });
  });

  it('names the function whose cron Azure cannot keep', () => {
    const { app } = recordingApp();
    expect(() => register(app, { nightlyReport: schedule({ cron: '0 3 1 * 1' }).handle(noop) })).toThrow(
      /^azure: function "nightlyReport" \(schedule\): cron "0 3 1 \* 1" restricts both day-of-month and day-of-week/,
    );
  });

  it('refuses definitions Azure cannot deploy', () => {
    const { app, calls } = recordingApp();
    const bad: [string, Parameters<typeof register>[1]][] = [
      ['bad name', { '1st': functions.fulfil }],
      ['the name the host reserves', { Host: functions.fulfil }],
      ['topic without subscription', { t: queue({ name: 't', azure: { trigger: 'serviceBusTopic' } }).handle(noop) }],
      ['cosmos without database', { c: changes({ collection: 'c' }).handle(noop) }],
      ['wrong setting type', { q: queue({ name: 'q', azure: { connection: 42 } }).handle(noop) }],
      ['unknown trigger', { q: queue({ name: 'q', azure: { trigger: 'kafka' } }).handle(noop) }],
      ['trigger of another kind', { q: queue({ name: 'q', azure: { trigger: 'timer' } }).handle(noop) }],
      ['fifo storage queue', { q: queue({ name: 'q', fifo: true, azure: { trigger: 'storageQueue' } }).handle(noop) }],
      ['time zone', { n: schedule({ cron: '0 3 * * *', timezone: 'Europe/Paris' }).handle(noop) }],
      ['both day fields', { n: schedule({ cron: '0 3 1 * 1' }).handle(noop) }],
      [
        'deletions on the blob trigger, which reports creations only',
        { s: storage({ bucket: 'b', on: ['deleted'], azure: { trigger: 'storageBlob' } }).handle(noop) },
      ],
      [
        'a retry policy Azure ignores (queue)',
        {
          q: queue({
            name: 'q',
            azure: { retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 5000 } },
          }).handle(noop),
        },
      ],
      [
        'a retry policy Azure ignores (http)',
        {
          h: http({ azure: { retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 5000 } } }).handle(noop),
        },
      ],
    ];
    for (const [, fns] of bad) {
      expect(() => register(app, { good: functions.fulfil, ...fns })).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }),
      );
    }
    expect(calls).toEqual([]);
  });
});

describe('register: functions sharing a route', () => {
  it('answers OPTIONS with the Allow of every function on the route, those registered later included', async () => {
    // Prepare
    const { app, calls } = recordingApp();
    register(app, {
      getItem: http({ method: 'GET', path: '/items/:id' }).handle(() => ({})),
      putItem: http({ method: 'PUT', path: '/items/:id' }).handle(() => undefined),
    });

    // Act
    const before = await optionsAnswer(calls, 'getItem', 'http://localhost:7071/api/items/7');
    register(app, { deleteItem: http({ method: 'DELETE', path: '/Items/:itemId' }).handle(() => undefined) });
    const after = await optionsAnswer(calls, 'getItem', 'http://localhost:7071/api/items/7');

    // Assert
    expect(calls.map((c) => [c.name, c.options.methods])).toEqual([
      ['getItem', ['GET', 'HEAD', 'OPTIONS']],
      ['putItem', ['PUT']],
      ['deleteItem', ['DELETE']],
    ]);
    expect(before).toMatchObject({ status: 204, headers: { allow: 'GET, PUT, HEAD, OPTIONS' } });
    expect(after).toMatchObject({ status: 204, headers: { allow: 'GET, PUT, DELETE, HEAD, OPTIONS' } });
  });

  it('refuses a function with cors() on a route an earlier call gave OPTIONS to one without it', async () => {
    // Prepare
    const { app, calls } = recordingApp();
    const allowed = cors({ origin: ['https://shop.example'] });
    const list = http({ method: 'GET', path: '/items' }).handle(() => []);
    const create = http({ method: 'POST', path: '/Items' })
      .use(allowed)
      .handle(() => ({ status: 201 }));
    const remove = http({ method: 'DELETE', path: '/items' }).handle(() => undefined);
    register(app, { list });

    // Act
    const late = () => register(app, { create });
    const plain = () => register(app, { remove });

    // Assert: nothing of the refused call is registered; a function without cors() is left alone
    expect(late).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        adapter: 'azure',
        message:
          'azure: function "create" (http): OPTIONS Items goes to function "list" (route items), which an earlier ' +
          'register() call gave it and which has no cors(), so preflights for this function would get no CORS ' +
          'headers; register the functions of the route in one call, where the one with cors() takes OPTIONS',
      }),
    );
    expect(plain).not.toThrow();
    expect(calls.map((c) => [c.name, c.options.methods])).toEqual([
      ['list', ['GET', 'HEAD', 'OPTIONS']],
      ['remove', ['DELETE']],
    ]);
    // In one call, the function with cors() takes OPTIONS and answers the preflight.
    const { app: other, calls: together } = recordingApp();
    register(other, { list, create });
    const preflight = await optionsAnswer(together, 'create', 'http://localhost:7071/api/items', {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
    });
    expect(together.map((c) => [c.name, c.options.methods])).toEqual([
      ['list', ['GET', 'HEAD']],
      ['create', ['POST', 'OPTIONS']],
    ]);
    expect(preflight).toMatchObject({
      status: 204,
      headers: { 'access-control-allow-origin': 'https://shop.example' },
    });
  });

  it('refuses two functions serving one method of one route, in one call or two, registering nothing', () => {
    // Prepare
    const { app, calls } = recordingApp();
    const getOrder = http({ method: 'GET', path: '/orders/:id' }).handle(() => ({}));
    const refused = (message: string) =>
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        adapter: 'azure',
        message: expect.stringContaining(message),
      });

    // Act / Assert
    expect(() =>
      register(app, { getOrder, getOrderById: http({ method: 'GET', path: '/Orders/:orderId' }).handle(() => ({})) }),
    ).toThrow(
      refused(
        'function "getOrderById" (http): GET Orders/{orderId} is also served by function "getOrder" (route orders/{id}); one of them would never run',
      ),
    );
    expect(() => register(app, { getOrder, anyOrder: http({ path: '/orders/:key' }).handle(() => ({})) })).toThrow(
      refused('GET orders/{key} is also served by function "getOrder"'),
    );
    const list = http({ method: 'GET', path: '/items' }).handle(() => []);
    expect(() => register(app, { api: router(list), list }, { functions: { api: { route: 'items' } } })).toThrow(
      refused('GET items is also served by function "api"'),
    );
    expect(calls).toEqual([]);
    register(app, { getOrder });
    expect(() =>
      register(app, { getOrderById: http({ method: ['GET', 'POST'], path: '/orders/:orderId' }).handle(() => ({})) }),
    ).toThrow(refused('GET orders/{orderId} is also served by function "getOrder"'));
    expect(() =>
      register(app, { headOrder: http({ method: 'HEAD', path: '/orders/:orderId' }).handle(() => undefined) }),
    ).toThrow(refused('register both in one call'));
    expect(calls.map((c) => c.name)).toEqual(['getOrder']);
  });

  it('leaves HEAD to a function of the route that takes it itself', () => {
    const { app, calls } = recordingApp();
    register(app, {
      getFile: http({ method: 'GET', path: '/files/:id' }).handle(() => 'content'),
      headFile: http({ method: 'HEAD', path: '/files/:id' }).handle(() => undefined),
    });
    expect(calls.map((c) => [c.name, c.options.methods])).toEqual([
      ['getFile', ['GET', 'OPTIONS']],
      ['headFile', ['HEAD']],
    ]);
  });
});

describe('register: a catch-all router beside other http functions', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints one warning line: the host tries routes in function-name order, so the router can take their requests', () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { app } = recordingApp();
    const health = http({ method: 'GET', path: '/health' }).handle(() => 'ok');
    const ping = http({ method: 'GET' }).handle(() => 'pong');

    // Act
    register(app, { api: router(getOrder), health, ping, fulfil: functions.fulfil });
    const first = warn.mock.calls.map((args) => args.join(' '));
    register(app, { status: http({ method: 'GET', path: '/status' }).handle(() => 'ok') });
    register(app, { nightly: functions.nightly });

    // Assert
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(
      /^azure: warning: the router "api" \(route \{\*path\}\) takes paths of "health", "ping" too\. /,
    );
    expect(first[0]).toContain('function-name order');
    expect(first[0]).toContain("{ functions: { api: { route: 'shop/{*path}' } } }");
    expect(first[0]).not.toContain('\n');
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]?.[0]).toContain('takes paths of "health", "ping", "status" too');
  });

  it('stays quiet for a router on a sub-path no other function is under', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { app } = recordingApp();
    const health = http({ method: 'GET', path: '/health' }).handle(() => 'ok');
    register(app, { api: router(getOrder), health }, { functions: { api: { route: 'shop/{*path}' } } });
    register(recordingApp().app, { api: router(getOrder), fulfil: functions.fulfil });
    expect(warn).toHaveBeenCalledTimes(0);
    register(app, { cart: http({ method: 'GET', path: '/shop/cart' }).handle(() => ({})) });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('register: an events function filtering on source', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("warns once: an Event Grid-schema event's source is its topic's resource path, which a sender's source never matches", async () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { app, calls } = recordingApp();
    const ran: string[] = [];
    const orderPlaced = events({ type: 'OrderPlaced', source: 'com.shop' }).handle(() => {
      ran.push('orderPlaced');
    });
    const refunds = events({ source: 'com.shop.refunds' }).handle(noop);

    // Act
    register(app, { orderPlaced, refunds, signups: functions.signups });
    const handler = calls.find((c) => c.name === 'orderPlaced')?.options.handler as (
      event: unknown,
      context: InvocationContext,
    ) => Promise<unknown>;
    await handler(
      {
        id: 'e-1',
        topic: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventGrid/topics/orders',
        subject: 'orders/1',
        eventType: 'OrderPlaced',
        eventTime: '2026-01-01T00:00:00Z',
        data: {},
        dataVersion: '1',
        metadataVersion: '1',
      },
      new InvocationContext({
        invocationId: 'i-1',
        functionName: 'orderPlaced',
        options: { trigger: { type: 'eventGridTrigger', name: 'event' } },
        logHandler: noop,
      }),
    );

    // Assert: the event the warning is about is completed unseen
    expect(ran).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toMatch(
      /^azure: warning: the events functions "orderPlaced" \(source "com\.shop"\), "refunds" \(source "com\.shop\.refunds"\) filter on source and are registered on app\.eventGrid\. /,
    );
    expect(line).toContain("An Event Grid-schema event carries its topic's resource path");
    expect(line).toContain("only a CloudEvents-schema subscription carries the sender's source");
    expect(line).not.toContain('\n');
  });

  it('stays quiet without a source filter, or with a filter on a resource path, which both schemas carry', () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const topic = events({ source: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventGrid/topics/orders' });

    // Act
    register(recordingApp().app, { signups: functions.signups, fromTopic: topic.handle(noop) });
    register(recordingApp().app, { one: events({ source: 'com.shop' }).handle(noop) });

    // Assert
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /^azure: warning: the events function "one" \(source "com\.shop"\) filters on source and is registered/,
    );
  });
});

describe('register: the entries', () => {
  it('refuses an entry that is not a Skyport function, naming it, before registering anything', () => {
    // Prepare: `import * as functions` brings helpers and constants along
    const { app, calls } = recordingApp();
    const entries: [Record<string, unknown>, string][] = [
      [{ good: functions.fulfil, helper: 5 }, '"helper" is not a Skyport function (it is a number)'],
      [{ good: functions.fulfil, u: undefined }, '"u" is not a Skyport function (it is undefined)'],
      [{ good: functions.fulfil, nothing: null }, '"nothing" is not a Skyport function (it is null)'],
      [{ good: functions.fulfil, config: { kind: 'http', options: {} } }, '"config" is not a Skyport function'],
      [{ good: functions.fulfil, format: (v: unknown) => String(v) }, '"format" is not a Skyport function'],
    ];

    // Act / Assert
    for (const [record, message] of entries) {
      expect(() => register(app, record as Parameters<typeof register>[1])).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          adapter: 'azure',
          message: expect.stringContaining(message),
        }),
      );
    }
    expect(() => register(app, functions.fulfil as unknown as Parameters<typeof register>[1])).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('not one function') }),
    );
    expect(() => register(app, undefined as unknown as Parameters<typeof register>[1])).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('not undefined') }),
    );
    expect(calls).toEqual([]);
  });
});

describe('register: stream readers', () => {
  it('gives each Cosmos DB function a lease prefix of its own, so two on one container each get every change', () => {
    // Prepare: two functions on one container and one lease container
    const { app, calls } = recordingApp();
    const onOrder = changes({ collection: 'orders', azure: { database: 'shop' } }).handle(noop);

    // Act
    register(app, { indexOrders: onOrder, auditOrders: onOrder });
    register(app, {
      mailOrders: changes({
        collection: 'orders',
        azure: { database: 'shop', options: { leaseContainerPrefix: 'mail-' } },
      }).handle(noop),
    });

    // Assert
    expect(calls.map((c) => [c.name, c.options.leaseContainerPrefix])).toEqual([
      ['indexOrders', 'indexOrders'],
      ['auditOrders', 'auditOrders'],
      ['mailOrders', 'mail-'],
    ]);
  });

  it('refuses two Cosmos DB functions given one lease set, which would split the change feed', () => {
    const { app, calls } = recordingApp();
    const shared = (prefix: string) =>
      changes({ collection: 'orders', azure: { database: 'shop', options: { leaseContainerPrefix: prefix } } }).handle(
        noop,
      );

    expect(() => register(app, { a: shared(''), b: shared('') })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: expect.stringContaining('with the leases of function "a"'),
      }),
    );
    register(app, { a: shared('') });
    expect(() => register(app, { b: shared('') })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    register(app, {
      b: shared('b'),
      c: changes({
        collection: 'customers',
        azure: { database: 'shop', options: { leaseContainerPrefix: '' } },
      }).handle(noop),
    });
    expect(calls.map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses two Event Hubs functions in one consumer group, which would split the partitions', () => {
    // Prepare
    const { app, calls } = recordingApp();
    const telemetry = (azure: Readonly<Record<string, unknown>> = {}) =>
      stream({ name: 'telemetry', azure }).handle(noop);
    const refused = expect.objectContaining({
      code: 'INVALID_DEFINITION',
      adapter: 'azure',
      message: expect.stringMatching(
        /function "archive" \(stream\): reads Event Hub "telemetry" \(connection AzureWebJobsEventHub\) in consumer group \$[Dd]efault, as function "alerts" does: .*azure\.consumerGroup/,
      ),
    });

    // Act / Assert: the default group, named or not, in one call or two
    expect(() => register(app, { alerts: telemetry(), archive: telemetry() })).toThrow(refused);
    expect(() => register(app, { alerts: telemetry(), archive: telemetry({ consumerGroup: '$default' }) })).toThrow(
      refused,
    );
    register(app, { alerts: telemetry() });
    expect(() => register(app, { archive: telemetry() })).toThrow(refused);
    expect(() =>
      register(app, { archive: stream({ name: 'other', azure: { eventHubName: 'Telemetry' } }).handle(noop) }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));

    // A group of its own, another hub or another namespace each read every event.
    register(app, {
      archive: telemetry({ consumerGroup: 'archive' }),
      billing: stream({ name: 'billing' }).handle(noop),
      mirror: telemetry({ connection: 'MirrorHub' }),
    });
    expect(calls.map((c) => [c.name, c.options.consumerGroup])).toEqual([
      ['alerts', undefined],
      ['archive', 'archive'],
      ['billing', undefined],
      ['mirror', undefined],
    ]);
  });
});

describe('register: the azure key', () => {
  it('refuses a setting it does not know before registering anything, suggesting the one meant', () => {
    // Prepare: a misspelt connection would otherwise register the default one
    const { app, calls } = recordingApp();
    const misspelt = queue({ name: 'orders', azure: { conection: 'OrdersBus', trigger: 'serviceBusQueue' } }).handle(
      noop,
    );
    const unknown = queue({ name: 'orders', azure: { batchSize: 16 } }).handle(noop);

    // Act
    const attempt = (fn: typeof misspelt) => () => register(app, { good: functions.fulfil, orders: fn });

    // Assert
    expect(attempt(misspelt)).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        adapter: 'azure',
        message: expect.stringContaining('the azure key: unknown option "conection" (did you mean "connection"?)'),
      }),
    );
    expect(attempt(unknown)).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: expect.stringMatching(
          /the azure key: unknown option "batchSize" \(known options: connection, .*\); extra app\.\* options go in azure\.options$/,
        ),
      }),
    );
    expect(calls).toEqual([]);
  });

  it('refuses settings for a name no function has, suggesting the one meant, before registering anything', () => {
    // Prepare: settings under a misspelt name would leave fulfilOrder on its default connection
    const { app, calls } = recordingApp();
    const fns = { fulfilOrder: functions.fulfil, api: functions.api };

    // Act
    const attempt = (overrides: Record<string, object>) => () => register(app, fns, { functions: overrides });

    // Assert
    expect(attempt({ fulfillOrder: { connection: 'OrdersStorage' } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        adapter: 'azure',
        message: expect.stringContaining(
          'options.functions: unknown option "fulfillOrder" (did you mean "fulfilOrder"?); it names no function of this register() call',
        ),
      }),
    );
    expect(attempt({ FulfilOrder: {} })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('(did you mean "fulfilOrder"?)') }),
    );
    expect(attempt({ reports: { connection: 'Reports' } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: expect.stringMatching(
          /options\.functions: unknown option "reports" \(known options: fulfilOrder, api\); it names no function of this register\(\) call, and its settings would be ignored$/,
        ),
      }),
    );
    expect(calls).toEqual([]);
    register(app, fns, { functions: { fulfilOrder: { connection: 'OrdersStorage' } } });
    expect(calls[0]?.options).toMatchObject({ connection: 'OrdersStorage' });
  });

  it('refuses settings for a function that are no object, rather than ignoring them', () => {
    const { app, calls } = recordingApp();
    const attempt = () => register(app, { api: functions.api }, { functions: { api: 'OrdersStorage' } } as never);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: 'azure: function "api" (http): its azure settings must be an object, got "OrdersStorage"',
      }),
    );
    expect(calls).toEqual([]);
  });
});

describe('register: its options', () => {
  it('refuses a misspelt option before registering anything, naming the one meant', () => {
    // Prepare: `function` (singular) dropped the override, and the queue went to AzureWebJobsStorage
    const { app, calls } = recordingApp();
    const fns = { fulfilOrder: functions.fulfil };
    const misspelt = [
      [
        { function: { fulfilOrder: { trigger: 'serviceBusQueue' } } },
        'unknown option "function" (did you mean "functions"?)',
      ],
      [{ routeprefix: '' }, 'unknown option "routeprefix" (did you mean "routePrefix"?)'],
      [{ functiontimeout: '00:05:00' }, 'unknown option "functiontimeout" (did you mean "functionTimeout"?)'],
    ] as const;

    // Act / Assert
    for (const [options, problem] of misspelt) {
      expect(() => register(app, fns, options as never)).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          adapter: 'azure',
          message: `azure: register(): ${problem}`,
        }),
      );
    }
    expect(() => register(app, fns, 'api' as never)).toThrow(
      'azure: register(): options must be an object, got a string',
    );
    expect(calls).toEqual([]);
  });

  it.each([
    [{ routePrefix: 5 }, 'routePrefix must be a string (host.json extensions.http.routePrefix), got 5'],
    [{ signalMarginMs: Number.NaN }, 'signalMarginMs must be a number of milliseconds (0 or more), got NaN'],
    [{ signalMarginMs: -1 }, 'signalMarginMs must be a number of milliseconds (0 or more), got -1'],
    [{ signalMarginMs: '500' }, 'signalMarginMs must be a number of milliseconds (0 or more), got "500"'],
    [{ functionTimeout: true }, 'functionTimeout must be a TimeSpan string or milliseconds, got true'],
  ])('refuses %o before registering anything', (options, problem) => {
    const { app, calls } = recordingApp();
    expect(() => register(app, { api: functions.api }, options as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: `azure: register() ${problem}` }),
    );
    expect(calls).toEqual([]);
  });

  it('refuses a functionTimeout that is no TimeSpan even with no function to register', () => {
    const { app } = recordingApp();
    expect(() => register(app, {}, { functionTimeout: '5 minutes' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_DEFINITION',
        message: expect.stringContaining('functionTimeout must be'),
      }),
    );
  });

  it('takes every option it documents', () => {
    const { app, calls } = recordingApp();
    register(
      app,
      { fulfilOrder: functions.fulfil },
      {
        functionTimeout: '00:05:00',
        routePrefix: '',
        signalMarginMs: 0,
        functions: { fulfilOrder: { trigger: 'serviceBusQueue' } },
      },
    );
    expect(calls.map((call) => call.method)).toEqual(['serviceBusQueue']);
  });
});

type HttpHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<{ status: number; body?: unknown }>;

/** Registers `fn` and calls its handler as the host would, with the route it registered. */
async function serve(fn: Parameters<typeof register>[1][string], url: string, params: Record<string, string> = {}) {
  const { app, calls } = recordingApp();
  register(app, { fn });
  const call = calls[0] as Call;
  const context = new InvocationContext({
    invocationId: 'h-1',
    functionName: 'fn',
    options: { trigger: { type: 'httpTrigger', name: 'request', route: call.options.route } },
  });
  const response = await (call.options.handler as HttpHandler)(
    new HttpRequest({ method: 'GET', url, params }),
    context,
  );
  return { route: call.options.route, response };
}

describe('register: azure.options', () => {
  it('refuses an option register() derives, naming the setting that sets it, and passes the others', () => {
    const { app, calls } = recordingApp();
    const bad: Parameters<typeof register>[1][] = [
      { q: queue({ name: 'a', azure: { trigger: 'serviceBusQueue', options: { cardinality: 'many' } } }).handle(noop) },
      { h: http({ method: 'GET', path: '/a', azure: { options: { route: 'b' } } }).handle(noop) },
      {
        q: queue({
          name: 'a',
          azure: { options: { retry: { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 1 } } },
        }).handle(noop),
      },
      { h: http({ method: 'GET', azure: { options: { handler: noop } } }).handle(noop) },
    ];
    for (const fns of bad) {
      expect(() => register(app, { good: functions.fulfil, ...fns })).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          message: expect.stringMatching(/azure\.options\.\w+ would override/),
        }),
      );
    }
    expect(calls).toEqual([]);
    register(app, {
      q: queue({ name: 'a', azure: { options: { extraOutputs: [], dataType: 'string' } } }).handle(noop),
    });
    expect(calls[0]?.options).toMatchObject({ queueName: 'a', extraOutputs: [], dataType: 'string' });
  });
});

describe('register: retry policies', () => {
  it('refuses a malformed retry policy before registering any function', () => {
    const { app, calls } = recordingApp();
    const timer = (retry: unknown) => schedule({ cron: '0 3 * * *', azure: { retry: retry as false } }).handle(noop);
    const bad = [
      { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: '00:00:10' },
      { strategy: 'fixedDelay', maxRetryCount: 3 },
      { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: -1 },
      { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: { secs: 10 } },
      { strategy: 'fixedDelay', maxRetryCount: 1.5, delayInterval: 1000 },
      { strategy: 'fixedDelay', maxRetryCount: -2, delayInterval: 1000 },
      { strategy: 'fixedDelay', delayInterval: 1000 },
      { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: { seconds: 1 } },
      { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: '00:00:01', maximumInterval: 60000 },
      { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: { minutes: 5 }, maximumInterval: 1000 },
    ];
    for (const retry of bad) {
      expect(() => register(app, { first: functions.nightly, later: timer(retry) }), JSON.stringify(retry)).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }),
      );
    }
    expect(calls).toEqual([]);
  });

  it('takes intervals in milliseconds or as Duration objects', () => {
    const { app, calls } = recordingApp();
    const fixed = { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: { minutes: 1, seconds: 30 } } as const;
    const backoff = {
      strategy: 'exponentialBackoff',
      maxRetryCount: -1,
      minimumInterval: 500,
      maximumInterval: { hours: 1 },
    } as const;
    register(app, {
      fixed: schedule({ cron: '0 3 * * *', azure: { retry: fixed } }).handle(noop),
      backoff: schedule({ cron: '0 3 * * *', azure: { retry: backoff } }).handle(noop),
    });
    expect(calls.map((c) => c.options.retry)).toEqual([fixed, backoff]);
  });
});

describe('register: HTTP routes', () => {
  it('serves path / at the root: a route that matches only the empty path, whose parameter the function never sees', async () => {
    const home = http({ method: 'GET', path: '/' }).handle((req) => ({ path: req.path, params: req.params }));

    const { route, response } = await serve(home, 'http://localhost:7071/api', { root: '' });

    // An empty route would be the function name: the host serves it at /api/fn.
    expect(route).toBe('{root:maxlength(0)?}');
    expect(response).toMatchObject({ status: 200, body: '{"path":"/","params":{}}' });
  });

  it('gives a trailing * as params["*"] only, on a catch-all no declared parameter collides with', async () => {
    const file = http({ method: 'GET', path: '/files/*', params: z.strictObject({ '*': z.string() }) }).handle(
      (req) => req.params,
    );
    const repo = http({ method: 'GET', path: '/repo/:rest/*' }).handle((req) => req.params);

    const files = await serve(file, 'http://localhost:7071/api/files/a/b.txt', { rest: 'a/b.txt' });
    const repos = await serve(repo, 'http://localhost:7071/api/repo/skyport/src/index.ts', {
      rest: 'skyport',
      rest2: 'src/index.ts',
    });

    expect(files.route).toBe('files/{*rest}');
    expect(files.response).toMatchObject({ status: 200, body: '{"*":"a/b.txt"}' });
    expect(repos.route).toBe('repo/{rest}/{*rest2}');
    expect(JSON.parse(String(repos.response.body))).toEqual({ rest: 'skyport', '*': 'src/index.ts' });
  });
});

describe('register: Service Bus batches', () => {
  it('registers a many batch with dataType binary, so a message that is not JSON does not fail its batch', () => {
    // Prepare
    const { app, calls } = recordingApp();
    const batch = { cardinality: 'many' } as const;

    // Act
    register(app, {
      orders: queue({ name: 'orders', azure: { trigger: 'serviceBusQueue', ...batch } }).handle(noop),
      mail: queue({ name: 'events', azure: { subscription: 'mail', ...batch } }).handle(noop),
      text: queue({ name: 'text', azure: { ...batch, subscription: 's', options: { dataType: 'string' } } }).handle(
        noop,
      ),
      single: queue({ name: 'single', azure: { trigger: 'serviceBusQueue' } }).handle(noop),
    });

    // Assert
    expect(calls.map((c) => [c.name, c.options.cardinality, c.options.dataType])).toEqual([
      ['orders', 'many', 'binary'],
      ['mail', 'many', 'binary'],
      ['text', 'many', 'string'],
      ['single', undefined, undefined],
    ]);
  });
});
