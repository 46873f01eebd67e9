/**
 * Response normalisation: whatever an http handler returns (a value, a string, bytes, a web
 * `Response`, or `{ status, headers, cookies, body }`) becomes one `HttpResponse` shape that
 * every adapter writes back. Errors become RFC 9457 problem details here too.
 */
import { charsetOf } from '../bytes.js';
import { type HttpError, type ProblemDetails, problemDetails, statusText } from '../errors.js';
import { setOwn } from '../own.js';
import type { Cookie, HeaderValue, HttpResponse, HttpResponseInit } from '../types.js';
import { serializeCookie } from './cookies.js';
import { byteStream, isAsyncIterable, iterableStream, readStream } from './stream.js';

/**
 * Whether a handler result is an explicit response: an object with a numeric `status` and no
 * keys besides `status`, `headers`, `cookies` and `body`. Anything else is a body.
 *
 * @example
 * isResponseInit({ status: 201, body: { id } }); // true
 * isResponseInit({ status: 'shipped', id });    // false: serialised as JSON
 */
export function isResponseInit(value: unknown): value is HttpResponseInit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const status = (value as { status?: unknown }).status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return false;
  // Interned key names compare by identity: cheaper than a Set lookup per key.
  for (const key in value) {
    if (key !== 'status' && key !== 'body' && key !== 'headers' && key !== 'cookies') return false;
  }
  return true;
}

/**
 * Whether a value is already a normalised `HttpResponse`.
 *
 * @example
 * isHttpResponse({ status: 204, headers: {}, cookies: [], body: undefined }); // true
 */
export function isHttpResponse(value: unknown): value is HttpResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<HttpResponse>;
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.headers === 'object' &&
    candidate.headers !== null &&
    Array.isArray(candidate.cookies)
  );
}

/**
 * Headers that describe one connection, not the message (RFC 9110 section 7.6.1), and the
 * length, which is the platform's to set for the body it sends.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/**
 * Whether a header a handler or a middleware gave (`name` lower case) is the platform's to set:
 * the framing always (a transfer coding beside the length the platform sets is a
 * request-smuggling ambiguity); the length when there is content it measures itself, or none may
 * be sent (204); `Connection` unless it asks to close the connection. A length kept describes
 * content not sent (a HEAD answer that gives the size of a download).
 */
function platformOwned(name: string, value: string, measured: boolean): boolean {
  if (name === 'content-length') return measured;
  if (name === 'connection') return value.trim().toLowerCase() !== 'close';
  return HOP_BY_HOP.has(name);
}

/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * What a header value may not hold: control characters but tab (CR and LF above all), and
 * anything outside ASCII. Node writes a head as UTF-8 beside a text body and as Latin-1 otherwise,
 * and re-encodes some headers itself, so `é` in a header went out as different bytes by runtime,
 * method and body: a non-ASCII file name is written with RFC 8187 (`filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`).
 */
const UNSENDABLE = /[^\t\x20-\x7e]/;
/**
 * The last value that passed `checkHeader` under each header name: a bounded number of names,
 * and short values only, so little of any response is kept past it.
 */
const passed = new Map<string, string>();
const rememberedHeaders = 256;
const rememberedLength = 128;

/**
 * Refuses a header no platform can send: a CR or LF would split the response (a decoded query
 * value put into `Location`), and each runtime fails differently on the others. A `TypeError`,
 * so the answer is a 500, logged with the request id, on every platform alike.
 */
function checkHeader(name: string, value: string): void {
  // Most responses repeat the headers of the last one (`content-type`, the CORS headers), and a
  // response a middleware passes on is checked again: the two tests cost more than the lookup.
  if (passed.get(name) === value) return;
  if (!TOKEN.test(name)) throw notToken(name);
  if (UNSENDABLE.test(value)) throw unsendable(name);
  // Not remembered: cookies, which differ from one response to the next and hold secrets best
  // not kept around; long values (a signed URL); headers whose fate depends on the response
  // (see `platformOwned`).
  if (name === 'set-cookie' || value.length > rememberedLength || HOP_BY_HOP.has(name.toLowerCase())) return;
  if (passed.size < rememberedHeaders || passed.has(name)) passed.set(name, value);
}

/**
 * A `Content-Length`: a whole number of bytes in decimal digits (RFC 9110 section 8.6), with the
 * optional whitespace any header value may have around it.
 */
const LENGTH = /^[ \t]*[0-9]+[ \t]*$/;

/**
 * Refuses a `Content-Length` that is kept (no content the platform measures: a HEAD answer, a
 * 304) and is no number of bytes: runtimes send it as given, and the client cannot read the
 * answer. One the platform replaces with the length it measures is never looked at.
 */
function checkLength(value: string): void {
  if (LENGTH.test(value)) return;
  throw new TypeError(
    `the response header "content-length" must be a whole number of bytes in digits, not ${JSON.stringify(value)}`,
  );
}

/** The refusal of a header name that is no token (see `checkHeader`). */
function notToken(name: string, cause?: unknown): TypeError {
  return new TypeError(
    `the response header name ${JSON.stringify(name)} is not a token`,
    cause === undefined ? undefined : { cause },
  );
}

