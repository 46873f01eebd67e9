/**
 * Runs Standard Schema validators and turns their issues into Skyport validation errors whose
 * paths name the part of the event (`body.items.0.qty`, `query.page`).
 */
import { SkyportError, type ValidationIssue } from './errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';

function pathOf(location: string, issue: StandardSchemaV1.Issue): string {
  let path = location;
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    path += `.${String(key)}`;
  }
  return path;
}

function fail(location: string, issues: ReadonlyArray<StandardSchemaV1.Issue>): never {
  const errors: ValidationIssue[] = issues.map((issue) => ({ path: pathOf(location, issue), message: issue.message }));
  throw new SkyportError('VALIDATION', `invalid ${location}`, { errors });
}

/**
 * Validates `value` against `schema`; returns the typed output or throws a `SkyportError` with
 * code `VALIDATION` listing every failing path. Synchronous when the schema is.
 *
 * @example
 * const order = await validate(Order, JSON.parse(text), 'body');
 */
export function validate<T>(schema: StandardSchemaV1<unknown, T>, value: unknown, location: string): T | Promise<T> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    return result.then((settled) => (settled.issues ? fail(location, settled.issues) : settled.value));
  }
  if (result.issues) fail(location, result.issues);
  return result.value;
}
