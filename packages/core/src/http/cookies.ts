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
 * Serialises a cookie into a `Set-Cookie` value. The value is percent-encoded; a name that is no
 * token, or a `path` or `domain` that would end the attribute (`;`), is refused with a
 * `TypeError` rather than sent as other attributes (`path: '/; Domain=evil.example'`).
 *
 * @example
 * serializeCookie({ name: 'sid', value: 'abc', httpOnly: true, path: '/' }); // 'sid=abc; Path=/; HttpOnly'
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
  // A number, or its text (from configuration).
  const maxAge = cookie.maxAge === undefined ? undefined : Number(cookie.maxAge);
  if (maxAge !== undefined && !Number.isFinite(maxAge)) {
    throw new TypeError(`cookie ${cookie.name}: maxAge must be a finite number`);
  }
  const sameSite = cookie.sameSite === undefined ? undefined : sameSites[String(cookie.sameSite).toLowerCase()];
  if (cookie.sameSite !== undefined && sameSite === undefined) {
    throw new TypeError(`cookie ${cookie.name}: sameSite must be Strict, Lax or None`);
  }
  if (cookie.expires !== undefined && Number.isNaN(cookie.expires.getTime())) {
    throw new TypeError(`cookie ${cookie.name}: expires is an invalid date`);
  }
  let out = `${cookie.name}=${encodeURIComponent(cookie.value)}`;
  if (maxAge !== undefined) out += `; Max-Age=${Math.floor(maxAge)}`;
  if (cookie.domain) out += `; Domain=${cookie.domain}`;
  if (cookie.path) out += `; Path=${cookie.path}`;
  if (cookie.expires) out += `; Expires=${cookie.expires.toUTCString()}`;
  if (cookie.httpOnly) out += '; HttpOnly';
  if (cookie.secure) out += '; Secure';
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
