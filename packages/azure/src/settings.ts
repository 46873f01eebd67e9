/**
 * Reads the `azure: { ... }` key of a function definition (plus overrides given to `register()`
 * or `toAzure()`), checking each known setting's type so a typo fails at startup with a clear
 * `INVALID_DEFINITION` instead of a host error at deployment.
 */
import { checkOptions, type Kind, SkyportError, shownValue } from '@skyport/core';
import { parseFunctionTimeout } from './context.js';
import { invalidDefinition } from './errors.js';
import { asRecord } from './metadata.js';
import type { AzureSettings, ToAzureOptions } from './types.js';

const strings = [
  'connection',
  'route',
  'queueName',
  'topicName',
  'subscription',
  'eventHubName',
  'consumerGroup',
  'container',
  'database',
  'leaseContainer',
] as const;
const booleans = ['createLeaseContainerIfNotExists', 'runOnStartup', 'useMonitor'] as const;
const choices: Readonly<Record<string, readonly string[]>> = {
  trigger: [
    'http',
    'storageQueue',
    'serviceBusQueue',
    'serviceBusTopic',
    'eventHub',
    'storageBlob',
    'eventGrid',
    'timer',
    'cosmosDB',
  ],
  authLevel: ['anonymous', 'function', 'admin'],
  cardinality: ['one', 'many'],
  blobSource: ['EventGrid', 'LogsAndContainerScan'],
};

/** Every setting `AzureSettings` has. */
const known: readonly string[] = [...strings, ...booleans, ...Object.keys(choices), 'retry', 'options'];

/**
 * `checkOptions()` of core, its refusal followed by `hint`: what an unknown name means here.
 *
 * @example
 * checkNames('azure: register()', options, ['routePrefix'], undefined, 'see RegisterOptions');
 */
export function checkNames(
  where: string,
  options: unknown,
  names: readonly string[],
  kind: Kind | undefined,
  hint: string,
): void {
  try {
    checkOptions(where, options, names, { adapter: 'azure', kind });
  } catch (error) {
    if (!(error instanceof SkyportError)) throw error;
    throw new SkyportError(error.code, `${error.message}; ${hint}`, { adapter: 'azure', kind });
  }
}

/** The names of `ToAzureOptions` besides `azure`, which `register()` takes too. */
const adapterNames = ['functionTimeout', 'routePrefix', 'signalMarginMs'] as const satisfies readonly (keyof Omit<
  ToAzureOptions,
  'azure'
>)[];

/**
 * Refuses options of `register()` or `toAzure()` with a name they do not take (`routeprefix`,
 * `function` for `functions`) or a value of the wrong type, when the app loads: the host's
 * defaults would otherwise apply without a word. A `functionTimeout` under the 1 second host.json
 * takes (`300` meant as seconds) or not longer than `signalMarginMs` is refused too: every
 * invocation would start with `ctx.signal` aborted. `names` are the names the caller takes besides
 * `functionTimeout`, `routePrefix` and `signalMarginMs`.
 *
 * @example
 * checkAdapterOptions('azure: register()', options, ['functions']);
 */
export function checkAdapterOptions(where: string, options: unknown, names: readonly string[]): void {
  const known = [...adapterNames, ...names];
  checkOptions(where, options, known, { adapter: 'azure' });
  const { functionTimeout, routePrefix, signalMarginMs } = (options ?? {}) as Record<string, unknown>;
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `${where} ${problem}`, { adapter: 'azure' });
  if (routePrefix !== undefined && typeof routePrefix !== 'string') {
    throw refuse(
      `routePrefix must be a string (host.json extensions.http.routePrefix), got ${shownValue(routePrefix)}`,
    );
  }
  if (
    signalMarginMs !== undefined &&
    (typeof signalMarginMs !== 'number' || !Number.isFinite(signalMarginMs) || signalMarginMs < 0)
  ) {
    throw refuse(`signalMarginMs must be a number of milliseconds (0 or more), got ${shownValue(signalMarginMs)}`);
  }
  if (functionTimeout !== undefined) {
    if (typeof functionTimeout !== 'string' && typeof functionTimeout !== 'number') {
      throw refuse(`functionTimeout must be a TimeSpan string or milliseconds, got ${shownValue(functionTimeout)}`);
    }
    const timeoutMs = parseFunctionTimeout(functionTimeout);
    // core's context aborts ctx.signal signalMarginMs (default 500) before the deadline.
    const marginMs = (signalMarginMs as number | undefined) ?? 500;
    if (timeoutMs !== undefined && timeoutMs <= marginMs) {
      const given =
        typeof functionTimeout === 'number' ? `${timeoutMs} ms` : `${shownValue(functionTimeout)} (${timeoutMs} ms)`;
      throw refuse(
        `functionTimeout ${given} must be longer than signalMarginMs (${marginMs} ms): ctx.signal would abort as each invocation starts`,
      );
    }
  }
}

