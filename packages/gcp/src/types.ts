/**
 * Public types of `@skyport/gcp`: the structural shapes of what the Functions Framework hands a
 * function (an Express request/response, or a CloudEvent), the options of `register()` /
 * `toGcp()`, and the inputs and result of `invokeGcp()`. They are structural on purpose, so the
 * package needs neither Express nor the Functions Framework at type level.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AnyFunction, Kind } from '@skyport/core';

/** A portable function of any kind (http functions included): core's `AnyFunction`. */
export type AnySkyportFunction = AnyFunction;

/** A portable function of any kind but http (the kinds `functions.cloudEvent` can take). */
export type AnyEventFunction = AnyFunction<Exclude<Kind, 'http'>>;

/**
 * How a function is registered with the Functions Framework: `http` (`functions.http`, the
 * handler sees the whole HTTP request) or `cloudevent` (`functions.cloudEvent`, the framework
 * parses the CloudEvent and the handler sees only the event).
 */
export type GcpSignature = 'http' | 'cloudevent';

/** The parts of the Functions Framework's Express request Skyport reads. */
export interface GcpRequest {
  readonly method: string;
  /** The request target, path and query (Express may rewrite it inside mounted middleware). */
  readonly url: string;
  /** The request target as the client sent it (Express). */
  readonly originalUrl?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The header lines as received, names and values in turn (Node's `IncomingMessage.rawHeaders`). */
  readonly rawHeaders?: readonly string[] | undefined;
  /**
   * The body bytes, kept by the framework's body parsers: as sent, except that a gzip, deflate
   * or br body with a content type arrives inflated (see docs/gcp.md).
   */
  readonly rawBody?: Uint8Array | undefined;
  /** The framework's parsed body; never trusted for validation. */
  readonly body?: unknown | undefined;
  readonly ip?: string | undefined;
  /** The framework's execution id (the `function-execution-id` header, or one it generated). */
  readonly executionId?: string | undefined;
  /**
   * Aborted by the framework with the reason `'timeout'` when the request times out
   * (`CLOUD_RUN_TIMEOUT_SECONDS`), or with `'request closed'` when the request stream closes,
   * which happens to requests whose client is still waiting too, and then keeps the timeout
   * from aborting it: Skyport watches the response for both instead.
   */
  readonly abortController?: AbortController | undefined;
  /** Whether the body stream was consumed (by a body parser). */
  readonly readableEnded?: boolean | undefined;
  /** The body stream, read when no body parser consumed it (a request without a content type). */
  [Symbol.asyncIterator]?(): AsyncIterator<unknown>;
}

/** The parts of the Functions Framework's Express response Skyport writes. */
export interface GcpResponse {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(chunk?: string | Uint8Array): unknown;
  readonly headersSent?: boolean | undefined;
  /** Whether the whole response was handed to the connection (a `close` before it: the client left). */
  readonly writableFinished?: boolean | undefined;
  /**
   * Listens for `close` (the connection of the response closed) or `timeout` (the framework's
   * request timeout, a `setTimeout` on the connection, ran out).
   */
  once?(event: 'close' | 'timeout', listener: () => void): unknown;
}

/** An `functions.http` handler. */
export type GcpHttpHandler = (req: GcpRequest, res: GcpResponse) => Promise<void>;

/**
 * A `functions.cloudEvent` handler: it receives the CloudEvent the framework parsed (validated
 * here, hence `unknown`) and rejects when the function failed, which the framework answers with 500.
 */
export type GcpCloudEventHandler = (cloudEvent: unknown) => Promise<void>;

/** The two registration functions of `@google-cloud/functions-framework`. */
export interface FunctionsFramework {
  http(name: string, handler: GcpHttpHandler): void;
  cloudEvent(name: string, handler: GcpCloudEventHandler): void;
}

/** Options of `toGcp()`, `register()` and `invokeGcp()`. Per-function `gcp: { ... }` options win. */
export interface GcpOptions {
  /** The deployed function name (`ctx.functionName`); default: the `register()` key, `FUNCTION_TARGET`, `K_SERVICE`. */
  readonly name?: string | undefined;
  /** How non-http functions are registered (default `cloudevent`; `schedule` and `events` default to `http`). */
  readonly signature?: GcpSignature | undefined;
  /** The function's timeout in seconds, which sets `ctx.deadline` (default: `CLOUD_RUN_TIMEOUT_SECONDS`). */
  readonly timeoutSeconds?: number | undefined;
}

/** Options of `register()`. */
export interface RegisterOptions extends Omit<GcpOptions, 'name'> {
  /** The Functions Framework module (default: `@google-cloud/functions-framework`, loaded on first use). */
  readonly functions?: FunctionsFramework | undefined;
}

/** One function `register()` registered. */
export interface Registration {
  readonly name: string;
  readonly kind: string;
  readonly signature: GcpSignature;
}

/** A CloudEvent or other JSON event as a plain object. */
export type JsonObject = { readonly [key: string]: unknown };

/** An HTTP request for `invokeGcp()`. */
export interface GcpHttpInput {
  /** Default `POST` when there is a body, else `GET`. */
  readonly method?: string | undefined;
  /** The path, optionally with a query string. Default `/`. */
  readonly path?: string | undefined;
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  readonly query?: Readonly<Record<string, string | readonly string[]>> | string | undefined;
  /** Text or bytes as sent; any other value is sent as JSON (`content-type: application/json` unless set). */
  readonly body?: unknown | undefined;
}

/** What `invokeGcp()` runs: an HTTP request description, a structured CloudEvent, or a Pub/Sub push envelope. */
export type GcpInput = GcpHttpInput | JsonObject;

/** What `invokeGcp()` resolves to: the answer the function would have given the platform. */
export interface GcpResult {
  readonly status: number;
  /** Lower-cased response headers (without `set-cookie`). */
  readonly headers: Readonly<Record<string, string>>;
  /** `Set-Cookie` values. */
  readonly cookies: readonly string[];
  /** Parsed JSON for JSON responses, a string for text, bytes otherwise; `undefined` when empty. */
  readonly body: unknown;
}
