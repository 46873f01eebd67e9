/**
 * Cookie parsing and serialisation: the request `Cookie` header into a map, cookie objects into
 * `Set-Cookie` strings, and `Set-Cookie` strings back into objects for platforms that want them.
 */
import type { Cookie } from '../types.js';

function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Parses a `Cookie` request header. The first value of a repeated name wins; malformed pairs
 * are skipped.
 *
 * @example
 * parseCookieHeader('a=1; b=two'); // { a: '1', b: 'two' }
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const cookies = Object.create(null) as Record<string, string>;
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || Object.hasOwn(cookies, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies[name] = safeDecode(value);
  }
  return cookies;
}

/** The `SameSite` values, by their lower-case spelling (browsers read any case). */
const sameSites: Readonly<Record<string, string>> = { strict: 'Strict', lax: 'Lax', none: 'None' };

/** A cookie name (an RFC 6265 token). */
const cookieName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Whether a `Path` or `Domain` value holds a `;` (which would start another attribute) or a control character. */
function breaksAttribute(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 59 || code < 32 || code === 127) return true;
  }
  return false;
}

/**
 * Whether a cookie must be `Secure` for browsers to keep it (rfc6265bis sections 4.1.3 and
 * 5.7): `SameSite=None`, `Partitioned` (CHIPS), or a name beginning `__Secure-` or `__Host-` in
 * any case; the reason, for the refusal of one given `secure: false`, else `undefined`.
 */
function secureRule(name: string, sameSite: string | undefined, partitioned: boolean): string | undefined {
  if (sameSite === 'None') return 'SameSite=None';
  if (partitioned) return 'Partitioned';
  if (name.length < 7 || name.charCodeAt(0) !== 95 || name.charCodeAt(1) !== 95) return undefined;
  const prefix = name.slice(0, 9).toLowerCase();
  if (prefix === '__secure-') return 'the __Secure- prefix';
  if (prefix.startsWith('__host-')) return 'the __Host- prefix';
  return undefined;
}

/**
 * Serialises a cookie into a `Set-Cookie` value. The value is percent-encoded; a name that is no
 * token, or a `path` or `domain` that would end the attribute (`;`), is refused with a
 * `TypeError` rather than sent as other attributes (`path: '/; Domain=evil.example'`).
 *
 * A cookie that browsers would drop without a word is refused with a `TypeError` too, or given
 * what it lacks when nothing it says contradicts it (rfc6265bis): `SameSite=None`, `Partitioned`
 * and a `__Secure-` or `__Host-` name (in any case) need `Secure`, which is added unless
 * `secure: false` is given; a `__Host-` cookie may have no `domain` and is sent to every path, so
 * `Path=/` is added and another `path` refused.
 *
 * @example
 * serializeCookie({ name: 'sid', value: 'abc', httpOnly: true, path: '/' }); // 'sid=abc; Path=/; HttpOnly'
 * serializeCookie({ name: 'sid', value: 'abc', sameSite: 'None' }); // 'sid=abc; Secure; SameSite=None'
 * serializeCookie({ name: '__Host-sid', value: 'abc' }); // '__Host-sid=abc; Path=/; Secure'
 * serializeCookie({ name: '__Host-sid', value: 'abc', path: '/app' }); // throws a TypeError
 */