/**
 * The Azure settings of a function: its `azure` key, then `override` on top.
 *
 * @example
 * readSettings(fn, { connection: 'OrdersBus' }, 'fulfilOrder').connection; // 'OrdersBus'
 */
export function readSettings(
  fn: { readonly kind: Kind; readonly options: { readonly azure?: unknown } },
  override: AzureSettings | undefined,
  name: string,
): AzureSettings {
  if (override !== undefined && asRecord(override) === undefined) {
    throw invalidDefinition(name, fn.kind, `its azure settings must be an object, got ${shownValue(override)}`);
  }
  const merged: Record<string, unknown> = { ...asRecord(fn.options.azure), ...asRecord(override) };
  // A misspelt setting would otherwise be ignored: the default connection or name used instead.
  checkNames(
    `azure: function "${name}" (${fn.kind}): the azure key`,
    merged,
    known,
    fn.kind,
    'extra app.* options go in azure.options',
  );
  for (const key of strings) {
    const value = merged[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw invalidDefinition(name, fn.kind, `azure.${key} must be a non-empty string`);
    }
  }
  for (const key of booleans) {
    const value = merged[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalidDefinition(name, fn.kind, `azure.${key} must be a boolean`);
    }
  }
  for (const [key, allowed] of Object.entries(choices)) {
    const value = merged[key];
    if (value !== undefined && !allowed.includes(value as string)) {
      throw invalidDefinition(name, fn.kind, `azure.${key} must be one of ${allowed.join(', ')}`);
    }
  }
  const retry = merged.retry;
  if (retry !== undefined && retry !== false) {
    const problem = retryProblem(asRecord(retry));
    if (problem !== undefined) throw invalidDefinition(name, fn.kind, `azure.retry ${problem}`);
  }
  if (merged.options !== undefined && asRecord(merged.options) === undefined) {
    throw invalidDefinition(name, fn.kind, 'azure.options must be an object');
  }
  return merged as AzureSettings;
}

const durationMs: Readonly<Record<string, number>> = {
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
};

/**
 * The milliseconds of a retry interval as the library takes it: a number of milliseconds or a
 * `Duration` object; undefined for anything else, which the library refuses only when the function
 * is registered, after the functions registered before it.
 */
function intervalMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const duration = asRecord(value);
  const keys = duration === undefined ? [] : Object.keys(duration);
  if (keys.length === 0) return undefined;
  let ms = 0;
  for (const key of keys) {
    const part = duration?.[key];
    const factor = Object.hasOwn(durationMs, key) ? durationMs[key] : undefined;
    if (factor === undefined || typeof part !== 'number' || !Number.isFinite(part) || part < 0) return undefined;
    ms += part * factor;
  }
  return ms;
}

/** What is wrong with a retry policy, checked as the library and the host check it; undefined when nothing is. */
function retryProblem(retry: Record<string, unknown> | undefined): string | undefined {
  const strategy = retry?.strategy;
  if (retry === undefined || (strategy !== 'fixedDelay' && strategy !== 'exponentialBackoff')) {
    return 'must be false or a retry policy with a strategy ("fixedDelay" or "exponentialBackoff")';
  }
  const count = retry.maxRetryCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < -1) {
    return 'maxRetryCount must be an integer, -1 for no limit';
  }
  const keys = strategy === 'fixedDelay' ? ['delayInterval'] : ['minimumInterval', 'maximumInterval'];
  const ms: number[] = [];
  for (const key of keys) {
    const value = intervalMs(retry[key]);
    if (value === undefined) {
      const written = typeof retry[key] === 'string' ? ` (not the host.json form ${JSON.stringify(retry[key])})` : '';
      return `${key} must be milliseconds or a Duration such as { minutes: 1, seconds: 30 }${written}`;
    }
    ms.push(value);
  }
  const [minimum = 0, maximum = 0] = ms;
  if (strategy === 'exponentialBackoff' && minimum > maximum) {
    return 'minimumInterval must not be longer than maximumInterval';
  }
  return undefined;
}

/**
 * A binding value with its `%NAME%` app-setting expressions resolved from the environment, as
 * the host resolves them when it binds the trigger: names match whatever their case, and `:`
 * stands for `__` (`%Queues:Orders%` reads `Queues__Orders`); a setting that is not set stays as
 * written.
 *
 * @example
 * resolveAppSettings('%ORDERS_QUEUE%'); // 'orders-prod' when ORDERS_QUEUE=orders-prod
 */
export function resolveAppSettings(value: string): string {
  return value.replace(/%([^%]+)%/g, (expression, name: string) => appSetting(name) ?? expression);
}

/** An app setting by the name a binding expression gives, as the host's configuration reads it. */
function appSetting(name: string): string | undefined {
  const key = name.replaceAll(':', '__');
  if (Object.hasOwn(process.env, key)) return process.env[key];
  const lower = key.toLowerCase();
  for (const [setting, value] of Object.entries(process.env)) if (setting.toLowerCase() === lower) return value;
  return undefined;
}
