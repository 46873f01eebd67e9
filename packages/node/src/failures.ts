/**
 * Batch outcomes as JSON for HTTP callers and the CLI: each failure says which message failed and
 * why, without leaking the message of an unexpected error in production.
 */
import { type BatchFailure, type BatchResult, HttpError, SkyportError } from '@skyport/core';

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

function errorJson(error: unknown, expose: boolean): FailureJson['error'] {
  // A validation error is about the input and says what was wrong with it; any other Skyport
  // error a handler throws is as unexpected as a plain one: its code is kept, its message (which
  // may carry anything the handler put in it) only outside production.
  if (error instanceof SkyportError && (expose || error.code === 'VALIDATION')) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.errors ? { errors: error.errors } : {}),
    };
  }
  if (error instanceof SkyportError) {
    return { name: error.name, message: 'the handler failed (details are in the logs)', code: error.code };
  }
  if (error instanceof HttpError && error.expose) {
    return { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) };
  }
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
