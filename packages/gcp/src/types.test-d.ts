/** Type-level tests: the real Functions Framework accepts what `toGcp()` returns, and misuse does not compile. */
import * as functions from '@google-cloud/functions-framework';
import { http, queue, schedule } from '@skyport/core';
import { expectTypeOf } from 'vitest';
import { register, toGcp } from './index.js';
import type { GcpCloudEventHandler, GcpHttpHandler, Registration } from './types.js';

const api = http().handle(() => 'ok');
const orders = queue({ name: 'orders' }).handle(() => undefined);
const nightly = schedule({ cron: '0 3 * * *' }).handle(() => undefined);

expectTypeOf(toGcp(api)).toEqualTypeOf<GcpHttpHandler>();
expectTypeOf(toGcp(orders, { signature: 'http' })).toEqualTypeOf<GcpHttpHandler>();
expectTypeOf(toGcp(orders, { signature: 'cloudevent' })).toEqualTypeOf<GcpCloudEventHandler>();
expectTypeOf(toGcp(nightly)).toEqualTypeOf<GcpHttpHandler | GcpCloudEventHandler>();
expectTypeOf(register({ api, orders, nightly }, { functions })).toEqualTypeOf<Registration[]>();

functions.http('api', toGcp(api));
functions.http('ordersPush', toGcp(orders, { signature: 'http' }));
functions.cloudEvent('orders', toGcp(orders, { signature: 'cloudevent' }));

// @ts-expect-error an http function has no cloudevent signature
toGcp(api, { signature: 'cloudevent' });
