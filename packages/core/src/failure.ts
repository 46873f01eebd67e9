/** Errors that travel as values on hot paths. */

/**
 * An error a step returns instead of throwing. Bad input is common and cheap to detect, while a
 * `throw` walks the stack and can leave the functions it passes through unoptimised; callers
 * turn a `Failure` into a rejection or an error response.
 */
export class Failure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}