export function serializeCookie(cookie: Cookie): string {
  if (typeof cookie.name !== 'string' || !cookieName.test(cookie.name)) {
    throw new TypeError(`cookie name ${JSON.stringify(cookie.name)} is not a token`);
  }
  for (const key of ['path', 'domain'] as const) {
    const value = cookie[key];
    if (value !== undefined && (typeof value !== 'string' || breaksAttribute(value))) {
      throw new TypeError(
        `cookie ${cookie.name}: ${key} ${JSON.stringify(value)} may hold no ';' or control character`,
      );
    }
  }
  // A number, or its text (from configuration); `null` (an unset setting) is none. Anything else,
  // `''` included, which `Number()` would read as 0 and so delete the cookie, is refused.
  const given: unknown = cookie.maxAge;
  const maxAge =
    given === undefined || given === null
      ? undefined
      : typeof given === 'number' || (typeof given === 'string' && given.trim() !== '')
        ? Number(given)
        : Number.NaN;
  if (maxAge !== undefined && !Number.isFinite(maxAge)) {
    throw new TypeError(`cookie ${cookie.name}: maxAge must be a finite number`);
  }
  // Written in digits: a browser ignores a Max-Age in exponent form (1e+21), which would leave a
  // session cookie.
  if (maxAge !== undefined && Math.abs(maxAge) >= 1e21) {
    throw new TypeError(`cookie ${cookie.name}: maxAge must be less than 1e21 seconds`);
  }
  const sameSite = cookie.sameSite === undefined ? undefined : sameSites[String(cookie.sameSite).toLowerCase()];
  if (cookie.sameSite !== undefined && sameSite === undefined) {
    throw new TypeError(`cookie ${cookie.name}: sameSite must be Strict, Lax or None`);
  }
  if (cookie.expires !== undefined && Number.isNaN(cookie.expires.getTime())) {
    throw new TypeError(`cookie ${cookie.name}: expires is an invalid date`);
  }
  let secure = Boolean(cookie.secure);
  let path = cookie.path;
  const rule = secureRule(cookie.name, sameSite, Boolean(cookie.partitioned));
  if (rule !== undefined) {
    if (cookie.secure === false) {
      throw new TypeError(
        `cookie ${cookie.name}: ${rule} needs Secure (browsers drop such a cookie without it), so secure cannot be false`,
      );
    }
    secure = true;
    if (cookie.name.slice(0, 7).toLowerCase() === '__host-') {
      if (cookie.domain) {
        throw new TypeError(`cookie ${cookie.name}: the __Host- prefix allows no domain (browsers drop such a cookie)`);
      }
      if (path === undefined || path === '') path = '/';
      else if (path !== '/') {
        throw new TypeError(
          `cookie ${cookie.name}: the __Host- prefix needs the path '/', not ${JSON.stringify(path)} (browsers drop such a cookie)`,
        );
      }
    }
  }
  let value: string;
  try {
    value = encodeURIComponent(cookie.value);
  } catch {
    // A lone surrogate, which no UTF-8 can carry.
    throw new TypeError(`cookie ${cookie.name}: value is not well-formed UTF-16 (a lone surrogate)`);
  }
  let out = `${cookie.name}=${value}`;
  if (maxAge !== undefined) out += `; Max-Age=${Math.floor(maxAge)}`;
  if (cookie.domain) out += `; Domain=${cookie.domain}`;
  if (path) out += `; Path=${path}`;
  if (cookie.expires) out += `; Expires=${cookie.expires.toUTCString()}`;
  if (cookie.httpOnly) out += '; HttpOnly';
  if (secure) out += '; Secure';
  if (sameSite) out += `; SameSite=${sameSite}`;
  if (cookie.partitioned) out += '; Partitioned';
  return out;
}

/**
 * Parses a `Set-Cookie` value back into a cookie object (for Azure's `cookies` array).
 *
 * @example
 * parseSetCookie('sid=abc; Path=/; HttpOnly'); // { name: 'sid', value: 'abc', path: '/', httpOnly: true }
 */
export function parseSetCookie(header: string): Cookie {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const cookie: Cookie = {
    name: (eq < 0 ? pair : pair.slice(0, eq)).trim(),
    value: eq < 0 ? '' : safeDecode(pair.slice(eq + 1).trim()),
  };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attribute.slice(at + 1).trim();
    if (key === 'path') cookie.path = value;
    else if (key === 'domain') cookie.domain = value;
    else if (key === 'max-age' && Number.isFinite(Number(value))) cookie.maxAge = Number(value);
    else if (key === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expires = new Date(value);
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'partitioned') cookie.partitioned = true;
    else if (key === 'samesite') {
      const same = value.toLowerCase();
      if (same === 'strict') cookie.sameSite = 'Strict';
      else if (same === 'lax') cookie.sameSite = 'Lax';
      else if (same === 'none') cookie.sameSite = 'None';
    }
  }
  return cookie;
}
