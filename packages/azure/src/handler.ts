/**
 * `toAzure(fn)`: the raw v4 handler of a portable function. It detects the trigger, maps the
 * input to portable events, runs core (`runHttp`, or `runBatch` with the kind's batch semantics)
 * and maps the outcome back: an `HttpResponseInit`, or a resolved promise once every message
 * succeeded. Azure has no partial acknowledgement, so any failed message makes the invocation
 * throw a `BatchFailedError` and the host retries it.
 */
import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';
import {
  type BatchItem,
  type Context,
  type EventOf,
  endContext,
  type Kind,
  runBatch,
  SkyportError,
  type SkyportFunction,
} from '@skyport/core';
import { blobItems } from './blob.js';
import { createAzureContext, regionName, resolveTimeout, type TimeoutMs } from './context.js';
import { cosmosItems } from './cosmos.js';
import { declaredTrigger, describe, detectTrigger, isHttpRequestLike } from './detect.js';
import { BatchFailedError, invalidEvent, unknownEvent } from './errors.js';
import { eventGridCloudItems, eventGridStorageItems } from './event-grid.js';
import { eventHubItems } from './event-hub.js';
import { catchAllOf, handleHttp, ROUTER_ROUTE, toAzureRoute } from './http.js';
import { asRecord, asString } from './metadata.js';
import { storageQueueItems } from './queue.js';
import { serviceBusItems } from './service-bus.js';
import { checkAdapterOptions, readSettings, resolveAppSettings } from './settings.js';
import { timerItems } from './timer.js';
import type {
  AnyFunction,
  AzureEventHandler,
  AzureHandler,
  AzureHttpHandler,
  AzureSettings,
  AzureTriggerType,
  ToAzureOptions,
} from './types.js';

const kinds: ReadonlySet<string> = new Set<Kind>([
  'http',
  'queue',
  'stream',
  'storage',
  'schedule',
  'changes',
  'events',
]);

function hasArrayMetadata(metadata: Record<string, unknown> | undefined): boolean {
  return (
    metadata !== undefined &&
    ['messageIdArray', 'userPropertiesArray', 'applicationPropertiesArray', 'deliveryCountArray'].some(
      (key) => key in metadata,
    )
  );
}

/**
 * Whether an Event Hubs invocation without a declared cardinality is a batch. The host sends
 * `*Array` metadata for a batch and plain fields for one event (the default cardinality, `one`),
 * whose body may well be a JSON array. Only an invocation with no event metadata at all (built by
 * hand) falls back to the body's shape.
 */
function isEventHubBatch(metadata: Record<string, unknown> | undefined, trigger: unknown): boolean {
  const fields = ['sequenceNumber', 'offset', 'enqueuedTimeUtc', 'partitionKey', 'systemProperties', 'properties'];
  if (metadata !== undefined) {
    if (fields.some((key) => `${key}Array` in metadata)) return true;
    if (fields.some((key) => key in metadata)) return false;
  }
  return Array.isArray(trigger);
}

interface Runtime {
  readonly fn: SkyportFunction;
  readonly settings: AzureSettings;
  readonly timeoutMs: TimeoutMs;
  readonly region: string | undefined;
  readonly options: ToAzureOptions;
}

/** The portable items of one non-HTTP invocation. */
function itemsOf(
  runtime: Runtime,
  type: AzureTriggerType,
  trigger: unknown,
  context: unknown,
  ctx: Context,
  startedAt: number,
): BatchItem<EventOf<Kind>>[] {
  const requestId = ctx.requestId;
  const { fn, settings } = runtime;
  const kind = fn.kind;
  const native = asRecord(context);
  const metadata = asRecord(native?.triggerMetadata);
  const declared = declaredTrigger(context);
  const named = (fn.options as { name?: unknown }).name;
  const fallbackName = typeof named === 'string' ? named : (asString(native?.functionName) ?? 'unknown');
  const cardinality = asString(declared?.cardinality) ?? settings.cardinality;

  switch (type) {
    case 'queueTrigger':
      return storageQueueItems(
        trigger,
        metadata,
        resolveAppSettings(asString(declared?.queueName) ?? settings.queueName ?? fallbackName),
        requestId,
      );
    case 'serviceBusTrigger': {
      const many = cardinality === undefined ? hasArrayMetadata(metadata) : cardinality === 'many';
      if (many && !Array.isArray(trigger)) throw invalidEvent(kind, type, 'a Service Bus batch must be an array');
      const subscription = asString(declared?.subscriptionName) ?? settings.subscription;
      // As `register()` names it: a subscription makes the function's name the topic by default
      // (FIFO too: a session-enabled subscription), unless the trigger is a queue's.
      const topic =
        asString(declared?.topicName) ??
        settings.topicName ??
        (subscription !== undefined && settings.trigger !== 'serviceBusQueue' && typeof named === 'string'
          ? named
          : undefined);
      const source =
        asString(declared?.queueName) ??
        (topic !== undefined && subscription !== undefined ? `${topic}/${subscription}` : undefined) ??
        settings.queueName ??
        fallbackName;
      return serviceBusItems(trigger, metadata, {
        source: resolveAppSettings(source),
        many,
        fallbackId: requestId,
        log: ctx.log,
      });
    }
    case 'eventHubTrigger': {
      const many = cardinality === undefined ? isEventHubBatch(metadata, trigger) : cardinality === 'many';
      if (many && !Array.isArray(trigger)) throw invalidEvent(kind, type, 'an Event Hubs batch must be an array');
      const source = resolveAppSettings(asString(declared?.eventHubName) ?? settings.eventHubName ?? fallbackName);
      return eventHubItems(trigger, metadata, { source, many, fallbackId: requestId });
    }
    case 'blobTrigger':
      return blobItems(trigger, metadata, kind);
    case 'eventGridTrigger':
      return kind === 'storage' ? eventGridStorageItems(trigger, kind, ctx.log) : eventGridCloudItems(trigger, kind);
    case 'timerTrigger': {
      const scheduleName = (fn.options as { name?: unknown }).name;
      const name = typeof scheduleName === 'string' ? scheduleName : (asString(native?.functionName) ?? 'timer');
      return timerItems(trigger, name, startedAt, kind);
    }
    case 'cosmosDBTrigger': {
      const collection =
        asString(declared?.containerName) ??
        settings.container ??
        (fn.options as { collection?: string }).collection ??
        fallbackName;
      // The mode the trigger was registered with (`azure.options.changeFeedMode`), when known.
      const mode = asString(declared?.changeFeedMode) ?? asString(settings.options?.changeFeedMode);
      return cosmosItems(trigger, resolveAppSettings(collection), kind, mode);
    }
    default:
      throw unknownEvent(kind, type);
  }
}