/** The refusal of a header value no platform can send (see `checkHeader`). */
function unsendable(name: string, cause?: unknown): TypeError {
  return new TypeError(
    `the response header "${name}" holds a character no HTTP header may carry (CR, LF, NUL, or one outside ASCII: ` +
      "encode text as RFC 8187 does, filename*=UTF-8''r%C3%A9sum%C3%A9.pdf)",
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Checks a response a middleware answered with as it is (one the handler returned is checked as
 * it is normalised): a `TypeError` for a status or a header no platform can send (a 1xx, CR/LF
 * in a value); the body of a 204, 205 or 304 is dropped. It is brought to the shape a handler's
 * answer has, as a middleware may have edited it freely: header names lower-cased (of two that
 * differ in case only, the one given last wins), `set-cookie` moved to `cookies`, values made
 * strings (an array joined with `, `); a body of data (an object, a number) serialised as JSON,
 * typed `application/json` unless a type is given. A web body (a `Response`, a stream, a `Blob`)
 * is a `TypeError`: `stream` carries content produced over time.
 *
 * @example
 * checkResponse({ status: 302, headers: { location: '/a\r\nx: y' }, cookies: [], body: undefined }); // throws
 * checkResponse({ ...res, headers: { ...res.headers, 'Content-Type': 'text/html' } }).headers['content-type']; // 'text/html'
 */
export function checkResponse(response: HttpResponse): HttpResponse {
  if (passesAsIs(response)) return response;
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError(`a response cannot have the status ${status}: it must be from 200 to 599`);
  }
  const empty = bodiless(status);
  const given: unknown = empty ? undefined : response.body;
  let headers = response.headers;
  let cookies = response.cookies;
  const record = headerRecord(headers);
  if (record !== undefined) headers = record as Record<string, string>;
  // A cookie given as an object (as a handler may give them) is serialised as a handler's is.
  const listed: readonly unknown[] = cookies;
  if (listed.some((cookie) => typeof cookie !== 'string')) {
    const texts: string[] = [];
    addCookies(texts, listed);
    cookies = texts;
  }
  if (!normalHeaders(headers)) {
    cookies = [...cookies];
    headers = headersOfAnswer(headers, cookies);
  }
  let body: string | Uint8Array | undefined;
  if (given === undefined || typeof given === 'string' || given instanceof Uint8Array) body = given;
  else {
    if (headers === response.headers) headers = { ...headers };
    body = answerBodyOf(given, headers);
  }
  if (headers !== response.headers || cookies !== response.cookies || body !== response.body) {
    response = { ...response, headers, cookies, body };
  }
  const stream = response.stream;
  const measured = body !== undefined || stream !== undefined || status === 204;
  let owned = false;
  for (const name in headers) {
    const value = String(headers[name]);
    // A name that passed before is none of the platform's (those are never remembered).
    if (passed.get(name) === value) continue;
    const lower = name.toLowerCase();
    if (platformOwned(lower, value, measured)) owned = true;
    else {
      checkHeader(name, value);
      if (lower === 'content-length') checkLength(value);
    }
  }
  for (const cookie of response.cookies) checkHeader('set-cookie', cookie);
  if (stream !== undefined && (empty || body !== undefined)) {
    // No content goes with this status, or the content is `body`: the stream is never read.
    stream.cancel().catch(ignore);
    const { stream: _, ...rest } = response;
    return { ...rest, headers: owned ? withoutOwned(headers, measured) : headers, body };
  }
  if (!owned) return response;
  return { ...response, headers: withoutOwned(headers, measured) };
}

/**
 * Whether a body is one a response is sent with: text, bytes, or none.
 *
 * @example
 * isSentBody(new Uint8Array(1)); // true
 */
export function isSentBody(body: unknown): body is string | Uint8Array | undefined {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

/**
 * Whether headers are a plain record (an object literal, or one without a prototype), not a
 * `Headers` or a `Map`, whose entries are no properties.
 *
 * @example
 * isPlainRecord(new Headers()); // false
 */
export function isPlainRecord(headers: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(headers);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Whether a response is one `checkResponse` would give back as it is, told at a glance: a status
 * with content, no stream, no cookies, a body of text or bytes (or none), and headers a plain
 * record whose every name and value passed a check before (see `passed`: lower-case tokens with
 * sendable values, none the platform sets). Anything else takes the whole check.
 */
export function passesAsIs(response: HttpResponse): boolean {
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599 || bodiless(status)) return false;
  if (response.stream !== undefined || response.cookies.length !== 0) return false;
  if (!isSentBody(response.body) || !isPlainRecord(response.headers)) return false;
  const headers: Readonly<Record<string, unknown>> = response.headers;
  for (const name in headers) {
    // An `undefined` value is no header, which the whole check leaves out: never a remembered one.
    const value = headers[name];
    if (typeof value !== 'string' || passed.get(name) !== value) return false;
  }
  return true;
}

/**
 * Adds the cookies `value` holds, one or a list (or another iterable), to `cookies` as
 * `Set-Cookie` text. `undefined` or `null`, alone or as an entry, is no cookie, as such a header
 * value is no header (`cookies: [session, remember ? token : undefined]`), whether a handler or a
 * middleware answered, in `cookies` or a `set-cookie` header.
 */
function addCookies(cookies: string[], value: unknown): void {
  // A list, or any other iterable of them (a `Set`); a string or a cookie object is one.
  const listed: readonly unknown[] = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null && Symbol.iterator in value
      ? [...(value as Iterable<unknown>)]
      : [value];
  for (const cookie of listed) {
    if (cookie !== undefined && cookie !== null) cookies.push(cookieText(cookie));
  }
}

/** A cookie of a middleware's answer as `Set-Cookie` text: an object is serialised, anything else made text. */
function cookieText(cookie: unknown): string {
  if (typeof cookie === 'object' && cookie !== null) return serializeCookie(cookie as Cookie);
  if (typeof cookie === 'string') return cookie;
  // From plain JavaScript: a number's text would be a cookie with no name, a function's source or
  // a symbol's description a mistake; each is answered as a 500 rather than sent.
  throw new TypeError(
    `a cookie must be a string or a cookie object, got ${typeof cookie === 'function' ? 'a function' : `a ${typeof cookie}`}`,
  );
}

/** A header name with an upper-case letter. */
const UPPER = /[A-Z]/;

/** Whether every header of a middleware's answer is as `HttpResponse` has it: a lower-case name, a string value, no `set-cookie`. */
function normalHeaders(headers: Readonly<Record<string, unknown>>): boolean {
  for (const name in headers) {
    if (typeof headers[name] !== 'string' || name === 'set-cookie' || UPPER.test(name)) return false;
  }
  return true;
}

/**
 * The headers of a middleware's answer as `HttpResponse` has them (see `checkResponse`), their
 * `set-cookie` values added to `cookies`. An `undefined` or `null` value is no header.
 */
function headersOfAnswer(input: Readonly<Record<string, unknown>>, cookies: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const key in input) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    const name = key.toLowerCase();
    if (name === 'set-cookie') {
      addCookies(cookies, value);
      continue;
    }
    // A name given again in another case replaces the earlier one.
    setOwn(headers, name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return headers;
}

/**
 * The body of a middleware's answer that is neither text nor bytes nor absent, as a handler's
 * result would have it: `null` is none, an `ArrayBuffer` or a typed array bytes, other data JSON
 * (its type `application/json` unless `headers` give one). A web body is a `TypeError`.
 */
function answerBodyOf(body: unknown, headers: Record<string, string>): string | Uint8Array | undefined {
  if (body === null) return undefined;
  if (ArrayBuffer.isView(body)) {
    headers['content-type'] ??= 'application/octet-stream';
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
  if (typeof body === 'object' && !isPlainData(body) && !(body instanceof ArrayBuffer)) {
    WebResponse ??= Response;
    if (
      body instanceof WebResponse ||
      body instanceof ReadableStream ||
      body instanceof Blob ||
      body instanceof FormData ||
      body instanceof URLSearchParams ||
      isAsyncIterable(body)
    ) {
      discard(body);
      throw new TypeError(
        "a middleware's answer cannot have a web body (a Response, a stream, a Blob) in `body`: return it from next() or put a stream in `stream`",
      );
    }
  }
  return bodyOf(body, headers);
}

/** `headers` without those the platform sets (see `platformOwned`). */
function withoutOwned(headers: Readonly<Record<string, string>>, measured: boolean): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name] as string;
    if (!platformOwned(name.toLowerCase(), String(value), measured)) setOwn(kept, name, value);
  }
  return kept;
}

