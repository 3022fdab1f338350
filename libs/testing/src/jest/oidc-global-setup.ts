import { ensureKeycloak, Keycloak, KeycloakUnavailableError, keycloakCacheDir, startKeycloak } from '../oidc/keycloak';
import { TEST_OIDC_ISSUER_ENV, TEST_OIDC_UNAVAILABLE_ENV } from '../oidc/test-oidc';
import postgresGlobalSetup from './global-setup';
import oidcGlobalTeardown from './oidc-global-teardown';
import { setTestKeycloak } from './test-keycloak-slot';

/**
 * The oidc project's globalSetup: the test PostgreSQL, as for the int project, and one Keycloak
 * for the whole run (its realm imported once into the cache), started side by side.
 */
export default async function oidcGlobalSetup(): Promise<void> {
  const results = await Promise.allSettled([postgresGlobalSetup(), setUpKeycloak()]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await oidcGlobalTeardown().catch(() => undefined);
    throw failure.reason;
  }
}

async function setUpKeycloak(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`\n[keycloak] ${line}\n`);
  let keycloak: Keycloak;
  try {
    keycloak = await startKeycloak(await ensureKeycloak({ log }));
  } catch (error) {
    if (!(error instanceof KeycloakUnavailableError)) throw error;
    const reason = `${error.message}\n(cached in ${keycloakCacheDir()}, set TIP_KEYCLOAK_CACHE to move it)`;
    if (process.env.CI === 'true') {
      throw new KeycloakUnavailableError(`CI=true and no Keycloak for the oidc tests: ${reason}`);
    }
    process.env[TEST_OIDC_UNAVAILABLE_ENV] = reason;
    const bar = '!'.repeat(100);
    log(
      `${bar}\n!!! NO KEYCLOAK: every *.oidc.spec.ts suite is SKIPPED in this run (it would fail under CI=true).\n!!! ${reason.split('\n').join('\n!!! ')}\n${bar}`,
    );
    return;
  }
  log(`Keycloak is up at ${keycloak.url} (started in ${(keycloak.startMs / 1000).toFixed(1)} s)`);
  setTestKeycloak(keycloak);
  // Test workers are forked after globalSetup and inherit this.
  process.env[TEST_OIDC_ISSUER_ENV] = keycloak.issuer;
}
