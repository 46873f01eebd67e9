/**
 * "Verifying webhook signatures" in docs/middleware.md: the signature is checked over `req.rawBody`,
 * the exact bytes sent, before the body schema runs, under `invoke()` and every adapter.
 */
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { toLambda } from '@skyport/aws';
import { invokeAzure } from '@skyport/azure';
import { createMiddleware, http } from '@skyport/core';
import { invokeGcp } from '@skyport/gcp';
import { type ServeHandle, serve } from '@skyport/node';
import { aws, httpRequest, invoke } from '@skyport/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { githubSignature, onPullRequest, stripeSignature } from './webhook.js';

// Set before './webhook.js' is imported: `onPullRequest` reads it when it is defined.
const secret = vi.hoisted(() => {
  process.env.GITHUB_WEBHOOK_SECRET = "It's a Secret to Everybody";
  return process.env.GITHUB_WEBHOOK_SECRET;
});
afterAll(() => {
  delete process.env.GITHUB_WEBHOOK_SECRET;
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const hmac = (bytes: Uint8Array | string, key = secret) => createHmac('sha256', key).update(bytes).digest('hex');
const signed = (bytes: Uint8Array, key = secret) => ({
  'content-type': 'application/json',
  'x-hub-signature-256': `sha256=${hmac(bytes, key)}`,
});

// Spacing, a line break and characters beyond ASCII, as a sender may write them: JSON.stringify()
// of the parsed body gives other bytes, and so another signature.
const text = '{"action": "opened",\r\n  "number": 7, "title": "Fix café ☕"}';
const payload = utf8(text);

describe('githubSignature() under invoke()', () => {
  const post = (body: Uint8Array, headers: Record<string, string>) =>
    invoke(onPullRequest, httpRequest({ method: 'POST', path: '/webhooks/github', headers, body }));

  it('answers a delivery signed over its exact bytes, with the validated body', async () => {
    const res = await post(payload, signed(payload));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ action: 'opened', number: 7 });
  });

  it('refuses a wrong or missing signature with 401, a challenge and code BAD_SIGNATURE', async () => {
    const wrongKey = await post(payload, signed(payload, 'another secret'));
    const otherBody = await post(utf8(text.replace('7', '8')), signed(payload));
    const unsigned = await post(payload, { 'content-type': 'application/json' });
    const truncated = await post(payload, { ...signed(payload), 'x-hub-signature-256': 'sha256=' });
    for (const res of [wrongKey, otherBody, unsigned, truncated]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Signature realm="x-hub-signature-256"');
      expect(res.body).toMatchObject({ status: 401, code: 'BAD_SIGNATURE' });
    }
  });

  it('refuses an unsigned body before the schema is checked: 401, not 422 or 400', async () => {
    const invalid = utf8('{"action": 1}');
    const malformed = utf8('{"action": ');
    expect((await post(invalid, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(malformed, { 'content-type': 'application/json' })).status).toBe(401);
    // Signed, the same bodies reach validation.
    expect((await post(invalid, signed(invalid))).status).toBe(422);
    expect((await post(malformed, signed(malformed))).status).toBe(400);
  });

  it('refuses a function defined without a secret (an unset variable), not every request', () => {
    expect(() => githubSignature(undefined)).toThrow('no secret given');
    expect(() => githubSignature('')).toThrow('no secret given');
  });
});

describe('req.body in a middleware', () => {
  it('is parsed by content type and not yet validated; without a content type it is bytes', async () => {
    const seen: { body: unknown; rawBody: Uint8Array }[] = [];
    const probe = createMiddleware<'http'>({
      name: 'probe',
      kinds: ['http'],
      handle: (req, _ctx, next) => {
        seen.push({ body: req.body, rawBody: req.rawBody });
        return next();
      },
    });
    const fn = http({ method: 'POST', path: '/webhooks/github', body: z.object({ action: z.string() }) })
      .use(probe)
      .handle((req) => req.body);
    const invalid = utf8('{"action": 1}');
    await invoke(
      fn,
      httpRequest({ method: 'POST', path: '/webhooks/github', body: invalid, headers: signed(invalid) }),
    );
    await invoke(fn, httpRequest({ method: 'POST', path: '/webhooks/github', body: payload }));

    expect(seen[0]?.body).toEqual({ action: 1 });
    expect(seen[1]?.body).toBeInstanceOf(Uint8Array);
    expect(seen[1]?.body).toEqual(payload);
    expect(seen[1]?.rawBody).toEqual(payload);
    // The parsed body written out again is not what was signed.
    expect(hmac(JSON.stringify(JSON.parse(text)))).not.toBe(hmac(payload));
  });
});

/** What a runtime answered: its status, and its JSON body parsed. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const json = (body: unknown): unknown =>
  JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array));

// A body no text decoding keeps: not UTF-8, with a NUL and a CR LF.
const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x0d, 0x0a, 0xc3]);
const echoBytes = http({ method: 'POST', path: '/webhooks/bytes' })
  .use(githubSignature(secret))
  .handle((req) => ({ bytes: [...req.rawBody] }));

let server: ServeHandle;
beforeAll(async () => {
  server = await serve({ onPullRequest, echoBytes }, { port: 0, host: '127.0.0.1', announce: false });
});
afterAll(async () => {
  await server.close();
});

type Send = (fn: typeof echoBytes, path: string, body: Uint8Array, headers: Record<string, string>) => Promise<Answer>;

const runtimes: Record<string, Send> = {
  'invoke()': async (fn, path, body, headers) => {
    const res = await invoke(fn, httpRequest({ method: 'POST', path, headers, body }));
    return { status: res.status, body: res.body };
  },
  'toLambda(), HTTP API v2 with isBase64Encoded': async (fn, path, body, headers) => {
    const event = aws.apiGatewayV2({ method: 'POST', path, headers, body });
    expect(event.isBase64Encoded).toBe(true);
    const res = (await toLambda(fn)(event, aws.lambdaContext())) as { statusCode: number; body: string };
    return { status: res.statusCode, body: json(res.body) };
  },
  'invokeAzure()': async (fn, path, body, headers) => {
    const bodyBase64 = Buffer.from(body).toString('base64');
    const res = await invokeAzure(fn, { method: 'POST', path, headers, bodyBase64 }, { logHandler: () => undefined });
    return { status: res.status ?? 200, body: json(res.body) };
  },
  'invokeGcp()': async (fn, path, body, headers) => {
    const res = await invokeGcp(fn, { method: 'POST', path, headers, body });
    return { status: res.status, body: res.body };
  },
  'serve()': async (_fn, path, body, headers) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() };
  },
};

describe.each(Object.entries(runtimes))('the bytes as sent, on %s', (_name, send) => {
  it('verifies a JSON delivery and validates it', async () => {
    const ok = await send(onPullRequest, '/webhooks/github', payload, signed(payload));
    expect(ok).toEqual({ status: 200, body: { action: 'opened', number: 7 } });
    const forged = await send(onPullRequest, '/webhooks/github', utf8('{"action": 1}'), signed(payload));
    expect(forged.status).toBe(401);
  });

  it('verifies a body that is not text, byte for byte', async () => {
    const headers = { ...signed(binary), 'content-type': 'application/octet-stream' };
    const ok = await send(echoBytes, '/webhooks/bytes', binary, headers);
    expect(ok).toEqual({ status: 200, body: { bytes: [...binary] } });
  });
});

describe('a compressed body under serve()', () => {
  it('is left as sent: a signature over the inflated payload fails, one over the gzip passes to a 415', async () => {
    const gzipped = new Uint8Array(gzipSync(payload));
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/webhooks/github`, {
        method: 'POST',
        headers: { ...headers, 'content-encoding': 'gzip' },
        body: gzipped,
      });
    const overPayload = await post(signed(payload));
    expect(overPayload.status).toBe(401);
    const overGzip = await post(signed(gzipped));
    expect(overGzip.status).toBe(415);
    expect(await overGzip.json()).toMatchObject({ code: 'UNSUPPORTED_CONTENT_ENCODING' });
  });
});

describe('stripeSignature()', () => {
  const onEvent = http({ method: 'POST', path: '/webhooks/stripe', body: z.object({ type: z.string() }) })
    .use(stripeSignature(secret))
    .handle((req) => ({ type: req.body.type }));
  const event = utf8('{\n  "id": "evt_1",\n  "type": "payment_intent.succeeded"\n}');
  const post = (header: string) =>
    invoke(
      onEvent,
      httpRequest({
        method: 'POST',
        path: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body: event,
      }),
    );
  const v1 = (t: number, key = secret) => hmac(Buffer.concat([utf8(`${t}.`), event]), key);
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a fresh signature over "<t>.<body>", under any of several v1 values', async () => {
    const t = now();
    expect((await post(`t=${t},v1=${v1(t)}`)).body).toEqual({ type: 'payment_intent.succeeded' });
    expect((await post(`t=${t},v1=${v1(t, 'old secret')},v1=${v1(t)}`)).status).toBe(200);
  });

  it('refuses a stale timestamp, a wrong signature or no header with 401', async () => {
    const stale = now() - 301;
    const t = now();
    const refused = [
      await post(`t=${stale},v1=${v1(stale)}`),
      await post(`t=${t},v1=${v1(t, 'another secret')}`),
      await post(`t=${t + 1},v1=${v1(t)}`),
      await post(''),
    ];
    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Signature realm="stripe-signature"');
    }
  });
});
