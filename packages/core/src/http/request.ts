/**
 * The portable HTTP request. Adapters describe what the platform delivered as an
 * `HttpRequestInit`; `createHttpRequest()` turns it into an `HttpRequest` whose costly parts
 * (header normalisation, query, cookies, body parsing) are computed on first read.
 */
import { charsetOf, decodeText, fromUtf8, utf8, utf8Length } from '../bytes.js';
import {
  answered,
  BadRequest,
  type ErrorAnswerState,
  errorAnswerHeaders,
  quietly,
  started,
  UnsupportedMediaType,
} from '../errors.js';
import type { Failure } from '../failure.js';
import { setOwn } from '../own.js';
import type { HeaderMap, HttpRequest, HttpResponse } from '../types.js';
import { parseCookieHeader } from './cookies.js';

/** A header map as platforms deliver it: any case, single or repeated values. */
export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined | null>>;

/** What an adapter knows about an HTTP request. */
export interface HttpRequestInit {
  /** The method, any case. */
  readonly method: string;
  /** The path, percent-encoded or not, without the query string. */
  readonly path: string;
  /** The query: a raw query string (with or without `?`), parsed params, or a map. */
  readonly query?:
    | string
    | URLSearchParams
    | Readonly<Record<string, string | readonly string[] | undefined | null>>
    | null;
  /** Headers in any case. */
  readonly headers?: RawHeaders | null | undefined;
  /**
   * Set when `headers` already has lower-case names and single string values (AWS HTTP API),
   * so they are used without copying.
   */
  readonly headersNormalized?: boolean | undefined;
  /**
   * The `Content-Type`, when the adapter knows it without normalising every header (a platform
   * that delivers lower-case names, such as AWS HTTP API). `undefined` means: read it from `headers`.
   */
  readonly contentType?: string | undefined;
  /** Cookies the platform delivered apart from the headers (AWS HTTP API `cookies`). */
  readonly cookies?: readonly string[] | null | undefined;
  /** The body: text (UTF-8) or bytes. */
  readonly body?: string | Uint8Array | null | undefined;
  /** The client address. */
  readonly ip?: string | undefined;
  /**
   * The full URL, when the platform knows it, used as it is. Otherwise it is built from `host`,
   * the path and the query: a query given as a string as it came, a path or query with what
   * cannot stand in a URL (a space, non-ASCII text) percent-encoded.
   */
  readonly url?: string | undefined;
  /** Path parameters the platform already extracted. */
  readonly params?: Readonly<Record<string, string | undefined | null>> | null | undefined;
  /** The untouched cloud event. */
  readonly raw?: unknown | undefined;
}

/** The body kinds Skyport parses. */
export type BodyType = 'json' | 'form' | 'text' | 'binary' | 'none';

/**
 * Classifies a `Content-Type`.
 *
 * @example
 * bodyTypeOf('application/vnd.api+json; charset=utf-8'); // 'json'
 */
export function bodyTypeOf(contentType: string | undefined): BodyType {
  if (!contentType) return 'none';
  const semi = contentType.indexOf(';');
  const media = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json' || media.endsWith('+json')) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  if (media.startsWith('text/')) return 'text';
  return 'binary';
}

/**
 * Bytes as text in the charset a content type names (`text/plain; charset=iso-8859-1`), as
 * the WHATWG Encoding Standard maps labels; UTF-8 when it names none, or one no decoder knows.
 */
function textIn(bytes: Uint8Array, contentType: string | undefined): string {
  const label = charsetOf(contentType);
  return label === undefined || label === 'utf-8' || label === 'utf8' ? fromUtf8(bytes) : decodeText(bytes, label);
}

/** A map without a prototype, so names such as `constructor` or `__proto__` are plain keys. */
function dictionary(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/**
 * The text of a header or query value as a hand-made or mutated event may hold it: a string, a
 * list (joined with `separator`), a number or boolean (as text); `undefined` for anything else.
 */
function textOf(value: unknown, separator: string): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value as unknown[]) {
      const text = textOf(item, separator);
      if (text !== undefined) items.push(text);
    }
    return items.join(separator);
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : undefined;
}

function normalizeHeaders(raw: RawHeaders | null | undefined): Record<string, string> {
  // A plain object (copying into a prototype-free one is several times slower); `header()`
  // reads own keys only, and `__proto__` is defined rather than assigned.
  const headers: Record<string, string> = {};
  if (!raw) return headers;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const name = key.toLowerCase();
    const joined = typeof value === 'string' ? value : textOf(value, name === 'cookie' ? '; ' : ', ');
    if (joined === undefined) continue;
    const existing = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const combined = existing === undefined ? joined : `${existing}${name === 'cookie' ? '; ' : ', '}${joined}`;
    setOwn(headers, name, combined);
  }
  return headers;
}

