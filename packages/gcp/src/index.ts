/**
 * Skyport on Google Cloud: `register()` puts portable functions on the Functions Framework
 * (Cloud Run functions, Cloud Functions), `toGcp()` gives the raw `(req, res)` or `(cloudEvent)`
 * handler, and `invokeGcp()` runs the same mapping without a server. HTTP uses the exact raw
 * body; Pub/Sub (CloudEvent or push), Cloud Storage, Firestore, Cloud Scheduler and any other
 * CloudEvent map to the portable queue, storage, changes, schedule and events kinds.
 */
export type { ParsedCloudEvent } from './cloudevent.js';
export type { GcpSettings } from './context.js';
export { fromFirestoreFields, fromFirestoreValue } from './firestore.js';
export { toGcp } from './handler.js';
export { invokeGcp } from './invoke.js';
export { register } from './register.js';
export type {
  AnyEventFunction,
  AnySkyportFunction,
  FunctionsFramework,
  GcpCloudEventHandler,
  GcpHttpHandler,
  GcpHttpInput,
  GcpInput,
  GcpOptions,
  GcpRequest,
  GcpResponse,
  GcpResult,
  GcpSignature,
  JsonObject,
  RegisterOptions,
  Registration,
} from './types.js';