/**
 * Headers given as a web `Headers` or a `Map` (as code written for `fetch` builds them), as the
 * record a response has: none would be read from their (non-enumerable) entries otherwise.
 * `Set-Cookie` keeps each of its values.
 */
function headerRecord(input: object): Readonly<Record<string, HeaderValue | undefined>> | undefined {
  // A record is the common case: the web classes are not looked up for it (that loads undici).
  const prototype: unknown = Object.getPrototypeOf(input);
  if (prototype === Object.prototype || prototype === null) return undefined;
  if (input instanceof Headers) {
    const record: Record<string, HeaderValue> = {};
    for (const [name, value] of input) if (name !== 'set-cookie') record[name] = value;
    const cookies = input.getSetCookie();
    if (cookies.length > 0) record['set-cookie'] = cookies;
    return record;
  }
  if (input instanceof Map) {
    const record: Record<string, HeaderValue | undefined> = {};
    for (const [name, value] of input) setOwn(record, String(name), value as HeaderValue | undefined);
    return record;
  }
  return undefined;
}

function headersOf(given: HttpResponseInit['headers'], cookies: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!given) return headers;
  const input = headerRecord(given) ?? (given as Readonly<Record<string, HeaderValue | undefined>>);
  for (const key of Object.keys(input)) {
    const value: HeaderValue | undefined = input[key];
    if (value === undefined) continue;
    const name = key.toLowerCase();
    if (name === 'set-cookie') {
      addCookies(cookies, value);
      continue;
    }
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : value.join(', ');
    // The length is settled once the body is (see `withLength`).
    if (name !== 'content-length' && platformOwned(name, text, true)) continue;
    checkHeader(name, text);
    setOwn(headers, name, text);
  }
  return headers;
}

/**
 * Whether a body is serialised as JSON: any object but bytes. Class checks rather than reading
 * `constructor`, which is a megamorphic lookup when handlers return many shapes.
 */
function isPlainJson(body: unknown): body is object {
  return typeof body === 'object' && body !== null && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer);
}

/**
 * Whether a body is plain data (an object literal, an array, an instance of a class of your own),
 * serialised as JSON with no further look. Bytes, web bodies (`Response`, streams, `Blob`, form
 * data) and built-in collections all carry a `Symbol.toStringTag`, and async iterables (a
 * generator, a Node.js `Readable`) a `Symbol.asyncIterator`, so two property reads (that miss,
 * cheaply, on plain data) send them the longer way, where each takes a class check.
 */