function toSearchParams(query: HttpRequestInit['query']): URLSearchParams {
  if (!query) return new URLSearchParams();
  if (typeof query === 'string') return new URLSearchParams(query);
  if (query instanceof URLSearchParams) return query;
  const params = new URLSearchParams();
  for (const key of Object.keys(query)) {
    const value: unknown = query[key];
    if (typeof value === 'string') params.append(key, value);
    else if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        const text = textOf(item, ',');
        if (text !== undefined) params.append(key, text);
      }
    } else {
      const text = textOf(value, ',');
      if (text !== undefined) params.append(key, text);
    }
  }
  return params;
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const out = dictionary();
  for (const [key, value] of params) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

/** Runs of what a URL path cannot hold as it is: all but printable ASCII, and `"#<>?{}`, a backquote, a backslash. */
const unfitInPath = /[^!$-;=@-[\]-_a-z|~]+/g;
/** Runs of what a URL query cannot hold as it is: all but printable ASCII, and `"#<>`. */
const unfitInQuery = /[^!$-;=?-~]+/g;

/** A run of characters as percent-encoded UTF-8 (a lone surrogate as U+FFFD, never a throw). */
function percentEncoded(run: string): string {
  let out = '';
  for (const byte of utf8(run)) out += `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  return out;
}

/**
 * A path or query as it goes into a request's URL: only what cannot stand in a URL is
 * percent-encoded (a control, a space, non-ASCII text, `"#<>`, and in a path also `?{}`, a
 * backquote and a backslash, which a URL parser would read as `/`), so a path the platform
 * decoded becomes one a client could have sent, while what is already fit, escapes included,
 * stays exactly as it came. Adapters that build `HttpRequestInit.url` themselves use it too.
 *
 * @example
 * fitForUrl('/t/café x', 'path'); // '/t/caf%C3%A9%20x'
 * fitForUrl('sig=a%2Bb&flag', 'query'); // 'sig=a%2Bb&flag'
 */
export function fitForUrl(text: string, part: 'path' | 'query'): string {
  return text.replace(part === 'path' ? unfitInPath : unfitInQuery, percentEncoded);
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw quietly(() => new BadRequest('the request path is not valid percent-encoding', { code: 'BAD_PATH' }));
  }
}

/** Parses JSON text; malformed JSON is a 400. */
/**
 * The body parsed as JSON. Text that does not parse is a 400, unless the body came with a content
 * coding (`gzip`): that is a coding the runtime did not undo, a 415 (RFC 9110 §15.5.16) that says
 * so, looked at only once parsing failed.
 */
function parseJson(text: string, req: RequestImpl): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const coding = req.header('content-encoding')?.trim().toLowerCase();
    if (coding !== undefined && coding !== '' && coding !== 'identity') {
      throw quietly(
        () =>
          new UnsupportedMediaType(`the request body is encoded (${coding}); send it without a content coding`, {
            code: 'UNSUPPORTED_CONTENT_ENCODING',
            headers: { 'accept-encoding': 'identity' },
            cause: error,
          }),
      );
    }
    throw quietly(() => new BadRequest('the request body is not valid JSON', { code: 'MALFORMED_JSON', cause: error }));
  }
}

/**
 * Escapes a UTF-8 form may hold and still be read by `URLSearchParams`: it tries each part with an
 * escape as UTF-8 and catches the throw, some microseconds a part that is not, which over a 6 MB
 * form of such parts (`n%E9=1&...`) is seconds; past this many, a few milliseconds at most.
 */
const ESCAPES_FOR_URL_SEARCH_PARAMS = 1000;

/**
 * A form read as UTF-8, with what `URLSearchParams` makes of it (a leading `?` dropped, the first
 * value per name, `+` a space, an invalid escape as it is, bytes that are not UTF-8 and lone
 * surrogates as U+FFFD): by `URLSearchParams` itself when it has few escapes (a browser's form,
 * which it reads fastest), else in one pass that never throws a part at a time.
 */
function parseForm(text: string): Record<string, string> {
  // A form too short to hold that many escapes (3 characters each) is not searched for them.
  let escapes = 0;
  if (text.length > 3 * ESCAPES_FOR_URL_SEARCH_PARAMS) {
    for (let i = text.indexOf('%'); i >= 0 && escapes <= ESCAPES_FOR_URL_SEARCH_PARAMS; i = text.indexOf('%', i + 1))
      escapes++;
  }
  if (escapes <= ESCAPES_FOR_URL_SEARCH_PARAMS) return firstValues(new URLSearchParams(text));
  // A part with a code unit past U+D7FF is read: it may hold a lone surrogate.
  return splitForm(text, new FormParts(text, false, utf8Form, true), 0xd7ff);
}

/**
 * The encoding whose bytes a form's escapes stand for, when the `charset` its content type names
 * is not UTF-8: one a decoder knows and that writes `&`, `=`, `+` and `%` as ASCII does (not
 * UTF-16 or ISO-2022-JP). `undefined` otherwise: the form is read as UTF-8 text.
 */
