import type { Keycloak } from '../oidc/keycloak';

/** The Keycloak the oidc project's globalSetup started, handed to its globalTeardown (Jest's main process). */
const KEY = Symbol.for('tip.testing.keycloak');
const slots = globalThis as unknown as Record<symbol, Keycloak | undefined>;

export function setTestKeycloak(keycloak: Keycloak): void {
  slots[KEY] = keycloak;
}

export function takeTestKeycloak(): Keycloak | undefined {
  const keycloak = slots[KEY];
  slots[KEY] = undefined;
  return keycloak;
}
