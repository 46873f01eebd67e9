/**
 * The Skyport context of a Lambda invocation, and a realistic Lambda context for running
 * functions outside Lambda (`invokeLambda`, the CLI, tests), and the Lambda context a
 * `fromLambda` handler gets. The Lambda context is exposed untouched as `ctx.raw`;
 * `callbackWaitsForEmptyEventLoop` is left as the runtime set it.
 */
import { type Context, type ContextInit, createContext, type Kind, type TraceCarrier } from '@skyport/core';
import type { LambdaContext } from './types.js';
import { obj, str } from './util.js';

let anonymous = 0;
let region: string | undefined | null = null;
/**
 * Whether the runtime runs several invocations at once in this process (Lambda Managed
 * Instances sets `AWS_LAMBDA_MAX_CONCURRENCY`): it then never sets `_X_AMZN_TRACE_ID`, and the
 * X-Ray header of each invocation is on its Lambda context only.
 */
let concurrent: boolean | null = null;
/**
 * Whether this process was initialised for provisioned concurrency
 * (`AWS_LAMBDA_INITIALIZATION_TYPE`): its init ran ahead of any request, so no invocation of it
 * waits on a cold start, and the first one is reported warm, as Powertools does.
 */
let provisioned = false;

/**
 * The carrier of an invocation without a trace header to give. It has the header as an own
 * property all the same (undefined, not enumerated), so that core's tracing does not look for it
 * in the environment, where a later invocation's may be.
 */
const noTrace = Object.freeze(
  Object.defineProperty({}, 'x-amzn-trace-id', { value: undefined, enumerable: false }),
) as TraceCarrier;

/**
 * How many Lambda contexts this process has made. The runtime sets `_X_AMZN_TRACE_ID` for the
 * invocation it runs, one at a time: once a later one has begun, the variable names its trace.
 */
let invocations = 0;

/**
 * How long a REST API waits for its Lambda integration unless its quota was raised (29 s), and
 * how long an HTTP API waits (30 s, the most it allows). Past it the client has the gateway's 504,
 * while the function may run on to its own timeout.
 */
export const REST_API_INTEGRATION_TIMEOUT_MS = 29_000;

/** See `REST_API_INTEGRATION_TIMEOUT_MS`. */
export const HTTP_API_INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * Creates the context of one invocation from the Lambda context (defensively: a missing or
 * partial Lambda context still gives a usable context). Given the API Gateway event of an HTTP
 * invocation, the deadline is the sooner of the function's and the gateway's: the gateway's
 * integration timeout (`integrationTimeoutMs`, else 29 s for a REST API, 30 s for an HTTP API)
 * from the time the event says it received the request. An event whose time is past that (a
 * replayed sample event) leaves the function's deadline alone; a Function URL has no gateway.
 *
 * @example
 * const ctx = contextFor('http', lambdaContext);
 * ctx.requestId === lambdaContext.awsRequestId; // true
 */
export function contextFor(
  kind: Kind,
  lambda: LambdaContext | undefined,
  functionName?: string,
  gatewayEvent?: unknown,
  integrationTimeoutMs?: number,
): Context {
  if (region === null) {
    region = process.env.AWS_REGION;
    concurrent = process.env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;
    provisioned = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency';
  }
  return createContext(new LambdaInit(kind, lambda, functionName, gatewayEvent, integrationTimeoutMs));
}

/**
 * The milliseconds left before the API Gateway that sent `event` stops waiting, read now;
 * infinite for no gateway's event (a Function URL's, a load balancer's), for one without its time
 * and for one received longer ago than the timeout (a sample event replayed).
 */