function formEncodingOf(label: string | undefined): string | undefined {
  if (label === undefined || label === 'utf-8' || label === 'utf8') return undefined;
  let encoding: string;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
  return encoding === 'utf-8' || encoding === 'utf-16le' || encoding === 'utf-16be' || encoding === 'iso-2022-jp'
    ? undefined
    : encoding;
}

/** The encodings a form is taken in whose characters can be more than one byte long. */
const MULTI_BYTE = new Set(['big5', 'euc-jp', 'euc-kr', 'gb18030', 'gbk', 'shift_jis']);

/**
 * How bytes in one encoding become text: a single-byte encoding by a table of the character each
 * byte stands for, a multi-byte one by its decoder.
 */
type FormCharset =
  | { readonly table: Uint16Array; readonly decoder?: undefined }
  | { readonly table?: undefined; readonly decoder: InstanceType<typeof TextDecoder> };

/**
 * UTF-8 as a form's escapes are read: invalid bytes as U+FFFD, and a byte order mark kept (the
 * WHATWG urlencoded parser decodes "without BOM", as `URLSearchParams` does).
 */
const utf8Form: FormCharset = { decoder: new TextDecoder('utf-8', { ignoreBOM: true }) };

/**
 * Whether the runtime's `URLSearchParams` looks for an escape in a part after its `+` became a
 * space (Node.js 24), so `%+BB` holds none and is kept as it is; Node.js 20 and 22 pass a `+`
 * over, find `%BB`, and read the part as bytes. Asked of the runtime once, when a form first needs it.
 */
let plusEndsEscape: boolean | undefined;

function plusEndsAnEscape(): boolean {
  plusEndsEscape ??= new URLSearchParams('a=%+BB\u0080').get('a') === '% BB\u0080';
  return plusEndsEscape;
}

/** `String.prototype.toWellFormed` (ES2024, in every Node Skyport runs on): each lone surrogate as U+FFFD. */
const toWellFormed = (String.prototype as unknown as { toWellFormed(this: string): string }).toWellFormed;

/** One per encoding a form came in (a few dozen at most), made when the first such form is read. */
const formCharsets = new Map<string, FormCharset>();

function formCharsetOf(encoding: string): FormCharset {
  let charset = formCharsets.get(encoding);
  if (charset === undefined) {
    charset = { decoder: new TextDecoder(encoding) };
    if (!MULTI_BYTE.has(encoding)) {
      const every = new Uint8Array(256);
      for (let byte = 0; byte < 256; byte++) every[byte] = byte;
      // `decodeText`, not the decoder: it reads windows-1252 right where some Node releases do not.
      const text = decodeText(every, encoding);
      if (text.length === 256) {
        const table = new Uint16Array(256);
        for (let byte = 0; byte < 256; byte++) table[byte] = text.charCodeAt(byte);
        charset = { table };
      }
    }
    formCharsets.set(encoding, charset);
  }
  return charset;
}

const utf16le = new TextDecoder('utf-16le');
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Code units per `String.fromCharCode` call, well below any engine's limit on arguments. */
const UNITS_PER_CALL = 8192;

/** The first `length` code units of `units` as a string, kept as they are (a lone surrogate too). */
function unitsText(units: Uint16Array | Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += UNITS_PER_CALL) {
    const chunk = units.subarray(i, Math.min(i + UNITS_PER_CALL, length));
    out += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return out;
}

/**
 * Bytes as a string of one character per byte, whose code is the byte, so a byte body is split
 * and sliced as cheaply as a text one. Decoding the bytes widened to UTF-16 is the fastest way.
 */
function byteString(bytes: Uint8Array): string {
  if (!littleEndian) return unitsText(bytes, bytes.length);
  const units = new Uint16Array(bytes.length);
  units.set(bytes);
  return utf16le.decode(units);
}

/** The value of an ASCII hex digit, or -1. */
function hexValue(unit: number): number {
  if (unit >= 0x30 && unit <= 0x39) return unit - 0x30;
  const lower = unit | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Whether every `%` in text starts an escape, and the bytes of each run of escapes are UTF-8 (no
 * overlong form, surrogate or code point past U+10FFFF): when `decodeURIComponent` reads it
 * without a throw.
 */
function escapesAreUtf8(text: string): boolean {
  const length = text.length;
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i)) {
    const lead = escapeAt(text, i, length);
    if (lead < 0) return false;
    i += 3;
    if (lead < 0x80) continue;
    const more =
      lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (more === 0) return false;
    for (let k = 0; k < more; k++, i += 3) {
      const byte = text.charCodeAt(i) === 0x25 ? escapeAt(text, i, length) : -1;
      // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
      const low = k > 0 ? 0x80 : lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const high = k > 0 ? 0xbf : lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      if (byte < low || byte > high) return false;
    }
  }
  return true;
}

