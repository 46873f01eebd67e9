/**
 * `cloudPrincipal({ iap })` stops waiting for Google's keys when the invocation's `ctx.signal`
 * aborts, shortly before its deadline, and answers 503 with `Retry-After` in time, as `jwtAuth()`
 * does, rather than after the key-set fetch's own timeout.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { expect, it } from 'vitest';
import { cloudPrincipal } from './index.js';

it('answers 503 before the deadline when the IAP key set does not come', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'iap-1', alg: 'ES256' };
  // Holds every key-set request until the end of the test.
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => held.push(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap`;
  const audience = '/projects/123/apps/shop';
  const fn = http()
    .use(cloudPrincipal({ iap: { audience, jwksUrl, jwksTimeoutMs: 5000 } }))
    .handle((_req, ctx) => ctx.auth.subject);
  const assertion = await new SignJWT({ email: 'u@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid: 'iap-1' })
    .setSubject('accounts.google.com:42')
    .setIssuer('https://cloud.google.com/iap')
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  try {
    const started = performance.now();
    const res = await invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } }), {
      cloud: 'gcp',
      deadlineInMs: 1000,
    });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    // The signal fires 500 ms before the 1 s deadline; the fetch's own timeout is 5 s.
    expect(elapsed).toBeLessThan(2000);
    // The fetch goes on for the next request, which gets the keys once they come.
    const next = invoke(fn, httpRequest({ headers: { 'x-goog-iap-jwt-assertion': assertion } }), { cloud: 'gcp' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pending of held.splice(0)) pending.end(JSON.stringify({ keys: [jwk] }));
    expect((await next).text).toBe('accounts.google.com:42');
  } finally {
    for (const pending of held.splice(0)) pending.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
