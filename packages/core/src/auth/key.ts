/**
 * What a fixed verification key (`jwtAuth({ publicKey })`) can verify, worked out when the
 * function is defined. jose looks at the key only as it verifies a token, and answers a key that
 * cannot serve (a private or HMAC key, an RSA key under 2048 bits, a P-256 key asked for ES384)
 * with a plain `TypeError`: checked here, such a key fails the definition instead of every
 * request, and a token cannot pick an algorithm the key would choke on.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SkyportError } from '../errors.js';

const rsa = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const ed25519 = ['EdDSA', 'Ed25519'];
const curves: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};
/** jose's floor for RSA signatures. */
const minRsaBits = 2048;

function invalid(option: string, message: string): SkyportError {
  return new SkyportError('INVALID_DEFINITION', `${option} ${message}`);
}

function tagOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null
    ? (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag]
    : undefined;
}

function checkRsaBits(bits: unknown, option: string): void {
  if (typeof bits !== 'number' || bits < minRsaBits) {
    throw invalid(option, `is an RSA key of ${String(bits)} bits; RSA signatures need ${minRsaBits} bits or more`);
  }
}

/** Refuses a key that is not a public one: a secret (HMAC) key, or a private key. */
function checkPublic(type: string, option: string): void {
  if (type === 'public') return;
  throw invalid(
    option,
    type === 'secret'
      ? 'is a secret key: give an HMAC key as secret'
      : `must be a public key, got a ${type} key: give its public part`,
  );
}

function ofKeyObject(key: KeyObject, option: string): string[] {
  checkPublic(key.type, option);
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      checkRsaBits(details.modulusLength, option);
      return rsa;
    case 'rsa-pss': {
      checkRsaBits(details.modulusLength, option);
      const pss = rsa.filter((alg) => alg.startsWith('PS'));
      // A key restricted to one hash serves only the PS algorithm of that hash.
      const hash = details.hashAlgorithm?.replace(/^sha-?/i, '');
      return hash === undefined ? pss : pss.filter((alg) => alg === `PS${hash}`);
    }
    case 'ec': {
      const alg = curves[details.namedCurve ?? ''];
      if (alg === undefined) throw invalid(option, `is an EC key on the unsupported curve ${details.namedCurve}`);
      return [alg];
    }
    case 'ed25519':
      return ed25519;
    default:
      throw invalid(option, `is a ${key.asymmetricKeyType} key, which signs no supported JWS algorithm`);
  }
}

interface WebCryptoKey {
  readonly type: string;
  readonly usages: readonly string[];
  readonly algorithm: {
    readonly name: string;
    readonly hash?: { readonly name?: string };
    readonly namedCurve?: string;
    readonly modulusLength?: number;
  };
}

/** A Web Crypto key is bound to one algorithm (and hash) when it is imported. */
function ofCryptoKey(key: WebCryptoKey, option: string): string[] {
  checkPublic(key.type, option);
  if (!key.usages.includes('verify')) throw invalid(option, 'is a CryptoKey whose usages do not include verify');
  const { name, hash, namedCurve, modulusLength } = key.algorithm;
  const bits = hash?.name?.replace(/^SHA-/i, '');
  switch (name) {
    case 'RSASSA-PKCS1-v1_5':
    case 'RSA-PSS': {
      checkRsaBits(modulusLength, option);
      const alg = `${name === 'RSA-PSS' ? 'PS' : 'RS'}${bits}`;
      if (!rsa.includes(alg)) throw invalid(option, `is an ${name} key with the unsupported hash ${hash?.name}`);
      return [alg];
    }
    case 'ECDSA': {
      const alg = curves[namedCurve ?? ''];
      if (alg === undefined) throw invalid(option, `is an ECDSA key on the unsupported curve ${namedCurve}`);
      return [alg];
    }
    case 'Ed25519':
      return ed25519;
    default:
      throw invalid(option, `is a ${name} CryptoKey, which signs no supported JWS algorithm`);
  }
}

function ofJwk(jwk: Record<string, unknown>, option: string): string[] {
  if (jwk.kty === 'oct') throw invalid(option, 'is an HMAC (kty oct) JWK: give the secret as secret');
  if (jwk.d !== undefined || jwk.priv !== undefined) {
    throw invalid(option, 'is a private JWK: give its public part (without d)');
  }
  if (jwk.use !== undefined && jwk.use !== 'sig')
    throw invalid(option, `is a JWK for use "${String(jwk.use)}", not sig`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    throw invalid(option, 'is a JWK whose key_ops do not include verify');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw invalid(option, `is not a usable public JWK (kty ${String(jwk.kty)})`);
  }
  const algorithms = ofKeyObject(key, option);
  // jose refuses a JWK whose own `alg` differs from the token's.
  if (jwk.alg === undefined) return algorithms;
  if (typeof jwk.alg === 'string' && algorithms.includes(jwk.alg)) return [jwk.alg];
  throw invalid(option, `is a JWK whose alg ${String(jwk.alg)} does not fit the key`);
}

/**
 * The JWS algorithms a `CryptoKey`, `KeyObject` or public JWK can verify, or `INVALID_DEFINITION`
 * naming `option` and what is wrong with the key.
 *
 * @example
 * publicKeyAlgorithms(rsaPublicKey, 'jwtAuth() publicKey'); // ['RS256', ..., 'PS512']
 */
export function publicKeyAlgorithms(key: unknown, option: string): string[] {
  const tag = tagOf(key);
  if (tag === 'KeyObject') return ofKeyObject(key as KeyObject, option);
  if (tag === 'CryptoKey') return ofCryptoKey(key as WebCryptoKey, option);
  if (typeof key === 'object' && key !== null && !Array.isArray(key) && !(key instanceof Uint8Array)) {
    return ofJwk(key as Record<string, unknown>, option);
  }
  throw invalid(
    option,
    typeof key === 'string'
      ? "must be a CryptoKey, KeyObject or JWK, got a string: turn a PEM into a key with node:crypto's createPublicKey() or jose's importSPKI()"
      : `must be a CryptoKey, KeyObject or JWK, got ${key instanceof Uint8Array ? 'bytes' : typeof key}`,
  );
}
