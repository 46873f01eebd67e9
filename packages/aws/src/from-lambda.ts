/**
 * `fromLambda(handler, { kind })`: an existing Lambda handler (async or callback style) as a
 * portable function. Through `toLambda` the AWS event reaches it unchanged (HTTP, schedules and
 * EventBridge events whole; batches one record at a time as a one-record event of the original
 * type, so Skyport's batch semantics decide what is retried). Anywhere else it gets a realistic
 * AWS event synthesised from the portable one, and its result is mapped back.
 */
import {
  type ChangeEvent,
  type CloudEvent,
  type Context,
  changes,
  decodeBase64,
  events,
  type HttpRequest,
  type HttpResponseInit,
  http,
  type Kind,
  type KindOptions,
  type Message,
  queue,
  type ScheduleTick,
  SkyportError,
  type SkyportFunction,
  type StorageEvent,
  type StreamRecord,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import type { Callback } from 'aws-lambda';
import { marshall } from './attribute-value.js';
import { lambdaContextFrom } from './context.js';
import { detectAwsEvent, detectAwsRecord } from './detect.js';
import type { AwsSource, LambdaContext } from './types.js';
import { type Obj, obj, str } from './util.js';

/**
 * A Lambda handler as written for the Node.js runtime: `async (event, context)` or
 * `(event, context, callback)`.
 *
 * @example
 * const legacy: LegacyHandler<SQSEvent, SQSBatchResponse> = async (event) => ({ batchItemFailures: [] });
 */
export type LegacyHandler<TEvent = never, TResult = unknown> = (
  event: TEvent,
  context: LambdaContext,
  callback: Callback<TResult>,
) => // biome-ignore lint/suspicious/noConfusingVoidType: callback-style handlers return nothing
void | TResult | Promise<TResult>;

/**
 * Options of `fromLambda`: the kind, plus that kind's definition options (defaults: queue and
 * stream `name: 'lambda'`, changes `collection: 'lambda'`, storage `bucket: '*'`, schedule
 * `cron: '0 0 * * *'`).
 *
 * @example
 * const options: FromLambdaOptions<'queue'> = { kind: 'queue', name: 'orders' };
 */
export type FromLambdaOptions<K extends Kind> = { readonly kind: K } & Partial<KindOptions[K]>;

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : `the Lambda handler failed: ${JSON.stringify(error)}`);
}

/** Calls an async or callback-style handler; the first of callback and promise wins. */
function call(handler: LegacyHandler<unknown>, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const ok = (value: unknown) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(toError(error));
    };
    const callback: Callback<unknown> = (error, result) => {
      if (error !== undefined && error !== null) fail(error);
      else ok(result);
    };
    try {
      const out = (handler as (e: unknown, c: LambdaContext, cb: Callback<unknown>) => unknown)(
        event,
        context,
        callback,
      );
      if (typeof (out as { then?: unknown } | null)?.then === 'function') (out as Promise<unknown>).then(ok, fail);
      else if (handler.length < 3) ok(out);
    } catch (error) {
      fail(error);
    }
  });
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Maps what a Lambda HTTP handler returned (REST, HTTP API or ALB result) back to a response.
 * A value without `statusCode` is a body, as HTTP API payload 2.0 treats it.
 *
 * @example
 * httpResultToResponse({ statusCode: 201, body: 'made' }); // { status: 201, headers: {}, cookies: [], body: 'made' }
 */
export function httpResultToResponse(result: unknown): unknown {
  const r = obj(result);
  if (!r || typeof r.statusCode !== 'number') return result;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (key === 'set-cookie') cookies.push(value);
    else headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  };
  const multi = obj(r.multiValueHeaders);
  if (multi) {
    for (const name of Object.keys(multi)) {
      const values = multi[name];
      if (Array.isArray(values))
        for (const v of values) if (headerText(v) !== undefined) add(name, headerText(v) as string);
    }
  }
  const single = obj(r.headers);
  if (single) {
    for (const name of Object.keys(single)) {
      const text = headerText(single[name]);
      if (text === undefined) continue;
      if (multi && Object.keys(multi).some((m) => m.toLowerCase() === name.toLowerCase())) continue;
      add(name, text);
    }
  }
  if (Array.isArray(r.cookies)) for (const c of r.cookies) if (typeof c === 'string') cookies.push(c);
  const text = str(r.body);
  let body: string | Uint8Array | undefined = text === '' ? undefined : text;
  if (text && r.isBase64Encoded === true) body = decodeBase64(text) ?? text;
  const response: HttpResponseInit = { status: r.statusCode, headers, cookies, body };
  return response;
}

/** Throws when a one-record invocation reported its record in `batchItemFailures`. */
function checkBatchResult(result: unknown, id: string): void {
  const failures = obj(result)?.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0) {
    throw new SkyportError('HANDLER_FAILED', `the Lambda handler reported record ${id} in batchItemFailures`, {
      adapter: 'aws',
    });
  }
}

