/**
 * `register(app, { name: fn })`: one `app.*` call per portable function, with options derived
 * from its definition and `azure` key: routes (`:id` -> `{id}`) and methods for HTTP (a router
 * gets one catch-all route), queue / topic / hub / container names and connections for messages,
 * NCRONTAB for schedules, `cardinality: 'many'` and an unlimited retry policy for Event Hubs and
 * Cosmos DB, so a failed batch is retried instead of checkpointed past.
 */
import type {
  CosmosDBFunctionOptions,
  EventGridFunctionOptions,
  EventHubFunctionOptions,
  HttpFunctionOptions,
  RetryOptions,
  ServiceBusQueueFunctionOptions,
  ServiceBusTopicFunctionOptions,
  StorageBlobFunctionOptions,
  StorageQueueFunctionOptions,
  TimerFunctionOptions,
} from '@azure/functions';
import { type Kind, type KindOptions, SkyportError } from '@skyport/core';
import { toNcrontab } from './cron.js';
import { invalidDefinition } from './errors.js';
import { toAzure } from './handler.js';
import { type HttpFunction, planRoutes } from './routes.js';
import { checkAdapterOptions, checkNames, readSettings, resolveAppSettings } from './settings.js';
import type { AnyFunction, AzureApp, AzureAppMethod, AzureSettings, RegisterOptions } from './types.js';

/**
 * The binding's `dataType`, which the host reads and the library's option types leave out (it
 * passes every trigger option on to the host).
 */
interface DataTypeOption {
  readonly dataType?: 'binary' | 'string';
}

/**
 * The `dataType` of a batch trigger. Without one the host binds each message of a `many` batch
 * with Json.NET and fails the whole batch, before the function runs, on the first message that is
 * not JSON. Bytes reach the adapter as sent, and their body is parsed as any payload is (JSON
 * when it parses, else text).
 */
function batchDataType(cardinality: string | undefined): DataTypeOption {
  return cardinality === 'many' ? { dataType: 'binary' } : {};
}

