/**
 * A business rule refused the command. `code` is the contract's error code (QUOTA_EXCEEDED,
 * SCHOOL_CLOSED, …); the API answers 422 with it.
 */
export class RuleViolation extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RuleViolation';
  }
}

/** Exhaustiveness: a `switch` over a union ends here, so a new member fails to compile. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/**
 * The rulebook names who may do this, and the actor is another (a certificate kind the city issues,
 * hours the county records): the API answers 403, like any other act outside the actor's remit.
 */
export class NotPermitted extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'NotPermitted';
  }
}