/** The raw record when it came from one of `sources`, as a one-record event. */
function passThrough(raw: unknown, sources: readonly AwsSource[]): Obj | undefined {
  return sources.includes(detectAwsRecord(raw)) ? { Records: [raw] } : undefined;
}

const httpSources: readonly AwsSource[] = ['apigw-v1', 'apigw-v2', 'function-url', 'alb'];

type Synthesize = typeof import('./synthesize.js');
let synthesize: Promise<Synthesize> | undefined;

/** The event synthesisers, loaded the first time a handler runs off Lambda (never on it). */
function synthesizers(): Promise<Synthesize> {
  synthesize ??= import('./synthesize.js');
  return synthesize;
}

/**
 * Wraps an existing Lambda handler as a portable function of `kind`, so it can take Skyport
 * middleware (`.use(...)`), run under `invoke()` in tests, and be deployed by other adapters.
 *
 * @example
 * import { fromLambda, toLambda } from '@skyport/aws';
 * import { cors } from '@skyport/core';
 * import { handler as legacy } from './legacy.js';
 *
 * export const api = fromLambda(legacy, { kind: 'http' }).use(cors());
 * export const handler = toLambda(api); // legacy still sees the original API Gateway event
 */
export function fromLambda<K extends Kind, TEvent = never, TResult = unknown>(
  handler: LegacyHandler<TEvent, TResult>,
  options: FromLambdaOptions<K>,
): SkyportFunction<K> {
  if (typeof handler !== 'function') {
    throw new SkyportError('INVALID_DEFINITION', `fromLambda() needs a handler function, got ${typeof handler}`, {
      adapter: 'aws',
      kind: options.kind,
    });
  }
  const legacy = handler as unknown as LegacyHandler<unknown>;
  const { kind, ...rest } = options as { kind: Kind } & Record<string, unknown>;
  const invoke = (event: unknown, ctx: Context) => call(legacy, event, lambdaContextFrom(ctx));
  let fn: SkyportFunction;
  switch (kind) {
    case 'http':
      fn = http(rest).handle(async (req: HttpRequest, ctx: Context) => {
        const event = httpSources.includes(detectAwsEvent(req.raw))
          ? req.raw
          : (await synthesizers()).apiGatewayV2FromRequest(req, ctx);
        return httpResultToResponse(await invoke(event, ctx));
      }) as SkyportFunction;
      break;
    case 'queue':
      fn = queue({ name: 'lambda', ...rest }).handle(async (msg: Message, ctx: Context) => {
        const event = passThrough(msg.raw, ['sqs', 'sns']) ?? {
          Records: [(await synthesizers()).sqsRecordFromMessage(msg, ctx)],
        };
        checkBatchResult(await invoke(event, ctx), msg.id);
      }) as SkyportFunction;
      break;
    case 'stream':
      fn = stream({ name: 'lambda', ...rest }).handle(async (rec: StreamRecord, ctx: Context) => {
        const event = passThrough(rec.raw, ['kinesis', 'dynamodb']) ?? {
          Records: [(await synthesizers()).kinesisRecordFromStreamRecord(rec, ctx)],
        };
        checkBatchResult(await invoke(event, ctx), rec.sequence);
      }) as SkyportFunction;
      break;
    case 'changes':
      fn = changes({ collection: 'lambda', ...rest }).handle(async (change: ChangeEvent, ctx: Context) => {
        const event = passThrough(change.raw, ['dynamodb']) ?? {
          Records: [(await synthesizers()).dynamodbRecordFromChange(change, ctx, marshall)],
        };
        checkBatchResult(await invoke(event, ctx), JSON.stringify(change.key));
      }) as SkyportFunction;
      break;
    case 'storage':
      fn = storage({ bucket: '*', ...rest }).handle(async (object: StorageEvent, ctx: Context) => {
        const whole = detectAwsEvent(object.raw) === 's3-eventbridge' ? object.raw : undefined;
        const recorded = whole ?? passThrough(object.raw, ['s3']);
        const event = recorded ?? { Records: [(await synthesizers()).s3RecordFromStorageEvent(object, ctx)] };
        await invoke(event, ctx);
      }) as SkyportFunction;
      break;
    case 'schedule':
      fn = schedule({ cron: '0 0 * * *', ...rest }).handle(async (tick: ScheduleTick, ctx: Context) => {
        const event =
          detectAwsEvent(tick.raw) === 'scheduled'
            ? tick.raw
            : (await synthesizers()).scheduledEventFromTick(tick, ctx);
        await invoke(event, ctx);
      }) as SkyportFunction;
      break;
    default:
      fn = events(rest).handle(async (event: CloudEvent, ctx: Context) => {
        const source = detectAwsEvent(event.raw);
        const raw = source === 'eventbridge' || source === 'scheduled' || source === 's3-eventbridge';
        await invoke(raw ? event.raw : (await synthesizers()).eventBridgeFromCloudEvent(event, ctx), ctx);
      }) as SkyportFunction;
  }
  return fn as unknown as SkyportFunction<K>;
}
