/**
 * Skyport's test kit: run any portable function in-process with `invoke()`, build portable
 * events with the factories, control time and ids with `fakeContext()` / `createClock()`, and
 * assert on logs with `collectLogs()`. No cloud, emulator or network needed.
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
export type { InvokeBatchResult, InvokeHttpResult, InvokeOptions } from './invoke.js';
export { invoke } from './invoke.js';
export type { LogCollector, LogLine } from './logs.js';
export { collectLogs } from './logs.js';
