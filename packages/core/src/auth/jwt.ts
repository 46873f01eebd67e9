/**
 * `jwtAuth()`: verifies a bearer JWT with `jose` against a remote JWKS, a shared secret or a
 * public key, and adds the caller to `ctx.auth`.
 */
import type {
  CryptoKey,
  FlattenedJWSInput,
  JWK,
  JWSHeaderParameters,
  JWTHeaderParameters,
  JWTPayload,
  KeyObject,
} from 'jose';
import { type HttpError, InternalServerError, SkyportError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import { checkOptions, shownValue } from '../options.js';
import type { HttpRequest, HttpResponse, Middleware } from '../types.js';
import {
  insufficientScope,
  keysUnavailable,
  missingScopes,
  realmOf,
  scopeList,
  scopesOf,
  unauthorized,
} from './challenge.js';
import { defaultClockTolerance, type Jose, loadJose, type VerifyKey, verifyJwt } from './jose.js';
import { KeySetUnavailable, keySetUrl, milliseconds, type RemoteKeys, remoteKeys } from './jwks.js';
import { publicKeyAlgorithms } from './key.js';
import { rolesOf } from './roles.js';
import type { AuthContext, Principal } from './types.js';

/** Where the verification key comes from: exactly one of `jwksUrl`, `secret` or `publicKey`. */
export type JwtKeyOptions =
  | { readonly jwksUrl: string | URL; readonly secret?: undefined; readonly publicKey?: undefined }
  | { readonly secret: string | Uint8Array; readonly jwksUrl?: undefined; readonly publicKey?: undefined }
  | { readonly publicKey: CryptoKey | KeyObject | JWK; readonly jwksUrl?: undefined; readonly secret?: undefined };

/** Options of `jwtAuth()`. */
export type JwtAuthOptions = JwtKeyOptions & {
  /**
   * Accepted `iss`: a string or a list of them, or a function. A string is compared exactly,
   * unless it holds `{tenantid}`, Microsoft Entra ID's multi-tenant issuer: then the token must
   * carry a `tid` claim, and `iss` must equal the string with `tid` in place of `{tenantid}`, so
   * every tenant is accepted and a token cannot claim one tenant in `iss` and another in `tid`.
   * A function `(iss, claims) => boolean` (async allowed) is called with the verified claims and
   * accepts a token only by returning `true`; a token without a string `iss` never reaches it.
   *
   * @example
   * // Entra ID, multi-tenant: any tenant's v1 or v2 access tokens.
   * jwtAuth({
   *   jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
   *   issuer: ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://sts.windows.net/{tenantid}/'],
   *   audience: 'api://orders',
   * });
   * // Only the tenants on an allow-list, each by its v2 issuer.
   * const tenants = new Set(['72f988bf-86f1-41af-91ab-2d7cd011db47', '11111111-2222-3333-4444-555555555555']);
   * jwtAuth({
   *   jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
   *   issuer: (iss, { tid }) =>
   *     typeof tid === 'string' && tenants.has(tid) && iss === `https://login.microsoftonline.com/${tid}/v2.0`,
   *   audience: 'api://orders',
   * });
   */
  readonly issuer?:
    | string
    | readonly string[]
    | ((iss: string, claims: JWTPayload) => boolean | Promise<boolean>)
    | undefined;
  /** Accepted `aud` value(s). */
  readonly audience?: string | readonly string[] | undefined;
  /**
   * Accepted OAuth client id(s), checked as API Gateway's HTTP API JWT authorizer checks its
   * audience: against `aud` (one of its values must be listed), or against `client_id` when the
   * token has no `aud`, as an Amazon Cognito access token has none. Takes the place of
   * `audience`: giving both is refused.
   *
   * @example
   * // Cognito: access tokens of the app client 1a2b3c only.
   * jwtAuth({ jwksUrl, issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123', clientId: '1a2b3c', tokenUse: 'access' });
   */
  readonly clientId?: string | readonly string[] | undefined;
  /**
   * Refuses (401) a token that says it is another kind. `'access'`: Cognito's `token_use` claim,
   * when present, must be `access`; Keycloak's `typ` claim `Bearer`; the `typ` header `JWT` or
   * RFC 9068's `at+jwt`. `'id'`: `token_use` must be `id`, the `typ` claim `ID`, the `typ` header
   * `JWT`. A token that carries none of these markers passes (Auth0, Okta and Entra ID tokens
   * carry none): tell those apart by `audience`, or with `accept`. Default: not checked.
   */
  readonly tokenUse?: 'access' | 'id' | undefined;
  /**
   * Called with the verified claims and protected header once every other check has passed; the
   * token is accepted only when it returns `true` (or a promise of `true`), anything else is a
   * 401 `invalid_token`. An error it throws is the answer: an `HttpError` its own status, any
   * other error a 500.
   *
   * @example
   * // Only RFC 9068 access tokens from a client this API knows.
   * jwtAuth({ jwksUrl, issuer, audience, accept: (claims, header) => header.typ === 'at+jwt' && clients.has(String(claims.client_id)) });
   */
  readonly accept?: ((claims: JWTPayload, header: JWTHeaderParameters) => boolean | Promise<boolean>) | undefined;
  /**
   * Accepted algorithms. Default: the asymmetric JWS algorithms for `jwksUrl` / `publicKey`, the
   * HMAC ones for `secret`, so a token cannot pick a weaker family than the key was meant for.
   */
  readonly algorithms?: readonly string[] | undefined;
  /** Seconds of clock skew tolerated on `exp` / `nbf` / `iat` (default 5). */
  readonly clockTolerance?: number | undefined;
  /**
   * Claims every token must carry besides `exp`, which is always required: a token that never
   * expires is refused. Only `[]` drops `exp` too, for issuers that do not set it.
   */
  readonly requiredClaims?: readonly string[] | undefined;
  /** Scopes every token must carry (403 otherwise); a string is a space-separated list. */
  readonly requiredScopes?: string | readonly string[] | undefined;
  /** The realm named in `WWW-Authenticate` (printable ASCII). */
  readonly realm?: string | undefined;
  /** Reads the token from the request (default: `Authorization: Bearer <token>`). */
  readonly getToken?: ((req: HttpRequest) => string | undefined) | undefined;
  /** JWKS cache lifetime in ms (default 10 minutes). */
  readonly jwksCacheMaxAgeMs?: number | undefined;
  /**
   * Minimum ms between JWKS refetches triggered by an unknown `kid`, and how long a failed fetch
   * keeps the key set from being asked again (default 30 s).
   */
  readonly jwksCooldownMs?: number | undefined;
  /**
   * JWKS request timeout in ms (default 5 s). A request stops waiting sooner when `ctx.signal`
   * aborts (shortly before the deadline): it is answered from the cached keys, or 503; the fetch
   * goes on for the requests that share it.
   */
  readonly jwksTimeoutMs?: number | undefined;
};

const keySources = ['jwksUrl', 'secret', 'publicKey'] as const;
/** Every option `jwtAuth()` takes. */
const optionNames = [
  ...keySources,
  'issuer',
  'audience',
  'clientId',
  'tokenUse',
  'accept',
  'algorithms',
  'clockTolerance',
  'requiredClaims',
  'requiredScopes',
  'realm',
  'getToken',
  'jwksCacheMaxAgeMs',
  'jwksCooldownMs',
  'jwksTimeoutMs',
] as const satisfies readonly (keyof JwtAuthOptions)[];
/** The options left out of `optionNames`: none, or this fails to type-check. */
type Unlisted = Exclude<keyof JwtAuthOptions, (typeof optionNames)[number]>;
const everyOptionListed: [Unlisted] extends [never] ? true : { readonly 'options not listed': Unlisted } = true;
void everyOptionListed;
/** `Ed25519` is the fully specified name (RFC 9864) of what `EdDSA` means with an Ed25519 key. */
const asymmetric = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
const symmetric = ['HS256', 'HS384', 'HS512'];
/** Every JWS algorithm name jose verifies (names are case-sensitive: `rs256` is none of them). */
const knownAlgorithms = new Set([...asymmetric, ...symmetric, 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);
/** The shortest HMAC secret accepted: 256 bits, HS256's hash size. */
const minSecretBytes = 32;

const reasons: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'the token claims are not accepted',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the token algorithm is not accepted',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the token signature is invalid',
  ERR_JWKS_NO_MATCHING_KEY: 'the token signing key is unknown',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'the token signing key is ambiguous',
};

/**
 * A fixed description per failure, never text derived from the token. A claim is named only
 * when its check failed: a claim that is missing or of the wrong type (`"iat": "x"`) says
 * nothing about the token's time or issuer.
 */
function reasonOf(error: unknown, { errors }: Jose): string {
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'check_failed') {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iat') return 'the token is issued in the future';
    if (error.claim === 'iss') return 'the token issuer is not accepted';
    if (error.claim === 'aud') return 'the token audience is not accepted';
  }
  if (error instanceof errors.JOSEError) return reasons[error.code] ?? 'the token is invalid';
  return 'the token is invalid';
}

