import { HttpRequest } from '@azure/functions';
import { http, queue, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { invocation } from '../test/helpers.js';
import { toAzure } from './handler.js';
import type { ToAzureOptions } from './types.js';

describe('toAzure: its options are checked when the handler is made', () => {
  const hello = http({ method: 'GET', path: '/hello' }).handle((req) => ({ path: req.path }));
  const orders = queue({ name: 'orders' }).handle(() => undefined);

  it('takes every ToAzureOptions name, and the route prefix given is the one removed from the path', async () => {
    // Prepare
    const options: Required<ToAzureOptions> = {
      functionTimeout: '00:05:00',
      routePrefix: 'v1',
      signalMarginMs: 0,
      azure: { route: 'hello' },
    };
    const handler = toAzure(hello, options);
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost:7071/v1/hello' });

    // Act
    const response = await handler(
      request,
      invocation({ options: { trigger: { type: 'httpTrigger', name: 'request', route: 'hello' } } }).context,
    );

    // Assert
    expect(response.status).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ path: '/hello' });
    expect(() => toAzure(orders, { functionTimeout: 60_000, routePrefix: '', signalMarginMs: 250 })).not.toThrow();
  });

  it.each([
    [{ routeprefix: '' }, 'azure: toAzure(): unknown option "routeprefix" (did you mean "routePrefix"?)'],
    [{ signalMargin: 100 }, 'azure: toAzure(): unknown option "signalMargin" (did you mean "signalMarginMs"?)'],
    [{ timeout: 1000 }, 'azure: toAzure(): unknown option "timeout" (known options: '],
    [{ functions: {} }, 'azure: toAzure(): unknown option "functions"'],
    [null, 'azure: toAzure(): options must be an object, got null'],
    [{ routePrefix: 5 }, 'azure: toAzure() routePrefix must be a string'],
    [
      { signalMarginMs: '500' },
      'azure: toAzure() signalMarginMs must be a number of milliseconds (0 or more), got "500"',
    ],
    [{ signalMarginMs: -1 }, 'azure: toAzure() signalMarginMs must be a number of milliseconds'],
    [{ functionTimeout: true }, 'azure: toAzure() functionTimeout must be a TimeSpan string or milliseconds, got true'],
    [{ functionTimeout: '5 minutes' }, 'azure: functionTimeout must be a TimeSpan like "00:05:00"'],
    [{ azure: 'orders' }, 'its azure settings must be an object'],
    [{ azure: { queuename: 'orders' } }, 'unknown option "queuename" (did you mean "queueName"?)'],
  ])('refuses %j with INVALID_DEFINITION: %s', (options, message) => {
    // Act
    const attempt = () => toAzure(orders, options as ToAzureOptions);

    // Assert
    expect(attempt).toThrow(SkyportError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'azure' }));
    expect(attempt).toThrow(message);
  });
});