/**
 * The byte the escape at `i` (a `%`) stands for, or -1 when its two hex digits do not follow
 * before `to`: an invalid escape stays as it is, as `URLSearchParams` leaves it.
 */
function escapeAt(source: string, i: number, to: number): number {
  if (i + 2 >= to) return -1;
  const high = hexValue(source.charCodeAt(i + 1));
  const low = high < 0 ? -1 : hexValue(source.charCodeAt(i + 2));
  return low < 0 ? -1 : high * 16 + low;
}

const noUnits = new Uint16Array(0);
const noBytes = new Uint8Array(0);

/**
 * Reads the names and values of one form: `+` is a space and `%XX` its byte, read in the form's
 * charset. The source is the body as text the platform decoded already (whose characters that
 * are not ASCII are kept as they are, but in a UTF-8 form, read as `URLSearchParams` reads it),
 * or a byte body as a string of one character per byte (all of whose bytes are read in the
 * charset). One scratch buffer serves every part, grown to the longest: code units for a
 * single-byte charset, bytes for another.
 */
class FormParts {
  readonly #source: string;
  readonly #bytes: boolean;
  readonly #charset: FormCharset;
  /** Set for a UTF-8 form, read as `URLSearchParams` reads it. */
  readonly #urlSearchParams: boolean;
  /** Set once `decodeURIComponent` refused a part of this form. */
  #refused = false;
  // Made on the first part that needs one: a typed array costs more than reading a small form.
  #units: Uint16Array = noUnits;
  #scratch: Uint8Array = noBytes;

  constructor(source: string, bytes: boolean, charset: FormCharset, urlSearchParams = false) {
    this.#source = source;
    this.#bytes = bytes;
    this.#charset = charset;
    this.#urlSearchParams = urlSearchParams;
  }