/**
 * `issuer`, `audience` or `clientId`, checked when the function is defined: a string or a non-empty list of
 * them, none empty. jose skips the check for an empty string, accepting every token, and refuses
 * every token for an empty list; anything else would fail every request.
 */
function acceptedValues(value: unknown, option: 'issuer' | 'audience' | 'clientId'): string | string[] | undefined {
  if (value === undefined) return undefined;
  const listed = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : undefined;
  if (listed === undefined || listed.length === 0 || !listed.every((one) => typeof one === 'string' && one !== '')) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() ${option} must be a non-empty string or a non-empty list of them${option === 'issuer' ? ', or a function (iss, claims) => boolean' : ''}`,
    );
  }
  return typeof value === 'string' ? value : (listed as string[]);
}

/**
 * Reads `Authorization: Bearer <token>`: `undefined` when there is no bearer credential (no
 * header, or another scheme such as `Basic`), `null` when the Bearer header is malformed.
 */
export function bearerToken(req: HttpRequest): string | undefined | null {
  const header = req.header('authorization');
  if (header === undefined) return undefined;
  // RFC 6750 3.1: a client using another authentication scheme gets the bare challenge, no
  // error code; only a Bearer credential can be malformed.
  if (!/^Bearer(?: |$)/i.test(header)) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1] ?? null;
}

/** A principal from verified JWT claims. */
export function principalFromClaims(payload: JWTPayload, source: Principal['source']): Principal {
  return {
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    claims: payload,
    scopes: scopesOf(payload),
    roles: rolesOf(payload),
    source,
  };
}

/**
 * `exp` stays required whatever else is listed, so adding `sub` cannot silently accept tokens
 * that never expire; an empty list is the one explicit way to accept them.
 */
function requiredClaimsOf(listed: readonly string[] | undefined): string[] {
  // A string would be read character by character.
  if (listed !== undefined && (!Array.isArray(listed) || !listed.every((claim) => typeof claim === 'string'))) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'jwtAuth() requiredClaims must be a list of claim names such as ["sub"]',
    );
  }
  if (listed === undefined) return ['exp'];
  if (listed.length === 0) return [];
  return [...new Set(['exp', ...listed])];
}

/** A check made once jose has verified the token: the reason for a 401, or `undefined`. */
type ClaimCheck = (payload: JWTPayload, header: () => JWTHeaderParameters) => Promise<string | undefined>;

const claimsRefused = 'the token claims are not accepted';

/**
 * `clientId`, as API Gateway's JWT authorizer reads its audience: `aud` when the token has one
 * (`client_id` is then not looked at), `client_id` otherwise. A missing or malformed claim is
 * refused without naming the audience, as jose does for `aud`.
 */
function clientIdCheck(listed: string | string[]): ClaimCheck {
  const ids = new Set(typeof listed === 'string' ? [listed] : listed);
  return async ({ aud, client_id: clientId }) => {
    const named = aud === undefined ? [clientId] : Array.isArray(aud) ? aud : [aud];
    if (named.length === 0 || !named.every((one) => typeof one === 'string')) return claimsRefused;
    return named.some((one) => ids.has(one as string)) ? undefined : 'the token audience is not accepted';
  };
}

/** A `typ` header as RFC 7515 4.1.9 compares media types: without `application/`, in lower case. */
function mediaType(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
}

/**
 * `tokenUse`: each marker, when the token carries it, must name the kind asked for. Cognito's
 * `token_use` claim; Keycloak's `typ` claim (`Bearer`, `ID`, `Refresh`, `Logout`); the `typ`
 * header (RFC 9068 types access tokens `at+jwt`; `JWT` is any kind).
 */
function tokenUseCheck(use: 'access' | 'id'): ClaimCheck {
  const keycloak = use === 'access' ? 'bearer' : 'id';
  const headerTypes = use === 'access' ? ['jwt', 'at+jwt'] : ['jwt'];
  const reason = use === 'access' ? 'the token is not an access token' : 'the token is not an ID token';
  return async (payload, header) => {
    if (payload.token_use !== undefined && payload.token_use !== use) return reason;
    if (payload.typ !== undefined && (typeof payload.typ !== 'string' || payload.typ.toLowerCase() !== keycloak)) {
      return reason;
    }
    const { typ } = header();
    return typ === undefined || headerTypes.includes(mediaType(typ) ?? '') ? undefined : reason;
  };
}

const issuerRefused = 'the token issuer is not accepted';
/** Microsoft's placeholder for the tenant in a multi-tenant issuer (its docs write `{tenantId}` too). */
const tenantPlaceholder = /\{tenantid\}/i;
/** The same, for `replace()`, which starts a global expression from the beginning each time. */
const tenantPlaceholders = /\{tenantid\}/gi;

/**
 * `issuer`, checked when the function is defined: what jose checks (exact values), or a check of
 * ours for a function or a `{tenantid}` template. jose would compare a template exactly, and no
 * token's `iss` holds braces: every token would be a 401.
 */
function issuerOf(value: unknown): string | string[] | ClaimCheck | undefined {
  if (typeof value === 'function') {
    const accepts = value as (iss: string, claims: JWTPayload) => unknown;
    // Only `true` accepts: a function that forgets to return refuses every token, not none.
    return async (payload) => {
      if (typeof payload.iss !== 'string') return claimsRefused;
      return (await accepts(payload.iss, payload)) === true ? undefined : issuerRefused;
    };
  }
  const accepted = acceptedValues(value, 'issuer');
  const listed = typeof accepted === 'string' ? [accepted] : (accepted ?? []);
  // An issuer is a URL, which never holds a bare brace: any but `{tenantid}` is a placeholder
  // that nothing fills (`{tenant}`, `{tid}`), and would match no token.
  const stray = listed.find((one) => /[{}]/.test(one.replace(tenantPlaceholders, '')));
  if (stray !== undefined) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() issuer ${JSON.stringify(stray)} holds a placeholder other than {tenantid}, the only one filled in (from the tid claim)`,
    );
  }
  if (!listed.some((one) => tenantPlaceholder.test(one))) return accepted;
  return async ({ iss, tid }) => {
    if (typeof iss !== 'string') return claimsRefused;
    const tenant = typeof tid === 'string' && tid !== '' ? tid : undefined;
    const matches = listed.some((one) =>
      tenantPlaceholder.test(one)
        ? // A function, not the string: `$&` or `$1` in a tid would be read as a pattern.
          tenant !== undefined && one.replace(tenantPlaceholders, () => tenant) === iss
        : one === iss,
    );
    if (matches) return undefined;
    return tenant === undefined ? claimsRefused : issuerRefused;
  };
}

