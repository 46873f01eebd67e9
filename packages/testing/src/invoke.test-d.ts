/** Type-level tests: `invoke()` takes a function of any kind, and a function of one kind only its own input. */
import { type AnyFunction, http, queue, type SkyportFunction } from '@skyport/core';
import { jwtAuth } from '@skyport/core/auth';
import { expectTypeOf } from 'vitest';
import { httpRequest, message } from './factories.js';
import { type InvokeBatchResult, type InvokeHttpResult, invoke } from './index.js';

const api = http({ method: 'GET', path: '/' }).handle(() => 'hi');
const authed = http()
  .use(jwtAuth({ secret: 'a-secret-of-at-least-32-characters!' }))
  .handle((_req, ctx) => ctx.auth.subject);
const orders = queue({ name: 'orders' }).handle(() => undefined);
declare const any: SkyportFunction;
declare const union: AnyFunction;
declare const events: AnyFunction<'queue' | 'stream'>;
declare const record: Record<string, SkyportFunction>;

// A function of any kind takes the input of any kind and resolves to either result.
expectTypeOf(invoke(any, httpRequest())).toEqualTypeOf<Promise<InvokeHttpResult | InvokeBatchResult>>();
expectTypeOf(invoke(any, message())).toEqualTypeOf<Promise<InvokeHttpResult | InvokeBatchResult>>();
expectTypeOf(invoke(union, [message(), message()])).toEqualTypeOf<Promise<InvokeHttpResult | InvokeBatchResult>>();
expectTypeOf(invoke(union, { method: 'GET', path: '/' }, { requestId: 'r' })).toEqualTypeOf<
  Promise<InvokeHttpResult | InvokeBatchResult>
>();
expectTypeOf(invoke(events, message())).toEqualTypeOf<Promise<InvokeBatchResult>>();
for (const fn of Object.values(record)) {
  expectTypeOf(invoke(fn, message())).toEqualTypeOf<Promise<InvokeHttpResult | InvokeBatchResult>>();
}

// A function of one kind keeps its own overload.
expectTypeOf(invoke(api, httpRequest())).toEqualTypeOf<Promise<InvokeHttpResult>>();
expectTypeOf(invoke(authed, httpRequest())).toEqualTypeOf<Promise<InvokeHttpResult>>();
expectTypeOf(invoke(orders, [message()])).toEqualTypeOf<Promise<InvokeBatchResult>>();
// @ts-expect-error: an http function takes a request, not a message
invoke(api, message());
// @ts-expect-error: a queue function takes messages, not a request
invoke(orders, httpRequest());
// @ts-expect-error: not even an event of any kind
invoke(any, 42);
