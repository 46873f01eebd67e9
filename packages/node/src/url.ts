/**
 * The origin (`scheme://host[:port]`) of a request `serve()` received, for `req.url` and
 * `toWebRequest()`. `X-Forwarded-Proto` and `Host` are whatever the client sent: a value that is
 * not a scheme or not a host is not used, so a made-up header cannot make a URL that fails to parse
 * (a 500 from `toWebRequest()`) or one with another scheme (`javascript://`). Also what a `Host`
 * field may hold at all, and addresses as a dual-stack socket reports them.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/** `host[:port]`: a registered name or IPv4 address, or a bracketed IPv6 address. */
const hostShape = /^(?:[A-Za-z0-9._~-]+|\[([0-9A-Fa-f:.]+)\])(?::[0-9]{1,5})?$/;

/**
 * Whether a `Host` header value is a host with an optional port that the URL parser takes as it
 * is (it refuses, for example, `999.1.1.1` and ports over 65535).
 *
 * @example
 * isHost('api.example.com:8080'); // true
 * isHost('a b'); // false
 */
export function isHost(value: string): boolean {
  const shape = hostShape.exec(value);
  if (shape === null) return false;
  const ipv6 = shape[1];
  if (ipv6 !== undefined && !isIPv6(ipv6)) return false;
  return URL.canParse(`http://${value}/`);
}

/**
 * A `Host` field value as RFC 9112 §3.2 allows it: `uri-host [ ":" port ]` (RFC 3986), a
 * registered name of unreserved characters, percent-encodings and sub-delimiters, an IPv4
 * address, or an IP literal in brackets. Empty is allowed (a target without an authority).
 */
const hostField = /^(?:\[[0-9A-Za-z:._~!$&'()*+,;=-]+\]|(?:[0-9A-Za-z._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?$/;

/**
 * Whether a `Host` header value has the form RFC 9112 §3.2 requires (a server answers 400 to one
 * that does not). Looser than {@link isHost}: `999.1.1.1` is a registered name by the grammar.
 *
 * @example
 * isHostField('shop.example:8080'); // true
 * isHostField('a b'); // false
 */
export function isHostField(value: string): boolean {
  return hostField.test(value);
}

/**
 * An address as a dual-stack socket reports it, with an IPv4 peer's mapping undone
 * (`::ffff:127.0.0.1` is `127.0.0.1`, as an IPv4-only socket and the clouds report it).
 *
 * @example
 * unmapIPv4('::ffff:203.0.113.9'); // '203.0.113.9'
 * unmapIPv4('2001:db8::1'); // '2001:db8::1'
 */
export function unmapIPv4(address: string): string {
  if (!address.startsWith('::ffff:')) return address;
  const mapped = address.slice(7);
  return isIPv4(mapped) ? mapped : address;
}

/** The socket's own address (`127.0.0.1:3000`, `[::1]:3000`), where a valid `Host` is missing. */
function localHost(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket;
  if (localAddress === undefined) return 'localhost';
  // A link-local address's zone (`fe80::1%eth0`) has no place in a URL.
  const unmapped = unmapIPv4(localAddress);
  const address = isIPv6(unmapped) ? `[${unmapped.split('%')[0]}]` : unmapped;
  return localPort === undefined ? address : `${address}:${localPort}`;
}

/** `https` for a TLS socket, else `http`. */
function socketProto(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/**
 * The origin of a request: the first `X-Forwarded-Proto` value when it is `http` or `https`
 * (else the socket's scheme), and `Host` when it is a valid `host[:port]` (else the socket's local
 * address and port).
 *
 * @example
 * requestOrigin(req); // 'https://shop.example' (X-Forwarded-Proto: https, Host: shop.example)
 */
export function requestOrigin(req: IncomingMessage): string {
  const headers = req.headers;
  const forwarded = headers['x-forwarded-proto'];
  const first = (typeof forwarded === 'string' ? forwarded : forwarded?.[0])?.split(',')[0]?.trim().toLowerCase();
  const proto = first === 'http' || first === 'https' ? first : socketProto(req);
  const host = headers.host;
  return `${proto}://${host !== undefined && isHost(host) ? host : localHost(req)}`;
}

const absoluteForm = /^(https?):\/\/([^/?#]*)([^#]*)/i;

/** A request target in absolute form, split into the origin it names and its origin-form target. */
export interface AbsoluteTarget {
  /** `scheme://host[:port]` from the target, or `undefined` when its authority is not a plain host. */
  readonly origin: string | undefined;
  /** The path and query, as an origin-form target: always starts with `/`. */
  readonly target: string;
}

/**
 * Splits an absolute-form request target (`GET http://shop.example/orders?page=2 HTTP/1.1`, as a
 * proxy-style client sends it; RFC 9112 §3.2.2 has a server accept it) into the origin it names
 * and the path and query to route on. `undefined` for a target of any other form.
 *
 * @example
 * absoluteTarget('http://shop.example/orders?page=2'); // { origin: 'http://shop.example', target: '/orders?page=2' }
 */
export function absoluteTarget(target: string): AbsoluteTarget | undefined {
  const parts = absoluteForm.exec(target);
  if (parts === null) return undefined;
  const [, scheme = 'http', authority = '', rest = ''] = parts;
  return {
    origin: isHost(authority) ? `${scheme.toLowerCase()}://${authority}` : undefined,
    target: rest.startsWith('/') ? rest : `/${rest}`,
  };
}