  /** The part of the source from `from` to `to`, which holds a `+`, a `%` or a byte not ASCII. */
  read(from: number, to: number): string {
    if (this.#urlSearchParams) return this.#utf8(from, to);
    const table = this.#charset.table;
    if (table !== undefined) {
      if (this.#units.length < to - from)
        this.#units = new Uint16Array(Math.max(to - from, 2 * this.#units.length, 64));
      return this.#mapped(from, to, table);
    }
    if (this.#scratch.length < to - from)
      this.#scratch = new Uint8Array(Math.max(to - from, 2 * this.#scratch.length, 64));
    return this.#decoded(from, to);
  }

  /**
   * A part of a UTF-8 form, as Node's `URLSearchParams` reads it: its `+` as spaces (a few
   * spliced, cheaper than `replaceAll` on a short part; more replaced, so a long part is never
   * many strings strung together), its lone surrogates as U+FFFD, and, when it holds an escape
   * (a `%` and two hex digits, a `+` between them passed over where the runtime's does, see
   * `plusEndsAnEscape`), read by `decodeURIComponent`, or
   * where that throws (an escape not UTF-8, a `%` without two hex digits), as bytes: an escape
   * its byte, any other character the low byte of its code, bytes not UTF-8 as U+FFFD. After one
   * such part in a form, an ASCII part is read from bytes straight away (alike, but for a throw
   * that costs microseconds, in a form that may have a million parts), and a part that is not
   * ASCII is tried first, never thrown.
   */
  #utf8(from: number, to: number): string {
    const source = this.#source;
    let plus = 0;
    let wide = false;
    let surrogate = false;
    let hex = -1;
    const plusEnds = plusEndsAnEscape();
    for (let i = from; i < to; i++) {
      const unit = source.charCodeAt(i);
      if (unit === 0x2b) {
        plus++;
        if (plusEnds && hex >= 0 && hex < 2) hex = -1;
      } else if (unit === 0x25) hex = hex === 2 ? 2 : 0;
      else if (hex >= 0 && hex < 2) hex = hexValue(unit) < 0 ? -1 : hex + 1;
      if (unit >= 0x80) {
        wide = true;
        if (unit >= 0xd800 && unit <= 0xdfff) surrogate = true;
      }
    }
    let text: string;
    if (plus === 0) text = source.slice(from, to);
    else if (plus > 8) text = source.slice(from, to).replaceAll('+', ' ');
    else {
      text = '';
      let last = from;
      for (let i = source.indexOf('+', from); plus > 0; i = source.indexOf('+', i + 1), plus--) {
        text += `${source.slice(last, i)} `;
        last = i + 1;
      }
      text += source.slice(last, to);
    }
    if (surrogate) text = toWellFormed.call(text);
    if (hex !== 2) return text;
    if (wide ? !escapesAreUtf8(text) : this.#refused) return this.#lowBytes(text);
    try {
      return decodeURIComponent(text);
    } catch {
      this.#refused = true;
      return this.#lowBytes(text);
    }
  }

  /** Text as bytes, an escape its byte and any other character the low byte of its code, read as UTF-8. */
  #lowBytes(text: string): string {
    const length = text.length;
    if (this.#scratch.length < length) this.#scratch = new Uint8Array(Math.max(length, 2 * this.#scratch.length, 64));
    const scratch = this.#scratch;
    let size = 0;
    for (let i = 0; i < length; i++) {
      let byte = text.charCodeAt(i) & 0xff;
      if (byte === 0x25 && text.charCodeAt(i) === 0x25) {
        const escaped = escapeAt(text, i, length);
        if (escaped >= 0) {
          byte = escaped;
          i += 2;
        }
      }
      scratch[size++] = byte;
    }
    return (utf8Form.decoder as InstanceType<typeof TextDecoder>).decode(scratch.subarray(0, size));
  }

  /** A part in a single-byte charset: each character, escape or byte is one code unit of the text. */
  #mapped(from: number, to: number, table: Uint16Array): string {
    const source = this.#source;
    const units = this.#units;
    const bytes = this.#bytes;
    let size = 0;
    for (let i = from; i < to; i++) {
      let unit = source.charCodeAt(i);
      if (unit === 0x2b) unit = 0x20;
      else if (unit === 0x25) {
        const byte = escapeAt(source, i, to);
        if (byte >= 0) {
          unit = table[byte] as number;
          i += 2;
        }
      } else if (unit >= 0x80 && bytes) unit = table[unit] as number;
      units[size++] = unit;
    }
    return unitsText(units, size);
  }

  /**
   * A part in a multi-byte charset: its bytes are decoded together (an escape and a raw byte may
   * make one character), but for text the platform decoded already, which is kept as it is.
   */
  #decoded(from: number, to: number): string {
    const source = this.#source;
    const bytes = this.#bytes;
    const scratch = this.#scratch;
    let out = '';
    let size = 0;
    let high = false;
    for (let i = from; i < to; i++) {
      let byte = source.charCodeAt(i);
      if (byte === 0x2b) byte = 0x20;
      else if (byte === 0x25) {
        const escaped = escapeAt(source, i, to);
        if (escaped >= 0) {
          byte = escaped;
          i += 2;
        }
      } else if (byte >= 0x80 && !bytes) {
        let end = i + 1;
        while (end < to && source.charCodeAt(end) >= 0x80) end++;
        out += this.#text(size, high) + source.slice(i, end);
        size = 0;
        high = false;
        i = end - 1;
        continue;
      }
      if (byte >= 0x80) high = true;
      scratch[size++] = byte;
    }
    return out + this.#text(size, high);
  }

  /** The first `size` bytes of the scratch buffer as text (ASCII reads alike in every charset taken). */
  #text(size: number, high: boolean): string {
    if (size === 0) return '';
    const bytes = this.#scratch;
    if (!high) return unitsText(bytes, size);
    return (this.#charset.decoder as InstanceType<typeof TextDecoder>).decode(bytes.subarray(0, size));
  }
}

/**
 * A form whose `charset` is not UTF-8, as a browser sends it: its escapes are bytes in that
 * charset (`caf%E9` is `café` in ISO-8859-1), not UTF-8, and so are its raw bytes. It is split as
 * `parseForm` splits a UTF-8 form, so a charset changes how escapes read, never what the fields
 * are: a leading `?` is dropped (as `URLSearchParams` drops it), and the first value per name is
 * kept. A part without a `+`, an escape or a byte that is not ASCII is sliced as it is.
 */
function parseFormIn(input: string | Uint8Array, encoding: string): Record<string, string> {
  const bytes = typeof input !== 'string';
  const source = bytes ? byteString(input) : input;
  // A character above it needs reading: a byte that is not ASCII does, text decoded already never.
  return splitForm(source, new FormParts(source, bytes, formCharsetOf(encoding)), bytes ? 0x7f : 0xffff);
}

/**
 * The first value of each name in a form, as `URLSearchParams` splits it (a leading `?` dropped).
 * A part without a `+`, an escape or a character above `plain` is sliced as it is; `parts` reads
 * any other.
 */
function splitForm(source: string, parts: FormParts, plain: number): Record<string, string> {
  const out = dictionary();
  const length = source.length;
  let start = source.charCodeAt(0) === 0x3f ? 1 : 0;
  while (start < length) {
    // One pass over the field: a search for `=` beyond its `&` would make many fields quadratic.
    let eq = -1;
    let first = -1;
    let last = -1;
    let end = start;
    for (; end < length; end++) {
      const code = source.charCodeAt(end);
      if (code === 0x26) break;
      if (code === 0x3d) {
        if (eq < 0) eq = end;
      } else if (code === 0x25 || code === 0x2b || code > plain) {
        if (first < 0) first = end;
        last = end;
      }
    }
    if (end > start) {
      if (eq < 0) eq = end;
      const name = first >= 0 && first < eq ? parts.read(start, eq) : source.slice(start, eq);
      if (!Object.hasOwn(out, name)) {
        out[name] = last > eq ? parts.read(eq + 1, end) : source.slice(eq + 1, end);
      }
    }
    start = end + 1;
  }
  return out;
}

const unparsed = Symbol('unparsed');

/** The key of a request's deferred failure (a symbol, so it stays out of `Object.keys(req)`). */
export const deferredFailure: unique symbol = Symbol('skyport.deferred');

/** The key of the answer a request's function made itself, checked (see `respond`). */
export const ownAnswer: unique symbol = Symbol('skyport.ownAnswer');

/** The parts of a request that are rarely read, kept apart so a small request allocates less. */
interface Extra {
  /** The path without the query it carried, when it carried one. */
  rawPath: string | undefined;
  /** The decoded path, when it differs from the raw one. */
  path: string | undefined;
  search: string | undefined;
  queryAll: URLSearchParams | undefined;
  query: Record<string, string> | undefined;
  cookies: Record<string, string> | undefined;
  validQuery: unknown;
  validParams: unknown;
  validHeaders: unknown;
}

function extra(): Extra {
  return {
    rawPath: undefined,
    path: undefined,
    search: undefined,
    queryAll: undefined,
    query: undefined,
    cookies: undefined,
    validQuery: unparsed,
    validParams: unparsed,
    validHeaders: unparsed,
  };
}

/** The method in upper case; the common ones as they are (`toUpperCase` is a call into the runtime). */
function upperMethod(method: string): string {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
    case 'HEAD':
    case 'OPTIONS':
      return method;
    default:
      return method.toUpperCase();
  }
}

