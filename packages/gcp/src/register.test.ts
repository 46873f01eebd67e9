import { createRequire } from 'node:module';
import { events, http, queue, SkyportError, schedule, storage } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { register } from './register.js';
import type { FunctionsFramework, GcpCloudEventHandler, GcpHttpHandler } from './types.js';

function fakeFramework() {
  const httpHandlers = new Map<string, GcpHttpHandler>();
  const eventHandlers = new Map<string, GcpCloudEventHandler>();
  const functions: FunctionsFramework = {
    http: (name, handler) => httpHandlers.set(name, handler),
    cloudEvent: (name, handler) => eventHandlers.set(name, handler),
  };
  return { functions, httpHandlers, eventHandlers };
}

const api = http({ path: '/' }).handle(() => 'ok');
const orders = queue({ name: 'orders' }).handle(() => undefined);
const nightly = schedule({ cron: '0 3 * * *' }).handle(() => undefined);
const pushed = queue({ name: 'orders', gcp: { signature: 'http' } }).handle(() => undefined);
const anything = events().handle(() => undefined);

describe('register', () => {
  it('registers http with functions.http and events with functions.cloudEvent (schedule and events over http)', () => {
    // Prepare
    const { functions, httpHandlers, eventHandlers } = fakeFramework();

    // Act
    const registered = register({ api, orders, nightly, pushed, anything }, { functions });

    // Assert
    expect(registered).toEqual([
      { name: 'api', kind: 'http', signature: 'http' },
      { name: 'orders', kind: 'queue', signature: 'cloudevent' },
      { name: 'nightly', kind: 'schedule', signature: 'http' },
      { name: 'pushed', kind: 'queue', signature: 'http' },
      { name: 'anything', kind: 'events', signature: 'http' },
    ]);
    expect([...httpHandlers.keys()]).toEqual(['api', 'nightly', 'pushed', 'anything']);
    expect([...eventHandlers.keys()]).toEqual(['orders']);
    expect(eventHandlers.get('orders')?.length).toBe(1);
  });

  it('lets options choose the signature of event functions, never of http ones', () => {
    const { functions, httpHandlers, eventHandlers } = fakeFramework();
    register({ api, orders, nightly }, { functions, signature: 'cloudevent' });
    expect([...httpHandlers.keys()]).toEqual(['api']);
    expect([...eventHandlers.keys()]).toEqual(['orders', 'nightly']);
  });

  it('rejects names the Functions Framework would refuse and values that are no functions, before registering any', () => {
    const { functions, httpHandlers } = fakeFramework();
    expect(() => register({ api, '1bad': orders }, { functions })).toThrow(SkyportError);
    expect(() => register({ api, fake: {} as typeof api }, { functions })).toThrow(/not a portable function/);
    expect(httpHandlers.size).toBe(0);
  });

  it("refuses a function's own gcp settings that are wrong before registering any function", () => {
    // Prepare: the bad one comes after two good ones
    const { functions, httpHandlers, eventHandlers } = fakeFramework();
    const late = queue({ name: 'late', gcp: { timeoutSeconds: '60' } } as never).handle(() => undefined);

    // Act / Assert
    expect(() => register({ api, orders, late }, { functions })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: expect.stringContaining('gcp.timeoutSeconds') }),
    );
    expect(httpHandlers.size + eventHandlers.size).toBe(0);
  });

  it('refuses a misspelt option before registering any, naming the one meant', () => {
    // Prepare
    const { functions, httpHandlers, eventHandlers } = fakeFramework();
    const misspelt = [
      [{ functions, signatures: 'http' }, 'gcp: register(): unknown option "signatures" (did you mean "signature"?)'],
      [
        { functions, timeoutSecond: 60 },
        'gcp: register(): unknown option "timeoutSecond" (did you mean "timeoutSeconds"?)',
      ],
      [
        { framework: functions },
        'gcp: register(): unknown option "framework" (known options: signature, timeoutSeconds, functions)',
      ],
    ] as const;

    // Act / Assert
    for (const [options, message] of misspelt) {
      expect(() => register({ api, orders }, options as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_DEFINITION', adapter: 'gcp', message }),
      );
    }
    expect(httpHandlers.size + eventHandlers.size).toBe(0);
  });

  it.each([
    [{ signature: 'cloudEvent' }, 'signature must be "http" or "cloudevent", got "cloudEvent"'],
    [{ timeoutSeconds: '60' }, 'timeoutSeconds must be a positive number of seconds, got "60"'],
    [{ timeoutSeconds: Number.NaN }, 'timeoutSeconds must be a positive number of seconds, got NaN'],
    [{ functions: {} }, 'functions must be the Functions Framework module (with http() and cloudEvent()), got object'],
  ])('refuses %o', (options, problem) => {
    expect(() => register({ orders }, options as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION', message: `gcp: register() ${problem}` }),
    );
  });

  it('loads the real Functions Framework when none is injected', async () => {
    const onObject = storage({ bucket: 'b' }).handle(() => undefined);
    register({ skyportRegisterDefault: onObject });
    const testing = createRequire(import.meta.url)('@google-cloud/functions-framework/testing') as {
      getFunction(name: string): unknown;
    };
    expect(typeof testing.getFunction('skyportRegisterDefault')).toBe('function');
  });
});
