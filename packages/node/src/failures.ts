/**
 * Batch outcomes as JSON for HTTP callers and the CLI: each failure says which message failed and
 * why, without leaking the message of an unexpected error in production.
 */
import { type BatchFailure, type BatchResult, errorBrandOf, SkyportError, skyportErrorOf } from '@skyport/core';

/** One failure as JSON. */
export interface FailureJson {
  readonly id: string;
  readonly skipped: boolean;
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly code?: string | undefined;
    readonly errors?: unknown | undefined;
  };
}

/** A batch outcome as JSON. */
export interface BatchJson {
  readonly ok: boolean;
  readonly failures: readonly FailureJson[];
}

/** What an `HttpError` of any copy that may be shown (`expose`) says; undefined for any other value. */
function exposedHttpErrorOf(error: unknown): FailureJson['error'] | undefined {
  if (errorBrandOf(error) !== 'HttpError') return undefined;
  try {
    const { name, message, code, expose } = error as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
      expose?: unknown;
    };
    if (expose !== true) return undefined;
    return {
      name: typeof name === 'string' ? name : 'HttpError',
      message: typeof message === 'string' ? message : '',
      ...(typeof code === 'string' && code !== '' ? { code } : {}),
    };
  } catch {
    return undefined;
  }
}

function errorJson(error: unknown, expose: boolean): FailureJson['error'] {
  // An error of either copy of core (a function module may be bundled with its own) is told by
  // its brand. A validation error is about the input and says what was wrong with it; any other
  // Skyport error a handler throws is as unexpected as a plain one: its code is kept, its message
  // (which may carry anything the handler put in it) only outside production.
  const skyport = skyportErrorOf(error);
  if (skyport !== undefined && (expose || skyport.code === 'VALIDATION')) {
    // This copy's own error is passed on as it is (its issues with whatever fields they carry);
    // another copy's only with the fields read safely.
    const errors = error instanceof SkyportError ? error.errors : skyport.errors;
    return {
      name: skyport.name,
      message: skyport.message,
      code: skyport.code,
      ...(errors ? { errors } : {}),
    };
  }
  if (skyport !== undefined) {
    return { name: skyport.name, message: 'the handler failed (details are in the logs)', code: skyport.code };
  }
  const http = exposedHttpErrorOf(error);
  if (http !== undefined) return http;
  if (error instanceof Error && expose) return { name: error.name, message: error.message };
  return { name: 'Error', message: 'the handler failed (details are in the logs)' };
}

/**
 * A batch result as JSON. `expose` decides whether messages of unexpected errors are included
 * (validation errors always are; other Skyport errors keep their code).
 *
 * @example
 * batchJson({ ok: false, failures: [{ id: 'm2', error: new Error('boom'), skipped: false }] }, true);
 * // { ok: false, failures: [{ id: 'm2', skipped: false, error: { name: 'Error', message: 'boom' } }] }
 */
export function batchJson(result: BatchResult, expose: boolean): BatchJson {
  return {
    ok: result.ok,
    failures: result.failures.map((failure: BatchFailure) => ({
      id: failure.id,
      skipped: failure.skipped,
      error: errorJson(failure.error, expose),
    })),
  };
}

/**
 * One error as JSON, for a raw invocation that threw.
 *
 * @example
 * errorToJson(new Error('boom'), false); // { name: 'Error', message: 'the handler failed (details are in the logs)' }
 */
export function errorToJson(error: unknown, expose: boolean): FailureJson['error'] {
  return errorJson(error, expose);
}
