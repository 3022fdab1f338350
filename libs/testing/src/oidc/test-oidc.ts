/** The test run's OpenID provider (Keycloak), set by the oidc project's globalSetup. */
export const TEST_OIDC_ISSUER_ENV = 'TIP_TEST_OIDC_ISSUER';
/** Why there is no provider for this run (set by globalSetup outside CI instead of failing). */
export const TEST_OIDC_UNAVAILABLE_ENV = 'TIP_TEST_OIDC_UNAVAILABLE';

const NOT_IN_OIDC_PROJECT =
  `${TEST_OIDC_ISSUER_ENV} is not set: tests that need an OpenID provider must be named *.oidc.spec.ts so that ` +
  "they run in the Jest 'oidc' project, whose globalSetup starts Keycloak (`npx jest --selectProjects oidc`)";

export class TestOidcUnavailableError extends Error {
  constructor(reason: string) {
    super(`No OpenID provider for this test: ${reason}`);
    this.name = new.target.name;
  }
}

/** The test realm's issuer URL and the client TIP signs in through. */
export function testOidcProvider(): { issuer: string; clientId: string; clientSecret: string } {
  const issuer = process.env[TEST_OIDC_ISSUER_ENV];
  if (!issuer) throw new TestOidcUnavailableError(process.env[TEST_OIDC_UNAVAILABLE_ENV] || NOT_IN_OIDC_PROJECT);
  return { issuer, clientId: 'tip', clientSecret: 'tip-test-client-secret' };
}

/**
 * `describe` for suites that need the OpenID provider. Without one (no Java 21, Maven or the
 * download) the suite is skipped with the reason in its title, except under CI=true, where it
 * fails with the reason.
 */
export function describeWithOidc(name: string, fn: () => void): void {
  const reason = process.env[TEST_OIDC_ISSUER_ENV]
    ? undefined
    : process.env[TEST_OIDC_UNAVAILABLE_ENV] || NOT_IN_OIDC_PROJECT;
  if (reason === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has an OpenID provider (CI=true: OIDC suites fail rather than skip)', () => {
        throw new TestOidcUnavailableError(reason);
      });
    });
    return;
  }
  console.warn(
    `\n!!! SKIPPING "${name}": no OpenID provider.\n!!! ${reason}\n!!! (Under CI=true this fails instead.)\n`,
  );
  describe.skip(`${name} [SKIPPED, no OpenID provider: ${reason.split('\n')[0]}]`, fn);
}