function gatewayTimeLeft(event: unknown, integrationTimeoutMs: number | undefined): number {
  const given = obj(event);
  const context = obj(given?.requestContext);
  if (context === undefined) return Number.POSITIVE_INFINITY;
  const httpApi = given?.version === '2.0';
  // A Function URL's events are HTTP API 2.0 events from a host of its own, with no gateway.
  if (httpApi && str(context.domainName)?.includes('.lambda-url.')) return Number.POSITIVE_INFINITY;
  const received = httpApi ? context.timeEpoch : context.requestTimeEpoch;
  if (typeof received !== 'number' || !Number.isFinite(received)) return Number.POSITIVE_INFINITY;
  const timeout = integrationTimeoutMs ?? (httpApi ? HTTP_API_INTEGRATION_TIMEOUT_MS : REST_API_INTEGRATION_TIMEOUT_MS);
  // A clock a little ahead of the gateway's reads as no time gone.
  const gone = Math.max(0, Date.now() - received);
  return gone > timeout ? Number.POSITIVE_INFINITY : timeout - gone;
}

/**
 * What the Lambda context tells core, read from it when core asks: a context is made for every
 * invocation and most of these are never read (the countdown closure, for one, is made only when
 * something needs the deadline).
 */
class LambdaInit implements ContextInit {
  readonly kind: Kind;
  readonly raw: LambdaContext | undefined;
  readonly #functionName: string | undefined;
  readonly #invocation: number;
  /** The API Gateway event of an HTTP invocation, whose gateway may stop waiting first. */
  readonly #gatewayEvent: unknown;
  readonly #integrationTimeoutMs: number | undefined;
  #requestId: string | undefined;
  #trace: TraceCarrier | undefined;

  constructor(
    kind: Kind,
    lambda: LambdaContext | undefined,
    functionName: string | undefined,
    gatewayEvent: unknown,
    integrationTimeoutMs: number | undefined,
  ) {
    this.kind = kind;
    this.raw = lambda;
    this.#functionName = functionName;
    this.#invocation = ++invocations;
    this.#gatewayEvent = gatewayEvent;
    this.#integrationTimeoutMs = integrationTimeoutMs;
  }

  get cloud(): 'aws' {
    return 'aws';
  }

  /** False in a process initialised for provisioned concurrency; else core's first-context rule. */
  get coldStart(): boolean | undefined {
    return provisioned ? false : undefined;
  }

  /**
   * The X-Ray header of this invocation, read when first asked for rather than on every
   * invocation. The Node.js runtime puts it on the Lambda context as `xRayTraceId`, the one place
   * it is when invocations run concurrently (Lambda Managed Instances). Older runtimes set
   * `_X_AMZN_TRACE_ID` only, before each invocation: read from there first after a later
   * invocation began (work a handler left running past its timeout), it is left out rather than
   * taken from the other invocation.
   */
  get trace(): TraceCarrier {
    if (this.#trace === undefined) {
      const header = this.#traceHeader();
      this.#trace = header === undefined ? noTrace : Object.freeze({ 'x-amzn-trace-id': header });
    }
    return this.#trace;
  }

  #traceHeader(): string | undefined {
    const given = str(obj(this.raw)?.xRayTraceId);
    if (given !== undefined && given !== '') return given;
    if (concurrent === true || this.#invocation !== invocations) return undefined;
    return process.env._X_AMZN_TRACE_ID || undefined;
  }

  get region(): string | undefined {
    return region ?? undefined;
  }

  /** `awsRequestId`; a Lambda context without one (hand-made) gets a stable local id. */
  get requestId(): string {
    this.#requestId ??= str(obj(this.raw)?.awsRequestId) ?? `local-${++anonymous}`;
    return this.#requestId;
  }

  get functionName(): string {
    return str(obj(this.raw)?.functionName) ?? this.#functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lambda';
  }

