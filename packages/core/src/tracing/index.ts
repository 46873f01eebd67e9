/**
 * `@skyport/core/tracing`: the `tracing()` middleware (one OpenTelemetry span and the FaaS
 * metrics per invocation, through `@opentelemetry/api` only) and the trace header parsers it
 * shares with `logger()`. A separate entry point so functions that do not trace never load the
 * OpenTelemetry API; register an SDK with `@skyport/otel` or your own setup to export.
 */
export type { TraceIds, TraceParent } from './propagation.js';
export { findParent, parseCloudTrace, parseTraceparent, parseXray } from './propagation.js';
export type { TracingContext, TracingOptions } from './tracing.js';
export { tracing } from './tracing.js';
