/**
 * `invokeGcp()`: runs a portable function through exactly the GCP mapping of this adapter,
 * without a server: give it an HTTP request description, a structured CloudEvent or a Pub/Sub
 * push envelope, get back the answer the function would have given over HTTP.
 */
import { fromUtf8, utf8 } from '@skyport/core';
import { looksLikeCloudEvent } from './cloudevent.js';
import { isObject } from './errors.js';
import { toGcp } from './handler.js';
import type {
  AnySkyportFunction,
  GcpHttpInput,
  GcpInput,
  GcpOptions,
  GcpRequest,
  GcpResponse,
  GcpResult,
} from './types.js';

interface Described {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Uint8Array;
}

function isHttpInput(input: GcpInput): input is GcpHttpInput {
  return (
    ('path' in input && typeof input.path === 'string') ||
    ('method' in input && typeof input.method === 'string') ||
    ('headers' in input && isObject(input.headers))
  );
}

function describe(input: GcpInput): Described {
  if (!isHttpInput(input)) {
    const structured = looksLikeCloudEvent(input);
    return {
      method: 'POST',
      target: '/',
      headers: { 'content-type': structured ? 'application/cloudevents+json' : 'application/json' },
      body: utf8(JSON.stringify(input)),
    };
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
  }
  let body: Uint8Array = new Uint8Array(0);
  if (typeof input.body === 'string') body = utf8(input.body);
  else if (input.body instanceof Uint8Array) body = input.body;
  else if (input.body !== undefined && input.body !== null) {
    body = utf8(JSON.stringify(input.body));
    headers['content-type'] ??= 'application/json';
  }
  let target = input.path ?? '/';
  if (input.query !== undefined) {
    const query =
      typeof input.query === 'string'
        ? input.query.replace(/^\?/, '')
        : new URLSearchParams(
            Object.entries(input.query).flatMap(([key, value]) =>
              (typeof value === 'string' ? [value] : value).map((item): [string, string] => [key, item]),
            ),
          ).toString();
    if (query) target += `${target.includes('?') ? '&' : '?'}${query}`;
  }
  headers.host ??= 'localhost';
  return { method: (input.method ?? (body.byteLength > 0 ? 'POST' : 'GET')).toUpperCase(), target, headers, body };
}

function decode(headers: Record<string, string>, body: Uint8Array | undefined): unknown {
  if (body === undefined || body.byteLength === 0) return undefined;
  const type = headers['content-type'] ?? '';
  if (/[/+]json\b/i.test(type)) {
    const text = fromUtf8(body);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return /^text\//i.test(type) ? fromUtf8(body) : body;
}

/**
 * Runs `fn` for one input through the GCP mapping, as the `http` signature would answer:
 * `{ status, headers, cookies, body }` (body parsed for JSON, text for `text/*`, else bytes).
 * Event functions answer 204 on success, 400 for a malformed or foreign event, 422 when the
 * payload fails its schema, and the handler's error status (500 by default) when it fails.
 *
 * @example
 * const created = await invokeGcp(api, { method: 'POST', path: '/orders', body: { customer: 'ada@example.com', lines } });
 * const fulfilled = await invokeGcp(fulfilOrder, gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' } }));
 * fulfilled.status; // 204
 */
export async function invokeGcp(fn: AnySkyportFunction, input: GcpInput, options: GcpOptions = {}): Promise<GcpResult> {
  const request = describe(input);
  const req: GcpRequest = {
    method: request.method,
    url: request.target,
    originalUrl: request.target,
    headers: request.headers,
    rawBody: request.body,
    ip: '127.0.0.1',
  };
  const written: { status: number; headers: Record<string, string>; cookies: string[]; body?: Uint8Array } = {
    status: 200,
    headers: {},
    cookies: [],
  };
  const res: GcpResponse = {
    get statusCode() {
      return written.status;
    },
    set statusCode(status: number) {
      written.status = status;
    },
    setHeader(name, value) {
      const key = name.toLowerCase();
      if (key === 'set-cookie') written.cookies.push(...(typeof value === 'object' ? value : [String(value)]));
      else written.headers[key] = typeof value === 'object' ? value.join(', ') : String(value);
    },
    end(chunk) {
      if (chunk !== undefined) written.body = typeof chunk === 'string' ? utf8(chunk) : chunk;
    },
  };
  await toGcp(fn, { ...options, signature: 'http' })(req, res);
  return {
    status: written.status,
    headers: written.headers,
    cookies: written.cookies,
    body: decode(written.headers, written.body),
  };
}
