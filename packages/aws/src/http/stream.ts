/**
 * Lambda response streaming: the `awslambda` global the Node.js runtime provides, and how an
 * answer goes out through it. `awslambda.HttpResponseStream.from()` makes the first write of the
 * response stream send the HTTP metadata (a JSON prelude and 8 NUL bytes, content type
 * `application/vnd.awslambda.http-integration-response`); the content follows as it is written.
 */
import { type HttpResponse, type PipeOutcome, pipeStream, type StreamSink } from '@skyport/core';
import { headersOut } from './body.js';

/**
 * The response stream the runtime hands a streaming handler: a Node.js `Writable` (an HTTP
 * request to the Runtime API, with `setContentType`).
 *
 * @example
 * const write = (stream: LambdaResponseStream) => stream.write('data: 1\n\n');
 */
export interface LambdaResponseStream extends StreamSink {
  write(chunk: string | Uint8Array): boolean;
  setContentType?(contentType: string): void;
}

/**
 * The HTTP metadata of a streamed answer, as Function URLs and REST APIs read it from the prelude.
 *
 * @example
 * const prelude: StreamPrelude = { statusCode: 200, headers: { 'content-type': 'text/event-stream' } };
 */
export interface StreamPrelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  multiValueHeaders?: Record<string, string[]>;
}

/** A handler the runtime calls with the response stream. */
type StreamingHandler = (event: unknown, responseStream: LambdaResponseStream, context: never) => Promise<void>;

/**
 * What `toLambda(fn, { stream: true })` uses of the `awslambda` global.
 *
 * @example
 * const runtime: AwsLambdaStreaming | undefined = lambdaStreaming();
 */
export interface AwsLambdaStreaming {
  /** Marks a handler as streaming (`Symbol.for('aws.lambda.runtime.handler.streaming')`). */
  streamifyResponse<T extends StreamingHandler>(handler: T): T;
  readonly HttpResponseStream: {
    from(responseStream: LambdaResponseStream, prelude: StreamPrelude): LambdaResponseStream;
  };
}

/**
 * The `awslambda` global of the Lambda Node.js runtime, when this process runs in it. The runtime
 * defines it before it loads the handler's module; tests, `invokeLambda()` and the CLI have none.
 *
 * @example
 * if (lambdaStreaming() === undefined) console.log('not in the Lambda runtime');
 */
export function lambdaStreaming(): AwsLambdaStreaming | undefined {
  // `@types/aws-lambda` declares the global as always there; it is not, outside the runtime.
  const runtime = (globalThis as unknown as { awslambda?: Partial<AwsLambdaStreaming> }).awslambda;
  return typeof runtime?.streamifyResponse === 'function' && typeof runtime.HttpResponseStream?.from === 'function'
    ? (runtime as AwsLambdaStreaming)
    : undefined;
}

/**
 * The prelude of a Function URL answer: cookies in `cookies`, as in its buffered result.
 *
 * @example
 * functionUrlPrelude({ status: 200, headers: {}, cookies: ['a=1'], body: 'ok' }); // { statusCode: 200, headers: {}, cookies: ['a=1'] }
 */
export function functionUrlPrelude(response: HttpResponse): StreamPrelude {
  const prelude: StreamPrelude = { statusCode: response.status, headers: headersOut(response.headers) };
  if (response.cookies.length > 0) prelude.cookies = response.cookies;
  return prelude;
}

/**
 * The prelude of a REST API answer: `Set-Cookie` values in `multiValueHeaders`, as in its
 * buffered result.
 *
 * @example
 * restApiPrelude({ status: 200, headers: {}, cookies: ['a=1'], body: 'ok' }); // { ..., multiValueHeaders: { 'set-cookie': ['a=1'] } }
 */
export function restApiPrelude(response: HttpResponse): StreamPrelude {
  const prelude: StreamPrelude = { statusCode: response.status, headers: headersOut(response.headers) };
  if (response.cookies.length > 0) prelude.multiValueHeaders = { 'set-cookie': response.cookies };
  return prelude;
}

/**
 * Sends an answer through the response stream: the prelude, then the content as it is produced
 * (with backpressure) or the whole body (text or bytes as they are, no base64), and ends it.
 * The prelude is sent at once, before any content: the runtime sends it on the first write
 * only, so an answer without content (a redirect, a 204) would otherwise lose its status and
 * headers, and a client of an event stream learns the answer began.
 *
 * Resolves `'finished'`, or `'closed'` when the response stream closed first (the stream is
 * cancelled). When the content fails, rejects with its error and leaves the response stream
 * open: the runtime, seeing the handler reject, ends it with the error in its trailers, so the
 * invocation fails and the client never gets a complete answer.
 *
 * @example
 * await sendStreamed(awslambda, responseStream, response, functionUrlPrelude(response));
 */
export function sendStreamed(
  runtime: AwsLambdaStreaming,
  responseStream: LambdaResponseStream,
  response: HttpResponse,
  prelude: StreamPrelude,
): Promise<PipeOutcome> {
  const out = runtime.HttpResponseStream.from(responseStream, prelude);
  const stream = response.stream;
  if (out.destroyed || out.writableEnded === true) {
    stream?.cancel().catch(ignore);
    return Promise.resolve('closed');
  }
  out.write('');
  if (stream === undefined) {
    const body = response.body;
    if (body !== undefined && (typeof body === 'string' ? body.length > 0 : body.byteLength > 0)) out.write(body);
    out.end();
    return Promise.resolve('finished');
  }
  return pipeStream(stream, keptOpen(out));
}

/**
 * The response stream as `pipeStream` writes to it, but for `destroy`: a failed stream is
 * reported by the handler's rejection, which the runtime sends in the trailers and ends the
 * response with; destroyed, the response could not carry them.
 */
function keptOpen(out: LambdaResponseStream): StreamSink {
  return {
    write: (chunk) => out.write(chunk),
    end: () => out.end(),
    destroy: ignore,
    once: (event, listener) => out.once(event, listener),
    off: (event, listener) => out.off(event, listener),
    get destroyed() {
      return out.destroyed;
    },
    get writableEnded() {
      return out.writableEnded;
    },
  };
}

const ignore = () => {};
