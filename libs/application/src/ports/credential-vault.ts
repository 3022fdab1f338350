/**
 * Keeps password hashes unreadable in the log: a hash is sealed with a key of the account's own,
 * held outside the events, so an auditor reading every event sees no hash to attack offline,
 * and forgetting the key ends the credential while the log stays intact.
 */
export interface CredentialVault {
  /** The password's memory-hard hash, sealed with the account's key (made on first use). */
  seal(userId: string, password: string): Promise<string>;
  /** Does the password match the sealed hash? False when the key is gone or the seal broken. */
  matches(userId: string, password: string, sealed: string): Promise<boolean>;
  /** Spends as long as `matches`, for a user id without an account (no timing tells them apart). */
  matchesNothing(password: string): Promise<false>;
}
