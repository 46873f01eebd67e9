import { describe, expect, it } from 'vitest';
import { absoluteTarget, isHost } from './url.js';

describe('isHost()', () => {
  it('takes names, IPv4 and bracketed IPv6 addresses, each with an optional port', () => {
    // Prepare
    const hosts = [
      'localhost',
      'api.example.com',
      'api.example.com:8080',
      'my_host-1',
      '10.0.0.1:3000',
      '[::1]',
      '[::1]:80',
    ];

    // Act
    const taken = hosts.filter(isHost);

    // Assert
    expect(taken).toEqual(hosts);
  });

  it('refuses what would make another URL or none: spaces, userinfo, paths, bad ports and addresses', () => {
    // Prepare
    const values = [
      '',
      'a b',
      'user@evil.example',
      'evil.example/path',
      'evil.example?x',
      'evil.example#x',
      'a%41b',
      'app.example:',
      'app.example:99999',
      'app.example:8080:1',
      '999.1.1.1',
      '1.2.3.256',
      '[zz]',
      '[::1',
      '::1',
      '[fe80::1%25eth0]',
    ];

    // Act
    const taken = values.filter(isHost);

    // Assert
    expect(taken).toEqual([]);
  });
});

describe('absoluteTarget()', () => {
  it('splits an absolute-form target into its origin and an origin-form target', () => {
    // Act
    const split = [
      absoluteTarget('http://shop.example/orders?page=2'),
      absoluteTarget('HTTPS://shop.example:8443?x=1'),
      absoluteTarget('http://user@evil.example/w'),
      absoluteTarget('/orders'),
      absoluteTarget('*'),
    ];

    // Assert
    expect(split).toEqual([
      { origin: 'http://shop.example', target: '/orders?page=2' },
      { origin: 'https://shop.example:8443', target: '/?x=1' },
      { origin: undefined, target: '/w' },
      undefined,
      undefined,
    ]);
  });
});