/** What `register()` registered for one function. */
export interface Registration {
  /** The function name in the app. */
  readonly name: string;
  /** The `app.*` method called. */
  readonly method: AzureAppMethod;
  /** The options passed (the handler included). */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The retry policy Event Hubs and Cosmos DB functions get unless `azure.retry` says otherwise:
 * without one the host checkpoints past a failed batch. Retries never stop, as a stream
 * consumer's should: a poison record holds its partition until fixed or `retry` is limited.
 *
 * @example
 * register(app, fns, { functions: { telemetry: { retry: { ...DEFAULT_STREAM_RETRY, maxRetryCount: 10 } } } });
 */
export const DEFAULT_STREAM_RETRY: RetryOptions = {
  strategy: 'exponentialBackoff',
  maxRetryCount: -1,
  minimumInterval: { seconds: 1 },
  maximumInterval: { minutes: 5 },
};

const namePattern = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

const methodsByKind: Readonly<Record<Kind, readonly AzureAppMethod[]>> = {
  http: ['http'],
  queue: ['storageQueue', 'serviceBusQueue', 'serviceBusTopic'],
  stream: ['eventHub'],
  storage: ['storageBlob', 'eventGrid'],
  schedule: ['timer'],
  changes: ['cosmosDB'],
  events: ['eventGrid'],
};

/**
 * The `app.*` options `register()` derives, with what sets each one. `azure.options`
 * may not give them: spread over the derived ones, they would skip what goes with them (the
 * `dataType` of a `many` batch, one OPTIONS owner per route, the refusal of a retry policy
 * Azure ignores). Other options (`extraOutputs`, `dataType`, `changeFeedMode`, ...) pass as given.
 */
const derivedOptions: Readonly<Record<string, string>> = {
  handler: 'the handler runs the portable function',
  methods: "methods come from the function's method",
  route: 'use azure.route',
  authLevel: 'use azure.authLevel',
  connection: 'use azure.connection',
  queueName: 'use azure.queueName',
  topicName: 'use azure.topicName',
  subscriptionName: 'use azure.subscription',
  isSessionsEnabled: 'sessions come from fifo',
  cardinality: 'use azure.cardinality',
  eventHubName: 'use azure.eventHubName',
  consumerGroup: 'use azure.consumerGroup',
  path: 'the blob path comes from azure.container and the bucket, prefix and suffix',
  source: 'use azure.blobSource',
  schedule: 'the schedule comes from cron',
  runOnStartup: 'use azure.runOnStartup',
  useMonitor: 'use azure.useMonitor',
  retry: 'use azure.retry',
  databaseName: 'use azure.database',
  containerName: 'use azure.container',
  leaseContainerName: 'use azure.leaseContainer',
  createLeaseContainerIfNotExists: 'use azure.createLeaseContainerIfNotExists',
};

const kinds: ReadonlySet<string> = new Set(Object.keys(methodsByKind));

/** Whether a value is a portable function: what the builders and `router()` return. */
function isPortable(value: unknown): value is AnyFunction {
  if (typeof value !== 'object' || value === null) return false;
  const fn = value as { kind?: unknown; dispatch?: unknown; options?: unknown; middleware?: unknown };
  return (
    typeof fn.kind === 'string' &&
    kinds.has(fn.kind) &&
    typeof fn.dispatch === 'function' &&
    typeof fn.options === 'object' &&
    fn.options !== null &&
    Array.isArray(fn.middleware)
  );
}

function described(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

/**
 * Refuses what is not a record of portable functions, naming the first entry that is not one (a
 * helper or constant exported next to the functions, with `import * as functions`), before
 * anything else reads the entries.
 */
function checkEntries(functions: unknown): void {
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `azure: register(): ${problem}`, { adapter: 'azure' });
  if (isPortable(functions)) throw refuse('takes a record of functions by name ({ name: fn }), not one function');
  if (typeof functions !== 'object' || functions === null) {
    throw refuse(`takes a record of functions by name ({ name: fn }), not ${described(functions)}`);
  }
  for (const [name, value] of Object.entries(functions)) {
    if (!isPortable(value)) {
      throw refuse(
        `"${name}" is not a Skyport function (it is ${described(value)}); register only functions, for example register(app, { a, b })`,
      );
    }
  }
}

/**
 * Refuses settings in `options.functions` under a name no function of the call has (a misspelt
 * name): they would be ignored, and the function registered with its defaults.
 */
function checkOverrides(functions: Readonly<Record<string, AnyFunction>>, options: RegisterOptions): void {
  const overrides: unknown = options.functions;
  if (overrides === undefined) return;
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `azure: register(): options.functions${problem}`, { adapter: 'azure' });
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    throw refuse(' must be a record of settings by function name');
  checkNames(
    'azure: register(): options.functions',
    overrides,
    Object.keys(functions),
    undefined,
    'it names no function of this register() call, and its settings would be ignored',
  );
}

/**
 * What a stream trigger reads, as a key two functions that would compete share: functions in one
 * Event Hubs consumer group split the hub's partitions, and functions with one Cosmos DB lease
 * set (lease container and prefix) split the change feed's leases, so each would see only part
 * of the records, where on every other platform each function gets them all. `%NAME%`
 * expressions are compared resolved; names Azure compares without regard to case (app settings,
 * Event Hubs entities) are lower-cased.
 */
function readerOf(
  method: AzureAppMethod,
  call: Readonly<Record<string, unknown>>,
): { key: string; problem: (other: string) => string } | undefined {
  const text = (key: string) => {
    const value = call[key];
    return typeof value === 'string' ? resolveAppSettings(value) : undefined;
  };
  if (method === 'eventHub') {
    const connection = text('connection') ?? '';
    const hub = text('eventHubName') ?? '';
    const group = text('consumerGroup') ?? '$Default';
    return {
      key: ['eventHub', connection, hub, group].join('\n').toLowerCase(),
      problem: (other) =>
        `reads Event Hub "${hub}" (connection ${connection}) in consumer group ${group}, as function "${other}" does: ` +
        "functions in one consumer group split the hub's partitions, each seeing part of the events; " +
        'give one a consumer group of its own with azure.consumerGroup (create it on the hub first)',
    };
  }
  if (method === 'cosmosDB') {
    const connection = text('connection') ?? '';
    const database = text('databaseName') ?? '';
    const container = text('containerName') ?? '';
    const leases = text('leaseContainerName') ?? 'leases';
    const prefix = text('leaseContainerPrefix') ?? '';
    const leaseConnection = text('leaseConnection') ?? connection;
    return {
      key: [
        'cosmosDB',
        connection.toLowerCase(),
        database,
        container,
        leaseConnection.toLowerCase(),
        text('leaseDatabaseName') ?? database,
        leases,
        prefix,
      ].join('\n'),
      problem: (other) =>
        `reads the change feed of ${database}/${container} with the leases of function "${other}" ` +
        `(lease container ${leases}, prefix "${prefix}"): functions with one lease set split the feed, ` +
        'each seeing part of the changes; give one another azure.options.leaseContainerPrefix',
    };
  }
  return undefined;
}

