/**
 * `invokeGcp()`: runs a portable function through exactly the GCP mapping of this adapter,
 * without a server: give it an HTTP request description, a structured CloudEvent or a Pub/Sub
 * push envelope, get back the answer the function would have given over HTTP.
 */
import { setOwn, utf8 } from '@skyport/core';
import { looksLikeCloudEvent } from './cloudevent.js';
import { gcpError, isObject } from './errors.js';
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
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

// A CloudEvent or a push envelope never has a top-level `path`, `method` or `headers`: an input
// with one is an HTTP request, and its fields are then checked (a `method` of 5 is refused, not
// sent as a JSON body).
function isHttpInput(input: GcpInput): input is GcpHttpInput {
  return 'path' in input || 'method' in input || 'headers' in input;
}

/** The values of a header or query field: a string or a list of strings (JSON from a file may hold anything). */
function textValues(value: unknown, what: string, kind: string): string | string[] {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw gcpError('INVALID_EVENT', kind, 'http request', `${what} must be a string or a list of strings`);
}

/**
 * `JSON.stringify(value)` of an input or of its `body`, or an `INVALID_EVENT` naming it when it
 * cannot be written: JSON nested deeper than the call stack reaches (valid JSON, which
 * `JSON.parse` reads), or, from a caller in JavaScript, a cycle or a BigInt.
 */
function toJson(value: unknown, what: string, kind: string, shape: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    const why =
      error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
    throw gcpError('INVALID_EVENT', kind, shape, `${what} cannot be sent as JSON: ${why}`);
  }
}

function describe(input: GcpInput, kind: string): Described {
  if (!isObject(input)) {
    throw gcpError(
      'INVALID_EVENT',
      kind,
      'unknown',
      'the input must be an object: an HTTP request, a CloudEvent or a push envelope',
    );
  }
  if (!isHttpInput(input)) {
    const structured = looksLikeCloudEvent(input);
    return {
      method: 'POST',
      target: '/',
      headers: { 'content-type': structured ? 'application/cloudevents+json' : 'application/json' },
      body: utf8(toJson(input, 'the event', kind, structured ? 'structured CloudEvent' : 'JSON event')),
    };
  }
  // The types say what an input holds, but one read from a JSON file may hold anything: each
  // field is checked, so a wrong one is refused by name rather than failing deep inside.
  const method: unknown = input.method;
  const path: unknown = input.path;
  const givenHeaders: unknown = input.headers;
  if (method !== undefined && typeof method !== 'string') {
    throw gcpError('INVALID_EVENT', kind, 'http request', '"method" must be a string');
  }
  if (path !== undefined && typeof path !== 'string') {
    throw gcpError('INVALID_EVENT', kind, 'http request', '"path" must be a string');
  }
  if (givenHeaders !== undefined && givenHeaders !== null && !isObject(givenHeaders)) {
    throw gcpError('INVALID_EVENT', kind, 'http request', '"headers" must be an object');
  }
  // As Node's `req.headers` holds them: one string per lower-case name, the lines of a repeated
  // header joined with `, ` (`; ` for `Cookie`); an empty list is no header.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(isObject(givenHeaders) ? givenHeaders : {})) {
    const key = name.toLowerCase();
    const separator = key === 'cookie' ? '; ' : ', ';
    const values: string[] = Object.hasOwn(headers, key) ? [headers[key] as string] : [];
    values.push(...[textValues(value, `the header ${name}`, kind)].flat());
    if (values.length > 0) setOwn(headers, key, values.join(separator));
  }
  let body: Uint8Array = new Uint8Array(0);
  if (typeof input.body === 'string') body = utf8(input.body);
  else if (input.body instanceof Uint8Array) body = input.body;
  else if (input.body !== undefined && input.body !== null) {
    body = utf8(toJson(input.body, '"body"', kind, 'http request'));
    headers['content-type'] ??= 'application/json';
  }
  let target = path ?? '/';
  const query: unknown = input.query;
  if (query !== undefined && query !== null) {
    if (typeof query !== 'string' && !isObject(query)) {
      throw gcpError('INVALID_EVENT', kind, 'http request', '"query" must be a string or an object');
    }
    const search =
      typeof query === 'string'
        ? query.replace(/^\?/, '')
        : new URLSearchParams(
            Object.entries(query).flatMap(([key, value]) => {
              const values = textValues(value, `the query parameter ${key}`, kind);
              return (typeof values === 'string' ? [values] : values).map((item): [string, string] => [key, item]);
            }),
          ).toString();
    // After the query string of `path`, if any, as `skyport invoke --cloud node` and `invokeAzure()` read it.
    const q = target.indexOf('?');
    if (search) target += q < 0 ? `?${search}` : q === target.length - 1 ? search : `&${search}`;
  }
  headers.host ??= 'localhost';
  return { method: (method ?? (body.byteLength > 0 ? 'POST' : 'GET')).toUpperCase(), target, headers, body };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as a test reads it: JSON parsed, text as a string, when that keeps it exactly (UTF-8,
 * or no charset, and no content coding); bytes otherwise (a `windows-1252` CSV, gzip).
 */
function decode(headers: Record<string, string>, body: Uint8Array | undefined): unknown {
  if (body === undefined || body.byteLength === 0) return undefined;
  const type = headers['content-type'] ?? '';
  const json = /[/+]json\b/i.test(type);
  if (!json && !/^text\//i.test(type)) return body;
  const coding = headers['content-encoding']?.trim().toLowerCase();
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  const coded = coding !== undefined && coding !== '' && coding !== 'identity';
  if (coded || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    return body;
  }
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return body;
  }
  if (!json) return text;
  try {
    // A byte order mark is kept in text, and is no part of JSON (RFC 8259 section 8.1).
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return text;
  }
}

/**
 * Runs `fn` for one input through the GCP mapping, as the `http` signature would answer:
 * `{ status, headers, cookies, body }` (body parsed for JSON, text for `text/*`, when either is
 * UTF-8 without a content coding; else bytes).
 * Event functions answer 204 on success; 500 (or the 502, 503 or 504 thrown, 504 for a timeout)
 * for a failed handler, a payload failing its schema, a malformed or foreign event, with the
 * error's code and detail in the problem body; 400 for a request that is no event at all.
 *
 * @example
 * const created = await invokeGcp(api, { method: 'POST', path: '/orders', body: { customer: 'ada@example.com', lines } });
 * const fulfilled = await invokeGcp(fulfilOrder, gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' } }));
 * fulfilled.status; // 204
 */
export async function invokeGcp(fn: AnySkyportFunction, input: GcpInput, options: GcpOptions = {}): Promise<GcpResult> {
  const request = describe(input, fn.kind);
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
