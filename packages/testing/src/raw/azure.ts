/**
 * Raw Azure Functions (v4 Node model) inputs as plain data, for adapter-level tests: the init of
 * an `HttpRequest`, the init of an `InvocationContext`, and for every other trigger what the
 * library hands a handler (`trigger`, camelCased `triggerMetadata`, `triggerType`). Nothing here
 * loads `@azure/functions`: feed the results to its classes
 * (`new HttpRequest(azure.httpRequest(...))`, `new InvocationContext(azure.invocationContext(...))`)
 * or pass them to `invokeAzure()` as they are.
 */

/** The trigger types these factories produce (`context.options.trigger.type`). */
export type AzureTriggerKind =
  | 'queueTrigger'
  | 'serviceBusTrigger'
  | 'eventHubTrigger'
  | 'blobTrigger'
  | 'eventGridTrigger'
  | 'timerTrigger'
  | 'cosmosDBTrigger';

/** What the library passes a non-HTTP handler, and the metadata it puts on the context. */
export interface AzureInvocation {
  /** The handler's first argument. */
  readonly trigger: unknown;
  /** `context.triggerMetadata` (keys camelCased, JSON values parsed, as the v4 library does). */
  readonly triggerMetadata?: Record<string, unknown> | undefined;
  /** `context.options.trigger.type`. */
  readonly triggerType: AzureTriggerKind;
}

/** The init `new HttpRequest(init)` of `@azure/functions` takes (RpcHttp-shaped). */
export interface AzureHttpRequestInit {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  body?: { string?: string; bytes?: Uint8Array };
}

/** What a test says about an HTTP request. */
export interface AzureHttpRequestOptions {
  /** Default `GET`. */
  readonly method?: string | undefined;
  /** The path under the route prefix (default `/`), with or without a query string. */
  readonly path?: string | undefined;
  /** The route prefix of `host.json` (default `api`). */
  readonly routePrefix?: string | undefined;
  /** The host (default `localhost:7071`, the Functions Core Tools default). */
  readonly host?: string | undefined;
  /** Request headers (names lower-cased); a `host` header, the URL's host unless given here, is always sent. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Query parameters (also added to the URL). */
  readonly query?: Readonly<Record<string, string>> | undefined;
  /** Route parameters the host extracted (`{id}` of the route). */
  readonly params?: Readonly<Record<string, string>> | undefined;
  /** A string or bytes as sent; any other value is sent as JSON with `content-type: application/json`. */
  readonly body?: unknown | undefined;
}

/**
 * The init of a v4 `HttpRequest`, with the `host` header the Functions host forwards (the host of
 * the URL unless `headers` gives one).
 *
 * @example
 * const res = await toAzure(getOrder)(new HttpRequest(azure.httpRequest({ path: '/orders/1', params: { id: '1' } })), context);
 */
export function httpRequest(options: AzureHttpRequestOptions = {}): AzureHttpRequestInit {
  const prefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const path = options.path ?? '/';
  const url = new URL(
    `http://${options.host ?? 'localhost:7071'}${prefix ? `/${prefix}` : ''}${path.startsWith('/') ? path : `/${path}`}`,
  );
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => {
    query[key] ??= value;
  });
  for (const [key, value] of Object.entries(options.query ?? {})) {
    url.searchParams.append(key, value);
    query[key] ??= value;
  }
  // The host forwards every request header, Host included.
  const headers: Record<string, string> = { host: url.host };
  for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
  const init: AzureHttpRequestInit = {
    method: (options.method ?? 'GET').toUpperCase(),
    url: url.href,
    headers,
    query,
    params: { ...options.params },
  };
  const body = options.body;
  // Bytes, as the Functions host delivers every body: a string init would make the library's
  // request invent `content-type: text/plain;charset=UTF-8`, which the host never does.
  if (body instanceof Uint8Array) init.body = { bytes: body };
  else if (typeof body === 'string') init.body = { bytes: new TextEncoder().encode(body) };
  else if (body !== undefined) {
    init.body = { bytes: new TextEncoder().encode(JSON.stringify(body)) };
    headers['content-type'] ??= 'application/json';
  }
  return init;
}

/** What a test says about an invocation context. */
export interface AzureInvocationContextOptions {
  readonly invocationId?: string | undefined;
  readonly functionName?: string | undefined;
  readonly triggerMetadata?: Record<string, unknown> | undefined;
  /** `context.options.trigger.type` (`queueTrigger`, ...). */
  readonly triggerType?: string | undefined;
  /** More `context.options.trigger` fields (`queueName`, `cardinality`, `route`, ...). */
  readonly triggerOptions?: Readonly<Record<string, unknown>> | undefined;
  readonly traceParent?: string | undefined;
  readonly traceState?: string | undefined;
}

