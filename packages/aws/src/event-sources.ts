/**
 * The non-HTTP half of `toLambda`: batches (SQS, SNS, Kinesis, DynamoDB Streams, S3) and single
 * events (EventBridge, schedules, S3 through EventBridge). `toLambda` imports this module when it
 * wraps a non-HTTP function, so an HTTP function's cold start never loads or compiles it.
 */
import {
  type BatchItem,
  type BatchResult,
  type ChangeEvent,
  type Context,
  createScheduleTick,
  endContext,
  type Kind,
  logIgnoredStorageEvent,
  runBatch,
  runEvent,
  SkyportError,
  type SkyportFunction,
  type StorageEvent,
  type StreamRecord,
} from '@skyport/core';
import { cloudEventFromEventBridge, scheduleTickFromEventBridge } from './eventbridge.js';
import { kinesisRecords } from './kinesis.js';
import { guard, type Obj, obj } from './read.js';
import { guarded, mapRecords, type RecordMapper } from './records.js';
import { snsRecords } from './sns.js';
import { sqsRecords } from './sqs.js';
import type { AwsSource, LambdaContext } from './types.js';

/**
 * The mappers that live in the package entry because they share its public codecs
 * (`unmarshall`, `decodeS3Key`); importing them here would split those into a module of their own.
 *
 * @example
 * const mappers: EntryMappers = { dynamodbChanges, dynamodbStream, s3Records, s3FromEventBridge };
 */
export interface EntryMappers {
  readonly dynamodbChanges: RecordMapper<ChangeEvent>;
  readonly dynamodbStream: RecordMapper<StreamRecord>;
  readonly s3Records: RecordMapper<StorageEvent>;
  readonly s3FromEventBridge: (event: Obj) => StorageEvent | undefined;
}

/**
 * What `toLambda` settled for a non-HTTP function.
 *
 * @example
 * const settings: EventSourceSettings = { reportBatchItemFailures: true, unwrapSns: false, context, mappers };
 */
export interface EventSourceSettings {
  readonly reportBatchItemFailures: boolean;
  readonly unwrapSns: boolean;
  /** The function name used when neither the function nor the Lambda context names it. */
  readonly functionName?: string | undefined;
  /** The Skyport context of one invocation. */
  readonly context: (lambda: LambdaContext) => Context;
  readonly mappers: EntryMappers;
}

/**
 * Runs one event of an accepted source (or, for a schedule function, a Scheduler target input);
 * resolves to the Lambda result.
 * `piped` says the batch came from EventBridge Pipes (see `pipesBatch`).
 *
 * @example
 * const result = await run(event, 'sqs', lambdaContext, false);
 */
export type EventRunner = (event: Obj, source: AwsSource, lambda: LambdaContext, piped: boolean) => Promise<unknown>;

/** The tick of an EventBridge Scheduler target input: now, named after the function. */
function schedulerTick(input: Obj, name: string) {
  return createScheduleTick({ name, raw: input });
}

/** Each failed record once: the user records of a KPL aggregate share its sequence number. */
function batchResponse(result: BatchResult) {
  const ids = new Set(result.failures.map((failure) => failure.id));
  return { batchItemFailures: [...ids].map((itemIdentifier) => ({ itemIdentifier })) };
}

/**
 * Throws the error of the first failed message (async sources retry the whole invocation). A
 * falsy one (`throw undefined`) becomes a `SkyportError` with code `HANDLER_FAILED`: the Lambda
 * runtime takes a rejection with `null` or `undefined` for success.
 */
function throwFirstFailure(kind: Kind, result: BatchResult): void {
  const first = result.failures[0];
  if (first === undefined) return;
  throw first.error || new SkyportError('HANDLER_FAILED', `the ${kind} function failed with ${String(first.error)}`);
}

/**
 * The runner of a non-HTTP function: maps the event with its source's mapper, runs core
 * (`runBatch`, `runEvent`) and answers `batchItemFailures` where Lambda reads them.
 *
 * @example
 * const run = eventRunner(fulfilOrder, settings);
 * await run(sqsEvent, 'sqs', lambdaContext); // { batchItemFailures: [] }
 */