/** The stream readers registered on each app, by `readerOf` key: the function reading each. */
const appReaders = new WeakMap<object, Map<string, string>>();

/** The triggers Azure applies a function's retry policy to. */
const retried: ReadonlySet<AzureAppMethod> = new Set(['timer', 'eventHub', 'cosmosDB']);

function methodOf(fn: AnyFunction, settings: AzureSettings, name: string): AzureAppMethod {
  let method: AzureAppMethod;
  if (settings.trigger !== undefined) method = settings.trigger;
  else if (fn.kind === 'queue') {
    // Service Bus sessions are FIFO, on queues and on topic subscriptions alike.
    method = settings.subscription ? 'serviceBusTopic' : fn.options.fifo ? 'serviceBusQueue' : 'storageQueue';
  } else if (fn.kind === 'storage') {
    // The blob trigger only reports creations; deletions need Event Grid.
    const on = fn.options.on;
    method = on !== undefined && !on.includes('deleted') ? 'storageBlob' : 'eventGrid';
  } else method = methodsByKind[fn.kind][0] as AzureAppMethod;
  if (!methodsByKind[fn.kind].includes(method)) {
    throw invalidDefinition(name, fn.kind, `azure.trigger "${method}" cannot run a ${fn.kind} function`);
  }
  // The blob trigger reports creations only: a function on deletions alone would never run, and
  // every blob it is called for would be acknowledged.
  if (method === 'storageBlob' && fn.kind === 'storage' && fn.options.on?.includes('created') === false) {
    throw invalidDefinition(
      name,
      fn.kind,
      'the blob trigger reports created blobs only; a function on deletions needs azure.trigger "eventGrid"',
    );
  }
  // Azure applies a retry policy to timer, Event Hubs and Cosmos DB triggers only: one given for
  // another would be ignored without a word.
  if (settings.retry !== undefined && settings.retry !== false && !retried.has(method)) {
    throw invalidDefinition(
      name,
      fn.kind,
      `azure.retry applies to timer, Event Hubs and Cosmos DB functions only; Azure ignores a retry policy on ${method}`,
    );
  }
  return method;
}

/**
 * The warning for `events()` functions that filter on a source, all registered on `app.eventGrid`:
 * an Event Grid-schema event carries its topic's resource path (`/subscriptions/...`) as source,
 * so a sender's source (`com.shop`) matches none of them and each is completed without the
 * handler running. A CloudEvents-schema subscription carries the sender's source. A filter on a
 * resource path matches under both schemas and is not warned about.
 */
