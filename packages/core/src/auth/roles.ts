/**
 * Roles: the role, group and permission claims identity providers use, read into
 * `Principal.roles` the same way whichever middleware verified the caller, and `requireRoles()`,
 * which authorises on them.
 */
import { Forbidden, type HttpError, SkyportError } from '../errors.js';
import { createMiddleware } from '../middleware/create.js';
import { setOwn } from '../own.js';
import type { Kind, Middleware } from '../types.js';
import type { AuthContext } from './types.js';

/**
 * The top-level claims read as roles, in the order `rolesOf()` reads them: `roles` (Entra ID app
 * roles, of users and of app-only tokens), `groups` (Okta, Entra ID group object ids, a Keycloak
 * group mapper), `cognito:groups` (Amazon Cognito user pool groups), `permissions` (Auth0 RBAC).
 */
const roleClaims = ['roles', 'groups', 'cognito:groups', 'permissions'] as const;

/**
 * The values of one list claim: the non-empty strings of a list, a string as one value (never
 * split, so a role is matched whole), nothing for anything else.
 *
 * @example
 * claimValues(['admin', 'reader']); // ['admin', 'reader']
 * claimValues('admin'); // ['admin']
 */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === 'string' && entry !== '');
}

/**
 * The roles of a set of verified claims, each once, in this order: `roles`, `groups`,
 * `cognito:groups`, `permissions`, Keycloak's `realm_access.roles`, then the claims named in
 * `also` (the platform's own role claims: Easy Auth's `role_typ`, Static Web Apps' `userRoles`).
 * Each claim is a list, or a string read as one role. A claim a gateway passed on as text
 * (`"[admin reader]"`) is one role here, which no check matches by accident: `passedRoles()`
 * reads it in the gateway's form.
 *
 * @example
 * rolesOf({ sub: 'u', roles: ['Orders.Admin'], realm_access: { roles: ['offline_access'] } });
 * // ['Orders.Admin', 'offline_access']
 */
export function rolesOf(claims: Readonly<Record<string, unknown>>, also: readonly string[] = []): string[] {
  const realm = claims.realm_access;
  const realmRoles =
    typeof realm === 'object' && realm !== null && !Array.isArray(realm) && Object.hasOwn(realm, 'roles')
      ? (realm as { roles?: unknown }).roles
      : undefined;
  const out: string[] = [];
  for (const name of roleClaims) if (Object.hasOwn(claims, name)) out.push(...claimValues(claims[name]));
  out.push(...claimValues(realmRoles));
  for (const name of also) if (Object.hasOwn(claims, name)) out.push(...claimValues(claims[name]));
  return [...new Set(out)];
}

/**
 * How a platform passes a list claim on: `http-api`, an HTTP API JWT authorizer, as one string
 * `"[admin reader]"`; `rest-api`, a REST API Cognito authorizer (and payload 1.0), as
 * `"admin,reader"`, or in brackets like HTTP API; `easy-auth`, App Service, as a string for one
 * value and a list for several.
 */
export type ListClaimForm = 'http-api' | 'rest-api' | 'easy-auth';

/** One list claim as the list it was; a value that is neither a string nor a list is left alone. */
function asList(value: unknown, form: ListClaimForm): unknown {
  if (Array.isArray(value)) return claimValues(value);
  if (typeof value !== 'string') return value;
  if (form !== 'easy-auth' && value.startsWith('[') && value.endsWith(']')) {
    return value
      .slice(1, -1)
      .split(' ')
      .filter((entry) => entry !== '');
  }
  if (form === 'rest-api') return value.split(',').filter((entry) => entry !== '');
  return claimValues(value);
}

/**
 * The roles of claims as a platform passed them on, reading each list claim (`roles`, `groups`,
 * `cognito:groups`, `permissions`, and those named in `also`) in the platform's form, so
 * `"[superadmin]"` is the role `superadmin` and never matches `admin`. The claims themselves are
 * not changed: `Principal.claims` stays as the platform sent it.
 *
 * @example
 * const claims = { sub: 'u', 'cognito:groups': '[admin poweruser]' };
 * passedRoles(claims, 'http-api'); // ['admin', 'poweruser']; claims['cognito:groups'] is still '[admin poweruser]'
 */
export function passedRoles(
  claims: Readonly<Record<string, unknown>>,
  form: ListClaimForm,
  also: readonly string[] = [],
): string[] {
  const listed: Record<string, unknown> = { ...claims };
  for (const name of [...roleClaims, ...also]) {
    if (Object.hasOwn(listed, name)) setOwn(listed, name, asList(listed[name], form));
  }
  return rolesOf(listed, also);
}

/**
 * Required roles, checked when the function is defined: each a non-empty string without
 * surrounding spaces. A role is matched whole, so a string is never split.
 */
function roleList(value: readonly unknown[]): string[] {
  for (const role of value) {
    if (typeof role !== 'string' || role === '' || role.trim() !== role) {
      throw new SkyportError(
        'INVALID_DEFINITION',
        'requireRoles() roles must be non-empty strings without leading or trailing spaces',
      );
    }
  }
  return [...new Set(value as string[])];
}

/** A 403 naming the roles the caller lacks (no challenge: a role is no Bearer scope). */
function insufficientRole(missing: readonly string[]): HttpError {
  return new Forbidden(`missing role: ${missing.join(', ')}`, { code: 'INSUFFICIENT_ROLE' });
}

/**
 * Requires every given role on `ctx.auth.roles` (403 `INSUFFICIENT_ROLE` otherwise), compared
 * whole and case-sensitively. Like `requireScopes()`, it needs an auth middleware before it (it
 * does not compile otherwise) and works for any function kind whose `ctx.auth` a middleware
 * adds. Each argument is one role, checked when the function is defined.
 *
 * @example
 * export const purge = http({ method: 'DELETE', path: '/cache' })
 *   .use(cloudPrincipal())
 *   .use(requireRoles('admin'))
 *   .handle(purgeHandler);
 */
export function requireRoles(...roles: readonly string[]): Middleware<Kind, {}, AuthContext> {
  const required = roleList(roles);
  return createMiddleware<Kind, {}, AuthContext>({
    name: 'requireRoles',
    async handle(_event, ctx, next) {
      const auth = ctx.auth as Partial<AuthContext['auth']> | undefined;
      // Read as a claim is: a string (a principal built in plain JS) is one role, never its characters.
      const have = new Set(claimValues(auth?.roles));
      const missing = required.filter((role) => !have.has(role));
      if (missing.length > 0) {
        ctx.log.info({ auth: auth?.source, reason: 'insufficient-role', missing }, 'authorization failed');
        throw insufficientRole(missing);
      }
      return next();
    },
  });
}
