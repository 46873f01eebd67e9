/**
 * The payload limits of a buffered HTTP answer. Lambda refuses a synchronous invocation's result
 * over 6 MB of JSON (`Function.ResponseSizeTooLarge`, after the handler logged its success), and
 * an ALB refuses a Lambda target's over 1 MB: either way the client gets a bare 502 and the
 * function's logs show a 200. Such an answer is a logged 500 instead, which says what to change.
 */
import { type Context, type HttpResponse, SkyportError } from '@skyport/core';
import { refusedAnswer } from './body.js';

/**
 * The bytes of JSON a synchronous Lambda invocation can answer with: 6 MiB and the 100 bytes
 * Lambda's own check allows over it (its error names 6291556).
 */
export const LAMBDA_RESULT_LIMIT = 6_291_556;

/** The bytes of JSON an Application Load Balancer takes from a Lambda target (1 MB). */
export const ALB_RESULT_LIMIT = 1_048_576;

/**
 * Room left in the limit for the rest of the result (status, headers, cookies, the JSON around
 * them) when only the body is weighed: far more than any set of headers a client or proxy accepts.
 */
const HEADROOM = 65_536;

/**
 * A body of at most this many UTF-16 units cannot take a result over `limit`: JSON writes a unit
 * as 6 bytes at most (`\u001f`, a lone surrogate).
 */
function surelyWithin(limit: number): number {
  return Math.floor((limit - HEADROOM) / 6);
}

const LAMBDA_SURELY_WITHIN = surelyWithin(LAMBDA_RESULT_LIMIT);
const ALB_SURELY_WITHIN = surelyWithin(ALB_RESULT_LIMIT);

/**
 * The Lambda result `map` makes of `response`, when its JSON is within `limit` bytes; else `map`
 * of a 500 problem, the refusal logged through `ctx`. A small body is let through
 * without weighing the result; a large one is weighed as the runtime sends it.
 *
 * @example
 * const result = withinLimit(response, toApiGatewayV2, LAMBDA_RESULT_LIMIT, ctx);
 */
export function withinLimit<T extends { readonly body?: string | undefined }>(
  response: HttpResponse,
  map: (response: HttpResponse) => T,
  limit: number,
  ctx: Pick<Context, 'log' | 'requestId'>,
): T {
  const result = map(response);
  const body = result.body;
  if (body === undefined || body.length <= (limit === ALB_RESULT_LIMIT ? ALB_SURELY_WITHIN : LAMBDA_SURELY_WITHIN)) {
    return result;
  }
  const size = Buffer.byteLength(JSON.stringify(result));
  if (size <= limit) return result;
  return map(tooLarge(size, limit, ctx, response));
}

/**
 * The 500 for an answer over `limit`, its reason logged. It keeps the CORS headers `cors()` gave
 * the answer (and its `Vary`), as an error answer of the function has them: a browser reads the
 * problem rather than a CORS failure.
 */
function tooLarge(
  size: number,
  limit: number,
  ctx: Pick<Context, 'log' | 'requestId'>,
  refused: HttpResponse,
): HttpResponse {
  const alb = limit === ALB_RESULT_LIMIT;
  const error = new SkyportError(
    'HANDLER_FAILED',
    alb
      ? `aws: the response is ${size} bytes of JSON, and a load balancer takes ${limit} at most from a Lambda target (it would answer 502); send less (a page at a time), or redirect to the content (an S3 presigned URL)`
      : `aws: the response is ${size} bytes of JSON, and Lambda answers with ${limit} at most (API Gateway would answer 502); send less (a page at a time), compress it, redirect to the content (an S3 presigned URL), or stream it (toLambda(fn, { stream: true }) behind a Function URL)`,
    { adapter: 'aws', kind: 'http', shape: alb ? 'alb' : undefined },
  );
  const answer = refusedAnswer(error, ctx);
  const headers: Record<string, string> = { ...answer.headers };
  for (const name of Object.keys(refused.headers)) {
    if (name.startsWith('access-control-') || name === 'vary') headers[name] = refused.headers[name] as string;
  }
  return { ...answer, headers };
}
