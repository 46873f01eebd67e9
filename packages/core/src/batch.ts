/**
 * Batch semantics shared by every adapter: a per-message handler runs over a batch and the
 * result says exactly which messages failed. Nothing is reported as done unless its handler
 * succeeded. Three modes:
 * - `independent`: every message runs; the failed ones are reported.
 * - `ordered`: one at a time; the first failure and everything after it are reported.
 * - `fifo`: one at a time; after a failure, the rest of that message's group is reported.
 */
import { endContext, finishBatch, forkContext } from './context.js';
import { SkyportError } from './errors.js';
import { logFailure } from './log.js';
import type { Context, EventOf, Kind, Logger, SkyportFunction, TraceCarrier } from './types.js';

/** One message of a batch. */
export interface BatchItem<TEvent> {
  /** The id the platform wants back for a retry (SQS `messageId`, Kinesis sequence number). */
  readonly id: string;
  /** The portable event. */
  readonly event: TEvent;
  /** The FIFO group, for `fifo` mode. */
  readonly groupId?: string | undefined;
  /**
   * Trace headers the message carried outside its attributes (SQS `AWSTraceHeader` as
   * `x-amzn-trace-id`): the message's context has them as `ctx.trace`.
   */
  readonly trace?: TraceCarrier | undefined;
}

/**
 * A message of a batch that did not succeed: it failed, or was not run after an earlier failure.
 * It must not be acknowledged; how much of the batch the platform then redelivers depends on it
 * (see the batch table in docs/concepts.md).
 */
export interface BatchFailure {
  /** The id of the failed message. */
  readonly id: string;
  /** Why: the handler's error, or a `SkyportError` for messages not run after an earlier failure. */
  readonly error: unknown;
  /** True when the message was not run because an earlier one (of its group / the stream) failed. */
  readonly skipped: boolean;
}

/** The outcome of a batch. */
export interface BatchResult {
  /** True when every message succeeded. */
  readonly ok: boolean;
  /** The messages that failed or were skipped, in batch order: none of them may be acknowledged. */
  readonly failures: BatchFailure[];
}

/** How a batch runs. */
export type BatchMode = 'independent' | 'ordered' | 'fifo';

/** Options of `runBatch`. */
export interface BatchOptions {
  /** The mode (default: `ordered` for streams and changes, `fifo` for FIFO queues, else `independent`). */
  readonly mode?: BatchMode | undefined;
  /** How many messages run at once in `independent` mode (default: the function's `concurrency`, else 1). */
  readonly concurrency?: number | undefined;
}

/**
 * The batch mode a function implies when the adapter does not say.
 *
 * @example
 * defaultMode(stream({ name: 'clicks' }).handle(count), items); // 'ordered'
 */
export function defaultMode(
  fn: Pick<SkyportFunction, 'kind' | 'options'>,
  items: readonly BatchItem<unknown>[],
): BatchMode {
  if (fn.kind === 'stream' || fn.kind === 'changes') return 'ordered';
  if (
    fn.kind === 'queue' &&
    ((fn.options as { fifo?: boolean }).fifo || items.some((item) => item.groupId !== undefined))
  ) {
    return 'fifo';
  }
  return 'independent';
}

/** What reading `value` threw, as text that cannot throw in turn. */
function describeThrown(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  } catch {
    return 'reading it threw';
  }
}

/**
 * A `SkyportError` with code `HANDLER_FAILED` and `value` as its `cause` when `value` cannot be
 * read as the platforms read a failure (its `name`, `message` and `stack`, its text): a revoked
 * Proxy, an error whose `message` or `stack` getter throws, an object without a prototype.
 * `undefined` for any other value, which is passed on as it is.
 *
 * @example
 * throw unreadableFailure(error, fn.kind) ?? error;
 */
export function unreadableFailure(value: unknown, kind: Kind): SkyportError | undefined {
  try {
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      void (value instanceof Error);
      const read = value as { name?: unknown; message?: unknown; stack?: unknown };
      void read.name;
      void read.message;
      void read.stack;
    }
    String(value);
    return undefined;
  } catch (thrown) {
    const message = `the ${kind} function failed with a value that cannot be read (${describeThrown(thrown)})`;
    return new SkyportError('HANDLER_FAILED', message, { kind, cause: value });
  }
}

