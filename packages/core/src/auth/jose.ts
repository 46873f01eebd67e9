/**
 * `jose`, loaded on first use: importing `@skyport/core/auth` for `apiKeyAuth()`,
 * `requireScopes()` or `cloudPrincipal()` without `iap` does not pay its load time.
 */

/** The `jose` module. */
export type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

/**
 * The `jose` module, imported once. `jwtAuth()` and `cloudPrincipal({ iap })` call it when they
 * are defined, so the import runs during cold start rather than in the first request.
 */
export function loadJose(): Promise<Jose> {
  if (loading === undefined) {
    const started = import('jose');
    loading = started;
    // Started early, nobody may await it yet: a failed import is reported to the request that
    // awaits it, and tried again by the next one.
    started.catch(() => {
      if (loading === started) loading = undefined;
    });
  }
  return loading;
}
