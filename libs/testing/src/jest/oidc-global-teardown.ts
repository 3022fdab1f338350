import { TEST_OIDC_ISSUER_ENV, TEST_OIDC_UNAVAILABLE_ENV } from '../oidc/test-oidc';
import postgresGlobalTeardown from './global-teardown';
import { takeTestKeycloak } from './test-keycloak-slot';

export default async function oidcGlobalTeardown(): Promise<void> {
  delete process.env[TEST_OIDC_UNAVAILABLE_ENV];
  const keycloak = takeTestKeycloak();
  if (keycloak) delete process.env[TEST_OIDC_ISSUER_ENV];
  await Promise.all([keycloak?.stop(), postgresGlobalTeardown()]);
}
