/** Type-level tests: what `serve()` takes. */
import { http, queue, type SkyportFunction } from '@skyport/core';
import { expectTypeOf } from 'vitest';
import { isSkyportFunction, serve } from './index.js';

declare const loaded: unknown;
// A value a module exported, once the guard has told a Skyport function: `serve()` takes it alone
// and in a record.
if (isSkyportFunction(loaded)) {
  void serve(loaded);
  void serve({ fn: loaded });
}
const api = http({ method: 'GET', path: '/' }).handle(() => 'ok');
const work = queue({ name: 'work' }).handle(() => undefined);
const all: SkyportFunction[] = [api, work];
expectTypeOf(serve).toBeCallableWith({ api, work });
expectTypeOf(all).items.toMatchTypeOf<SkyportFunction>();
// @ts-expect-error: a value that is not a Skyport function
void serve({ fn: { kind: 'http' } });
