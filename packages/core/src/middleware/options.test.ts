import { describe, expect, it } from 'vitest';
import { cors } from './cors.js';
import { timeout } from './timeout.js';

/** What options from plain JavaScript may hold: anything, under any name. */
type Untyped = Record<string, unknown>;

/** A definition error whose message contains `part`. */
function refusal(part: string) {
  return expect.objectContaining({
    name: 'SkyportError',
    code: 'INVALID_DEFINITION',
    message: expect.stringContaining(part),
  });
}

describe('cors() options', () => {
  it('refuses a misspelt name, which would leave the default (any origin) in place', () => {
    // Act / Assert
    expect(() => cors({ origins: ['https://shop.example'] } as Untyped)).toThrow(
      refusal('cors(): unknown option "origins" (did you mean "origin"?)'),
    );
    expect(() => cors({ origin: ['https://shop.example'], exposedHeaders: ['x-total'] } as Untyped)).toThrow(
      refusal('cors(): unknown option "exposedHeaders" (did you mean "exposeHeaders"?)'),
    );
  });

  it('refuses an origin given in place of the options, which would allow any origin', () => {
    // Act / Assert
    expect(() => cors('https://shop.example' as unknown as Untyped)).toThrow(
      refusal('write cors({ origin: "https://shop.example" })'),
    );
    expect(() => cors(null as unknown as Untyped)).toThrow(refusal('cors(): options must be an object, got null'));
  });

  it('refuses origin: true (Express) and other origins of no type it takes, which failed every request', () => {
    // Act / Assert
    expect(() => cors({ origin: true } as Untyped)).toThrow(refusal('cors() origin must be "*", an origin'));
    expect(() => cors({ origin: true } as Untyped)).toThrow(refusal('got true: to allow any origin write "*"'));
    for (const origin of [false, 5, null, {}]) {
      expect(() => cors({ origin } as Untyped), String(origin)).toThrow(refusal('cors() origin must be'));
    }
  });

  it('refuses a comma-separated string where a list is taken, naming the list meant', () => {
    // Act / Assert
    expect(() => cors({ allowHeaders: 'Content-Type' } as Untyped)).toThrow(
      refusal('cors() allowHeaders must be a list of names, got the string "Content-Type": write ["Content-Type"]'),
    );
    expect(() => cors({ methods: 'GET,POST' } as Untyped)).toThrow(
      refusal('cors() methods must be a list of names, got the string "GET,POST": write ["GET","POST"]'),
    );
    expect(() => cors({ exposeHeaders: 5 } as Untyped)).toThrow(refusal('cors() exposeHeaders must be a list'));
    expect(() => cors({ methods: ['GET', 5] } as Untyped)).toThrow(refusal('cors() methods must list non-empty names'));
  });

  it('refuses credentials that are not true or false, which a string "false" turned on', () => {
    // Act / Assert
    expect(() => cors({ origin: ['https://shop.example'], credentials: 'false' } as Untyped)).toThrow(
      refusal('cors() credentials must be true or false, got "false"'),
    );
  });

  it('takes every option it documents', () => {
    // Act / Assert
    expect(() =>
      cors({
        origin: ['https://shop.example'],
        methods: ['GET', 'POST'],
        allowHeaders: ['content-type'],
        exposeHeaders: ['x-total'],
        credentials: true,
        maxAge: 600,
      }),
    ).not.toThrow();
    for (const origin of ['*', 'https://shop.example', /^https:\/\/.*\.example$/, () => true]) {
      expect(() => cors({ origin })).not.toThrow();
    }
    expect(() => cors({ allowHeaders: [], origin: undefined })).not.toThrow();
  });
});

describe('timeout() options', () => {
  it('refuses a number in place of the options (Hono), which was no timeout at all', () => {
    // Act / Assert
    expect(() => timeout(100 as unknown as Untyped)).toThrow(
      refusal('timeout() takes an options object, not a number: write timeout({ ms: 100 })'),
    );
  });

  it('refuses an unknown name, listing the ones it takes', () => {
    // Act / Assert
    expect(() => timeout({ timeoutMs: 100 } as Untyped)).toThrow(
      refusal('timeout(): unknown option "timeoutMs" (known options: marginMs, ms)'),
    );
    expect(() => timeout({ margin: 100 } as Untyped)).toThrow(refusal('unknown option "margin"'));
  });

  it('refuses a margin or budget that is no number, a numeric string included', () => {
    // Act / Assert
    expect(() => timeout({ ms: '100' } as Untyped)).toThrow(
      refusal('timeout(): ms must be a number of at least 0, got "100"'),
    );
    expect(() => timeout({ marginMs: '100' } as Untyped)).toThrow(refusal('marginMs must be a finite number'));
    expect(() => timeout({ ms: null } as Untyped)).toThrow(refusal('ms must be a number of at least 0, got null'));
    expect(() => timeout({ marginMs: 0, ms: 10 })).not.toThrow();
  });
});
