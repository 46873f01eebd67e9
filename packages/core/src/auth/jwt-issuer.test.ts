/** `jwtAuth()`'s `issuer` as a `{tenantid}` template or a function: multi-tenant Entra ID. */
import type { Server } from 'node:http';
import { http } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyServer, startKeyServer } from './__fixtures__/key-server.js';
import { type JwtAuthOptions, jwtAuth } from './index.js';

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: JWTPayload) =>
  new SignJWT({ iat: now(), nbf: now() - 10, exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .sign(privateKey);

let keyServer: KeyServer;
beforeAll(async () => {
  // Entra's key set: no alg, an x5t.
  keyServer = await startKeyServer([{ ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', x5t: 'k1' }]);
});
afterAll(() => new Promise<void>((resolve) => (keyServer.server as Server).close(() => resolve())));

const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const other = '11111111-2222-3333-4444-555555555555';
const api = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
const v2 = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`;
const v1 = (tenant: string) => `https://sts.windows.net/${tenant}/`;
const v2Template = 'https://login.microsoftonline.com/{tenantid}/v2.0';
const v1Template = 'https://sts.windows.net/{tenantid}/';

/** Tokens of two tenants, one whose `iss` names another tenant than its `tid`, and one without `tid`. */
async function entraTokens() {
  const claims = { aud: api, azp: 'spa', scp: 'Orders.Read', sub: 's', ver: '2.0' };
  return {
    home: await sign({ ...claims, iss: v2(tid), tid }),
    otherTenant: await sign({ ...claims, iss: v2(other), tid: other }),
    v1Token: await sign({ ...claims, iss: v1(tid), tid, ver: '1.0' }),
    mismatchedTid: await sign({ ...claims, iss: v2(other), tid }),
    noTid: await sign({ ...claims, iss: v2(tid) }),
    emptyTid: await sign({ ...claims, iss: 'https://login.microsoftonline.com//v2.0', tid: '' }),
    literalTemplate: await sign({ ...claims, iss: v2Template, tid }),
    otherIssuer: await sign({ ...claims, iss: 'https://evil.example/v2.0', tid }),
  };
}

async function statuses(options: Partial<JwtAuthOptions>, tokens: Record<string, string>) {
  const fn = http()
    .use(jwtAuth({ jwksUrl: keyServer.url, audience: api, ...options } as JwtAuthOptions))
    .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
  const out: Record<string, number | string | undefined> = {};
  for (const [name, token] of Object.entries(tokens)) {
    const res = await invoke(fn, httpRequest({ headers: { authorization: `Bearer ${token}` } }));
    out[name] =
      res.status === 200 ? 200 : /error_description="([^"]*)"/.exec(res.headers['www-authenticate'] ?? '')?.[1];
  }
  return out;
}

const issuerRefused = 'the token issuer is not accepted';
const claimsRefused = 'the token claims are not accepted';

describe('jwtAuth issuer with {tenantid}', () => {
  it('accepts every tenant whose iss is the template with its own tid, and nothing else', async () => {
    // Prepare
    const tokens = await entraTokens();

    // Act
    const result = await statuses({ issuer: v2Template }, tokens);

    // Assert
    expect(result).toEqual({
      home: 200,
      otherTenant: 200,
      v1Token: issuerRefused,
      mismatchedTid: issuerRefused,
      noTid: claimsRefused,
      emptyTid: claimsRefused,
      literalTemplate: issuerRefused,
      otherIssuer: issuerRefused,
    });
  });

  it('takes a list mixing templates and exact issuers, with the placeholder in any case', async () => {
    const tokens = await entraTokens();
    const result = await statuses({ issuer: [v1Template.replace('tenantid', 'tenantId'), v2(tid)] }, tokens);
    expect(result).toMatchObject({ home: 200, otherTenant: issuerRefused, v1Token: 200, mismatchedTid: issuerRefused });
  });

  it('puts the tid in as it is, never reading $ patterns in it', async () => {
    const token = await sign({ aud: api, iss: v2Template, tid: '$&' });
    expect(await statuses({ issuer: v2Template }, { token })).toEqual({ token: issuerRefused });
  });

  it('refuses, when the function is defined, an issuer with a placeholder other than {tenantid}', () => {
    for (const issuer of [
      'https://login.microsoftonline.com/{tenant}/v2.0',
      [v2Template, 'https://x/{tid}/'],
      'https://x/{tenantid',
    ]) {
      expect(() => jwtAuth({ jwksUrl: 'https://x.test/keys', issuer })).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEFINITION',
          message: expect.stringContaining('holds a placeholder other than {tenantid}'),
        }),
      );
    }
  });
});

describe('jwtAuth issuer as a function', () => {
  it('accepts only the tenants on an allow-list, each by its own issuer', async () => {
    // Prepare
    const tokens = await entraTokens();
    const tenants = new Set([tid]);
    const calls: [string, JWTPayload][] = [];
    const issuer = (iss: string, claims: JWTPayload) => {
      calls.push([iss, claims]);
      const tenant = claims.tid;
      return typeof tenant === 'string' && tenants.has(tenant) && iss === v2(tenant);
    };

    // Act
    const result = await statuses({ issuer }, tokens);

    // Assert
    expect(result).toEqual({
      home: 200,
      otherTenant: issuerRefused,
      v1Token: issuerRefused,
      mismatchedTid: issuerRefused,
      noTid: issuerRefused,
      emptyTid: issuerRefused,
      literalTemplate: issuerRefused,
      otherIssuer: issuerRefused,
    });
    expect(calls[0]).toEqual([v2(tid), expect.objectContaining({ tid, aud: api, scp: 'Orders.Read' })]);
  });

  it('may be async, accepts only on true, and never sees a token that failed verification or has no iss', async () => {
    // Prepare
    const token = await sign({ aud: api, iss: v2(tid), tid });
    const noIss = await sign({ aud: api, tid });
    const wrongAudience = await sign({ aud: 'other', iss: v2(tid), tid });
    let calls = 0;
    const verdicts: unknown[] = [Promise.resolve(true), Promise.resolve(false), undefined, 'yes'];

    // Act
    const results: unknown[] = [];
    for (const verdict of verdicts) {
      const issuer = (() => {
        calls++;
        return verdict;
      }) as unknown as JwtAuthOptions['issuer'];
      results.push((await statuses({ issuer }, { token })).token);
    }
    const counted = () => {
      calls++;
      return true;
    };
    const skipped = await statuses({ issuer: counted }, { noIss, wrongAudience });

    // Assert
    expect(results).toEqual([200, issuerRefused, issuerRefused, issuerRefused]);
    expect(skipped).toEqual({ noIss: claimsRefused, wrongAudience: 'the token audience is not accepted' });
    expect(calls).toBe(4);
  });

  it('is named in the refusal of a value that is neither strings nor a function', () => {
    expect(() => jwtAuth({ jwksUrl: 'https://x.test/keys', issuer: 5 as unknown as string })).toThrow(
      'jwtAuth() issuer must be a non-empty string or a non-empty list of them, or a function (iss, claims) => boolean',
    );
  });
});
