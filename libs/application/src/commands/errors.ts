/** The body broke the command's schema (or a query its parameters); each problem names the field and the rule. */
export class CommandValidationFailed extends Error {
  constructor(
    readonly problems: { field: string; rule: string }[],
    subject: 'command' | 'query' = 'command',
  ) {
    super(`Invalid ${subject}: ${problems.map((problem) => `${problem.field}: ${problem.rule}`).join('; ')}`);
  }
}

export class UnknownCommand extends Error {
  constructor(readonly commandName: string) {
    super(`There is no command named ${commandName}`);
  }
}

/** The actor's role or unit does not allow this command on this target. */
export class Forbidden extends Error {}

/** Concurrency that retries could not resolve, or an idempotency key reused for another body. */
export class CommandConflict extends Error {}