function isPlainData(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  if ((body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== undefined) return false;
  // Also an object literal: one may implement the protocol itself (`{ [Symbol.asyncIterator]() }`).
  return (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === undefined;
}

/** The web `Response` class, read from the global on first use (reading it loads undici). */
let WebResponse: typeof Response | undefined;

/**
 * A body the web `Response` constructor reads (a `Response` itself, a `ReadableStream`, a `Blob`,
 * `FormData` or `URLSearchParams`), or an async iterable of strings or bytes, as a `Response`;
 * `undefined` for anything else. Plain data (see `isPlainData`) is answered before any web class
 * is looked up. A stream's chunks are checked to be bytes (strings become UTF-8).
 */
function webBodyOf(value: object): Response | undefined {
  if (isPlainData(value)) return undefined;
  WebResponse ??= Response;
  if (value instanceof WebResponse) return value;
  if (value instanceof ReadableStream) return new WebResponse(byteStream(value));
  if (value instanceof Blob || value instanceof FormData || value instanceof URLSearchParams) {
    return new WebResponse(value);
  }
  if (isAsyncIterable(value)) return new WebResponse(iterableStream(value));
  return undefined;
}

/**
 * Whether a web body is one whose content is produced over time (a `Response`, a
 * `ReadableStream`, an async iterable), which a `stream: true` function sends as it comes; a
 * `Blob` or form data is in memory already and is sent whole.
 */
function producedOverTime(value: object): boolean {
  return !(value instanceof Blob || value instanceof FormData || value instanceof URLSearchParams);
}

function bodyOf(body: unknown, headers: Record<string, string>): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    const type = headers['content-type'];
    headers['content-type'] = type === undefined ? 'text/plain; charset=utf-8' : utf8Labelled(type);
    return body;
  }
  if (isPlainJson(body)) {
    headers['content-type'] ??= 'application/json';
    return jsonOf(body);
  }
  if (body instanceof Uint8Array) {
    headers['content-type'] ??= 'application/octet-stream';
    return body;
  }
  if (body instanceof ArrayBuffer) {
    headers['content-type'] ??= 'application/octet-stream';
    return new Uint8Array(body);
  }
  // Any other view of bytes (a Uint8ClampedArray of image data, a DataView) is its bytes, as a
  // middleware's answer takes it, not JSON of its indices.
  if (ArrayBuffer.isView(body)) {
    headers['content-type'] ??= 'application/octet-stream';
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
  headers['content-type'] ??= 'application/json';
  return jsonOf(body);
}

/**
 * `body` as JSON text. A value JSON has no text for (a function, a symbol, an object whose
 * `toJSON` gives one of those or `undefined`) throws, so the answer is a logged 500: sent, it
 * would be a JSON answer with no content, and a forgotten call (`return save`) would go unseen.
 */
function jsonOf(body: unknown): string {
  const text: string | undefined = JSON.stringify(body);
  if (text === undefined) {
    const what = typeof body === 'object' ? 'an object whose toJSON() gives nothing' : `a ${typeof body}`;
    throw new TypeError(`a handler answered with ${what}, which has no JSON form`);
  }
  return text;
}

/**
 * Media types whose text a charset decodes, labelled `charset=utf-8` when a string is sent under
 * them without one: `text/*`, XML (`application/xml`, `image/svg+xml`; the label overrides an
 * `encoding` the XML declaration names, RFC 7303) and JavaScript. JSON defines no
 * charset (RFC 8259 section 11): it is UTF-8 unlabelled.
 */
const CHARSET_TYPE = /^(?:text\/|application\/(?:xml|javascript|ecmascript|x-javascript)$|[^;]*\+xml$)/;

/**
 * A content type given beside a string body, with its `charset` saying UTF-8, which is how every
 * platform writes the string (RFC 9110 section 8.3.2): a charset it names is replaced by `utf-8`
 * (of `text/csv; charset=windows-1252` a client would decode `café` as `cafÃ©`), and a textual
 * type that names none gets one (an unlabelled `text/html` is read as windows-1252). Other
 * parameters are kept where they are; a type that is not textual and names no charset is kept as
 * it is.
 */
function utf8Labelled(type: string): string {
  const semicolon = type.indexOf(';');
  if (semicolon < 0) {
    return CHARSET_TYPE.test(type.trim().toLowerCase()) ? `${type.trimEnd()}; charset=utf-8` : type;
  }
  let labelled = '';
  let from = 0;
  let named = false;
  let at = semicolon + 1;
  while (at < type.length) {
    // One parameter from `at`: a name, `=`, and a token or a quoted string (which may hold `;`).
    const start = at;
    while (at < type.length && type[at] !== '=' && type[at] !== ';') at++;
    const name = type.slice(start, at).trim().toLowerCase();
    if (type[at] !== '=') {
      // A `charset` without a value names none: it is given `utf-8`, not followed by a second one.
      if (name === 'charset') {
        named = true;
        const nameEnd = start + type.slice(start, at).trimEnd().length;
        labelled += `${type.slice(from, nameEnd)}=utf-8`;
        from = nameEnd;
      }
      at++;
      continue;
    }
    const valueStart = ++at;
    while (at < type.length && (type[at] === ' ' || type[at] === '\t')) at++;
    if (type[at] === '"') {
      for (at++; at < type.length && type[at] !== '"'; at++) if (type[at] === '\\') at++;
      at++;
    }
    while (at < type.length && type[at] !== ';') at++;
    if (name === 'charset') {
      named = true;
      const value = type.slice(valueStart, at).trim().replace(/^"|"$/g, '').toLowerCase();
      if (value !== 'utf-8' && value !== 'utf8') {
        labelled += `${type.slice(from, valueStart)}utf-8`;
        // Whitespace after the value (before the next `;`) is kept.
        from = valueStart + type.slice(valueStart, at).trimEnd().length;
      }
    }
    at++;
  }
  if (named) return from === 0 ? type : labelled + type.slice(from);
  if (!CHARSET_TYPE.test(type.slice(0, semicolon).trim().toLowerCase())) return type;
  // A trailing `;` (or several) ends no parameter.
  return `${type.replace(/[\s;]+$/, '')}; charset=utf-8`;
}

/**
 * The content codings every `fetch()` of Node.js undoes, handing over the decoded body with the
 * header kept; `zstd` too where it decodes that (see `fetchDecodesZstd`). It undoes a list only
 * when it knows every coding in it (`gzip, identity` stays encoded).
 */
const FETCH_DECODES = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * Whether the `fetch()` of a Node.js whose bundled undici is `undici` (`process.versions.undici`)
 * undoes `zstd`, keeping the label: undici decodes it from 7.11.0 on, where zlib has a zstd
 * decoder (`zlib`: Node.js 22.15 and 23.8 on). Node.js 20 and 22 bundle undici 6, and early
 * releases of Node.js 24 an undici 7 before 7.11: their `fetch()` hands zstd content over
 * encoded. A runtime that names no undici is taken to leave it encoded.
 *
 * @example
 * fetchDecodesZstd('7.29.1', true); // true: Node.js 24
 * fetchDecodesZstd('6.28.1', true); // false: Node.js 22
 * fetchDecodesZstd(undefined, false); // false
 */
export function fetchDecodesZstd(undici: string | undefined, zlib: boolean): boolean {
  if (!zlib || undici === undefined) return false;
  const [major = Number.NaN, minor = Number.NaN] = undici.split('.', 2).map((part) => Number.parseInt(part, 10));
  return major > 7 || (major === 7 && minor >= 11);
}

/** Whether this runtime's `fetch()` undoes `zstd` (see `fetchDecodesZstd`), read on first use. */
let zstdDecoded: boolean | undefined;

/** Whether this runtime's `fetch()` undoes `zstd`, read once. */
function fetchUndoesZstd(): boolean {
  zstdDecoded ??= fetchDecodesZstd(
    process.versions.undici,
    typeof (process.getBuiltinModule('node:zlib') as { createZstdDecompress?: unknown }).createZstdDecompress ===
      'function',
  );
  return zstdDecoded;
}

/** Media types whose bytes are text (a body of any other type is kept as bytes). */
const TEXTUAL = /^text\/|[/+]json|[/+]xml\b|javascript|urlencoded|ndjson|json-seq|[/+](?:x-)?yaml\b|graphql/i;

/**
 * The response a web `Response` describes. A `Response` from `fetch()` (a handler proxying an
 * upstream) arrives with its body decoded but its `Content-Encoding` kept, and with the upstream
 * connection's headers; sent on as they are, clients fail to decode the body or reject the
 * framing. So connection headers and the length are dropped always, and a coding `fetch()`
 * undid is dropped from a fetched response. A `Response` made in the handler keeps its coding.
 */
function fromWebResponse(response: Response): Promise<HttpResponse> {
  let head: WebHead;
  try {
    head = webHead(response);
  } catch (error) {
    return Promise.reject(error);
  }
  const { headers, cookies, length, decoded, fetched } = head;
  return response.arrayBuffer().then((buffer) => {
    const bytes = new Uint8Array(buffer);
    // A fetched response copied to change its headers (`new Response(upstream.body, upstream)`)
    // is no longer marked fetched, but its body was decoded all the same: a gzip, zlib or zstd
    // label on bytes that do not start as such data does not describe them.
    const coding = headers['content-encoding']?.trim().toLowerCase();
    if (coding !== undefined && !fetched && mislabelled(coding, bytes)) delete headers['content-encoding'];
    return withContent(response.status, headers, cookies, bytes, decoded ? undefined : length);
  });
}

/**
 * The response a web `Response` describes, its content left a stream (see `fromWebResponse`):
 * sent as it is produced, without a length, which only the platform can know.
 */
function streamedWebResponse(response: Response): HttpResponse | Promise<HttpResponse> {
  const { headers, cookies, fetched } = webHead(response);
  const status = response.status;
  const content = response.body;
  if (content === null || bodiless(status)) {
    content?.cancel().catch(ignore);
    return { status, headers, cookies, body: undefined };
  }
  // Chunks are checked to be bytes: a `Response` made over a stream of strings reads as text.
  const stream = byteStream(content);
  if (!fetched) uncheckedCoding.add(stream);
  return { status, headers, cookies, body: undefined, stream };
}

/**
 * The streams of web `Response`s not made by `fetch()`, whose content coding label is checked
 * against their first bytes before they are sent (see `withCheckedCoding`).
 */
const uncheckedCoding = new WeakSet<ReadableStream<Uint8Array>>();

/**
 * A streamed response about to be sent, its gzip, deflate, br or zstd label checked against its first
 * bytes (see `mislabelled`): a fetched response copied to change its headers
 * (`new Response(upstream.body, upstream)`) keeps the label of content `fetch()` decoded, which
 * no client could read. Done as the answer is sent, not when it is made: a HEAD answer, a 204 or
 * an answer a middleware replaced never starts the producer.
 *
 * @example
 * const sent = await withCheckedCoding(response); // no content-encoding on plain bytes
 */
export function withCheckedCoding(
  response: HttpResponse,
  resuming?: (stream: ReadableStream<Uint8Array>) => void,
): HttpResponse | Promise<HttpResponse> {
  const stream = response.stream;
  if (stream === undefined || !uncheckedCoding.has(stream)) return response;
  uncheckedCoding.delete(stream);
  const coding = response.headers['content-encoding']?.trim().toLowerCase();
  if (coding === undefined || !CHECKED_CODINGS.has(coding)) return response;
  const reader = stream.getReader();
  const first = reader.read();
  // The stream that will be sent exists before its first bytes do: whoever may have to cancel
  // the answer while they are awaited (`timeout()`) gets it at once.
  const rest = resumed(first, reader);
  resuming?.(rest);
  return first.then((read) => {
    const headers = { ...response.headers };
    // Two bytes tell (four for zstd, but two that do not begin its magic number tell too); a
    // shorter first chunk is taken at its word.
    if (!read.done && read.value.byteLength >= 2 && mislabelled(coding, read.value, false)) {
      delete headers['content-encoding'];
    }
    return { ...response, headers, stream: rest };
  });
}

/** What a read of a byte stream gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/** The rest of a stream whose first read is `first`, as a stream again. */
function resumed(
  first: Promise<ReadResult>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let pending: Promise<ReadResult> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await (pending ?? reader.read());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** What the head of a web `Response` gives, before its content is read. */
interface WebHead {
  readonly headers: Record<string, string>;
  readonly cookies: string[];
  /** The `Content-Length` it came with. */
  readonly length: string | undefined;
  /** Whether `fetch()` undid the content coding: a length it came with is the encoded one. */
  readonly decoded: boolean;
  /** Whether it came from `fetch()` (its connection headers are the upstream's). */
  readonly fetched: boolean;
}

/**
 * The status check and the headers of a web `Response` (see `fromWebResponse`): connection
 * headers and the length left out, and a content coding `fetch()` undid.
 */
function webHead(response: Response): WebHead {
  // `Response.error()` (status 0) is a network error, no answer any platform can send.
  if (response.status < 200) {
    throw new TypeError(`a handler cannot answer a ${response.type} Response of status ${response.status}`);
  }
  const headers: Record<string, string> = {};
  const cookies = response.headers.getSetCookie();
  const named = (response.headers.get('connection') ?? '').toLowerCase().split(',');
  const fetched = response.type !== 'default';
  let length: string | undefined;
  let decoded = false;
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie' || named.some((token) => token.trim() === name)) return;
    // The length is settled once the body is read; an upstream's connection is not this one.
    if (name === 'content-length') length = value;
    else if (HOP_BY_HOP.has(name) && (fetched || platformOwned(name, value, true))) return;
    else if (name === 'content-encoding' && fetched && decodedByFetch(value)) decoded = true;
    else setOwn(headers, name, value);
  });
  return { headers, cookies, length, decoded, fetched };
}