  /**
   * The Lambda countdown, when the Lambda context has one (a hand-made one may not), cut to the
   * time the API Gateway that sent the request still waits.
   */
  get remainingTimeMs(): (() => number) | undefined {
    const lambda = this.raw;
    const remaining = obj(lambda)?.getRemainingTimeInMillis;
    const event = this.#gatewayEvent;
    if (event === undefined) return typeof remaining === 'function' ? () => Number(remaining.call(lambda)) : undefined;
    return () => {
      const gateway = gatewayTimeLeft(event, this.#integrationTimeoutMs);
      const left = typeof remaining === 'function' ? Number(remaining.call(lambda)) : Number.NaN;
      return Number.isNaN(left) ? gateway : Math.min(left, gateway);
    };
  }
}

/**
 * What may be set on a fake Lambda context.
 *
 * @example
 * const init: LambdaContextInit = { functionName: 'orders-api', timeoutMs: 3000 };
 */
export interface LambdaContextInit {
  readonly awsRequestId?: string | undefined;
  readonly functionName?: string | undefined;
  readonly functionVersion?: string | undefined;
  readonly memoryLimitInMB?: string | undefined;
  /** The time budget of the invocation in ms (default 30 000). */
  readonly timeoutMs?: number | undefined;
  readonly region?: string | undefined;
  readonly accountId?: string | undefined;
  /**
   * The X-Ray header of the invocation, which the Node.js runtime hands over as the context's
   * `xRayTraceId` (left out when not given, as the runtime does without active tracing).
   */
  readonly xRayTraceId?: string | undefined;
}

/**
 * A Lambda context shaped like the one the Node.js runtime passes (`memoryLimitInMB` is a string,
 * `getRemainingTimeInMillis()` counts down from `timeoutMs`).
 *
 * @example
 * const context = createLambdaContext({ functionName: 'orders-api', timeoutMs: 3000 });
 * await handler(event, context);
 */
export function createLambdaContext(init: LambdaContextInit = {}): LambdaContext {
  const functionName = init.functionName ?? 'skyport-function';
  const region = init.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const account = init.accountId ?? '123456789012';
  const version = init.functionVersion ?? '$LATEST';
  const deadline = Date.now() + (init.timeoutMs ?? 30_000);
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const noop = () => undefined;
  const context: LambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: version,
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: init.memoryLimitInMB ?? '128',
    awsRequestId: init.awsRequestId ?? crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[${version}]${crypto.randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
  return init.xRayTraceId === undefined ? context : Object.assign(context, { xRayTraceId: init.xRayTraceId });
}

/**
 * The longest a Lambda invocation may run, 15 minutes: what a synthesised Lambda context without
 * a deadline counts down from, and how long `fromLambda` waits on a handler then.
 *
 * @example
 * lambdaContextFrom(ctxWithoutDeadline).getRemainingTimeInMillis() <= LONGEST_INVOCATION_MS; // true
 */
export const LONGEST_INVOCATION_MS = 900_000;

/**
 * The Lambda context a `fromLambda` handler gets: the real one on Lambda, a faithful stand-in
 * built from `ctx` elsewhere (`fromLambda` hands either over with `succeed`, `fail` and `done`
 * of its own, which complete the call), with `xRayTraceId` the X-Ray header of the request
 * (`xRayTraceId`, given) or of the message (in `ctx.trace`).
 *
 * @example
 * const context = lambdaContextFrom(ctx);
 */
export function lambdaContextFrom(ctx: Context, xRayTraceId?: string): LambdaContext {
  const raw = obj(ctx.raw);
  if (raw && typeof raw.awsRequestId === 'string' && typeof raw.getRemainingTimeInMillis === 'function') {
    return ctx.raw as LambdaContext;
  }
  const region = ctx.region ?? 'us-east-1';
  const noop = () => undefined;
  // Without a deadline, the longest invocation Lambda allows, counted from now: a handler that
  // works `while (context.getRemainingTimeInMillis() > margin)` still stops.
  const longest = Date.now() + LONGEST_INVOCATION_MS;
  const context: LambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: ctx.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${ctx.functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: ctx.requestId,
    logGroupName: `/aws/lambda/${ctx.functionName}`,
    logStreamName: `local/[$LATEST]${ctx.requestId}`,
    getRemainingTimeInMillis: () => {
      const left = ctx.remainingTimeMs();
      return Number.isFinite(left) ? left : Math.max(0, longest - Date.now());
    },
    done: noop,
    fail: noop,
    succeed: noop,
  };
  // The X-Ray header of the request (given) or message, where the current runtime puts it.
  const trace = xRayTraceId ?? ctx.trace['x-amzn-trace-id'];
  return typeof trace === 'string' && trace !== '' ? Object.assign(context, { xRayTraceId: trace }) : context;
}
