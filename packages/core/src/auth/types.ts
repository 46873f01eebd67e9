/** The public types of the auth middleware: the principal every auth middleware adds to `ctx.auth`. */

/** Where a principal came from. */
export type AuthSource =
  | 'jwt'
  | 'api-key'
  | 'aws-jwt-authorizer'
  | 'aws-lambda-authorizer'
  | 'aws-iam'
  | 'azure-app-service'
  | 'gcp-api-gateway'
  | 'gcp-iap';

/**
 * The authenticated caller, the same shape whichever middleware (or platform) verified it.
 *
 * @example
 * http({ method: 'GET', path: '/me' }).use(jwtAuth({ jwksUrl, issuer, audience }))
 *   .handle((_req, ctx) => ({ id: ctx.auth.subject, scopes: ctx.auth.scopes, roles: ctx.auth.roles }));
 */
export interface Principal {
  /** Who the caller is: the `sub` claim, API key owner, or platform user id (undefined when the source has none). */
  readonly subject: string | undefined;
  /** Every claim or attribute the source supplied. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Granted scopes (from `scope` / `scp`, or the platform's scope list). */
  readonly scopes: readonly string[];
  /**
   * Granted roles, each once, from these claims in this order: `roles` (Entra ID app roles, also
   * of app-only tokens), `groups` (Okta; Entra ID group object ids), `cognito:groups` (Amazon
   * Cognito), `permissions` (Auth0 RBAC), `realm_access.roles` (Keycloak); then, from Azure App
   * Service / Static Web Apps authentication, the claim its `role_typ` names and `userRoles`.
   * Empty for an API key (unless `verify` gives `roles`) and for AWS IAM callers.
   */
  readonly roles: readonly string[];
  /** Which middleware or platform produced the principal. */
  readonly source: AuthSource;
}

/** What every auth middleware adds to the context. */
export interface AuthContext {
  /** The authenticated caller. */
  readonly auth: Principal;
}
