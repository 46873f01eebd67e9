/** Type-level tests: `toGcp()` takes a function of any kind, and a function of one kind only the options of its kind. */
import { type AnyFunction, http, queue, type SkyportFunction } from '@skyport/core';
import { jwtAuth } from '@skyport/core/auth';
import { expectTypeOf } from 'vitest';
import { type AnySkyportFunction, type GcpCloudEventHandler, type GcpHttpHandler, toGcp } from './index.js';

const api = http()
  .use(jwtAuth({ secret: 'a-secret-of-at-least-32-characters!' }))
  .handle((_req, ctx) => ctx.auth.subject);
const orders = queue({ name: 'orders' }).handle(() => undefined);
declare const any: SkyportFunction;
declare const union: AnyFunction;
declare const gcpUnion: AnySkyportFunction;
declare const record: Record<string, SkyportFunction>;

// A function of any kind gets either handler.
expectTypeOf(toGcp(any)).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
expectTypeOf(toGcp(union)).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
expectTypeOf(toGcp(gcpUnion, { name: 'f', timeoutSeconds: 60 })).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
expectTypeOf(toGcp(union, { signature: 'cloudevent' })).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
expectTypeOf(toGcp(union, { signature: 'http' })).toEqualTypeOf<GcpHttpHandler>();
for (const [name, fn] of Object.entries(record)) {
  expectTypeOf(toGcp(fn, { name })).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
}

// A function of one kind keeps its own overload.
expectTypeOf(toGcp(api)).toEqualTypeOf<GcpHttpHandler>();
expectTypeOf(toGcp(orders, { signature: 'cloudevent' })).toEqualTypeOf<GcpCloudEventHandler>();
// @ts-expect-error: an http function has no cloudevent signature
toGcp(api, { signature: 'cloudevent' });
// @ts-expect-error: nor does one whose context middleware grew
toGcp(api.use(jwtAuth({ secret: 'a-secret-of-at-least-32-characters!' })), { signature: 'cloudevent' });
