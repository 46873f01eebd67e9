/**
 * `register()`: registers portable functions with the Functions Framework under their names, so
 * `functions-framework --target=<name>` (and Cloud Run functions) serve them. The framework is
 * loaded on the first call, not at import time, and can be injected.
 */
// Not bound as `createRequire`: an ESM bundle's `--banner:js` often declares that name (and
// `require`) at the top of the file, and a second declaration would stop the bundle from loading.
import { createRequire as requireFrom } from 'node:module';
import { checkOptions, SkyportError, shownValue } from '@skyport/core';
import { settingsOf } from './context.js';
import { toGcp } from './handler.js';
import type { AnySkyportFunction, FunctionsFramework, RegisterOptions, Registration } from './types.js';

const validName = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/** The names `register()` takes, each a key of `RegisterOptions`. */
const registerOptionNames = [
  'signature',
  'timeoutSeconds',
  'functions',
] as const satisfies readonly (keyof RegisterOptions)[];

/**
 * Refuses an unknown option name (`timeout`, `signatures`) and a value of the wrong type when the
 * functions are registered: a signature or timeout that is not read would leave the default one
 * in place without a word.
 */
function checkRegisterOptions(options: unknown): void {
  checkOptions('gcp: register()', options, registerOptionNames, { adapter: 'gcp' });
  const { signature, timeoutSeconds, functions } = (options ?? {}) as Record<string, unknown>;
  const refuse = (problem: string) =>
    new SkyportError('INVALID_DEFINITION', `gcp: register() ${problem}`, { adapter: 'gcp' });
  if (signature !== undefined && signature !== 'http' && signature !== 'cloudevent') {
    throw refuse(`signature must be "http" or "cloudevent", got ${shownValue(signature)}`);
  }
  if (
    timeoutSeconds !== undefined &&
    !(typeof timeoutSeconds === 'number' && Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)
  ) {
    throw refuse(`timeoutSeconds must be a positive number of seconds, got ${shownValue(timeoutSeconds)}`);
  }
  if (functions !== undefined) {
    const framework = functions as Partial<Record<string, unknown>> | null;
    if (typeof framework?.http !== 'function' || typeof framework.cloudEvent !== 'function') {
      throw refuse(
        `functions must be the Functions Framework module (with http() and cloudEvent()), got ${shownValue(functions)}`,
      );
    }
  }
}

const FRAMEWORK = '@google-cloud/functions-framework';

/**
 * The `require` that loads the Functions Framework installed next to the code: one made from
 * the module's URL (`import.meta.url`); in a CommonJS bundle, where esbuild leaves `import.meta`
 * empty, the bundle's own `require` (`given`); else one resolving from the working directory,
 * where `functions-framework` runs.
 *
 * @example
 * const load = frameworkRequire(import.meta.url, typeof require === 'function' ? require : undefined);
 * const functions = load('@google-cloud/functions-framework');
 */
export function frameworkRequire(url: string | undefined, given: NodeJS.Require | undefined): NodeJS.Require {
  if (typeof url === 'string' && url !== '') return requireFrom(url);
  return given ?? requireFrom(`${process.cwd()}/`);
}

/** The first line of what went wrong (a missing module's message goes on with its require stack). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

function loadFunctionsFramework(): FunctionsFramework {
  try {
    const given = typeof require === 'function' ? require : undefined;
    return frameworkRequire(import.meta.url, given)(FRAMEWORK) as FunctionsFramework;
  } catch (error) {
    const reason = reasonOf(error);
    const code = (error as { code?: unknown } | null)?.code;
    const missing = code === 'MODULE_NOT_FOUND' && reason.includes(`'${FRAMEWORK}'`);
    throw new SkyportError(
      'INVALID_DEFINITION',
      missing
        ? `gcp: register() needs ${FRAMEWORK} (npm install ${FRAMEWORK}): ${reason}`
        : `gcp: register() could not load ${FRAMEWORK}: ${reason}`,
      { adapter: 'gcp', cause: error },
    );
  }
}

/**
 * Registers each function with `functions.http` or `functions.cloudEvent` under its key and
 * returns what was registered. http functions always use `functions.http`; other kinds use
 * `functions.cloudEvent` unless their signature is `http` (the default for `schedule`, whose
 * Cloud Scheduler HTTP targets carry the job in headers, and for `events`, whose CloudEvents
 * may carry data of any content type), set by `options.signature` or the function's own
 * `gcp: { signature }`. The options are checked first: an unknown name or a value of the wrong
 * type throws `SkyportError('INVALID_DEFINITION')`, and nothing is registered.
 *
 * @example
 * import { register } from '@skyport/gcp';
 * import { api, fulfilOrder, nightlyReport } from './functions.js';
 * register({ api, fulfilOrder, nightlyReport }, { timeoutSeconds: 60 });
 * // functions-framework --target=api
 */
export function register(
  functions: Readonly<Record<string, AnySkyportFunction>>,
  options: RegisterOptions = {},
): Registration[] {
  checkRegisterOptions(options);
  const entries = Object.entries(functions);
  for (const [name, fn] of entries) {
    if (!validName.test(name)) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `gcp: "${name}" is not a valid function name (a letter, then up to 62 letters, digits, - or _, ending with a letter or digit)`,
        { adapter: 'gcp' },
      );
    }
    if (typeof fn !== 'object' || fn === null || typeof fn.dispatch !== 'function') {
      throw new SkyportError('INVALID_DEFINITION', `gcp: "${name}" is not a portable function`, { adapter: 'gcp' });
    }
  }
  // Each function's own gcp settings are read (and checked) before anything is registered.
  const signatures = entries.map(([name, fn]) => settingsOf(fn, { ...options, name }).signature);
  const framework = options.functions ?? loadFunctionsFramework();
  const registrations: Registration[] = [];
  for (const [i, [name, fn]] of entries.entries()) {
    const signature = signatures[i] as (typeof signatures)[number];
    if (signature === 'http') framework.http(name, toGcp(fn, { ...options, name, signature }));
    else if (fn.kind !== 'http') framework.cloudEvent(name, toGcp(fn, { ...options, name, signature }));
    registrations.push({ name, kind: fn.kind, signature });
  }
  return registrations;
}
