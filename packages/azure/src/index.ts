/**
 * Skyport on Azure Functions (v4 Node.js programming model): `register(app, { name: fn })` makes
 * one `app.*` registration per portable function, `toAzure(fn)` gives the raw handler for users
 * who register themselves, and `invokeAzure(fn, input)` runs a function with the real
 * `@azure/functions` classes from a JSON description of an invocation.
 */

export type { AzureContextInit, TimeoutMs } from './context.js';
export { createAzureContext, parseFunctionTimeout } from './context.js';
export { toNcrontab } from './cron.js';
export { BatchFailedError } from './errors.js';
export { toAzure } from './handler.js';
export type { HttpMapping } from './http.js';
export { fromAzureRequest, toAzureResponse, toAzureRoute } from './http.js';
export { invokeAzure } from './invoke.js';
export type { InvocationLog } from './log.js';
export { createInvocationLogger } from './log.js';
export type { Registration } from './register.js';
export { DEFAULT_STREAM_RETRY, register } from './register.js';
export type * from './types.js';