/** The runtime class behind `HttpRequest`. */
class Request_ implements HttpRequest, ErrorAnswerState {
  readonly method: string;
  route: string | undefined;
  /** Set when `respond()` answered the request (reset when a request is run again). */
  [answered] = false;
  /** Set when a `respond()` run of the request began. */
  [started] = false;
  /** Headers `cors()` and the like asked for on the request's error answer. */
  [errorAnswerHeaders]: Readonly<Record<string, string>> | undefined = undefined;
  /**
   * A failure found before the pipeline ran (a path the function's route cannot bind), which its
   * innermost step raises instead of running the handler, whenever a middleware calls `next()`.
   */
  [deferredFailure]: Failure | undefined = undefined;
  /**
   * The answer the function's own pipeline (validation, handler, normalising and checking) gave
   * when it gave one synchronously: passed through middleware untouched (no middleware holds it
   * before a promise settles), it needs no second check.
   */
  [ownAnswer]: HttpResponse | undefined = undefined;
  #init: HttpRequestInit;
  #headers: Record<string, string> | undefined;
  /** The body in the form it was not given in (text of bytes, bytes of text), once asked for. */
  #converted: string | Uint8Array | undefined;
  /** The parsed body, then its validated value. */
  #body: unknown = unparsed;
  /** The path parameters: set by route matching (most routed requests have some), else made on first read. */
  #params: Readonly<Record<string, string>> | undefined;
  #extra: Extra | undefined;

  /** A new request from the same init (see `copyRequest`). */
  static copy(req: Request_): Request_ {
    return new Request_(req.#init);
  }

  /** What the request was made from (see `requestInitOf`). */
  static initOf(req: Request_): HttpRequestInit {
    return req.#init;
  }

  constructor(init: HttpRequestInit) {
    this.#init = init;
    this.method = upperMethod(init.method);
  }

  /**
   * The path as sent (percent-encoded), for route matching segment by segment. Nothing is kept
   * per request unless the path carries a query (a hand-written request) or percent-encoding.
   */
  get rawPath(): string {
    const path = this.#init.path;
    if (path && !path.includes('?')) return path;
    return this.#splitPath().rawPath as string;
  }

  /** The decoded path; malformed percent-encoding is a 400 when it is first read. */
  get path(): string {
    const raw = this.rawPath;
    if (!raw.includes('%')) return raw;
    const more = this.#more;
    more.path ??= decodePath(raw);
    return more.path;
  }

  /** Splits a query the path still carries off it, once. */
  #splitPath(): Extra {
    const more = this.#more;
    if (more.rawPath === undefined) {
      const path = this.#init.path || '/';
      const q = path.indexOf('?');
      more.search = q < 0 ? undefined : path.slice(q + 1);
      more.rawPath = (q < 0 ? path : path.slice(0, q)) || '/';
    }
    return more;
  }

  get ip(): string | undefined {
    return this.#init.ip;
  }

  get raw(): unknown {
    return this.#init.raw;
  }

