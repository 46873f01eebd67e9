/**
 * Batch outcomes as JSON for HTTP callers and the CLI: each failure says which message failed and
 * why, without leaking the message of an unexpected error in production.
 */
import type { BatchFailure, BatchResult, ValidationIssue } from '@skyport/core';

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

/**
 * The brand every copy of `@skyport/core` puts on the prototypes of its `HttpError` and
 * `SkyportError`: a registered symbol, alike in each copy, which core's `toHttpError()` tells an
 * error of another copy by (a function module bundled with its own copy) where `instanceof` sees
 * only its own classes.
 */
const errorBrand = Symbol.for('skyport.error.v1');

/** The class an error of any copy of core is branded as, if it is one. Never throws. */
function brandOf(error: unknown): 'HttpError' | 'SkyportError' | undefined {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return undefined;
  try {
    const brand = (error as { [errorBrand]?: unknown })[errorBrand];
    return brand === 'HttpError' || brand === 'SkyportError' ? brand : undefined;
  } catch {
    // A revoked Proxy, or a getter that throws: no error of core's.
    return undefined;
  }
}

/** What a `SkyportError` of any copy of `@skyport/core` says, as `skyportErrorOf()` reads it. */
export interface SkyportErrorFields {
  /** Its `name` (`SkyportError`). */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Its code (`VALIDATION`, `INVALID_EVENT`, ...). */
  readonly code: string;
  /** Its failing fields, for `VALIDATION`. */
  readonly errors: readonly ValidationIssue[] | undefined;
}

/**
 * `error` read as a `SkyportError` when it is one of any copy of `@skyport/core`: this package's,
 * or the one a function module was bundled with, whose errors `instanceof` does not know. A field
 * of the wrong type is left out (an issue without a text `path` and `message`) or defaulted;
 * one without a text `code` is no such error. Never throws.
 *
 * @example
 * const refused = skyportErrorOf(caught);
 * if (refused !== undefined && eventCodes.has(refused.code)) return new BadRequest(refused.message, { code: refused.code });
 */
export function skyportErrorOf(error: unknown): SkyportErrorFields | undefined {
  if (brandOf(error) !== 'SkyportError') return undefined;
  try {
    const { name, message, code, errors } = error as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
      errors?: unknown;
    };
    if (typeof code !== 'string') return undefined;
    return {
      name: typeof name === 'string' ? name : 'SkyportError',
      message: typeof message === 'string' ? message : '',
      code,
      errors: issuesOf(errors),
    };
  } catch {
    return undefined;
  }
}

/** Validation issues of an error of any copy: those with a text `path` and `message`. */
function issuesOf(value: unknown): ValidationIssue[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const issues: ValidationIssue[] = [];
  for (const issue of value as unknown[]) {
    const { path, message } = (issue ?? {}) as { path?: unknown; message?: unknown };
    if (typeof path === 'string' && typeof message === 'string') issues.push({ path, message });
  }
  return issues;
}

/** What an `HttpError` of any copy that may be shown (`expose`) says; undefined for any other value. */
function exposedHttpErrorOf(error: unknown): FailureJson['error'] | undefined {
  if (brandOf(error) !== 'HttpError') return undefined;
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
    return {
      name: skyport.name,
      message: skyport.message,
      code: skyport.code,
      ...(skyport.errors ? { errors: skyport.errors } : {}),
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
