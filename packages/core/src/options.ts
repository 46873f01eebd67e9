/**
 * Checking the options object a factory is given (`http()`, `cors()`, `jwtAuth()`, an adapter's
 * `toLambda()`): from plain JavaScript or configuration, a misspelt name (`audiance`) would be
 * dropped without a word and change what the function does, so it is refused when the function
 * is defined, naming the option meant.
 */
import { SkyportError } from './errors.js';

/** What `checkOptions()` adds to the error it throws, and how it shows an unknown name. */
export interface CheckOptionsContext {
  /** The function kind involved, set on the error as `kind`. */
  readonly kind?: string | undefined;
  /** The adapter involved (`aws`, `azure`, `gcp`, `node`), set on the error as `adapter`. */
  readonly adapter?: string | undefined;
  /**
   * The names may be secrets (an API key written where `keys: { [key]: subject }` was meant):
   * an unknown name is shown only when it is one edit or two from a known one.
   */
  readonly secretNames?: boolean | undefined;
}

/** The edit distance of two short names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known name a misspelt one most likely meant: one equal but for case, else the closest within two edits. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(candidate, word);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * A value as a refusal of an option shows it: a string quoted, a number or boolean as written,
 * anything else by its type (`an array`, `null`, `object`), so a message never prints an object
 * that may hold a secret.
 *
 * @example
 * shownValue('60'); // '"60"'   shownValue(['a']); // 'an array'
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/** What a value that is no options object is, never the value itself (it may be a secret). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return `a${/^[aeiou]/.test(type) ? 'n' : ''} ${type}`;
}

/**
 * Refuses an options object with a name the factory does not take, or a value that is no
 * options object at all, with `SkyportError('INVALID_DEFINITION')`: call it first thing in a
 * factory, then check each option's value. The message starts with `where`, names the unknown
 * option and the one it most likely meant (equal but for case, or within two edits), or lists
 * the known ones:
 * `jwtAuth(): unknown option "audiance" (did you mean "audience"?)`.
 *
 * `options` left out (`undefined`) passes: there is nothing to check. `null`, an array, a
 * function, a string or another primitive is refused (`cors(): options must be an object, got a
 * string`), naming only its type. Only the object's own enumerable string keys are read;
 * an option set to `undefined` is still a name, and refused when it is unknown.
 *
 * @param where - how the message names the factory: `'http()'`, `'toLambda()'`, `'cloudPrincipal() iap'`.
 * @param options - what the factory was given.
 * @param known - every option name the factory takes.
 * @param context - the `kind` and `adapter` to set on the error, and whether names may be secrets.
 * @throws SkyportError `INVALID_DEFINITION` for an unknown name or a value that is no options object.
 *
 * @example
 * export function toQueueWorker(fn: SkyportFunction<'queue'>, options?: WorkerOptions) {
 *   checkOptions('toQueueWorker()', options, ['batchSize', 'visibilityTimeoutMs'], { adapter: 'node' });
 *   // ... then check each option's value
 * }
 * toQueueWorker(fn, { batchsize: 10 });
 * // SkyportError INVALID_DEFINITION: toQueueWorker(): unknown option "batchsize" (did you mean "batchSize"?)
 */
export function checkOptions(
  where: string,
  options: unknown,
  known: readonly string[],
  context: CheckOptionsContext = {},
): void {
  if (options === undefined) return;
  const errorOptions = { kind: context.kind, adapter: context.adapter };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `${where}: options must be an object, got ${kindOf(options)}`,
      errorOptions,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    const list = known.length === 0 ? 'it takes no options' : `known options: ${known.join(', ')}`;
    const name =
      context.secretNames && near === undefined
        ? 'whose name is not shown, as it may be a secret'
        : JSON.stringify(key);
    throw new SkyportError(
      'INVALID_DEFINITION',
      `${where}: unknown option ${name} (${near === undefined ? list : `did you mean "${near}"?`})`,
      errorOptions,
    );
  }
}