  get #more(): Extra {
    this.#extra ??= extra();
    return this.#extra;
  }

  get headers(): HeaderMap {
    const extra = this.#extra;
    return extra === undefined || extra.validHeaders === unparsed ? this.rawHeaders : (extra.validHeaders as HeaderMap);
  }

  /** The normalised headers, before any schema. */
  get rawHeaders(): Record<string, string> {
    if (this.#headers === undefined) {
      const init = this.#init;
      const given = init.cookies;
      const cookies = given && given.length > 0 ? given.join('; ') : undefined;
      if (!init.headersNormalized) this.#headers = normalizeHeaders(init.headers);
      // Already-normalised headers are used as they are (read only), and copied only to add cookies.
      else if (cookies === undefined) this.#headers = (init.headers ?? {}) as Record<string, string>;
      else this.#headers = { ...(init.headers as Record<string, string>) };
      if (cookies !== undefined) {
        const existing = this.#headers.cookie;
        this.#headers.cookie = existing ? `${existing}; ${cookies}` : cookies;
      }
    }
    return this.#headers;
  }

  /**
   * The content type: the adapter's when it knows it, so a request whose headers nobody reads
   * is never normalised; else from the normalised headers.
   */
  get #contentType(): string | undefined {
    const headers = this.#headers;
    if (headers !== undefined) return headers['content-type'];
    return this.#init.contentType ?? this.rawHeaders['content-type'];
  }

  header(name: string): string | undefined {
    const headers = this.rawHeaders;
    const key = name.toLowerCase();
    return Object.hasOwn(headers, key) ? headers[key] : undefined;
  }

  get queryAll(): URLSearchParams {
    const more = this.#more;
    more.queryAll ??= toSearchParams(this.#init.query ?? this.#splitPath().search);
    return more.queryAll;
  }

  /**
   * The query as sent, without `?`, where the platform gives it as a string (in the path, the
   * query or the URL); else the parsed query serialised. For re-creating a platform event.
   */
  get rawQuery(): string {
    const query = this.#init.query ?? this.#splitPath().search;
    if (typeof query === 'string') return query.startsWith('?') ? query.slice(1) : query;
    const url = this.#init.url;
    const q = query === undefined && url ? url.indexOf('?') : -1;
    if (q >= 0) {
      const hash = (url as string).indexOf('#', q);
      return (url as string).slice(q + 1, hash < 0 ? undefined : hash);
    }
    return this.queryAll.toString();
  }

  get query(): Readonly<Record<string, string>> {
    const more = this.#more;
    if (more.validQuery !== unparsed) return more.validQuery as Record<string, string>;
    more.query ??= firstValues(this.queryAll);
    return more.query;
  }

  get params(): Readonly<Record<string, string>> {
    const extra = this.#extra;
    if (extra !== undefined && extra.validParams !== unparsed) return extra.validParams as Record<string, string>;
    if (this.#params === undefined) {
      const out = dictionary();
      const given = this.#init.params;
      if (given) for (const key of Object.keys(given)) if (typeof given[key] === 'string') out[key] = given[key];
      this.#params = out;
    }
    return this.#params;
  }

  /** Sets the path parameters found by route matching. */
  setParams(params: Readonly<Record<string, string>>): void {
    this.#params = params;
  }

  get cookies(): Readonly<Record<string, string>> {
    const more = this.#more;
    more.cookies ??= parseCookieHeader(this.rawHeaders.cookie);
    return more.cookies;
  }

  get url(): string {
    const given = this.#init.url;
    if (given) return given;
    const host = this.rawHeaders.host ?? 'localhost';
    // A client can send any `X-Forwarded-Proto`: only the two a proxy sets are taken.
    const forwarded = this.rawHeaders['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
    const proto = forwarded === 'http' ? 'http' : 'https';
    // A query the platform gave as a string is kept as sent (a signature over the URL covers
    // it so), not parsed and serialised again; a parsed query or a map is serialised.
    const query = this.#init.query ?? this.#splitPath().search;
    const search = typeof query === 'string' ? fitForUrl(this.rawQuery, 'query') : this.queryAll.toString();
    return `${proto}://${host}${fitForUrl(this.rawPath, 'path')}${search ? `?${search}` : ''}`;
  }

  get rawBody(): Uint8Array {
    const body = this.#init.body;
    if (body && typeof body !== 'string') return body;
    this.#converted ??= body ? utf8(body) : new Uint8Array(0);
    return this.#converted as Uint8Array;
  }

  /** The body as text, decoded by the `charset` of its content type (UTF-8 when none is named). */
  get text(): string {
    const body = this.#init.body;
    // A byte order mark is no part of the text (as the UTF-8 decoder of byte bodies drops it).
    if (typeof body === 'string') return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
    if (!body) return '';
    this.#converted ??= textIn(body, this.#contentType);
    return this.#converted as string;
  }

  /** The body size in bytes. */
  get size(): number {
    const body = this.#init.body;
    if (!body) return 0;
    return typeof body === 'string' ? utf8Length(body) : body.byteLength;
  }

  /** Whether the body is larger than `limit` bytes (cheap for small text bodies). */
  exceeds(limit: number): boolean {
    const body = this.#init.body;
    if (!body) return false;
    if (typeof body !== 'string') return body.byteLength > limit;
    return body.length * 3 > limit && utf8Length(body) > limit;
  }

  /** Whether there is a body at all. */
  get empty(): boolean {
    const body = this.#init.body;
    return !body || (typeof body !== 'string' && body.byteLength === 0);
  }

  get body(): unknown {
    if (this.#body === unparsed) this.#body = this.parseBody(bodyTypeOf(this.#contentType));
    return this.#body;
  }

  /**
   * The body for a body schema: JSON when there is no content type, JSON or urlencoded by the
   * content type; anything else is a 415, malformed JSON a 400.
   */
  schemaBody(): unknown {
    if (this.empty) return undefined;
    const contentType = this.#contentType;
    // No content type means JSON; the exact common one skips classifying it.
    if (contentType && contentType !== 'application/json') {
      const type = bodyTypeOf(contentType);
      if (type === 'form') return this.#form();
      if (type !== 'json') {
        throw quietly(
          () =>
            new UnsupportedMediaType(`expected a JSON body, got ${contentType}`, { code: 'UNSUPPORTED_MEDIA_TYPE' }),
        );
      }
    }
    return parseJson(this.text, this);
  }

  /**
   * The body as a form. Its `charset`, when it names one other than UTF-8, applies to its escapes
   * as to its bytes; a UTF-8 form is read as `URLSearchParams` reads it.
   */
  #form(): Record<string, string> {
    const contentType = this.#contentType;
    // Most forms name no charset (browsers send none): those skip looking for one.
    const encoding = contentType?.includes(';') ? formEncodingOf(charsetOf(contentType)) : undefined;
    if (encoding === undefined) return parseForm(this.text);
    const body = this.#init.body;
    return parseFormIn(typeof body === 'string' ? this.text : (body as Uint8Array), encoding);
  }

  /** Parses the body as `type`; malformed JSON is a 400. */
  parseBody(type: BodyType): unknown {
    if (this.empty) return undefined;
    switch (type) {
      case 'json':
        return parseJson(this.text, this);
      case 'form':
        return this.#form();
      case 'text':
        return this.text;
      default:
        return this.rawBody;
    }
  }

  /** Replaces a part of the request with its validated value. */
  setValidated(part: 'body' | 'query' | 'params' | 'headers', value: unknown): void {
    if (part === 'body') this.#body = value;
    else if (part === 'query') this.#more.validQuery = value;
    else if (part === 'params') this.#more.validParams = value;
    else this.#more.validHeaders = value;
  }

  toWebRequest(): Request {
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.rawHeaders)) {
      try {
        headers.append(name, value);
      } catch {
        // A header value fetch refuses (control characters) is left out rather than failing the request.
      }
    }
    const hasBody = !this.empty && this.method !== 'GET' && this.method !== 'HEAD';
    const url = this.url;
    try {
      return new Request(url, { method: this.method, headers, body: hasBody ? new Uint8Array(this.rawBody) : null });
    } catch (error) {
      // A `Host` header a client made up can make a URL fetch refuses: the client's error.
      throw quietly(() => new BadRequest('the request URL is not valid', { code: 'BAD_URL', cause: error }));
    }
  }
}

