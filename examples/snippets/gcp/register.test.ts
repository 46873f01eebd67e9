/**
 * docs/gcp.md, "The entry point", "Signatures" and "Running and deploying": what `register()`
 * registers and returns, the name rule, the default signature of each kind and how to change it,
 * and the scripts of the orders example's GCP package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  changes,
  events,
  http,
  type Kind,
  queue,
  router,
  type SkyportFunction,
  schedule,
  storage,
  stream,
} from '@skyport/core';
import { type FunctionsFramework, type GcpSignature, register } from '@skyport/gcp';
import { describe, expect, it } from 'vitest';

/** A Functions Framework that records what was registered, and with which registration function. */
function framework() {
  const registered: [string, GcpSignature][] = [];
  const functions: FunctionsFramework = {
    http: (name) => registered.push([name, 'http']),
    cloudEvent: (name) => registered.push([name, 'cloudevent']),
  };
  return { functions, registered };
}

const nothing = () => undefined;
const define = (kind: Kind, gcp?: { signature: GcpSignature }): SkyportFunction<Kind> => {
  const options = gcp === undefined ? {} : { gcp };
  const made = {
    http: () => http({ path: '/', ...options }).handle(() => 'ok'),
    queue: () => queue({ name: 'q', ...options }).handle(nothing),
    stream: () => stream({ name: 's', ...options }).handle(nothing),
    storage: () => storage({ bucket: 'b', ...options }).handle(nothing),
    changes: () => changes({ collection: 'c', ...options }).handle(nothing),
    events: () => events(options).handle(nothing),
    schedule: () => schedule({ cron: '0 3 * * *', ...options }).handle(nothing),
  } as Record<Kind, () => SkyportFunction<Kind>>;
  return made[kind]();
};

const kinds: Kind[] = ['http', 'queue', 'stream', 'storage', 'changes', 'events', 'schedule'];
type AnyFunctions = Parameters<typeof register>[0];
const all = (gcp?: { signature: GcpSignature }) =>
  Object.fromEntries(kinds.map((kind) => [kind, define(kind, gcp)])) as unknown as AnyFunctions;

describe('register()', () => {
  it('registers each function under its key and returns [{ name, kind, signature }]', () => {
    const { functions, registered } = framework();
    const api = router(http({ method: 'GET', path: '/a' }).handle(() => 'a'));
    const out = register({ api, ...all() }, { functions });
    expect(out).toEqual([
      { name: 'api', kind: 'http', signature: 'http' },
      { name: 'http', kind: 'http', signature: 'http' },
      { name: 'queue', kind: 'queue', signature: 'cloudevent' },
      { name: 'stream', kind: 'stream', signature: 'cloudevent' },
      { name: 'storage', kind: 'storage', signature: 'cloudevent' },
      { name: 'changes', kind: 'changes', signature: 'cloudevent' },
      { name: 'events', kind: 'events', signature: 'http' },
      { name: 'schedule', kind: 'schedule', signature: 'http' },
    ]);
    expect(registered).toEqual(out.map(({ name, signature }) => [name, signature]));
  });

  it('register(fns, { signature: "http" }) picks the signature of every event function', () => {
    const { functions, registered } = framework();
    register(all(), { functions, signature: 'http' });
    expect(registered.every(([, signature]) => signature === 'http')).toBe(true);
  });

  it("the function's own gcp.signature wins over register()'s", () => {
    const { functions } = framework();
    const out = register(
      {
        pushed: define('queue', { signature: 'http' }),
        published: define('queue', { signature: 'cloudevent' }),
        ticked: define('schedule', { signature: 'cloudevent' }),
        forced: define('events', { signature: 'cloudevent' }),
      } as unknown as AnyFunctions,
      { functions, signature: 'http' },
    );
    expect(out.map((r) => r.signature)).toEqual(['http', 'cloudevent', 'cloudevent', 'cloudevent']);
  });

  it('an http function stays on the http signature', () => {
    const { functions } = framework();
    const out = register({ api: define('http') } as unknown as AnyFunctions, { functions, signature: 'cloudevent' });
    expect(out).toEqual([{ name: 'api', kind: 'http', signature: 'http' }]);
  });

  const max = `a${'b'.repeat(61)}9`;
  it.each([
    ['api', true],
    ['fulfil-order_2', true],
    ['A', true],
    [max, true], // 63 characters
    [`${max}0`, false], // 64
    ['1api', false],
    ['_api', false],
    ['api-', false],
    ['api_', false],
    ['api.v1', false],
    ['', false],
  ])('checks the name %j (valid: %s)', (name, valid) => {
    const { functions, registered } = framework();
    const fns = { first: define('queue'), [name]: define('queue') } as unknown as AnyFunctions;
    if (valid) {
      expect(register(fns, { functions }).map((r) => r.name)).toContain(name);
      return;
    }
    expect(() => register(fns, { functions })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(registered).toEqual([]);
  });

  it('checks every function before it registers any', () => {
    const { functions, registered } = framework();
    const fns = { good: define('queue'), bad: { kind: 'queue' } } as unknown as AnyFunctions;
    expect(() => register(fns, { functions })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(registered).toEqual([]);
  });
});

describe('the orders example GCP package', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../orders/gcp/package.json'), 'utf8')) as {
    main: string;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };

  it('has what gcloud functions deploy and Cloud Run expect', () => {
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.scripts.start).toBe('functions-framework --target=api');
    expect(pkg.scripts.build).toContain('--external:@google-cloud/functions-framework');
    expect(pkg.scripts.build).toContain(
      '--banner:js="import * as __skyportNodeModule from \'node:module\'; const require = __skyportNodeModule.createRequire(import.meta.url);"',
    );
    expect(pkg.scripts.build).toContain('--outfile=dist/index.js');
    expect(pkg.scripts['gcp-build']).toBe('');
    expect(Object.keys(pkg.dependencies)).toContain('@google-cloud/functions-framework');
  });
});
