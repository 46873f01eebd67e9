/**
 * Runs Standard Schema validators and turns their issues into Skyport validation issues whose
 * paths name the part of the event (`body.items.0.qty`, `query.page`).
 */
import { quietly, SkyportError, type ValidationIssue } from './errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';

function pathOf(location: string, issue: StandardSchemaV1.Issue): string {
  let path = location;
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    path += `.${String(key)}`;
  }
  return path;
}

/**
 * How many issues a validation error lists. A body of a million wrong items fails a million
 * times; listing them all would answer a 2 MB request with an 80 MB 422, past what Lambda can
 * send (6 MB), so the first ones are listed and the total is given.
 *
 * @example
 * error.errors.length <= MAX_ISSUES; // true
 */
export const MAX_ISSUES = 100;

/**
 * The first `room` (by default `MAX_ISSUES`) issues of a failed validation, with paths prefixed
 * by `location`. Only those are read: the rest of a long list costs nothing more.
 *
 * @example
 * toIssues('query', result.issues); // [{ path: 'query.page', message: 'Expected number' }]
 */
export function toIssues(
  location: string,
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  room = MAX_ISSUES,
): ValidationIssue[] {
  const count = Math.min(issues.length, room);
  const listed: ValidationIssue[] = [];
  for (let i = 0; i < count; i++) {
    const issue = issues[i] as StandardSchemaV1.Issue;
    listed.push({ path: pathOf(location, issue), message: issue.message });
  }
  return listed;
}

/**
 * What a validation error says after the parts that failed: nothing when every issue is
 * listed, else how many there were.
 *
 * @example
 * leftOut(100, 1_000_000); // ' (1000000 issues, the first 100 listed)'
 */
export function leftOut(listed: number, total: number): string {
  return total > listed ? ` (${total} issues, the first ${listed} listed)` : '';
}

/**
 * A `SkyportError` with code `VALIDATION` listing the failing paths (rendered as 422 for http);
 * `total` is how many issues there were when `issues` holds only the first ones.
 *
 * @example
 * throw validationError([{ path: 'body.qty', message: 'must be positive' }]);
 */
export function validationError(issues: readonly ValidationIssue[], total = issues.length): SkyportError {
  const parts = [...new Set(issues.map((issue) => issue.path.split('.')[0]))].join(', ');
  const message = `invalid ${parts}${leftOut(issues.length, total)}`;
  // Stack traces of bad-input errors say nothing useful and cost more than the validation.
  const errorCount = total > issues.length ? total : undefined;
  return quietly(() => new SkyportError('VALIDATION', message, { errors: issues, errorCount }));
}

/** The issue of a value a schema could not validate for its depth. */
const TOO_DEEP: StandardSchemaV1.FailureResult = { issues: [{ message: 'is nested too deeply to validate' }] };

function overflowed(error: unknown): StandardSchemaV1.FailureResult {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return TOO_DEEP;
  throw error;
}

/** Whether a validator's answer is a Standard Schema result: a `value` (which may be `undefined`) or `issues`. */
function isResult(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    ('value' in result || Array.isArray((result as { issues?: unknown }).issues))
  );
}

/** `result` when it is a Standard Schema result; otherwise the schema is broken, and nothing passes it. */
function asResult<T>(result: unknown): StandardSchemaV1.Result<T> {
  if (isResult(result)) return result as StandardSchemaV1.Result<T>;
  throw notAResult(result);
}

function notAResult(result: unknown): SkyportError {
  const got = result === null ? 'null' : typeof result === 'object' ? 'an object' : typeof result;
  return new SkyportError(
    'INVALID_DEFINITION',
    `a schema's ~standard.validate answered ${got} without issues or a value, not a Standard Schema result`,
  );
}

/**
 * The answer of a validator that is neither a native promise nor a result: a promise of another
 * realm or library is awaited like a promise; anything else is an error (read as a success, it
 * would let any input through with an `undefined` value).
 */
function unusual<T>(result: unknown): Promise<StandardSchemaV1.Result<T>> {
  if (typeof (result as { then?: unknown } | null | undefined)?.then !== 'function') throw notAResult(result);
  return Promise.resolve(result as PromiseLike<unknown>).then(asResult<T>, overflowed);
}

/**
 * Runs a Standard Schema validator. A recursive schema (`z.lazy`) walking a deeply nested value
 * can exhaust the stack; that is bad input, so it comes back as a failed validation, not as an
 * error (a 500). Any other error a validator throws is thrown on, and so is an answer that is not
 * a Standard Schema result. An answer that is a promise of another realm or library (a thenable)
 * comes back as a native promise.
 *
 * @example
 * const result = checkSchema(Order['~standard'], body);
 */
export function checkSchema<T>(
  props: StandardSchemaV1.Props<unknown, T>,
  value: unknown,
): StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>> {
  let result: StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>;
  try {
    result = props.validate(value);
  } catch (error) {
    return overflowed(error);
  }
  if (result instanceof Promise) return result.then(asResult<T>, overflowed);
  return isResult(result) ? result : unusual(result);
}

/**
 * Validates `value` against `schema`; returns the typed output or throws a `SkyportError` with
 * code `VALIDATION` listing the failing paths (the first `MAX_ISSUES`). Synchronous when the
 * schema is.
 *
 * @example
 * const order = await validate(Order, JSON.parse(text), 'body');
 */
export function validate<T>(schema: StandardSchemaV1<unknown, T>, value: unknown, location: string): T | Promise<T> {
  const result = checkSchema(schema['~standard'], value);
  if (result instanceof Promise) {
    return result.then((settled) => {
      if (settled.issues) throw failed(location, settled.issues);
      return settled.value;
    });
  }
  if (result.issues) throw failed(location, result.issues);
  return result.value;
}

function failed(location: string, issues: ReadonlyArray<StandardSchemaV1.Issue>): SkyportError {
  return validationError(toIssues(location, issues), issues.length);
}
