/**
 * Public types of `@skyport/azure`: the structural `app` it registers on, the per-function
 * `azure: { ... }` settings it reads, adapter options, handler signatures and the JSON input of
 * `invokeAzure()`. Types from `@azure/functions` are imported as types only: nothing here loads it.
 */
import type {
  HttpRequest as AzureHttpRequest,
  HttpResponseInit as AzureHttpResponseInit,
  app,
  InvocationContext,
  RetryOptions,
} from '@azure/functions';
import type { AnyFunction as CoreAnyFunction } from '@skyport/core';

/** A portable function of any kind: core's `AnyFunction`, so functions of every kind fit one record. */
export type AnyFunction = CoreAnyFunction;

/**
 * The part of the `app` namespace of `@azure/functions` that `register()` calls. Pass the real
 * `app`; tests pass a recording object with the same methods.
 */
export type AzureApp = Pick<
  typeof app,
  | 'http'
  | 'storageQueue'
  | 'serviceBusQueue'
  | 'serviceBusTopic'
  | 'eventHub'
  | 'storageBlob'
  | 'eventGrid'
  | 'timer'
  | 'cosmosDB'
>;

/** The `app.*` method a function is registered with. */
export type AzureAppMethod = keyof AzureApp;

/** The trigger types of the v4 model that the adapter maps (`context.options.trigger.type`). */
export type AzureTriggerType =
  | 'httpTrigger'
  | 'queueTrigger'
  | 'serviceBusTrigger'
  | 'eventHubTrigger'
  | 'blobTrigger'
  | 'eventGridTrigger'
  | 'timerTrigger'
  | 'cosmosDBTrigger';

/**
 * Azure settings of one function, read from its `azure: { ... }` key (and from
 * `RegisterOptions.functions[name]`, which wins). Every key is optional.
 */
