/**
 * `register()`: registers portable functions with the Functions Framework under their names, so
 * `functions-framework --target=<name>` (and Cloud Run functions) serve them. The framework is
 * loaded on the first call, not at import time, and can be injected.
 */
// Not bound as `createRequire`: an ESM bundle's `--banner:js` often declares that name (and
// `require`) at the top of the file, and a second declaration would stop the bundle from loading.
import { createRequire as requireFrom } from 'node:module';
import { sep } from 'node:path';
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
    if (!isFramework(functions)) {
      throw refuse(
        `functions must be the Functions Framework module (with http() and cloudEvent()), got ${shownValue(functions)}`,
      );
    }
  }
}

const FRAMEWORK = '@google-cloud/functions-framework';

/** The framework's name as the import line writes it. */
const QUOTED = `'${FRAMEWORK}'`;

/**
 * What to do when the framework cannot be loaded from here: hand `register()` the module. The name
 * is put in apart from `from`, so the bundle holds no text that reads as an import of the framework.
 */
const PASS_IT_IN = `pass it in: import * as functions from ${QUOTED}; register(fns, { functions })`;

/** Makes a `require` that resolves from a file path or URL, or gives nothing when none can be made. */
export type MakeRequire = (from: string) => NodeJS.Require | undefined;

/**
 * `createRequire`, checked: the one imported from `node:module` (`imported`), else Node's own,
 * from `process.getBuiltinModule()`. Webpack handles `createRequire` itself and replaces a call
 * whose argument is not a literal with `undefined` (and the import with nothing), so what the
 * import gives is used only when it makes a function.
 *
 * @example
 * const make = requireMaker(createRequire);
 * const load = make(`${process.cwd()}/`); // a require, or undefined when none can be made
 */
export function requireMaker(imported: unknown): MakeRequire {
  const builtin = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:module') : undefined;
  const makers = [imported, builtin?.createRequire].filter((make) => typeof make === 'function');
  return (from) => {
    for (const make of makers as ((from: string) => unknown)[]) {
      try {
        const made = make(from);
        if (typeof made === 'function') return made as NodeJS.Require;
      } catch {
        // A path createRequire refuses (not absolute): try the next maker, then the next place.
      }
    }
    return undefined;
  };
}

/** Where `register()` looks for the Functions Framework. */
export interface FrameworkPlaces {
  /** The module's URL (`import.meta.url`): empty in esbuild's CommonJS output, the build machine's file in webpack's. */
  readonly url: string | undefined;
  /** The bundle's own `require`, where it has one (webpack's stands for no module at all). */
  readonly given: NodeJS.Require | undefined;
  /** The file the process started from: the `functions-framework` binary when it serves the code. */
  readonly main: string | undefined;
  /** The working directory, where `functions-framework` usually runs. */
  readonly cwd: string;
  /** `createRequire` as the build left it (see `requireMaker()`). */
  readonly createRequire: unknown;
}

/** Whether `load` finds the framework package that `file` belongs to: the binary that runs this process. */
function isFrameworkFile(load: NodeJS.Require, file: string): boolean {
  try {
    const entry = load.resolve(FRAMEWORK);
    const folder = `${sep}${FRAMEWORK.replace('/', sep)}${sep}`;
    const at = entry.lastIndexOf(folder);
    return at >= 0 && file.startsWith(entry.slice(0, at + folder.length));
  } catch {
    return false;
  }
}

/**
 * The `require`s that may load the Functions Framework, in the order they are tried: the copy of
 * the `functions-framework` binary that runs this process (its registrations are the ones it
 * serves); the one next to the module (`url`); the bundle's own `require` (`given`); one next to
 * the file the process started from (`main`); one from the working directory. A place where no
 * `require` can be made is left out.
 *
 * @example
 * const requires = frameworkRequires({ url: import.meta.url, given: undefined, main: process.argv[1], cwd: process.cwd(), createRequire });
 */
export function frameworkRequires(places: FrameworkPlaces): NodeJS.Require[] {
  const make = requireMaker(places.createRequire);
  const fromMain = places.main ? make(places.main) : undefined;
  const serving = fromMain && places.main && isFrameworkFile(fromMain, places.main) ? fromMain : undefined;
  const found = [serving, places.url ? make(places.url) : undefined, places.given, fromMain, make(`${places.cwd}/`)];
  return found.filter((load): load is NodeJS.Require => typeof load === 'function');
}

/** The first line of what went wrong (a missing module's message goes on with its require stack). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

/** Whether `error` says the framework package itself was not found (not a module it needs). */
function isFrameworkMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' && reasonOf(error).includes(`'${FRAMEWORK}'`);
}

/** Whether `value` has what `register()` calls: `http()` and `cloudEvent()`. */
function isFramework(value: unknown): value is FunctionsFramework {
  const framework = value as Partial<Record<string, unknown>> | null | undefined;
  return typeof framework?.http === 'function' && typeof framework.cloudEvent === 'function';
}

/**
 * Loads the Functions Framework with the first of `frameworkRequires(places)` that finds it. A
 * place where it is not installed passes to the next; a framework that is found but fails to load
 * throws at once. Throws `SkyportError('INVALID_DEFINITION')` saying what to do: install it, or
 * pass it to `register()` when this build cannot load it.
 *
 * @example
 * const functions = loadFramework({ url: import.meta.url, given: undefined, main: process.argv[1], cwd: process.cwd(), createRequire });
 */
export function loadFramework(places: FrameworkPlaces): FunctionsFramework {
  let missing: unknown;
  let other = false;
  for (const load of frameworkRequires(places)) {
    let framework: unknown;
    try {
      framework = load(FRAMEWORK);
    } catch (error) {
      if (isFrameworkMissing(error)) {
        missing ??= error;
        continue;
      }
      throw new SkyportError('INVALID_DEFINITION', `gcp: register() could not load ${FRAMEWORK}: ${reasonOf(error)}`, {
        adapter: 'gcp',
        cause: error,
      });
    }
    if (isFramework(framework)) return framework;
    other = true;
  }
  let problem = `could not load ${FRAMEWORK}: this build gives no working require() (a bundler replaced createRequire()); ${PASS_IT_IN}`;
  if (other)
    problem = `could not load ${FRAMEWORK}: require() gave a module without http() and cloudEvent(); ${PASS_IT_IN}`;
  else if (missing !== undefined) {
    problem = `needs ${FRAMEWORK} (npm install ${FRAMEWORK}): ${reasonOf(missing)}; if it is installed, ${PASS_IT_IN}`;
  }
  throw new SkyportError('INVALID_DEFINITION', `gcp: register() ${problem}`, {
    adapter: 'gcp',
    ...(missing === undefined ? {} : { cause: missing }),
  });
}

function loadFunctionsFramework(): FunctionsFramework {
  const make = requireMaker(requireFrom);
  const cwd = process.cwd();
  return loadFramework({
    url: import.meta.url,
    given: typeof require === 'function' ? require : undefined,
    // require.main is the CommonJS file the process started from (the functions-framework binary).
    main: make(`${cwd}/`)?.main?.filename ?? process.argv[1],
    cwd,
    createRequire: requireFrom,
  });
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