/** The init `new InvocationContext(init)` of `@azure/functions` takes. */
export interface AzureInvocationContextInit {
  invocationId: string;
  functionName: string;
  triggerMetadata?: Record<string, unknown>;
  traceContext?: { traceParent?: string | undefined; traceState?: string | undefined };
  options?: { trigger: { type: string; name: string; [key: string]: unknown } };
}

let counter = 0;
const uuid = () => crypto.randomUUID();
const iso = (time: Date | string | undefined, fallback = new Date()) =>
  time === undefined ? fallback.toISOString() : typeof time === 'string' ? time : time.toISOString();

/**
 * The init of a v4 `InvocationContext`; accepts an `AzureInvocation` to carry its metadata and type.
 *
 * @example
 * const message = azure.queueMessage({ orderId: 'ord_1' });
 * await toAzure(fulfilOrder)(message.trigger, new InvocationContext(azure.invocationContext(message)));
 */
export function invocationContext(options: AzureInvocationContextOptions = {}): AzureInvocationContextInit {
  const init: AzureInvocationContextInit = {
    invocationId: options.invocationId ?? uuid(),
    functionName: options.functionName ?? 'test-function',
  };
  if (options.triggerMetadata !== undefined) init.triggerMetadata = options.triggerMetadata;
  if (options.traceParent !== undefined || options.traceState !== undefined) {
    init.traceContext = { traceParent: options.traceParent, traceState: options.traceState };
  }
  if (options.triggerType !== undefined) {
    init.options = { trigger: { ...options.triggerOptions, type: options.triggerType, name: 'trigger' } };
  }
  return init;
}

/**
 * A body of a trigger bound without a `dataType` (a Storage queue message, a Service Bus message
 * of `cardinality: 'one'`), as the library hands it over: the host sends it as text, which the
 * library parses when it is JSON.
 */
function delivered(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * A body of a trigger bound with `dataType: 'binary'` (what `register()` gives an Event Hubs
 * function, and a Service Bus function of `cardinality: 'many'`), as the library hands it over: a
 * `Buffer` of the bytes sent. A string is sent as its UTF-8 bytes, as it is; bytes as they are;
 * `undefined` as no bytes; any other value as its JSON.
 */
function binary(body: unknown): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8');
}

/** What a test says about a Storage Queue message. */
export interface QueueMessageOptions {
  readonly id?: string | undefined;
  /** Default 1. */
  readonly dequeueCount?: number | undefined;
  readonly insertionTime?: Date | string | undefined;
}

/**
 * A Storage Queue invocation (one message).
 *
 * @example
 * await invokeAzure(fulfilOrder, azure.queueMessage({ orderId: 'ord_1' }, { dequeueCount: 2 }));
 */
export function queueMessage(body: unknown = { orderId: 'ord_1' }, options: QueueMessageOptions = {}): AzureInvocation {
  const inserted = new Date(iso(options.insertionTime));
  const trigger = delivered(body);
  return {
    trigger,
    triggerType: 'queueTrigger',
    triggerMetadata: {
      queueTrigger: trigger,
      dequeueCount: options.dequeueCount ?? 1,
      expirationTime: new Date(inserted.getTime() + 7 * 86_400_000).toISOString(),
      id: options.id ?? uuid(),
      insertionTime: inserted.toISOString(),
      nextVisibleTime: new Date(inserted.getTime() + 600_000).toISOString(),
      popReceipt: Buffer.from(`receipt-${++counter}`).toString('base64'),
    },
  };
}

/** What a test says about a Service Bus message. */
export interface ServiceBusMessageOptions {
  readonly messageId?: string | undefined;
  /** Default 1. */
  readonly deliveryCount?: number | undefined;
  readonly enqueuedTimeUtc?: Date | string | undefined;
  /**
   * Application (user) properties as the sender set them. The handler gets them as the v4 library
   * delivers them: the first letter of every key lower-cased, nested keys too (`TenantId` becomes
   * `tenantId`).
   */
  readonly applicationProperties?: Readonly<Record<string, unknown>> | undefined;
  readonly sessionId?: string | undefined;
  readonly contentType?: string | undefined;
}

/**
 * A metadata value as the v4 library delivers it: it lower-cases the first letter of every key of
 * the host's JSON, at every depth and inside arrays (its `toCamelCaseValue`). Values other than
 * plain objects and arrays (a `Date` a test passes) stay as given: the host sends them as JSON.
 */
function camelCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCased);
  if (typeof value !== 'object' || value === null) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined rather than assigned, so a key `__proto__` stays a key.
    Object.defineProperty(out, key.charAt(0).toLowerCase() + key.slice(1), {
      value: camelCased(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function serviceBusFields(options: ServiceBusMessageOptions, sequence: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    messageId: options.messageId ?? uuid().replace(/-/g, ''),
    deliveryCount: options.deliveryCount ?? 1,
    enqueuedTimeUtc: iso(options.enqueuedTimeUtc),
    lockToken: uuid(),
    sequenceNumber: sequence,
    applicationProperties: camelCased({ ...options.applicationProperties }),
    userProperties: camelCased({ ...options.applicationProperties }),
  };
  if (options.sessionId !== undefined) fields.sessionId = options.sessionId;
  if (options.contentType !== undefined) fields.contentType = options.contentType;
  return fields;
}

/**
 * A Service Bus invocation with one message (`cardinality: 'one'`, the default): the body as the
 * library hands over a message bound without a `dataType`, JSON text parsed and other text as it is.
 *
 * @example
 * await invokeAzure(billing, azure.serviceBusMessage({ invoice: 7 }, { deliveryCount: 3 }));
 */
export function serviceBusMessage(
  body: unknown = { orderId: 'ord_1' },
  options: ServiceBusMessageOptions = {},
): AzureInvocation {
  return {
    trigger: delivered(body),
    triggerType: 'serviceBusTrigger',
    triggerMetadata: serviceBusFields(options, ++counter),
  };
}

/**
 * A Service Bus invocation of `cardinality: 'many'`: an array of bodies and `*Array` metadata.
 * `register()` binds such a batch with `dataType: 'binary'`, so each body is a `Buffer` of the
 * bytes sent: a string's UTF-8 bytes as they are (never parsed), bytes as they are, any other
 * value as its JSON. The adapter reads them as it reads any payload (JSON when it parses, else text).
 *
 * @example
 * await invokeAzure(billing, azure.serviceBusBatch([{ body: 1 }, { body: 2, messageId: 'm2' }]));
 */
export function serviceBusBatch(
  messages: readonly (ServiceBusMessageOptions & { readonly body: unknown })[] = [
    { body: { orderId: 'ord_1' } },
    { body: { orderId: 'ord_2' } },
  ],
): AzureInvocation {
  const fields = messages.map((message) => serviceBusFields(message, ++counter));
  const metadata: Record<string, unknown> = {};
  for (const key of [
    'messageId',
    'deliveryCount',
    'enqueuedTimeUtc',
    'lockToken',
    'sequenceNumber',
    'applicationProperties',
    'userProperties',
    'sessionId',
    'contentType',
  ]) {
    if (fields.some((f) => key in f)) metadata[`${key}Array`] = fields.map((f) => f[key] ?? null);
  }
  return {
    trigger: messages.map((message) => binary(message.body)),
    triggerType: 'serviceBusTrigger',
    triggerMetadata: metadata,
  };
}

/** What a test says about an Event Hubs batch. */
export interface EventHubBatchOptions {
  /** Default `test-hub`. */
  readonly eventHubName?: string | undefined;
  /** Default `0`. */
  readonly partitionId?: string | undefined;
  /** One partition key per event, or one for all. */
  readonly partitionKey?: string | readonly (string | null)[] | undefined;
  /** The sequence number of the first event (default 1). */
  readonly firstSequence?: number | undefined;
  readonly enqueuedTimeUtc?: Date | string | undefined;
}

/**
 * An Event Hubs invocation of `cardinality: 'many'` (what `register()` uses). `register()` binds
 * it with `dataType: 'binary'`, so each event is a `Buffer` of the bytes sent: a string's UTF-8
 * bytes as they are (never parsed), bytes as they are, any other value as its JSON.
 *
 * @example
 * await invokeAzure(clicks, azure.eventHubBatch([{ page: '/' }, { page: '/cart' }], { eventHubName: 'clicks' }));
 */
export function eventHubBatch(
  events: readonly unknown[] = [
    { deviceId: 'dev-1', temperature: 21.5 },
    { deviceId: 'dev-2', temperature: 19 },
  ],
  options: EventHubBatchOptions = {},
): AzureInvocation {
  const first = options.firstSequence ?? 1;
  const time = iso(options.enqueuedTimeUtc);
  const keyOf = (i: number) =>
    typeof options.partitionKey === 'string' || options.partitionKey === undefined
      ? (options.partitionKey ?? null)
      : (options.partitionKey[i] ?? null);
  const sequences = events.map((_, i) => first + i);
  return {
    trigger: Array.from(events, (event) => binary(event)),
    triggerType: 'eventHubTrigger',
    triggerMetadata: {
      partitionContext: {
        consumerGroup: '$Default',
        eventHubName: options.eventHubName ?? 'test-hub',
        fullyQualifiedNamespace: 'test.servicebus.windows.net',
        partitionId: options.partitionId ?? '0',
      },
      sequenceNumberArray: sequences,
      offsetArray: sequences.map((s) => String(s * 100)),
      enqueuedTimeUtcArray: events.map(() => time),
      partitionKeyArray: events.map((_, i) => keyOf(i)),
      propertiesArray: events.map(() => ({})),
      systemPropertiesArray: sequences.map((s, i) => ({
        'x-opt-sequence-number': s,
        'x-opt-offset': String(s * 100),
        'x-opt-enqueued-time': time,
        'x-opt-partition-key': keyOf(i),
      })),
    },
  };
}

/** What a test says about a blob. */
export interface BlobOptions {
  /** Default `test-container`. */
  readonly container?: string | undefined;
  /** The blob name, `/` for virtual folders (default `sample.txt`). */
  readonly name?: string | undefined;
  /** The blob content (default empty). A string stays a string so the sample is JSON; the host passes a Buffer. */
  readonly content?: string | Uint8Array | undefined;
  /** Default `application/octet-stream`. */
  readonly contentType?: string | undefined;
  readonly lastModified?: Date | string | undefined;
  /** The storage account (default `testaccount`). */
  readonly account?: string | undefined;
}

/**
 * A blob trigger invocation: the content and the metadata (`blobTrigger`, `uri`, `properties`).
 *
 * @example
 * await invokeAzure(receiptUploaded, azure.blob({ container: 'receipts', name: 'receipts/ord_1.pdf', content: 'pdf' }));
 */
export function blob(options: BlobOptions = {}): AzureInvocation {
  const container = options.container ?? 'test-container';
  const name = options.name ?? 'sample.txt';
  const content = options.content ?? '';
  const length = typeof content === 'string' ? new TextEncoder().encode(content).byteLength : content.byteLength;
  const modified = iso(options.lastModified);
  const encodedName = name.split('/').map(encodeURIComponent).join('/');
  return {
    trigger: content,
    triggerType: 'blobTrigger',
    triggerMetadata: {
      blobTrigger: `${container}/${name}`,
      uri: `https://${options.account ?? 'testaccount'}.blob.core.windows.net/${container}/${encodedName}`,
      properties: {
        length,
        contentType: options.contentType ?? 'application/octet-stream',
        eTag: `"0x8DA${(++counter).toString(16).toUpperCase().padStart(12, '0')}"`,
        created: modified,
        lastModified: modified,
        blobType: 2,
      },
      metadata: {},
      name: name.split('/').pop() ?? name,
    },
  };
}

/** What a test says about an Event Grid event (Event Grid schema). */
export interface EventGridOptions {
  readonly eventType: string;
  readonly subject?: string | undefined;
  readonly data?: Record<string, unknown> | undefined;
  /** Default `/subscriptions/test/resourceGroups/test/providers/Test/topics/test`. */
  readonly topic?: string | undefined;
  readonly id?: string | undefined;
  readonly eventTime?: Date | string | undefined;
  readonly dataVersion?: string | undefined;
}

/**
 * An Event Grid trigger invocation, Event Grid schema (one event, as the trigger passes it).
 *
 * @example
 * await invokeAzure(onSignup, azure.eventGrid({ eventType: 'user.created', subject: 'users/1', data: { id: '1' } }));
 */
export function eventGrid(
  options: EventGridOptions = { eventType: 'Contoso.Items.ItemReceived', subject: 'items/1', data: { itemId: '1' } },
): AzureInvocation {
  return {
    triggerType: 'eventGridTrigger',
    trigger: {
      topic: options.topic ?? '/subscriptions/test/resourceGroups/test/providers/Test/topics/test',
      subject: options.subject ?? '',
      eventType: options.eventType,
      eventTime: iso(options.eventTime),
      id: options.id ?? uuid(),
      data: { ...options.data },
      dataVersion: options.dataVersion ?? '',
      metadataVersion: '1',
    },
  };
}

/** What a test says about a CloudEvent delivered by Event Grid. */
export interface EventGridCloudEventOptions {
  readonly type: string;
  /** Default `/subscriptions/test/resourceGroups/test/providers/Test/topics/test`. */
  readonly source?: string | undefined;
  readonly subject?: string | undefined;
  readonly data?: unknown | undefined;
  readonly id?: string | undefined;
  readonly time?: Date | string | undefined;
}

/**
 * An Event Grid trigger invocation, CloudEvents 1.0 schema.
 *
 * @example
 * await invokeAzure(onSignup, azure.eventGridCloudEvent({ type: 'user.created', data: { id: '1' } }));
 */
export function eventGridCloudEvent(
  options: EventGridCloudEventOptions = {
    type: 'com.example.item.received',
    subject: 'items/1',
    data: { itemId: '1' },
  },
): AzureInvocation {
  const event: Record<string, unknown> = {
    specversion: '1.0',
    type: options.type,
    source: options.source ?? '/subscriptions/test/resourceGroups/test/providers/Test/topics/test',
    id: options.id ?? uuid(),
    time: iso(options.time),
    data: options.data,
  };
  if (options.subject !== undefined) event.subject = options.subject;
  return { triggerType: 'eventGridTrigger', trigger: event };
}

/**
 * A `Microsoft.Storage.BlobCreated` / `BlobDeleted` Event Grid event for a blob, as a storage
 * function registered on Event Grid receives it.
 *
 * @example
 * await invokeAzure(cleanup, azure.eventGridBlob({ type: 'deleted', container: 'uploads', name: 'a.png' }));
 */
export function eventGridBlob(
  options: {
    readonly type: 'created' | 'deleted';
    readonly container?: string | undefined;
    readonly name: string;
    readonly size?: number | undefined;
    readonly contentType?: string | undefined;
    readonly time?: Date | string | undefined;
  } = { type: 'created', name: 'sample.txt', size: 11, contentType: 'text/plain' },
): AzureInvocation {
  const container = options.container ?? 'test-container';
  const created = options.type === 'created';
  const data: Record<string, unknown> = {
    api: created ? 'PutBlob' : 'DeleteBlob',
    contentType: options.contentType ?? 'application/octet-stream',
    blobType: 'BlockBlob',
    url: `https://testaccount.blob.core.windows.net/${container}/${options.name}`,
  };
  if (created) {
    data.contentLength = options.size ?? 0;
    data.eTag = `"0x8DA${(++counter).toString(16).toUpperCase().padStart(12, '0')}"`;
  }
  return eventGrid({
    eventType: created ? 'Microsoft.Storage.BlobCreated' : 'Microsoft.Storage.BlobDeleted',
    subject: `/blobServices/default/containers/${container}/blobs/${options.name}`,
    topic: '/subscriptions/test/resourceGroups/test/providers/Microsoft.Storage/storageAccounts/testaccount',
    data,
    eventTime: options.time,
  });
}

/** What a test says about a timer tick. */
export interface TimerOptions {
  /** The occurrence being run (default now). */
  readonly scheduledTime?: Date | string | undefined;
  readonly isPastDue?: boolean | undefined;
  /** The previous occurrence (default an hour before). */
  readonly last?: Date | string | undefined;
}

/**
 * A timer trigger invocation (`{ isPastDue, schedule, scheduleStatus }`; no metadata, as in v4).
 *
 * @example
 * await invokeAzure(nightlyReport, azure.timer({ scheduledTime: '2026-01-01T03:00:00Z' }));
 */
export function timer(options: TimerOptions = {}): AzureInvocation {
  const next = new Date(iso(options.scheduledTime));
  return {
    triggerType: 'timerTrigger',
    trigger: {
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: iso(options.last, new Date(next.getTime() - 3_600_000)),
        next: next.toISOString(),
        lastUpdated: iso(options.last, new Date(next.getTime() - 3_600_000)),
      },
      isPastDue: options.isPastDue ?? false,
    },
  };
}

/**
 * A Cosmos DB trigger invocation (latest-version mode): the documents with the system fields
 * (`_rid`, `_self`, `_etag`, `_ts`) the change feed adds.
 *
 * @example
 * await invokeAzure(orderAudit, azure.cosmosDocuments([{ id: 'ord_1', status: 'pending' }]));
 */
export function cosmosDocuments(
  documents: readonly Readonly<Record<string, unknown>>[] = [{ id: 'ord_1', status: 'pending', total: 25 }],
  options: { readonly time?: Date | string | undefined } = {},
): AzureInvocation {
  const ts = Math.floor(new Date(iso(options.time)).getTime() / 1000);
  return {
    triggerType: 'cosmosDBTrigger',
    trigger: documents.map((document) => {
      const n = ++counter;
      return {
        _rid: `rid${n}`,
        _self: `dbs/test/colls/test/docs/rid${n}/`,
        _etag: `"${n.toString(16).padStart(8, '0')}-0000-0000-0000-000000000000"`,
        _attachments: 'attachments/',
        _ts: ts,
        ...document,
      };
    }),
  };
}