export interface AzureSettings {
  /** The `app.*` method: `storageQueue` (default for queues), `serviceBusQueue`, `serviceBusTopic`, `storageBlob`, `eventGrid`. */
  readonly trigger?: AzureAppMethod | undefined;
  /** The app setting holding the connection (defaults: `AzureWebJobsStorage`, `AzureWebJobsServiceBus`, `AzureWebJobsEventHub`, `CosmosDBConnection`). */
  readonly connection?: string | undefined;
  /** HTTP: `anonymous` (default), `function` or `admin`. */
  readonly authLevel?: 'anonymous' | 'function' | 'admin' | undefined;
  /** HTTP: the route template, overriding the one derived from `path` (a router: `{*path}`). */
  readonly route?: string | undefined;
  /** Storage queue / Service Bus queue name (default: the function's `name`). */
  readonly queueName?: string | undefined;
  /** Service Bus topic name (default: the function's `name`). */
  readonly topicName?: string | undefined;
  /** Service Bus topic subscription (required for `serviceBusTopic`). */
  readonly subscription?: string | undefined;
  /** Service Bus / Event Hubs: `one` or `many` (Event Hubs default `many`, Service Bus default `one`). */
  readonly cardinality?: 'one' | 'many' | undefined;
  /** Event Hubs: the hub name (default: the function's `name`). */
  readonly eventHubName?: string | undefined;
  /** Event Hubs: the consumer group (default `$Default`). */
  readonly consumerGroup?: string | undefined;
  /** Blob / Cosmos DB: the container (default: the function's `bucket` / `collection`). */
  readonly container?: string | undefined;
  /** Blob trigger: `EventGrid` for the low-latency blob trigger, or `LogsAndContainerScan`. */
  readonly blobSource?: 'EventGrid' | 'LogsAndContainerScan' | undefined;
  /** Cosmos DB: the database (required for `changes` functions). */
  readonly database?: string | undefined;
  /** Cosmos DB: the lease container (default `leases`). */
  readonly leaseContainer?: string | undefined;
  /** Cosmos DB: create the lease container when missing. */
  readonly createLeaseContainerIfNotExists?: boolean | undefined;
  /** Timer: also run when the host starts. */
  readonly runOnStartup?: boolean | undefined;
  /** Timer: persist schedule status (default: the host's choice). */
  readonly useMonitor?: boolean | undefined;
  /**
   * The runtime retry policy (Event Hubs, Cosmos DB, timer only), or `false` for none. Event Hubs
   * and Cosmos DB default to retrying without limit, so a batch is never checkpointed past a
   * failure.
   */
  readonly retry?: RetryOptions | false | undefined;
  /** Extra options spread into the `app.*` call as they are (escape hatch). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

/** Options of `toAzure()`. */
export interface ToAzureOptions {
  /**
   * The function timeout declared in `host.json` (`functionTimeout`), as a TimeSpan string
   * (`'00:05:00'`, `'-1'` for none) or milliseconds (`300_000`, not Lambda's `300` seconds). At
   * least 1 second, as `host.json` takes it, and longer than `signalMarginMs`: a shorter one is
   * refused with `INVALID_DEFINITION`. Sets `ctx.deadline`; when absent the
   * `AzureFunctionsJobHost__functionTimeout` environment variable is read, else there is none.
   */
  readonly functionTimeout?: string | number | undefined;
  /** `extensions.http.routePrefix` of `host.json` (default `api`); removed from `req.path`. */
  readonly routePrefix?: string | undefined;
  /** How long before the deadline `ctx.signal` aborts (default 500 ms). */
  readonly signalMarginMs?: number | undefined;
  /** Settings that override the function's `azure` key (source names, route). */
  readonly azure?: AzureSettings | undefined;
}

/** Options of `register()`. */
export interface RegisterOptions extends Omit<ToAzureOptions, 'azure'> {
  /** Per-function settings by registered name, overriding each function's `azure` key. */
  readonly functions?: Readonly<Record<string, AzureSettings>> | undefined;
}

/** The response an http handler gives the Functions host. */
export type AzureHttpResponse = AzureHttpResponseInit;

/** The raw handler of an http function, for `app.http`. */
export type AzureHttpHandler = (request: AzureHttpRequest, context: InvocationContext) => Promise<AzureHttpResponse>;

/** The raw handler of any other function: resolves when every message succeeded, throws otherwise. */
export type AzureEventHandler = (trigger: unknown, context: InvocationContext) => Promise<void>;

/** The raw handler `toAzure()` returns for a function of unknown kind. */
export type AzureHandler = (trigger: unknown, context: InvocationContext) => Promise<AzureHttpResponse | undefined>;

/** The JSON description of an HTTP request for `invokeAzure()`. */
export interface AzureHttpInput {
  /** The method (default `POST` when there is a body, `GET` otherwise). */
  readonly method?: string | undefined;
  /**
   * The full URL (`http://localhost:7071/api/orders?x=1`), or a path under `http://localhost:7071`.
   * Without it, `path` is taken.
   */
  readonly url?: string | undefined;
  /**
   * The path under the route prefix (`/orders?x=1`), as a portable request names it: the URL is
   * `http://localhost:7071/<routePrefix><path>`. Used when there is no `url`.
   */
  readonly path?: string | undefined;
  /**
   * Request headers; a list is one header sent several times, joined with `,` as the Functions
   * host joins repeated lines (`; ` for `Cookie`).
   */
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /**
   * Query parameters after those of `path` (with `url`, only names the URL lacks): a query
   * string, or a map whose lists repeat a name.
   */
  readonly query?: string | Readonly<Record<string, string | readonly string[]>> | undefined;
  /** Route parameters the host would have extracted. */
  readonly params?: Readonly<Record<string, string>> | undefined;
  /**
   * The body: a string as sent, the library's init form `{ string }` / `{ bytes }` (what
   * `azure.httpRequest()` of `@skyport/testing` builds), or any other JSON value (sent as JSON).
   */
  readonly body?: unknown | undefined;
  /** A binary body, base64-encoded (wins over `body`). */
  readonly bodyBase64?: string | undefined;
}

/** The JSON description of a non-HTTP invocation for `invokeAzure()`. */
export interface AzureTriggerInput {
  /** What the host passes as the handler's first argument (a message body, an array for batches, a timer object...). */
  readonly trigger: unknown;
  /** `context.triggerMetadata`, camelCased as the v4 library delivers it. */
  readonly triggerMetadata?: Readonly<Record<string, unknown>> | undefined;
  /** The trigger type, when the metadata alone does not tell (`serviceBusTrigger`, ...). */
  readonly triggerType?: AzureTriggerType | undefined;
}

/** Context fields `invokeAzure()` accepts next to the input. */
export interface InvokeAzureOptions extends ToAzureOptions {
  /** `context.invocationId` (default: a random UUID). */
  readonly invocationId?: string | undefined;
  /** `context.functionName` (default `skyport`). */
  readonly functionName?: string | undefined;
  /** `context.traceContext`. */
  readonly traceContext?:
    | { readonly traceParent?: string | undefined; readonly traceState?: string | undefined }
    | undefined;
  /**
   * Receives what the function logs through `context.log` / `info` / `warn` / `error`. Without
   * one, each line goes to core's log destination (stdout, or `collectLogs()` of
   * `@skyport/testing` while it runs).
   */
  readonly logHandler?: ((level: string, ...args: unknown[]) => void) | undefined;
}
