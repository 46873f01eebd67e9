import { describe, expect, it } from 'vitest';
import { createHttpRequest } from './request.js';

const signed = 'sig=a%2Bb&flag&name=J%C3%BCrgen%20X&t=~x';

describe('req.url', () => {
  it.each([
    ['a query string', { query: signed }],
    ['a query string with its ?', { query: `?${signed}` }],
    ['a query in the path', { path: `/t/echo?${signed}` }],
  ])('keeps %s as it was sent', (_case, init) => {
    // Prepare
    const req = createHttpRequest({ method: 'GET', path: '/t/echo', headers: { host: 'h.example' }, ...init });

    // Act
    const url = req.url;

    // Assert
    expect(url).toBe(`https://h.example/t/echo?${signed}`);
    expect(req.query).toEqual({ sig: 'a+b', flag: '', name: 'Jürgen X', t: '~x' });
  });

  it('serialises a query given parsed', () => {
    const map = createHttpRequest({ method: 'GET', path: '/a', query: { q: 'a b', r: ['1', '2'] } });
    const params = createHttpRequest({ method: 'GET', path: '/a', query: new URLSearchParams({ q: 'ü' }) });

    expect(map.url).toBe('https://localhost/a?q=a+b&r=1&r=2');
    expect(params.url).toBe('https://localhost/a?q=%C3%BC');
  });

  it.each([
    ['a decoded path', '/t/echo/café x', '/t/echo/caf%C3%A9%20x'],
    ['escapes already there', '/files/100%25/a%2Fb', '/files/100%25/a%2Fb'],
    ['what a URL path may hold', "/a/[x]|y^z~!$&'()*+,;=:@", "/a/[x]|y^z~!$&'()*+,;=:@"],
    ['what it may not', '/a/"#<>\\`{}\t', '/a/%22%23%3C%3E%5C%60%7B%7D%09'],
    ['a lone surrogate', '/a\ud800', '/a%EF%BF%BD'],
  ])('escapes only what cannot stand in a URL path: %s', (_case, path, expected) => {
    const req = createHttpRequest({ method: 'GET', path, headers: { host: 'h' } });

    expect(req.url).toBe(`https://h${expected}`);
  });

  it('escapes what cannot stand in a query string, and nothing else', () => {
    const req = createHttpRequest({ method: 'GET', path: '/a', query: 'q=a b"<>`{}ü&r=%2B?/', headers: { host: 'h' } });

    expect(req.url).toBe('https://h/a?q=a%20b%22%3C%3E`{}%C3%BC&r=%2B?/');
  });

  it('makes a web Request of a decoded path with the same path', () => {
    const req = createHttpRequest({ method: 'GET', path: '/t/echo/café x', query: 'q=1', headers: { host: 'h' } });

    const web = req.toWebRequest();

    expect(web.url).toBe('https://h/t/echo/caf%C3%A9%20x?q=1');
    expect(decodeURIComponent(new URL(web.url).pathname)).toBe(req.path);
  });
});
