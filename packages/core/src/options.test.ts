import { describe, expect, it } from 'vitest';
import { checkOptions, SkyportError } from './index.js';

const known = ['issuer', 'audience', 'requiredScopes'] as const;

/** The error `act` throws. */
function thrown(act: () => void): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('checkOptions()', () => {
  it('passes options that use only known names, and options left out', () => {
    // Act / Assert
    expect(() => checkOptions('jwtAuth()', { issuer: 'a', audience: undefined }, known)).not.toThrow();
    expect(() => checkOptions('jwtAuth()', {}, known)).not.toThrow();
    expect(() => checkOptions('jwtAuth()', undefined, known)).not.toThrow();
  });

  it('refuses a misspelt name, naming the one meant', () => {
    // Act
    const error = thrown(() => checkOptions('jwtAuth()', { issuer: 'a', audiance: 'orders-api' }, known));

    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect(error).toMatchObject({
      code: 'INVALID_DEFINITION',
      message: 'jwtAuth(): unknown option "audiance" (did you mean "audience"?)',
    });
  });

  it('suggests a name that differs only in case, however long', () => {
    // Act / Assert
    expect(() => checkOptions('schedule()', { timeZone: 'Europe/Paris' }, ['cron', 'timezone'])).toThrow(
      'schedule(): unknown option "timeZone" (did you mean "timezone"?)',
    );
    expect(() => checkOptions('x()', { REQUIREDSCOPES: [] }, known)).toThrow('(did you mean "requiredScopes"?)');
  });

  it('lists the known names when none is close', () => {
    // Act / Assert
    expect(() => checkOptions('jwtAuth()', { iss: 'a' }, known)).toThrow(
      'jwtAuth(): unknown option "iss" (known options: issuer, audience, requiredScopes)',
    );
    expect(() => checkOptions('f()', { a: 1 }, [])).toThrow('f(): unknown option "a" (it takes no options)');
  });

  it('refuses an unknown name even when its value is undefined', () => {
    // Act / Assert
    expect(() => checkOptions('jwtAuth()', { audiance: undefined }, known)).toThrow('"audiance"');
  });

  it('refuses what is no options object, naming only its type', () => {
    // Act / Assert
    for (const [value, kind] of [
      ['s3cr3t-value', 'a string'],
      [100, 'a number'],
      [true, 'a boolean'],
      [null, 'null'],
      [['a'], 'an array'],
      [() => 1, 'a function'],
    ] as const) {
      const error = thrown(() => checkOptions('cors()', value, known));
      expect(error, kind).toMatchObject({
        code: 'INVALID_DEFINITION',
        message: `cors(): options must be an object, got ${kind}`,
      });
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });

  it('sets the kind and adapter it is given on the error', () => {
    // Act
    const error = thrown(() => checkOptions('http()', { methods: ['POST'] }, ['method'], { kind: 'http' }));
    const adapter = thrown(() => checkOptions('toLambda()', { strem: true }, ['stream'], { adapter: 'aws' }));

    // Assert
    expect(error).toMatchObject({ kind: 'http', adapter: undefined, message: expect.stringContaining('"method"') });
    expect(adapter).toMatchObject({ adapter: 'aws', kind: undefined });
  });

  it('shows a name that may be a secret only when it is close to a known one', () => {
    // Act
    const secret = thrown(() =>
      checkOptions('apiKeyAuth()', { 'k-9f8e7d6c5b4a': 'partner' }, ['header', 'keys'], { secretNames: true }),
    );
    const typo = thrown(() => checkOptions('apiKeyAuth()', { key: ['k'] }, ['header', 'keys'], { secretNames: true }));

    // Assert
    expect((secret as Error).message).not.toContain('9f8e7d6c5b4a');
    expect((secret as Error).message).toContain('known options: header, keys');
    expect((typo as Error).message).toBe('apiKeyAuth(): unknown option "key" (did you mean "keys"?)');
  });

  it('reads own keys only, a key named __proto__ included', () => {
    // Prepare
    const inherited = Object.create({ anything: 1 }) as object;
    const parsed: unknown = JSON.parse('{"__proto__": {"admin": true}}');

    // Act / Assert
    expect(() => checkOptions('f()', inherited, known)).not.toThrow();
    expect(() => checkOptions('f()', parsed, known)).toThrow('unknown option "__proto__"');
  });
});
