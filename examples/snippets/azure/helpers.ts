/**
 * Helpers for the docs/azure.md checks: the adapter's own test helpers (a recording `app`, what
 * `register()` would call, and real `InvocationContext`s whose log calls are kept, as the
 * Functions host would receive them), and `withoutHandler`.
 */
export type { Call, Logged } from '../../../packages/azure/test/helpers.js';
export { invocation, recordingApp } from '../../../packages/azure/test/helpers.js';

import type { Call } from '../../../packages/azure/test/helpers.js';

/** The options of a recorded call without its handler. */
export function withoutHandler(call: Call | undefined): Record<string, unknown> {
  const { handler: _handler, ...rest } = call?.options ?? {};
  return rest;
}