/** The runtime request type, with the helpers core uses internally. */
export type RequestImpl = Request_;

/**
 * A request as it was made, before anything read or ran it: for a request run again, whose run
 * under way (or past, and still going after its answer) keeps its own state.
 */
export function copyRequest(req: RequestImpl): RequestImpl {
  return Request_.copy(req);
}

/**
 * What a request was made from, as it was handed to `createHttpRequest()`: what another copy of
 * core makes its own request of, for a function of that copy.
 *
 * @example
 * const init = requestInitOf(req); // { method: 'GET', path: '/users/1', ... }
 */
export function requestInitOf(req: RequestImpl): HttpRequestInit {
  return Request_.initOf(req);
}

/**
 * Builds the portable request from what an adapter knows. Nothing is parsed until read.
 *
 * @example
 * const req = createHttpRequest({ method: 'POST', path: '/orders', headers: { 'Content-Type': 'application/json' }, body: '{"sku":"a"}' });
 * req.body; // { sku: 'a' }
 */
export function createHttpRequest(init: HttpRequestInit): HttpRequest {
  return new Request_(init);
}

/** Whether a value is a request made by `createHttpRequest`. */
export function isRequestImpl(value: unknown): value is RequestImpl {
  return value instanceof Request_;
}

/** The default body limit: 6 MB, the AWS Lambda synchronous payload limit. */
export const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024;