export function eventRunner(fn: SkyportFunction, settings: EventSourceSettings): EventRunner {
  const kind: Kind = fn.kind;
  const report = settings.reportBatchItemFailures;
  const sqs = sqsRecords(settings.unwrapSns, (fn.options as { fifo?: unknown }).fifo === true);
  const safe = guarded(fn);
  const { dynamodbChanges, dynamodbStream, s3Records, s3FromEventBridge } = settings.mappers;

  const batch = async <E>(
    event: Obj,
    source: AwsSource,
    mapper: RecordMapper<E>,
    lambda: LambdaContext,
    reportable: boolean,
  ) => {
    const ignored: unknown[] = [];
    const skip = source === 's3' ? (record: Obj) => ignored.push(record.eventName) : undefined;
    const items = guard(kind, source, () => mapRecords(event, kind, source, mapper, skip));
    const ctx = settings.context(lambda);
    for (const eventType of ignored) logIgnoredStorageEvent(ctx.log, eventType);
    let result: BatchResult;
    try {
      result = await runBatch(safe, items as BatchItem<never>[], ctx);
    } finally {
      endContext(ctx);
    }
    if (reportable && report) return batchResponse(result);
    throwFirstFailure(kind, result);
    return reportable ? batchResponse(result) : undefined;
  };

  /**
   * Runs one event; a mapper that gives `undefined` (an S3 event of another type) skips it, with
   * a warning naming `storageType` when that is the storage event skipped.
   */
  const single = async (lambda: LambdaContext, event: () => unknown, source: AwsSource, storageType?: unknown) => {
    const portable = guard(kind, source, event);
    if (portable === undefined) {
      if (storageType !== undefined) {
        const ctx = settings.context(lambda);
        logIgnoredStorageEvent(ctx.log, storageType);
        endContext(ctx);
      }
      return undefined;
    }
    await runEvent(fn, portable as never, settings.context(lambda));
    return undefined;
  };

  const scheduleName = (lambda: LambdaContext): string => {
    const name = (fn.options as { name?: unknown }).name ?? settings.functionName ?? obj(lambda)?.functionName;
    return typeof name === 'string' ? name : 'schedule';
  };

  return (e, source, lambda, piped) => {
    // A pipe reads `batchItemFailures` with SQS message ids as Lambda does. For stream records
    // it expects other identifiers than Lambda's sequence numbers, so a failure there fails
    // the invocation and the pipe retries the batch: nothing is acknowledged unprocessed.
    const streamReport = !piped;
    switch (source) {
      case 'sqs':
        return batch(e, source, sqs, lambda, true);
      case 'sns':
        return batch(e, source, snsRecords, lambda, false);
      case 'kinesis':
        return batch(e, source, kinesisRecords, lambda, streamReport);
      case 'dynamodb':
        if (kind === 'changes') return batch(e, source, dynamodbChanges, lambda, streamReport);
        return batch(e, source, dynamodbStream, lambda, streamReport);
      case 's3':
        return batch(e, source, s3Records, lambda, false);
      case 's3-eventbridge':
        if (kind === 'storage') return single(lambda, () => s3FromEventBridge(e), source, e['detail-type']);
        return single(lambda, () => cloudEventFromEventBridge(e), source);
      case 'scheduled':
        if (kind === 'schedule')
          return single(lambda, () => scheduleTickFromEventBridge(e, scheduleName(lambda)), source);
        return single(lambda, () => cloudEventFromEventBridge(e), source);
      case 'unknown':
        // `toLambda` lets an unknown shape through only to a schedule function: an object,
        // the input an EventBridge Scheduler target was configured with (`{}` for none). The
        // tick is now; the input stays in `raw`.
        return single(lambda, () => schedulerTick(e, scheduleName(lambda)), source);
      default:
        return single(lambda, () => cloudEventFromEventBridge(e), source);
    }
  };
}