/**
 * A response with the bytes read from a web body: text when its type is textual and its bytes
 * decode exactly, bytes otherwise. `length`, the `Content-Length` the body came with, is kept
 * for a HEAD or 304 answer only (see `platformOwned`), when no coding is kept beside it.
 */
function withContent(
  status: number,
  headers: Record<string, string>,
  cookies: string[],
  bytes: Uint8Array,
  length: string | undefined,
): HttpResponse {
  // Encoded bytes (a coding kept above) are not text, whatever their media type.
  const kept = headers['content-encoding']?.trim().toLowerCase();
  const textual = (kept === undefined || kept === 'identity') && TEXTUAL.test(headers['content-type'] ?? '');
  const body =
    bytes.byteLength === 0 ? undefined : ((textual ? utf8Text(bytes, headers['content-type']) : undefined) ?? bytes);
  // Kept without content only, for a HEAD or 304 answer (see `platformOwned` and `respond`),
  // and only when it is the length of the content as sent: not when `fetch()` decoded it, nor
  // beside a coding, which `fetch()` may have undone on the way to a copied response.
  if (body === undefined && kept !== undefined && kept !== 'identity') delete headers['content-encoding'];
  else if (length !== undefined) {
    if (!platformOwned('content-length', length, body !== undefined || status === 204)) {
      checkLength(length);
      headers['content-length'] = length;
    }
  }
  return { status, headers, cookies, body };
}

