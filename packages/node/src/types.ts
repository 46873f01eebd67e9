/**
 * Public types of `@skyport/node`: what `serve()` accepts and the handle it resolves to.
 */
import type { AnyFunction, Kind, SkyportFunction } from '@skyport/core';

/** A Skyport function of any kind (core's `AnyFunction`). */
export type { AnyFunction };

/** Functions to serve, by deployment name (the name is the `/_skyport/<name>` path segment). */
export type FunctionMap = Readonly<Record<string, AnyFunction>>;

/** Options of `serve()`. */
export interface ServeOptions {
  /** The port; `0` picks a free one. Default: the `PORT` environment variable, else 3000. */
  readonly port?: number | undefined;
  /** The interface to listen on. Default: the `HOST` environment variable, else every interface. */
  readonly host?: string | undefined;
  /**
   * Largest request body in whole bytes (default 6 MB, the Lambda limit; `0` takes no body,
   * `Infinity` any). Enforced while the body streams in: a larger body is answered 413 without
   * being buffered. A Pub/Sub push subscription calling an event route needs room for its
   * envelope, which base64-encodes the message: about 14 MB for Pub/Sub's 10 MB messages.
   */
  readonly bodyLimit?: number | undefined;
  /**
   * A per-request deadline in milliseconds (`ctx.deadline`, `ctx.signal`), for example the
   * request timeout of your Cloud Run service. Default: no deadline.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * How long `close()` waits for in-flight requests before cutting connections, in ms. Default:
   * 8 000, inside the 10 s Cloud Run allows between SIGTERM and SIGKILL; raise it where the
   * platform waits longer (Kubernetes: `terminationGracePeriodSeconds`, 30 s by default).
   */
  readonly shutdownTimeoutMs?: number | undefined;
  /**
   * Keep-alive timeout of idle connections in ms; keep it above the idle timeout of the load
   * balancer in front (else the server closes a connection the balancer is sending a request on,
   * and the client gets a 502). Default: 65 000, above AWS ALB's and nginx's 60 s. Behind Google
   * Cloud Load Balancing's external Application Load Balancer (600 s) set 620 000.
   */
  readonly keepAliveTimeoutMs?: number | undefined;
  /**
   * How long a client has to send a whole request, headers and body, in ms; past it the server
   * answers 408 and closes the connection, so a client trickling a body cannot hold a request open
   * for long. `0` disables it. Default: Node's 300 000 (5 minutes).
   */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * How long a client has to send the request headers, in ms (408 and the connection closed past
   * it); at most `requestTimeoutMs`. `0` disables it. Default: Node's, 60 000 or `requestTimeoutMs`
   * when that is lower.
   */
  readonly headersTimeoutMs?: number | undefined;
  /**
   * Whether non-HTTP functions accept events at `POST /_skyport/<name>` (default true). The route
   * is not authenticated: turn it off in a public service. Left to its default under
   * `NODE_ENV=production` with event functions to serve, `serve()` prints a warning at start;
   * `true` keeps the routes without it (a private service a push subscription calls).
   */
  readonly eventRoutes?: boolean | undefined;
  /**
   * How many proxies in front of the server to trust for the client address (`req.ip`): with
   * `n`, the address the n-th proxy from the server saw, taken from the right of
   * `X-Forwarded-For` (entries further left are the client's to write). Default 0: the socket's
   * peer. Cloud Run: 1 (Google's front end appends the client). Knative and other ingresses add
   * a hop for each proxy they run (ingress, activator, queue-proxy): count them for your install.
   */
  readonly trustProxy?: number | undefined;
  /** Whether to print the startup line and the routes (default true). */
  readonly announce?: boolean | undefined;
  /** Where the startup line goes (default stdout). */
  readonly print?: ((line: string) => void) | undefined;
}

