/**
 * Skyport's test kit: run any portable function in-process with `invoke()`, build portable
 * events with the factories, control time and ids with `fakeContext()` / `createClock()`, and
 * assert on logs with `collectLogs()`. No cloud, emulator or network needed. The `aws`, `azure`
 * and `gcp` namespaces build raw platform events for adapter-level tests.
 */
export type { FakeClock } from './clock.js';
export { createClock } from './clock.js';
export type { FakeContextOptions } from './context.js';
export { fakeContext } from './context.js';
export type { HttpRequestOptions, MessageOptions, StreamRecordOptions } from './factories.js';
export {
  changeEvent,
  cloudEvent,
  httpRequest,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from './factories.js';
export type { InvokeBatchResult, InvokeHttpInput, InvokeHttpResult, InvokeOptions } from './invoke.js';
export { invoke } from './invoke.js';
export type { LogCollector, LogLine } from './logs.js';
export { collectLogs } from './logs.js';
/** Raw AWS event factories (API Gateway, Function URLs, ALB, SQS, SNS, S3, EventBridge, Kinesis, DynamoDB). */
export * as aws from './raw/aws.js';
/** Raw Azure trigger inputs (HTTP, queues, Service Bus, Event Hubs, blobs, Event Grid, timers, Cosmos DB). */
export * as azure from './raw/azure.js';
/** Raw Google Cloud events (Pub/Sub, Storage, Firestore, Scheduler, CloudEvents in both modes). */
export * as gcp from './raw/gcp.js';