/**
 * A streamed response read whole, for a platform that sends answers whole (a Lambda function
 * answering through the buffered invoke mode, `invoke()` in tests): the body is what the stream
 * gave, text when its type is textual, as a web body read by a function without `stream: true`.
 *
 * @example
 * const whole = await bufferResponse(response); // whole.stream === undefined
 */
export function bufferResponse(response: HttpResponse): Promise<HttpResponse> {
  const stream = response.stream;
  if (stream === undefined) return Promise.resolve(response);
  return readStream(stream).then((bytes) => {
    const { stream: _, ...rest } = response;
    const headers = { ...rest.headers };
    // A coding label on bytes that are no such data does not describe them (see `fromWebResponse`).
    const coding = headers['content-encoding']?.trim().toLowerCase();
    if (coding !== undefined && mislabelled(coding, bytes)) delete headers['content-encoding'];
    const read = withContent(rest.status, headers, rest.cookies, bytes, undefined);
    return { ...rest, headers: read.headers, body: read.body };
  });
}

const ignore = () => {};

/**
 * Releases a body that will never be sent: a stream is cancelled, a Node.js stream destroyed
 * (its file or socket released), an upstream `Response` left unread is cancelled.
 */
function discard(body: unknown): void {
  if (typeof body !== 'object' || body === null || isPlainData(body)) return;
  if (body instanceof ReadableStream) {
    if (!body.locked) body.cancel().catch(ignore);
  } else if (body instanceof Response) {
    if (body.body !== null && !body.bodyUsed && !body.body.locked) body.body.cancel().catch(ignore);
  } else if (isAsyncIterable(body)) iterableStream(body).cancel().catch(ignore);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Charsets whose code units are wider than a byte, so ASCII bytes are no ASCII text in them. */
const WIDE_CHARSET = /^(?:utf-?(?:16|32)|ucs-?[24]|unicode)/;

function ascii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) return false;
  return true;
}

/**
 * Text bytes as a string when that keeps them exactly: UTF-8 (named or implied) and valid, or
 * ASCII in a charset that reads ASCII bytes as ASCII (all but UTF-16 and UTF-32). Bytes in
 * another charset (an upstream answering in windows-1252 or UTF-16) or not valid UTF-8 stay
 * bytes, so every platform sends them as they were, under their own content type.
 */
function utf8Text(bytes: Uint8Array, contentType: string | undefined): string | undefined {
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    if (WIDE_CHARSET.test(charset) || !ascii(bytes)) return undefined;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decodedByFetch(codings: string): boolean {
  const list = codings.split(',').map((coding) => coding.trim().toLowerCase());
  return (
    list.every((coding) => FETCH_DECODES.has(coding) || (coding === 'zstd' && fetchUndoesZstd())) ||
    (list.length === 1 && list[0] === 'identity')
  );
}

/**
 * Whether a single gzip, deflate, br or zstd label is on bytes that are not such data: gzip starts
 * with `1f 8b`, zlib (HTTP's deflate) with a header whose two bytes are a multiple of 31, zstd
 * with a frame's magic number (see `zstdStart`), and br, which has no signature, is tried: its
 * first bytes must decode (`whole` when `bytes` are all there is, else a prefix of more to come).
 * Other codings are taken at their word.
 */
function mislabelled(coding: string, bytes: Uint8Array, whole = true): boolean {
  if (bytes.byteLength === 0) return false;
  if (coding === 'gzip' || coding === 'x-gzip') return bytes[0] !== 0x1f || bytes[1] !== 0x8b;
  if (coding === 'deflate') {
    const cmf = bytes[0] as number;
    return (cmf & 0x0f) !== 8 || ((cmf << 8) | (bytes[1] ?? 0)) % 31 !== 0;
  }
  if (coding === 'zstd') return !zstdStart(bytes, whole);
  if (coding === 'br') return plainText(bytes) || !brotliPrefix(whole ? bytes : bytes.subarray(0, BROTLI_PROBE), whole);
  return false;
}

/** The codings whose label `mislabelled` checks against the content. */
const CHECKED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);

/**
 * Whether `bytes` begin zstd data (RFC 8878 section 3.1): a frame, whose magic number is
 * `28 b5 2f fd`, or a skippable frame, `5? 2a 4d 18`. Bytes fewer than the four of a magic number
 * may be a prefix of one when more are to come; when they are `whole`, they are no frame.
 */
function zstdStart(bytes: Uint8Array, whole: boolean): boolean {
  if (bytes.byteLength < 4 && whole) return false;
  const frame = [0x28, 0xb5, 0x2f, 0xfd];
  const skippable = [0x50, 0x2a, 0x4d, 0x18];
  let isFrame = true;
  let isSkippable = true;
  for (let i = 0; i < 4 && i < bytes.byteLength; i++) {
    const byte = bytes[i] as number;
    if (byte !== frame[i]) isFrame = false;
    if ((i === 0 ? byte & 0xf0 : byte) !== skippable[i]) isSkippable = false;
  }
  return isFrame || isSkippable;
}

