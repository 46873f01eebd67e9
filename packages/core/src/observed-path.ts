/**
 * The path that logs and spans record for a request, read so that recording never fails.
 */
import type { HttpRequest } from './types.js';

/**
 * The request's decoded path; for a path that does not decode (malformed percent-encoding, which
 * the function answers 400), the path as it was sent, so the answer is still logged and traced.
 *
 * @example
 * observedPath(req); // '/files/%E0%A4%A' for a request whose path is not valid percent-encoding
 */
export function observedPath(http: HttpRequest): string | undefined {
  try {
    return http.path;
  } catch {
    // A request made by `createHttpRequest()` keeps the path as it was sent.
    const raw = (http as { readonly rawPath?: unknown }).rawPath;
    return typeof raw === 'string' ? raw : undefined;
  }
}
