/**
 * `@skyport/node`: serve portable functions on `node:http`, for local development and for
 * self-hosting in a container (Cloud Run, Knative, any VM), with graceful shutdown. The `skyport`
 * CLI (`dev`, `serve`, `invoke`, `events`) is this package's `bin`.
 */

/** @internal For the `skyport` CLI; not part of the supported API. */
export { httpInit, portableBatch } from './events.js';
export type { BatchJson, FailureJson } from './failures.js';
/** @internal For the `skyport` CLI; not part of the supported API. */
export { batchJson } from './failures.js';
export type { RawShape } from './raw.js';
export { AdapterUnavailableError, detectRaw, loadInvoker } from './raw.js';
export { isSkyportFunction, serve } from './serve.js';
export { gracefulShutdown } from './shutdown.js';
export type {
  AnyFunction,
  FunctionMap,
  GracefulShutdownOptions,
  NamedFunction,
  RawCloud,
  RawInvokeOptions,
  RawInvoker,
  RouteInfo,
  ServeHandle,
  ServeOptions,
} from './types.js';