/** How many leading bytes of a streamed br body are tried: enough to fail on text, little to decode. */
const BROTLI_PROBE = 512;

/**
 * Whether bytes read as plain text: 16 or more, every one printable ASCII or a line break or tab.
 * Compressed data is as good as never so (each byte is one of 98 in 256, sixteen times running).
 */
function plainText(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 16) return false;
  const end = Math.min(bytes.byteLength, BROTLI_PROBE);
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] as number;
    if ((byte < 0x20 || byte > 0x7e) && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

/**
 * Whether `bytes` begin brotli data (are all of it, when `whole`). The output is capped small:
 * decoding that passes the cap is brotli all the same, and a small body that inflates to
 * gigabytes costs no more than the cap.
 */
function brotliPrefix(bytes: Uint8Array, whole: boolean): boolean {
  const zlib = process.getBuiltinModule('node:zlib');
  try {
    zlib.brotliDecompressSync(bytes, {
      finishFlush: whole ? zlib.constants.BROTLI_OPERATION_FINISH : zlib.constants.BROTLI_OPERATION_FLUSH,
      maxOutputLength: 64 * 1024,
    });
    return true;
  } catch (error) {
    return error instanceof RangeError;
  }
}

/**
 * `{ status, headers, cookies, body }` whose body is a web body: the status and the headers and
 * cookies given beside it win over the body's own.
 */
function withWebBody(
  status: number,
  headers: Record<string, string>,
  cookies: string[],
  web: Response,
  streamed: boolean,
): HttpResponse | Promise<HttpResponse> {
  if (streamed) {
    const merge = (read: HttpResponse): HttpResponse => {
      if (bodiless(status)) read.stream?.cancel().catch(ignore);
      return {
        status,
        headers: withLength({ ...read.headers, ...headers }, status, undefined, read.stream !== undefined),
        cookies: [...read.cookies, ...cookies],
        body: undefined,
        ...(read.stream === undefined || bodiless(status) ? {} : { stream: read.stream }),
      };
    };
    const read = streamedWebResponse(web);
    return read instanceof Promise ? read.then(merge) : merge(read);
  }
  return fromWebResponse(web).then((read) => {
    const merged = { ...read.headers, ...headers };
    let body = bodiless(status) ? undefined : read.body;
    // Bytes of a body with no type of its own (a stream, an iterable) are text under a textual
    // type given beside it, as they would be in a `Response` of that type.
    if (body instanceof Uint8Array && read.headers['content-type'] === undefined) {
      const kept = merged['content-encoding']?.trim().toLowerCase();
      if ((kept === undefined || kept === 'identity') && TEXTUAL.test(merged['content-type'] ?? '')) {
        body = utf8Text(body, merged['content-type']) ?? body;
      }
    }
    return {
      status,
      headers: withLength(merged, status, body),
      cookies: [...read.cookies, ...cookies],
      body,
    };
  });
}

/**
 * `headers` without a given length where the platform measures the content (see
 * `platformOwned`), as it does for a `streamed` body.
 */
function withLength(
  headers: Record<string, string>,
  status: number,
  body: string | Uint8Array | undefined,
  streamed = false,
): Record<string, string> {
  const length = headers['content-length'];
  if (length === undefined) return headers;
  if (!platformOwned('content-length', length, streamed || body !== undefined || status === 204)) {
    checkLength(length);
    return headers;
  }
  const { 'content-length': _, ...rest } = headers;
  return rest;
}

/** Statuses whose response has no content: 204, 205 (RFC 9110 15.3.6) and 304. */
function bodiless(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

/**
 * The headers of a response init, its cookies added to `cookies`; a header or cookie no platform
 * can send throws (the answer is a 500), and the body, never to be sent, is released.
 */
function headersAndCookies(result: HttpResponseInit, cookies: string[]): Record<string, string> {
  try {
    const headers = headersOf(result.headers, cookies);
    // One cookie given alone (a string or a cookie object) is that cookie, not its characters.
    addCookies(cookies, result.cookies);
    for (const cookie of cookies) checkHeader('set-cookie', cookie);
    return headers;
  } catch (error) {
    discard(result.body);
    throw error;
  }
}

/**
 * Normalises a handler result. Synchronous except for a web body (a `Response`, a `ReadableStream`,
 * a `Blob`, `FormData`, `URLSearchParams`) or an async iterable of strings or bytes, which is read
 * whole; with `streamed` (a function defined with `stream: true`) a body produced over time (a
 * `Response`, a `ReadableStream`, an async iterable) is left a stream, in `stream`, for an
 * adapter that can send it as it comes (see `respond`).
 *
 * @example
 * normalizeResponse({ id: 1 });              // { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: '{"id":1}' }
 * normalizeResponse(undefined);              // { status: 204, headers: {}, cookies: [], body: undefined }
 * normalizeResponse({ status: 201, body: 'made' });
 */
export function normalizeResponse(result: unknown, streamed = false): HttpResponse | Promise<HttpResponse> {
  if (result === undefined) return { status: 204, headers: {}, cookies: [], body: undefined };
  if (result === null)
    return { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: 'null' };
  // A web `Response` is never a response init (its prototype's attributes are enumerable keys),
  // so the common `{ status, body }` is recognised before the costlier class check.
  if (isResponseInit(result)) {
    const status = result.status;
    if (status < 200) {
      discard(result.body);
      throw new TypeError(`a handler cannot answer ${status}: 1xx responses are the server's own`);
    }
    let headers: Record<string, string>;
    let cookies: string[];
    if (result.headers === undefined && result.cookies === undefined) {
      // The common `{ status, body }`: a literal header map is cheaper than one built up.
      const body = result.body;
      if (isPlainData(body) && !bodiless(status)) {
        return { status, headers: { 'content-type': 'application/json' }, cookies: [], body: jsonOf(body) };
      }
      headers = {};
      cookies = [];
    } else {
      cookies = [];
      headers = headersAndCookies(result, cookies);
    }
    const given = result.body;
    const web = typeof given === 'object' && given !== null ? webBodyOf(given) : undefined;
    if (web !== undefined) {
      return withWebBody(status, headers, cookies, web, streamed && producedOverTime(given as object));
    }
    const body = bodiless(status) ? undefined : bodyOf(given, headers);
    return { status, headers: withLength(headers, status, body), cookies, body };
  }
  if (isPlainData(result)) {
    return { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: jsonOf(result) };
  }
  if (typeof result === 'object') {
    const web = webBodyOf(result);
    if (web !== undefined) {
      return streamed && producedOverTime(result) ? streamedWebResponse(web) : fromWebResponse(web);
    }
  }
  const headers: Record<string, string> = {};
  return { status: 200, headers, cookies: [], body: bodyOf(result, headers) };
}

/**
 * The refusal of a header or cookie of an error's that no platform can send (CR or LF, a
 * character outside ASCII, a name that is no token), as the `TypeError` a response a handler
 * returned with it gets; `undefined` when every one can be sent. The headers the platform sets
 * are not looked at: they are left out of the answer whatever they hold.
 */
function refusedHeader(error: HttpError): TypeError | undefined {
  const status = error.status;
  const measured = !bodiless(status) || status === 204 || status === 205;
  const given: Readonly<Record<string, unknown>> = error.headers;
  for (const key of Object.keys(given)) {
    const raw = given[key];
    if (raw === undefined || raw === null) continue;
    const name = key.toLowerCase();
    if (name === 'set-cookie') {
      for (const cookie of Array.isArray(raw) ? raw : [raw]) {
        if (UNSENDABLE.test(String(cookie))) return unsendable(name, error);
      }
      continue;
    }
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    if (platformOwned(name, value, measured)) continue;
    if (!TOKEN.test(key)) return notToken(name, error);
    if (UNSENDABLE.test(value)) return unsendable(name, error);
  }
  return undefined;
}

/**
 * The problem+json response of an error. A 304 (or a 204 or 205 given here) has no content: its
 * answer is the error's headers alone, with no body and no content type. A `set-cookie` header
 * of the error's is sent as its cookies (an array as several).
 *
 * A header or cookie of the error's that no platform can send (CR or LF, a character outside
 * ASCII, a name that is no token) is a `TypeError`, as it is in a response a handler returns,
 * so the error is answered as a 500 (logged) rather than with its own status less the header.
 * A 500 is that answer already: its headers no platform can send are left out, so the 500 that
 * stands for a failure always renders.
 *
 * @example
 * problemResponse(new NotFound('no order 7'), ctx.requestId).status; // 404
 * problemResponse(new HttpError(303, undefined, { headers: { location: '/café' } }), id); // throws a TypeError
 */
export function problemResponse(error: HttpError, requestId: string | undefined): HttpResponse {
  const status = error.status;
  if (status !== 500) {
    const refusal = refusedHeader(error);
    if (refusal !== undefined) throw refusal;
  }
  const empty = bodiless(status);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const given: Readonly<Record<string, unknown>> = error.headers;
  for (const key of Object.keys(given)) {
    const raw = given[key];
    if (raw === undefined || raw === null) continue;
    const name = key.toLowerCase();
    // Of a 500's, a header or cookie no platform can send is left out.
    if (name === 'set-cookie') {
      for (const cookie of Array.isArray(raw) ? raw : [raw]) {
        const value = String(cookie);
        if (!UNSENDABLE.test(value)) cookies.push(value);
      }
      continue;
    }
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    // So are the headers the platform sets for the problem it sends (a 304 keeps a length, which
    // describes the representation it stands for, as `checkResponse` lets it).
    if (
      TOKEN.test(key) &&
      !UNSENDABLE.test(value) &&
      !platformOwned(name, value, !empty || status === 204 || status === 205)
    ) {
      setOwn(headers, name, value);
    }
  }
  if (empty) return { status, headers, cookies, body: undefined };
  headers['content-type'] = 'application/problem+json';
  return { status, headers, cookies, body: problemJson(problemDetails(error, requestId)) };
}

/**
 * The JSON of a problem. A member `JSON.stringify` refuses (a BigInt, a cycle among extension
 * members) is written as a string (`"[Circular]"` for a cycle), everything else as
 * `JSON.stringify` writes it (an `Error` as its own enumerable fields, so `{}` for most). If that
 * fails too (a `toJSON` or a getter that throws), the problem without its extension members and
 * `errors`: never a message the error did not mean to send.
 */
function problemJson(problem: ProblemDetails): string {
  try {
    return JSON.stringify(problem);
  } catch {
    try {
      return JSON.stringify(problem, tolerant());
    } catch {
      return JSON.stringify(bareProblem(problem));
    }
  }
}

/**
 * A `JSON.stringify` replacer that writes a BigInt as its decimal string and a reference back to
 * an object being written as `"[Circular]"`. An object met twice side by side is written twice,
 * as `JSON.stringify` writes it: only the objects from the root down to the member being written
 * (the `this` of each call) are kept.
 */
function tolerant(): (this: unknown, key: string, value: unknown) => unknown {
  const open: unknown[] = [];
  return function replace(this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    // Members are written depth first: objects above `this` that are not its ancestors are done.
    while (open.length > 0 && open[open.length - 1] !== this) open.pop();
    if (open.includes(value)) return '[Circular]';
    open.push(value);
    return value;
  };
}

/** `type`, `title`, `status`, and `detail`, `instance`, `requestId` and `code` when the problem has them, each a string or a number as it must be. */
function bareProblem(problem: ProblemDetails): Record<string, string | number> {
  const status = problem.status;
  const bare: Record<string, string | number> = {
    type: typeof problem.type === 'string' ? problem.type : 'about:blank',
    title: typeof problem.title === 'string' ? problem.title : statusText(status),
    status,
  };
  if (typeof problem.detail === 'string') bare.detail = problem.detail;
  if (typeof problem.instance === 'string') bare.instance = problem.instance;
  if (typeof problem.requestId === 'string') bare.requestId = problem.requestId;
  if (typeof problem.code === 'string') bare.code = problem.code;
  return bare;
}
