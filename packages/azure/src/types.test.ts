import type { app, HttpRequest, InvocationContext } from '@azure/functions';
import { http, queue, schedule } from '@skyport/core';
import { describe, expectTypeOf, it } from 'vitest';
import { toAzure } from './handler.js';
import type { register } from './register.js';
import type { AzureApp, AzureEventHandler, AzureHttpHandler, AzureHttpResponse } from './types.js';

const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
const orders = queue({ name: 'orders' }).handle(() => undefined);

describe('types', () => {
  it('gives http functions an app.http handler and others an event handler', () => {
    expectTypeOf(toAzure(hello)).toEqualTypeOf<AzureHttpHandler>();
    expectTypeOf(toAzure(orders)).toEqualTypeOf<AzureEventHandler>();
    expectTypeOf(toAzure(hello)).parameters.toEqualTypeOf<[HttpRequest, InvocationContext]>();
    expectTypeOf(toAzure(hello)).returns.resolves.toEqualTypeOf<AzureHttpResponse>();
  });

  it('accepts the real app namespace and functions of mixed kinds', () => {
    expectTypeOf<typeof app>().toMatchTypeOf<AzureApp>();
    const fns = { hello, orders, nightly: schedule({ cron: '0 3 * * *' }).handle(() => undefined) };
    expectTypeOf(fns).toMatchTypeOf<Parameters<typeof register>[1]>();
    // @ts-expect-error: an object without the app.* methods is not an app
    const wrong: AzureApp = { http: () => undefined };
    expectTypeOf(wrong).not.toBeNever();
  });
});
