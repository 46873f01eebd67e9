/**
 * `@skyport/core/tracing`: the `tracing()` middleware (one OpenTelemetry span and the FaaS
 * metrics per invocation, through `@opentelemetry/api` only) and the trace header parsers it
 * shares with `logger()`. A separate entry point so functions that do not trace never load the
 * OpenTelemetry API; register an SDK with `@skyport/otel` or your own setup to export.
 */
/**
 * The OpenTelemetry API types in what `tracing()` adds to the context (`ctx.span`) and takes as
 * options (`attributes`), re-exported so that a project that does not depend on
 * `@opentelemetry/api` itself can name them, and so that the declarations TypeScript emits for
 * a function using `tracing()` can refer to them through `@skyport/core/tracing` (a project with
 * isolated installs, such as pnpm, cannot reach `@opentelemetry/api` otherwise).
 */
export type { Attributes, Span } from '@opentelemetry/api';
export type { TraceIds, TraceParent } from './propagation.js';
export { findParent, parseCloudTrace, parseTraceparent, parseXray } from './propagation.js';
export type { TracingContext, TracingOptions } from './tracing.js';
export { tracing } from './tracing.js';
