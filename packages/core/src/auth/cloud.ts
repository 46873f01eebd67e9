/**
 * `cloudPrincipal()`: reads the identity a platform has already verified in front of the function
 * (API Gateway authorizers, Azure App Service / Static Web Apps auth, Google API Gateway and IAP)
 * into the same `ctx.auth` shape `jwtAuth()` produces.
 */
import type { FlattenedJWSInput, JWSHeaderParameters } from 'jose';
import { type HttpError, SkyportError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import { checkOptions } from '../options.js';
import { setOwn } from '../own.js';
import type { HttpRequest, HttpResponse, Middleware } from '../types.js';
import { insufficientScope, keysUnavailable, missingScopes, scopeList, scopesOf, unauthorized } from './challenge.js';
import { defaultClockTolerance, loadJose, verifyJwt } from './jose.js';
import { type FetchWait, KeySetUnavailable, keySetUrl, milliseconds, type RemoteKeys, remoteKeys } from './jwks.js';
import { passedRoles, rolesOf } from './roles.js';
import type { AuthContext, Principal } from './types.js';

/** A platform whose identity headers / authorizer context may be trusted. */
export type PrincipalPlatform = 'aws' | 'azure' | 'gcp';

/**
 * Identity headers set by a platform component in front of the function. Each is trustworthy
 * only when that component is enabled (it then strips any value a client sent), so each must be
 * named explicitly.
 */
export type IdentityHeaders = 'azure-easy-auth' | 'gcp-api-gateway' | 'gcp-iap-headers';

/** Options of `cloudPrincipal()`. */
export interface CloudPrincipalOptions {
  /**
   * Identity headers to read: `azure-easy-auth` (`x-ms-client-principal`, App Service / Static
   * Web Apps authentication enabled), `gcp-api-gateway` (`x-apigateway-api-userinfo`, the
   * function reachable only through API Gateway), `gcp-iap-headers`
   * (`x-goog-authenticated-user-*`, the service reachable only through IAP). Default: none,
   * because anyone who can call the function directly can send them.
   */
  readonly headers?: readonly IdentityHeaders[] | undefined;
  /**
   * Platforms whose identity data is read. Default: the one the function runs on (`ctx.cloud`),
   * and none on `node`, where nothing strips client-sent identity headers. Add a platform only
   * when a proxy you control sets (and strips) its headers.
   */
  readonly trust?: readonly PrincipalPlatform[] | undefined;
  /** Scopes the principal must carry (403 otherwise); a string is a space-separated list. */
  readonly requiredScopes?: string | readonly string[] | undefined;
  /**
   * Accept AWS IAM requests signed with the credentials a Cognito identity pool gives a guest
   * (an unauthenticated identity). Default `false`: such a request is a 401, since anyone can get
   * guest credentials. An accepted guest's principal has the guest's identity id as `subject` and
   * `claims.cognitoAuthenticationType: 'unauthenticated'`.
   */
  readonly allowCognitoGuests?: boolean | undefined;
  /**
   * Verify and read the signed IAP assertion (`x-goog-iap-jwt-assertion`). `audience` is
   * `/projects/<number>/global/backendServices/<id>` or `/projects/<number>/apps/<project-id>`.
   * Without it the assertion is not read: an unverified JWT proves nothing. `jwksUrl` replaces
   * Google's IAP key set; `jwksTimeoutMs` is its request timeout (default 5 s).
   */
  readonly iap?:
    | {
        readonly audience: string;
        readonly jwksUrl?: string | URL | undefined;
        readonly jwksTimeoutMs?: number | undefined;
      }
    | undefined;
}

type Json = Record<string, unknown>;

const platforms: readonly PrincipalPlatform[] = ['aws', 'azure', 'gcp'];
/** Every option `cloudPrincipal()` takes. */
const optionNames = [
  'headers',
  'trust',
  'requiredScopes',
  'iap',
  'allowCognitoGuests',
] as const satisfies readonly (keyof CloudPrincipalOptions)[];
/** The options left out of `optionNames`: none, or this fails to type-check. */
type Unlisted = Exclude<keyof CloudPrincipalOptions, (typeof optionNames)[number]>;
const everyOptionListed: [Unlisted] extends [never] ? true : { readonly 'options not listed': Unlisted } = true;
void everyOptionListed;
const identityHeaders: readonly IdentityHeaders[] = ['azure-easy-auth', 'gcp-api-gateway', 'gcp-iap-headers'];

/** A value for a definition error: option values name platforms and headers, never secrets. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

/**
 * `trust` or `headers`, checked when the function is defined and copied, or `INVALID_DEFINITION`
 * naming the value. A name read loosely trusts headers any client can send: an unknown platform
 * must not fall through to one of the known ones, and a string must not be read character by
 * character.
 */
function namesOf<T extends string>(value: unknown, allowed: readonly T[], option: string): readonly T[] {
  const expected = allowed.map((name) => `'${name}'`).join(', ');
  if (!Array.isArray(value)) {
    const got = typeof value === 'string' ? `the string ${shown(value)}` : shown(value);
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cloudPrincipal() ${option} must be a list of ${expected}, got ${got}`,
    );
  }
  const names: T[] = [];
  // Index by index, so a hole in a sparse array is seen (and refused) too.
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (!allowed.includes(entry as T)) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        `cloudPrincipal() ${option} may hold only ${expected}, got ${shown(entry)}`,
      );
    }
    if (!names.includes(entry as T)) names.push(entry as T);
  }
  return names;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Thrown when an identity header is present but cannot be decoded. */
class MalformedIdentity extends Error {}

function decodeJsonHeader(value: string, what: string): Json {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    if (isObject(parsed)) return parsed;
  } catch {
    // reported below, without the header value
  }
  throw new MalformedIdentity(`the ${what} header is malformed`);
}

/**
 * The scopes of an API Gateway JWT authorizer: the `scopes` list API Gateway hands over, then
 * those of the token's own claims (the same verified token), once each. HTTP API passes a list
 * claim as one string, `"[read write]"`, read here as the list it was.
 */
function awsScopes(listed: unknown, claims: Json): string[] {
  const granted = Array.isArray(listed) ? listed.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const unbracket = (value: unknown) =>
    typeof value === 'string' && value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return [...new Set([...granted, ...scopesOf({ scope: unbracket(claims.scope), scp: unbracket(claims.scp) })])];
}

/**
 * The caller of a request signed with Cognito identity pool credentials: every user of the pool
 * signs with the same role, so the role session ARN names no one, and the identity id is the
 * user. `undefined` when the credentials are not a Cognito identity's.
 */
interface CognitoCaller {
  readonly identityId: string;
  readonly authenticated: boolean;
}

/**
 * The Cognito identity of an HTTP API (or Function URL) IAM caller: `cognitoIdentity` with
 * `amr`, whose first entry is `authenticated` or `unauthenticated`. Anything but `authenticated`
 * is read as a guest.
 */
function cognitoOfIam(iam: Json): CognitoCaller | undefined {
  const cognito = iam.cognitoIdentity;
  if (!isObject(cognito)) return undefined;
  const identityId = str(cognito.identityId);
  if (identityId === undefined) throw new MalformedIdentity('the Cognito identity of the caller has no identityId');
  const amr = cognito.amr;
  return { identityId, authenticated: Array.isArray(amr) && amr.includes('authenticated') };
}

/** The Cognito identity of a REST API IAM caller: `cognitoIdentityId` and `cognitoAuthenticationType`. */
function cognitoOfRest(identity: Json): CognitoCaller | undefined {
  const identityId = str(identity.cognitoIdentityId);
  if (identityId === undefined) {
    if (str(identity.cognitoAuthenticationType) === undefined) return undefined;
    throw new MalformedIdentity('the Cognito identity of the caller has no cognitoIdentityId');
  }
  return { identityId, authenticated: identity.cognitoAuthenticationType === 'authenticated' };
}

/**
 * An IAM principal: the Cognito identity id as subject when the credentials are a Cognito
 * identity's (the caller ARN stays in `claims.userArn`), else the caller ARN. A Cognito caller's
 * claims say `cognitoAuthenticationType: 'authenticated'` or `'unauthenticated'` (a guest).
 */
function iamPrincipal(caller: string | undefined, cognito: CognitoCaller | undefined, claims: Json): Principal {
  if (cognito === undefined) return { subject: caller, claims, scopes: [], roles: [], source: 'aws-iam' };
  return {
    subject: cognito.identityId,
    claims: { ...claims, cognitoAuthenticationType: cognito.authenticated ? 'authenticated' : 'unauthenticated' },
    scopes: [],
    roles: [],
    source: 'aws-iam',
  };
}

/** Whether a principal is a Cognito identity pool guest (refused unless `allowCognitoGuests`). */
function isCognitoGuest(principal: Principal): boolean {
  return principal.source === 'aws-iam' && principal.claims.cognitoAuthenticationType === 'unauthenticated';
}

/** The caller fields of a REST API `requestContext.identity`; `apiKey`, `sourceIp` and the like are not identity. */
const restIamFields = [
  'userArn',
  'user',
  'caller',
  'accountId',
  'accessKey',
  'principalOrgId',
  'cognitoIdentityId',
  'cognitoIdentityPoolId',
  'cognitoAuthenticationType',
  'cognitoAuthenticationProvider',
];

/**
 * REST API (v1) IAM auth puts the verified caller in `requestContext.identity`, not in
 * `authorizer`; an unauthenticated request has the same object with `userArn: null`.
 */
function fromRestIam(requestContext: Json): Principal | undefined {
  const identity = requestContext.identity;
  const userArn = isObject(identity) ? str(identity.userArn) : undefined;
  if (!isObject(identity) || userArn === undefined) return undefined;
  const claims: Json = {};
  for (const key of restIamFields)
    if (identity[key] !== undefined && identity[key] !== null) claims[key] = identity[key];
  return iamPrincipal(userArn, cognitoOfRest(identity), claims);
}

function fromAws(req: HttpRequest): Principal | undefined {
  const raw = req.raw;
  const requestContext = isObject(raw) ? raw.requestContext : undefined;
  if (!isObject(requestContext)) return undefined;
  const authorizer = requestContext.authorizer;
  return (isObject(authorizer) ? fromAwsAuthorizer(authorizer) : undefined) ?? fromRestIam(requestContext);
}

function fromAwsAuthorizer(authorizer: Json): Principal | undefined {
  // HTTP API JWT authorizer: { jwt: { claims, scopes } }.
  if (isObject(authorizer.jwt) && isObject(authorizer.jwt.claims)) {
    // Claims stay as API Gateway passed them (a list claim as "[a b]"); roles read that form.
    const claims = authorizer.jwt.claims;
    return {
      subject: str(claims.sub),
      claims,
      scopes: awsScopes(authorizer.jwt.scopes, claims),
      roles: passedRoles(claims, 'http-api'),
      source: 'aws-jwt-authorizer',
    };
  }
  // HTTP API Lambda authorizer: { lambda: context }.
  if (isObject(authorizer.lambda)) {
    const context = authorizer.lambda;
    return {
      subject: str(context.principalId) ?? str(context.sub),
      claims: context,
      scopes: scopesOf(context),
      roles: rolesOf(context),
      source: 'aws-lambda-authorizer',
    };
  }
  // HTTP API (and Function URL) IAM auth: { iam: { userArn, userId, cognitoIdentity, ... } }.
  if (isObject(authorizer.iam) && (str(authorizer.iam.userArn) ?? str(authorizer.iam.userId))) {
    const iam = authorizer.iam;
    return iamPrincipal(str(iam.userArn) ?? str(iam.userId), cognitoOfIam(iam), iam);
  }
  // REST API Cognito user pool authorizer, and HTTP API JWT authorizer with payload 1.0: { claims, scopes? }.
  if (isObject(authorizer.claims)) {
    const claims = authorizer.claims;
    return {
      subject: str(claims.sub),
      claims,
      scopes: awsScopes(authorizer.scopes, claims),
      roles: passedRoles(claims, 'rest-api'),
      source: 'aws-jwt-authorizer',
    };
  }
  // REST API Lambda authorizer: context keys flattened next to principalId.
  if (str(authorizer.principalId) !== undefined) {
    const { integrationLatency: _latency, ...context } = authorizer;
    return {
      subject: str(authorizer.principalId),
      claims: context,
      scopes: scopesOf(context),
      roles: rolesOf(context),
      source: 'aws-lambda-authorizer',
    };
  }
  return undefined;
}

const azureScopeClaim = 'http://schemas.microsoft.com/identity/claims/scope';
const azureObjectId = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const azureNameId = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier';

function fromAzure(req: HttpRequest): Principal | undefined {
  const header = req.header('x-ms-client-principal');
  if (header === undefined) return undefined;
  const principal = decodeJsonHeader(header, 'x-ms-client-principal');
  const claims: Json = {};
  if (Array.isArray(principal.claims)) {
    for (const entry of principal.claims) {
      if (!isObject(entry) || typeof entry.typ !== 'string') continue;
      // Own keys only: a claim type named `toString` or `__proto__` is a claim like any other.
      const previous = Object.hasOwn(claims, entry.typ) ? claims[entry.typ] : undefined;
      setOwn(
        claims,
        entry.typ,
        previous === undefined ? entry.val : Array.isArray(previous) ? [...previous, entry.val] : [previous, entry.val],
      );
    }
  }
  // Static Web Apps use { identityProvider, userId, userDetails, userRoles } instead of a claims list.
  for (const key of ['identityProvider', 'userId', 'userDetails', 'userRoles', 'auth_typ']) {
    if (principal[key] !== undefined && claims[key] === undefined) claims[key] = principal[key];
  }
  // App Service names the claim type of roles in `role_typ` (for Entra ID, the long role claim
  // URI, while the roles themselves come as `roles` claims); a repeated type is a list, a single
  // one a string. Claims keep that form; roles read both as lists.
  const roleTyp = str(principal.role_typ);
  const roleClaimNames = roleTyp === undefined ? ['userRoles'] : [roleTyp, 'userRoles'];
  const subject =
    str(claims.sub) ??
    str(claims.oid) ??
    str(claims[azureObjectId]) ??
    str(principal.userId) ??
    str(claims[azureNameId]) ??
    str(req.header('x-ms-client-principal-id'));
  if (subject === undefined) throw new MalformedIdentity('the x-ms-client-principal header names no caller');
  const scopes = scopesOf({ scope: claims.scope ?? claims[azureScopeClaim], scp: claims.scp });
  return {
    subject,
    claims,
    scopes,
    roles: passedRoles(claims, 'easy-auth', roleClaimNames),
    source: 'azure-app-service',
  };
}

/** What checks an IAP assertion: the expected audience and the key set. */
interface IapVerifier {
  readonly audience: string;
  readonly keys: RemoteKeys;
}

/**
 * The caller of a signed IAP assertion, when `iap` is configured. Its signature, issuer and
 * audience are verified, so it is read whatever the platform (Cloud Run behind IAP runs under
 * `serve()`, where `ctx.cloud` is `node`). A wait for Google's keys stops when the signal `until`
 * gives aborts (shortly before the deadline), as `jwtAuth()`'s does.
 */
async function fromIapAssertion(
  req: HttpRequest,
  iap: IapVerifier | undefined,
  until: FetchWait,
): Promise<Principal | undefined> {
  const assertion = iap ? req.header('x-goog-iap-jwt-assertion') : undefined;
  if (iap === undefined || assertion === undefined) return undefined;
  const jose = await loadJose();
  let claims: Json;
  try {
    // jwtAuth()'s time checks: IAP sets `exp` and `iat`, and Google's guide asks for `iat` in the past.
    const keys = (header: JWSHeaderParameters, input: FlattenedJWSInput) => iap.keys(header, input, until);
    claims = await verifyJwt(jose, assertion, keys, {
      issuer: 'https://cloud.google.com/iap',
      audience: iap.audience,
      algorithms: ['ES256'],
      clockTolerance: defaultClockTolerance,
      requiredClaims: ['exp', 'iat'],
    });
  } catch (error) {
    // The assertion may be fine: the keys to check it are not there (503, not 401), or the key
    // set holds keys jose cannot use (not a JOSEError: a 500).
    if (error instanceof KeySetUnavailable || !(error instanceof jose.errors.JOSEError)) throw error;
    throw new MalformedIdentity('the IAP assertion is not valid');
  }
  return { subject: str(claims.sub), claims, scopes: scopesOf(claims), roles: rolesOf(claims), source: 'gcp-iap' };
}

async function fromGcp(
  req: HttpRequest,
  headers: readonly IdentityHeaders[],
  iap: IapVerifier | undefined,
  until: FetchWait,
): Promise<Principal | undefined> {
  const userinfo = headers.includes('gcp-api-gateway') ? req.header('x-apigateway-api-userinfo') : undefined;
  if (userinfo !== undefined) {
    const claims = decodeJsonHeader(userinfo, 'x-apigateway-api-userinfo');
    const subject = str(claims.sub);
    if (subject === undefined) throw new MalformedIdentity('the x-apigateway-api-userinfo header names no caller');
    return { subject, claims, scopes: scopesOf(claims), roles: rolesOf(claims), source: 'gcp-api-gateway' };
  }
  const signed = await fromIapAssertion(req, iap, until);
  if (signed !== undefined) return signed;
  if (!headers.includes('gcp-iap-headers')) return undefined;
  const id = req.header('x-goog-authenticated-user-id');
  const email = req.header('x-goog-authenticated-user-email');
  // IAP sends one non-empty id and email; an empty one, or several (joined with ", "), is not
  // IAP's: a client added it.
  for (const [name, value] of [
    ['x-goog-authenticated-user-id', id],
    ['x-goog-authenticated-user-email', email],
  ] as const) {
    if (value === '' || value?.includes(',') === true) {
      throw new MalformedIdentity(`the ${name} header is ${value === '' ? 'empty' : 'repeated'}`);
    }
  }
  if (id === undefined) return undefined;
  // IAP prefixes both values with the identity namespace: `accounts.google.com:<value>`.
  const claims: Json = { sub: id };
  if (email !== undefined) claims.email = email.replace(/^[^:@]*:/, '');
  return { subject: id, claims, scopes: [], roles: [], source: 'gcp-iap' };
}

const googleIapKeys = 'https://www.gstatic.com/iap/verify/public_key-jwk';

/**
 * Checked when the function is defined. The key set gets jwtAuth()'s outage handling: cached
 * keys keep working, and with none a 503 that does not make every request wait out the fetch
 * timeout again.
 */
function iapVerifier(iap: NonNullable<CloudPrincipalOptions['iap']>): IapVerifier {
  if (!isObject(iap)) {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cloudPrincipal() iap must be an object { audience, jwksUrl?, jwksTimeoutMs? }, got ${shown(iap)}`,
    );
  }
  // A misspelt name would be dropped: `audiance` would leave the assertion unread, `jwksURL` Google's keys in place.
  checkOptions('cloudPrincipal() iap', iap, ['audience', 'jwksUrl', 'jwksTimeoutMs']);
  if (typeof iap.audience !== 'string' || iap.audience === '') {
    throw new SkyportError('INVALID_DEFINITION', 'cloudPrincipal() iap.audience must be a non-empty string');
  }
  const keys = remoteKeys({
    url: keySetUrl(iap.jwksUrl ?? googleIapKeys, 'cloudPrincipal() iap.jwksUrl'),
    timeoutMs: milliseconds(iap.jwksTimeoutMs, 'cloudPrincipal() iap.jwksTimeoutMs', false, 1),
  });
  // Started now, so the first request finds it loaded (or nearly).
  void loadJose();
  return { audience: iap.audience, keys };
}