function sourceFilterWarning(
  filters: readonly { readonly name: string; readonly source: string }[],
): string | undefined {
  const senders = filters.filter(({ source }) => !/^\/subscriptions\//i.test(source));
  if (senders.length === 0) return undefined;
  const one = senders.length === 1;
  const list = senders.map(({ name, source }) => `"${name}" (source "${source}")`).join(', ');
  return (
    `azure: warning: the events function${one ? '' : 's'} ${list} filter${one ? 's' : ''} on source and ` +
    `${one ? 'is' : 'are'} registered on app.eventGrid. An Event Grid-schema event carries its topic's resource ` +
    'path (/subscriptions/.../topics/<topic>) as source, so it matches no such filter and is completed without ' +
    "the handler running; only a CloudEvents-schema subscription carries the sender's source. Deliver the " +
    'CloudEvents schema (event subscription --event-delivery-schema cloudeventschemav1_0), or filter on the ' +
    "topic's resource path."
  );
}

function retryOf(settings: AzureSettings, fallback: RetryOptions | undefined): { retry?: RetryOptions } {
  if (settings.retry === false) return {};
  const retry = settings.retry ?? fallback;
  return retry === undefined ? {} : { retry };
}

function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

function blobPath(options: KindOptions['storage'], settings: AzureSettings): string {
  return `${settings.container ?? options.bucket}/${options.prefix ?? ''}{name}${options.suffix ?? ''}`;
}

/**
 * Registers portable functions on the Azure Functions v4 `app`, one `app.*` call each, and
 * returns what it registered. Every definition is checked first: when one cannot be deployed,
 * nothing is registered. So are the options: an unknown name (`function` for `functions`,
 * `routeprefix`) or a value of the wrong type throws `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * import { app } from '@azure/functions';
 * import { register } from '@skyport/azure';
 * import { functions } from './functions.js';
 *
 * register(app, functions, { functionTimeout: '00:05:00' });
 */
export function register(
  app: AzureApp,
  functions: Readonly<Record<string, AnyFunction>>,
  options: RegisterOptions = {},
): Registration[] {
  checkAdapterOptions('azure: register()', options, ['functions']);
  checkEntries(functions);
  checkOverrides(functions, options);
  const registrations: Registration[] = [];
  const readers = new Map<string, string>();
  const sourceFilters: { name: string; source: string }[] = [];
  const { functions: _functions, ...shared } = options;
  const entries = Object.entries(functions).map(([name, fn]) => {
    if (!namePattern.test(name)) {
      throw invalidDefinition(name, fn.kind, 'Azure function names are a letter then letters, digits, _ or -');
    }
    if (name.toLowerCase() === 'host') {
      throw invalidDefinition(name, fn.kind, 'the Azure host reserves the function name "host" (in any case)');
    }
    return { name, fn, settings: readSettings(fn, options.functions?.[name], name) };
  });
  const routes = planRoutes(
    app,
    entries.filter((entry): entry is HttpFunction => entry.fn.kind === 'http'),
  );
  for (const { name, fn, settings } of entries) {
    const method = methodOf(fn, settings, name);
    const extra = settings.options ?? {};
    const derived = Object.keys(extra).find((key) => Object.hasOwn(derivedOptions, key));
    if (derived !== undefined) {
      throw invalidDefinition(
        name,
        fn.kind,
        `azure.options.${derived} would override what register() derives: ${derivedOptions[derived]}`,
      );
    }
    const adapter = { ...shared, azure: settings };
    const connection = settings.connection;
    let call: Record<string, unknown>;

    switch (fn.kind) {
      case 'http': {
        const http: HttpFunctionOptions = defined({
          methods: routes.methods(name),
          authLevel: settings.authLevel ?? 'anonymous',
          route: routes.route(name),
          handler: routes.handler(name, toAzure(fn, adapter)),
          ...extra,
        });
        call = { ...http };
        break;
      }
      case 'queue': {
        const handler = toAzure(fn, adapter);
        if (method === 'storageQueue') {
          if (fn.options.fifo) {
            throw invalidDefinition(name, fn.kind, 'Storage queues are not FIFO; use azure.trigger "serviceBusQueue"');
          }
          const queue: StorageQueueFunctionOptions = {
            queueName: settings.queueName ?? fn.options.name,
            connection: connection ?? 'AzureWebJobsStorage',
            handler,
            ...extra,
          };
          call = { ...queue };
        } else if (method === 'serviceBusQueue') {
          const queue: ServiceBusQueueFunctionOptions & DataTypeOption = defined({
            queueName: settings.queueName ?? fn.options.name,
            connection: connection ?? 'AzureWebJobsServiceBus',
            isSessionsEnabled: fn.options.fifo ? true : undefined,
            cardinality: settings.cardinality,
            ...batchDataType(settings.cardinality),
            handler,
            ...extra,
          });
          call = { ...queue };
        } else {
          if (settings.subscription === undefined) {
            throw invalidDefinition(name, fn.kind, 'a Service Bus topic needs azure.subscription');
          }
          const topic: ServiceBusTopicFunctionOptions & DataTypeOption = defined({
            topicName: settings.topicName ?? fn.options.name,
            subscriptionName: settings.subscription,
            connection: connection ?? 'AzureWebJobsServiceBus',
            isSessionsEnabled: fn.options.fifo ? true : undefined,
            cardinality: settings.cardinality,
            ...batchDataType(settings.cardinality),
            handler,
            ...extra,
          });
          call = { ...topic };
        }
        break;
      }
      case 'stream': {
        const hub: EventHubFunctionOptions & DataTypeOption = defined({
          eventHubName: settings.eventHubName ?? fn.options.name,
          connection: connection ?? 'AzureWebJobsEventHub',
          cardinality: settings.cardinality ?? 'many',
          // Binary for `one` too: events then reach the adapter as the exact bytes sent either way.
          dataType: 'binary',
          consumerGroup: settings.consumerGroup,
          ...retryOf(settings, DEFAULT_STREAM_RETRY),
          handler: toAzure(fn, adapter),
          ...extra,
        });
        call = { ...hub };
        break;
      }
      case 'storage': {
        const handler = toAzure(fn, adapter);
        if (method === 'storageBlob') {
          const blob: StorageBlobFunctionOptions = defined({
            path: blobPath(fn.options, settings),
            connection: connection ?? 'AzureWebJobsStorage',
            source: settings.blobSource,
            handler,
            ...extra,
          });
          call = { ...blob };
        } else {
          const grid: EventGridFunctionOptions = { handler, ...extra };
          call = { ...grid };
        }
        break;
      }
      case 'schedule': {
        if (fn.options.timezone !== undefined && !/^(Etc\/)?UTC$/i.test(fn.options.timezone)) {
          throw invalidDefinition(
            name,
            fn.kind,
            `timezone "${fn.options.timezone}" cannot be set per function on Azure; use UTC here and WEBSITE_TIME_ZONE for the app`,
          );
        }
        let ncrontab: string;
        try {
          ncrontab = toNcrontab(fn.options.cron);
        } catch (error) {
          // The refusal names the function, as every other refusal of register() does.
          const problem = error instanceof SkyportError ? error.message.replace(/^azure: /, '') : String(error);
          throw invalidDefinition(name, fn.kind, problem);
        }
        const timer: TimerFunctionOptions = defined({
          schedule: ncrontab,
          runOnStartup: settings.runOnStartup,
          useMonitor: settings.useMonitor,
          ...retryOf(settings, undefined),
          handler: toAzure(fn, adapter),
          ...extra,
        });
        call = { ...timer };
        break;
      }
      case 'changes': {
        if (settings.database === undefined) {
          throw invalidDefinition(name, fn.kind, 'a Cosmos DB change feed needs azure.database');
        }
        const cosmos: CosmosDBFunctionOptions = defined({
          connection: connection ?? 'CosmosDBConnection',
          databaseName: settings.database,
          containerName: settings.container ?? fn.options.collection,
          leaseContainerName: settings.leaseContainer,
          // Unique per function, so two functions on one container each get every change.
          leaseContainerPrefix: name,
          createLeaseContainerIfNotExists: settings.createLeaseContainerIfNotExists,
          ...retryOf(settings, DEFAULT_STREAM_RETRY),
          handler: toAzure(fn, adapter),
          ...extra,
        });
        call = { ...cosmos };
        break;
      }
      case 'events': {
        const source = fn.options.source;
        if (source !== undefined) sourceFilters.push({ name, source });
        const grid: EventGridFunctionOptions = { handler: toAzure(fn, adapter), ...extra };
        call = { ...grid };
        break;
      }
    }
    const reader = readerOf(method, call);
    if (reader !== undefined) {
      const other = readers.get(reader.key) ?? appReaders.get(app)?.get(reader.key);
      if (other !== undefined) throw invalidDefinition(name, fn.kind, reader.problem(other));
      readers.set(reader.key, name);
    }
    registrations.push({ name, method, options: call });
  }
  // Every definition is checked above before any registration, so a bad one registers nothing.
  for (const { name, method, options: call } of registrations) {
    const add = app[method] as unknown as (this: AzureApp, name: string, options: object) => void;
    add.call(app, name, call);
  }
  const earlier = appReaders.get(app);
  if (earlier === undefined) appReaders.set(app, readers);
  else for (const [key, name] of readers) earlier.set(key, name);
  routes.commit();
  // register() runs while the app loads, before any invocation has a logger.
  if (routes.warning !== undefined) console.warn(routes.warning);
  const sourceWarning = sourceFilterWarning(sourceFilters);
  if (sourceWarning !== undefined) console.warn(sourceWarning);
  return registrations;
}
