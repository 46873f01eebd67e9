/**
 * The errors the Azure adapter raises. A failed message makes the invocation throw
 * `BatchFailedError` (a `SkyportError` with code `HANDLER_FAILED` carrying every failure), so the
 * host retries or dead-letters the whole invocation; events the adapter cannot map raise a
 * `SkyportError` naming the adapter, the function kind and the detected shape.
 */
import { type BatchFailure, type Kind, SkyportError } from '@skyport/core';

/**
 * Thrown by an Azure handler when a message, record or event of the invocation failed. `failures`
 * lists what failed, or was skipped after an earlier failure; `cause` is the first handler error.
 * No Azure trigger can acknowledge part of a batch, so the host redelivers or re-runs the whole
 * invocation, the items that succeeded included.
 *
 * @example
 * try { await handler(messages, context); } catch (error) {
 *   if (error instanceof BatchFailedError) console.log(error.failures.map((f) => f.id));
 * }
 */
export class BatchFailedError extends SkyportError {
  /** Every failed (or, after an earlier failure, skipped) item, in batch order. */
  readonly failures: readonly BatchFailure[];

  constructor(kind: Kind, shape: string, total: number, failures: readonly BatchFailure[]) {
    const first = failures[0];
    // Items not run after an earlier failure are counted apart: a reader looks for one error per
    // failed item in the log.
    const skipped = failures.filter((failure) => failure.skipped).length;
    const failed = failures.length - skipped;
    super(
      'HANDLER_FAILED',
      `azure: ${failed} of ${total} ${kind} item(s) of a ${shape} invocation failed` +
        (skipped === 0 ? '' : ` and ${skipped} after it were not run`) +
        (first === undefined ? '' : ` (first: ${first.id})`),
      { adapter: 'azure', kind, shape, cause: first?.error },
    );
    this.name = 'BatchFailedError';
    this.failures = failures;
  }
}

/**
 * An event that has the right trigger but cannot be mapped.
 *
 * @example
 * throw invalidEvent('storage', 'blobTrigger', 'blob trigger metadata has no path');
 */
export function invalidEvent(kind: Kind, shape: string, problem: string): SkyportError {
  return new SkyportError('INVALID_EVENT', `azure: ${problem} (${kind} function, ${shape} trigger)`, {
    adapter: 'azure',
    kind,
    shape,
  });
}

/**
 * An event of a trigger the function's kind does not take.
 *
 * @example
 * throw kindMismatch('queue', 'timerTrigger');
 */
export function kindMismatch(kind: Kind, shape: string): SkyportError {
  return new SkyportError('KIND_MISMATCH', `azure: a ${kind} function cannot take a ${shape} invocation`, {
    adapter: 'azure',
    kind,
    shape,
  });
}

/**
 * An event the adapter does not recognise at all.
 *
 * @example
 * throw unknownEvent('http', 'object{hello}');
 */
export function unknownEvent(kind: Kind, shape: string): SkyportError {
  return new SkyportError('UNKNOWN_EVENT', `azure: unrecognised trigger input (${shape}) for a ${kind} function`, {
    adapter: 'azure',
    kind,
    shape,
  });
}

/**
 * A definition Azure cannot deploy.
 *
 * @example
 * throw invalidDefinition('notify', 'queue', 'a Service Bus topic needs azure.subscription');
 */
export function invalidDefinition(name: string, kind: Kind, problem: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `azure: function "${name}" (${kind}): ${problem}`, {
    adapter: 'azure',
    kind,
  });
}