/**
 * Adds `ctx.auth` from identity the platform has already verified: on AWS the API Gateway
 * JWT / Lambda / IAM authorizer context (part of the event, which clients cannot forge); on
 * Azure and GCP the identity headers you name in `headers` (they are safe only when the
 * component that sets them is enabled), and the IAP assertion verified with `iap`.
 * 401 when there is none (the function was deployed without platform auth), or when the caller
 * is a Cognito identity pool guest (unless `allowCognitoGuests`), 403 for missing
 * `requiredScopes`. It reads only the platform the function runs on unless `trust` says otherwise.
 *
 * @example
 * export const me = http({ method: 'GET', path: '/me' })
 *   .use(cloudPrincipal({ headers: ['azure-easy-auth'], requiredScopes: ['profile'] }))
 *   .handle((_req, ctx) => ({ subject: ctx.auth.subject, via: ctx.auth.source }));
 */
export function cloudPrincipal(options: CloudPrincipalOptions = {}): Middleware<'http', AuthContext> {
  // A misspelt name would be dropped: `requiredScope` would let every caller through.
  checkOptions('cloudPrincipal()', options, optionNames);
  const required =
    options.requiredScopes === undefined ? [] : scopeList(options.requiredScopes, 'cloudPrincipal() requiredScopes');
  const iap = options.iap === undefined ? undefined : iapVerifier(options.iap);
  const allowGuests: unknown = options.allowCognitoGuests === undefined ? false : options.allowCognitoGuests;
  // A string such as 'false' would be truthy: every guest would get in.
  if (typeof allowGuests !== 'boolean') {
    throw new SkyportError(
      'INVALID_DEFINITION',
      `cloudPrincipal() allowCognitoGuests must be true or false, got ${shown(allowGuests)}`,
    );
  }
  const trust = options.trust === undefined ? undefined : namesOf(options.trust, platforms, 'trust');
  const headers = options.headers === undefined ? [] : namesOf(options.headers, identityHeaders, 'headers');
  return createMiddleware<'http', AuthContext>({
    name: 'cloudPrincipal',
    kinds: ['http'],
    async handle(req, ctx, next): Promise<HttpResponse> {
      const trusted = trust ?? (ctx.cloud === 'node' ? [] : [ctx.cloud]);
      // Read only for a wait on a key-set fetch: served from the cached keys, it arms no timer.
      const until = () => ctx.signal;
      let principal: Principal | undefined;
      try {
        for (const platform of trusted) {
          if (platform === 'aws') principal = fromAws(req);
          else if (platform === 'azure') principal = headers.includes('azure-easy-auth') ? fromAzure(req) : undefined;
          else if (platform === 'gcp') principal = await fromGcp(req, headers, iap, until);
          if (principal !== undefined) break;
        }
        if (principal === undefined && !trusted.includes('gcp')) principal = await fromIapAssertion(req, iap, until);
      } catch (error) {
        if (error instanceof KeySetUnavailable) {
          ctx.log.error({ auth: 'cloud', reason: 'jwks-unavailable' }, 'signing keys cannot be fetched');
          throw keysUnavailable(error.cause);
        }
        if (!(error instanceof MalformedIdentity)) throw error;
        ctx.log.warn({ auth: 'cloud', reason: error.message }, 'authentication failed');
        throw unauthorized(error.message, { error: 'invalid_token' });
      }
      if (principal === undefined) {
        ctx.log.info({ auth: 'cloud', reason: 'missing', trusted }, 'authentication failed');
        const failure: HttpError = unauthorized('no platform-verified identity on this request');
        throw failure;
      }
      if (!allowGuests && isCognitoGuest(principal)) {
        ctx.log.info({ auth: principal.source, reason: 'cognito-guest' }, 'authentication failed');
        throw unauthorized('a Cognito identity pool guest is not accepted here');
      }
      const missing = missingScopes(principal.scopes, required);
      if (missing.length > 0) {
        ctx.log.info({ auth: principal.source, reason: 'insufficient-scope', missing }, 'authorization failed');
        throw insufficientScope(missing, { bearer: true });
      }
      return next({ auth: principal });
    },
  });
}
