/**
 * Shared plumbing of the batch sources (SQS, SNS, S3, Kinesis, DynamoDB Streams): each record is
 * mapped on its own, so one malformed record fails only itself (it is reported for retry and
 * never acknowledged), while a record without an id fails the whole invocation, because
 * Lambda could not be told which message to retry.
 */
import {
  type BatchItem,
  type Kind,
  runBatch,
  SkyportError,
  type SkyportFunction,
  type TraceCarrier,
} from '@skyport/core';
import { awsError, type Obj, obj } from './read.js';

/**
 * A record that could not be mapped; dispatching it fails with its error.
 *
 * @example
 * const item = { id, event: new InvalidRecord(error) };
 */
export class InvalidRecord {
  readonly error: SkyportError;
  constructor(error: SkyportError) {
    this.error = error;
  }
}

/**
 * How a source reads its records.
 *
 * @example
 * const mapper: RecordMapper<Message> = { id: (r) => str(r.messageId), map: (r) => sqsMessage(r, false) };
 */
export interface RecordMapper<E> {
  /** The id Lambda wants back in `batchItemFailures` (`undefined` when the record has none). */
  readonly id: (record: Obj) => string | undefined;
  /**
   * The portable event of a record; `undefined` skips the record (a type the kind ignores), and
   * an array gives one event each (the user records of a KPL aggregate), reported together.
   */
  readonly map: (record: Obj) => E | readonly E[] | undefined;
  /** The FIFO group of a record. */
  readonly group?: ((record: Obj) => string | undefined) | undefined;
  /** Trace headers a record carries outside its attributes (SQS `AWSTraceHeader`). */
  readonly trace?: ((record: Obj) => TraceCarrier | undefined) | undefined;
}

/**
 * Maps the `Records` of an event to batch items.
 *
 * @example
 * const items = mapRecords(event, 'queue', 'sqs', { id: (r) => str(r.messageId), map: toMessage });
 */
export function mapRecords<E>(
  event: Obj,
  kind: Kind,
  shape: string,
  mapper: RecordMapper<E>,
  skipped?: (record: Obj) => void,
): BatchItem<E>[] {
  const records = Array.isArray(event.Records) ? event.Records : [];
  const items: BatchItem<E>[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = obj(records[i]);
    const id = record === undefined ? undefined : mapper.id(record);
    if (record === undefined || id === undefined || id === '') {
      throw awsError(
        'INVALID_EVENT',
        `record ${i} of a ${shape} event reached a ${kind} function without an id, so the whole batch fails`,
        kind,
        shape,
      );
    }
    let mapped: E | readonly E[] | InvalidRecord | undefined;
    try {
      mapped = mapper.map(record);
    } catch (error) {
      const reason = error instanceof SkyportError ? error : undefined;
      mapped = new InvalidRecord(
        reason ?? awsError('INVALID_EVENT', `record ${id} of a ${shape} event is malformed`, kind, shape, error),
      );
    }
    if (mapped === undefined) {
      skipped?.(record);
      continue;
    }
    const groupId = mapper.group?.(record);
    const trace = mapper.trace?.(record);
    for (const event of Array.isArray(mapped) ? (mapped as readonly E[]) : [mapped as E]) {
      items.push({ id, event, groupId, trace });
    }
  }
  return items;
}

const guardedFns = new WeakMap<SkyportFunction, SkyportFunction>();

/**
 * `fn` with a dispatch that fails invalid records instead of running them.
 *
 * @example
 * await runBatch(guarded(fn), items, ctx);
 */
export function guarded<K extends Kind>(fn: SkyportFunction<K>): SkyportFunction<K> {
  let out = guardedFns.get(fn as unknown as SkyportFunction);
  if (out === undefined) {
    const wrapper = Object.create(fn) as SkyportFunction<K> & { dispatch: SkyportFunction<K>['dispatch'] };
    Object.defineProperty(wrapper, 'dispatch', {
      value: (event: unknown, ctx: Parameters<SkyportFunction<K>['dispatch']>[1]) =>
        event instanceof InvalidRecord
          ? Promise.reject(event.error)
          : fn.dispatch(event as Parameters<SkyportFunction<K>['dispatch']>[0], ctx),
    });
    out = wrapper as unknown as SkyportFunction;
    guardedFns.set(fn as unknown as SkyportFunction, out);
  }
  return out as unknown as SkyportFunction<K>;
}

export { runBatch };