/**
 * Logs a handler's failure (as `logFailure`) and gives what to report: the value itself, or for a
 * value that cannot be read the `SkyportError` of `unreadableFailure`. That line is written
 * without the value, whose reads would throw as it is serialised.
 *
 * @example
 * throw reportFailure(ctx.log, error, fn.kind, 'queue function failed');
 */
export function reportFailure(
  log: Logger,
  error: unknown,
  kind: Kind,
  msg: string,
  fields?: Record<string, unknown>,
): unknown {
  const unreadable = unreadableFailure(error, kind);
  if (unreadable === undefined) {
    logFailure(log, error, msg, fields);
    return error;
  }
  logFailure(log, new SkyportError('HANDLER_FAILED', unreadable.message, { kind }), msg, fields);
  return unreadable;
}

function skipped(id: string, reason: string): BatchFailure {
  return { id, error: new SkyportError('HANDLER_FAILED', reason), skipped: true };
}

/**
 * Runs `fn` over a batch with the given semantics. Each message gets its own context (sharing
 * the invocation's deadline; `batchOf()` gives the invocation's context); failures are logged
 * with the message id. What middleware registered with `onBatchEnd()` runs before it resolves.
 *
 * @example
 * const result = await runBatch(fn, records.map((r) => ({ id: r.messageId, event: toMessage(r) })), ctx);
 * return { batchItemFailures: result.failures.map((f) => ({ itemIdentifier: f.id })) };
 */
export async function runBatch<K extends Kind>(
  fn: SkyportFunction<K>,
  items: readonly BatchItem<EventOf<K>>[],
  ctx: Context,
  options: BatchOptions = {},
): Promise<BatchResult> {
  const mode = options.mode ?? defaultMode(fn as unknown as SkyportFunction, items);
  const outcomes: (BatchFailure | undefined)[] = new Array(items.length);

  const runOne = async (index: number): Promise<boolean> => {
    const item = items[index] as BatchItem<EventOf<K>>;
    const child = forkContext(ctx, item.trace);
    try {
      await fn.dispatch(item.event, child);
      return true;
    } catch (thrown) {
      // Through the message's own logger: the one `logger()` set on it, in the host's format.
      const error = reportFailure(child.log, thrown, fn.kind, `message ${item.id} failed`, { messageId: item.id });
      outcomes[index] = { id: item.id, error, skipped: false };
      return false;
    } finally {
      endContext(child);
    }
  };

  if (mode === 'ordered') {
    for (let i = 0; i < items.length; i++) {
      if (await runOne(i)) continue;
      const first = (items[i] as BatchItem<unknown>).id;
      for (let j = i + 1; j < items.length; j++) {
        outcomes[j] = skipped((items[j] as BatchItem<unknown>).id, `not processed: record ${first} before it failed`);
      }
      break;
    }
  } else if (mode === 'fifo') {
    const failedGroups = new Map<string, string>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as BatchItem<unknown>;
      const failedAt = item.groupId === undefined ? undefined : failedGroups.get(item.groupId);
      if (failedAt !== undefined) {
        outcomes[i] = skipped(item.id, `not processed: message ${failedAt} of group ${item.groupId} failed before it`);
        continue;
      }
      if (!(await runOne(i)) && item.groupId !== undefined) failedGroups.set(item.groupId, item.id);
    }
  } else {
    // A width that is not a number (an unset environment variable read with `Number()`) runs
    // one at a time: no setting may leave a message unprocessed and so reported as done.
    const requested = options.concurrency ?? (fn.options as { concurrency?: number }).concurrency ?? 1;
    const width = requested >= 1 ? Math.floor(requested) : 1;
    let next = 0;
    const worker = async () => {
      while (next < items.length) await runOne(next++);
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  }

  // What middleware records once per invocation (metrics, an exporter's flush) runs now.
  const failures = outcomes.filter((outcome): outcome is BatchFailure => outcome !== undefined);
  await finishBatch(ctx, failures);
  endContext(ctx);
  return { ok: failures.length === 0, failures };
}
