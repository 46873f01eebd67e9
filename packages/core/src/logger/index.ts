/**
 * `@skyport/core/logger`: the `logger()` middleware. It swaps `ctx.log` for a pino child bound
 * to the invocation, writes in the format the host's log tooling reads natively (CloudWatch,
 * Cloud Logging, Application Insights through the Azure invocation context), redacts credentials
 * and logs one summary line per invocation. A separate entry point so that functions that do
 * not use it never load pino.
 */
export type { LogFormat, LoggerOptions } from './logger.js';
export { defaultRedactions, logger } from './logger.js';