async function runEvents(runtime: Runtime, trigger: unknown, context: unknown): Promise<void> {
  const startedAt = Date.now();
  const kind = runtime.fn.kind;
  const type = detectTrigger(kind, trigger, context);
  const ctx = createAzureContext(context, {
    kind,
    trigger: type,
    timeoutMs: runtime.timeoutMs,
    signalMarginMs: runtime.options.signalMarginMs,
    startedAt,
    region: runtime.region,
  });
  try {
    const items = itemsOf(runtime, type, trigger, context, ctx, startedAt);
    const result = await runBatch(runtime.fn, items, ctx);
    if (!result.ok) throw new BatchFailedError(kind, type, items.length, result.failures);
  } finally {
    endContext(ctx);
  }
}

async function runRequest(runtime: Runtime, trigger: unknown, context: unknown) {
  const startedAt = Date.now();
  detectTrigger('http', trigger, context);
  if (!isHttpRequestLike(trigger)) throw unknownEvent('http', describe(trigger));
  const ctx = createAzureContext(context, {
    kind: 'http',
    timeoutMs: runtime.timeoutMs,
    signalMarginMs: runtime.options.signalMarginMs,
    startedAt,
    region: runtime.region,
  });
  const fn = runtime.fn as SkyportFunction<'http'>;
  const path = fn.routes ? undefined : fn.options.path;
  const route =
    asString(declaredTrigger(context)?.route) ??
    runtime.settings.route ??
    (path === undefined ? ROUTER_ROUTE : toAzureRoute(path));
  return handleHttp(fn, trigger as AzureHttpRequest, ctx, {
    routePrefix: runtime.options.routePrefix ?? 'api',
    catchAll: fn.routes ? catchAllOf(route) : undefined,
    wildcard: path?.split('/').filter(Boolean).at(-1) === '*' ? catchAllOf(route) : undefined,
  });
}

/**
 * The raw Azure Functions v4 handler of a portable function, for users who call `app.*`
 * themselves. HTTP handlers resolve to an `HttpResponseInit` and never throw for a request;
 * other handlers resolve once every message succeeded and throw a `BatchFailedError` otherwise.
 *
 * The options are checked here, when the handler is made: a name `ToAzureOptions` does not have
 * (`routeprefix`) or a value of the wrong type (a `signalMarginMs` that is no number of
 * milliseconds, a `functionTimeout` no TimeSpan) throws `SkyportError('INVALID_DEFINITION')`.
 *
 * @example
 * import { app } from '@azure/functions';
 * app.storageQueue('fulfilOrder', { queueName: 'orders', connection: 'AzureWebJobsStorage', handler: toAzure(fulfilOrder) });
 */
export function toAzure(fn: SkyportFunction<'http'>, options?: ToAzureOptions): AzureHttpHandler;
export function toAzure<K extends Exclude<Kind, 'http'>>(
  fn: SkyportFunction<K>,
  options?: ToAzureOptions,
): AzureEventHandler;
export function toAzure(fn: AnyFunction | SkyportFunction, options?: ToAzureOptions): AzureHandler;
export function toAzure(
  input: AnyFunction | SkyportFunction,
  options: ToAzureOptions = {},
): AzureHandler | AzureHttpHandler | AzureEventHandler {
  const fn = input as SkyportFunction;
  if (typeof fn !== 'object' || fn === null || !kinds.has(fn.kind) || typeof fn.dispatch !== 'function') {
    throw new SkyportError('INVALID_DEFINITION', 'azure: toAzure() needs a portable function', { adapter: 'azure' });
  }
  // A misspelt name (`routeprefix`, `functiontimeout`) would leave the host's default in force unseen.
  checkAdapterOptions('azure: toAzure()', options, ['azure']);
  const runtime: Runtime = {
    fn,
    settings: readSettings(fn, options.azure, 'toAzure'),
    timeoutMs: resolveTimeout(options.functionTimeout),
    region: regionName(),
    options,
  };
  if (fn.kind === 'http') {
    return (trigger: unknown, context: InvocationContext) => runRequest(runtime, trigger, context);
  }
  return async (trigger: unknown, context: InvocationContext) => {
    await runEvents(runtime, trigger, context);
    return undefined;
  };
}