/** One route `serve()` answers. */
export interface RouteInfo {
  /** The methods (`*` for every method). */
  readonly methods: readonly string[];
  /** The path pattern (`/orders/:id`, `/_skyport/fulfilOrder`). */
  readonly path: string;
  /** The name of the function that answers it. */
  readonly function: string;
  /** Its kind. */
  readonly kind: Kind;
}

/** A running server. */
export interface ServeHandle {
  /** The base URL (`http://localhost:3000`). */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Every route served, http routes first. */
  readonly routes: readonly RouteInfo[];
  /** Requests being handled right now: from arrival until their answer is all written. */
  readonly inflight: number;
  /**
   * Graceful stop: stops accepting connections and closes those with no request pending (idle
   * keep-alive ones, and ones that never sent a request), lets in-flight requests finish and their
   * answers be written (up to `shutdownTimeoutMs`), closing each connection once its last answer
   * is out, then resolves. A request that arrives on an open connection meanwhile is answered with
   * `Connection: close`; one pipelined behind an answer that closes its connection is not run.
   */
  close(): Promise<void>;
}

/** Options of `gracefulShutdown()`. */
export interface GracefulShutdownOptions {
  /** The signals to handle (default `SIGTERM` and `SIGINT`). */
  readonly signals?: readonly NodeJS.Signals[] | undefined;
  /**
   * Whether to exit the process once closed and `beforeExit` is done (default true): with code 0
   * when the server closed, 1 when its `close()` failed, whatever `beforeExit` and the telemetry
   * flush did.
   */
  readonly exit?: boolean | undefined;
  /** Where the shutdown line goes (default stderr). */
  readonly print?: ((line: string) => void) | undefined;
  /**
   * A signal less than this many milliseconds after the first is taken for the same signal delivered
   * twice and ignored, rather than as a second one that exits at once (default 0). A terminal's
   * Ctrl+C reaches every process of its group, so a server whose parent passes signals on gets it
   * twice; `skyport serve` uses 250.
   */
  readonly repeatWindowMs?: number | undefined;
  /**
   * Runs once the server is closed, before the process exits: close a pool, stop an SDK of your
   * own (`telemetry.shutdown()` of `@skyport/otel`). Waited for until `graceMs` after the signal
   * at most; one that throws or is still running then is reported on `print`, and the process
   * exits all the same, with the code it would have had. After it, the OpenTelemetry tracer, meter
   * and logger providers still registered in this process are flushed (none registered: nothing
   * is loaded or done), within the same grace.
   */
  readonly beforeExit?: (() => void | Promise<void>) | undefined;
  /**
   * How long after the signal `beforeExit` and the telemetry flush may run, in ms (default
   * 9 500: Cloud Run sends SIGKILL 10 s after SIGTERM). The server's drain is not cut by it (that
   * is `serve()`'s `shutdownTimeoutMs`, plus up to 1 s for cut requests to wind up), so keep it
   * above that drain where the platform waits longer: `shutdownTimeoutMs` + 1 500, as `skyport
   * serve` sets it when given `--shutdown-timeout`.
   */
  readonly graceMs?: number | undefined;
}

/** A function of `serve()`'s table, with the name it is served under. */
export interface NamedFunction {
  readonly name: string;
  readonly fn: SkyportFunction<Kind>;
}

/** What a raw invocation is told besides the event. */
export interface RawInvokeOptions {
  /**
   * The function's deployment name (`ctx.functionName`), so a function sees the same name on every
   * cloud (default: each adapter's placeholder).
   */
  readonly name?: string | undefined;
  /**
   * Where the function's log lines go on a cloud whose host collects them itself (Azure's
   * `InvocationContext`, which otherwise prints them with `console`, on stdout).
   */
  readonly log?: ((line: string) => void) | undefined;
}

/** What an adapter package exposes for running one raw cloud event. */
export type RawInvoker = (
  fn: AnyFunction | SkyportFunction<Kind>,
  event: unknown,
  options?: RawInvokeOptions,
) => Promise<unknown>;

/** The clouds whose raw events Skyport can run locally. */
export type RawCloud = 'aws' | 'azure' | 'gcp';
