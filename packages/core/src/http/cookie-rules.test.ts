/**
 * Cookies a handler gives as objects are sent as browsers keep them (rfc6265bis): `Secure` is
 * added where a cookie needs it, and a cookie that could never be kept is a logged 500, not a
 * `Set-Cookie` dropped without a word. Asserted on `invoke()`'s response, which every adapter
 * writes back, and on the cookie objects Azure gets.
 */
import { toAzureResponse } from '@skyport/azure';
import { collectLogs, httpRequest, invoke, type LogCollector } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import type { Cookie } from '../types.js';
import { serializeCookie } from './cookies.js';

let logs: LogCollector;
beforeEach(() => {
  logs = collectLogs();
});
afterEach(() => logs.restore());

/** The `Set-Cookie` values of the answer to a handler that sets `cookie`. */
async function setCookies(cookie: Cookie) {
  const fn = http().handle(() => ({ status: 200, cookies: [cookie], body: 'ok' }));
  return invoke(fn, httpRequest());
}

describe('a cookie that browsers keep only when Secure', () => {
  it.each<[string, Cookie, string]>([
    ['SameSite=None', { name: 'sid', value: 'abc', sameSite: 'None' }, 'sid=abc; Secure; SameSite=None'],
    [
      'SameSite=none in any case',
      { name: 'sid', value: 'abc', sameSite: 'none' as 'None' },
      'sid=abc; Secure; SameSite=None',
    ],
    ['Partitioned', { name: 'sid', value: 'abc', partitioned: true }, 'sid=abc; Secure; Partitioned'],
    ['a __Secure- name', { name: '__Secure-sid', value: 'abc', path: '/app' }, '__Secure-sid=abc; Path=/app; Secure'],
    ['a __secure- name in another case', { name: '__secure-sid', value: 'abc' }, '__secure-sid=abc; Secure'],
    ['a __Host- name', { name: '__Host-sid', value: 'abc', path: '/' }, '__Host-sid=abc; Path=/; Secure'],
  ])('is given Secure when it has %s', async (_, cookie, expected) => {
    // Act
    const answer = await setCookies(cookie);

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.cookies).toEqual([expected]);
  });

  it('keeps Secure given, once', async () => {
    // Act
    const answer = await setCookies({ name: 'sid', value: 'abc', secure: true, sameSite: 'None', partitioned: true });

    // Assert
    expect(answer.cookies).toEqual(['sid=abc; Secure; SameSite=None; Partitioned']);
  });

  it('is given Path=/ when its __Host- name has no path', async () => {
    // Act
    const answer = await setCookies({ name: '__HOST-sid', value: 'abc', httpOnly: true });

    // Assert
    expect(answer.cookies).toEqual(['__HOST-sid=abc; Path=/; HttpOnly; Secure']);
  });

  it('reaches Azure with secure set', async () => {
    // Act
    const answer = await setCookies({ name: 'sid', value: 'abc', sameSite: 'None', partitioned: true });
    const azure = toAzureResponse(answer.response);

    // Assert
    expect(azure.cookies).toEqual([{ name: 'sid', value: 'abc', secure: true, sameSite: 'None' }]);
  });

  it('leaves a cookie that needs nothing as it was', async () => {
    // Act
    const answer = await setCookies({ name: 'sid', value: 'abc', sameSite: 'Lax', path: '/app', domain: 'a.example' });

    // Assert
    expect(answer.cookies).toEqual(['sid=abc; Domain=a.example; Path=/app; SameSite=Lax']);
  });
});

describe('a cookie that browsers would drop', () => {
  it.each<[string, Cookie, string]>([
    [
      'SameSite=None with secure: false',
      { name: 'sid', value: 'abc', sameSite: 'None', secure: false },
      'cookie sid: SameSite=None needs Secure (browsers drop such a cookie without it), so secure cannot be false',
    ],
    [
      'Partitioned with secure: false',
      { name: 'sid', value: 'abc', partitioned: true, secure: false },
      'cookie sid: Partitioned needs Secure (browsers drop such a cookie without it), so secure cannot be false',
    ],
    [
      'a __Secure- name with secure: false',
      { name: '__Secure-sid', value: 'abc', secure: false },
      'cookie __Secure-sid: the __Secure- prefix needs Secure (browsers drop such a cookie without it), so secure cannot be false',
    ],
    [
      'a __Host- name with a path other than /',
      { name: '__Host-sid', value: 'abc', path: '/app' },
      `cookie __Host-sid: the __Host- prefix needs the path '/', not "/app" (browsers drop such a cookie)`,
    ],
    [
      'a __host- name with a domain',
      { name: '__host-sid', value: 'abc', path: '/', secure: true, domain: 'a.example' },
      'cookie __host-sid: the __Host- prefix allows no domain (browsers drop such a cookie)',
    ],
  ])('is a logged 500 when it has %s', async (_, cookie, message) => {
    // Act
    const answer = await setCookies(cookie);

    // Assert
    expect(answer.status).toBe(500);
    expect(answer.cookies).toEqual([]);
    const failures = logs.find('500 Internal Server Error');
    expect(failures.map((line) => (line.err as { message: string }).message)).toEqual([message]);
  });

  it('is refused by serializeCookie with a TypeError', () => {
    expect(() => serializeCookie({ name: '__Host-sid', value: 'abc', path: '/app' })).toThrow(TypeError);
  });
});

describe('a cookie Max-Age and value a browser could not read as given', () => {
  it('writes Max-Age in digits, takes null as none, and refuses what would become 0 or exponent form', () => {
    // Prepare: a value from configuration may be anything
    const maxAge = (value: unknown) => ({ name: 'a', value: 'x', maxAge: value as number });

    // Act
    const written = [maxAge(3600), maxAge('60'), maxAge(null), maxAge(1e20)].map(serializeCookie);
    const refused = [maxAge(''), maxAge(false), maxAge([]), maxAge(1e21), maxAge(-1e21)].map((cookie) => {
      try {
        return serializeCookie(cookie);
      } catch (error) {
        return error instanceof TypeError ? 'TypeError' : error;
      }
    });

    // Assert
    expect(written).toEqual(['a=x; Max-Age=3600', 'a=x; Max-Age=60', 'a=x', 'a=x; Max-Age=100000000000000000000']);
    expect(refused).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError']);
  });

  it('refuses a value with a lone surrogate with a TypeError naming the cookie', () => {
    expect(() => serializeCookie({ name: 'sid', value: 'a\uD800' })).toThrow(
      new TypeError('cookie sid: value is not well-formed UTF-16 (a lone surrogate)'),
    );
  });
});