/** The checks made after jose's, from the options; each checked when the function is defined. */
function claimChecks(options: JwtAuthOptions): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  const clientId = acceptedValues(options.clientId, 'clientId');
  if (clientId !== undefined) {
    if (options.audience !== undefined) {
      // Both would have to match `aud`, and a Cognito access token (no `aud`) would fail `audience`.
      throw new SkyportError(
        'INVALID_DEFINITION',
        'jwtAuth() takes audience or clientId, not both: clientId is checked against aud, or against client_id when the token has no aud',
      );
    }
    checks.push(clientIdCheck(clientId));
  }
  const { tokenUse } = options;
  if (tokenUse !== undefined) {
    if (tokenUse !== 'access' && tokenUse !== 'id') {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `jwtAuth() tokenUse must be "access" or "id", got ${shownValue(tokenUse)}`,
      );
    }
    checks.push(tokenUseCheck(tokenUse));
  }
  return checks;
}

/**
 * The `accept` predicate as a check, run once every other check, `requiredScopes` included, has
 * passed (it may look the caller up); checked when the function is defined.
 */
function acceptCheck(accept: JwtAuthOptions['accept']): ClaimCheck | undefined {
  if (accept === undefined) return undefined;
  if (typeof accept !== 'function') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() accept must be a function (claims, header) => boolean, got ${shownValue(accept)}`,
    );
  }
  // Only `true` accepts: a predicate that forgets to return refuses every token, not none.
  return async (payload, header) =>
    (await accept(payload, header())) === true ? undefined : 'the token is not accepted';
}

/**
 * Verifies `Authorization: Bearer <jwt>` and adds `ctx.auth`. 401 with an RFC 6750
 * `WWW-Authenticate` challenge for a missing, malformed or invalid token, or one that `clientId`,
 * `tokenUse` or `accept` refuses; 403 when a required scope is missing; 503 when the JWKS
 * endpoint cannot be reached, or does not answer before `ctx.signal` aborts, and no keys are
 * cached. A key
 * that cannot verify the accepted algorithms fails the definition (`INVALID_DEFINITION`); any
 * other verifier failure is a 500, never a 401 blaming the token. The token never appears in a
 * response or log line. A principal preset on the context (for example by
 * `invoke(fn, req, { auth })`) is ignored: the token is always verified.
 *
 * @example
 * export const me = http({ method: 'GET', path: '/me' })
 *   .use(jwtAuth({ jwksUrl: 'https://issuer.example/.well-known/jwks.json', issuer: 'https://issuer.example/', audience: 'orders-api' }))
 *   .handle((_req, ctx) => ({ subject: ctx.auth.subject }));
 */
export function jwtAuth(options: JwtAuthOptions): Middleware<'http', AuthContext> {
  // A misspelt name would be dropped: `audiance` or `requiredScope` would accept any token.
  checkOptions('jwtAuth()', options, optionNames);
  if (options === undefined) {
    throw new SkyportError('INVALID_DEFINITION', 'jwtAuth() needs one of jwksUrl, secret or publicKey');
  }
  const issuer = issuerOf(options.issuer);
  const audience = acceptedValues(options.audience, 'audience');
  // The issuer first: a token of another tenant is refused for that, whatever else is wrong.
  const checks = [...(typeof issuer === 'function' ? [issuer] : []), ...claimChecks(options)];
  const accepts = acceptCheck(options.accept);
  if (options.getToken !== undefined && typeof options.getToken !== 'function') {
    // A name ('cookie') would fail every request with a TypeError.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() getToken must be a function (req) => token, got ${options.getToken === null ? 'null' : typeof options.getToken}`,
    );
  }
  if (options.algorithms !== undefined && !Array.isArray(options.algorithms)) {
    // A string would be read character by character.
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() algorithms must be a list such as ["RS256"], got ${options.algorithms === null ? 'null' : typeof options.algorithms}`,
    );
  }
  const keySet = {
    cacheMaxAgeMs: milliseconds(options.jwksCacheMaxAgeMs, 'jwtAuth() jwksCacheMaxAgeMs', true),
    cooldownMs: milliseconds(options.jwksCooldownMs, 'jwtAuth() jwksCooldownMs'),
    timeoutMs: milliseconds(options.jwksTimeoutMs, 'jwtAuth() jwksTimeoutMs', false, 1),
  };
  const clockTolerance = options.clockTolerance ?? defaultClockTolerance;
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new SkyportError('INVALID_DEFINITION', 'jwtAuth() clockTolerance must be a number of seconds, 0 or more');
  }
  // The types allow one; a cast or options spread from a config object can still hold several,
  // and which of them verifies tokens must not depend on the order they are looked at.
  const sources = keySources.filter((name) => options[name] !== undefined && options[name] !== null);
  if (sources.length !== 1) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      sources.length === 0
        ? 'jwtAuth() needs one of jwksUrl, secret or publicKey'
        : `jwtAuth() takes exactly one of jwksUrl, secret or publicKey, got ${sources.join(' and ')}`,
    );
  }
  let key: VerifyKey;
  // The key set, whose getter each request calls with its own deadline.
  let jwks: RemoteKeys | undefined;
  let defaults: readonly string[];
  // What the key can verify; undefined for a key set, whose keys are picked per token by jose.
  let verifiable: readonly string[] | undefined;
  if (options.jwksUrl !== undefined && options.jwksUrl !== null) {
    jwks = remoteKeys({ url: keySetUrl(options.jwksUrl, 'jwtAuth() jwksUrl'), ...keySet });
    key = jwks;
    defaults = asymmetric;
  } else if (options.secret !== undefined && options.secret !== null) {
    if (typeof options.secret !== 'string' && !(options.secret instanceof Uint8Array)) {
      throw new SkyportError('INVALID_DEFINITION', 'jwtAuth() secret must be a string or bytes (Uint8Array)');
    }
    key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    // RFC 7518 3.2 asks for a key at least as long as the hash: 32 bytes for HS256, the floor
    // enforced here for every HMAC algorithm (use 48 or 64 bytes with HS384 / HS512). A shorter
    // one (or an unset environment variable read as '') can be guessed; refusing it here beats
    // a 401 per request.
    if (key.byteLength < minSecretBytes) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `jwtAuth() secret must be at least ${minSecretBytes} bytes, got ${key.byteLength}`,
      );
    }
    defaults = symmetric;
    verifiable = symmetric;
  } else {
    verifiable = publicKeyAlgorithms(options.publicKey, 'jwtAuth() publicKey');
    key = options.publicKey;
    defaults = asymmetric;
  }
  const algorithms = [...(options.algorithms ?? defaults)].filter(
    (alg) => typeof alg === 'string' && alg.toLowerCase() !== 'none',
  );
  if (algorithms.length === 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      'jwtAuth() algorithms must name at least one algorithm other than none',
    );
  }
  // A misspelt name (`rs256`, `RSA256`) matches no token: every request would be a 401.
  const unknown = algorithms.filter((alg) => !knownAlgorithms.has(alg));
  if (unknown.length > 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() algorithms names no JWS algorithm: ${unknown.join(', ')} (names are case-sensitive: ${[...asymmetric, ...symmetric].join(', ')})`,
    );
  }
  // A key set serves public keys only: jose answers an HMAC token with an error of its own, and
  // listing HS256 next to a key set is a configuration that meant `secret`.
  const hmac = verifiable === undefined ? algorithms.filter((alg) => alg.startsWith('HS')) : [];
  if (hmac.length > 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() jwksUrl cannot verify ${hmac.join(', ')}: a key set holds public keys; give an HMAC key as secret`,
    );
  }
  // Only what the key can verify: a token naming another algorithm would reach jose's TypeError
  // for the key, a 500, where it is a token this key never signed (401).
  const accepted = verifiable === undefined ? algorithms : algorithms.filter((alg) => verifiable.includes(alg));
  if (accepted.length === 0) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `jwtAuth() ${sources[0]} cannot verify ${algorithms.join(', ')}; it verifies ${verifiable?.join(', ')}`,
    );
  }
  const verifyOptions = {
    algorithms: accepted,
    issuer: typeof issuer === 'function' ? undefined : issuer,
    audience,
    clockTolerance,
    requiredClaims: requiredClaimsOf(options.requiredClaims),
  };
  const required =
    options.requiredScopes === undefined ? [] : scopeList(options.requiredScopes, 'jwtAuth() requiredScopes');
  const realm = realmOf(options.realm, 'jwtAuth() realm');
  const getToken = options.getToken ?? bearerToken;

  // Started now, so the first request finds it loaded (or nearly).
  void loadJose();

  return createMiddleware<'http', AuthContext>({
    name: 'jwtAuth',
    kinds: ['http'],
    async handle(req, ctx, next): Promise<HttpResponse> {
      const token = getToken(req);
      if (token === undefined) {
        ctx.log.info({ auth: 'jwt', reason: 'missing' }, 'authentication failed');
        throw unauthorized('a bearer token is required', { realm });
      }
      if (token === null || token === '') {
        ctx.log.info({ auth: 'jwt', reason: 'malformed' }, 'authentication failed');
        throw unauthorized('the authorization header is malformed', { realm, error: 'invalid_token' });
      }
      // Outside the try: failing to load the verifier is a 500, not a bad token.
      const jose = await loadJose();
      const keys = jwks;
      // A request stops waiting for a key-set fetch when `ctx.signal` aborts (shortly before the
      // deadline), read only then: served from the cached keys, it arms no timer.
      const verifyKey =
        keys === undefined
          ? key
          : (header: JWSHeaderParameters, input: FlattenedJWSInput) => keys(header, input, () => ctx.signal);
      let payload: JWTPayload;
      try {
        payload = await verifyJwt(jose, token, verifyKey, verifyOptions);
      } catch (error) {
        let failure: HttpError;
        if (error instanceof KeySetUnavailable) {
          failure = keysUnavailable(error.cause);
          ctx.log.error({ auth: 'jwt', reason: 'jwks-unavailable' }, 'signing keys cannot be fetched');
        } else if (!(error instanceof jose.errors.JOSEError)) {
          // jose reports a bad token as a JOSEError; anything else (a TypeError for key material
          // it cannot use, say) is the verifier failing, whatever the token: logged as the 500's cause.
          failure = new InternalServerError('the token verifier failed', { cause: error, code: 'JWT_VERIFIER_FAILED' });
        } else {
          const reason = reasonOf(error, jose);
          failure = unauthorized(reason, { realm, error: 'invalid_token' });
          ctx.log.info({ auth: 'jwt', reason }, 'authentication failed');
        }
        throw failure;
      }
      // Decoded once, and only for a check that reads it: the token is verified, so it is the signed header.
      let header: JWTHeaderParameters | undefined;
      const headerOf = () => {
        header ??= jose.decodeProtectedHeader(token) as JWTHeaderParameters;
        return header;
      };
      for (const check of checks) {
        const reason = await check(payload, headerOf);
        if (reason !== undefined) {
          ctx.log.info({ auth: 'jwt', reason }, 'authentication failed');
          throw unauthorized(reason, { realm, error: 'invalid_token' });
        }
      }
      const principal = principalFromClaims(payload, 'jwt');
      const missing = missingScopes(principal.scopes, required);
      if (missing.length > 0) {
        ctx.log.info({ auth: 'jwt', reason: 'insufficient-scope', missing }, 'authorization failed');
        throw insufficientScope(missing, { bearer: true, realm });
      }
      const refused = accepts === undefined ? undefined : await accepts(payload, headerOf);
      if (refused !== undefined) {
        ctx.log.info({ auth: 'jwt', reason: refused }, 'authentication failed');
        throw unauthorized(refused, { realm, error: 'invalid_token' });
      }
      return next({ auth: principal });
    },
  });
}
