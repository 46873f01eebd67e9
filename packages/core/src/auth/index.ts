/**
 * `@skyport/core/auth`: authentication middleware. `jwtAuth()` verifies bearer JWTs with `jose`,
 * `apiKeyAuth()` checks API keys in constant time, `cloudPrincipal()` reads identity the platform
 * already verified, and `requireScopes()` and `requireRoles()` authorise. All add the same typed
 * `ctx.auth`. `jose` is loaded only when `jwtAuth()` or `cloudPrincipal({ iap })` is called, so
 * other functions never load it.
 */
export type { ApiKeyAuthOptions, ApiKeyVerdict } from './api-key.js';
export { apiKeyAuth, safeEqual } from './api-key.js';
export type { CloudPrincipalOptions, IdentityHeaders, PrincipalPlatform } from './cloud.js';
export { cloudPrincipal } from './cloud.js';
export type { JwtAuthOptions, JwtKeyOptions } from './jwt.js';
export { jwtAuth } from './jwt.js';
export { requireRoles } from './roles.js';
export { requireScopes } from './scopes.js';
export type { AuthContext, AuthSource, Principal } from './types.js';
