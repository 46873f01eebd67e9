import { describe, expect, it } from 'vitest';
import { apiKeyAuth, cloudPrincipal, jwtAuth } from './index.js';

/** What options from plain JavaScript may hold: anything, under any name. */
type Untyped = Record<string, unknown>;

const secret = 'a-shared-secret-of-at-least-32-bytes!';
const issuer = 'https://issuer.test/';

/** A definition error whose message contains `part`. */
function refusal(part: string) {
  return expect.objectContaining({
    name: 'SkyportError',
    code: 'INVALID_DEFINITION',
    message: expect.stringContaining(part),
  });
}

/** The message of what `act` throws. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}

describe('jwtAuth() options', () => {
  it('refuses a misspelt name, which accepted tokens of any audience, issuer or scope', () => {
    // Act / Assert
    expect(() => jwtAuth({ secret, issuer, audiance: 'orders-api' } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth(): unknown option "audiance" (did you mean "audience"?)'),
    );
    expect(() => jwtAuth({ secret, issuers: [issuer] } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth(): unknown option "issuers" (did you mean "issuer"?)'),
    );
    expect(() => jwtAuth({ secret, requiredScope: ['admin'] } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth(): unknown option "requiredScope" (did you mean "requiredScopes"?)'),
    );
  });

  it('refuses the claim names in place of the options, listing the options', () => {
    // Act / Assert
    expect(() => jwtAuth({ secret, iss: issuer, aud: 'orders-api' } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth(): unknown option "iss" (known options: jwksUrl, secret, publicKey, issuer, audience,'),
    );
  });

  it('refuses a getToken that is no function, which failed every request with a TypeError', () => {
    // Act / Assert
    expect(() => jwtAuth({ secret, getToken: 'cookie' } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth() getToken must be a function (req) => token, got string'),
    );
  });

  it('refuses an issuer or audience that is empty or no string, which accepted or refused every token', () => {
    // Act / Assert
    for (const value of ['', [], [''], 5, null, { iss: issuer }]) {
      expect(() => jwtAuth({ secret, issuer: value } as Untyped as { secret: string }), String(value)).toThrow(
        refusal('jwtAuth() issuer must be a non-empty string or a non-empty list of them'),
      );
      expect(() => jwtAuth({ secret, audience: value } as Untyped as { secret: string }), String(value)).toThrow(
        refusal('jwtAuth() audience must be'),
      );
    }
    expect(() => jwtAuth({ secret, issuer: [issuer, 'https://other.test/'], audience: 'a' })).not.toThrow();
  });

  it('refuses algorithms or requiredClaims given as a string, which were read letter by letter', () => {
    // Act / Assert
    expect(() => jwtAuth({ secret, algorithms: 'HS256' } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth() algorithms must be a list such as ["RS256"], got string'),
    );
    expect(() => jwtAuth({ secret, requiredClaims: 'sub' } as Untyped as { secret: string })).toThrow(
      refusal('jwtAuth() requiredClaims must be a list of claim names'),
    );
  });

  it('refuses options that are no object without showing them', () => {
    // Act
    const message = messageOf(() => jwtAuth(secret as unknown as { secret: string }));

    // Assert
    expect(message).toBe('jwtAuth(): options must be an object, got a string');
    expect(() => jwtAuth(undefined as unknown as { secret: string })).toThrow(
      refusal('jwtAuth() needs one of jwksUrl, secret or publicKey'),
    );
  });
});

describe('cloudPrincipal() options', () => {
  it('refuses a misspelt name, which let every caller through', () => {
    // Act / Assert
    expect(() => cloudPrincipal({ headers: ['azure-easy-auth'], requiredScope: ['admin'] } as Untyped)).toThrow(
      refusal('cloudPrincipal(): unknown option "requiredScope" (did you mean "requiredScopes"?)'),
    );
    expect(() => cloudPrincipal({ trusts: ['aws'] } as Untyped)).toThrow(refusal('(did you mean "trust"?)'));
  });

  it('refuses iap settings of an unknown name, or that are no object', () => {
    // Act / Assert
    expect(() =>
      cloudPrincipal({ iap: { audience: '/projects/1/apps/p', jwksURL: 'https://k.test/' } } as Untyped),
    ).toThrow(refusal('cloudPrincipal() iap: unknown option "jwksURL" (did you mean "jwksUrl"?)'));
    for (const iap of [null, '/projects/1/apps/p', ['/projects/1/apps/p']]) {
      expect(() => cloudPrincipal({ iap } as Untyped), String(iap)).toThrow(
        refusal('cloudPrincipal() iap must be an object { audience, jwksUrl?, jwksTimeoutMs? }'),
      );
    }
    expect(() =>
      cloudPrincipal({ headers: [], trust: ['aws'], requiredScopes: ['a'], iap: { audience: '/projects/1/apps/p' } }),
    ).not.toThrow();
  });
});

describe('apiKeyAuth() options', () => {
  it('refuses a misspelt name, naming the one meant', () => {
    // Act / Assert
    expect(() => apiKeyAuth({ key: ['k-1'] } as Untyped)).toThrow(
      refusal('apiKeyAuth(): unknown option "key" (did you mean "keys"?)'),
    );
    expect(() => apiKeyAuth({ keys: ['k-1'], headers: 'x-api-key' } as Untyped)).toThrow(
      refusal('(did you mean "header"?)'),
    );
  });

  it('refuses a key written where keys was meant without showing it', () => {
    // Prepare
    const partnerKey = 'pk_live_7d1f0c9a2b3e4f5a6b7c8d9e';

    // Act
    const message = messageOf(() => apiKeyAuth({ [partnerKey]: 'partner-a' } as Untyped));

    // Assert
    expect(message).toContain('apiKeyAuth(): unknown option whose name is not shown');
    expect(message).toContain('known options: header, keys, verify');
    expect(message).not.toContain('7d1f0c9a');
    expect(() => apiKeyAuth(undefined as unknown as Untyped)).toThrow(refusal('apiKeyAuth() needs keys or verify'));
  });
});
