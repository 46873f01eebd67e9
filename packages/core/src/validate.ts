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
 * The issues of a failed validation, with paths prefixed by `location`.
 *
 * @example
 * toIssues('query', result.issues); // [{ path: 'query.page', message: 'Expected number' }]
 */
export function toIssues(location: string, issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.map((issue) => ({ path: pathOf(location, issue), message: issue.message }));
}

/**
 * A `SkyportError` with code `VALIDATION` listing every failing path (rendered as 422 for http).
 *
 * @example
 * throw validationError([{ path: 'body.qty', message: 'must be positive' }]);
 */
export function validationError(issues: readonly ValidationIssue[]): SkyportError {
  const parts = [...new Set(issues.map((issue) => issue.path.split('.')[0]))].join(', ');
  // Stack traces of bad-input errors say nothing useful and cost more than the validation.
  return quietly(() => new SkyportError('VALIDATION', `invalid ${parts}`, { errors: issues }));
}

/** The issue of a value a schema could not validate for its depth. */
const TOO_DEEP: StandardSchemaV1.FailureResult = { issues: [{ message: 'is nested too deeply to validate' }] };

function overflowed(error: unknown): StandardSchemaV1.FailureResult {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return TOO_DEEP;
  throw error;
}

/**
 * Runs a Standard Schema validator. A recursive schema (`z.lazy`) walking a deeply nested value
 * can exhaust the stack; that is bad input, so it comes back as a failed validation, not as an
 * error (a 500). Any other error a validator throws is thrown on.
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
  return result instanceof Promise ? result.catch(overflowed) : result;
}

/**
 * Validates `value` against `schema`; returns the typed output or throws a `SkyportError` with
 * code `VALIDATION` listing every failing path. Synchronous when the schema is.
 *
 * @example
 * const order = await validate(Order, JSON.parse(text), 'body');
 */
export function validate<T>(schema: StandardSchemaV1<unknown, T>, value: unknown, location: string): T | Promise<T> {
  const result = checkSchema(schema['~standard'], value);
  if (result instanceof Promise) {
    return result.then((settled) => {
      if (settled.issues) throw validationError(toIssues(location, settled.issues));
      return settled.value;
    });
  }
  if (result.issues) throw validationError(toIssues(location, result.issues));
  return result.value;
}
